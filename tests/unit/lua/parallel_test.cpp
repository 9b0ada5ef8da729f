// ParallelEngine: the state of each (rule, key) on one worker, the findings those of one engine.
#include "helpers.hpp"

#include "core/metrics.hpp"
#include "lua/parallel.hpp"

using namespace siemhub;
using namespace siemhub::lua;
using namespace siemhub::lua::testing;

namespace {

// Count, distinct, custom on_event with emit, a Lua where predicate and having: every path.
const char* kRules = R"(
rule { id = "p.count", from = { class_uid = 3002, status_id = 2 }, by = { "user.name" },
       window = { span = "10m" }, count = { gte = 4 }, suppress = "1m" }
rule { id = "p.spray", from = { class_uid = 3002, status_id = 2 }, by = { "src_endpoint.ip" },
       window = { span = "15m" }, distinct = { field = "user.name", gte = 6 } }
rule { id = "p.tumble", from = { class_uid = 3002 }, by = { "src_endpoint.ip", "user.name" },
       window = { span = "5m", kind = "tumbling" }, count = { gte = 3 }, on_match = "keep",
       having = function(agg) return agg.count % 2 == 1 end }
rule { id = "p.custom", from = { class_uid = 3002 }, by = { "user.name" },
       where = function(e) return e.user.name ~= "u7" end,
       on_event = function(e, ctx)
         local s = ctx.state
         s.n = (s.n or 0) + 1
         if e.status_id == 1 and s.n >= 3 then ctx.emit { message = "success after " .. s.n }; s.n = 0 end
       end }
)";

Feed busy_feed(int n) {
  Feed feed;
  for (int i = 0; i < n; ++i)
    feed.add(auth(kT0 + i * 1'500, "u" + std::to_string(i % 23), "10.1." + std::to_string(i % 11) + ".9",
                  i % 9 == 0 ? 1 : 2, "e" + std::to_string(i)));
  return feed;
}

std::unique_ptr<ParallelEngine> load_parallel(unsigned workers, const char* text = kRules, EngineOptions options = {}) {
  std::string error;
  auto engine = ParallelEngine::load(std::vector<Source>{{"p.lua", text, {}}}, std::move(options), workers, &error);
  INFO(error);
  REQUIRE(engine != nullptr);
  REQUIRE(engine->workers() == workers);
  return engine;
}

// Runs the feed in batches of `batch` events; returns "rule/uid" and the finding texts.
std::vector<std::string> run(ParallelEngine& engine, Feed& feed, std::size_t batch, std::size_t from = 0,
                             std::size_t to = SIZE_MAX) {
  std::vector<std::string> out;
  to = std::min(to, feed.events.size());
  for (std::size_t start = from; start < to; start += batch) {
    std::vector<EventRef> refs;
    for (std::size_t i = start; i < start + batch && i < to; ++i) refs.push_back({&feed.events[i], feed.ids[i]});
    for (const auto& f : engine.process(refs)) out.push_back(f.rule_id + "/" + f.uid + " " + f.json);
  }
  return out;
}

std::vector<std::string> reference(Feed& feed) {
  auto one = load_text(kRules);
  std::vector<std::string> out;
  for (std::size_t start = 0; start < feed.events.size(); start += 1000)
    for (const auto& f : feed.run(*one, start, start + 1000)) out.push_back(f.rule_id + "/" + f.uid + " " + f.json);
  return out;
}

}  // namespace

TEST_CASE("two and three workers produce exactly the findings of one engine, in the same order") {
  Feed feed = busy_feed(6000);
  const auto expected = reference(feed);
  REQUIRE(expected.size() > 100);
  for (const unsigned workers : {2u, 3u}) {
    INFO(workers << " workers");
    auto parallel = load_parallel(workers);
    CHECK(run(*parallel, feed, 1000) == expected);  // batches big enough to hand off
  }
}

TEST_CASE("small batches run on the calling thread and still match one engine") {
  Feed feed = busy_feed(3000);
  const auto expected = reference(feed);
  auto parallel = load_parallel(2);
  CHECK(run(*parallel, feed, ParallelEngine::kParallelFrom / 4) == expected);
}

TEST_CASE("each worker keeps only its own groups and the stats add up to one engine's") {
  Feed feed = busy_feed(4000);
  auto one = load_text(kRules);
  for (std::size_t start = 0; start < feed.events.size(); start += 1000) feed.run(*one, start, start + 1000);
  auto parallel = load_parallel(2);
  run(*parallel, feed, 1000);
  for (const char* id : {"p.count", "p.spray", "p.tumble", "p.custom"}) {
    INFO(id);
    const RuleStats a = one->stats(id), b = parallel->stats(id);
    CHECK(b.matched == a.matched);
    CHECK(b.findings == a.findings);
    CHECK(b.suppressed == a.suppressed);
    CHECK(b.groups == a.groups);
    CHECK(b.lua_calls == a.lua_calls);
  }
  // The groups are split: a snapshot of the two workers holds each group once.
  const auto snap = nlohmann::json::parse(parallel->snapshot());
  CHECK(snap["rules"]["p.count"]["groups"].size() == one->stats("p.count").groups);
}

TEST_CASE("a snapshot of two workers restores into one worker and into three with the same findings") {
  Feed feed = busy_feed(4000);
  const auto expected = reference(feed);
  for (const unsigned after : {1u, 3u}) {
    INFO("restored into " << after);
    auto first = load_parallel(2);
    auto got = run(*first, feed, 1000, 0, 2000);
    const std::string snapshot = first->snapshot();
    first.reset();
    auto second = load_parallel(after);
    REQUIRE(second->restore(snapshot));
    for (auto& s : run(*second, feed, 1000, 2000)) got.push_back(std::move(s));
    CHECK(got == expected);
  }
}

TEST_CASE("a rule that faults on one worker is quarantined on every worker and the others keep firing") {
  // It fails for exactly the users whose groups worker 0 owns: worker 1 alone would never
  // quarantine it.
  std::string doomed;
  for (int u = 0; u < 23; ++u)
    if (shard_of("p.bad", "u" + std::to_string(u), 2) == 0) doomed += "[\"u" + std::to_string(u) + "\"] = true, ";
  REQUIRE_FALSE(doomed.empty());
  const std::string rules = std::string(kRules) + "local doomed = { " + doomed + R"(}
rule { id = "p.bad", from = { class_uid = 3002 }, by = { "user.name" },
       on_event = function(e, ctx) if doomed[e.user.name] then error("boom") end end }
)";
  EngineOptions options;
  options.quarantine_after = 3;
  auto parallel = load_parallel(2, rules.c_str(), options);
  Feed feed = busy_feed(2000);
  run(*parallel, feed, 1000);
  const RuleStats bad = parallel->stats("p.bad");
  CHECK(bad.quarantined);
  CHECK(bad.faults == 3);
  CHECK(bad.last_fault.find("boom") != std::string::npos);
  CHECK(parallel->stats("p.count").findings > 0);
  CHECK_FALSE(parallel->stats("p.count").quarantined);
  // Quarantined on both workers: later batches do not call it at all.
  const auto calls = bad.lua_calls;
  run(*parallel, feed, 1000);
  CHECK(parallel->stats("p.bad").lua_calls == calls);
}

TEST_CASE("metrics of a parallel engine are the sums over its workers") {
  auto parallel = load_parallel(2);
  Feed feed = busy_feed(3000);
  run(*parallel, feed, 1000);
  core::MetricsRegistry registry;
  parallel->export_metrics(registry);
  const std::string text = registry.render_prometheus();
  const auto groups = parallel->stats("p.count").groups;
  CHECK(text.find("siemhub_lua_rule_groups{rule=\"p.count\"} " + std::to_string(groups)) != std::string::npos);
  CHECK(text.find("siemhub_lua_rule_findings_total{rule=\"p.count\"} " +
                  std::to_string(parallel->stats("p.count").findings)) != std::string::npos);
}
