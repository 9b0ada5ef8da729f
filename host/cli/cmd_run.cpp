// `siemhub run` and `siemhub validate`.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <thread>

#include <CLI/CLI.hpp>

#include "cli/cli.hpp"
#include "config/config.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"
#include "admin/server.hpp"
#include "admin/token.hpp"
#include "pipeline/hub.hpp"

namespace siemhub::cli {
namespace fs = std::filesystem;

namespace {

// How long after the drain the process may take to stop its plugins and end (documented: the
// drain plus 5 s): the hub's stop keeps everything after the drain inside Hub::kStopAfterDrainMs,
// the rest is for the process's own exit.
constexpr int kStopSlackMs = static_cast<int>(pipeline::Hub::kStopAfterDrainMs) + 500;

// The shipped rules: installed next to the executable (<prefix>/share/siemhub/lua/rules), else
// the source tree's scripts/lua/rules when running from the build tree; empty when neither exists.
fs::path shipped_rules_dir() {
  std::error_code ec;
  const auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed = exe.parent_path().parent_path() / "share" / "siemhub" / "lua" / "rules";
    if (fs::is_directory(installed, ec)) return installed;
  }
#ifdef SIEMHUB_SOURCE_RULES_DIR
  const fs::path source(SIEMHUB_SOURCE_RULES_DIR);
  if (fs::is_directory(source, ec)) return source;
#endif
  return {};
}

void print_errors(const std::vector<config::ConfigError>& errors) {
  for (const auto& e : errors) std::fprintf(stderr, "%s\n", core::redact(e.to_string()).c_str());
}

// Loads -c FILE, or writes the embedded default into the data directory and loads that.
std::optional<config::HubConfig> load(const RunOptions& o, bool& is_default) {
  fs::path file = o.config;
  is_default = file.empty();
  if (is_default) {
    const fs::path dir = fs::absolute(o.data_dir.empty() ? fs::path("siemhub-data") : fs::path(o.data_dir));
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
      std::fprintf(stderr, "error: cannot create the data directory %s: %s\n", dir.c_str(), ec.message().c_str());
      return std::nullopt;
    }
    file = dir / "siemhub.default.yaml";
    std::ofstream(file) << pipeline::default_config_yaml(dir, shipped_rules_dir());
  }
  auto r = config::load_config(file, o.conf_d.empty() ? std::nullopt : std::optional<fs::path>(o.conf_d));
  if (!r.errors.empty()) {
    print_errors(r.errors);
    return std::nullopt;
  }
  if (!o.data_dir.empty() && !is_default) r.config->data_dir = fs::absolute(o.data_dir);
  return r.config;
}

// Once the stop began, the process ends within `limit` whatever a plugin does: a thread that
// outlives everything else and ends the process with kExitPluginStuck if it is still running
// then. It touches no shared state, so it is safe during the process's own exit.
void arm_exit_watchdog(std::chrono::milliseconds limit) {
  std::thread([limit] {
    std::this_thread::sleep_for(limit);
    static const char kLine[] =
        "siemhub: the stop did not finish in time (plugin code does not return); exiting with code 4\n";
    (void)!::write(2, kLine, sizeof kLine - 1);
    std::_Exit(kExitPluginStuck);
  }).detach();
}

// Plugin code still running after the stop: its threads cannot be joined nor its library
// unloaded, so the process ends here, after the final checkpoint, without running destructors.
[[noreturn]] void exit_leaving_plugins(const std::vector<std::string>& stuck, int code) {
  for (const auto& s : stuck)
    core::log_error("hub", "plugin code did not return by the stop deadline: " + core::redact(s));
  std::fprintf(stderr, "siemhub: exiting with code %d without waiting for %zu connector(s) whose plugin code still runs\n",
               code, stuck.size());
  std::fflush(stdout);
  std::fflush(stderr);
  std::_Exit(code);
}

pipeline::HubOptions hub_options(const RunOptions& o, bool open_store) {
  pipeline::HubOptions h;
  h.threads = o.threads;
  h.extra_plugin_dirs.push_back(bundled_plugin_dir());
  h.open_store = open_store;
  return h;
}

}  // namespace

void add_run_commands(CLI::App& app, RunCommands& cmds) {
  auto o = cmds.opts;
  cmds.run = app.add_subcommand("run", "Run the hub (the embedded default pipeline without -c)");
  cmds.run->add_option("-c,--config", o->config, "Hub config (YAML); default: the embedded default pipeline");
  cmds.run->add_option("--conf-d", o->conf_d, "Directory of connector files (default: conf.d next to the config)");
  cmds.run->add_option("--data-dir", o->data_dir, "Data directory (overrides data_dir; default ./siemhub-data)");
  cmds.run->add_option("--threads", o->threads, "Worker threads (0 = one per core)");
  cmds.run->add_option("--summary-every", o->summary_seconds, "Seconds between summary lines (0 = none)")
      ->capture_default_str();
  cmds.run->add_option("--drain-ms", o->drain_ms, "How long to drain in-flight batches on stop")->capture_default_str();
  cmds.run->add_option("--for", o->run_seconds, "Stop by itself after this many seconds (0 = until a signal)");

  cmds.validate = app.add_subcommand("validate", "Check a config and its connectors against their plugins' schemas");
  cmds.validate->add_option("config", o->config, "Hub config (YAML)")->required();
  cmds.validate->add_option("--conf-d", o->conf_d, "Directory of connector files (default: conf.d next to the config)");
}

int run_validate(const RunOptions& o) {
  bool is_default = false;
  auto cfg = load(o, is_default);
  if (!cfg) return kExitUsage;
  pipeline::HubErrors errors;
  const size_t connectors = cfg->connectors.size();
  const size_t routes = cfg->routes.size();
  auto hub = pipeline::Hub::build(std::move(*cfg), hub_options(o, false), errors);
  for (const auto& l : errors.lines) std::fprintf(stderr, "%s\n", core::redact(l).c_str());
  if (!hub) return errors.plugin_refused ? kExitPluginRefused : kExitUsage;
  for (const auto& w : hub->warnings()) std::fprintf(stderr, "warning: %s\n", core::redact(w).c_str());
  std::printf("%s: ok (%zu connectors, %zu routes)\n", o.config.c_str(), connectors, routes);
  return kExitOk;
}

int run_run(const RunOptions& o) {
  // Signals are taken by this thread only (sigtimedwait below): block them before any thread
  // starts so the workers inherit the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  bool is_default = false;
  auto cfg = load(o, is_default);
  if (!cfg) return kExitUsage;
  core::LogLevel level;
  if (core::Log::level() == core::LogLevel::info && core::parse_log_level(cfg->log_level, level)) core::Log::set_level(level);

  pipeline::HubErrors errors;
  const fs::path data_dir = cfg->data_dir;
  auto hub = pipeline::Hub::build(std::move(*cfg), hub_options(o, true), errors);
  for (const auto& l : errors.lines) std::fprintf(stderr, "%s\n", core::redact(l).c_str());
  if (!hub) return errors.plugin_refused ? kExitPluginRefused : kExitUsage;
  for (const auto& w : hub->warnings()) core::log_warn("hub", w);

  if (is_default) {
    std::fprintf(stderr,
                 "siemhub: running the embedded default pipeline: generator -> normalize -> %sfile\n"
                 "siemhub: output:  %s\n"
                 "siemhub: config:  %s (copy it and run yours with `siemhub run -c FILE`)\n"
                 "siemhub: stop with Ctrl-C\n",
                 hub->config().rules ? "correlate (shipped rules) -> " : "",
                 (data_dir / "out" / "events.ndjson").c_str(), hub->config().file.c_str());
  } else {
    std::fprintf(stderr, "siemhub: running %s (data directory %s); stop with Ctrl-C\n", hub->config().file.c_str(),
                 data_dir.c_str());
  }
  // The admin API (status, dlq, actions) on a token-protected Unix socket in the data directory,
  // before any plugin starts: the hub does not run without it, and it answers while plugins start.
  std::unique_ptr<admin::AdminServer> admin_server;
  std::string token;
  try {
    token = admin::load_or_create_token(data_dir);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", core::redact(e.what()).c_str());
    return kExitUsage;  // a token file others may read does not heal by restarting
  }
  try {
    admin_server = std::make_unique<admin::AdminServer>(hub->runtime()->io(), data_dir / admin::kSocketFile, token, *hub);
    admin_server->start();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: admin API: %s\n", core::redact(e.what()).c_str());
    return kExitFailure;
  }
  if (const std::string failure = hub->start(); !failure.empty()) {
    std::fprintf(stderr, "%s\n", core::redact(failure).c_str());
    admin_server->stop();
    arm_exit_watchdog(std::chrono::milliseconds(kStopSlackMs));
    if (const auto stuck = hub->stop(0); !stuck.empty()) exit_leaving_plugins(stuck, kExitPluginRefused);
    admin_server.reset();
    return kExitPluginRefused;
  }
  core::log_info("hub", "started");

  const auto started = std::time(nullptr);
  int received = 0;
  for (;;) {
    const int wait = o.summary_seconds > 0 ? o.summary_seconds : 3600;
    timespec ts{wait, 0};
    if (o.run_seconds > 0) {
      const long left = static_cast<long>(started + o.run_seconds - std::time(nullptr));
      if (left <= 0) break;
      ts.tv_sec = std::min<long>(ts.tv_sec, left);
    }
    const int sig = sigtimedwait(&signals, nullptr, &ts);
    if (sig == SIGINT || sig == SIGTERM) {
      received = sig;
      break;
    }
    if (o.summary_seconds > 0) std::fprintf(stderr, "siemhub: %s\n", hub->summary().c_str());
  }
  std::fprintf(stderr, "siemhub: stopping%s: draining in-flight batches (up to %d ms)\n",
               received == SIGINT ? " on SIGINT" : received == SIGTERM ? " on SIGTERM" : "", o.drain_ms);
  arm_exit_watchdog(std::chrono::milliseconds(std::max(0, o.drain_ms) + kStopSlackMs));
  admin_server->stop();
  const auto stuck = hub->stop(o.drain_ms);
  std::fprintf(stderr, "siemhub: stopped. %s\n", hub->summary().c_str());
  if (!stuck.empty()) exit_leaving_plugins(stuck, kExitPluginStuck);
  admin_server.reset();  // before the hub's io_context goes away
  return kExitOk;
}

}  // namespace siemhub::cli
