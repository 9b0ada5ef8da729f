// ABI compatibility: a plugin binary built against the 1.0 headers as released
// (tests/plugins/abi_1_0/, built into test.abi10) loads and runs unchanged on this 1.1 host.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <set>
#include <sstream>

#include "integration/process.hpp"
#include "unit/plugins/test_dirs.hpp"

using namespace siemhub::testing;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::vector<std::string> lines_in(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

}  // namespace

TEST_CASE("a plugin built against the 1.0 headers is listed as ABI 1.0 with its action's target undeclared", "[abi]") {
  TempDir dir;
  const auto so = install_test_plugin(dir.path(), "abi10");
  const auto r = run_siemhub({"plugins", "inspect", so.string()}, dir.path());
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("id:            test.abi10") && Catch::Contains("abi:           1.0") &&
                        Catch::Contains("source-pull, action") && Catch::Contains("target: not declared (ABI 1.0 plugin)"));
  const auto j = run_siemhub({"plugins", "inspect", so.string(), "--json"}, dir.path());
  REQUIRE(j.code == 0);
  const json d = json::parse(j.out);
  CHECK(d["actions"][0]["name"] == "ping");
  CHECK(d["actions"][0]["target"].is_null());
  CHECK(d["actions"][0]["ocsf_class_uid"].is_null());
}

TEST_CASE("a plugin binary built against the 1.0 headers loads emits and runs its action with outcome unknown", "[abi]") {
  TempDir dir;
  const fs::path plugins = dir / "plugins";
  fs::create_directories(plugins);
  fs::permissions(plugins, fs::perms(0755));
  install_test_plugin(plugins, "abi10");
  const fs::path data = dir / "data";
  const fs::path out = dir / "out.ndjson";
  const fs::path cfg = dir / "hub.yaml";
  std::ofstream(cfg) << "data_dir: " << data.string() << "\n"
                     << "plugins:\n  dirs: [" << plugins.string() << "]\n"
                     << "connectors:\n"
                        "  legacy:\n"
                        "    plugin: test.abi10\n"
                        "  out:\n"
                        "    plugin: file\n"
                        "    config: {path: " << out.string() << "}\n"
                     << "routes:\n"
                        "  - from: [legacy]\n"
                        "    to: [out]\n";
  Process hub({siemhub_binary().string(), "run", "-c", cfg.string(), "--summary-every", "0"}, dir.path());
  auto siemhub = [&](std::vector<std::string> args) {
    args.push_back("-d");
    args.push_back(data.string());
    return run_siemhub(args, dir.path());
  };
  REQUIRE(eventually([&] { return siemhub({"status"}).code == 0; }, std::chrono::seconds(20)));

  // It emits: its ten events reach the file sink through the pipeline.
  REQUIRE(eventually([&] { return lines_in(out).size() >= 10; }, std::chrono::seconds(20)));
  const auto lines = lines_in(out);
  CHECK(lines.size() == 10);
  std::set<std::string> messages;
  for (const auto& l : lines) messages.insert(json::parse(l).value("message", ""));
  CHECK(messages.count("abi10 logon 0") == 1);
  CHECK(messages.count("abi10 logon 9") == 1);

  // Its action runs; status answers its free-form JSON with outcome unknown (1.0 cannot say).
  const auto ran = siemhub({"action", "run", "legacy", "ping", "--idempotency-key", "old-1", "--json"});
  INFO(ran.err);
  REQUIRE(ran.code == 0);
  CHECK(json::parse(ran.out)["result"] == json({{"pong", true}}));
  const auto status = siemhub({"action", "status", "legacy", "ping", "--idempotency-key", "old-1", "--json"});
  INFO(status.err);
  REQUIRE(status.code == 0);
  const json answer = json::parse(status.out);
  CHECK(answer["ok"] == true);
  CHECK(answer["result"] == json({{"state", "ponged"}}));
  CHECK(answer["outcome"] == "unknown");
  const auto never = siemhub({"action", "status", "legacy", "ping", "--idempotency-key", "never"});
  REQUIRE(never.code == 0);
  CHECK_THAT(never.err, Catch::Contains("outcome unknown"));

  // Listed with no target: a 1.0 definition has none.
  const auto listed = siemhub({"action", "list", "--json"});
  REQUIRE(listed.code == 0);
  const json list = json::parse(listed.out);
  const json& ping = list["connectors"][0]["actions"][0];
  CHECK(ping["target"].is_null());
  CHECK(ping["ocsf_class_uid"].is_null());

  hub.signal(SIGTERM);
  CHECK(hub.wait(std::chrono::seconds(20)) == 0);
  CHECK_THAT(hub.err(), !Catch::Contains("exception"));
}
