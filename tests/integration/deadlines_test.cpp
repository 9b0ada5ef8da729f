// What `siemhub run` does with a plugin that does not return: the hostile test plugin
// (tests/plugins/hostile_plugin.cpp, test.hostile) blocks or spins in poll, start or stop. A
// call past its deadline shows the connector down in `siemhub status` and is logged; the HTTP
// server and the admin API keep answering; SIGTERM ends the process within the drain time plus
// 5 s, after the final checkpoint, with exit code 4.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <chrono>

#include "core/clock.hpp"
#include "integration/process.hpp"
#include "integration/sync_http.hpp"
#include "pipeline/journal.hpp"
#include "unit/plugins/test_dirs.hpp"

using namespace siemhub::testing;
namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitPluginStuck = 4;
constexpr int kDrainMs = 1000;
constexpr auto kDrainPlus5s = std::chrono::milliseconds(kDrainMs + 5000);

long ms_since(Clock::time_point t) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count());
}

// generator -> file `out`, plus the pull source `slow` of the hostile plugin with a 1 s call
// deadline; `extra` is more YAML at the top level (e.g. an ingest section).
struct HostileHub {
  TempDir dir;
  fs::path data = dir / "data";
  std::unique_ptr<Process> hub;
  Clock::time_point started;

  explicit HostileHub(const std::string& hostile_config, const std::string& extra = "") {
    const fs::path plugins = dir / "plugins";
    fs::create_directories(plugins);
    fs::permissions(plugins, fs::perms(0755));
    install_test_plugin(plugins, "hostile");
    const fs::path cfg = dir / "hub.yaml";
    std::ofstream(cfg) << "data_dir: " << data.string() << "\n"
                       << "plugins:\n  dirs: [" << plugins.string() << "]\n"
                       << extra
                       << "connectors:\n"
                          "  gen:\n"
                          "    plugin: generator\n"
                          "    config: {seed: 1, batch_size: 5, interval_ms: 100}\n"
                          "  out:\n"
                          "    plugin: file\n"
                          "    config: {path: " << (dir / "out.ndjson").string() << "}\n"
                       << "  slow:\n"
                          "    plugin: test.hostile\n"
                          "    call_timeout_ms: 1000\n"
                          "    config: " << hostile_config << "\n"
                       << "routes:\n"
                          "  - from: [gen, slow]\n"
                          "    to: [out]\n";
    hub = std::make_unique<Process>(std::vector<std::string>{siemhub_binary().string(), "run", "-c", cfg.string(),
                                                             "--summary-every", "0", "--drain-ms",
                                                             std::to_string(kDrainMs)},
                                    dir.path());
    const bool up = eventually([&] { return hub->err().find(R"("msg":"started")") != std::string::npos; },
                               std::chrono::seconds(20));
    started = Clock::now();
    if (!up) FAIL("the hub did not start: " << hub->err());
  }

  // The `health` object of connector `slow` in `siemhub status --json` (null when no answer).
  json slow_health() const {
    const auto r = run_siemhub({"status", "--json", "-d", data.string()}, dir.path());
    const json j = json::parse(r.out, nullptr, false);
    if (r.code != 0 || j.is_discarded()) return nullptr;
    for (const auto& c : j["connectors"])
      if (c["name"] == "slow") return c["health"];
    return nullptr;
  }

  // Sends SIGTERM and returns {exit code, ms until the process ended}.
  std::pair<int, long> terminate() {
    const auto t = Clock::now();
    hub->signal(SIGTERM);
    const int code = hub->wait(std::chrono::seconds(20));
    return {code, ms_since(t)};
  }
};

}  // namespace

TEST_CASE("a poll that blocks for 60 s shows its source down with the call in status and the log once its 1 s deadline passes",
          "[run][deadline]") {
  HostileHub h(R"({block_in: poll, block_ms: 60000})");
  json health;
  const bool down = eventually(
      [&] {
        health = h.slow_health();
        return health.is_object() && health["state"] == "down";
      },
      std::chrono::seconds(10));
  const long after = ms_since(h.started);
  INFO(h.hub->err());
  REQUIRE(down);
  CHECK(after < 1000 + 2500);  // the deadline plus the watchdog's tick and a status round trip, not the 60 s
  CHECK_THAT(health["reason"].get<std::string>(), Catch::Contains("poll running for") && Catch::Contains("(deadline 1000 ms)"));
  CHECK(eventually([&] {
    return h.hub->err().find("poll has not returned within its deadline of 1000 ms") != std::string::npos;
  }));
}

TEST_CASE("SIGTERM ends a hub whose poll blocks for 60 s within the drain time plus 5 s with exit code 4 after the final checkpoint",
          "[run][deadline]") {
  HostileHub h(R"({block_in: poll, block_ms: 60000})");
  // Some events delivered first, so the final checkpoint has something to say.
  REQUIRE(eventually([&] { return fs::exists(h.dir / "out.ndjson") && fs::file_size(h.dir / "out.ndjson") > 0; }));
  const auto [code, took] = h.terminate();
  INFO(h.hub->err());
  CHECK(code == kExitPluginStuck);
  CHECK(took < kDrainPlus5s.count());
  CHECK_THAT(h.hub->err(), Catch::Contains("plugin code did not return by the stop deadline: slow: poll running for"));
  // The checkpoint written at the stop covers every event the sink confirmed.
  siemhub::pipeline::Journal journal(h.data / "hub.db", siemhub::core::SystemClock::instance());
  CHECK(journal.last_seq() > 0);
  CHECK(journal.load_outboxes()["out"] == journal.last_seq());
}

TEST_CASE("SIGTERM ends a hub whose poll spins forever within the drain time plus 5 s with exit code 4", "[run][deadline]") {
  HostileHub h(R"({block_in: poll, block_ms: 600000, spin: true})");
  const auto [code, took] = h.terminate();
  INFO(h.hub->err());
  CHECK(code == kExitPluginStuck);
  CHECK(took < kDrainPlus5s.count());
}

TEST_CASE("SIGTERM ends a hub whose plugin blocks in stop within the drain time plus 5 s with exit code 4", "[run][deadline]") {
  HostileHub h(R"({block_in: stop, block_ms: 60000})");
  const auto [code, took] = h.terminate();
  INFO(h.hub->err());
  CHECK(code == kExitPluginStuck);
  CHECK(took < kDrainPlus5s.count());
  CHECK_THAT(h.hub->err(), Catch::Contains("slow: stop running for"));
}

TEST_CASE("a plugin that blocks in start leaves /healthz and siemhub status answering and shows the start as overdue",
          "[run][deadline]") {
  HostileHub h(R"({block_in: start, block_ms: 60000})", "ingest:\n  listen: 127.0.0.1:0\n");
  const uint16_t port = logged_ingest_port(*h.hub, std::chrono::seconds(5));
  REQUIRE(port != 0);
  SyncHttp http;
  http.policy.timeout = std::chrono::seconds(5);
  const auto t = Clock::now();
  CHECK(http.get("http://127.0.0.1:" + std::to_string(port) + "/healthz").status == 200);
  CHECK(ms_since(t) < 2000);
  json health;
  CHECK(eventually(
      [&] {
        health = h.slow_health();
        return health.is_object() && health["state"] == "down";
      },
      std::chrono::seconds(10)));
  CHECK_THAT(health.dump(), Catch::Contains("start running for"));
  const auto [code, took] = h.terminate();
  CHECK(code == kExitPluginStuck);
  CHECK(took < kDrainPlus5s.count());
}

TEST_CASE("a required connector whose start blocks past its deadline makes run exit 3 naming the deadline", "[run][deadline]") {
  TempDir dir;
  const fs::path plugins = dir / "plugins";
  fs::create_directories(plugins);
  fs::permissions(plugins, fs::perms(0755));
  install_test_plugin(plugins, "hostile");
  const fs::path cfg = dir / "hub.yaml";
  std::ofstream(cfg) << "data_dir: data\n"
                     << "plugins:\n  dirs: [" << plugins.string() << "]\n"
                     << "connectors:\n"
                        "  slow:\n"
                        "    plugin: test.hostile\n"
                        "    required: true\n"
                        "    call_timeout_ms: 1000\n"
                        "    config: {block_in: start, block_ms: 60000}\n";
  const auto t = Clock::now();
  const auto r = run_siemhub({"run", "-c", cfg.string(), "--for", "30"}, dir.path());
  INFO(r.err);
  CHECK(r.code == 3);
  CHECK(ms_since(t) < 10000);  // the deadline, a second's grace and the plugin stop; not the 60 s
  CHECK_THAT(r.err, Catch::Contains("required connector slow did not start within its deadline of 1000 ms"));
}

TEST_CASE("run refuses to start with exit 2 when admin.token is readable by its group", "[run][admin]") {
  TempDir dir;
  const fs::path data = dir / "data";
  fs::create_directories(data);
  fs::permissions(data, fs::perms(0700));
  const fs::path token = data / "admin.token";
  std::ofstream(token) << "0123456789abcdef0123456789abcdef\n";
  fs::permissions(token, fs::perms(0640));
  const auto r = run_siemhub({"run", "--data-dir", data.string(), "--for", "5"}, dir.path());
  INFO(r.err);
  CHECK(r.code == kExitUsage);
  CHECK_THAT(r.err, Catch::Contains("admin.token has mode 0640") && Catch::Contains("chmod 600"));
  CHECK_FALSE(fs::exists(data / "out" / "events.ndjson"));  // no plugin started
  CHECK(r.err.find("0123456789abcdef0123456789abcdef") == std::string::npos);
}

TEST_CASE("a connector naming a plugin the loader refused says why instead of unknown plugin", "[run][loader]") {
  TempDir dir;
  const fs::path plugins = dir / "plugins";
  fs::create_directories(plugins);
  install_test_plugin(plugins, "good");
  fs::permissions(plugins, fs::perms(01777));  // sticky and world-writable: anyone may add a library
  const fs::path cfg = dir / "hub.yaml";
  std::ofstream(cfg) << "data_dir: data\n"
                     << "plugins:\n  dirs: [" << plugins.string() << "]\n"
                     << "connectors:\n  g:\n    plugin: test.good\n";
  const auto r = run_siemhub({"validate", cfg.string()}, dir.path());
  INFO(r.err);
  CHECK(r.code == 3);
  CHECK_THAT(r.err, Catch::Contains("connectors.g.plugin: plugin 'test.good' cannot be used: refused " +
                                    (plugins / "good.so").string() + ": its directory"));
  CHECK_THAT(r.err, Catch::Contains("is writable by group or others (mode 1777, sticky)"));
  CHECK(r.err.find("unknown plugin") == std::string::npos);
}
