#include "plugins/connector.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "core/log.hpp"
#include "plugins/op.hpp"

namespace siemhub::plugins {

namespace asio = boost::asio;

// ------------------------------------------------------------------------------- helpers

namespace {

siemhub_status empty_status() {
  siemhub_status st{};
  st.struct_size = sizeof st;
  return st;
}

CallStatus to_call_status(siemhub_rc rc, const siemhub_status& st) {
  CallStatus c;
  c.rc = rc;
  c.category = st.category;
  c.code = st.code;
  c.retry_after_ms = st.retry_after_ms;
  c.message.assign(st.message, ::strnlen(st.message, sizeof st.message));
  if (rc == SIEMHUB_RC_ERROR && c.category == SIEMHUB_CAT_NONE) c.category = SIEMHUB_CAT_INTERNAL;
  if (rc == SIEMHUB_RC_NOT_SUPPORTED && c.category == SIEMHUB_CAT_NONE) c.category = SIEMHUB_CAT_NOT_SUPPORTED;
  if (rc == SIEMHUB_RC_OK) c.category = SIEMHUB_CAT_NONE;
  return c;
}

CallStatus failure(uint32_t category, std::string message) {
  CallStatus c;
  c.rc = SIEMHUB_RC_ERROR;
  c.category = category;
  c.message = std::move(message);
  return c;
}


std::mutex g_init_mu;

}  // namespace


// ------------------------------------------------------------------------------- lifecycle

std::shared_ptr<Connector> Connector::make(std::string id, std::shared_ptr<PluginModule> module, HostEnvironment& env,
                                           http::ConnectorPolicy http_policy) {
  return std::shared_ptr<Connector>(new Connector(std::move(id), std::move(module), env, std::move(http_policy)));
}

Connector::Connector(std::string id, std::shared_ptr<PluginModule> module, HostEnvironment& env,
                     http::ConnectorPolicy http_policy)
    : id_(std::move(id)),
      module_(std::move(module)),
      env_(env),
      http_policy_(std::move(http_policy)),
      strand_(env.runtime.make_strand()),
      ctx_(std::make_unique<siemhub_host_ctx>(siemhub_host_ctx{this})) {
  http_policy_.connector_id = id_;
}

Connector::~Connector() {
  // destroy() must have run; if not, the instance leaks rather than running plugin code from
  // an arbitrary thread during teardown.
  if (instance_ != nullptr && created_)
    core::log_warn("connector", "connector " + id_ + " dropped without destroy()");
}

template <class F>
CallStatus Connector::run_sync(F&& f) {
  if (strand_.running_in_this_thread()) return f();
  std::promise<CallStatus> p;
  auto fut = p.get_future();
  asio::post(strand_, [&] {
    try {
      p.set_value(f());
    } catch (...) {
      p.set_value(failure(SIEMHUB_CAT_INTERNAL, "exception in the host while calling the plugin"));
    }
  });
  return fut.get();
}

CallStatus Connector::create(const std::string& config_json) {
  {
    std::lock_guard lock(g_init_mu);
    std::string err;
    if (!module_->init(host_api(), err)) return failure(SIEMHUB_CAT_CONFIG, err);
  }
  return run_sync([&] {
    siemhub_status st = empty_status();
    siemhub_rc rc = SIEMHUB_RC_ERROR;
    try {
      rc = module_->descriptor().create_instance(ctx_.get(), config_json.data(), config_json.size(), &instance_, &st);
    } catch (...) {
      fill_status(&st, SIEMHUB_CAT_INTERNAL, "create_instance threw an exception");
    }
    created_ = rc == SIEMHUB_RC_OK;
    return to_call_status(rc, st);
  });
}

CallStatus Connector::start() {
  return run_sync([&] {
    if (!created_) return failure(SIEMHUB_CAT_INTERNAL, "start before create");
    siemhub_status st = empty_status();
    siemhub_rc rc = SIEMHUB_RC_ERROR;
    try {
      rc = module_->descriptor().start(instance_, &st);
    } catch (...) {
      fill_status(&st, SIEMHUB_CAT_INTERNAL, "start threw an exception");
    }
    started_ = rc == SIEMHUB_RC_OK;
    return to_call_status(rc, st);
  });
}

CallStatus Connector::stop(int64_t deadline_ms) {
  stopping_ = true;
  return run_sync([&] {
    if (!started_) return CallStatus{};
    started_ = false;
    for (auto& [tid, t] : timers_) t.timer->cancel();
    timers_.clear();
    siemhub_status st = empty_status();
    siemhub_rc rc = SIEMHUB_RC_ERROR;
    try {
      rc = module_->descriptor().stop(instance_, deadline_ms, &st);
    } catch (...) {
      fill_status(&st, SIEMHUB_CAT_INTERNAL, "stop threw an exception");
    }
    return to_call_status(rc, st);
  });
}

void Connector::destroy() {
  stopping_ = true;
  run_sync([&] {
    for (auto& [tid, t] : timers_) t.timer->cancel();
    timers_.clear();
    // In-flight HTTP requests: cancelled at the service (their late completions find nothing)
    // and completed here with CANCELLED while the plugin still exists, so `done` runs exactly
    // once as plugin.h promises and whatever the plugin tied to the request is released.
    destroying_ = true;
    auto in_flight = std::move(http_ids_);
    http_ids_.clear();
    for (auto& [pid, call] : in_flight) {
      env_.http.cancel(call.sid);
      if (!created_) continue;
      siemhub_status s = empty_status();
      fill_status(&s, SIEMHUB_CAT_CANCELLED, "connector destroyed");
      try {
        call.done(call.user, nullptr, &s);
      } catch (...) {
        core::Log::write(core::LogLevel::error, "connector", "an HTTP completion threw an exception", id_);
      }
    }
    http_ids_.clear();  // requests the completions started: refused (stopping), nothing to finish
    if (created_) {
      try {
        module_->descriptor().destroy_instance(instance_);
      } catch (...) {
        core::Log::write(core::LogLevel::error, "connector", "destroy_instance threw an exception", id_);
      }
      created_ = false;
      instance_ = nullptr;
    }
    // Ops the plugin never completed: their callers get CANCELLED; the plugin is gone.
    auto ops = std::move(ops_);
    for (auto& [raw, op] : ops) {
      if (op->finished) continue;
      op->result.status = failure(SIEMHUB_CAT_CANCELLED, "connector destroyed");
      deliver(op);
    }
    return CallStatus{};
  });
}

// ------------------------------------------------------------------------------- operations

std::shared_ptr<Connector::Op> Connector::begin_op(uint32_t timeout_ms, OpDone done) {
  auto op = std::make_shared<Op>();
  op->connector = this;
  op->done = std::move(done);
  ops_[op.get()] = op;
  if (timeout_ms > 0) {
    op->deadline = std::make_unique<asio::steady_timer>(strand_, std::chrono::milliseconds(timeout_ms));
    std::weak_ptr<Op> weak = op;
    op->deadline->async_wait([this, weak, self = shared_from_this()](const boost::system::error_code& ec) {
      auto o = weak.lock();
      if (ec || !o || o->finished) return;
      o->cancelled = true;
      o->result.status = failure(SIEMHUB_CAT_TIMEOUT, "plugin did not complete the operation within its deadline");
      deliver(o);  // stays in ops_ until the plugin completes it (or the connector is destroyed)
    });
  }
  return op;
}

void Connector::deliver(const std::shared_ptr<Op>& op) {
  op->finished = true;
  if (op->deadline) op->deadline->cancel();
  if (op->done) {
    auto done = std::move(op->done);
    try {
      done(std::move(op->result));
    } catch (const std::exception& e) {
      core::log_error("connector", std::string("operation completion threw: ") + e.what());
    }
  }
}

void Connector::finish_call(const std::shared_ptr<Op>& op, siemhub_rc rc, const siemhub_status& st) {
  if (rc == SIEMHUB_RC_PENDING) return;  // the plugin calls op_complete later
  ops_.erase(op.get());
  if (op->finished) return;
  op->result.status = to_call_status(rc, st);
  deliver(op);
}

void Connector::complete_op(Op* raw, const siemhub_status* st) {
  auto it = ops_.find(raw);
  if (it == ops_.end()) {
    core::Log::write(core::LogLevel::warn, "connector", "plugin completed an unknown or already completed operation", id_);
    return;
  }
  auto op = it->second;
  ops_.erase(it);
  if (op->finished) return;
  siemhub_status s = st ? *st : empty_status();
  op->result.status = to_call_status(s.category == SIEMHUB_CAT_NONE ? SIEMHUB_RC_OK : SIEMHUB_RC_ERROR, s);
  deliver(op);
}

#define SIEMHUB_CALL_PLUGIN(expr, what)                                       \
  siemhub_status st = empty_status();                                         \
  siemhub_rc rc = SIEMHUB_RC_ERROR;                                           \
  try {                                                                       \
    rc = (expr);                                                              \
  } catch (...) {                                                             \
    fill_status(&st, SIEMHUB_CAT_INTERNAL, what " threw an exception");              \
    rc = SIEMHUB_RC_ERROR;                                                    \
  }                                                                           \
  finish_call(op, rc, st)

void Connector::poll(std::string cursor, uint32_t max_events, uint32_t timeout_ms, OpDone done) {
  asio::post(strand_, [this, self = shared_from_this(), cursor = std::move(cursor), max_events, timeout_ms,
                       done = std::move(done)]() mutable {
    auto op = begin_op(timeout_ms, std::move(done));
    const auto* vt = module_->descriptor().source_pull;
    if (!created_ || vt == nullptr) {
      siemhub_status st = empty_status();
      fill_status(&st, SIEMHUB_CAT_NOT_SUPPORTED, "connector is not a pull source");
      finish_call(op, SIEMHUB_RC_NOT_SUPPORTED, st);
      return;
    }
    const int64_t deadline = timeout_ms ? env_.clock.now_ms() + timeout_ms : 0;
    siemhub_poll_request req{sizeof req, max_events, cursor.empty() ? nullptr : cursor.data(), cursor.size(), deadline};
    SIEMHUB_CALL_PLUGIN(vt->poll(instance_, reinterpret_cast<siemhub_op*>(op.get()), &req, &st), "poll");
  });
}

void Connector::write(std::vector<std::string> events, std::vector<std::string> ids, uint32_t timeout_ms, OpDone done) {
  auto owned = std::make_shared<std::pair<std::vector<std::string>, std::vector<std::string>>>(std::move(events),
                                                                                                std::move(ids));
  std::vector<std::string_view> ev(owned->first.begin(), owned->first.end());
  std::vector<std::string_view> id(owned->second.begin(), owned->second.end());
  write(std::move(ev), std::move(id), std::move(owned), timeout_ms, std::move(done));
}

void Connector::write(std::vector<std::string_view> events, std::vector<std::string_view> ids,
                      std::shared_ptr<const void> keep_alive, uint32_t timeout_ms, OpDone done) {
  asio::post(strand_, [this, self = shared_from_this(), events = std::move(events), ids = std::move(ids),
                       keep_alive = std::move(keep_alive), timeout_ms, done = std::move(done)]() mutable {
    auto op = begin_op(timeout_ms, std::move(done));
    op->result.results.resize(events.size());
    const auto* vt = module_->descriptor().sink;
    if (!created_ || vt == nullptr) {
      siemhub_status st = empty_status();
      fill_status(&st, SIEMHUB_CAT_NOT_SUPPORTED, "connector is not a sink");
      finish_call(op, SIEMHUB_RC_NOT_SUPPORTED, st);
      return;
    }
    std::vector<siemhub_event> evs(events.size());
    for (size_t i = 0; i < events.size(); ++i) {
      evs[i].data = events[i].data();
      evs[i].size = events[i].size();
      if (i < ids.size()) {
        evs[i].id = ids[i].data();
        evs[i].id_size = ids[i].size();
      }
    }
    siemhub_batch b{sizeof b, static_cast<uint32_t>(evs.size()), evs.data()};
    SIEMHUB_CALL_PLUGIN(vt->write(instance_, reinterpret_cast<siemhub_op*>(op.get()), &b, &st), "write");
  });
}

void Connector::lookup(std::vector<std::pair<std::string, std::string>> keys, uint32_t timeout_ms, OpDone done) {
  asio::post(strand_, [this, self = shared_from_this(), keys = std::move(keys), timeout_ms, done = std::move(done)]() mutable {
    auto op = begin_op(timeout_ms, std::move(done));
    op->result.lookups.resize(keys.size());
    const auto* vt = module_->descriptor().enrich;
    if (!created_ || vt == nullptr) {
      siemhub_status st = empty_status();
      fill_status(&st, SIEMHUB_CAT_NOT_SUPPORTED, "connector is not an enricher");
      finish_call(op, SIEMHUB_RC_NOT_SUPPORTED, st);
      return;
    }
    std::vector<siemhub_lookup_key> ks(keys.size());
    for (size_t i = 0; i < keys.size(); ++i) ks[i] = {keys[i].first.c_str(), keys[i].second.data(), keys[i].second.size()};
    const int64_t deadline = timeout_ms ? env_.clock.now_ms() + timeout_ms : 0;
    siemhub_lookup_request req{sizeof req, static_cast<uint32_t>(ks.size()), ks.data(), deadline};
    SIEMHUB_CALL_PLUGIN(vt->lookup(instance_, reinterpret_cast<siemhub_op*>(op.get()), &req, &st), "lookup");
  });
}

void Connector::execute(ActionCall call, uint32_t timeout_ms, OpDone done) {
  action(false, std::move(call), timeout_ms, std::move(done));
}

void Connector::status(ActionCall call, uint32_t timeout_ms, OpDone done) {
  action(true, std::move(call), timeout_ms, std::move(done));
}

void Connector::action(bool status_call, ActionCall call, uint32_t timeout_ms, OpDone done) {
  asio::post(strand_, [this, self = shared_from_this(), status_call, call = std::move(call), timeout_ms,
                       done = std::move(done)]() mutable {
    auto op = begin_op(timeout_ms, std::move(done));
    const auto* vt = module_->descriptor().action;
    if (!created_ || vt == nullptr) {
      siemhub_status st = empty_status();
      fill_status(&st, SIEMHUB_CAT_NOT_SUPPORTED, "connector has no actions");
      finish_call(op, SIEMHUB_RC_NOT_SUPPORTED, st);
      return;
    }
    const int64_t deadline = timeout_ms ? env_.clock.now_ms() + timeout_ms : 0;
    siemhub_action_request req{sizeof req, call.action.c_str(), call.params.data(), call.params.size(),
                               call.idempotency_key.c_str(), call.prior.empty() ? nullptr : call.prior.data(),
                               call.prior.size(), call.simulate ? 1 : 0, deadline};
    auto* raw = reinterpret_cast<siemhub_op*>(op.get());
    SIEMHUB_CALL_PLUGIN(status_call ? vt->status(instance_, raw, &req, &st) : vt->execute(instance_, raw, &req, &st),
                        "action");
  });
}

#undef SIEMHUB_CALL_PLUGIN

void Connector::pause() {
  asio::post(strand_, [this, self = shared_from_this()] {
    const auto* vt = module_->descriptor().source_push;
    if (created_ && vt) {
      try {
        vt->pause(instance_);
      } catch (...) {
        core::Log::write(core::LogLevel::error, "connector", "pause threw an exception", id_);
      }
    }
  });
}

void Connector::resume() {
  asio::post(strand_, [this, self = shared_from_this()] {
    const auto* vt = module_->descriptor().source_push;
    if (created_ && vt) {
      try {
        vt->resume(instance_);
      } catch (...) {
        core::Log::write(core::LogLevel::error, "connector", "resume threw an exception", id_);
      }
    }
  });
}

siemhub_health Connector::health() {
  siemhub_health h{};
  h.struct_size = sizeof h;
  {
    std::lock_guard lock(health_mu_);
    h.state = reported_state_;
    std::snprintf(h.reason, sizeof h.reason, "%s", reported_reason_.c_str());
  }
  const auto fn = module_->descriptor().health;
  if (fn == nullptr) return h;
  run_sync([&] {
    if (!created_) return CallStatus{};
    siemhub_health ph{};
    ph.struct_size = sizeof ph;
    try {
      fn(instance_, &ph);
    } catch (...) {
      ph.state = SIEMHUB_HEALTH_DEGRADED;
      std::snprintf(ph.reason, sizeof ph.reason, "health() threw an exception");
    }
    if (ph.state > h.state) h = ph;  // the worse of the two views wins
    return CallStatus{};
  });
  return h;
}

// ------------------------------------------------------------------------------- services

void Connector::set_emit_handler(EmitHandler h) {
  std::lock_guard lock(emit_mu_);
  emit_handler_ = std::move(h);
}

void Connector::log(siemhub_log_level level, const char* message) {
  const auto lvl = static_cast<core::LogLevel>(std::clamp(level, SIEMHUB_LOG_TRACE, SIEMHUB_LOG_ERROR));
  core::Log::write(lvl, "plugin", message ? message : "", id_);
}

siemhub_rc Connector::emit(const siemhub_batch* batch, siemhub_emit_done_fn done, void* user, siemhub_status* st) {
  if (batch == nullptr) {
    fill_status(st, SIEMHUB_CAT_INTERNAL, "emit with a NULL batch");
    return SIEMHUB_RC_ERROR;
  }
  std::vector<std::string> events;
  events.reserve(batch->count);
  for (uint32_t i = 0; i < batch->count; ++i) events.emplace_back(batch->events[i].data, batch->events[i].size);
  EmitHandler handler;
  {
    std::lock_guard lock(emit_mu_);
    handler = emit_handler_;
  }
  if (!handler) {
    fill_status(st, SIEMHUB_CAT_NOT_SUPPORTED, "connector " + id_ + " is not a source of the running pipeline");
    return SIEMHUB_RC_NOT_SUPPORTED;
  }
  std::function<void(siemhub_rc, const CallStatus&)> durable;
  if (done != nullptr) {
    durable = [this, self = shared_from_this(), done, user](siemhub_rc rc, const CallStatus& cs) {
      asio::post(strand_, [done, user, rc, cs] {
        siemhub_status s = empty_status();
        fill_status(&s, cs.category, cs.message);
        s.retry_after_ms = cs.retry_after_ms;
        done(user, rc, &s);
      });
    };
  }
  const siemhub_rc rc = handler(std::move(events), std::move(durable));
  if (rc == SIEMHUB_RC_BUSY) {
    fill_status(st, SIEMHUB_CAT_RATE_LIMIT, "the hub is at its buffer cap");
    st->retry_after_ms = 1000;
  }
  return rc;
}

siemhub_rc Connector::http_request(const siemhub_http_request* req, siemhub_http_done_fn done, void* user,
                                   uint64_t* out_id, siemhub_status* st) {
  if (req == nullptr || done == nullptr || req->url == nullptr) {
    fill_status(st, SIEMHUB_CAT_INTERNAL, "http_request needs a request with a url and a completion");
    return SIEMHUB_RC_ERROR;
  }
  if (destroying_) {  // a completion run by destroy() asking for more
    fill_status(st, SIEMHUB_CAT_CANCELLED, "connector destroyed");
    return SIEMHUB_RC_ERROR;
  }
  http::Request r;
  r.method = req->method ? req->method : "GET";
  r.url = req->url;
  for (uint32_t i = 0; i < req->header_count; ++i)
    if (req->headers[i].name && req->headers[i].value) r.headers.emplace_back(req->headers[i].name, req->headers[i].value);
  if (req->body && req->body_size) r.body.assign(req->body, req->body_size);
  r.gzip_body = (req->flags & SIEMHUB_HTTP_GZIP_BODY) != 0;
  r.decompress = (req->flags & SIEMHUB_HTTP_NO_DECOMPRESS) == 0;
  r.timeout = std::chrono::milliseconds(req->timeout_ms);
  const uint64_t pid = next_http_++;
  auto self = shared_from_this();
  if (req->on_chunk != nullptr) {
    // Chunks arrive on the HTTP worker; the plugin sees them in order on its strand.
    auto abort = std::make_shared<std::atomic<bool>>(false);
    auto fn = req->on_chunk;
    void* cu = req->chunk_user;
    r.on_chunk = [this, self, fn, cu, abort, pid](std::string_view data) {
      if (abort->load()) return false;
      asio::post(strand_, [this, fn, cu, abort, pid, copy = std::string(data)] {
        if (abort->load() || !http_ids_.count(pid)) return;
        if (fn(cu, copy.data(), copy.size()) != 0) {
          abort->store(true);
          env_.http.cancel(http_ids_[pid].sid);
        }
      });
      return true;
    };
  }
  http_ids_[pid] = HttpCall{0, done, user};  // registered before submit: the completion may be queued right away
  const uint64_t sid = env_.http.submit(
      http_policy_, &http_metrics_, std::move(r),
      [this, self, done, user, pid](std::optional<http::Response> resp, std::optional<http::Failure> fail) {
        asio::post(strand_, [this, self, done, user, pid, resp = std::move(resp), fail = std::move(fail)] {
          if (http_ids_.erase(pid) == 0) return;  // cancelled by destroy: the plugin is gone
          if (resp) {
            std::vector<siemhub_http_header> hs;
            hs.reserve(resp->headers.size());
            for (const auto& [n, v] : resp->headers) hs.push_back({n.c_str(), v.c_str()});
            siemhub_http_response out{sizeof out,         resp->status,        hs.data(),
                                      static_cast<uint32_t>(hs.size()), resp->body.data(), resp->body.size(),
                                      resp->retry_after_ms, resp->elapsed_ms};
            done(user, &out, nullptr);
          } else {
            siemhub_status s = empty_status();
            fill_status(&s, fail ? fail->category : SIEMHUB_CAT_TRANSIENT, fail ? fail->message : "request failed");
            done(user, nullptr, &s);
          }
        });
      });
  // Still on the strand: no completion can run before this.
  if (auto it = http_ids_.find(pid); it != http_ids_.end()) it->second.sid = sid;
  if (out_id) *out_id = pid;
  return SIEMHUB_RC_OK;
}

void Connector::http_cancel(uint64_t id) {
  auto it = http_ids_.find(id);
  if (it != http_ids_.end()) env_.http.cancel(it->second.sid);
}

void Connector::schedule_timer(uint64_t id, uint32_t delay_ms) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  it->second.timer->expires_after(std::chrono::milliseconds(delay_ms));
  it->second.timer->async_wait([this, self = shared_from_this(), id](const boost::system::error_code& ec) {
    if (ec) return;
    auto t = timers_.find(id);
    if (t == timers_.end() || !created_) return;
    const auto fn = t->second.fn;
    void* user = t->second.user;
    const bool repeat = t->second.repeat;
    const uint32_t delay = t->second.delay_ms;
    if (!repeat) timers_.erase(t);
    try {
      fn(user);
    } catch (...) {
      core::Log::write(core::LogLevel::error, "connector", "timer callback threw an exception", id_);
    }
    if (repeat) schedule_timer(id, delay);
  });
}

uint64_t Connector::timer_start(uint32_t delay_ms, uint32_t flags, siemhub_timer_fn fn, void* user) {
  if (fn == nullptr || stopping_) return 0;
  const uint64_t id = next_timer_++;
  timers_[id] = Timer{std::make_unique<asio::steady_timer>(strand_), fn, user, (flags & SIEMHUB_TIMER_REPEAT) != 0,
                      std::max<uint32_t>(delay_ms, 1)};
  schedule_timer(id, delay_ms);
  return id;
}

void Connector::timer_cancel(uint64_t id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  it->second.timer->cancel();
  timers_.erase(it);
}

siemhub_rc Connector::run_blocking(siemhub_blocking_fn work, siemhub_blocking_done_fn done, void* user) {
  if (work == nullptr) return SIEMHUB_RC_ERROR;
  asio::post(env_.runtime.blocking_pool(), [this, self = shared_from_this(), work, done, user] {
    try {
      work(user);
    } catch (...) {
      core::Log::write(core::LogLevel::error, "connector", "blocking work threw an exception", id_);
    }
    if (done) asio::post(strand_, [done, user] { done(user); });
  });
  return SIEMHUB_RC_OK;
}

siemhub_metric* Connector::metric_define(const char* name, const char* help, uint32_t type) {
  if (name == nullptr || !core::valid_metric_name(name) || type > SIEMHUB_METRIC_HISTOGRAM) return nullptr;
  auto* m = env_.metrics.get(std::string("siemhub_plugin_") + name, help ? help : "",
                             static_cast<core::MetricType>(type), {{"connector", id_}, {"plugin", module_->id()}});
  return reinterpret_cast<siemhub_metric*>(m);
}

void Connector::report_health(int32_t state, const char* reason) {
  std::lock_guard lock(health_mu_);
  reported_state_ = std::clamp(state, SIEMHUB_HEALTH_OK, SIEMHUB_HEALTH_DOWN);
  reported_reason_ = reason ? reason : "";
}

}  // namespace siemhub::plugins
