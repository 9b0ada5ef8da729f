#include "helpers.hpp"
#include "lua/finding.hpp"

using namespace siemhub::lua;
using namespace siemhub::lua::testing;

TEST_CASE("a count rule fires when the threshold is reached") {
  auto engine = load_text(R"(
rule { id = "t.count", from = { class_uid = 3002, status_id = 2 }, by = { "user.name" },
       window = { span = "10m" }, count = { gte = 3 } }
)");
  Feed feed;
  for (int i = 0; i < 3; ++i) feed.add(auth(kT0 + i * 1000, "alice", "10.0.0.1", 2));
  const auto findings = feed.run(*engine);
  REQUIRE(findings.size() == 1);
  CHECK(parsed(findings[0])["count"] == 3);
}

namespace {

const char* kCountRule = R"(
rule { id = "t.count", version = 2, title = "Failures", severity = "high", attack = { "T1110" },
       from = { class_uid = 3002, status_id = 2 }, by = { "user.name" },
       window = { span = "10m" }, count = { gte = 2 }, %s }
)";

std::string count_rule(const std::string& extra) {
  char buf[1024];
  std::snprintf(buf, sizeof buf, kCountRule, extra.c_str());
  return buf;
}

}  // namespace

TEST_CASE("an event exactly span after the first falls outside the sliding window") {
  auto engine = load_text(count_rule(""));
  Feed feed;
  feed.add(auth(kT0, "alice", "10.0.0.1", 2));
  feed.add(auth(kT0 + 10 * kMin, "alice", "10.0.0.1", 2));
  CHECK(feed.run(*engine).empty());
  feed.add(auth(kT0 + 10 * kMin + 1, "alice", "10.0.0.1", 2));
  CHECK(feed.run(*engine, 2).size() == 1);
}

TEST_CASE("an event one millisecond short of span after the first is inside the sliding window") {
  auto engine = load_text(count_rule(""));
  Feed feed;
  feed.add(auth(kT0, "alice", "10.0.0.1", 2));
  feed.add(auth(kT0 + 10 * kMin - 1, "alice", "10.0.0.1", 2));
  CHECK(feed.run(*engine).size() == 1);
}

TEST_CASE("tumbling windows do not count across an epoch-aligned boundary") {
  auto engine = load_text(count_rule("").replace(count_rule("").find("span = \"10m\""), 12,
                                                  "span = \"10m\", kind = \"tumbling\""));
  Feed feed;
  feed.add(auth(kT0 + 10 * kMin - 1, "alice", "10.0.0.1", 2));  // last ms of bucket 0
  feed.add(auth(kT0 + 10 * kMin, "alice", "10.0.0.1", 2));      // first ms of bucket 1
  CHECK(feed.run(*engine).empty());
  feed.add(auth(kT0 + 19 * kMin, "alice", "10.0.0.1", 2));
  CHECK(feed.run(*engine, 2).size() == 1);
}

TEST_CASE("a finding is an OCSF detection finding with a deterministic uid") {
  auto engine = load_text(count_rule(""));
  Feed feed;
  feed.add(auth(kT0, "alice", "10.0.0.1", 2, "u-1"));
  feed.add(auth(kT0 + 1000, "alice", "10.0.0.1", 2, "u-2"));
  const auto findings = feed.run(*engine);
  REQUIRE(findings.size() == 1);
  const auto f = parsed(findings[0]);
  CHECK(f["class_uid"] == 2004);
  CHECK(f["type_uid"] == 200401);
  CHECK(f["severity_id"] == 4);
  CHECK(f["finding_info"]["analytic"]["uid"] == "t.count");
  CHECK(f["finding_info"]["analytic"]["version"] == "2");
  CHECK(f["finding_info"]["attacks"][0]["technique"]["uid"] == "T1110");
  CHECK(f["finding_info"]["first_seen_time"] == kT0);
  CHECK(f["finding_info"]["last_seen_time"] == kT0 + 1000);
  CHECK(f["finding_info"]["related_events"].size() == 2);
  CHECK(f["unmapped"]["group_key"]["user.name"] == "alice");
  CHECK(findings[0].uid == finding_uid("t.count", "2", "alice", "u-2"));
}

TEST_CASE("on_match reset consumes the window while keep re-fires on every later event") {
  Feed feed;
  for (int i = 0; i < 4; ++i) feed.add(auth(kT0 + i * 1000, "alice", "10.0.0.1", 2));
  auto reset = load_text(count_rule("on_match = \"reset\""));
  CHECK(feed.run(*reset).size() == 2);  // events 2 and 4
  auto keep = load_text(count_rule("on_match = \"keep\""));
  CHECK(feed.run(*keep).size() == 3);  // events 2, 3 and 4
}

TEST_CASE("suppress silences re-fires for the same key until the duration has passed") {
  auto engine = load_text(count_rule("suppress = \"30m\""));
  Feed feed;
  for (int i = 0; i < 4; ++i) feed.add(auth(kT0 + i * 1000, "alice", "10.0.0.1", 2));
  feed.add(auth(kT0 + 31 * kMin, "alice", "10.0.0.1", 2));
  feed.add(auth(kT0 + 31 * kMin + 1, "alice", "10.0.0.1", 2));
  feed.add(auth(kT0 + 2000, "bob", "10.0.0.1", 2));
  feed.add(auth(kT0 + 3000, "bob", "10.0.0.1", 2));
  const auto findings = feed.run(*engine);
  REQUIRE(findings.size() == 3);
  CHECK(engine->stats("t.count").suppressed == 1);
}

TEST_CASE("distinct counts different values of a field per group") {
  auto engine = load_text(R"(
rule { id = "t.spray", from = { class_uid = 3002 }, by = { "src_endpoint.ip" }, window = { span = "15m" },
       distinct = { field = "user.name", gte = 3 },
       emit = function(m) return { message = m.agg.distinct .. " users" } end }
)");
  Feed feed;
  feed.add(auth(kT0, "a", "10.0.0.9", 2));
  feed.add(auth(kT0 + 1, "a", "10.0.0.9", 2));
  feed.add(auth(kT0 + 2, "B", "10.0.0.9", 2));
  feed.add(auth(kT0 + 3, "b", "10.0.0.9", 2));
  CHECK(feed.run(*engine).empty());
  feed.add(auth(kT0 + 4, "c", "10.0.0.9", 2));
  const auto findings = feed.run(*engine, 4);
  REQUIRE(findings.size() == 1);
  CHECK(parsed(findings[0])["message"] == "3 users");
}

TEST_CASE("match modifiers compile to native predicates") {
  auto engine = load_text(R"(
rule { id = "t.mods", where = { ["user.name|startswith"] = "ADM", ["src_endpoint.ip|cidr"] = "10.0.0.0/8",
       ["user.name|re"] = "^adm[0-9]+$", ["time|gt"] = 0, ["user.uid|exists"] = false } }
)");
  Feed feed;
  feed.add(auth(kT0, "adm1", "10.1.2.3", 2));
  feed.add(auth(kT0, "adm1", "192.168.0.1", 2));
  feed.add(auth(kT0, "admin", "10.1.2.3", 2));
  const auto findings = feed.run(*engine);
  CHECK(findings.size() == 1);
}

TEST_CASE("a bad match table is refused at load with the rule id") {
  std::string error;
  auto engine = Engine::load(std::vector<Source>{{"bad.lua", R"(rule { id = "t.bad", where = { ["x|nope"] = 1 } })", {}}},
                             {}, &error);
  CHECK(engine == nullptr);
  CHECK_THAT(error, Catch::Contains("t.bad") && Catch::Contains("nope"));
}
