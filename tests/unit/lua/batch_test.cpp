// on_event calls are batched: one protected Lua call per rule and batch, with a budget and a
// fault of its own for each event.
#include "helpers.hpp"

using namespace siemhub::lua;
using namespace siemhub::lua::testing;

namespace {

Feed failures(int n, const std::string& user = "alice") {
  Feed feed;
  for (int i = 0; i < n; ++i) feed.add(auth(kT0 + i, user, "10.0.0.1", 2, "e" + std::to_string(i)));
  return feed;
}

}  // namespace

TEST_CASE("a batch of 1000 events enters Lua once per 256 on_event calls, not once per event") {
  auto engine = load_text(R"(
rule { id = "b.count", from = { class_uid = 3002 }, by = { "user.name" },
       on_event = function(e, ctx) ctx.state.n = (ctx.state.n or 0) + 1 end }
)");
  Feed feed = failures(1000);
  const auto before = engine->lua_entries();
  feed.run(*engine);
  CHECK(engine->lua_entries() - before == 4);  // ceil(1000 / 256)
  CHECK(engine->stats("b.count").lua_calls == 1000);
  const auto snap = nlohmann::json::parse(engine->snapshot());
  CHECK(snap["rules"]["b.count"]["groups"][0]["state"] == "{[\"n\"]=1000,}");  // every event ran, in order
}

TEST_CASE("a fault on one event of a batched call skips only that event and the later events still emit") {
  auto engine = load_text(R"(
rule { id = "b.emit", from = { class_uid = 3002 }, by = { "user.name" },
       on_event = function(e, ctx)
         if e.metadata.uid == "e3" then error("bad event") end
         ctx.emit { message = e.metadata.uid }
       end }
)");
  Feed feed = failures(8);
  const auto found = feed.run(*engine);
  std::vector<std::string> messages;
  for (const auto& f : found) messages.push_back(parsed(f)["message"].get<std::string>());
  CHECK(messages == std::vector<std::string>{"e0", "e1", "e2", "e4", "e5", "e6", "e7"});
  const RuleStats s = engine->stats("b.emit");
  CHECK(s.faults == 1);
  CHECK(s.consecutive_faults == 0);  // the events after it succeeded
  CHECK_FALSE(s.quarantined);
  CHECK_THAT(s.last_fault, Catch::Contains("bad event"));
  CHECK(s.lua_calls == 8);
}

TEST_CASE("each event of a batched call has the instruction budget of one call") {
  EngineOptions options;
  options.sandbox.instruction_budget = 100'000;
  // ~40k instructions per event: 256 of them in one protected call would be 10M.
  auto engine = load_text(R"(
rule { id = "b.work", from = { class_uid = 3002 }, by = { "user.name" },
       on_event = function(e, ctx) local x = 0 for i = 1, 10000 do x = x + i end ctx.state.x = x end }
)", options);
  Feed feed = failures(300);
  feed.run(*engine);
  CHECK(engine->stats("b.work").faults == 0);
}

TEST_CASE("an endless loop in a batched on_event is stopped per event and quarantines the rule while others go on") {
  EngineOptions options;
  options.sandbox.instruction_budget = 200'000;
  options.quarantine_after = 3;
  auto engine = load_text(R"(
rule { id = "b.loop", from = { class_uid = 3002 }, by = { "user.name" },
       on_event = function(e, ctx) while true do end end }
rule { id = "b.good", from = { class_uid = 3002 }, by = { "user.name" },
       on_event = function(e, ctx) ctx.emit { message = "ok" } end }
)", options);
  Feed feed = failures(10);
  const auto found = feed.run(*engine);
  const RuleStats loop = engine->stats("b.loop");
  CHECK(loop.faults == 3);
  CHECK(loop.quarantined);
  CHECK_THAT(loop.last_fault, Catch::Contains("instruction budget exceeded"));
  CHECK(found.size() == 10);
  for (const auto& f : found) CHECK(f.rule_id == "b.good");
}

TEST_CASE("findings of batched custom rules come out in event order, interleaved with window rules") {
  auto engine = load_text(R"(
rule { id = "a.custom", from = { class_uid = 3002 }, by = { "user.name" },
       on_event = function(e, ctx) ctx.emit { message = e.metadata.uid } end }
rule { id = "b.window", from = { class_uid = 3002 }, by = { "user.name" }, window = { span = "1m" },
       count = { gte = 1 } }
)");
  Feed feed = failures(3);
  const auto found = feed.run(*engine);
  std::vector<std::string> order;
  for (const auto& f : found) order.push_back(f.rule_id + "@" + std::to_string(f.event_index));
  CHECK(order == std::vector<std::string>{"a.custom@0", "b.window@0", "a.custom@1", "b.window@1", "a.custom@2",
                                          "b.window@2"});
}
