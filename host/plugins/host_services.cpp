// The host services table (siemhub_host_api) every plugin gets at init. Each entry is a
// noexcept C function that forwards to the connector behind the context or the op; nothing
// thrown in the host crosses back into plugin code.
#include <cstddef>
#include <cstring>
#include <exception>
#include <string_view>

#include "core/log.hpp"
#include "core/secrets.hpp"
#include "plugins/connector.hpp"
#include "plugins/op.hpp"

namespace siemhub::plugins {
namespace {


// Runs `f`; a host exception becomes an INTERNAL error for the plugin instead of unwinding
// through its frames.
template <class F>
siemhub_rc guarded(siemhub_status* st, F&& f) noexcept {
  try {
    return f();
  } catch (const std::exception& e) {
    fill_status(st, SIEMHUB_CAT_INTERNAL, std::string("host error: ") + e.what());
  } catch (...) {
    fill_status(st, SIEMHUB_CAT_INTERNAL, "host error");
  }
  return SIEMHUB_RC_ERROR;
}

Connector* conn(siemhub_host_ctx* ctx) { return ctx ? ctx->connector : nullptr; }

bool bad_ctx(siemhub_host_ctx* ctx, siemhub_status* st) {
  if (conn(ctx) != nullptr) return false;
  fill_status(st, SIEMHUB_CAT_INTERNAL, "this host service needs the instance context");
  return true;
}

void svc_log(siemhub_host_ctx* ctx, siemhub_log_level level, const char* message) noexcept {
  try {
    if (auto* c = conn(ctx)) {
      c->log(level, message);
    } else {
      core::Log::write(static_cast<core::LogLevel>(std::clamp(level, SIEMHUB_LOG_TRACE, SIEMHUB_LOG_ERROR)), "plugin",
                       message ? message : "");
    }
  } catch (...) {
  }
}

siemhub_metric* svc_metric_define(siemhub_host_ctx* ctx, const char* name, const char* help, uint32_t type) noexcept {
  try {
    if (auto* c = conn(ctx)) return c->metric_define(name, help, type);
  } catch (...) {
  }
  return nullptr;
}

void svc_metric_record(siemhub_metric* m, double value) noexcept {
  if (m != nullptr) reinterpret_cast<core::Metric*>(m)->record(value);
}

siemhub_rc svc_http_request(siemhub_host_ctx* ctx, const siemhub_http_request* req, siemhub_http_done_fn done,
                            void* user, uint64_t* out_id, siemhub_status* st) noexcept {
  if (bad_ctx(ctx, st)) return SIEMHUB_RC_ERROR;
  return guarded(st, [&] { return conn(ctx)->http_request(req, done, user, out_id, st); });
}

void svc_http_cancel(siemhub_host_ctx* ctx, uint64_t id) noexcept {
  try {
    if (auto* c = conn(ctx)) c->http_cancel(id);
  } catch (...) {
  }
}

uint64_t svc_timer_start(siemhub_host_ctx* ctx, uint32_t delay_ms, uint32_t flags, siemhub_timer_fn fn,
                         void* user) noexcept {
  try {
    if (auto* c = conn(ctx)) return c->timer_start(delay_ms, flags, fn, user);
  } catch (...) {
  }
  return 0;
}

void svc_timer_cancel(siemhub_host_ctx* ctx, uint64_t id) noexcept {
  try {
    if (auto* c = conn(ctx)) c->timer_cancel(id);
  } catch (...) {
  }
}

siemhub_rc svc_run_blocking(siemhub_host_ctx* ctx, siemhub_blocking_fn work, siemhub_blocking_done_fn done, void* user,
                            siemhub_status* st) noexcept {
  if (bad_ctx(ctx, st)) return SIEMHUB_RC_ERROR;
  return guarded(st, [&] { return conn(ctx)->run_blocking(work, done, user); });
}

siemhub_rc svc_kv_get(siemhub_host_ctx* ctx, const char* key, siemhub_bytes_fn out, void* user,
                      siemhub_status* st) noexcept {
  if (bad_ctx(ctx, st)) return SIEMHUB_RC_ERROR;
  return guarded(st, [&] {
    auto v = conn(ctx)->env().kv.get(conn(ctx)->id(), key ? key : "");
    if (!v) return SIEMHUB_RC_NOT_FOUND;
    if (out) out(user, v->data(), v->size());
    return SIEMHUB_RC_OK;
  });
}

siemhub_rc svc_kv_put(siemhub_host_ctx* ctx, const char* key, const char* value, size_t size,
                      siemhub_status* st) noexcept {
  if (bad_ctx(ctx, st)) return SIEMHUB_RC_ERROR;
  return guarded(st, [&] {
    conn(ctx)->env().kv.put(conn(ctx)->id(), key ? key : "", std::string_view(value ? value : "", value ? size : 0));
    return SIEMHUB_RC_OK;
  });
}

siemhub_rc svc_kv_delete(siemhub_host_ctx* ctx, const char* key, siemhub_status* st) noexcept {
  if (bad_ctx(ctx, st)) return SIEMHUB_RC_ERROR;
  return guarded(st, [&] {
    conn(ctx)->env().kv.erase(conn(ctx)->id(), key ? key : "");
    return SIEMHUB_RC_OK;
  });
}

siemhub_rc svc_secret_resolve(siemhub_host_ctx*, const char* reference, siemhub_bytes_fn out, void* user,
                              siemhub_status* st) noexcept {
  return guarded(st, [&] {
    std::string error;
    auto v = core::resolve_secret(reference ? reference : "", error);
    if (!v) {
      fill_status(st, SIEMHUB_CAT_CONFIG, error);
      return SIEMHUB_RC_NOT_FOUND;
    }
    if (out) out(user, v->data(), v->size());
    return SIEMHUB_RC_OK;
  });
}

siemhub_rc svc_emit(siemhub_host_ctx* ctx, const siemhub_batch* batch, siemhub_emit_done_fn done, void* user,
                    siemhub_status* st) noexcept {
  if (bad_ctx(ctx, st)) return SIEMHUB_RC_ERROR;
  return guarded(st, [&] { return conn(ctx)->emit(batch, done, user, st); });
}

void svc_op_complete(siemhub_op* op, const siemhub_status* st) noexcept {
  if (op == nullptr) return;
  try {
    auto* o = from_handle(op);
    o->connector->complete_op(o, st);
  } catch (...) {
  }
}

int svc_op_is_cancelled(const siemhub_op* op) noexcept {
  if (op == nullptr) return 1;
  const auto* o = from_handle(op);
  return (o->cancelled || o->finished || o->connector->stopping()) ? 1 : 0;
}

siemhub_rc svc_op_emit(siemhub_op* op, const siemhub_batch* batch, siemhub_status* st) noexcept {
  if (op == nullptr || batch == nullptr) return SIEMHUB_RC_ERROR;
  return guarded(st, [&] {
    auto& events = from_handle(op)->result.events;
    for (uint32_t i = 0; i < batch->count; ++i) events.emplace_back(batch->events[i].data, batch->events[i].size);
    return SIEMHUB_RC_OK;
  });
}

siemhub_rc svc_op_set_cursor(siemhub_op* op, const char* cursor, size_t size) noexcept {
  if (op == nullptr) return SIEMHUB_RC_ERROR;
  return guarded(nullptr, [&] {
    from_handle(op)->result.cursor = std::string(cursor ? cursor : "", cursor ? size : 0);
    return SIEMHUB_RC_OK;
  });
}

siemhub_rc svc_op_set_results(siemhub_op* op, uint32_t first, uint32_t count, const siemhub_event_result* r) noexcept {
  if (op == nullptr || r == nullptr) return SIEMHUB_RC_ERROR;
  return guarded(nullptr, [&] {
    auto& results = from_handle(op)->result.results;
    if (first >= results.size() || count > results.size() - first) return SIEMHUB_RC_ERROR;
    for (uint32_t i = first; i < first + count; ++i) {
      results[i].outcome = r->outcome;
      results[i].category = r->category;
      results[i].retry_after_ms = r->retry_after_ms;
      results[i].reason = r->reason ? r->reason : "";
      results[i].response = r->response ? r->response : "";
    }
    return SIEMHUB_RC_OK;
  });
}

siemhub_rc svc_op_set_lookup(siemhub_op* op, uint32_t index, const siemhub_lookup_result* r) noexcept {
  if (op == nullptr || r == nullptr) return SIEMHUB_RC_ERROR;
  return guarded(nullptr, [&] {
    auto& lookups = from_handle(op)->result.lookups;
    if (index >= lookups.size()) return SIEMHUB_RC_ERROR;
    lookups[index] = LookupAnswer{true, r->found != 0, std::string(r->value ? r->value : "", r->value ? r->value_size : 0),
                                  r->ttl_ms};
    return SIEMHUB_RC_OK;
  });
}

siemhub_rc svc_op_set_action_result(siemhub_op* op, const char* json, size_t size) noexcept {
  if (op == nullptr) return SIEMHUB_RC_ERROR;
  return guarded(nullptr, [&] {
    from_handle(op)->result.action_result.assign(json ? json : "", json ? size : 0);
    return SIEMHUB_RC_OK;
  });
}

siemhub_rc svc_op_set_action_outcome(siemhub_op* op, siemhub_action_outcome outcome) noexcept {
  if (op == nullptr || outcome > SIEMHUB_ACTION_OUTCOME_NOT_FOUND) return SIEMHUB_RC_ERROR;
  return guarded(nullptr, [&] {
    auto* o = from_handle(op);
    const std::string_view what = o->what;
    if ((what != "execute" && what != "status") || o->finished) return SIEMHUB_RC_ERROR;
    o->result.action_outcome = outcome;
    return SIEMHUB_RC_OK;
  });
}

int svc_is_cancelled(siemhub_host_ctx* ctx) noexcept {
  auto* c = conn(ctx);
  return (c == nullptr || c->stopping()) ? 1 : 0;
}

int64_t svc_now_ms(siemhub_host_ctx* ctx) noexcept {
  if (auto* c = conn(ctx)) return c->env().clock.now_ms();
  return core::SystemClock::instance().now_ms();
}

void svc_report_health(siemhub_host_ctx* ctx, int32_t state, const char* reason) noexcept {
  try {
    if (auto* c = conn(ctx)) c->report_health(state, reason);
  } catch (...) {
  }
}

const siemhub_host_api kHostApi = {
    sizeof(siemhub_host_api),
    SIEMHUB_ABI_MAJOR,
    SIEMHUB_ABI_MINOR,
    &svc_log,
    &svc_metric_define,
    &svc_metric_record,
    &svc_http_request,
    &svc_http_cancel,
    &svc_timer_start,
    &svc_timer_cancel,
    &svc_run_blocking,
    &svc_kv_get,
    &svc_kv_put,
    &svc_kv_delete,
    &svc_secret_resolve,
    &svc_emit,
    &svc_op_complete,
    &svc_op_is_cancelled,
    &svc_op_emit,
    &svc_op_set_cursor,
    &svc_op_set_results,
    &svc_op_set_lookup,
    &svc_op_set_action_result,
    &svc_is_cancelled,
    &svc_now_ms,
    &svc_report_health,
    // ABI 1.1
    &svc_op_set_action_outcome,
};
static_assert(sizeof(kHostApi) == offsetof(siemhub_host_api, op_set_action_outcome) + sizeof(kHostApi.op_set_action_outcome),
              "the host table sets every service of its ABI");
// Each 1.1 field starts at the 1.0 size: a 1.0 struct_size (padding included) never covers it.
static_assert(SIEMHUB_HOST_API_SIZE_1_0 == offsetof(siemhub_host_api, report_health) + sizeof(void (*)()),
              "siemhub_host_api 1.1 services start right after the 1.0 ones");

}  // namespace

const siemhub_host_api* host_api() { return &kHostApi; }

}  // namespace siemhub::plugins
