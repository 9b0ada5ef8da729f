// siemhub SDK test kit — FakeHost implementation. See fake_host.hpp.
#include "siemhub/testing/fake_host.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <utility>

#include "siemhub/plugin.hpp"  // the log prefix of an exception caught at a callback boundary

namespace siemhub::testing {

// ============================================================================ small helpers

const char* category_name(siemhub_category c) {
  switch (c) {
    case SIEMHUB_CAT_NONE: return "NONE";
    case SIEMHUB_CAT_CONFIG: return "CONFIG";
    case SIEMHUB_CAT_AUTH: return "AUTH";
    case SIEMHUB_CAT_RATE_LIMIT: return "RATE_LIMIT";
    case SIEMHUB_CAT_TRANSIENT: return "TRANSIENT";
    case SIEMHUB_CAT_PERMANENT: return "PERMANENT";
    case SIEMHUB_CAT_CANCELLED: return "CANCELLED";
    case SIEMHUB_CAT_TIMEOUT: return "TIMEOUT";
    case SIEMHUB_CAT_NOT_SUPPORTED: return "NOT_SUPPORTED";
    case SIEMHUB_CAT_INTERNAL: return "INTERNAL";
    default: return "UNKNOWN";
  }
}

const char* rc_name(siemhub_rc rc) {
  switch (rc) {
    case SIEMHUB_RC_OK: return "OK";
    case SIEMHUB_RC_ERROR: return "ERROR";
    case SIEMHUB_RC_PENDING: return "PENDING";
    case SIEMHUB_RC_BUSY: return "BUSY";
    case SIEMHUB_RC_NOT_FOUND: return "NOT_FOUND";
    case SIEMHUB_RC_NOT_SUPPORTED: return "NOT_SUPPORTED";
    default: return "UNKNOWN_RC";
  }
}

const char* op_kind_name(OpKind k) {
  switch (k) {
    case OpKind::poll: return "poll";
    case OpKind::write: return "write";
    case OpKind::lookup: return "lookup";
    case OpKind::execute: return "execute";
    case OpKind::status: return "status";
  }
  return "op";
}

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

void fill(siemhub_status* st, siemhub_category c, std::string_view msg, uint32_t retry = 0) {
  if (st == nullptr) return;
  st->category = c;
  st->retry_after_ms = retry;
  const size_t n = std::min(msg.size(), sizeof st->message - 1);
  std::memcpy(st->message, msg.data(), n);
  st->message[n] = '\0';
}

siemhub_status make_status(siemhub_category c, std::string_view msg, int32_t code = 0) {
  siemhub_status st{};
  st.struct_size = sizeof st;
  st.code = code;
  fill(&st, c, msg);
  return st;
}

// Host and port of an absolute http(s) URL; false when it is not one.
bool parse_url(const std::string& url, std::string& host, int& port, bool& default_port) {
  const auto p = url.find("://");
  if (p == std::string::npos) return false;
  std::string scheme = url.substr(0, p);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (scheme != "http" && scheme != "https") return false;
  std::string rest = url.substr(p + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const auto at = rest.rfind('@'); at != std::string::npos) rest = rest.substr(at + 1);
  port = scheme == "https" ? 443 : 80;
  if (!rest.empty() && rest.front() == '[') {  // IPv6 literal
    const auto close = rest.find(']');
    if (close == std::string::npos) return false;
    host = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':') port = std::atoi(rest.c_str() + close + 2);
  } else {
    const auto colon = rest.rfind(':');
    host = rest.substr(0, colon);
    if (colon != std::string::npos) port = std::atoi(rest.c_str() + colon + 1);
  }
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  default_port = port == (scheme == "https" ? 443 : 80);
  return !host.empty();
}

// "host[:port|:*]" with "*" and "*.suffix" host wildcards.
bool egress_match(std::string pattern, const std::string& host, int port, bool default_port) {
  std::string pport;
  if (pattern.size() > 0 && pattern.front() == '[') {
    const auto close = pattern.find(']');
    if (close == std::string::npos) return false;
    if (close + 1 < pattern.size() && pattern[close + 1] == ':') pport = pattern.substr(close + 2);
    pattern = pattern.substr(1, close - 1);
  } else if (const auto colon = pattern.rfind(':'); colon != std::string::npos) {
    pport = pattern.substr(colon + 1);
    pattern = pattern.substr(0, colon);
  }
  std::transform(pattern.begin(), pattern.end(), pattern.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  bool host_ok = pattern == "*" || pattern == host;
  if (!host_ok && pattern.rfind("*.", 0) == 0) {
    const std::string suffix = pattern.substr(1);  // ".example.com"
    host_ok = host.size() > suffix.size() && host.compare(host.size() - suffix.size(), suffix.size(), suffix) == 0;
  }
  // No port in the pattern: the scheme's default port ("*" alone: any port).
  const bool port_ok = pport.empty() ? (pattern == "*" || default_port) : (pport == "*" || std::atoi(pport.c_str()) == port);
  return host_ok && port_ok;
}

}  // namespace

std::optional<std::string> HttpRecord::header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (iequals(n, name)) return v;
  return std::nullopt;
}

HttpReply HttpReply::ok(std::string body, int status, Headers headers) {
  HttpReply r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

HttpReply HttpReply::failure(siemhub_category category, std::string message) {
  HttpReply r;
  r.status = 0;
  r.error = category;
  r.error_message = std::move(message);
  return r;
}

std::string FakeOp::describe() const {
  if (threw) return "threw across the ABI boundary: " + exception;
  if (!returned) return "not called";
  if (rc == SIEMHUB_RC_PENDING && complete_calls == 0) return "PENDING (not completed)";
  const siemhub_status& st = final_status();
  std::string s = rc == SIEMHUB_RC_PENDING ? std::string("PENDING->") : std::string();
  if (rc == SIEMHUB_RC_PENDING)
    s += st.category == SIEMHUB_CAT_NONE ? "completed OK" : "completed with error";
  else
    s += rc_name(rc);
  if (st.category != SIEMHUB_CAT_NONE || st.message[0] != '\0') {
    s += " ";
    s += category_name(st.category);
    if (st.message[0] != '\0') s += std::string(": ") + std::string(st.message, strnlen(st.message, sizeof st.message));
  }
  return s;
}

// ============================================================================ internals

struct FakeHost::Ctx {
  uint32_t magic = 0xc7a0c7a0u;
  FakeHost* host = nullptr;
  std::string name;
  bool stopping = false;
  std::map<std::string, std::string> kv;
};

struct FakeHost::Metric {
  uint32_t magic = 0x3e7a1c00u;
  FakeHost* host = nullptr;
  MetricRecord rec;
};

struct FakeHost::Task {
  std::function<void()> fn;
  uint64_t timer_id = 0;
};

struct FakeHost::Timer {
  Ctx* ctx = nullptr;
  uint32_t period = 0;
  bool repeat = false;
  siemhub_timer_fn fn = nullptr;
  void* user = nullptr;
};

struct FakeHost::Pending {
  Ctx* ctx = nullptr;
  size_t log_index = 0;
  HttpReply reply;
  siemhub_http_done_fn done = nullptr;
  void* user = nullptr;
  siemhub_http_chunk_fn on_chunk = nullptr;
  void* chunk_user = nullptr;
  bool cancelled = false;
  bool refused = false;  // refused by the allow-list (delivered as CONFIG)
};

namespace {
// The host used for calls that carry no ctx/op/metric (log(NULL, ...)): the newest live one.
std::mutex g_hosts_mu;
std::vector<FakeHost*> g_hosts;

FakeHost* current_host() {
  std::lock_guard lk(g_hosts_mu);
  return g_hosts.empty() ? nullptr : g_hosts.back();
}
}  // namespace

// The C functions of the table. They reach the FakeHost through the handle they are given.
struct FakeHost::Impl {
  static FakeHost* host_of(siemhub_host_ctx* ctx) {
    if (ctx == nullptr) return current_host();
    auto* c = reinterpret_cast<Ctx*>(ctx);
    return c->magic == 0xc7a0c7a0u ? c->host : current_host();
  }
  static FakeOp* op_of(const siemhub_op* op, const char* service) {
    auto* o = reinterpret_cast<FakeOp*>(const_cast<siemhub_op*>(op));
    if (o == nullptr || o->magic_ != 0x0fa4e0e9u) {
      if (FakeHost* h = current_host()) h->add_violation(std::string(service) + ": not an op handle");
      return nullptr;
    }
    return o;
  }
  static bool usable(FakeOp* o, const char* service) {
    if (o->complete_calls > 0 || (o->returned && o->rc != SIEMHUB_RC_PENDING)) {
      o->violations.push_back(std::string(service) + " called on an op that had already finished");
      return false;
    }
    return true;
  }

  static void log(siemhub_host_ctx* ctx, siemhub_log_level level, const char* message) {
    FakeHost* h = host_of(ctx);
    if (h == nullptr) return;
    std::lock_guard lk(h->mu_);
    LogRecord r{ctx ? h->instance_name(ctx) : std::string(), level, message ? message : "(null)"};
    if (h->echo_logs) std::fprintf(stderr, "[plugin %s level=%d] %s\n", r.instance.c_str(), level, r.message.c_str());
    // The C++ layer logs an exception that escaped a callback (and fails the op) with this
    // prefix: the plugin has a bug that would otherwise have hung or been swallowed.
    constexpr std::string_view prefix = sdk::detail::kCallbackExceptionLog;
    if (std::string_view(r.message).substr(0, prefix.size()) == prefix) {
      const std::string what = r.message.substr(prefix.size());
      h->callback_exceptions_.push_back(what);
      h->violations_.push_back("exception in a plugin callback" +
                               (r.instance.empty() ? std::string() : " on " + r.instance) + ": " + what);
    }
    h->logs_.push_back(std::move(r));
  }

  static siemhub_metric* metric_define(siemhub_host_ctx* ctx, const char* name, const char* help, uint32_t type) {
    FakeHost* h = host_of(ctx);
    if (h == nullptr) return nullptr;
    std::lock_guard lk(h->mu_);
    bool ok = name != nullptr && name[0] != '\0' && type <= SIEMHUB_METRIC_HISTOGRAM &&
              (std::islower(static_cast<unsigned char>(name[0])) || name[0] == '_');
    for (const char* p = name; ok && *p; ++p)
      ok = std::islower(static_cast<unsigned char>(*p)) || std::isdigit(static_cast<unsigned char>(*p)) || *p == '_';
    if (!ok) {
      h->violations_.push_back(std::string("metric_define: bad name or type: ") + (name ? name : "(null)"));
      return nullptr;
    }
    const std::string inst = ctx ? h->instance_name(ctx) : std::string();
    for (auto& m : h->metrics_)
      if (m->rec.name == name && m->rec.instance == inst) return reinterpret_cast<siemhub_metric*>(m.get());
    auto m = std::make_unique<Metric>();
    m->host = h;
    m->rec = MetricRecord{inst, name, help ? help : "", type, 0, {}};
    h->metrics_.push_back(std::move(m));
    return reinterpret_cast<siemhub_metric*>(h->metrics_.back().get());
  }

  static void metric_record(siemhub_metric* metric, double value) {
    auto* m = reinterpret_cast<Metric*>(metric);
    if (m == nullptr || m->magic != 0x3e7a1c00u) {
      if (FakeHost* h = current_host()) h->add_violation("metric_record: not a metric handle");
      return;
    }
    std::lock_guard lk(m->host->mu_);
    if (m->rec.type == SIEMHUB_METRIC_COUNTER && value < 0)
      m->host->violations_.push_back("metric_record: negative increment of counter " + m->rec.name);
    m->rec.observations.push_back(value);
    m->rec.value = m->rec.type == SIEMHUB_METRIC_GAUGE ? value : m->rec.value + value;
  }

  static siemhub_rc http_request(siemhub_host_ctx* ctx, const siemhub_http_request* req, siemhub_http_done_fn done,
                                 void* user, uint64_t* out_id, siemhub_status* st) {
    FakeHost* h = host_of(ctx);
    if (h == nullptr || ctx == nullptr || req == nullptr || done == nullptr || req->url == nullptr) {
      fill(st, SIEMHUB_CAT_INTERNAL, "http_request: NULL ctx, request, url or completion");
      if (h) h->add_violation("http_request: NULL ctx, request, url or completion");
      return SIEMHUB_RC_ERROR;
    }
    std::lock_guard lk(h->mu_);
    HttpRecord rec;
    rec.id = h->http_log_.size() + 1;
    rec.instance = h->instance_name(ctx);
    rec.method = req->method ? req->method : "GET";
    rec.url = req->url;
    for (uint32_t i = 0; i < req->header_count; ++i)
      rec.headers.emplace_back(req->headers[i].name ? req->headers[i].name : "",
                               req->headers[i].value ? req->headers[i].value : "");
    if (req->body != nullptr) rec.body.assign(req->body, req->body_size);
    rec.flags = req->flags;
    rec.timeout_ms = req->timeout_ms;
    rec.gzip = (req->flags & SIEMHUB_HTTP_GZIP_BODY) != 0;
    if (rec.gzip) rec.headers.emplace_back("Content-Encoding", "gzip");
    rec.streamed = req->on_chunk != nullptr;

    std::string host;
    int port = 0;
    bool default_port = false;
    bool allowed = parse_url(rec.url, host, port, default_port);
    if (allowed && h->egress_) {
      allowed = false;
      for (const auto& p : *h->egress_) allowed = allowed || egress_match(p, host, port, default_port);
    }
    if (!allowed && !h->refuse_via_completion) {
      fill(st, SIEMHUB_CAT_CONFIG, "egress not allowed: " + rec.url);
      rec.completed = true;
      h->http_log_.push_back(std::move(rec));
      return SIEMHUB_RC_ERROR;
    }
    auto p = std::make_unique<Pending>();
    p->ctx = h->ctx_of(ctx);
    p->log_index = h->http_log_.size();
    p->done = done;
    p->user = user;
    p->on_chunk = req->on_chunk;
    p->chunk_user = req->chunk_user;
    p->refused = !allowed;
    if (allowed) {
      if (h->script_pos_ < h->script_.size()) {
        p->reply = h->script_[h->script_pos_++];
      } else if (h->handler_) {
        p->reply = h->handler_(rec);
      } else {
        p->reply = HttpReply::failure(SIEMHUB_CAT_TRANSIENT, "fake host: no scripted response for " + rec.url);
      }
    }
    const uint64_t id = rec.id;
    const int64_t due = h->now_ + (allowed ? p->reply.latency_ms : 0);
    h->http_log_.push_back(std::move(rec));
    h->pending_[id] = std::move(p);
    h->schedule(due, [h, id] { h->deliver_http(id); });
    if (out_id) *out_id = id;
    return SIEMHUB_RC_OK;
  }

  static void http_cancel(siemhub_host_ctx* ctx, uint64_t id) {
    FakeHost* h = host_of(ctx);
    if (h == nullptr) return;
    std::lock_guard lk(h->mu_);
    auto it = h->pending_.find(id);
    if (it == h->pending_.end() || it->second->cancelled) return;  // done already: no-op
    it->second->cancelled = true;
    h->http_log_[it->second->log_index].cancelled = true;
    h->schedule(h->now_, [h, id] { h->deliver_http(id); });  // delivered by the next run_pending
  }

  static uint64_t timer_start(siemhub_host_ctx* ctx, uint32_t delay_ms, uint32_t flags, siemhub_timer_fn fn, void* user) {
    FakeHost* h = host_of(ctx);
    if (h == nullptr || fn == nullptr) return 0;
    std::lock_guard lk(h->mu_);
    const uint64_t id = h->next_timer_++;
    auto t = std::make_unique<Timer>();
    t->ctx = h->ctx_of(ctx);
    t->period = std::max<uint32_t>(delay_ms, 1u);
    t->repeat = (flags & SIEMHUB_TIMER_REPEAT) != 0;
    t->fn = fn;
    t->user = user;
    h->timers_[id] = std::move(t);
    h->schedule(h->now_ + delay_ms, {}, id);
    return id;
  }

  static void timer_cancel(siemhub_host_ctx* ctx, uint64_t id) {
    FakeHost* h = host_of(ctx);
    if (h == nullptr) return;
    std::lock_guard lk(h->mu_);
    h->timers_.erase(id);
  }

  static siemhub_rc run_blocking(siemhub_host_ctx* ctx, siemhub_blocking_fn work, siemhub_blocking_done_fn done,
                                 void* user, siemhub_status* st) {
    FakeHost* h = host_of(ctx);
    if (h == nullptr || work == nullptr) {
      fill(st, SIEMHUB_CAT_INTERNAL, "run_blocking: NULL work");
      return SIEMHUB_RC_ERROR;
    }
    std::lock_guard lk(h->mu_);
    // Deterministic: the work and its completion run back to back on the next run_pending().
    h->schedule(h->now_, [work, done, user] {
      work(user);
      if (done) done(user);
    });
    return SIEMHUB_RC_OK;
  }

  static siemhub_rc kv_get(siemhub_host_ctx* ctx, const char* key, siemhub_bytes_fn out, void* user, siemhub_status* st) {
    FakeHost* h = host_of(ctx);
    if (h == nullptr || key == nullptr) return SIEMHUB_RC_NOT_FOUND;
    std::string value;
    {
      std::lock_guard lk(h->mu_);
      auto& kv = h->kv(ctx);
      auto it = kv.find(key);
      if (it == kv.end()) {
        fill(st, SIEMHUB_CAT_NONE, std::string("no such key: ") + key);
        return SIEMHUB_RC_NOT_FOUND;
      }
      value = it->second;
    }
    if (out) out(user, value.data(), value.size());
    return SIEMHUB_RC_OK;
  }

  static siemhub_rc kv_put(siemhub_host_ctx* ctx, const char* key, const char* value, size_t size, siemhub_status* st) {
    FakeHost* h = host_of(ctx);
    if (h == nullptr || key == nullptr) return SIEMHUB_RC_ERROR;
    std::lock_guard lk(h->mu_);
    if (h->kv_fail) {
      fill(st, SIEMHUB_CAT_TRANSIENT, "fake host: kv store unavailable");
      return SIEMHUB_RC_ERROR;
    }
    h->kv(ctx)[key] = value ? std::string(value, size) : std::string();
    return SIEMHUB_RC_OK;
  }

  static siemhub_rc kv_delete(siemhub_host_ctx* ctx, const char* key, siemhub_status* st) {
    FakeHost* h = host_of(ctx);
    if (h == nullptr || key == nullptr) return SIEMHUB_RC_ERROR;
    std::lock_guard lk(h->mu_);
    if (h->kv(ctx).erase(key) == 0) {
      fill(st, SIEMHUB_CAT_NONE, std::string("no such key: ") + key);
      return SIEMHUB_RC_NOT_FOUND;
    }
    return SIEMHUB_RC_OK;
  }

  static siemhub_rc secret_resolve(siemhub_host_ctx* ctx, const char* ref, siemhub_bytes_fn out, void* user,
                                   siemhub_status* st) {
    FakeHost* h = host_of(ctx);
    if (h == nullptr || ref == nullptr) return SIEMHUB_RC_NOT_FOUND;
    std::string value;
    {
      std::lock_guard lk(h->mu_);
      auto it = h->secrets_.find(ref);
      if (it == h->secrets_.end()) {
        fill(st, SIEMHUB_CAT_CONFIG, std::string("unknown secret reference: ") + ref);
        return SIEMHUB_RC_NOT_FOUND;
      }
      value = it->second;
    }
    if (out) out(user, value.data(), value.size());
    return SIEMHUB_RC_OK;
  }

  static siemhub_rc emit(siemhub_host_ctx* ctx, const siemhub_batch* batch, siemhub_emit_done_fn done, void* user,
                         siemhub_status* st) {
    FakeHost* h = host_of(ctx);
    if (h == nullptr || batch == nullptr) {
      fill(st, SIEMHUB_CAT_INTERNAL, "emit: NULL batch");
      return SIEMHUB_RC_ERROR;
    }
    std::lock_guard lk(h->mu_);
    if (h->emit_busy_) {
      ++h->busy_refusals_;
      fill(st, SIEMHUB_CAT_TRANSIENT, "fake host: at capacity", h->emit_retry_ms_);
      return SIEMHUB_RC_BUSY;
    }
    EmitRecord rec{ctx ? h->instance_name(ctx) : std::string(), {}, {}, done != nullptr};
    for (uint32_t i = 0; i < batch->count; ++i) {
      const siemhub_event& e = batch->events[i];
      rec.events.emplace_back(e.data ? std::string(e.data, e.size) : std::string());
      rec.ids.emplace_back(e.id ? std::string(e.id, e.id_size) : std::string());
    }
    h->emits_.push_back(std::move(rec));
    if (done != nullptr) {
      if (h->manual_durability_) {
        h->held_emits_.push_back({done, user});
      } else {
        h->schedule(h->now_, [done, user] {
          const siemhub_status ok = make_status(SIEMHUB_CAT_NONE, "");
          done(user, SIEMHUB_RC_OK, &ok);
        });
      }
    }
    return SIEMHUB_RC_OK;
  }

  static void op_complete(siemhub_op* op, const siemhub_status* st) {
    FakeOp* o = op_of(op, "op_complete");
    if (o == nullptr) return;
    ++o->complete_calls;
    if (o->complete_calls > 1) {
      o->violations.push_back("op_complete called " + std::to_string(o->complete_calls) + " times");
      return;
    }
    if (!o->returned) {
      // Completing from inside the call is allowed only for an op that then returns PENDING;
      // the check happens once the call returns (see loader).
    } else if (o->rc != SIEMHUB_RC_PENDING) {
      o->violations.push_back(std::string("op_complete called on an op whose call returned ") + rc_name(o->rc));
    }
    if (st != nullptr) {
      o->complete_status = *st;
      o->complete_status.message[sizeof o->complete_status.message - 1] = '\0';
    } else {
      o->complete_status = make_status(SIEMHUB_CAT_NONE, "");
    }
  }

  static int op_is_cancelled(const siemhub_op* op) {
    const FakeOp* o = op_of(op, "op_is_cancelled");
    return o != nullptr && o->cancelled ? 1 : 0;
  }

  static siemhub_rc op_emit(siemhub_op* op, const siemhub_batch* batch, siemhub_status* st) {
    FakeOp* o = op_of(op, "op_emit");
    if (o == nullptr || batch == nullptr) {
      fill(st, SIEMHUB_CAT_INTERNAL, "op_emit: bad op or NULL batch");
      return SIEMHUB_RC_ERROR;
    }
    if (o->kind != OpKind::poll) o->violations.push_back("op_emit on a non-poll op");
    if (!usable(o, "op_emit")) {
      fill(st, SIEMHUB_CAT_INTERNAL, "op_emit: op already finished");
      return SIEMHUB_RC_ERROR;
    }
    for (uint32_t i = 0; i < batch->count; ++i) {
      const siemhub_event& e = batch->events[i];
      o->events.emplace_back(e.data ? std::string(e.data, e.size) : std::string());
      o->event_ids.emplace_back(e.id ? std::string(e.id, e.id_size) : std::string());
    }
    return SIEMHUB_RC_OK;
  }

  static siemhub_rc op_set_cursor(siemhub_op* op, const char* cursor, size_t size) {
    FakeOp* o = op_of(op, "op_set_cursor");
    if (o == nullptr) return SIEMHUB_RC_ERROR;
    if (o->kind != OpKind::poll) o->violations.push_back("op_set_cursor on a non-poll op");
    if (!usable(o, "op_set_cursor")) return SIEMHUB_RC_ERROR;
    o->cursor = cursor ? std::string(cursor, size) : std::string();
    return SIEMHUB_RC_OK;
  }

  static siemhub_rc op_set_results(siemhub_op* op, uint32_t first, uint32_t count, const siemhub_event_result* r) {
    FakeOp* o = op_of(op, "op_set_results");
    if (o == nullptr || r == nullptr) return SIEMHUB_RC_ERROR;
    if (o->kind != OpKind::write) o->violations.push_back("op_set_results on a non-write op");
    if (!usable(o, "op_set_results")) return SIEMHUB_RC_ERROR;
    if (uint64_t{first} + count > o->results.size()) {
      o->violations.push_back("op_set_results out of range: [" + std::to_string(first) + ", +" + std::to_string(count) +
                              ") of a batch of " + std::to_string(o->results.size()));
      return SIEMHUB_RC_ERROR;
    }
    if (r->outcome > SIEMHUB_OUTCOME_REJECTED) o->violations.push_back("op_set_results: unknown outcome");
    for (uint32_t i = first; i < first + count; ++i) {
      EventResult& e = o->results[i];
      e.set = true;
      e.outcome = r->outcome;
      e.category = r->category;
      e.retry_after_ms = r->retry_after_ms;
      e.reason = r->reason ? r->reason : "";
      e.response = r->response ? r->response : "";
    }
    return SIEMHUB_RC_OK;
  }

  static siemhub_rc op_set_lookup(siemhub_op* op, uint32_t index, const siemhub_lookup_result* r) {
    FakeOp* o = op_of(op, "op_set_lookup");
    if (o == nullptr || r == nullptr) return SIEMHUB_RC_ERROR;
    if (o->kind != OpKind::lookup) o->violations.push_back("op_set_lookup on a non-lookup op");
    if (!usable(o, "op_set_lookup")) return SIEMHUB_RC_ERROR;
    if (index >= o->items_) {
      o->violations.push_back("op_set_lookup index " + std::to_string(index) + " out of range");
      return SIEMHUB_RC_ERROR;
    }
    o->lookups[index] = LookupAnswer{r->found != 0, r->value ? std::string(r->value, r->value_size) : std::string(), r->ttl_ms};
    return SIEMHUB_RC_OK;
  }

  static siemhub_rc op_set_action_result(siemhub_op* op, const char* json, size_t size) {
    FakeOp* o = op_of(op, "op_set_action_result");
    if (o == nullptr) return SIEMHUB_RC_ERROR;
    if (o->kind != OpKind::execute && o->kind != OpKind::status)
      o->violations.push_back("op_set_action_result on a non-action op");
    if (!usable(o, "op_set_action_result")) return SIEMHUB_RC_ERROR;
    o->action_result = json ? std::string(json, size) : std::string();
    return SIEMHUB_RC_OK;
  }

  static siemhub_rc op_set_action_outcome(siemhub_op* op, siemhub_action_outcome outcome) {
    FakeOp* o = op_of(op, "op_set_action_outcome");
    if (o == nullptr) return SIEMHUB_RC_ERROR;
    if (o->kind != OpKind::execute && o->kind != OpKind::status) {
      o->violations.push_back("op_set_action_outcome on a non-action op");
      return SIEMHUB_RC_ERROR;
    }
    if (outcome > SIEMHUB_ACTION_OUTCOME_NOT_FOUND) {
      o->violations.push_back("op_set_action_outcome: unknown outcome " + std::to_string(outcome));
      return SIEMHUB_RC_ERROR;
    }
    if (!usable(o, "op_set_action_outcome")) return SIEMHUB_RC_ERROR;
    o->action_outcome = outcome;
    return SIEMHUB_RC_OK;
  }

  static int is_cancelled(siemhub_host_ctx* ctx) {
    FakeHost* h = host_of(ctx);
    if (h == nullptr || ctx == nullptr) return 0;
    std::lock_guard lk(h->mu_);
    return h->ctx_of(ctx)->stopping ? 1 : 0;
  }

  static int64_t now_ms(siemhub_host_ctx* ctx) {
    FakeHost* h = host_of(ctx);
    return h ? h->now_ms() : 0;
  }

  static void report_health(siemhub_host_ctx* ctx, int32_t state, const char* reason) {
    FakeHost* h = host_of(ctx);
    if (h == nullptr) return;
    std::lock_guard lk(h->mu_);
    if (state < SIEMHUB_HEALTH_OK || state > SIEMHUB_HEALTH_DOWN)
      h->violations_.push_back("report_health: unknown state " + std::to_string(state));
    h->health_.push_back({ctx ? h->instance_name(ctx) : std::string(), state, reason ? reason : ""});
  }
};

// ============================================================================ FakeHost

FakeHost::FakeHost(int64_t start_ms) : now_(start_ms) {
  api_.struct_size = sizeof api_;
  api_.abi_major = SIEMHUB_ABI_MAJOR;
  api_.abi_minor = SIEMHUB_ABI_MINOR;
  api_.log = &Impl::log;
  api_.metric_define = &Impl::metric_define;
  api_.metric_record = &Impl::metric_record;
  api_.http_request = &Impl::http_request;
  api_.http_cancel = &Impl::http_cancel;
  api_.timer_start = &Impl::timer_start;
  api_.timer_cancel = &Impl::timer_cancel;
  api_.run_blocking = &Impl::run_blocking;
  api_.kv_get = &Impl::kv_get;
  api_.kv_put = &Impl::kv_put;
  api_.kv_delete = &Impl::kv_delete;
  api_.secret_resolve = &Impl::secret_resolve;
  api_.emit = &Impl::emit;
  api_.op_complete = &Impl::op_complete;
  api_.op_is_cancelled = &Impl::op_is_cancelled;
  api_.op_emit = &Impl::op_emit;
  api_.op_set_cursor = &Impl::op_set_cursor;
  api_.op_set_results = &Impl::op_set_results;
  api_.op_set_lookup = &Impl::op_set_lookup;
  api_.op_set_action_result = &Impl::op_set_action_result;
  api_.is_cancelled = &Impl::is_cancelled;
  api_.now_ms = &Impl::now_ms;
  api_.report_health = &Impl::report_health;
  api_.op_set_action_outcome = &Impl::op_set_action_outcome;
  std::lock_guard lk(g_hosts_mu);
  g_hosts.push_back(this);
}

FakeHost::~FakeHost() {
  std::lock_guard lk(g_hosts_mu);
  g_hosts.erase(std::remove(g_hosts.begin(), g_hosts.end(), this), g_hosts.end());
}

siemhub_host_ctx* FakeHost::ctx(const std::string& instance) {
  std::lock_guard lk(mu_);
  auto& c = ctxs_[instance];
  if (!c) {
    c = std::make_unique<Ctx>();
    c->host = this;
    c->name = instance;
  }
  return reinterpret_cast<siemhub_host_ctx*>(c.get());
}

FakeHost::Ctx* FakeHost::ctx_of(siemhub_host_ctx* ctx) const {
  if (ctx == nullptr) return const_cast<FakeHost*>(this)->ctx_of(const_cast<FakeHost*>(this)->ctx("default"));
  return reinterpret_cast<Ctx*>(ctx);
}

std::string FakeHost::instance_name(const siemhub_host_ctx* ctx) const {
  if (ctx == nullptr) return {};
  return reinterpret_cast<const Ctx*>(ctx)->name;
}

void FakeHost::set_stopping(siemhub_host_ctx* ctx, bool stopping) {
  std::lock_guard lk(mu_);
  ctx_of(ctx)->stopping = stopping;
}

void FakeHost::cancel_timers(siemhub_host_ctx* ctx) {
  std::lock_guard lk(mu_);
  Ctx* c = ctx_of(ctx);
  for (auto it = timers_.begin(); it != timers_.end();)
    it = it->second->ctx == c ? timers_.erase(it) : std::next(it);
}

size_t FakeHost::cancel_requests(siemhub_host_ctx* ctx) {
  std::lock_guard lk(mu_);
  Ctx* c = ctx_of(ctx);
  std::vector<uint64_t> ids;
  for (auto& [id, p] : pending_)
    if (p->ctx == c && !p->cancelled) ids.push_back(id);
  for (uint64_t id : ids) Impl::http_cancel(ctx, id);
  return ids.size();
}

int64_t FakeHost::now_ms() const {
  std::lock_guard lk(mu_);
  return now_;
}

void FakeHost::schedule(int64_t due, std::function<void()> fn, uint64_t timer_id) {
  std::lock_guard lk(mu_);
  auto t = std::make_unique<Task>();
  t->fn = std::move(fn);
  t->timer_id = timer_id;
  tasks_.emplace(std::make_pair(due, seq_++), std::move(t));
}

// Runs the earliest task due at or before `limit`; false when there is none.
bool FakeHost::run_one(int64_t limit) {
  std::function<void()> fn;
  {
    std::lock_guard lk(mu_);
    if (tasks_.empty() || tasks_.begin()->first.first > limit) return false;
    auto node = tasks_.extract(tasks_.begin());
    const int64_t due = node.key().first;
    if (due > now_) now_ = due;
    Task& t = *node.mapped();
    if (t.timer_id != 0) {
      auto it = timers_.find(t.timer_id);
      if (it == timers_.end()) return true;  // cancelled
      Timer& tm = *it->second;
      siemhub_timer_fn f = tm.fn;
      void* user = tm.user;
      const uint64_t id = t.timer_id;
      if (tm.repeat) {
        schedule(due + tm.period, {}, id);
      } else {
        timers_.erase(it);
      }
      fn = [f, user] { f(user); };
    } else {
      fn = std::move(t.fn);
    }
  }
  try {
    if (fn) fn();
  } catch (const std::exception& e) {
    add_violation(std::string("an exception escaped from a plugin callback: ") + e.what());
  } catch (...) {
    add_violation("an exception escaped from a plugin callback");
  }
  return true;
}

void FakeHost::advance(int64_t ms) {
  int64_t target;
  {
    std::lock_guard lk(mu_);
    target = now_ + std::max<int64_t>(ms, 0);
  }
  while (run_one(target)) {
  }
  std::lock_guard lk(mu_);
  now_ = std::max(now_, target);
}

size_t FakeHost::run_pending() {
  size_t n = 0;
  while (run_one(now_ms())) ++n;
  return n;
}

size_t FakeHost::scheduled() const {
  std::lock_guard lk(mu_);
  size_t n = 0;
  for (const auto& [k, t] : tasks_)
    if (t->timer_id == 0 || timers_.count(t->timer_id)) ++n;
  return n;
}

size_t FakeHost::active_timers(siemhub_host_ctx* ctx) const {
  std::lock_guard lk(mu_);
  if (ctx == nullptr) return timers_.size();
  const Ctx* c = reinterpret_cast<const Ctx*>(ctx);
  return static_cast<size_t>(std::count_if(timers_.begin(), timers_.end(), [c](const auto& t) { return t.second->ctx == c; }));
}

void FakeHost::deliver_http(uint64_t id) {
  std::unique_ptr<Pending> p;
  {
    std::lock_guard lk(mu_);
    auto it = pending_.find(id);
    if (it == pending_.end()) return;  // already delivered (e.g. cancelled earlier)
    p = std::move(it->second);
    pending_.erase(it);
    http_log_[p->log_index].completed = true;
  }
  if (p->refused) {
    const siemhub_status st = make_status(SIEMHUB_CAT_CONFIG, "egress not allowed: " + http_log_[p->log_index].url);
    p->done(p->user, nullptr, &st);
    return;
  }
  if (p->cancelled) {
    const siemhub_status st = make_status(SIEMHUB_CAT_CANCELLED, "request cancelled");
    p->done(p->user, nullptr, &st);
    return;
  }
  const HttpReply& r = p->reply;
  if (r.error != SIEMHUB_CAT_NONE) {
    const siemhub_status st = make_status(r.error, r.error_message);
    p->done(p->user, nullptr, &st);
    return;
  }
  std::string body = r.body;
  if (p->on_chunk != nullptr) {
    const size_t step = std::max<size_t>(1, r.chunk_size ? r.chunk_size : stream_chunk_size);
    for (size_t pos = 0; pos < body.size(); pos += step) {
      if (p->on_chunk(p->chunk_user, body.data() + pos, std::min(step, body.size() - pos)) != 0) {
        const siemhub_status st = make_status(SIEMHUB_CAT_CANCELLED, "transfer aborted by on_chunk");
        p->done(p->user, nullptr, &st);
        return;
      }
    }
    body.clear();
  }
  std::vector<siemhub_http_header> hs;
  for (const auto& [n, v] : r.headers) hs.push_back({n.c_str(), v.c_str()});
  siemhub_http_response resp{};
  resp.struct_size = sizeof resp;
  resp.status = r.status;
  resp.headers = hs.data();
  resp.header_count = static_cast<uint32_t>(hs.size());
  resp.body = body.data();
  resp.body_size = body.size();
  resp.retry_after_ms = r.retry_after_ms;
  resp.elapsed_ms = r.latency_ms;
  const siemhub_status ok = make_status(SIEMHUB_CAT_NONE, "", r.status);
  p->done(p->user, &resp, &ok);
}

void FakeHost::allow_egress(std::vector<std::string> patterns) {
  std::lock_guard lk(mu_);
  egress_ = std::move(patterns);
}

void FakeHost::script(HttpReply reply) {
  std::lock_guard lk(mu_);
  script_.push_back(std::move(reply));
}

void FakeHost::on_http(HttpHandler handler) {
  std::lock_guard lk(mu_);
  handler_ = std::move(handler);
}

size_t FakeHost::http_in_flight() const {
  std::lock_guard lk(mu_);
  return pending_.size();
}

void FakeHost::set_emit_busy(bool busy, uint32_t retry_after_ms) {
  std::lock_guard lk(mu_);
  emit_busy_ = busy;
  emit_retry_ms_ = retry_after_ms;
}

void FakeHost::set_manual_durability(bool manual) {
  std::lock_guard lk(mu_);
  manual_durability_ = manual;
}

size_t FakeHost::complete_emits(siemhub_rc rc, siemhub_category category) {
  std::vector<HeldEmit> held;
  {
    std::lock_guard lk(mu_);
    held.swap(held_emits_);
  }
  const siemhub_status st = make_status(category, rc == SIEMHUB_RC_OK ? "" : "fake host: batch refused");
  for (const HeldEmit& e : held) {
    try {
      e.done(e.user, rc, &st);
    } catch (...) {
      add_violation("an exception escaped from an emit completion");
    }
  }
  return held.size();
}

std::vector<EmitRecord> FakeHost::emits() const {
  std::lock_guard lk(mu_);
  return emits_;
}

std::vector<std::string> FakeHost::emitted_events() const {
  std::lock_guard lk(mu_);
  std::vector<std::string> out;
  for (const auto& e : emits_) out.insert(out.end(), e.events.begin(), e.events.end());
  return out;
}

size_t FakeHost::busy_refusals() const {
  std::lock_guard lk(mu_);
  return busy_refusals_;
}

const MetricRecord* FakeHost::metric(const std::string& name, const std::string& instance) const {
  std::lock_guard lk(mu_);
  for (const auto& m : metrics_)
    if (m->rec.name == name && (instance.empty() || m->rec.instance == instance)) return &m->rec;
  return nullptr;
}

double FakeHost::metric_value(const std::string& name, const std::string& instance) const {
  const MetricRecord* m = metric(name, instance);
  return m ? m->value : 0.0;
}

std::vector<MetricRecord> FakeHost::metrics() const {
  std::lock_guard lk(mu_);
  std::vector<MetricRecord> out;
  for (const auto& m : metrics_) out.push_back(m->rec);
  return out;
}

std::map<std::string, std::string>& FakeHost::kv(siemhub_host_ctx* ctx) {
  std::lock_guard lk(mu_);
  return ctx_of(ctx)->kv;
}

void FakeHost::set_secret(std::string reference, std::string value) {
  std::lock_guard lk(mu_);
  secrets_[std::move(reference)] = std::move(value);
}

std::vector<std::string> FakeHost::callback_exceptions() const {
  std::lock_guard lk(mu_);
  return callback_exceptions_;
}

std::vector<LogRecord> FakeHost::logs() const {
  std::lock_guard lk(mu_);
  return logs_;
}

bool FakeHost::logged(std::string_view needle, siemhub_log_level min_level) const {
  std::lock_guard lk(mu_);
  return std::any_of(logs_.begin(), logs_.end(), [&](const LogRecord& r) {
    return r.level >= min_level && r.message.find(needle) != std::string::npos;
  });
}

FakeOp& FakeHost::new_op(OpKind kind, siemhub_host_ctx* ctx, uint32_t items) {
  std::lock_guard lk(mu_);
  auto op = std::make_unique<FakeOp>();
  op->kind = kind;
  op->instance = instance_name(ctx);
  op->host_ = this;
  op->items_ = items;
  if (kind == OpKind::write) op->results.resize(items);
  ops_.push_back(std::move(op));
  return *ops_.back();
}

std::vector<std::string> FakeHost::violations() const {
  std::lock_guard lk(mu_);
  std::vector<std::string> out = violations_;
  for (const auto& op : ops_)
    for (const auto& v : op->violations) out.push_back(std::string(op_kind_name(op->kind)) + " op: " + v);
  return out;
}

void FakeHost::add_violation(std::string what) {
  std::lock_guard lk(mu_);
  violations_.push_back(std::move(what));
}

}  // namespace siemhub::testing
