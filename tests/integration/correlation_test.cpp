// The Lua correlation engine inside the real `siemhub run`: findings through routes to a file
// sink, state across SIGTERM and SIGKILL restarts, quarantine of a faulty rule, and the embedded
// default's brute-force finding.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <map>
#include <regex>
#include <set>

#include "integration/process.hpp"
#include "integration/sync_http.hpp"
#include "unit/plugins/test_dirs.hpp"

using namespace siemhub::testing;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string kToken = "correlation-token-42";

std::vector<json> json_lines(const fs::path& p) {
  std::vector<json> out;
  std::istringstream in(read_file(p));
  for (std::string l; std::getline(in, l);) {
    const json j = json::parse(l, nullptr, false);  // a torn last line from a kill is skipped
    if (j.is_object()) out.push_back(j);
  }
  return out;
}

struct Output {
  size_t events = 0;                   // non-findings
  std::multiset<std::string> findings;  // finding_info.uid, duplicates kept
  std::set<std::string> rules;          // analytic uids that fired
};

Output read_output(const fs::path& p) {
  Output o;
  for (const auto& j : json_lines(p)) {
    if (j.value("class_uid", 0) != 2004) {
      ++o.events;
      continue;
    }
    o.findings.insert(j.at("finding_info").at("uid").get<std::string>());
    o.rules.insert(j.at("finding_info").at("analytic").at("uid").get<std::string>());
  }
  return o;
}

std::set<std::string> distinct(const std::multiset<std::string>& m) { return {m.begin(), m.end()}; }

// Failed logons of 10 users, one per second, interleaved so every user's windows span the
// whole input.
std::string auth_events(size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < to; ++i)
    out += R"({"class_uid":3002,"category_uid":3,"activity_id":1,"type_uid":300201,"severity_id":3,"status_id":2,"time":)" +
           std::to_string(1700000000000 + static_cast<int64_t>(i) * 1000) + R"(,"user":{"name":"u)" +
           std::to_string(i % 10) + R"("},"src_endpoint":{"ip":"10.0.0.)" + std::to_string(i % 10) +
           R"("},"metadata":{"product":{"name":"correlation test"},"version":"1.8.0","uid":"a)" + std::to_string(i) +
           "\"}}\n";
  return out;
}
constexpr size_t kEvents = 300;
// count rule: every 3rd failure per user (30 each -> 10 each); state rule: every 5th (6 each).
constexpr size_t kFindings = 10 * 10 + 10 * 6;

const char* kRules = R"(
rule {
  id       = "test.auth.failures",
  from     = { class_uid = 3002, status_id = 2 },
  by       = { "user.name" },
  window   = { span = "10m" },
  count    = { gte = 3 },
}
rule {
  id       = "test.auth.every_fifth",
  from     = { class_uid = 3002, status_id = 2 },
  by       = { "user.name" },
  window   = { span = "1h" },
  on_event = function(e, ctx)
    local s = ctx.state
    s.n = (s.n or 0) + 1
    if s.n % 5 == 0 then ctx.emit { message = "fifth failure of " .. ctx.by["user.name"] } end
  end,
}
)";

void write(const fs::path& p, const std::string& text, std::ios::openmode mode = std::ios::trunc) {
  std::ofstream(p, std::ios::binary | mode) << text;
}

// A hub reading `in` (file source), correlating with rules.lua, writing to `out` (file sink);
// `in` and the findings (source correlate) both go to `out`.
struct Setup {
  TempDir dir;
  fs::path in = dir / "in.ndjson", out = dir / "out.ndjson", cfg = dir / "hub.yaml";
  explicit Setup(const std::string& extra = "") {
    write(dir / "rules.lua", kRules);
    write(cfg, "data_dir: data\nlimits: {checkpoint_interval_ms: 100}\nrules:\n  files: [rules.lua]\n" + extra +
                   "connectors:\n  in:\n    plugin: file\n    config: {path: " + in.string() +
                   "}\n  out:\n    plugin: file\n    config: {path: " + out.string() +
                   "}\nroutes:\n  - from: [in, correlate]\n    to: [out]\n");
  }
  std::unique_ptr<Process> start() const {
    return std::make_unique<Process>(
        std::vector<std::string>{siemhub_binary().string(), "run", "-c", cfg.string(), "--summary-every", "0"},
        dir.path());
  }
  bool has(size_t events, size_t findings) const {
    const auto o = read_output(out);
    return o.events >= events && distinct(o.findings).size() >= findings;
  }
  // Waits until `out` holds that many events and distinct findings, then stops the hub with
  // SIGTERM: it must have got there and exit 0.
  void finish(Process& hub, size_t events, size_t findings) const {
    const bool done = eventually([&] { return has(events, findings); }, std::chrono::seconds(30));
    hub.signal(SIGTERM);
    INFO(hub.err());
    REQUIRE(done);
    REQUIRE(hub.wait() == 0);
  }
};


uint16_t ingest_port(Process& hub) {
  const uint16_t port = logged_ingest_port(hub);
  REQUIRE(port != 0);
  return port;
}

// One uninterrupted run over every event: the reference set of finding uids.
std::set<std::string> reference_findings() {
  Setup s;
  write(s.in, auth_events(0, kEvents));
  auto hub = s.start();
  s.finish(*hub, kEvents, kFindings);
  const auto o = read_output(s.out);
  CHECK(o.findings.size() == kFindings);  // nothing twice
  return distinct(o.findings);
}

}  // namespace

TEST_CASE("siemhub run with a rules file writes the rules' findings to a file sink next to the events", "[correlation]") {
  Setup s;
  write(s.in, auth_events(0, kEvents));
  auto hub = s.start();
  s.finish(*hub, kEvents, kFindings);
  const auto o = read_output(s.out);
  CHECK(o.events == kEvents);
  CHECK(o.findings.size() == kFindings);
  CHECK(o.rules == std::set<std::string>{"test.auth.failures", "test.auth.every_fifth"});
  for (const auto& j : json_lines(s.out)) {
    if (j.value("class_uid", 0) != 2004) continue;
    CHECK(j.at("type_uid").get<int>() == 2004 * 100 + j.at("activity_id").get<int>());
    CHECK(j.at("time").is_number_integer());
  }
}

TEST_CASE("findings can be routed on their own from the source named correlate", "[correlation]") {
  TempDir dir;
  const fs::path in = dir / "in.ndjson", events = dir / "events.ndjson", findings = dir / "findings.ndjson";
  write(dir / "rules.lua", kRules);
  write(in, auth_events(0, 30));
  write(dir / "hub.yaml", "data_dir: data\nrules:\n  files: [rules.lua]\nconnectors:\n  in:\n    plugin: file\n    config: {path: " +
                              in.string() + "}\n  events:\n    plugin: file\n    config: {path: " + events.string() +
                              "}\n  findings:\n    plugin: file\n    config: {path: " + findings.string() +
                              "}\nroutes:\n  - from: [in]\n    to: [events]\n  - from: [correlate]\n    to: [findings]\n");
  Process hub({siemhub_binary().string(), "run", "-c", (dir / "hub.yaml").string()}, dir.path());
  const bool done = eventually([&] {
    return read_output(events).events == 30 && read_output(findings).findings.size() == 10;
  });
  hub.signal(SIGTERM);
  INFO(hub.err());
  REQUIRE(done);
  REQUIRE(hub.wait() == 0);
  CHECK(read_output(events).findings.empty());
  CHECK(read_output(findings).events == 0);
}

TEST_CASE("half the events then SIGTERM then the rest give the same finding uids as one run", "[correlation]") {
  const auto reference = reference_findings();
  REQUIRE(reference.size() == kFindings);
  Setup s;
  write(s.in, auth_events(0, kEvents / 2));
  {
    auto hub = s.start();
    s.finish(*hub, kEvents / 2, 0);
  }
  write(s.in, auth_events(kEvents / 2, kEvents), std::ios::app);
  auto hub = s.start();
  s.finish(*hub, kEvents, kFindings);
  const auto o = read_output(s.out);
  CHECK(distinct(o.findings) == reference);
  CHECK(o.findings.size() == kFindings);  // an orderly stop re-emits nothing
}

TEST_CASE("a run killed with SIGKILL in the middle ends with the same finding uids after a restart", "[correlation]") {
  const auto reference = reference_findings();
  Setup s;
  write(s.in, auth_events(0, kEvents / 2));
  {
    auto hub = s.start();
    REQUIRE(eventually([&] { return s.has(kEvents / 2, 1); }, std::chrono::seconds(30)));
    hub->signal(SIGKILL);
    REQUIRE(hub->wait() == -SIGKILL);
  }
  write(s.in, auth_events(kEvents / 2, kEvents), std::ios::app);
  auto hub = s.start();
  s.finish(*hub, kEvents, kFindings);
  // Replayed findings may arrive twice, but only ever with the uids of the reference run.
  CHECK(distinct(read_output(s.out).findings) == reference);
}

TEST_CASE("a rule stuck in a loop is quarantined and shown by status and readyz while the other rule still fires",
          "[correlation]") {
  TempDir dir;
  const fs::path in = dir / "in.ndjson", out = dir / "out.ndjson", data = dir / "data";
  write(dir / "rules.lua", kRules);
  write(dir / "loop.lua", R"(
rule {
  id       = "test.loop",
  from     = { class_uid = 3002 },
  on_event = function(e, ctx) while true do end end,
}
)");
  write(in, auth_events(0, 30));
  write(dir / "hub.yaml", "data_dir: data\nrules:\n  files: [loop.lua, rules.lua]\n  quarantine_after: 3\n"
                          "  instruction_budget: 100000\n"
                          "ingest:\n  listen: 127.0.0.1:0\n  tokens: [{name: ci, token: \"" + kToken + "\"}]\n"
                          "connectors:\n  in:\n    plugin: file\n    config: {path: " + in.string() +
                          "}\n  out:\n    plugin: file\n    config: {path: " + out.string() +
                          "}\nroutes:\n  - from: [in, correlate]\n    to: [out]\n");
  Process hub({siemhub_binary().string(), "run", "-c", (dir / "hub.yaml").string(), "--summary-every", "0"}, dir.path());
  const uint16_t port = ingest_port(hub);
  const bool done = eventually([&] { return read_output(out).findings.size() == 10; });
  INFO(hub.err());
  REQUIRE(done);

  const auto st = run_siemhub({"status", "--json", "-d", data.string()}, dir.path());
  REQUIRE(st.code == 0);
  const json status = json::parse(st.out);
  std::map<std::string, json> rules;
  for (const auto& r : status.at("rules")) rules[r.at("id").get<std::string>()] = r;
  REQUIRE(rules.count("test.loop"));
  CHECK(rules["test.loop"]["quarantined"] == true);
  CHECK(rules["test.loop"]["faults"].get<int>() == 3);
  CHECK_THAT(rules["test.loop"]["last_fault"].get<std::string>(), Catch::Contains("loop.lua:5"));
  CHECK(rules["test.auth.failures"]["quarantined"] == false);
  CHECK(rules["test.auth.failures"]["findings"].get<int>() == 10);

  const auto text = run_siemhub({"status", "-d", data.string()}, dir.path());
  REQUIRE(text.code == 0);
  CHECK_THAT(text.out, Catch::Contains("test.loop") && Catch::Contains("QUARANTINED"));

  SyncHttp c;
  const auto ready = c.get("http://127.0.0.1:" + std::to_string(port) + "/readyz");
  CHECK(ready.status == 200);
  const json body = json::parse(ready.body);
  CHECK(body.at("details").at("rules").at("quarantined") == json::array({"test.loop"}));
  const auto metrics = c.get("http://127.0.0.1:" + std::to_string(port) + "/metrics");
  CHECK_THAT(metrics.body, Catch::Contains("siemhub_lua_rule_") && Catch::Contains("test.loop"));
  CHECK_THAT(hub.err(), Catch::Contains("test.loop"));  // the fault is logged with the rule id

  hub.signal(SIGTERM);
  CHECK(hub.wait() == 0);
}

TEST_CASE("a rule file that does not load is a config error naming the file and line", "[correlation]") {
  TempDir dir;
  write(dir / "bad.lua", "rule {\n  id = \"x\",\n  from = { class_uid = 3002 },\n  count = { lt = 3 },\n}\n");
  write(dir / "hub.yaml", "data_dir: data\nrules:\n  files: [bad.lua]\nconnectors:\n  out:\n    plugin: stdout\n");
  const auto v = run_siemhub({"validate", (dir / "hub.yaml").string()}, dir.path());
  CHECK(v.code == 2);
  CHECK_THAT(v.err, Catch::Contains("bad.lua:"));
  const auto r = run_siemhub({"run", "-c", (dir / "hub.yaml").string(), "--for", "1"}, dir.path());
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Catch::Contains("bad.lua:"));
}

TEST_CASE("the embedded default runs the shipped rules and the generator's burst yields a brute-force finding",
          "[correlation]") {
  TempDir dir;
  const fs::path data = dir / "data";
  const auto r = run_siemhub({"run", "--data-dir", data.string(), "--for", "4", "--summary-every", "0"}, dir.path());
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto o = read_output(data / "out" / "events.ndjson");
  CHECK(o.events >= 200);
  CHECK(o.rules.count("corr.auth.bruteforce_then_success") == 1);
}

namespace {

// A native rule and a rule whose `where` spins for most of its instruction budget on every event:
// the Lua lane takes seconds over what the native lane does in milliseconds.
constexpr size_t kLaneUsers = 10, kLanePerUser = 8, kLaneEvents = kLaneUsers * kLanePerUser;
constexpr size_t kLaneNative = kLaneUsers * (kLanePerUser / 2), kLaneLua = kLaneUsers * (kLanePerUser / 4);
const char* kLaneRules = R"(
rule { id = "lanes.native", from = { class_uid = 3002, status_id = 2 }, by = { "user.name" },
       window = { span = "1h" }, count = { gte = 2 } }
rule { id = "lanes.spinner", from = { class_uid = 3002, status_id = 2 }, by = { "user.name" },
       where = function(e) local x = 0 for i = 1, 12000000 do x = x + i end return x > 0 end,
       window = { span = "1h" }, count = { gte = 4 } }
)";

// rule id -> finding uids (duplicates kept) in `p`.
std::map<std::string, std::multiset<std::string>> findings_by_rule(const fs::path& p) {
  std::map<std::string, std::multiset<std::string>> out;
  for (const auto& j : json_lines(p))
    if (j.value("class_uid", 0) == 2004)
      out[j.at("finding_info").at("analytic").at("uid").get<std::string>()].insert(
          j.at("finding_info").at("uid").get<std::string>());
  return out;
}

}  // namespace

TEST_CASE("a Lua rule spinning near its budget on every event holds back neither the native findings nor the stop "
          "and after a restart no finding is lost",
          "[correlation][lanes]") {
  TempDir dir;
  const fs::path in = dir / "in.ndjson", out = dir / "out.ndjson", data = dir / "data";
  write(dir / "rules.lua", kLaneRules);
  std::string events;
  for (size_t i = 0; i < kLaneEvents; ++i)
    events += R"({"class_uid":3002,"category_uid":3,"activity_id":1,"type_uid":300201,"severity_id":3,"status_id":2,"time":)" +
              std::to_string(1700000000000 + static_cast<int64_t>(i) * 1000) + R"(,"user":{"name":"u)" +
              std::to_string(i % kLaneUsers) + R"("},"metadata":{"product":{"name":"lanes"},"version":"1.8.0","uid":"l)" +
              std::to_string(i) + "\"}}\n";
  write(in, events);
  write(dir / "hub.yaml", "data_dir: data\nlimits: {checkpoint_interval_ms: 100}\nrules:\n  files: [rules.lua]\n"
                          "  instruction_budget: 30000000\n"
                          "connectors:\n  in:\n    plugin: file\n    config: {path: " + in.string() +
                          "}\n  out:\n    plugin: file\n    config: {path: " + out.string() +
                          "}\nroutes:\n  - from: [in, correlate]\n    to: [out]\n");
  constexpr int64_t kDrainMs = 1000;
  const std::vector<std::string> run = {siemhub_binary().string(), "run", "-c", (dir / "hub.yaml").string(),
                                        "--summary-every", "0", "--drain-ms", std::to_string(kDrainMs)};
  {
    Process hub(run, dir.path());
    const bool native_done =
        eventually([&] { return findings_by_rule(out)["lanes.native"].size() == kLaneNative; }, std::chrono::seconds(30));
    INFO(hub.err());
    REQUIRE(native_done);
    const auto st = run_siemhub({"status", "--json", "-d", data.string()}, dir.path());
    REQUIRE(st.code == 0);
    const json c = json::parse(st.out).at("correlation");
    INFO(c.dump());
    // Every native finding is out while the Lua lane is still on its first batch.
    CHECK(c.at("lanes").at("native").at("findings") == kLaneNative);
    CHECK(c.at("lanes").at("native").at("rules") == 1);
    CHECK(c.at("lanes").at("lua").at("rules") == 1);
    CHECK(c.at("lanes").at("lua").at("cursor").get<uint64_t>() < c.at("lanes").at("native").at("cursor").get<uint64_t>());
    CHECK(c.at("cursor") == c.at("lanes").at("lua").at("cursor"));
    CHECK(findings_by_rule(out)["lanes.spinner"].size() < kLaneLua);
    const auto text = run_siemhub({"status", "-d", data.string()}, dir.path());
    CHECK_THAT(text.out, Catch::Contains("native lane: 1 rules") && Catch::Contains("lua lane: 1 rules"));

    // The stop cuts the Lua batch short instead of waiting for it.
    const auto t0 = std::chrono::steady_clock::now();
    hub.signal(SIGTERM);
    CHECK(hub.wait(std::chrono::seconds(30)) == 0);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(kDrainMs + 5000));
  }
  // After the restart the Lua lane correlates what it had not finished; the native lane, whose
  // cursor was saved at the end, repeats nothing.
  Process hub(run, dir.path());
  const bool done = eventually([&] { return distinct(findings_by_rule(out)["lanes.spinner"]).size() == kLaneLua; },
                               std::chrono::seconds(120));
  hub.signal(SIGTERM);
  INFO(hub.err());
  REQUIRE(done);
  CHECK(hub.wait(std::chrono::seconds(30)) == 0);
  auto found = findings_by_rule(out);
  CHECK(found["lanes.native"].size() == kLaneNative);
  CHECK(distinct(found["lanes.native"]).size() == kLaneNative);
  CHECK(distinct(found["lanes.spinner"]).size() == kLaneLua);
  CHECK(found.size() == 2);
}
