#include "helpers.hpp"

using namespace siemhub::lua;
using namespace siemhub::lua::testing;

#include "core/log.hpp"

#include <chrono>

namespace {

// A rule whose `where` runs `body`, next to a plain rule that must keep working.
void check_contained(const std::string& body, const std::string& fault_text) {
  EngineOptions options;
  options.sandbox.instruction_budget = 200'000;
  options.sandbox.memory_limit_bytes = 16u << 20;
  options.quarantine_after = 3;
  auto engine = load_text(R"(
rule { id = "bad", where = function(e) )" + body + R"( return true end }
rule { id = "good", from = { class_uid = 3002 } }
)", options);
  Feed feed;
  for (int i = 0; i < 5; ++i) feed.add(auth(kT0 + i, "alice", "10.0.0.1", 2));
  const auto start = std::chrono::steady_clock::now();
  const auto findings = feed.run(*engine);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(elapsed < std::chrono::seconds(5));
  const RuleStats bad = engine->stats("bad");
  CHECK(bad.faults == 3);
  CHECK(bad.quarantined);
  CHECK_THAT(bad.last_fault, Catch::Contains(fault_text));
  CHECK(findings.size() == 5);
  for (const auto& f : findings) CHECK(f.rule_id == "good");
  CHECK(engine->stats("good").findings == 5);
}

}  // namespace

TEST_CASE("an endless loop is stopped by the instruction budget and the rule is quarantined") {
  check_contained("while true do end", "instruction budget exceeded");
}

TEST_CASE("a memory bomb hits the memory cap and the rule is quarantined") {
  check_contained("local t = {} for i = 1, 1e9 do t[i] = ('x'):rep(1000) .. i end", "memory limit exceeded");
}

TEST_CASE("os.execute is not reachable from a rule") {
  check_contained("os.execute('touch /tmp/siemhub-pwned')", "os");
}

TEST_CASE("io.open is not reachable from a rule") {
  check_contained("io.open('/etc/passwd')", "io");
}

TEST_CASE("string.dump is not reachable from a rule") {
  check_contained("string.dump(function() end)", "dump");
}

TEST_CASE("a catastrophic pattern is refused before it runs") {
  check_contained("string.find(('a'):rep(25) .. 'b', ('a*'):rep(12) .. 'c')", "pattern too complex");
}

TEST_CASE("a rule that errors on every call is quarantined with its line") {
  check_contained("error('boom')", "test.lua:2");
}

TEST_CASE("the string metatable is locked") {
  check_contained("getmetatable('').__index = {}", "index");
}

TEST_CASE("bytecode cannot be loaded") {
  check_contained("assert(load('\\27Lua'))", "binary chunk");
}

TEST_CASE("globals are read-only after load") {
  check_contained("counter = 1", "read-only");
}

TEST_CASE("ordinary patterns, load of text and spairs still work") {
  auto engine = load_text(R"(
local f = load("return 40 + 2")
rule { id = "ok", where = function(e)
  local keys = {}
  for k in spairs({ b = 1, a = 2, c = 3 }) do keys[#keys + 1] = k end
  return f() == 42 and table.concat(keys) == "abc" and e["user.name"]:match("^(%w+)$") == "alice"
    and e.src_endpoint.ip == "10.0.0.1" and e.user.name:upper() == "ALICE"
    and ("x 1.2.3.4 "):rep(400):match("%d+%.%d+%.%d+%.%d+") == "1.2.3.4"
end }
)");
  Feed feed;
  feed.add(auth(kT0, "alice", "10.0.0.1", 2));
  CHECK(feed.run(*engine).size() == 1);
  CHECK(engine->stats("ok").faults == 0);
}

TEST_CASE("an event kept from an earlier batch refuses to be read") {
  auto engine = load_text(R"(
local kept = {}
rule { id = "keeper", on_event = function(e, ctx)
  if kept[1] then local _ = kept[1].time end
  kept[1] = e
end }
)");
  Feed feed;
  feed.add(auth(kT0, "alice", "10.0.0.1", 2));
  feed.add(auth(kT0 + 1, "alice", "10.0.0.1", 2));
  feed.run(*engine, 0, 1);
  feed.run(*engine, 1, 2);
  CHECK_THAT(engine->stats("keeper").last_fault, Catch::Contains("after its batch"));
}

TEST_CASE("require loads only siemhub modules from the rule library") {
  EngineOptions options;
  options.sandbox.lib_dir = std::string(SIEMHUB_LUA_SCRIPTS_DIR) + "/lib";
  auto engine = load_text(R"(
local util = require("siemhub.util")
rule { id = "req", where = function(e) return util.window_count({1, 2, 3}, 3, 2) == 2 end }
)", options);
  Feed feed;
  feed.add(auth(kT0, "alice", "10.0.0.1", 2));
  CHECK(feed.run(*engine).size() == 1);
  std::string error;
  auto refused = Engine::load(std::vector<Source>{{"r.lua", "require('os')", {}}}, options, &error);
  CHECK(refused == nullptr);
  CHECK_THAT(error, Catch::Contains("not found"));
}

TEST_CASE("a fault is logged with the rule id and the line") {
  std::vector<std::string> lines;
  siemhub::core::Log::set_sink([&](const siemhub::core::LogRecord&, const std::string& line) { lines.push_back(line); });
  auto engine = load_text("rule { id = \"noisy\", where = function(e)\n  error('boom')\nend }\n");
  Feed feed;
  feed.add(auth(kT0, "alice", "10.0.0.1", 2));
  feed.run(*engine);
  siemhub::core::Log::reset_sink();
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines[0], Catch::Contains("noisy") && Catch::Contains("test.lua:2") && Catch::Contains("boom"));
}

TEST_CASE("a file that loops while it loads fails to load within the budget") {
  EngineOptions options;
  options.sandbox.instruction_budget = 100'000;
  std::string error;
  auto engine = Engine::load(std::vector<Source>{{"loop.lua", "while true do end", {}}}, options, &error);
  CHECK(engine == nullptr);
  CHECK_THAT(error, Catch::Contains("loop.lua") && Catch::Contains("instruction budget exceeded"));
}

TEST_CASE("setmetatable works but refuses finalizers") {
  auto engine = load_text(R"(
local proxy = setmetatable({}, { __index = function(_, k) return k .. "!" end })
rule { id = "meta", where = function(e)
  local s = ("a-b"):gsub("%-", "+")
  for w in ("x y"):gmatch("%a") do s = s .. w end
  return proxy.hi == "hi!" and s == "a+bxy" and string.find("abc", "b", 1, true) == 2
end }
rule { id = "gc", where = function(e) setmetatable({}, { __gc = function() end }) return true end }
)");
  Feed feed;
  feed.add(auth(kT0, "alice", "10.0.0.1", 2));
  const auto findings = feed.run(*engine);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].rule_id == "meta");
  CHECK_THAT(engine->stats("gc").last_fault, Catch::Contains("__gc"));
}
