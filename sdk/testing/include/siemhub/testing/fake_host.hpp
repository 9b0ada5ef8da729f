// siemhub SDK test kit — an in-process, deterministic fake of the host services table.
//
// FakeHost implements every function of `siemhub_host_api` (plugin.h) without threads, sockets
// or a real clock, so a plugin can be unit-tested with any test framework:
//
//   siemhub::testing::FakeHost host;                 // fake clock starts at 2023-11-14T22:13:20Z
//   host.script(siemhub::testing::HttpReply::ok(R"({"items":[]})"));
//   ... call the plugin (directly, or through siemhub/testing/loader.hpp) ...
//   host.run_pending();                              // delivers the HTTP completion
//   REQUIRE(host.http_requests().at(0).url == "https://api.example.com/v1/items");
//
// Rules the fake follows (the same the real host guarantees):
//   - nothing completes re-entrantly: HTTP completions, emit completions and run_blocking work
//     are queued and delivered only by run_pending() or advance();
//   - advance(ms) moves the fake clock and fires due timers and completions in time order
//     (repeating timers fire once per period);
//   - every service copies what it is given;
//   - contract violations (op_complete twice, results set after completion, a bad metric name,
//     an exception thrown out of a plugin callback, or one the C++ layer caught and logged at a
//     callback boundary, an op still pending after stop()...) are recorded in violations(),
//     never turned into a crash.
//
// Threads a plugin starts itself may call log, emit and now_ms concurrently (they are locked);
// everything else must run on the test's thread, which plays the instance strand.
#ifndef SIEMHUB_TESTING_FAKE_HOST_HPP
#define SIEMHUB_TESTING_FAKE_HOST_HPP

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "siemhub/plugin.h"

namespace siemhub::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

/// Name of a category ("CONFIG", "TRANSIENT"...), of a return code ("OK", "PENDING"...).
const char* category_name(siemhub_category c);
const char* rc_name(siemhub_rc rc);

/// One HTTP request the plugin made.
struct HttpRecord {
  uint64_t id = 0;
  std::string instance;  ///< name of the context it was made on
  std::string method;
  std::string url;
  Headers headers;  ///< as given, plus "Content-Encoding: gzip" when the plugin asked for gzip
  std::string body; ///< the body as the receiver sees it after gunzip (the plugin's plain body)
  bool gzip = false; ///< SIEMHUB_HTTP_GZIP_BODY was set (the real host compresses on the wire)
  uint32_t flags = 0;
  uint32_t timeout_ms = 0;
  bool streamed = false;  ///< the plugin passed on_chunk
  bool cancelled = false; ///< http_cancel was called before the completion
  bool completed = false; ///< the completion has been delivered
  /// Case-insensitive header lookup.
  std::optional<std::string> header(std::string_view name) const;
};

/// A scripted answer to one request.
struct HttpReply {
  int status = 200;
  Headers headers;
  std::string body;
  uint32_t retry_after_ms = 0;
  uint32_t latency_ms = 0; ///< the completion is due this many fake ms after the request
  /// != NONE: no response arrives (resp == NULL) and the completion reports this category.
  siemhub_category error = SIEMHUB_CAT_NONE;
  std::string error_message;
  size_t chunk_size = 0; ///< on_chunk streaming: bytes per chunk (0 = FakeHost::stream_chunk_size)

  static HttpReply ok(std::string body, int status = 200, Headers headers = {});
  static HttpReply failure(siemhub_category category, std::string message);
};
/// Computes the reply for a request (used when the scripted queue is empty).
using HttpHandler = std::function<HttpReply(const HttpRecord&)>;

struct LogRecord {
  std::string instance; ///< empty for plugin-wide messages (NULL ctx)
  siemhub_log_level level = SIEMHUB_LOG_INFO;
  std::string message;
};

struct HealthReport {
  std::string instance;
  int32_t state = SIEMHUB_HEALTH_OK;
  std::string reason;
};

/// One call of the push `emit` service that was accepted.
struct EmitRecord {
  std::string instance;
  std::vector<std::string> events;
  std::vector<std::string> ids; ///< empty strings where the plugin gave no id
  bool with_callback = false;
};

struct MetricRecord {
  std::string instance;
  std::string name;
  std::string help;
  uint32_t type = SIEMHUB_METRIC_COUNTER;
  double value = 0;                 ///< counter: sum; gauge: last value; histogram: sum
  std::vector<double> observations; ///< every recorded value, in order
};

/// Per-event outcome a sink set (copied).
struct EventResult {
  bool set = false;
  siemhub_outcome outcome = SIEMHUB_OUTCOME_UNSET;
  siemhub_category category = SIEMHUB_CAT_NONE;
  uint32_t retry_after_ms = 0;
  std::string reason;
  std::string response;
};

struct LookupAnswer {
  bool found = false;
  std::string value;
  uint32_t ttl_ms = 0;
};

enum class OpKind { poll, write, lookup, execute, status };
const char* op_kind_name(OpKind k);

class FakeHost;
class Instance;

/// One operation handed to the plugin: records what the plugin set on it and how it completed.
/// Owned by the FakeHost (valid as long as it), so a late or double op_complete is detected
/// rather than touching freed memory.
class FakeOp {
 public:
  OpKind kind = OpKind::poll;
  std::string instance;

  // --- what the plugin set ---
  std::vector<std::string> events;    ///< op_emit (pull sources)
  std::vector<std::string> event_ids; ///< parallel to events; empty when none given
  std::optional<std::string> cursor;  ///< op_set_cursor (last value)
  std::vector<EventResult> results;   ///< op_set_results, sized to the batch
  std::map<uint32_t, LookupAnswer> lookups; ///< op_set_lookup by key index
  std::optional<std::string> action_result; ///< op_set_action_result (last value)
  std::optional<siemhub_action_outcome> action_outcome; ///< op_set_action_outcome (ABI 1.1, last value)

  // --- how it went ---
  bool returned = false;         ///< the plugin call returned (false if it threw)
  siemhub_rc rc = SIEMHUB_RC_ERROR; ///< what the call returned
  siemhub_status call_status{};  ///< the status the call filled
  bool threw = false;            ///< an exception crossed the ABI boundary (plugin bug)
  std::string exception;
  int complete_calls = 0;        ///< op_complete calls (1 for a deferred op, 0 for a sync one)
  siemhub_status complete_status{}; ///< the status given to op_complete (zero = success)
  bool cancelled = false;        ///< what op_is_cancelled answers; set with cancel()
  std::vector<std::string> violations; ///< contract violations seen on this op

  /// The call returned PENDING and op_complete has not been called yet.
  bool pending() const { return returned && rc == SIEMHUB_RC_PENDING && complete_calls == 0; }
  /// Finished: returned a final rc, or returned PENDING and was completed.
  bool done() const { return returned && (rc != SIEMHUB_RC_PENDING || complete_calls > 0); }
  /// The final status: the call's for a sync op, op_complete's for a deferred one.
  const siemhub_status& final_status() const {
    return rc == SIEMHUB_RC_PENDING ? complete_status : call_status;
  }
  siemhub_category category() const { return final_status().category; }
  std::string message() const { return final_status().message; }
  /// done() and no error (rc OK, or PENDING completed with category NONE).
  bool succeeded() const {
    return done() && !threw && (rc == SIEMHUB_RC_OK || (rc == SIEMHUB_RC_PENDING && category() == SIEMHUB_CAT_NONE));
  }
  /// "OK", "ERROR CONFIG: bad url", "PENDING (not completed)", "threw: ..."
  std::string describe() const;

  void cancel() { cancelled = true; }
  siemhub_op* raw() { return reinterpret_cast<siemhub_op*>(this); }

 private:
  friend class FakeHost;
  friend class Instance;
  uint32_t magic_ = 0x0fa4e0e9u;
  bool stop_flagged_ = false;  ///< reported as pending after stop() already
  FakeHost* host_ = nullptr;
  uint32_t items_ = 0; ///< batch size / key count (bounds for results)
};

/// The fake host. Not copyable; several may exist (each test its own), but a plugin library
/// keeps the table from its last `init`, so create the FakeHost before loading the plugin.
class FakeHost {
 public:
  /// Starting time of the fake clock (epoch ms).
  static constexpr int64_t kDefaultStartMs = 1'700'000'000'000;

  explicit FakeHost(int64_t start_ms = kDefaultStartMs);
  ~FakeHost();
  FakeHost(const FakeHost&) = delete;
  FakeHost& operator=(const FakeHost&) = delete;

  /// The services table to hand to the plugin's `init` (this SDK's ABI, every function set).
  const siemhub_host_api* api() const { return &api_; }

  // ---------------------------------------------------------------- instance contexts
  /// The context for an instance name (created on first use).
  siemhub_host_ctx* ctx(const std::string& instance = "default");
  /// The name of a context ("" for NULL).
  std::string instance_name(const siemhub_host_ctx* ctx) const;
  /// What `is_cancelled(ctx)` answers (the instance is stopping).
  void set_stopping(siemhub_host_ctx* ctx, bool stopping);
  /// Cancels the instance's timers (the host does this once `stop` returned).
  void cancel_timers(siemhub_host_ctx* ctx);
  /// Cancels the instance's outstanding HTTP requests: their completions (CANCELLED) are
  /// queued and delivered by the next run_pending().
  size_t cancel_requests(siemhub_host_ctx* ctx);

  // ---------------------------------------------------------------- clock and scheduling
  int64_t now_ms() const;
  /// Moves the clock forward by `ms`, running every timer and completion that falls due, in
  /// time order (ties in scheduling order).
  void advance(int64_t ms);
  /// Runs everything due at the current time (completions, blocking work); returns how many.
  size_t run_pending();
  /// Scheduled items still waiting (timers included).
  size_t scheduled() const;
  size_t active_timers(siemhub_host_ctx* ctx = nullptr) const; ///< NULL = all instances

  // ---------------------------------------------------------------- HTTP
  /// Host patterns allowed for egress ("api.example.com", "*.example.com", "host:8443",
  /// "*:8088", "*"). Until this is called everything is allowed; an empty list denies all.
  void allow_egress(std::vector<std::string> patterns);
  /// Queues a reply for the next request (FIFO).
  void script(HttpReply reply);
  /// Computes replies once the queue is empty. Without one an unscripted request fails with
  /// TRANSIENT "no scripted response" (like a refused connection).
  void on_http(HttpHandler handler);
  /// Requests made so far, in order.
  const std::vector<HttpRecord>& http_requests() const { return http_log_; }
  /// Requests not completed yet.
  size_t http_in_flight() const;
  /// Default chunk size when streaming a scripted body to on_chunk.
  size_t stream_chunk_size = 16;
  /// How a URL outside the allow-list is refused: false (default) = http_request returns
  /// ERROR with CONFIG at once; true = the completion reports CONFIG.
  bool refuse_via_completion = false;

  // ---------------------------------------------------------------- emit (push sources)
  /// While busy, emit returns BUSY (TRANSIENT, retry_after_ms) and keeps nothing.
  void set_emit_busy(bool busy, uint32_t retry_after_ms = 100);
  /// Manual durability: emit completions are held until complete_emits(); otherwise they
  /// are delivered (OK) by the next run_pending().
  void set_manual_durability(bool manual);
  /// Delivers the held emit completions with `rc` (OK = durable); returns how many.
  size_t complete_emits(siemhub_rc rc = SIEMHUB_RC_OK, siemhub_category category = SIEMHUB_CAT_NONE);
  std::vector<EmitRecord> emits() const;
  std::vector<std::string> emitted_events() const; ///< every accepted event, flattened
  size_t busy_refusals() const;

  // ---------------------------------------------------------------- metrics, kv, secrets
  /// The metric with this name (the first instance's when several define it), or NULL.
  const MetricRecord* metric(const std::string& name, const std::string& instance = {}) const;
  double metric_value(const std::string& name, const std::string& instance = {}) const;
  std::vector<MetricRecord> metrics() const;
  /// The instance's key-value store (NULL = "default").
  std::map<std::string, std::string>& kv(siemhub_host_ctx* ctx = nullptr);
  /// What secret_resolve answers for `reference` (e.g. "${env:TOKEN}").
  void set_secret(std::string reference, std::string value);
  /// While set, kv_put fails with TRANSIENT (disk full...).
  bool kv_fail = false;

  // ---------------------------------------------------------------- logs, health
  std::vector<LogRecord> logs() const;
  /// True when a captured log message contains `needle` (at `min_level` or above).
  bool logged(std::string_view needle, siemhub_log_level min_level = SIEMHUB_LOG_TRACE) const;
  const std::vector<HealthReport>& health_reports() const { return health_; }
  /// Exceptions the C++ layer caught at a callback boundary and logged (each is also a
  /// violation): "the HTTP completion of poll threw: ..." (the log text after its prefix).
  std::vector<std::string> callback_exceptions() const;
  /// Echo captured logs to stderr as they arrive.
  bool echo_logs = false;

  // ---------------------------------------------------------------- ops
  /// A new op for the given instance (`items` = batch size or key count).
  FakeOp& new_op(OpKind kind, siemhub_host_ctx* ctx, uint32_t items = 0);
  const std::vector<std::unique_ptr<FakeOp>>& ops() const { return ops_; }
  /// Host-level contract violations (also those recorded on ops).
  std::vector<std::string> violations() const;
  void add_violation(std::string what);

  /// Implementation detail (used by the C callbacks).
  struct Impl;

 private:
  struct Ctx;
  struct Metric;
  struct Task;
  struct Timer;
  struct Pending;

  Ctx* ctx_of(siemhub_host_ctx* ctx) const;
  void schedule(int64_t due, std::function<void()> fn, uint64_t timer_id = 0);
  bool run_one(int64_t limit);
  void deliver_http(uint64_t id);

  siemhub_host_api api_{};
  mutable std::recursive_mutex mu_;
  int64_t now_;
  uint64_t seq_ = 0;
  std::multimap<std::pair<int64_t, uint64_t>, std::unique_ptr<Task>> tasks_;
  std::map<std::string, std::unique_ptr<Ctx>> ctxs_;
  std::map<uint64_t, std::unique_ptr<Timer>> timers_;
  uint64_t next_timer_ = 1;

  std::optional<std::vector<std::string>> egress_;
  std::vector<HttpReply> script_;
  size_t script_pos_ = 0;
  HttpHandler handler_;
  std::vector<HttpRecord> http_log_;
  std::map<uint64_t, std::unique_ptr<Pending>> pending_;

  bool emit_busy_ = false;
  uint32_t emit_retry_ms_ = 100;
  bool manual_durability_ = false;
  size_t busy_refusals_ = 0;
  std::vector<EmitRecord> emits_;
  struct HeldEmit {
    siemhub_emit_done_fn done;
    void* user;
  };
  std::vector<HeldEmit> held_emits_;

  std::vector<std::unique_ptr<Metric>> metrics_;
  std::map<std::string, std::string> secrets_;
  std::vector<LogRecord> logs_;
  std::vector<std::string> callback_exceptions_;
  std::vector<HealthReport> health_;
  std::vector<std::unique_ptr<FakeOp>> ops_;
  std::vector<std::string> violations_;
};

}  // namespace siemhub::testing

#endif  // SIEMHUB_TESTING_FAKE_HOST_HPP
