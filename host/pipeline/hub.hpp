// The running hub: everything `siemhub run` puts together from a config — data directory and
// store, plugin loader with the built-in connectors, connectors validated against their
// plugins' schemas, the pipeline, and an orderly stop.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "admin/control.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/metrics.hpp"
#include "core/runtime.hpp"
#include "core/timers.hpp"
#include "http/http_service.hpp"
#include "ingest/ingest.hpp"
#include "pipeline/dead_letters.hpp"
#include "pipeline/actions.hpp"
#include "pipeline/journal.hpp"
#include "pipeline/pipeline.hpp"
#include "plugins/connector.hpp"
#include "plugins/loader.hpp"
#include "plugins/watchdog.hpp"

namespace siemhub::store {
class DataDir;
}

namespace siemhub::pipeline {

/// The embedded default config (YAML) `siemhub run` uses without -c, for `data_dir`.
/// With `rules_dir`, the shipped rules in it run too and their findings go to the same file.
std::string default_config_yaml(const std::filesystem::path& data_dir, const std::filesystem::path& rules_dir = {});

struct HubOptions {
  unsigned threads = 0;                    // 0 = one per core
  std::vector<std::filesystem::path> extra_plugin_dirs;  // e.g. the bundled directory
  bool open_store = true;                  // false for `validate`: check only, touch nothing
  // Tests: the pipeline's clock and the timers of pull sources' next polls (null: the system's).
  const core::Clock* clock = nullptr;
  core::Timers* source_timers = nullptr;
};

/// What went wrong while building a hub: one line each, already formatted for the user.
struct HubErrors {
  std::vector<std::string> lines;
  bool plugin_refused = false;  // a required plugin or connector could not load/start
  bool empty() const { return lines.empty(); }
};

class Correlation;

class Hub final : public admin::HubControl {
 public:
  /// Loads plugins, validates every connector config against its plugin's schema (all errors,
  /// not just the first), and — unless options.open_store is false — opens the data directory,
  /// creates the connectors and the pipeline. Returns nullptr with `errors` filled on failure.
  static std::unique_ptr<Hub> build(config::HubConfig cfg, const HubOptions& options, HubErrors& errors);
  ~Hub() override;

  /// Starts the ingest server, then each connector's plugin on its own strand (sinks, then
  /// sources) without waiting for them, so a plugin that blocks in start holds nothing of the
  /// hub. Waits only for the `required` connectors (each up to its call timeout) and returns why
  /// one could not start ("" = all required ones started; the others are logged when they fail).
  std::string start();
  /// Plugins get this long to return from stop (and destroy_instance) after the drain.
  static constexpr int64_t kPluginStopMs = 2000;
  /// Everything stop() does after the drain (final checkpoint, plugin stop and destroy) fits in
  /// this, whatever each step costs; `siemhub run`'s exit watchdog allows a little more.
  static constexpr int64_t kStopAfterDrainMs = 4000;
  /// Stops sources, drains in-flight batches until `drain_ms` passes, writes the final
  /// checkpoint, then stops and destroys the connectors, giving their plugins kPluginStopMs.
  /// Returns the connectors whose plugin code is still running then, e.g. "slow: poll running
  /// for 12034 ms (deadline 1000 ms)": their instances are left alone, and the process must end
  /// without joining the threads running them (the hub's destructor does not join them either).
  std::vector<std::string> stop(int64_t drain_ms);

  /// One line: events in/out/invalid/rejected/queued per connector.
  std::string summary() const;
  const config::HubConfig& config() const { return cfg_; }
  Pipeline* pipeline() { return pipeline_.get(); }
  core::MetricsRegistry& metrics() { return metrics_; }
  const std::vector<std::string>& warnings() const { return warnings_; }
  core::Runtime* runtime() { return runtime_.get(); }

  // admin::HubControl
  nlohmann::json status() override;
  nlohmann::json dlq_list(const admin::DlqFilter& filter) override;
  std::optional<nlohmann::json> dlq_show(uint64_t id) override;
  nlohmann::json dlq_replay(const std::vector<uint64_t>& ids, const std::string& sink, const std::string& to_sink) override;
  nlohmann::json dlq_purge(const std::vector<uint64_t>& ids, const std::string& sink) override;
  nlohmann::json cursor_show(const std::string& connector) override;
  void cursor_reset(const std::string& connector, const std::string& cursor, CursorDone done) override;
  nlohmann::json actions_list() override;
  std::optional<admin::ActionRefusal> action_execute(admin::ActionCallRequest request, admin::ActionDone done) override;
  std::optional<admin::ActionRefusal> action_status(admin::ActionCallRequest request, admin::ActionDone done) override;

 private:
  Hub() = default;

  config::HubConfig cfg_;
  core::MetricsRegistry metrics_;
  std::unique_ptr<core::Runtime> runtime_;
  std::unique_ptr<http::HttpService> http_;
  std::unique_ptr<store::DataDir> data_;
  std::unique_ptr<core::KvStore> kv_;
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<DeadLetters> dead_letters_;
  std::map<std::string, std::string> roles_;
  int64_t started_ms_ = 0;
  const core::Clock* pipeline_clock_ = &core::SystemClock::instance();
  std::unique_ptr<plugins::HostEnvironment> env_;
  std::unique_ptr<plugins::Loader> loader_;
  std::vector<std::shared_ptr<plugins::Connector>> connectors_;
  std::unique_ptr<plugins::Watchdog> watchdog_;
  bool plugins_stuck_ = false;  // stop() left plugin code running
  std::unique_ptr<Pipeline> pipeline_;
  std::unique_ptr<Correlation> correlation_;
  std::unique_ptr<ingest::IngestServer> ingest_;
  std::vector<std::string> warnings_;
  std::atomic<bool> started_{false};
  // Last, so it is destroyed first: it holds connectors (calls after stop() are refused by them).
  std::unique_ptr<ActionDispatcher> actions_;
};

}  // namespace siemhub::pipeline
