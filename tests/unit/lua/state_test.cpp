// Snapshots, restores, bounds and lookups.
#include "fakes/temp_dir.hpp"
#include "helpers.hpp"

#include "core/clock.hpp"

#include <fstream>

using namespace siemhub::lua;
using namespace siemhub::lua::testing;

namespace {

const char* kRules = R"(
rule { id = "s.count", from = { class_uid = 3002, status_id = 2 }, by = { "user.name" },
       window = { span = "10m" }, count = { gte = 3 }, suppress = "2m" }
rule { id = "s.tumble", from = { class_uid = 3002 }, by = { "src_endpoint.ip" },
       window = { span = "5m", kind = "tumbling" }, distinct = { field = "user.name", gte = 2 } }
rule { id = "s.custom", from = { class_uid = 3002 }, by = { "user.name" }, on_event = function(e, ctx)
  local s = ctx.state
  s.n = (s.n or 0) + 1
  s.seen = s.seen or {}
  s.seen[e["src_endpoint.ip"]] = true
  if s.n % 4 == 0 then ctx.emit { message = "every fourth", count = s.n } end
end }
)";

Feed mixed_feed() {
  Feed feed;
  const char* users[] = {"alice", "bob", "carol"};
  for (int i = 0; i < 60; ++i)
    feed.add(auth(kT0 + i * 37'000, users[i % 3], "10.0.0." + std::to_string(i % 4), i % 5 == 0 ? 1 : 2,
                  "uid-" + std::to_string(i)));
  return feed;
}

std::vector<std::string> uids(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  for (const auto& f : findings) out.push_back(f.rule_id + "/" + f.uid);
  return out;
}

}  // namespace

TEST_CASE("a restored engine produces the same findings as one uninterrupted run") {
  Feed feed = mixed_feed();
  auto whole = load_text(kRules);
  const auto expected = uids(feed.run(*whole));
  REQUIRE(expected.size() > 5);

  auto first = load_text(kRules);
  auto got = uids(feed.run(*first, 0, 30));
  const std::string snapshot = first->snapshot();
  first.reset();
  auto second = load_text(kRules);
  REQUIRE(second->restore(snapshot));
  for (const auto& u : uids(feed.run(*second, 30))) got.push_back(u);
  CHECK(got == expected);
}

TEST_CASE("snapshots of the same state are byte-identical") {
  Feed feed = mixed_feed();
  auto a = load_text(kRules);
  auto b = load_text(kRules);
  feed.run(*a, 0, 40);
  feed.run(*b, 0, 40);
  CHECK(a->snapshot() == b->snapshot());
}

TEST_CASE("a rule whose code changed starts fresh after a restore") {
  const std::string before = R"(rule { id = "c", by = { "user.name" }, window = { span = "10m" }, count = 2 })";
  const std::string after = R"(rule { id = "c", by = { "user.name" }, window = { span = "11m" }, count = 2 })";
  Feed feed;
  feed.add(auth(kT0, "alice", "10.0.0.1", 2));
  feed.add(auth(kT0 + 1000, "alice", "10.0.0.1", 2));
  auto old_engine = load_text(before);
  feed.run(*old_engine, 0, 1);
  const std::string snapshot = old_engine->snapshot();
  auto same = load_text(before);
  REQUIRE(same->restore(snapshot));
  CHECK(feed.run(*same, 1).size() == 1);
  auto changed = load_text(after);
  REQUIRE(changed->restore(snapshot));
  CHECK(feed.run(*changed, 1).empty());
}

TEST_CASE("groups past the per-rule cap evict the least recently used") {
  EngineOptions options;
  options.max_groups_per_rule = 2;
  auto engine = load_text(R"(rule { id = "g", by = { "user.name" }, window = { span = "10m" }, count = 2 })", options);
  Feed feed;
  feed.add(auth(kT0, "a", "10.0.0.1", 2));
  feed.add(auth(kT0 + 1, "b", "10.0.0.1", 2));
  feed.add(auth(kT0 + 2, "c", "10.0.0.1", 2));  // evicts a
  feed.add(auth(kT0 + 3, "a", "10.0.0.1", 2));  // a starts over (evicts b)
  feed.add(auth(kT0 + 4, "c", "10.0.0.1", 2));  // c fires
  const auto findings = feed.run(*engine);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].group_key == "c");
  CHECK(engine->stats("g").groups_evicted == 2);
  CHECK(engine->stats("g").groups == 2);
}

TEST_CASE("a restore refuses bytes that are not a snapshot") {
  auto engine = load_text(kRules);
  std::string error;
  CHECK_FALSE(engine->restore("{\"nope\":1}", &error));
  CHECK_THAT(error, Catch::Contains("not a siemhub"));
}

TEST_CASE("lookups match in match tables and from Lua and reload when the file changes") {
  siemhub::testing::TempDir dir;
  std::ofstream(dir / "bad_ips.csv") << "ip,reason\n10.0.0.1,\"scanner, known\"\n";
  siemhub::core::ManualClock clock;
  EngineOptions options;
  options.clock = &clock;
  options.lookup_check_interval_ms = 1000;
  std::string error;
  auto engine = Engine::load(std::vector<Source>{{"l.lua", R"(
lookup { name = "bad_ips", file = "bad_ips.csv", key = "ip" }
rule { id = "l", where = { ["src_endpoint.ip|in_lookup"] = "bad_ips" },
       emit = function(m) return { message = lookup("bad_ips", m.agg and "10.0.0.1").reason } end }
)", dir.path()}}, options, &error);
  INFO(error);
  REQUIRE(engine);
  Feed feed;
  feed.add(auth(kT0, "alice", "10.0.0.1", 2));
  feed.add(auth(kT0 + 1, "alice", "10.0.0.2", 2));
  auto findings = feed.run(*engine);
  REQUIRE(findings.size() == 1);
  CHECK(parsed(findings[0])["message"] == "scanner, known");

  std::ofstream(dir / "bad_ips.csv") << "ip,reason\n10.0.0.1,\"scanner, known\"\n10.0.0.2,tor exit\n";
  CHECK(feed.run(*engine, 1).empty());  // not checked again before the interval
  clock.advance(1000);
  CHECK(feed.run(*engine, 1).size() == 1);
}

TEST_CASE("rule statistics are exported as labelled metrics") {
  auto engine = load_text(R"(rule { id = "m", from = { class_uid = 3002 } })");
  Feed feed;
  feed.add(auth(kT0, "alice", "10.0.0.1", 2));
  feed.add(auth(kT0 + 1, "alice", "10.0.0.1", 2));
  feed.run(*engine);
  siemhub::core::MetricsRegistry registry;
  engine->export_metrics(registry);
  engine->export_metrics(registry);  // a second export adds nothing new
  const std::string text = registry.render_prometheus();
  CHECK_THAT(text, Catch::Contains("siemhub_lua_rule_findings_total{rule=\"m\"} 2"));
}

TEST_CASE("a custom rule keeps its state across a restore unless its function changed") {
  const std::string v1 = R"(rule { id = "k", by = { "user.name" }, on_event = function(e, ctx)
  ctx.state.n = (ctx.state.n or 0) + 1
  if ctx.state.n == 2 then ctx.emit{} end
end })";
  std::string v2 = v1;
  v2.replace(v2.find("== 2"), 4, ">= 2");
  Feed feed;
  feed.add(auth(kT0, "alice", "10.0.0.1", 2));
  feed.add(auth(kT0 + 1, "alice", "10.0.0.1", 2));
  auto first = load_text(v1);
  feed.run(*first, 0, 1);
  const std::string snapshot = first->snapshot();
  CHECK_THAT(snapshot, Catch::Contains("[\\\"n\\\"]=1"));
  auto same = load_text("-- a comment line above moves the rule down\n" + v1);
  REQUIRE(same->restore(snapshot));
  CHECK(feed.run(*same, 1).size() == 1);
  auto changed = load_text(v2);
  REQUIRE(changed->restore(snapshot));
  CHECK(feed.run(*changed, 1).empty());
}

TEST_CASE("a snapshot in the first state format restores its windows and related event uids") {
  auto engine = load_text(kRules);
  std::string hash;
  for (const auto& info : engine->rules())
    if (info.id == "s.count") hash = info.code_hash;
  const nlohmann::json v1 = {
      {"format", "siemhub.lua.state/1"},
      {"rules",
       {{"s.count",
         {{"hash", hash},
          {"groups", {{{"key", "alice"}, {"by", {"alice"}}, {"entries", {{kT0, "old-1", ""}, {kT0 + 1000, "old-2", ""}}}}}}}}}}};
  REQUIRE(engine->restore(v1.dump()));
  Feed feed;
  feed.add(auth(kT0 + 2000, "alice", "10.0.0.1", 2, "new-3"));
  const auto found = feed.run(*engine);
  REQUIRE(found.size() == 1);
  const auto f = parsed(found[0]);
  CHECK(f["finding_info"]["related_events"] ==
        nlohmann::json::array({{{"uid", "old-1"}}, {{"uid", "old-2"}}, {{"uid", "new-3"}}}));
  CHECK(f["count"] == 3);
}
