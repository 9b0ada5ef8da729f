// `siemhub test-rule`, `siemhub rules list` and `siemhub replay` run as the real binary.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <fstream>

#include "fakes/temp_dir.hpp"
#include "integration/process.hpp"

using namespace siemhub::testing;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string kRules = std::string(SIEMHUB_LUA_SCRIPTS_DIR) + "/rules/";
constexpr std::int64_t kT0 = 1767225600000;  // 2026-01-01T00:00Z

std::string auth(std::int64_t time, const std::string& user, const std::string& ip, int status, int n) {
  return json{{"class_uid", 3002}, {"category_uid", 3}, {"activity_id", 1}, {"type_uid", 300201},
              {"time", time},      {"status_id", status}, {"user", {{"name", user}}},
              {"src_endpoint", {{"ip", ip}}}, {"metadata", {{"uid", "ev-" + std::to_string(n)}, {"product", {{"name", "test"}}}, {"version", "1.8.0"}}}}
      .dump();
}

// Twelve failures 10 s apart then a success: one brute force finding.
void write_brute_force(const fs::path& file, const std::string& bad_line = {}) {
  std::ofstream out(file);
  for (int i = 0; i < 12; ++i) {
    out << auth(kT0 + i * 10'000, "alice", "198.51.100.10", 2, i) << "\n";
    if (i == 2 && !bad_line.empty()) out << bad_line << "\n";
  }
  out << auth(kT0 + 4 * 60'000, "alice", "198.51.100.10", 1, 12) << "\n";
}

void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

std::size_t count_lines(const std::string& text) {
  std::size_t n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

}  // namespace

TEST_CASE("test-rule on the brute force rule prints one finding and a summary and exits 0", "[rules-cli]") {
  TempDir dir;
  write_brute_force(dir / "events.ndjson");
  const auto r = run_siemhub({"test-rule", kRules + "bruteforce_then_success.lua", (dir / "events.ndjson").string()},
                             dir.path());
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("2026-01-01T00:04:00.000Z  corr.auth.bruteforce_then_success"));
  CHECK_THAT(r.out, Catch::Contains("src_endpoint.ip=198.51.100.10 user.name=alice"));
  CHECK_THAT(r.out, Catch::Contains("High  Brute force followed by successful logon  (13 events)"));
  CHECK_THAT(r.out, Catch::Contains("13 events read from"));
  CHECK_THAT(r.out, Catch::Contains("1 findings"));
  CHECK(r.out.find("corr.auth.bruteforce_then_success  [") == r.out.rfind("corr.auth.bruteforce_then_success  ["));
}

TEST_CASE("test-rule --explain shows the window span, its first and last event and the contributing events", "[rules-cli]") {
  TempDir dir;
  write_brute_force(dir / "events.ndjson");
  const auto r = run_siemhub(
      {"test-rule", "--explain", kRules + "bruteforce_then_success.lua", (dir / "events.ndjson").string()}, dir.path());
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("window: on_event, span 10m (the rule's), first event 2026-01-01T00:00:00.000Z, last event "
                                    "2026-01-01T00:04:00.000Z (4m apart)"));
  CHECK_THAT(r.out, Catch::Contains("fired: on_event called ctx.emit with count 13"));
  CHECK_THAT(r.out, Catch::Contains("ev-12 (line 13)"));
}

TEST_CASE("test-rule --explain on a distinct rule shows how many distinct values fired it", "[rules-cli]") {
  TempDir dir;
  {
    std::ofstream out(dir / "events.ndjson");  // one source fails for 20 accounts, twice for the first
    for (int i = 0; i < 21; ++i)
      out << auth(kT0 + i * 20'000, "user" + std::to_string(i % 20), "203.0.113.9", 2, i) << "\n";
  }
  const auto r = run_siemhub({"test-rule", "--explain", kRules + "password_spray.lua", (dir / "events.ndjson").string()},
                             dir.path());
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("fired: 20 distinct user.name among 20 events in the window (at most 1 per value), "
                                    "threshold distinct(user.name) >= 20, and having() returned true"));
}

TEST_CASE("test-rule --json prints each finding as one JSON line", "[rules-cli]") {
  TempDir dir;
  write_brute_force(dir / "events.ndjson");
  const auto r = run_siemhub({"test-rule", "--json", kRules + "bruteforce_then_success.lua", (dir / "events.ndjson").string()},
                             dir.path());
  CHECK(r.code == 0);
  REQUIRE(count_lines(r.out) == 1);
  const json f = json::parse(r.out);
  CHECK(f["class_uid"] == 2004);
  CHECK(f["finding_info"]["analytic"]["uid"] == "corr.auth.bruteforce_then_success");
}

TEST_CASE("test-rule reports a bad NDJSON line with its line number and goes on", "[rules-cli]") {
  TempDir dir;
  write_brute_force(dir / "events.ndjson", "{not json");
  const auto r = run_siemhub({"test-rule", kRules + "bruteforce_then_success.lua", (dir / "events.ndjson").string()},
                             dir.path());
  CHECK(r.code == 0);
  CHECK_THAT(r.err, Catch::Contains("events.ndjson:4: not JSON"));
  CHECK_THAT(r.out, Catch::Contains("13 events read from"));
  CHECK_THAT(r.out, Catch::Contains("1 bad lines skipped, 1 findings"));
}

TEST_CASE("test-rule with a rule file that does not load exits 2 naming the file and line", "[rules-cli]") {
  TempDir dir;
  write_brute_force(dir / "events.ndjson");
  write(dir / "broken.lua", "-- a comment\nrule {\n  id = \"x\",\n  window = \"10m\",\n  count = ,\n}\n");
  const auto r = run_siemhub({"test-rule", (dir / "broken.lua").string(), (dir / "events.ndjson").string()}, dir.path());
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Catch::Contains("broken.lua:5:"));
}

TEST_CASE("test-rule with a missing events file exits 2", "[rules-cli]") {
  TempDir dir;
  const auto r = run_siemhub({"test-rule", kRules + "password_spray.lua", (dir / "absent.ndjson").string()}, dir.path());
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Catch::Contains("absent.ndjson"));
}

TEST_CASE("rules list shows every shipped rule with its version severity window and attack ids", "[rules-cli]") {
  TempDir dir;
  const auto r = run_siemhub({"rules", "list", "--dir", kRules}, dir.path());
  INFO(r.err);
  CHECK(r.code == 0);
  for (const char* id : {"corr.auth.bruteforce_then_success", "corr.auth.password_spray", "corr.net.watchlist_connection",
                         "corr.process.office_spawns_shell", "corr.auth.impossible_travel"})
    CHECK_THAT(r.out, Catch::Contains(id));
  CHECK_THAT(r.out, Catch::Contains("sliding 15m"));
  CHECK_THAT(r.out, Catch::Contains("T1110,T1078"));

  const auto j = run_siemhub({"rules", "list", "--json", kRules + "password_spray.lua"}, dir.path());
  CHECK(j.code == 0);
  const json rules = json::parse(j.out);
  REQUIRE(rules.size() == 1);
  CHECK(rules[0]["id"] == "corr.auth.password_spray");
  CHECK(rules[0]["severity"] == "medium");
  CHECK(rules[0]["threshold"] == "distinct(user.name) >= 20");
  CHECK(rules[0]["attack"] == json::array({"T1110.003"}));
  CHECK(rules[0]["lane"] == "lua");  // its having and emit call Lua
}

TEST_CASE("rules list -c reads the files of the config's rules section", "[rules-cli]") {
  TempDir dir;
  write(dir / "hub.yaml", "data_dir: data\nrules:\n  files: [" + kRules + "impossible_travel.lua]\nconnectors:\n  out:\n"
                          "    plugin: file\n    config: {path: out.ndjson}\n");
  const auto r = run_siemhub({"rules", "list", "-c", (dir / "hub.yaml").string()}, dir.path());
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("corr.auth.impossible_travel"));
  CHECK_THAT(r.out, Catch::Contains("on_event, span 1d"));
}

TEST_CASE("replay pushes every event of a file through the configured pipeline into its file sink", "[rules-cli]") {
  TempDir dir;
  {
    std::ofstream in(dir / "in.ndjson");
    for (int i = 0; i < 2500; ++i) in << auth(kT0 + i * 1000, "user" + std::to_string(i % 7), "192.0.2.1", 1, i) << "\n";
  }
  // A generator source the replay must leave out, and a file sink.
  write(dir / "hub.yaml", "data_dir: " + (dir / "live").string() +
                              "\nconnectors:\n  gen:\n    plugin: generator\n    config: {seed: 1}\n  out:\n"
                              "    plugin: file\n    config: {path: " + (dir / "out.ndjson").string() +
                              "}\nroutes:\n  - from: [gen]\n    to: [out]\n");
  const auto r = run_siemhub({"replay", (dir / "in.ndjson").string(), "-c", (dir / "hub.yaml").string(), "--timeout",
                              "50"},
                             dir.path());
  INFO(r.err);
  CHECK(r.code == 0);
  const std::string out = read_file(dir / "out.ndjson");
  CHECK(count_lines(out) == 2500);
  CHECK_THAT(out, Catch::Contains("\"ev-0\""));
  CHECK_THAT(out, Catch::Contains("\"ev-2499\""));
  CHECK_THAT(out, !Catch::Contains("generator"));
  CHECK_THAT(r.err, Catch::Contains("siemhub: replay 100%"));
  CHECK_THAT(r.out, Catch::Contains("2500 events read"));
  CHECK_THAT(r.out, Catch::Contains("sink out: 2500 delivered"));
  CHECK(!fs::exists(dir / "live"));  // the configured data dir was not touched
}

TEST_CASE("replay --from-source of a connector that is not a source exits 2", "[rules-cli]") {
  TempDir dir;
  write(dir / "in.ndjson", auth(kT0, "a", "192.0.2.1", 1, 0) + "\n");
  write(dir / "hub.yaml", "data_dir: data\nconnectors:\n  out:\n    plugin: file\n    config: {path: out.ndjson}\n"
                          "  gen:\n    plugin: generator\n    config: {seed: 1}\nroutes:\n  - from: [gen]\n    to: [out]\n");
  const auto r = run_siemhub({"replay", (dir / "in.ndjson").string(), "-c", (dir / "hub.yaml").string(), "--from-source",
                              "nope"},
                             dir.path());
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Catch::Contains("--from-source nope"));
}
