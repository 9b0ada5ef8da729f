// The pipeline: sources -> normalize -> route -> sinks, with per-event delivery results,
// retries with backoff, source cursors committed only once every routed sink resolved the
// events before them, and a clean drain on stop.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "core/clock.hpp"
#include "core/metrics.hpp"
#include "core/runtime.hpp"
#include "plugins/connector.hpp"

namespace siemhub::pipeline {

/// One normalized event: JSON text and its deterministic id.
struct Event {
  std::string json;
  std::string id;
};

/// Turns one raw event from `source` into a normalized event, or returns the reason it was
/// rejected (the event is then counted and logged, never silently dropped).
using Normalizer = std::function<std::optional<std::string>(const std::string& source, std::string raw, Event& out)>;

/// Where committed source cursors live (SQLite in the hub).
class CursorStore {
 public:
  virtual ~CursorStore() = default;
  virtual std::optional<std::string> get(const std::string& connector) = 0;
  virtual void put(const std::string& connector, const std::string& cursor) = 0;
};

class MemoryCursorStore final : public CursorStore {
 public:
  std::optional<std::string> get(const std::string& c) override;
  void put(const std::string& c, const std::string& cursor) override;

 private:
  std::mutex mu_;
  std::map<std::string, std::string> data_;
};

struct ConnectorSpec {
  std::string name;
  std::shared_ptr<plugins::Connector> connector;
};

struct RouteSpec {
  std::vector<std::string> from;
  std::vector<std::string> to;
};

struct PipelineOptions {
  uint32_t max_batch_events = 1000;     // per poll and per sink write
  uint32_t poll_timeout_ms = 30000;
  uint32_t write_timeout_ms = 30000;
  uint32_t max_inflight_batches = 4;    // per pull source, before its cursor commits
  uint64_t max_buffered_events = 200000;  // push sources get BUSY beyond this
  uint32_t retry_base_ms = 200;
  uint32_t retry_max_ms = 30000;
};

struct ConnectorStats {
  uint64_t events_in = 0;
  uint64_t events_out = 0;
  uint64_t rejected = 0;   // by the sink (permanent)
  uint64_t invalid = 0;    // by normalize
  uint64_t retries = 0;
  uint64_t errors = 0;
  uint64_t queued = 0;     // sink: events waiting
};

class Pipeline {
 public:
  Pipeline(core::Runtime& runtime, const core::Clock& clock, core::MetricsRegistry& metrics,
           std::vector<ConnectorSpec> sources, std::vector<ConnectorSpec> sinks, std::vector<RouteSpec> routes,
           Normalizer normalize, CursorStore& cursors, PipelineOptions options = {});
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  /// Starts polling pull sources and accepting push emits.
  void start();
  /// Stops sources, waits for sinks to drain (until `deadline_ms` on `clock`), then returns.
  /// Events not confirmed by then stay uncommitted: the sources resend them after a restart.
  void stop(int64_t deadline_ms);

  std::map<std::string, ConnectorStats> stats() const;
  /// True when nothing is queued or in flight.
  bool idle() const;

 private:
  struct Group;
  struct SinkRunner;
  struct SourceRunner;

  void dispatch(SourceRunner& src, std::vector<Event> events, std::function<void()> on_resolved);

  core::Runtime& runtime_;
  const core::Clock& clock_;
  core::MetricsRegistry& metrics_;
  Normalizer normalize_;
  CursorStore& cursors_;
  PipelineOptions options_;
  std::vector<std::unique_ptr<SourceRunner>> sources_;
  std::map<std::string, std::unique_ptr<SinkRunner>> sinks_;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> buffered_{0};
};

}  // namespace siemhub::pipeline
