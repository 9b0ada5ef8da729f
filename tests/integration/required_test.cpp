// What `siemhub run` does when a plugin's init fails or a plugin refuses its config: optional
// connectors are skipped with a warning and the hub runs the rest; a required plugin or connector
// stops it with exit code 3 and the plugin's message.
#include <catch2/catch.hpp>

#include "integration/process.hpp"
#include "unit/plugins/test_dirs.hpp"

using namespace siemhub::testing;
namespace fs = std::filesystem;

namespace {

constexpr int kExitPluginRefused = 3;

size_t line_count(const fs::path& p) {
  std::istringstream in(read_file(p));
  size_t n = 0;
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) ++n;
  return n;
}

// A temp dir with the test plugins `init_fails` (test.init-fails) and `good` (test.good) in
// plugins/, and hub.yaml: generator -> file `out` + the good sink + `extra` (whatever the case adds).
struct Setup {
  TempDir dir;
  fs::path plugins = dir / "plugins";
  fs::path out = dir / "out.ndjson";
  Setup() {
    fs::create_directories(plugins);
    fs::permissions(plugins, fs::perms(0755));
    install_test_plugin(plugins, "init_fails");
    install_test_plugin(plugins, "good");
  }
  // `plugins_extra`: more keys of `plugins:`; `extra`: the YAML of connector `extra`.
  fs::path write_config(const std::string& plugins_extra, const std::string& extra) const {
    const fs::path cfg = dir / "hub.yaml";
    std::ofstream(cfg) << "data_dir: data\n"
                          "plugins:\n"
                          "  dirs: [" << plugins.string() << "]\n"
                       << plugins_extra <<
                          "connectors:\n"
                          "  gen:\n"
                          "    plugin: generator\n"
                          "    config: {seed: 1, batch_size: 20, interval_ms: 100}\n"
                          "  out:\n"
                          "    plugin: file\n"
                          "    config: {path: " << out.string() << "}\n"
                          "  good:\n"
                          "    plugin: test.good\n"
                          "  extra:\n"
                       << extra <<
                          "routes:\n"
                          "  - from: [gen]\n"
                          "    to: [out, good, extra]\n";
    return cfg;
  }
  RunResult run(const fs::path& cfg) const { return run_siemhub({"run", "-c", cfg.string(), "--for", "2"}, dir.path()); }
};

const std::string kInitFailsSink = "    plugin: test.init-fails\n";
// The built-in http sink refuses a bearer auth without a token when it is created: a config its
// schema accepts and the plugin itself refuses.
const std::string kRefusedConfig =
    "    plugin: http\n"
    "    config: {url: \"http://127.0.0.1:9/ingest\", auth: {type: bearer}}\n";

}  // namespace

TEST_CASE("a connector whose plugin init fails is skipped with a warning and the hub runs the others", "[run][required]") {
  Setup s;
  const auto r = s.run(s.write_config("", kInitFailsSink));
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK_THAT(r.err, Catch::Contains("init failed: vendor credentials file missing"));
  CHECK_THAT(r.err, Catch::Contains("connector skipped"));
  CHECK(line_count(s.out) > 0);  // generator -> out ran
}

TEST_CASE("a required plugin whose init fails makes run exit 3 with the init message", "[run][required]") {
  Setup s;
  const auto r = s.run(s.write_config("  required: [test.init-fails]\n", kInitFailsSink));
  INFO(r.err);
  CHECK(r.code == kExitPluginRefused);
  CHECK_THAT(r.err, Catch::Contains("init failed: vendor credentials file missing"));
  CHECK_FALSE(fs::exists(s.out));  // nothing ran
}

TEST_CASE("a required plugin whose init fails makes run exit 3 even when no connector uses it", "[run][required]") {
  Setup s;
  const auto r = s.run(s.write_config("  required: [test.init-fails]\n", "    plugin: stdout\n"));
  INFO(r.err);
  CHECK(r.code == kExitPluginRefused);
  CHECK_THAT(r.err, Catch::Contains("init failed: vendor credentials file missing"));
}

TEST_CASE("a required connector whose plugin init fails makes run exit 3 with the init message", "[run][required]") {
  Setup s;
  const auto r = s.run(s.write_config("", kInitFailsSink + "    required: true\n"));
  INFO(r.err);
  CHECK(r.code == kExitPluginRefused);
  CHECK_THAT(r.err, Catch::Contains("connectors.extra"));
  CHECK_THAT(r.err, Catch::Contains("init failed: vendor credentials file missing"));
}

TEST_CASE("a required connector whose plugin refuses its config makes run exit 3 with the plugin message", "[run][required]") {
  Setup s;
  const auto r = s.run(s.write_config("", kRefusedConfig + "    required: true\n"));
  INFO(r.err);
  CHECK(r.code == kExitPluginRefused);
  CHECK_THAT(r.err, Catch::Contains("connectors.extra.config: the plugin refused its config"));
  CHECK_THAT(r.err, Catch::Contains("auth.token is required for auth.type bearer"));
  CHECK_FALSE(fs::exists(s.out));
}

TEST_CASE("a connector that is not required whose plugin refuses its config is skipped and the hub runs the others", "[run][required]") {
  Setup s;
  const auto r = s.run(s.write_config("", kRefusedConfig));
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK_THAT(r.err, Catch::Contains("auth.token is required for auth.type bearer"));
  CHECK_THAT(r.err, Catch::Contains("connector skipped"));
  CHECK(line_count(s.out) > 0);
}
