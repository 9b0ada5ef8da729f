// The pipeline: sources -> normalize -> ingest journal (durable) -> per-sink outboxes -> sinks.
//
//  - A pull source polls, its events are normalized and appended to the journal together with
//    its new cursor (one transaction); only then does it poll again.
//  - A push source's emit is normalized, appended, and acknowledged once durable.
//  - Every sink reads the journal from its own cursor (its outbox), writes batches, and gets a
//    result per event: delivered events leave, rejected ones go to dead letters with the reason,
//    the rest are retried with exponential backoff and jitter, never sooner than Retry-After. A
//    circuit breaker per sink opens after repeated failures and probes before closing.
//  - Backpressure: the journal and every outbox have byte caps, and a full disk counts as full;
//    at the cap pull sources pause and push sources are refused (BUSY); both resume by themselves.
//  - A checkpoint (every checkpoint_interval_ms and at stop) persists the outbox cursors and the
//    journal position and deletes the records every sink has passed.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/metrics.hpp"
#include "core/runtime.hpp"
#include "core/timers.hpp"
#include "pipeline/dead_letters.hpp"
#include "pipeline/event.hpp"
#include "pipeline/journal.hpp"
#include "plugins/connector.hpp"

namespace siemhub::pipeline {

/// Turns one raw event from `source` into a normalized event, or returns why it was rejected
/// (the event is then counted, logged and dead-lettered, never silently dropped), leaving the raw
/// text in out.json for the dead letters when it can.
using Normalizer = std::function<std::optional<std::string>(const std::string& source, std::string raw, Event& out)>;

struct SinkPolicy {
  uint32_t retry_base_ms = 200;
  uint32_t retry_max_ms = 60000;
  uint32_t breaker_failures = 5;  // consecutive failed writes that open the breaker
  uint32_t breaker_open_ms = 30000;
};

struct ConnectorSpec {
  std::string name;
  std::shared_ptr<plugins::Connector> connector;
  SinkPolicy policy;  // sinks only
};

struct RouteSpec {
  std::vector<std::string> from;
  std::vector<std::string> to;
};

struct PipelineOptions {
  uint32_t max_batch_events = 1000;  // per poll and per sink write (whose deadline is the connector's call timeout)
  uint64_t journal_max_bytes = 1ull << 30;
  uint64_t outbox_max_bytes = 256ull << 20;
  uint32_t checkpoint_interval_ms = 1000;
  uint32_t paused_poll_ms = 200;  // how often a paused pull source checks again
  // Events a host receiver (ingest()) hands over that normalize refused go to the dead letters
  // (config ingest.dead_letter_refused); a connector source's always do.
  bool dead_letter_refused = true;
  /// When pull sources poll again (null: steady-clock timers; tests pass core::ManualTimers).
  core::Timers* timers = nullptr;
};

struct ConnectorStats {
  uint64_t events_in = 0;
  uint64_t events_out = 0;
  uint64_t rejected = 0;  // by the sink (dead letters)
  uint64_t invalid = 0;   // by normalize
  uint64_t retries = 0;
  uint64_t errors = 0;
  uint64_t queue_events = 0;  // sink: in its window, not yet confirmed
  uint64_t queue_bytes = 0;   // sink: outbox bytes (routed journal bytes after its cursor)
  uint64_t acked_seq = 0;
  std::string breaker;        // sink: closed | open | half-open
  std::string last_error;     // the last failed write (sink) or poll (source); empty after a success
  std::string last_error_category;  // source: its category (auth, rate_limit, transient, …)
  int64_t next_attempt_ms = 0;      // source: when it polls again after a failure (0: not waiting)
  uint32_t retry_count = 0;         // source: failed polls since the last success
  bool paused = false;        // source: held back by backpressure
};

class Correlation;

class Pipeline {
 public:
  Pipeline(core::Runtime& runtime, const core::Clock& clock, core::MetricsRegistry& metrics,
           std::vector<ConnectorSpec> sources, std::vector<ConnectorSpec> sinks, std::vector<RouteSpec> routes,
           Normalizer normalize, Journal& journal, DeadLetters& dead_letters, PipelineOptions options = {});
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  /// The correlation lanes (optional; set before start()): their cursors and state join the
  /// checkpoint, the journal keeps what the slower lane has not consumed, and their findings
  /// (source `correlate`) are routed.
  void set_correlation(Correlation* correlation);

  /// Sinks resume from their outbox cursors; pull sources start polling; push emits are taken.
  void start();
  /// Stops the sources, waits until the sinks confirmed everything journaled (or the deadline on
  /// `clock` passes), then writes a final checkpoint. Whatever was not confirmed is resent after
  /// a restart.
  /// The final checkpoint waits at most `checkpoint_wait` (a hub stop has one budget for all).
  void stop(int64_t deadline_ms, std::chrono::milliseconds checkpoint_wait = std::chrono::seconds(10));

  std::map<std::string, ConnectorStats> stats() const;
  /// True when every sink has confirmed every journaled record routed to it.
  bool drained() const;
  /// Whether `source` may hand over more events now (backpressure).
  bool accepting(const std::string& source) const;
  /// Events a host receiver (the HTTP ingest server) normalized, under the source name `source`:
  /// journaled, `durable(ok, error)` once fsync'd; the ones it refused go to refuse() (kept in
  /// the dead letters only with PipelineOptions::dead_letter_refused). BUSY
  /// (nothing taken, nothing dead-lettered, `durable` not called) at a cap or while stopping.
  siemhub_rc ingest(const std::string& source, std::vector<Event> events, std::vector<Refusal> refused,
                    std::function<void(bool ok, const std::string& error)> durable);
  /// Events of `source` that normalize refused — from any source, push or pull: counted
  /// (siemhub_connector_events_invalid_total), logged and, with dead_letter_refused, kept in the
  /// dead letters (stage "source") with the reason and the original text, so that every event a
  /// source emits ends in the journal or the dead letters.
  /// Returns false when an event could not be kept (the dead letters could not be written): a
  /// pull source then fails its poll, so its cursor never passes an event that is nowhere.
  bool refuse(const std::string& source, std::vector<Refusal> refused) { return refuse(source, std::move(refused), true); }
  /// A pull source's cursors may be at most this long (a longer one fails its poll).
  static constexpr std::size_t kMaxCursorBytes = 64u << 10;
  /// The durable cursor of pull source `source` ("" before its first), nullopt when there is no such pull source.
  std::optional<std::string> source_cursor(const std::string& source);
  /// Sets pull source `source`'s cursor ("" = from the start) for its next poll, which comes at once:
  /// `done("")` once the new cursor is durable, else `done(reason)`. False when there is no such pull source.
  bool reset_cursor(const std::string& source, std::string value, std::function<void(std::string error)> done);
  /// The names of the sinks, in order.
  std::vector<std::string> sink_names() const;
  /// Sends dead letters back to `sink` through the journal; returns how many.
  uint64_t replay(const std::vector<DeadLetter>& letters, const std::string& sink);
  Journal& journal() { return journal_; }

 private:
  struct SinkRunner;
  struct SourceRunner;

  bool refuse(const std::string& source, std::vector<Refusal> refused, bool keep);
  void tick();
  /// `lane_wait_ms` >= 0: a correlation lane that has not taken its slot by then gives its last
  /// one (Correlation::checkpoint).
  void checkpoint(std::function<void(bool)> done = {}, int64_t lane_wait_ms = -1);
  /// How long the final checkpoint waits for a correlation lane busy with a batch.
  static constexpr int64_t kFinalLaneWaitMs = 1000;
  void on_appended(const std::string& source, uint64_t bytes);
  std::vector<SinkRunner*> targets_of(const std::string& source) const;

  core::Runtime& runtime_;
  const core::Clock& clock_;
  core::MetricsRegistry& metrics_;
  Normalizer normalize_;
  Journal& journal_;
  DeadLetters& dead_letters_;
  PipelineOptions options_;
  mutable std::mutex invalid_mu_;
  std::map<std::string, uint64_t> invalid_counts_;  // refused by normalize, per source
  std::unique_ptr<core::Timers> own_timers_;
  core::Timers* timers_;
  std::vector<std::unique_ptr<SourceRunner>> sources_;
  std::map<std::string, std::unique_ptr<SinkRunner>> sinks_;
  std::map<std::string, std::vector<SinkRunner*>> routes_;  // source -> sinks
  boost::asio::steady_timer timer_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> halted_{false};  // after stop(): sinks make no more attempts
  int ticks_ = 0;
  Correlation* correlation_ = nullptr;
  core::Metric* journal_bytes_;
  core::Metric* dlq_total_;
};

}  // namespace siemhub::pipeline
