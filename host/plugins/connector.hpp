// One configured instance of a plugin (a "connector"): owns the plugin instance, its strand,
// its host context, and the operations in flight. Every call into the plugin runs on the
// strand; callers get results through completion callbacks (or futures for the lifecycle).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "core/clock.hpp"
#include "core/kv.hpp"
#include "core/metrics.hpp"
#include "core/runtime.hpp"
#include "http/http_service.hpp"
#include "plugins/loader.hpp"

namespace siemhub::plugins {

/// What every connector shares.
struct HostEnvironment {
  core::Runtime& runtime;
  const core::Clock& clock;
  http::HttpService& http;
  core::KvStore& kv;
  core::MetricsRegistry& metrics;
};

/// Outcome of a call into the plugin.
struct CallStatus {
  siemhub_rc rc = SIEMHUB_RC_OK;
  uint32_t category = SIEMHUB_CAT_NONE;
  int32_t code = 0;
  uint32_t retry_after_ms = 0;
  std::string message;
  bool ok() const { return rc == SIEMHUB_RC_OK && category == SIEMHUB_CAT_NONE; }
};

struct EventResult {
  siemhub_outcome outcome = SIEMHUB_OUTCOME_UNSET;
  uint32_t category = SIEMHUB_CAT_NONE;
  uint32_t retry_after_ms = 0;
  std::string reason;
  std::string response;
};

struct LookupAnswer {
  bool answered = false;
  bool found = false;
  std::string value;
  uint32_t ttl_ms = 0;
};

/// Everything one operation produced.
struct OpResult {
  CallStatus status;
  std::vector<std::string> events;    // pull: emitted events
  std::optional<std::string> cursor;  // pull: next cursor
  std::vector<EventResult> results;   // sink: per event
  std::vector<LookupAnswer> lookups;  // enrich: per key
  std::string action_result;          // action: JSON
  siemhub_action_outcome action_outcome = SIEMHUB_ACTION_OUTCOME_UNKNOWN;  // action: op_set_action_outcome
};

using OpDone = std::function<void(OpResult)>;

/// A push emit: events (copied) and a completion to run once they are durable (may be empty).
using EmitHandler = std::function<siemhub_rc(std::vector<std::string> events,
                                             std::function<void(siemhub_rc, const CallStatus&)> durable)>;

struct ActionCall {
  std::string action;
  std::string params = "{}";
  std::string idempotency_key;
  std::string prior;
  bool simulate = false;
};

class Connector : public std::enable_shared_from_this<Connector> {
 public:
  /// `id` is the connector's name from the config (also its KV namespace and metric label).
  static std::shared_ptr<Connector> make(std::string id, std::shared_ptr<PluginModule> module, HostEnvironment& env,
                                         http::ConnectorPolicy http_policy);
  ~Connector();

  const std::string& id() const { return id_; }
  const PluginModule& module() const { return *module_; }
  core::Strand& strand() { return strand_; }
  HostEnvironment& env() { return env_; }

  /// The deadline of a call into the plugin that has none of its own (create, start, health,
  /// timer and completion callbacks, ops given timeout 0), in ms. Default 30 s.
  void set_call_timeout_ms(uint32_t ms) { call_timeout_ms_ = ms ? ms : kDefaultCallTimeoutMs; }
  uint32_t call_timeout_ms() const { return call_timeout_ms_; }
  /// Pull sources: the wait after an empty poll (config poll_interval_ms; 0 = the plugin's default).
  void set_poll_interval_ms(uint32_t ms) { poll_interval_ms_ = ms; }
  uint32_t poll_interval_ms() const { return poll_interval_ms_; }
  static constexpr uint32_t kDefaultCallTimeoutMs = 30000;

  // Lifecycle: run on the strand; must not be called from it. Each waits at most for its
  // deadline: a call the plugin does not return from in time yields TIMEOUT and leaves the
  // connector stuck() (never destroyed while its code may still run).
  CallStatus create(const std::string& config_json);
  CallStatus start();
  /// The same without waiting: `done` runs on the strand with the result.
  void start_async(std::function<void(CallStatus)> done);
  /// `deadline_ms` on the environment's clock: passed to the plugin, and how long this waits.
  CallStatus stop(int64_t deadline_ms);
  /// False when the strand did not answer within `wait` (the instance is then left alone).
  bool destroy(std::chrono::milliseconds wait = std::chrono::seconds(5));

  /// For the watchdog, from any thread: a plugin call running past its deadline marks the
  /// connector down (with the call, its running time and its deadline as the reason) and is
  /// logged once.
  void check_calls();
  /// True while plugin code of this connector runs on its strand or on the blocking pool, or a
  /// stop/destroy did not return in time: its instance must not be destroyed nor its library
  /// unloaded, and the threads running it cannot be joined.
  bool stuck() const;
  /// Gives the instance up: destroy() will not touch it (for a connector that is stuck()).
  void leave_running() { left_running_ = true; }
  /// What is running now, e.g. "poll running for 12034 ms (deadline 1000 ms)"; "" when nothing.
  std::string running_call() const;

  // Operations: `done` runs once on the strand. `timeout_ms` 0 = no host deadline.
  void poll(std::string cursor, uint32_t max_events, uint32_t timeout_ms, OpDone done);
  void write(std::vector<std::string> events, std::vector<std::string> ids, uint32_t timeout_ms, OpDone done);
  /// The same without copies: `events`/`ids` view memory that `keep_alive` owns (held until the
  /// plugin call has returned).
  void write(std::vector<std::string_view> events, std::vector<std::string_view> ids,
             std::shared_ptr<const void> keep_alive, uint32_t timeout_ms, OpDone done);
  void lookup(std::vector<std::pair<std::string, std::string>> keys, uint32_t timeout_ms, OpDone done);
  void execute(ActionCall call, uint32_t timeout_ms, OpDone done);
  void status(ActionCall call, uint32_t timeout_ms, OpDone done);
  void pause();
  void resume();

  void set_emit_handler(EmitHandler h);
  /// What the pipeline sees of this connector, beside what the plugin says of itself (a source
  /// whose polls are refused for its credentials is down whatever its health() answers). OK clears it.
  /// `as_sink` keeps a connector that is both source and sink from clearing one role's view with the other's.
  void set_pipeline_health(int32_t state, std::string reason, bool as_sink = false);
  /// Plugin health (its own health() and report_health), for /readyz and `status`.
  siemhub_health health();

  // --- used by the host services table (host_services.cpp) ---
  struct Op;
  void log(siemhub_log_level level, const char* message);
  siemhub_rc emit(const siemhub_batch* batch, siemhub_emit_done_fn done, void* user, siemhub_status* st);
  siemhub_rc http_request(const siemhub_http_request* req, siemhub_http_done_fn done, void* user, uint64_t* out_id,
                          siemhub_status* st);
  void http_cancel(uint64_t id);
  uint64_t timer_start(uint32_t delay_ms, uint32_t flags, siemhub_timer_fn fn, void* user);
  void timer_cancel(uint64_t id);
  siemhub_rc run_blocking(siemhub_blocking_fn work, siemhub_blocking_done_fn done, void* user);
  siemhub_metric* metric_define(const char* name, const char* help, uint32_t type);
  bool stopping() const { return stopping_.load(); }
  void report_health(int32_t state, const char* reason);
  void complete_op(Op* op, const siemhub_status* st);

 private:
  Connector(std::string id, std::shared_ptr<PluginModule> module, HostEnvironment& env,
            http::ConnectorPolicy http_policy);
  template <class F>
  std::optional<CallStatus> run_until(F f, std::chrono::steady_clock::time_point until);
  // Runs plugin code `f` (on the strand) as the call `what`, watched against its deadline.
  template <class F>
  auto watched(const char* what, uint32_t timeout_ms, F&& f);
  void end_call();
  std::string describe_running(int64_t now) const;  // under call_mu_, with a call running
  void mark_late(int32_t state, std::string reason);
  CallStatus start_now();
  std::shared_ptr<Op> begin_op(const char* what, uint32_t timeout_ms, OpDone done);
  void finish_call(const std::shared_ptr<Op>& op, siemhub_rc rc, const siemhub_status& st);
  void deliver(const std::shared_ptr<Op>& op);
  void schedule_timer(uint64_t id, uint32_t delay_ms);
  void action(bool status_call, ActionCall call, uint32_t timeout_ms, OpDone done);

  std::string id_;
  std::shared_ptr<PluginModule> module_;  // keeps the library loaded while this lives
  HostEnvironment& env_;
  http::ConnectorPolicy http_policy_;
  http::RequestMetrics http_metrics_;
  core::Strand strand_;
  std::unique_ptr<siemhub_host_ctx> ctx_;
  void* instance_ = nullptr;
  bool created_ = false;
  bool started_ = false;
  std::atomic<bool> stopping_{false};
  EmitHandler emit_handler_;
  std::mutex emit_mu_;

  // strand-only state
  std::map<Op*, std::shared_ptr<Op>> ops_;
  struct Timer {
    std::unique_ptr<boost::asio::steady_timer> timer;
    siemhub_timer_fn fn;
    void* user;
    bool repeat;
    uint32_t delay_ms;
  };
  std::map<uint64_t, Timer> timers_;
  uint64_t next_timer_ = 1;
  struct HttpCall {
    uint64_t sid = 0;  // the HTTP service's id
    siemhub_http_done_fn done = nullptr;
    void* user = nullptr;
  };
  std::map<uint64_t, HttpCall> http_ids_;  // plugin-visible id -> the request in flight
  bool destroying_ = false;                // strand-only: destroy() is completing them
  std::atomic<uint64_t> next_http_{1};
  std::mutex health_mu_;
  int32_t reported_state_ = SIEMHUB_HEALTH_OK;
  std::string reported_reason_;
  // The host's own view (under health_mu_): set by a call past its deadline, cleared by the next
  // operation that completes in time and began after it was set.
  int32_t pipeline_state_[2] = {SIEMHUB_HEALTH_OK, SIEMHUB_HEALTH_OK};  // set_pipeline_health(): source, sink
  std::string pipeline_reason_[2];
  int32_t late_state_ = SIEMHUB_HEALTH_OK;
  std::string late_reason_;
  uint64_t late_epoch_ = 0;  // counts marks; an op clears only a mark older than itself

  // The plugin call running on the strand now (under call_mu_), for the watchdog.
  struct RunningCall {
    const char* what = nullptr;  // nullptr: no plugin code running on the strand
    int64_t began_ms = 0;
    int64_t deadline_ms = 0;
    bool reported = false;  // the watchdog logged it
  };
  mutable std::mutex call_mu_;
  RunningCall call_;
  std::atomic<int> blocking_running_{0};
  std::atomic<bool> left_running_{false};  // destroy() gave up: the instance is left as it is
  uint32_t call_timeout_ms_ = kDefaultCallTimeoutMs;
  uint32_t poll_interval_ms_ = 0;
  core::Metric* deadline_misses_;
};

/// The host services table handed to every plugin's init.
const siemhub_host_api* host_api();

}  // namespace siemhub::plugins

/// The C handle behind siemhub_host_ctx.
struct siemhub_host_ctx {
  siemhub::plugins::Connector* connector;
};
