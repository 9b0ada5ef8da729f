// The rules shipped in scripts/lua/rules/ beyond the two design examples: the watch list lookup,
// Office applications starting shells, impossible travel. Each fires on its case and not on the
// near misses.
#include "helpers.hpp"

#include <fstream>
#include <sstream>

using namespace siemhub::lua;
using namespace siemhub::lua::testing;

namespace {

const std::string kRules = std::string(SIEMHUB_LUA_SCRIPTS_DIR) + "/rules/";

std::unique_ptr<Engine> load_rule(const std::string& file) {
  std::string error;
  auto engine = Engine::load({kRules + file}, {}, &error);
  INFO(error);
  REQUIRE(engine != nullptr);
  return engine;
}

std::string connection(std::int64_t time, const std::string& src, const std::string& dst) {
  nlohmann::json e = {{"class_uid", 4001}, {"category_uid", 4}, {"activity_id", 1}, {"type_uid", 400101},
                      {"time", time},      {"src_endpoint", {{"ip", src}, {"port", 50123}}},
                      {"dst_endpoint", {{"ip", dst}, {"port", 443}}}};
  return e.dump();
}

std::string launch(const std::string& parent, const std::string& child, int activity = 1,
                   const std::string& parent_at = "/actor/process/file/name") {
  nlohmann::json e = {{"class_uid", 1007}, {"category_uid", 1}, {"activity_id", activity}, {"type_uid", 100700 + activity},
                      {"time", kT0},       {"device", {{"hostname", "ws-0141"}}},
                      {"actor", {{"user", {{"name", "alice"}}}}},
                      {"process", {{"pid", 4242}, {"file", {{"name", child}}}, {"cmd_line", child + " -nop"}}}};
  e[nlohmann::json::json_pointer(parent_at)] = parent;
  return e.dump();
}

std::string logon_at(std::int64_t time, const std::string& user, const std::string& ip, double lat, double lon,
                     int status = 1) {
  auto e = nlohmann::json::parse(auth(time, user, ip, status));
  e["src_endpoint"]["location"] = {{"lat", lat}, {"long", lon}};
  return e.dump();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Paris, New York, Versailles (about 17 km from Paris).
constexpr double kParis[] = {48.8566, 2.3522};
constexpr double kNewYork[] = {40.7128, -74.0060};
constexpr double kVersailles[] = {48.8049, 2.1204};

}  // namespace

TEST_CASE("every shipped rule file loads with an id version title severity and attack ids") {
  for (const char* file : {"bruteforce_then_success.lua", "password_spray.lua", "watchlist_connection.lua",
                           "office_spawns_shell.lua", "impossible_travel.lua"}) {
    INFO(file);
    auto engine = load_rule(file);
    for (const auto& info : engine->rules()) {
      CHECK(!info.version.empty());
      CHECK(info.title != info.id);
      const RuleDef* def = engine->definition(info.id);
      REQUIRE(def != nullptr);
      CHECK(!def->attack.empty());
      CHECK(!def->description.empty());
      CHECK(!def->references.empty());
    }
  }
}

TEST_CASE("a connection to a watch-listed IP fires with the list's reason") {
  auto engine = load_rule("watchlist_connection.lua");
  Feed feed;
  feed.add(connection(kT0, "10.1.2.3", "198.51.100.23"));
  const auto findings = feed.run(*engine);
  REQUIRE(findings.size() == 1);
  const auto f = parsed(findings[0]);
  CHECK(f["message"] == "connection 10.1.2.3 -> 198.51.100.23: 198.51.100.23 is watch-listed (malware download host (example))");
  CHECK(f["unmapped"]["entities"]["watchlisted_ip"] == "198.51.100.23");
  CHECK(f["severity_id"] == 4);
}

TEST_CASE("a connection from a watch-listed IP fires too") {
  auto engine = load_rule("watchlist_connection.lua");
  Feed feed;
  feed.add(connection(kT0, "203.0.113.7", "10.1.2.3"));
  const auto findings = feed.run(*engine);
  REQUIRE(findings.size() == 1);
  CHECK(parsed(findings[0])["unmapped"]["entities"]["watchlisted_ip"] == "203.0.113.7");
}

TEST_CASE("connections with IPs not in the watch list do not fire") {
  auto engine = load_rule("watchlist_connection.lua");
  Feed feed;
  feed.add(connection(kT0, "10.1.2.3", "198.51.100.24"));  // the neighbour of a listed address
  feed.add(connection(kT0, "10.1.2.3", "203.0.113.70"));
  CHECK(feed.run(*engine).empty());
}

TEST_CASE("repeat connections to a watch-listed IP within an hour give one finding") {
  auto engine = load_rule("watchlist_connection.lua");
  Feed feed;
  for (int i = 0; i < 5; ++i) feed.add(connection(kT0 + i * 5 * kMin, "10.1.2.3", "198.51.100.23"));
  CHECK(feed.run(*engine).size() == 1);
  CHECK(engine->stats("corr.net.watchlist_connection").suppressed == 4);
}

TEST_CASE("the shipped watch list holds only documentation-range addresses") {
  const std::string csv = read_file(std::string(SIEMHUB_LUA_SCRIPTS_DIR) + "/lookups/watchlist_ips.csv");
  std::istringstream lines(csv);
  std::string line;
  std::getline(lines, line);
  CHECK(line.rfind("ip,", 0) == 0);
  int rows = 0;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    ++rows;
    INFO(line);
    CHECK((line.rfind("203.0.113.", 0) == 0 || line.rfind("198.51.100.", 0) == 0 || line.rfind("192.0.2.", 0) == 0));
  }
  CHECK(rows > 0);
}

TEST_CASE("winword starting powershell fires the office rule") {
  auto engine = load_rule("office_spawns_shell.lua");
  Feed feed;
  feed.add(launch("WINWORD.EXE", "powershell.exe"));
  const auto findings = feed.run(*engine);
  REQUIRE(findings.size() == 1);
  const auto f = parsed(findings[0]);
  CHECK(f["message"] == "WINWORD.EXE started powershell.exe on ws-0141");
  CHECK(f["unmapped"]["entities"]["user"] == "alice");
  CHECK(f["unmapped"]["fields"]["cmd_line"] == "powershell.exe -nop");
}

TEST_CASE("every office parent and every shell child match case-insensitively") {
  auto engine = load_rule("office_spawns_shell.lua");
  Feed feed;
  const std::vector<std::string> parents = {"winword.exe", "EXCEL.EXE", "PowerPnt.exe", "OUTLOOK.exe"};
  const std::vector<std::string> children = {"powershell.exe", "PWSH.EXE", "cmd.exe", "wscript.exe",
                                             "cscript.exe",    "mshta.exe", "Rundll32.exe", "regsvr32.exe"};
  for (const auto& p : parents)
    for (const auto& c : children) feed.add(launch(p, c));
  CHECK(feed.run(*engine).size() == parents.size() * children.size());
}

TEST_CASE("the parent is also found in actor.process.name and process.parent_process.name") {
  auto engine = load_rule("office_spawns_shell.lua");
  Feed feed;
  feed.add(launch("excel.exe", "cmd.exe", 1, "/actor/process/name"));
  feed.add(launch("excel.exe", "cmd.exe", 1, "/process/parent_process/name"));
  CHECK(feed.run(*engine).size() == 2);
}

TEST_CASE("a shell started by a non-office parent or an office child that is no shell does not fire") {
  auto engine = load_rule("office_spawns_shell.lua");
  Feed feed;
  feed.add(launch("explorer.exe", "powershell.exe"));
  feed.add(launch("winword.exe", "notepad.exe"));
  feed.add(launch("winword.exe", "powershell.exe", 2));  // Terminate, not Launch
  feed.add(launch("notwinword.exe", "cmd.exe"));
  CHECK(feed.run(*engine).empty());
}

TEST_CASE("the generator's office-spawned powershell event fires the office rule") {
  auto engine = load_rule("office_spawns_shell.lua");
  Feed feed;
  // The shape of host/builtin/generator.cpp's scenario event (k == 500 of each cycle).
  feed.add(R"({"class_uid":1007,"category_uid":1,"activity_id":1,"type_uid":100701,"severity_id":1,"time":1767225600000,)"
           R"("device":{"hostname":"ws-0141","type_id":2},"actor":{"user":{"name":"alice"}},"process":{"pid":1234,)"
           R"("name":"powershell.exe","cmd_line":"powershell.exe -nop -w hidden -enc SQBFAFgA","file":{"name":"powershell.exe",)"
           R"("path":"C:\\Program Files\\powershell.exe","type_id":1},"parent_process":{"pid":600,"name":"WINWORD.EXE"}}})");
  const auto findings = feed.run(*engine);
  REQUIRE(findings.size() == 1);
  CHECK(parsed(findings[0])["message"] == "WINWORD.EXE started powershell.exe on ws-0141");
}

TEST_CASE("the ocsf 4688 sample fires the office rule only once its parent is an office application") {
  auto sample = nlohmann::json::parse(read_file(std::string(SIEMHUB_LUA_SCRIPTS_DIR) +
                                                "/../../tests/data/ocsf/win4688_process_activity_1007_ocsf-java-tools.json"));
  {
    auto engine = load_rule("office_spawns_shell.lua");
    Feed feed;
    feed.add(sample.dump());  // explorer.exe -> rundll32.exe
    CHECK(feed.run(*engine).empty());
  }
  sample["actor"]["process"]["file"]["name"] = "WINWORD.EXE";
  auto engine = load_rule("office_spawns_shell.lua");
  Feed feed;
  feed.add(sample.dump());
  const auto findings = feed.run(*engine);
  REQUIRE(findings.size() == 1);
  CHECK(parsed(findings[0])["message"] == "WINWORD.EXE started rundll32.exe on WIN-GG82ULGC9GO.contoso.local");
}

TEST_CASE("logons from paris then new york an hour apart fire impossible travel") {
  auto engine = load_rule("impossible_travel.lua");
  Feed feed;
  feed.add(logon_at(kT0, "bob", "192.0.2.10", kParis[0], kParis[1]));
  feed.add(logon_at(kT0 + 60 * kMin, "bob", "198.51.100.9", kNewYork[0], kNewYork[1]));
  const auto findings = feed.run(*engine);
  REQUIRE(findings.size() == 1);
  const auto f = parsed(findings[0]);
  const int km = f["unmapped"]["fields"]["distance_km"];
  CHECK(km > 5800);
  CHECK(km < 5880);  // Paris - New York is about 5837 km
  CHECK(f["unmapped"]["fields"]["speed_kmh"].get<int>() == km);  // one hour
  CHECK(f["finding_info"]["first_seen_time"] == kT0);
  CHECK(f["finding_info"]["last_seen_time"] == kT0 + 60 * kMin);
  CHECK(f["unmapped"]["entities"]["to_ip"] == "198.51.100.9");
}

TEST_CASE("logons from paris then new york eight hours apart are plausible travel") {
  auto engine = load_rule("impossible_travel.lua");
  Feed feed;
  feed.add(logon_at(kT0, "bob", "192.0.2.10", kParis[0], kParis[1]));
  feed.add(logon_at(kT0 + 8 * 60 * kMin, "bob", "198.51.100.9", kNewYork[0], kNewYork[1]));  // ~730 km/h
  CHECK(feed.run(*engine).empty());
}

TEST_CASE("nearby logons minutes apart, other users, failures and logons without location do not fire") {
  auto engine = load_rule("impossible_travel.lua");
  Feed feed;
  feed.add(logon_at(kT0, "bob", "192.0.2.10", kParis[0], kParis[1]));
  feed.add(logon_at(kT0 + 30'000, "bob", "192.0.2.11", kVersailles[0], kVersailles[1]));  // 17 km in 30 s
  feed.add(logon_at(kT0 + kMin, "carol", "198.51.100.9", kNewYork[0], kNewYork[1]));     // another user
  feed.add(logon_at(kT0 + 2 * kMin, "bob", "198.51.100.9", kNewYork[0], kNewYork[1], 2));  // a failure
  feed.add(auth(kT0 + 3 * kMin, "bob", "198.51.100.9", 1));                                 // no location
  CHECK(feed.run(*engine).empty());
}

TEST_CASE("the same hop fires just above 1000 km/h and not just below") {
  // Paris - New York is about 5837 km: 5.7 h is about 1024 km/h, 6 h about 973 km/h.
  auto fast = load_rule("impossible_travel.lua");
  Feed a;
  a.add(logon_at(kT0, "bob", "192.0.2.10", kParis[0], kParis[1]));
  a.add(logon_at(kT0 + 342 * kMin, "bob", "198.51.100.9", kNewYork[0], kNewYork[1]));
  CHECK(a.run(*fast).size() == 1);
  auto slow = load_rule("impossible_travel.lua");
  Feed b;
  b.add(logon_at(kT0, "bob", "192.0.2.10", kParis[0], kParis[1]));
  b.add(logon_at(kT0 + 360 * kMin, "bob", "198.51.100.9", kNewYork[0], kNewYork[1]));
  CHECK(b.run(*slow).empty());
}

TEST_CASE("each logon is compared with the latest earlier one of the user") {
  auto engine = load_rule("impossible_travel.lua");
  Feed feed;
  feed.add(logon_at(kT0, "bob", "192.0.2.10", kParis[0], kParis[1]));
  feed.add(logon_at(kT0 + 10 * 60 * kMin, "bob", "198.51.100.9", kNewYork[0], kNewYork[1]));  // plausible
  feed.add(logon_at(kT0 + 11 * 60 * kMin, "bob", "192.0.2.10", kParis[0], kParis[1]));        // back in 1 h
  const auto findings = feed.run(*engine);
  REQUIRE(findings.size() == 1);
  CHECK(parsed(findings[0])["unmapped"]["entities"]["from_ip"] == "198.51.100.9");
}
