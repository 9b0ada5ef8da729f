// Rule isolation (issue 13): each rule file its own Lua state and memory cap, faults counted in
// a sliding window, each quarantine with its own reason, paced fault and print logging, bounded
// snapshots that skip quarantined rules, and a restore that one rule's bad state cannot spoil.
#include "helpers.hpp"

#include "core/clock.hpp"
#include "core/log.hpp"
#include "lua/parallel.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace siemhub::lua;
using namespace siemhub::lua::testing;

namespace {

std::unique_ptr<Engine> load_files(std::vector<Source> sources, EngineOptions options) {
  std::string error;
  auto engine = Engine::load(std::move(sources), std::move(options), &error);
  INFO(error);
  REQUIRE(engine != nullptr);
  return engine;
}

// Failed logons of `users` users, `per_user` each, one a millisecond.
Feed failures(int users, int per_user) {
  Feed feed;
  for (int i = 0; i < users * per_user; ++i)
    feed.add(auth(kT0 + i, "u" + std::to_string(i % users), "10.0.0.1", 2, "ev" + std::to_string(i)));
  return feed;
}

std::size_t count_of(const std::vector<Finding>& findings, const std::string& rule) {
  return static_cast<std::size_t>(
      std::count_if(findings.begin(), findings.end(), [&](const Finding& f) { return f.rule_id == rule; }));
}

// Every log line written while it lives.
struct LogCapture {
  std::vector<std::string> lines;
  LogCapture() {
    siemhub::core::Log::set_sink([this](const siemhub::core::LogRecord&, const std::string& l) { lines.push_back(l); });
  }
  ~LogCapture() { siemhub::core::Log::reset_sink(); }
  std::size_t containing(const std::string& text) const {
    return static_cast<std::size_t>(
        std::count_if(lines.begin(), lines.end(), [&](const std::string& l) { return l.find(text) != std::string::npos; }));
  }
};

// Fills its state up to the memory cap on odd calls (each link is kept as it is made, so the
// failed call leaves the state full) and gives a few links back on even calls, which succeed.
const char* kHoarder = R"(local calls = 0
rule { id = "hoarder", from = { class_uid = 3002 },
  on_event = function(e, ctx)
    calls = calls + 1
    local s = ctx.state
    if calls % 2 == 0 then
      for _ = 1, 10 do s.chain = s.chain and s.chain.next end
      return
    end
    for _ = 1, 1e6 do s.chain = { next = s.chain } end
  end }
)";

// Allocates a little on every event, so it fails as soon as its state has no memory left.
const char* kGoodLua = R"(
rule { id = "good", from = { class_uid = 3002 }, by = { "user.name" },
  on_event = function(e, ctx)
    local seen = ctx.state.seen or {}
    seen[#seen + 1] = { t = ctx.now, who = e.user.name .. "@" .. tostring(ctx.now) }
    ctx.state.seen = seen
    ctx.emit { message = "seen " .. #seen }
  end }
)";

}  // namespace

TEST_CASE("a rule hoarding ctx.state up to its file's memory cap is quarantined while a Lua rule in another file "
          "produces every finding") {
  EngineOptions options;
  options.sandbox.memory_limit_bytes = 2u << 20;
  options.quarantine_after = 3;
  auto engine = load_files({{"hoarder.lua", kHoarder, {}}, {"good.lua", kGoodLua, {}}}, options);
  Feed feed = failures(10, 20);
  std::vector<Finding> findings;
  for (std::size_t i = 0; i < feed.events.size(); ++i) {  // one event a batch: the hoarder runs before each good call
    const auto batch = feed.run(*engine, i, i + 1);
    findings.insert(findings.end(), batch.begin(), batch.end());
  }
  CHECK(count_of(findings, "good") == 200);
  const RuleStats good = engine->stats("good");
  CHECK(good.faults == 0);
  CHECK_FALSE(good.quarantined);
  const RuleStats hoarder = engine->stats("hoarder");
  CHECK(hoarder.quarantined);
  CHECK_THAT(hoarder.quarantine_reason, Catch::Contains("hoarder.lua:") && Catch::Contains("memory limit exceeded"));
  // Quarantined, it keeps no state: its file's memory is given back.
  CHECK(hoarder.groups == 0);
  CHECK(hoarder.memory_bytes < (1u << 20));
}

TEST_CASE("a rule whose faults alternate with successes is quarantined within the fault window") {
  EngineOptions options;
  options.quarantine_after = 3;
  auto engine = load_text(R"(
local calls = 0
rule { id = "alternating", from = { class_uid = 3002 }, on_event = function(e, ctx)
  calls = calls + 1
  if calls % 2 == 0 then error("every other call") end
end }
)", options);
  Feed feed = failures(1, 20);
  feed.run(*engine);
  const RuleStats s = engine->stats("alternating");
  CHECK(s.quarantined);
  CHECK(s.faults == 3);
  CHECK(s.lua_calls == 6);
  CHECK_THAT(s.quarantine_reason, Catch::Contains("3 faults in the last 5 calls") && Catch::Contains("every other call"));
}

TEST_CASE("a rule failing once in a while is not quarantined") {
  EngineOptions options;
  options.quarantine_after = 3;
  options.fault_window = 100;
  auto engine = load_text(R"(
local calls = 0
rule { id = "rare", from = { class_uid = 3002 }, on_event = function(e, ctx)
  calls = calls + 1
  if calls % 50 == 0 then error("rare") end
end }
)", options);
  Feed feed = failures(1, 500);
  feed.run(*engine);
  CHECK(engine->stats("rare").faults == 10);
  CHECK_FALSE(engine->stats("rare").quarantined);
}

TEST_CASE("each quarantined rule keeps its own reason with its file and line on every worker") {
  EngineOptions options;
  options.quarantine_after = 2;
  std::string error;
  auto engine = ParallelEngine::load(
      std::vector<Source>{{"first.lua", "rule { id = 'first', from = { class_uid = 3002 }, by = { 'user.name' },\n"
                                        "  on_event = function(e, ctx)\n    error('first breaks') end }\n", {}},
                          {"second.lua", "rule { id = 'second', from = { class_uid = 3002 }, by = { 'user.name' },\n"
                                         "  on_event = function(e, ctx) local x = nil; return x.field end }\n", {}}},
      options, 2, &error);
  REQUIRE(engine != nullptr);
  Feed feed = failures(8, 40);
  std::vector<EventRef> refs;
  for (std::size_t i = 0; i < feed.events.size(); ++i) refs.push_back({&feed.events[i], feed.ids[i]});
  engine->process(refs);
  const RuleStats first = engine->stats("first"), second = engine->stats("second");
  REQUIRE(first.quarantined);
  REQUIRE(second.quarantined);
  CHECK_THAT(first.quarantine_reason, Catch::Contains("first.lua:3: first breaks"));
  CHECK_THAT(second.quarantine_reason, Catch::Contains("second.lua:2:") && Catch::Contains("index a nil value"));
  CHECK_THAT(first.quarantine_reason, !Catch::Contains("second"));
  CHECK_THAT(second.quarantine_reason, !Catch::Contains("first"));
}

TEST_CASE("fault lines are logged once per rule per interval with the count of the ones left out") {
  siemhub::core::ManualClock clock;
  EngineOptions options;
  options.clock = &clock;
  options.quarantine_after = 1'000'000;
  options.fault_log_interval_ms = 10'000;
  auto engine = load_text("rule { id = 'noisy', from = { class_uid = 3002 },\n"
                          "  on_event = function(e, ctx) error('always') end }\n",
                          options);
  LogCapture log;
  Feed feed = failures(1, 100);
  feed.run(*engine, 0, 50);
  CHECK(log.containing("fault") == 1);
  clock.advance(10'000);
  feed.run(*engine, 50, 100);
  CHECK(log.containing("fault") == 2);
  CHECK(log.containing("and 49 faults not logged") == 1);
  CHECK(engine->stats("noisy").faults == 100);
}

TEST_CASE("print is paced per state and says how many lines it dropped") {
  siemhub::core::ManualClock clock;
  EngineOptions options;
  options.clock = &clock;
  options.sandbox.print_burst = 5;
  options.sandbox.print_per_second = 2;
  auto engine = load_text(R"(
rule { id = "chatty", from = { class_uid = 3002 }, on_event = function(e, ctx)
  for i = 1, 1000 do print("line-" .. i) end
end }
)", options);
  LogCapture log;
  Feed feed = failures(1, 2);
  feed.run(*engine, 0, 1);
  CHECK(log.containing("line-") == 5);
  clock.advance(1'000);
  feed.run(*engine, 1, 2);
  CHECK(log.containing("line-") == 7);
  CHECK(log.containing("(995 print lines dropped)") == 1);
  CHECK(engine->stats("chatty").faults == 0);
}

TEST_CASE("a lookup whose file cannot be read is a load error naming the rule file and line") {
  std::string error;
  auto engine = Engine::load(
      std::vector<Source>{{"intel.lua", "-- intel\n\nlookup { name = 'bad', file = 'missing.csv', key = 'ip' }\n", {}}},
      {}, &error);
  CHECK(engine == nullptr);
  CHECK_THAT(error, Catch::StartsWith("intel.lua:3: ") && Catch::Contains("missing.csv"));
}

TEST_CASE("on_event may emit at most max_emits_per_call findings and none over max_emit_bytes") {
  EngineOptions options;
  options.quarantine_after = 2;
  options.max_emits_per_call = 10;
  options.max_emit_bytes = 1000;
  auto engine = load_text(R"(
rule { id = "flood", from = { class_uid = 3002 }, on_event = function(e, ctx)
  for i = 1, 11 do ctx.emit { message = "flood" } end
end }
rule { id = "big", from = { class_uid = 3002 }, on_event = function(e, ctx)
  ctx.emit { message = ("x"):rep(2000) }
end }
rule { id = "fine", from = { class_uid = 3002 }, on_event = function(e, ctx)
  for i = 1, 10 do ctx.emit { message = ("y"):rep(900) } end
end }
)", options);
  Feed feed = failures(1, 3);
  const auto findings = feed.run(*engine);
  CHECK(count_of(findings, "flood") == 0);
  CHECK(count_of(findings, "big") == 0);
  CHECK(count_of(findings, "fine") == 30);
  CHECK_THAT(engine->stats("flood").last_fault, Catch::Contains("more than 10 ctx.emit calls"));
  CHECK_THAT(engine->stats("big").last_fault, Catch::Contains("ctx.emit payload"));
}

TEST_CASE("a snapshot skips quarantined rules and stops snapshotting a rule once its faults quarantine it") {
  EngineOptions options;
  options.quarantine_after = 3;
  auto engine = load_text(R"(
rule { id = "fn_state", from = { class_uid = 3002 }, by = { "user.name" },
  on_event = function(e, ctx) ctx.state.f = function() end end }
rule { id = "counter", from = { class_uid = 3002 }, by = { "user.name" },
  on_event = function(e, ctx) ctx.state.n = (ctx.state.n or 0) + 1 end }
)", options);
  Feed feed = failures(50, 1);
  feed.run(*engine);
  const auto before = engine->lua_entries();
  const auto doc = nlohmann::json::parse(engine->snapshot());
  CHECK(engine->stats("fn_state").faults == 3);
  CHECK(engine->stats("fn_state").quarantined);
  CHECK_FALSE(doc["rules"].contains("fn_state"));
  REQUIRE(doc["rules"].contains("counter"));
  CHECK(doc["rules"]["counter"]["groups"].size() == 50);
  CHECK(engine->lua_entries() - before <= 4);  // chunks of groups, not one entry per group
  engine->snapshot();
  CHECK(engine->stats("fn_state").faults == 3);
}

namespace {
// A clock that moves 10 ms every time it is read.
class TickingClock final : public siemhub::core::Clock {
 public:
  std::int64_t now_ms() const override { return now_ += 10; }

 private:
  mutable std::int64_t now_ = 1'700'000'000'000;
};
}  // namespace

TEST_CASE("a snapshot over its time budget saves the rest of a rule's groups without their ctx.state") {
  TickingClock clock;
  EngineOptions options;
  options.clock = &clock;
  options.snapshot_budget_ms = 200;
  auto engine = load_text(R"(
rule { id = "counter", from = { class_uid = 3002 }, by = { "user.name" },
  on_event = function(e, ctx) ctx.state.n = (ctx.state.n or 0) + 1 end }
)", options);
  Feed feed = failures(1000, 1);
  feed.run(*engine);
  const auto doc = nlohmann::json::parse(engine->snapshot());
  const auto& groups = doc["rules"]["counter"]["groups"];
  REQUIRE(groups.size() == 1000);
  const auto with_state =
      std::count_if(groups.begin(), groups.end(), [](const nlohmann::json& g) { return g.contains("state"); });
  CHECK(with_state > 0);
  CHECK(with_state < 1000);
  CHECK_THAT(engine->stats("counter").last_fault, Catch::Contains("snapshot over its 200 ms budget"));
}

TEST_CASE("a restore gives every rule its state even when another rule's saved state is malformed") {
  const std::string rules = R"(
rule { id = "a", from = { class_uid = 3002 }, by = { "user.name" }, window = { span = "1h" }, count = { gte = 100 } }
rule { id = "b", from = { class_uid = 3002 }, by = { "user.name" }, window = { span = "1h" }, count = { gte = 100 } }
)";
  auto first = load_text(rules);
  Feed feed = failures(5, 2);
  feed.run(*first);
  auto doc = nlohmann::json::parse(first->snapshot());
  doc["rules"]["a"]["groups"][0]["entries"] = "not a list";
  auto second = load_text(rules);
  REQUIRE(second->restore(doc.dump()));
  CHECK(second->stats("a").groups == 0);
  CHECK(second->stats("b").groups == 5);
}

TEST_CASE("beside the 20 hostile fixture files a native and a Lua control rule produce every finding across a "
          "snapshot and restore while every hostile rule is quarantined") {
  std::vector<Source> sources;
  for (const auto& entry : std::filesystem::directory_iterator(SIEMHUB_HOSTILE_RULES_DIR)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    sources.push_back({entry.path().filename().string(), text.str(), {}});
  }
  REQUIRE(sources.size() == 20);
  sources.push_back({"native.lua", R"(rule { id = "control.native", from = { class_uid = 3002, status_id = 2 },
    by = { "user.name" }, window = { span = "1h" }, count = { gte = 2 } })", {}});
  sources.push_back({"control.lua", R"(rule { id = "control.lua", from = { class_uid = 3002 }, by = { "user.name" },
    on_event = function(e, ctx)
      ctx.state.n = (ctx.state.n or 0) + 1
      if ctx.state.n % 3 == 0 then ctx.emit { message = "third" } end
    end })", {}});
  EngineOptions options;
  options.sandbox.memory_limit_bytes = 4u << 20;
  options.sandbox.instruction_budget = 100'000;
  options.quarantine_after = 3;
  std::string error;
  auto first = ParallelEngine::load(sources, options, 2, &error);
  INFO(error);
  REQUIRE(first != nullptr);
  Feed feed = failures(10, 18);
  const auto run = [&](ParallelEngine& engine, std::size_t from, std::size_t to) {
    std::vector<EventRef> refs;
    for (std::size_t i = from; i < to; ++i) refs.push_back({&feed.events[i], feed.ids[i]});
    return engine.process(refs);
  };
  LogCapture log;
  auto findings = run(*first, 0, 90);
  const std::string snapshot = first->snapshot();  // state_function's faults come with snapshots
  auto second = ParallelEngine::load(sources, options, 2, &error);
  REQUIRE(second != nullptr);
  REQUIRE(second->restore(snapshot));
  const auto rest = run(*second, 90, 180);
  findings.insert(findings.end(), rest.begin(), rest.end());
  CHECK(count_of(findings, "control.native") == 90);
  CHECK(count_of(findings, "control.lua") == 60);
  CHECK(findings.size() == 150);
  CHECK(first->stats("control.lua").faults == 0);
  for (const auto& info : first->rules()) {
    if (info.id.rfind("hostile.", 0) != 0) continue;
    const RuleStats s = first->stats(info.id);
    INFO(info.id << ": " << s.quarantine_reason);
    CHECK(s.quarantined);
    CHECK_THAT(s.quarantine_reason, Catch::Contains(info.id.substr(8) + ".lua:"));
  }
  CHECK(log.containing("flood flood") <= 2 * 2 * 20);  // engines x workers x print burst
}

TEST_CASE("a rule file's own sandboxed state costs tens of kilobytes") {
  auto one = load_files({{"a.lua", "rule { id = 'a', from = { class_uid = 3002 } }", {}}}, {});
  std::vector<Source> ten;
  for (int i = 0; i < 10; ++i)
    ten.push_back({"f" + std::to_string(i) + ".lua", "rule { id = 'r" + std::to_string(i) + "', from = { class_uid = 3002 } }", {}});
  auto many = load_files(std::move(ten), {});
  const std::size_t per_file = (many->memory_used() - one->memory_used()) / 9;
  CHECK(per_file < (64u << 10));
  CHECK(one->stats("a").memory_bytes == one->memory_used());
}

// --- lanes (issue 13: the native operators never wait on Lua) ------------------------------------

namespace {

// Two native rules around four that call Lua, one of each way in.
const char* kLaneRules = R"(
rule { id = "lane.native_count", from = { class_uid = 3002, status_id = 2 }, by = { "user.name" },
       window = { span = "10m" }, count = { gte = 3 } }
rule { id = "lane.where", from = { class_uid = 3002 }, where = function(e) return e.status_id == 2 end,
       by = { "user.name" }, window = { span = "10m" }, count = { gte = 3 } }
rule { id = "lane.custom", from = { class_uid = 3002 }, by = { "user.name" },
       on_event = function(e, ctx) end }
rule { id = "lane.native_distinct", from = { class_uid = 3002 }, by = { "user.name" }, window = { span = "10m" },
       distinct = { field = "src_endpoint.ip", gte = 2 } }
rule { id = "lane.having", from = { class_uid = 3002 }, by = { "user.name" }, window = { span = "10m" },
       count = { gte = 1 }, having = function(agg) return true end }
rule { id = "lane.emit", from = { class_uid = 3002 }, by = { "user.name" }, window = { span = "10m" },
       count = { gte = 1 }, emit = function(agg) return { message = "x" } end }
)";

std::vector<std::string> ids_of(const Engine& engine) {
  std::vector<std::string> out;
  for (const auto& r : engine.rules()) out.push_back(r.id);
  return out;
}

}  // namespace

TEST_CASE("an engine of the native lane keeps only the rules that never call Lua and the Lua lane the others",
          "[lua][isolation][lanes]") {
  EngineOptions native, lua;
  native.lane = Lane::native;
  lua.lane = Lane::lua;
  const auto all = load_text(kLaneRules);
  const auto n = load_text(kLaneRules, native);
  const auto l = load_text(kLaneRules, lua);
  CHECK(ids_of(*n) == std::vector<std::string>{"lane.native_count", "lane.native_distinct"});
  CHECK(ids_of(*l) == std::vector<std::string>{"lane.where", "lane.custom", "lane.having", "lane.emit"});
  CHECK(ids_of(*all).size() == 6);
  // The declaration order over both lanes, so the hub lists every rule once and in file order.
  std::vector<std::pair<std::size_t, std::string>> merged;
  for (const auto* e : {n.get(), l.get()})
    for (const auto& r : e->rules()) merged.emplace_back(r.order, r.id);
  std::sort(merged.begin(), merged.end());
  std::vector<std::string> in_order;
  for (const auto& [order, id] : merged) in_order.push_back(id);
  CHECK(in_order == ids_of(*all));
  for (const auto& r : n->rules()) CHECK(r.native);
  for (const auto& r : l->rules()) CHECK_FALSE(r.native);

  // The native lane's engine never enters Lua while it matches.
  Feed feed;
  for (int i = 0; i < 6; ++i) feed.add(auth(kT0 + i, "u", "10.0.0." + std::to_string(i), 2, "e" + std::to_string(i)));
  const std::uint64_t entries = n->lua_entries();
  const auto found = feed.run(*n);
  CHECK(n->lua_entries() == entries);
  CHECK(count_of(found, "lane.native_count") == 2);
  CHECK(count_of(found, "lane.native_distinct") == 3);
  const std::uint64_t lua_before = l->lua_entries();
  feed.run(*l);
  CHECK(l->lua_entries() > lua_before);
}

TEST_CASE("a rule id declared twice is refused even when the two rules fall in different lanes",
          "[lua][isolation][lanes]") {
  const std::string text = R"(
rule { id = "twice", from = { class_uid = 3002 }, by = { "user.name" }, window = { span = "1m" }, count = { gte = 2 } }
rule { id = "twice", from = { class_uid = 3002 }, on_event = function(e, ctx) end }
)";
  for (const Lane lane : {Lane::native, Lane::lua}) {
    EngineOptions o;
    o.lane = lane;
    std::string error;
    CHECK(Engine::load(std::vector<Source>{{"twice.lua", text, {}}}, o, &error) == nullptr);
    CHECK_THAT(error, Catch::Contains("twice.lua:3") && Catch::Contains("duplicate rule id 'twice'"));
  }
}

TEST_CASE("an interrupted engine fails its Lua calls without counting faults against the rules",
          "[lua][isolation][lanes]") {
  EngineOptions lua;
  lua.lane = Lane::lua;
  lua.quarantine_after = 1;
  const auto engine = load_text(kLaneRules, lua);
  Feed feed;
  for (int i = 0; i < 300; ++i) feed.add(auth(kT0 + i, "u" + std::to_string(i % 3), "10.0.0.1", 2, "e" + std::to_string(i)));
  engine->interrupt();
  const auto found = feed.run(*engine);
  CHECK(count_of(found, "lane.where") == 0);  // its predicate never ran
  for (const auto& r : engine->rules()) {
    const auto st = engine->stats(r.id);
    INFO(r.id);
    CHECK(st.faults == 0);
    CHECK_FALSE(st.quarantined);
  }
}
