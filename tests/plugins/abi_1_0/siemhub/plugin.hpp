// siemhub plugin SDK — header-only C++20 layer over the C ABI in plugin.h.
//
// The author writes a plain class with the methods of the capabilities it has and one line:
//
//   class MySink {
//    public:
//     static constexpr char id[] = "com.example.my-sink";
//     static constexpr char version[] = "1.0.0";
//     static constexpr const char* config_schema = R"({"type":"object", ...})";
//     struct Config { std::string url; };              // optional: typed config (from_json)
//     MySink(siemhub::sdk::Host host, Config config);  // or (Host, const nlohmann::json&)
//     void write(siemhub::sdk::SinkOp& op, const siemhub::sdk::Batch& batch);
//   };
//   SIEMHUB_PLUGIN(MySink)
//
// Capabilities are inferred from the methods present:
//   void poll(PullOp&)                                   -> source-pull
//   void pause() + void resume()                         -> source-push (emit with Host::emit)
//   void write(SinkOp&, const Batch&)                    -> sink
//   void lookup(LookupOp&, const LookupRequest&)         -> enrich
//   static std::vector<ActionDef> actions() + void execute(ActionOp&, const ActionRequest&)
//     + void status(ActionOp&, const ActionRequest&)    -> action
// Optional: void start(), void stop(int64_t deadline_ms), siemhub::sdk::Health health(),
// static metadata vendor, description, license, homepage, ocsf_classes (C strings), and tuning
// constants poll_interval_ms, max_batch_events, max_batch_bytes (uint32_t), lookup_key_types.
//
// A method with the right name and the wrong signature fails to compile with a static_assert
// that states the expected signature. Every exception stops at the boundary and becomes an
// error status with its message (siemhub::sdk::Error carries a category; anything else is
// INTERNAL; a config that does not fit Config is CONFIG).
//
// Operations complete when the method returns, unless it calls `op.defer()`: then keep the
// returned copy and call complete()/fail() on it later, on the instance strand (e.g. in an
// HTTP completion). Borrowed inputs (batch, request) are valid only during the call.
#ifndef SIEMHUB_PLUGIN_HPP
#define SIEMHUB_PLUGIN_HPP

#include <algorithm>
#include <cctype>
#include <concepts>
#include <cstdio>
#include <cstring>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "siemhub/plugin.h"

namespace siemhub::sdk {

enum class Category : uint32_t {
  none = SIEMHUB_CAT_NONE,
  config = SIEMHUB_CAT_CONFIG,
  auth = SIEMHUB_CAT_AUTH,
  rate_limit = SIEMHUB_CAT_RATE_LIMIT,
  transient = SIEMHUB_CAT_TRANSIENT,
  permanent = SIEMHUB_CAT_PERMANENT,
  cancelled = SIEMHUB_CAT_CANCELLED,
  timeout = SIEMHUB_CAT_TIMEOUT,
  not_supported = SIEMHUB_CAT_NOT_SUPPORTED,
  internal = SIEMHUB_CAT_INTERNAL,
};

/// Throw this (or return it through fail()) to report a categorised error to the host.
class Error : public std::runtime_error {
 public:
  Error(Category category, const std::string& message, int32_t code = 0,
        uint32_t retry_after_ms = 0)
      : std::runtime_error(message), category_(category), code_(code), retry_after_ms_(retry_after_ms) {}
  Category category() const noexcept { return category_; }
  int32_t code() const noexcept { return code_; }
  uint32_t retry_after_ms() const noexcept { return retry_after_ms_; }

 private:
  Category category_;
  int32_t code_;
  uint32_t retry_after_ms_;
};

struct Health {
  int32_t state = SIEMHUB_HEALTH_OK;
  std::string reason;
  int64_t last_success_ms = 0;
};

namespace detail {

inline void fill_status(siemhub_status* st, Category category, int32_t code, uint32_t retry,
                        std::string_view message) noexcept {
  if (st == nullptr) return;
  st->category = static_cast<uint32_t>(category);
  st->code = code;
  st->retry_after_ms = retry;
  const size_t n = std::min(message.size(), sizeof st->message - 1);
  std::memcpy(st->message, message.data(), n);
  st->message[n] = '\0';
}

inline siemhub_status make_status(const Error* e) noexcept {
  siemhub_status st{};
  st.struct_size = sizeof st;
  if (e != nullptr) fill_status(&st, e->category(), e->code(), e->retry_after_ms(), e->what());
  return st;
}

/// Runs `f` and turns every exception into an error status: nothing escapes into the host.
/// A nlohmann::json exception means a bad config only while creating the instance
/// (`config_stage`); elsewhere (say, parsing a vendor response) it is INTERNAL.
template <class F>
siemhub_rc guard(siemhub_status* st, F&& f, bool config_stage = false) noexcept {
  try {
    return f();
  } catch (const Error& e) {
    fill_status(st, e.category(), e.code(), e.retry_after_ms(), e.what());
  } catch (const nlohmann::json::exception& e) {
    if (config_stage)
      fill_status(st, Category::config, 0, 0, std::string("config: ") + e.what());
    else
      fill_status(st, Category::internal, 0, 0, e.what());
  } catch (const std::exception& e) {
    fill_status(st, Category::internal, 0, 0, e.what());
  } catch (...) {
    fill_status(st, Category::internal, 0, 0, "unknown exception");
  }
  return SIEMHUB_RC_ERROR;
}

// The host table, set once by init (each plugin library has its own copy of this variable).
inline const siemhub_host_api*& host_api() {
  static const siemhub_host_api* api = nullptr;
  return api;
}

}  // namespace detail

/// One event of a batch: JSON text and its deterministic id (may be empty). Borrowed.
struct Event {
  std::string_view data;
  std::string_view id;
};

/// A borrowed batch (valid during the call only).
class Batch {
 public:
  explicit Batch(const siemhub_batch* b) : b_(b) {}
  size_t size() const { return b_ ? b_->count : 0; }
  bool empty() const { return size() == 0; }
  Event operator[](size_t i) const {
    const siemhub_event& e = b_->events[i];
    return {{e.data, e.size}, e.id ? std::string_view{e.id, e.id_size} : std::string_view{}};
  }
  const siemhub_batch* raw() const { return b_; }

 private:
  const siemhub_batch* b_;
};

/// A metric handle; O(1) updates.
class Metric {
 public:
  Metric() = default;
  explicit Metric(siemhub_metric* m) : m_(m) {}
  void record(double v) const {
    if (m_) detail::host_api()->metric_record(m_, v);
  }

 private:
  siemhub_metric* m_ = nullptr;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  uint32_t timeout_ms = 0;
  uint32_t flags = 0;  ///< SIEMHUB_HTTP_GZIP_BODY, SIEMHUB_HTTP_NO_DECOMPRESS
  std::function<bool(std::string_view)> on_chunk;  ///< stream the body; false aborts
};

/// A response borrowed for the completion callback.
struct HttpResponse {
  int status = 0;
  const siemhub_http_response* raw = nullptr;
  std::string_view body;
  uint32_t retry_after_ms = 0;
  /// Case-insensitive header lookup.
  std::optional<std::string_view> header(std::string_view name) const {
    for (uint32_t i = 0; raw && i < raw->header_count; ++i) {
      std::string_view n = raw->headers[i].name;
      if (n.size() == name.size() &&
          std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
          }))
        return std::string_view(raw->headers[i].value);
    }
    return std::nullopt;
  }
};

/// Exactly one of `resp` / `err` is non-null.
using HttpDone = std::function<void(const HttpResponse* resp, const Error* err)>;

/// The host services for one instance.
class Host {
 public:
  Host(const siemhub_host_api* api, siemhub_host_ctx* ctx) : api_(api), ctx_(ctx) {}

  void log(siemhub_log_level level, const std::string& msg) const { api_->log(ctx_, level, msg.c_str()); }
  void debug(const std::string& m) const { log(SIEMHUB_LOG_DEBUG, m); }
  void info(const std::string& m) const { log(SIEMHUB_LOG_INFO, m); }
  void warn(const std::string& m) const { log(SIEMHUB_LOG_WARN, m); }
  void error(const std::string& m) const { log(SIEMHUB_LOG_ERROR, m); }

  int64_t now_ms() const { return api_->now_ms(ctx_); }
  bool stopping() const { return api_->is_cancelled(ctx_) != 0; }
  void report_health(int32_t state, const std::string& reason) const {
    api_->report_health(ctx_, state, reason.c_str());
  }

  Metric counter(const char* name, const char* help) const { return define(name, help, SIEMHUB_METRIC_COUNTER); }
  Metric gauge(const char* name, const char* help) const { return define(name, help, SIEMHUB_METRIC_GAUGE); }
  Metric histogram(const char* name, const char* help) const { return define(name, help, SIEMHUB_METRIC_HISTOGRAM); }

  /// Starts an async HTTP request through the host; `done` runs once on the strand.
  /// Throws Error when the host refuses it at once (e.g. egress not allowed).
  uint64_t http(HttpRequest req, HttpDone done) const {
    auto call = std::make_unique<HttpCall>(std::move(req), std::move(done));
    std::vector<siemhub_http_header> hs;
    for (auto& [n, v] : call->req.headers) hs.push_back({n.c_str(), v.c_str()});
    siemhub_http_request r{};
    r.struct_size = sizeof r;
    r.method = call->req.method.c_str();
    r.url = call->req.url.c_str();
    r.headers = hs.data();
    r.header_count = static_cast<uint32_t>(hs.size());
    r.timeout_ms = call->req.timeout_ms;
    r.body = call->req.body.data();
    r.body_size = call->req.body.size();
    r.flags = call->req.flags;
    if (call->req.on_chunk) {
      r.on_chunk = &HttpCall::chunk;
      r.chunk_user = call.get();
    }
    siemhub_status st{};
    st.struct_size = sizeof st;
    uint64_t id = 0;
    if (api_->http_request(ctx_, &r, &HttpCall::finish, call.get(), &id, &st) != SIEMHUB_RC_OK)
      throw Error(static_cast<Category>(st.category), st.message, st.code, st.retry_after_ms);
    call.release();  // owned by the pending request until `finish`
    return id;
  }
  void http_cancel(uint64_t id) const { api_->http_cancel(ctx_, id); }

  /// Runs `fn` on the strand after delay_ms (repeatedly if `repeat`) until cancelled.
  uint64_t timer(uint32_t delay_ms, bool repeat, std::function<void()> fn) {
    auto holder = std::make_unique<TimerFn>(TimerFn{std::move(fn), this->timers_, 0, repeat});
    TimerFn* raw = holder.get();
    const uint64_t id = api_->timer_start(ctx_, delay_ms, repeat ? SIEMHUB_TIMER_REPEAT : 0u, &TimerFn::fire, raw);
    raw->id = id;
    (*timers_)[id] = std::move(holder);
    return id;
  }
  void timer_cancel(uint64_t id) {
    api_->timer_cancel(ctx_, id);
    timers_->erase(id);
  }

  /// Runs `work` on the host's blocking pool (it may block; it must not call host services
  /// other than log and now_ms), then `done` back on the strand.
  void run_blocking(std::function<void()> work, std::function<void()> done) const {
    auto call = std::make_unique<BlockingFn>(BlockingFn{std::move(work), std::move(done)});
    siemhub_status st{};
    st.struct_size = sizeof st;
    check(api_->run_blocking(ctx_, &BlockingFn::run, &BlockingFn::finish, call.get(), &st), st);
    call.release();  // owned by the pool until `finish`
  }

  std::optional<std::string> kv_get(const std::string& key) const {
    std::string out;
    siemhub_status st{};
    st.struct_size = sizeof st;
    const siemhub_rc rc = api_->kv_get(ctx_, key.c_str(), &append_bytes, &out, &st);
    if (rc == SIEMHUB_RC_NOT_FOUND) return std::nullopt;
    check(rc, st);
    return out;
  }
  void kv_put(const std::string& key, std::string_view value) const {
    siemhub_status st{};
    st.struct_size = sizeof st;
    check(api_->kv_put(ctx_, key.c_str(), value.data(), value.size(), &st), st);
  }
  void kv_delete(const std::string& key) const {
    siemhub_status st{};
    st.struct_size = sizeof st;
    check(api_->kv_delete(ctx_, key.c_str(), &st), st);
  }
  std::string secret(const std::string& reference) const {
    std::string out;
    siemhub_status st{};
    st.struct_size = sizeof st;
    check(api_->secret_resolve(ctx_, reference.c_str(), &append_bytes, &out, &st), st);
    return out;
  }

  /// Push sources: hands events to the host (copied). Returns false when the hub is at its
  /// cap (refuse your client, retry later); `done` (optional) runs once they are durable.
  bool emit(const std::vector<std::string>& events,
            std::function<void(bool durable, const Error* err)> done = {}) const {
    std::vector<siemhub_event> evs(events.size());
    for (size_t i = 0; i < events.size(); ++i) evs[i] = {events[i].data(), events[i].size(), nullptr, 0};
    siemhub_batch b{sizeof(siemhub_batch), static_cast<uint32_t>(evs.size()), evs.data()};
    siemhub_status st{};
    st.struct_size = sizeof st;
    std::unique_ptr<EmitFn> cb;
    if (done) cb = std::make_unique<EmitFn>(std::move(done));
    const siemhub_rc rc = api_->emit(ctx_, &b, cb ? &EmitFn::fire : nullptr, cb.get(), &st);
    if (rc == SIEMHUB_RC_BUSY) return false;
    check(rc, st);
    cb.release();
    return true;
  }

  const siemhub_host_api* api() const { return api_; }
  siemhub_host_ctx* ctx() const { return ctx_; }

 private:
  struct HttpCall {
    HttpRequest req;
    HttpDone done;
    HttpCall(HttpRequest r, HttpDone d) : req(std::move(r)), done(std::move(d)) {}
    static int chunk(void* user, const char* data, size_t size) {
      auto* self = static_cast<HttpCall*>(user);
      try {
        return self->req.on_chunk({data, size}) ? 0 : 1;
      } catch (...) {
        return 1;
      }
    }
    static void finish(void* user, const siemhub_http_response* resp, const siemhub_status* st) {
      std::unique_ptr<HttpCall> self(static_cast<HttpCall*>(user));
      try {
        if (resp != nullptr) {
          HttpResponse r{resp->status, resp, {resp->body, resp->body_size}, resp->retry_after_ms};
          self->done(&r, nullptr);
        } else {
          Error e(st ? static_cast<Category>(st->category) : Category::transient,
                  st ? st->message : "request failed", st ? st->code : 0, st ? st->retry_after_ms : 0);
          self->done(nullptr, &e);
        }
      } catch (...) {
        // A completion must not throw into the host; the plugin's op stays pending and the host
        // cancels it at its deadline.
      }
    }
  };
  struct TimerFn {
    std::function<void()> fn;
    std::weak_ptr<std::map<uint64_t, std::unique_ptr<TimerFn>>> owner;  // weak: no cycle
    uint64_t id;
    bool repeat;
    static void fire(void* user) {
      auto* self = static_cast<TimerFn*>(user);
      try {
        self->fn();
      } catch (...) {
      }
      if (!self->repeat)
        if (auto m = self->owner.lock()) m->erase(self->id);  // destroys self: nothing after this
    }
  };
  struct BlockingFn {
    std::function<void()> work;
    std::function<void()> done;
    static void run(void* user) {
      try {
        static_cast<BlockingFn*>(user)->work();
      } catch (...) {
      }
    }
    static void finish(void* user) {
      std::unique_ptr<BlockingFn> self(static_cast<BlockingFn*>(user));
      try {
        if (self->done) self->done();
      } catch (...) {
      }
    }
  };
  struct EmitFn {
    std::function<void(bool, const Error*)> fn;
    static void fire(void* user, siemhub_rc rc, const siemhub_status* st) {
      std::unique_ptr<EmitFn> self(static_cast<EmitFn*>(user));
      try {
        if (rc == SIEMHUB_RC_OK) {
          self->fn(true, nullptr);
        } else {
          Error e(st ? static_cast<Category>(st->category) : Category::transient, st ? st->message : "emit failed");
          self->fn(false, &e);
        }
      } catch (...) {
      }
    }
  };
  static void append_bytes(void* user, const char* data, size_t size) {
    static_cast<std::string*>(user)->append(data, size);
  }
  static void check(siemhub_rc rc, const siemhub_status& st) {
    if (rc != SIEMHUB_RC_OK)
      throw Error(static_cast<Category>(st.category ? st.category : SIEMHUB_CAT_INTERNAL),
                  st.message[0] ? st.message : "host service failed", st.code, st.retry_after_ms);
  }
  Metric define(const char* name, const char* help, uint32_t type) const {
    return Metric(api_->metric_define(ctx_, name, help, type));
  }

  const siemhub_host_api* api_;
  siemhub_host_ctx* ctx_;
  std::shared_ptr<std::map<uint64_t, std::unique_ptr<TimerFn>>> timers_ =
      std::make_shared<std::map<uint64_t, std::unique_ptr<TimerFn>>>();
};

/// Base of every operation handle. Copyable; `defer()` returns the copy to complete later.
/// Shared by every copy of one op handle.
struct OpState {
  bool deferred = false;   ///< the method called defer(): it completes later
  bool completed = false;  ///< complete()/fail() ran, or the call failed: later calls are no-ops
};

/// Base of every operation handle. Copyable; `defer()` returns the copy to complete later.
/// complete() and fail() act once: a second call (or one after the method threw) does nothing.
class Op {
 public:
  Op(siemhub_op* op, std::shared_ptr<OpState> state) : op_(op), state_(std::move(state)) {}
  bool cancelled() const { return detail::host_api()->op_is_cancelled(op_) != 0; }
  /// Finishes a deferred op successfully.
  void complete() const {
    if (std::exchange(state_->completed, true)) return;
    detail::host_api()->op_complete(op_, nullptr);
  }
  /// Finishes a deferred op with an error.
  void fail(const Error& e) const {
    if (std::exchange(state_->completed, true)) return;
    const siemhub_status st = detail::make_status(&e);
    detail::host_api()->op_complete(op_, &st);
  }
  siemhub_op* raw() const { return op_; }

 protected:
  void mark_deferred() const { state_->deferred = true; }
  siemhub_op* op_;
  std::shared_ptr<OpState> state_;
};

class PullOp : public Op {
 public:
  PullOp(siemhub_op* op, std::shared_ptr<OpState> d, const siemhub_poll_request* req)
      : Op(op, std::move(d)),
        cursor_(req && req->cursor ? std::string(req->cursor, req->cursor_size) : std::string()),
        max_events_(req ? req->max_events : 0),
        deadline_ms_(req ? req->deadline_ms : 0) {}
  /// The cursor this poll starts from (empty on the very first poll).
  const std::string& cursor() const { return cursor_; }
  uint32_t max_events() const { return max_events_; }
  int64_t deadline_ms() const { return deadline_ms_; }
  void emit(const std::vector<std::string>& events) const {
    std::vector<siemhub_event> evs(events.size());
    for (size_t i = 0; i < events.size(); ++i) evs[i] = {events[i].data(), events[i].size(), nullptr, 0};
    siemhub_batch b{sizeof(siemhub_batch), static_cast<uint32_t>(evs.size()), evs.data()};
    siemhub_status st{};
    st.struct_size = sizeof st;
    if (detail::host_api()->op_emit(op_, &b, &st) != SIEMHUB_RC_OK)
      throw Error(static_cast<Category>(st.category), st.message);
  }
  void set_cursor(std::string_view c) const { detail::host_api()->op_set_cursor(op_, c.data(), c.size()); }
  PullOp defer() const {
    mark_deferred();
    return *this;
  }

 private:
  std::string cursor_;
  uint32_t max_events_;
  int64_t deadline_ms_;
};

class SinkOp : public Op {
 public:
  using Op::Op;
  void deliver(uint32_t first, uint32_t count = 1) const { set(first, count, SIEMHUB_OUTCOME_DELIVERED, Category::none, 0, nullptr, nullptr); }
  void retry(uint32_t first, uint32_t count, Category c, uint32_t retry_after_ms = 0, const char* reason = nullptr) const {
    set(first, count, SIEMHUB_OUTCOME_RETRY, c, retry_after_ms, reason, nullptr);
  }
  void reject(uint32_t index, const std::string& reason, const std::string& response = {}) const {
    set(index, 1, SIEMHUB_OUTCOME_REJECTED, Category::permanent, 0, reason.c_str(), response.c_str());
  }
  SinkOp defer() const {
    mark_deferred();
    return *this;
  }

 private:
  void set(uint32_t first, uint32_t count, siemhub_outcome o, Category c, uint32_t retry, const char* reason,
           const char* response) const {
    siemhub_event_result r{sizeof(siemhub_event_result), o, static_cast<uint32_t>(c), retry, reason, response};
    detail::host_api()->op_set_results(op_, first, count, &r);
  }
};

struct LookupKey {
  std::string_view type;
  std::string_view value;
};

class LookupRequest {
 public:
  explicit LookupRequest(const siemhub_lookup_request* r) : r_(r) {}
  size_t size() const { return r_->count; }
  LookupKey operator[](size_t i) const { return {r_->keys[i].type, {r_->keys[i].value, r_->keys[i].value_size}}; }
  int64_t deadline_ms() const { return r_->deadline_ms; }

 private:
  const siemhub_lookup_request* r_;
};

class LookupOp : public Op {
 public:
  using Op::Op;
  void found(uint32_t index, const std::string& json_value, uint32_t ttl_ms) const {
    siemhub_lookup_result r{sizeof(siemhub_lookup_result), 1, json_value.data(), json_value.size(), ttl_ms};
    detail::host_api()->op_set_lookup(op_, index, &r);
  }
  void miss(uint32_t index, uint32_t ttl_ms) const {
    siemhub_lookup_result r{sizeof(siemhub_lookup_result), 0, nullptr, 0, ttl_ms};
    detail::host_api()->op_set_lookup(op_, index, &r);
  }
  LookupOp defer() const {
    mark_deferred();
    return *this;
  }
};

/// One action of the manifest.
struct ActionDef {
  std::string name, title, description;
  std::string params_schema = R"({"type":"object"})";
  std::string inverse;  ///< empty = none
  uint32_t flags = 0;   ///< SIEMHUB_ACTION_*
  uint32_t timeout_ms = 30000;
  uint32_t retryable = (1u << SIEMHUB_CAT_TRANSIENT) | (1u << SIEMHUB_CAT_RATE_LIMIT) | (1u << SIEMHUB_CAT_TIMEOUT);
};

struct ActionRequest {
  std::string_view action;
  std::string_view params;  ///< JSON object
  std::string_view idempotency_key;
  std::string_view prior;   ///< for inverse actions: the result JSON of the call being undone
  bool simulate = false;
  int64_t deadline_ms = 0;
  nlohmann::json params_json() const { return nlohmann::json::parse(params.empty() ? std::string_view("{}") : params); }
};

class ActionOp : public Op {
 public:
  using Op::Op;
  void result(const nlohmann::json& j) const {
    const std::string s = j.dump();
    detail::host_api()->op_set_action_result(op_, s.data(), s.size());
  }
  ActionOp defer() const {
    mark_deferred();
    return *this;
  }
};

// ------------------------------------------------------------------------------------------
// Capability detection and the adapter that emits the C ABI.
namespace detail {

template <class T> concept named_poll = requires { &T::poll; };
template <class T> concept named_write = requires { &T::write; };
template <class T> concept named_lookup = requires { &T::lookup; };
template <class T> concept named_execute = requires { &T::execute; };
template <class T> concept named_status = requires { &T::status; };
template <class T> concept named_start = requires { &T::start; };
template <class T> concept named_stop = requires { &T::stop; };
template <class T> concept named_health = requires { &T::health; };
template <class T> concept named_pause = requires { &T::pause; };
template <class T> concept named_resume = requires { &T::resume; };

template <class T> concept has_poll = requires(T& t, PullOp& op) { { t.poll(op) } -> std::same_as<void>; };
template <class T> concept has_write = requires(T& t, SinkOp& op, const Batch& b) { { t.write(op, b) } -> std::same_as<void>; };
template <class T> concept has_lookup = requires(T& t, LookupOp& op, const LookupRequest& r) { { t.lookup(op, r) } -> std::same_as<void>; };
template <class T> concept has_execute = requires(T& t, ActionOp& op, const ActionRequest& r) { { t.execute(op, r) } -> std::same_as<void>; };
template <class T> concept has_status = requires(T& t, ActionOp& op, const ActionRequest& r) { { t.status(op, r) } -> std::same_as<void>; };
template <class T> concept has_actions = requires { { T::actions() } -> std::convertible_to<std::vector<ActionDef>>; };
template <class T> concept has_start = requires(T& t) { { t.start() } -> std::same_as<void>; };
template <class T> concept has_stop = requires(T& t, int64_t d) { { t.stop(d) } -> std::same_as<void>; };
template <class T> concept has_health = requires(T& t) { { t.health() } -> std::same_as<Health>; };
template <class T> concept has_pause = requires(T& t) { { t.pause() } -> std::same_as<void>; };
template <class T> concept has_resume = requires(T& t) { { t.resume() } -> std::same_as<void>; };
template <class T> concept has_config_type = requires { typename T::Config; };
template <class T> concept has_vendor = requires { T::vendor; };
template <class T> concept has_description = requires { T::description; };
template <class T> concept has_license = requires { T::license; };
template <class T> concept has_homepage = requires { T::homepage; };
template <class T> concept has_schema = requires { T::config_schema; };
template <class T> concept has_ocsf = requires { T::ocsf_classes; };

template <class T>
constexpr uint64_t capabilities() {
  return (has_poll<T> ? SIEMHUB_CAP_SOURCE_PULL : 0u) |
         (has_pause<T> && has_resume<T> ? SIEMHUB_CAP_SOURCE_PUSH : 0u) | (has_write<T> ? SIEMHUB_CAP_SINK : 0u) |
         (has_lookup<T> ? SIEMHUB_CAP_ENRICH : 0u) | (has_execute<T> ? SIEMHUB_CAP_ACTION : 0u);
}

template <class T>
constexpr bool check_signatures() {
  static_assert(requires { T::id; } && requires { T::version; },
                "siemhub: the plugin class needs `static constexpr char id[] = \"...\";` and "
                "`static constexpr char version[] = \"...\";`");
  static_assert(!named_poll<T> || has_poll<T>, "siemhub: expected signature: void poll(siemhub::sdk::PullOp& op)");
  static_assert(!named_write<T> || has_write<T>,
                "siemhub: expected signature: void write(siemhub::sdk::SinkOp& op, const siemhub::sdk::Batch& batch)");
  static_assert(!named_lookup<T> || has_lookup<T>,
                "siemhub: expected signature: void lookup(siemhub::sdk::LookupOp& op, const siemhub::sdk::LookupRequest& req)");
  static_assert(!named_execute<T> || has_execute<T>,
                "siemhub: expected signature: void execute(siemhub::sdk::ActionOp& op, const siemhub::sdk::ActionRequest& req)");
  static_assert(!named_status<T> || has_status<T>,
                "siemhub: expected signature: void status(siemhub::sdk::ActionOp& op, const siemhub::sdk::ActionRequest& req)");
  static_assert(!has_execute<T> || (has_actions<T> && has_status<T>),
                "siemhub: an action plugin needs static std::vector<siemhub::sdk::ActionDef> actions() and "
                "void status(siemhub::sdk::ActionOp&, const siemhub::sdk::ActionRequest&)");
  static_assert(!named_start<T> || has_start<T>, "siemhub: expected signature: void start()");
  static_assert(!named_stop<T> || has_stop<T>, "siemhub: expected signature: void stop(int64_t deadline_ms)");
  static_assert(!named_health<T> || has_health<T>, "siemhub: expected signature: siemhub::sdk::Health health()");
  static_assert(!named_pause<T> || has_pause<T>, "siemhub: expected signature: void pause()");
  static_assert(!named_resume<T> || has_resume<T>, "siemhub: expected signature: void resume()");
  static_assert(has_pause<T> == has_resume<T>, "siemhub: a push source needs both void pause() and void resume()");
  static_assert(capabilities<T>() != 0,
                "siemhub: the plugin class has no capability: define poll, write, lookup, execute, or pause+resume");
  if constexpr (has_config_type<T>) {
    static_assert(std::is_constructible_v<T, Host, typename T::Config>,
                  "siemhub: expected constructor: T(siemhub::sdk::Host host, T::Config config)");
  } else {
    static_assert(std::is_constructible_v<T, Host, const nlohmann::json&>,
                  "siemhub: expected constructor: T(siemhub::sdk::Host host, const nlohmann::json& config) "
                  "(or define T::Config with from_json)");
  }
  return true;
}

template <class T>
constexpr siemhub_elf_note make_note() {
  siemhub_elf_note n{};
  n.namesz = sizeof(SIEMHUB_NOTE_NAME);
  n.descsz = sizeof(siemhub_note_desc);
  n.type = SIEMHUB_NOTE_TYPE;
  for (size_t i = 0; i < sizeof(SIEMHUB_NOTE_NAME); ++i) n.name[i] = SIEMHUB_NOTE_NAME[i];
  n.desc.abi_major = SIEMHUB_ABI_MAJOR;
  n.desc.abi_minor = SIEMHUB_ABI_MINOR;
  static_assert(sizeof(T::id) <= SIEMHUB_NOTE_ID_MAX, "siemhub: plugin id longer than 63 characters");
  static_assert(sizeof(T::version) <= SIEMHUB_NOTE_VERSION_MAX, "siemhub: plugin version longer than 31 characters");
  for (size_t i = 0; i < sizeof(T::id); ++i) n.desc.id[i] = T::id[i];
  for (size_t i = 0; i < sizeof(T::version); ++i) n.desc.version[i] = T::version[i];
  return n;
}

template <class T>
struct Instance {
  explicit Instance(Host h) : host(h) {}
  Host host;
  std::optional<T> obj;  // emplaced in place: T need not be movable
  bool stopped = false;  // a second stop is a no-op
};

template <class T>
struct Adapter {
  static_assert(check_signatures<T>());
  using Inst = Instance<T>;
  static T& self(void* p) { return *static_cast<Inst*>(p)->obj; }

  // Runs a deferrable operation: OK when it returned, PENDING when it called defer().
  // A method that threw after defer() has failed: the host completes the op from the error,
  // and the deferred copy's later complete()/fail() become no-ops.
  template <class F>
  static siemhub_rc run_op(siemhub_status* st, const std::shared_ptr<OpState>& state, F&& f) {
    const siemhub_rc rc = guard(st, [&] {
      f();
      return state->deferred ? SIEMHUB_RC_PENDING : SIEMHUB_RC_OK;
    });
    if (rc == SIEMHUB_RC_ERROR) state->completed = true;
    return rc;
  }

  static siemhub_rc init(const siemhub_host_api* api, siemhub_status* st) {
    if (api == nullptr || api->abi_major != SIEMHUB_ABI_MAJOR ||
        !SIEMHUB_HAS_FIELD(siemhub_host_api, report_health, api->struct_size)) {
      fill_status(st, Category::config, 0, 0, "host services table too old for this plugin");
      return SIEMHUB_RC_ERROR;
    }
    host_api() = api;
    return SIEMHUB_RC_OK;
  }
  static siemhub_rc create(siemhub_host_ctx* ctx, const char* cfg, size_t size, void** out, siemhub_status* st) {
    return guard(st, [&] {
      auto inst = std::make_unique<Inst>(Host(host_api(), ctx));
      const nlohmann::json j = size ? nlohmann::json::parse(std::string_view(cfg, size)) : nlohmann::json::object();
      if constexpr (has_config_type<T>)
        inst->obj.emplace(inst->host, j.get<typename T::Config>());
      else
        inst->obj.emplace(inst->host, j);
      *out = inst.release();
      return SIEMHUB_RC_OK;
    }, true);
  }
  static siemhub_rc start(void* p, siemhub_status* st) {
    return guard(st, [&] {
      static_cast<Inst*>(p)->stopped = false;
      if constexpr (has_start<T>) self(p).start();
      return SIEMHUB_RC_OK;
    });
  }
  static siemhub_rc stop(void* p, int64_t deadline, siemhub_status* st) {
    return guard(st, [&] {
      auto* inst = static_cast<Inst*>(p);
      if (std::exchange(inst->stopped, true)) return SIEMHUB_RC_OK;
      if constexpr (has_stop<T>) self(p).stop(deadline);
      (void)deadline;
      return SIEMHUB_RC_OK;
    });
  }
  static void destroy(void* p) noexcept {
    try {
      delete static_cast<Inst*>(p);
    } catch (...) {
    }
  }
  static void health(void* p, siemhub_health* out) noexcept {
    try {
      if constexpr (has_health<T>) {
        const Health h = self(p).health();
        out->state = h.state;
        const size_t n = std::min(h.reason.size(), sizeof out->reason - 1);
        std::memcpy(out->reason, h.reason.data(), n);
        out->reason[n] = '\0';
        out->last_success_ms = h.last_success_ms;
      }
    } catch (const std::exception& e) {
      out->state = SIEMHUB_HEALTH_DEGRADED;
      std::snprintf(out->reason, sizeof out->reason, "health() threw: %s", e.what());
    } catch (...) {
      out->state = SIEMHUB_HEALTH_DEGRADED;
    }
  }
  static siemhub_rc poll(void* p, siemhub_op* o, const siemhub_poll_request* req, siemhub_status* st) {
    if constexpr (has_poll<T>) {
      auto d = std::make_shared<OpState>();
      PullOp op(o, d, req);
      return run_op(st, d, [&] { self(p).poll(op); });
    }
    return SIEMHUB_RC_NOT_SUPPORTED;
  }
  static void pause(void* p) noexcept {
    try {
      if constexpr (has_pause<T>) self(p).pause();
    } catch (...) {
    }
  }
  static void resume(void* p) noexcept {
    try {
      if constexpr (has_resume<T>) self(p).resume();
    } catch (...) {
    }
  }
  static siemhub_rc write(void* p, siemhub_op* o, const siemhub_batch* b, siemhub_status* st) {
    if constexpr (has_write<T>) {
      auto d = std::make_shared<OpState>();
      SinkOp op(o, d);
      const Batch batch(b);
      return run_op(st, d, [&] { self(p).write(op, batch); });
    }
    return SIEMHUB_RC_NOT_SUPPORTED;
  }
  static siemhub_rc lookup(void* p, siemhub_op* o, const siemhub_lookup_request* r, siemhub_status* st) {
    if constexpr (has_lookup<T>) {
      auto d = std::make_shared<OpState>();
      LookupOp op(o, d);
      const LookupRequest req(r);
      return run_op(st, d, [&] { self(p).lookup(op, req); });
    }
    return SIEMHUB_RC_NOT_SUPPORTED;
  }
  static ActionRequest action_request(const siemhub_action_request* r) {
    ActionRequest a;
    a.action = r->action ? r->action : "";
    a.params = r->params ? std::string_view(r->params, r->params_size) : std::string_view{};
    a.idempotency_key = r->idempotency_key ? r->idempotency_key : "";
    a.prior = r->prior ? std::string_view(r->prior, r->prior_size) : std::string_view{};
    a.simulate = r->simulate != 0;
    a.deadline_ms = r->deadline_ms;
    return a;
  }
  static siemhub_rc execute(void* p, siemhub_op* o, const siemhub_action_request* r, siemhub_status* st) {
    if constexpr (has_execute<T>) {
      auto d = std::make_shared<OpState>();
      ActionOp op(o, d);
      return run_op(st, d, [&] { self(p).execute(op, action_request(r)); });
    }
    return SIEMHUB_RC_NOT_SUPPORTED;
  }
  static siemhub_rc status(void* p, siemhub_op* o, const siemhub_action_request* r, siemhub_status* st) {
    if constexpr (has_status<T>) {
      auto d = std::make_shared<OpState>();
      ActionOp op(o, d);
      return run_op(st, d, [&] { self(p).status(op, action_request(r)); });
    }
    return SIEMHUB_RC_NOT_SUPPORTED;
  }

  // The manifest lives in static storage built on first use (strings owned here).
  struct Manifest {
    std::vector<ActionDef> defs;
    std::vector<siemhub_action_def> cdefs;
    std::vector<const siemhub_action_def*> ptrs;
  };
  static const Manifest& manifest() {
    static const Manifest m = [] {
      Manifest r;
      if constexpr (has_actions<T>) r.defs = T::actions();
      r.cdefs.reserve(r.defs.size());
      for (const ActionDef& a : r.defs)
        r.cdefs.push_back({sizeof(siemhub_action_def), a.name.c_str(), a.title.c_str(), a.description.c_str(),
                           a.params_schema.c_str(), a.inverse.empty() ? nullptr : a.inverse.c_str(), a.flags,
                           a.timeout_ms, a.retryable});
      for (const auto& c : r.cdefs) r.ptrs.push_back(&c);
      return r;
    }();
    return m;
  }

  static uint32_t max_batch_events() {
    if constexpr (requires { T::max_batch_events; }) return T::max_batch_events;
    return 0;
  }
  static uint32_t max_batch_bytes() {
    if constexpr (requires { T::max_batch_bytes; }) return T::max_batch_bytes;
    return 0;
  }
  static uint32_t poll_interval_ms() {
    if constexpr (requires { T::poll_interval_ms; }) return T::poll_interval_ms;
    return 1000;
  }
  static const char* key_types() {
    if constexpr (requires { T::lookup_key_types; }) return T::lookup_key_types;
    return "[]";
  }

  static const siemhub_plugin_descriptor* descriptor() noexcept {
    static const siemhub_source_push_vtable push{sizeof(siemhub_source_push_vtable), &pause, &resume};
    static const siemhub_sink_vtable sink{sizeof(siemhub_sink_vtable), max_batch_events(), max_batch_bytes(), &write};
    static const siemhub_enrich_vtable enrich{sizeof(siemhub_enrich_vtable), key_types(), &lookup};
    static const siemhub_source_pull_vtable pull{sizeof(siemhub_source_pull_vtable), poll_interval_ms(), &poll};
    try {
      static const siemhub_action_vtable action{sizeof(siemhub_action_vtable),
                                                static_cast<uint32_t>(manifest().ptrs.size()),
                                                manifest().ptrs.data(), &execute, &status};
      static const siemhub_plugin_descriptor d = [] {
        siemhub_plugin_descriptor x{};
        x.struct_size = sizeof x;
        x.abi_major = SIEMHUB_ABI_MAJOR;
        x.abi_minor = SIEMHUB_ABI_MINOR;
        x.id = T::id;
        x.version = T::version;
        if constexpr (has_vendor<T>) x.vendor = T::vendor;
        if constexpr (has_description<T>) x.description = T::description;
        if constexpr (has_license<T>) x.license = T::license;
        if constexpr (has_homepage<T>) x.homepage = T::homepage;
        if constexpr (has_schema<T>) x.config_schema = T::config_schema;
        else x.config_schema = R"({"type":"object"})";
        if constexpr (has_ocsf<T>) x.ocsf_classes = T::ocsf_classes;
        else x.ocsf_classes = "[]";
        x.capabilities = capabilities<T>();
        x.init = &init;
        x.shutdown = nullptr;
        x.create_instance = &create;
        x.start = &Adapter::start;
        x.stop = &Adapter::stop;
        x.destroy_instance = &destroy;
        x.health = has_health<T> ? &Adapter::health : nullptr;
        x.source_pull = has_poll<T> ? &pull : nullptr;
        x.source_push = (has_pause<T> && has_resume<T>) ? &push : nullptr;
        x.sink = has_write<T> ? &sink : nullptr;
        x.enrich = has_lookup<T> ? &enrich : nullptr;
        x.action = has_execute<T> ? &action : nullptr;
        return x;
      }();
      return &d;
    } catch (...) {
      return nullptr;  // the host refuses a library whose entry returns no descriptor
    }
  }
};

}  // namespace detail

/// The descriptor of plugin class T without exporting an entry point: for plugins linked
/// statically into a host (the hub's built-in connectors) and for in-process tests.
template <class T>
const siemhub_plugin_descriptor* descriptor_of() {
  return detail::Adapter<T>::descriptor();
}

}  // namespace siemhub::sdk

/// Registers `CLASS` as this library's plugin: the ELF note and the entry point.
#define SIEMHUB_PLUGIN(CLASS)                                                                      \
  __attribute__((section(SIEMHUB_NOTE_SECTION), used, aligned(4))) static constexpr siemhub_elf_note \
      siemhub_plugin_note_ = ::siemhub::sdk::detail::make_note<CLASS>();                           \
  extern "C" SIEMHUB_EXPORT const siemhub_plugin_descriptor* siemhub_plugin_entry(uint32_t) {     \
    return ::siemhub::sdk::detail::Adapter<CLASS>::descriptor();                                   \
  }

#endif  // SIEMHUB_PLUGIN_HPP
