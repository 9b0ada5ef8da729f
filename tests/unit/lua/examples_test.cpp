// The shipped example rules in scripts/lua/rules/, against the scenarios of the design mock.
#include "helpers.hpp"

using namespace siemhub::lua;
using namespace siemhub::lua::testing;

namespace {

std::unique_ptr<Engine> load_examples() {
  const std::string dir = std::string(SIEMHUB_LUA_SCRIPTS_DIR) + "/rules/";
  std::string error;
  auto engine = Engine::load({dir + "bruteforce_then_success.lua", dir + "password_spray.lua"}, {}, &error);
  INFO(error);
  REQUIRE(engine != nullptr);
  return engine;
}

void brute_force(Feed& feed, std::int64_t start, int failures, std::int64_t success_after) {
  for (int i = 0; i < failures; ++i) feed.add(auth(start + i * 10'000, "alice", "198.51.100.10", 2));
  feed.add(auth(start + success_after, "alice", "198.51.100.10", 1));
}

}  // namespace

TEST_CASE("the example rules load with their metadata") {
  auto engine = load_examples();
  const auto rules = engine->rules();
  REQUIRE(rules.size() == 2);
  CHECK(rules[0].id == "corr.auth.bruteforce_then_success");
  CHECK(rules[1].id == "corr.auth.password_spray");
}

TEST_CASE("twelve failures then a success fire the brute force rule once") {
  auto engine = load_examples();
  Feed feed;
  brute_force(feed, kT0, 12, 4 * kMin);
  feed.add(auth(kT0 + 4 * kMin + 1000, "alice", "198.51.100.10", 1));  // a second success
  const auto findings = feed.run(*engine);
  REQUIRE(findings.size() == 1);
  const auto f = parsed(findings[0]);
  CHECK(f["message"] == "12 failed logons then a success for alice from 198.51.100.10");
  CHECK(f["count"] == 13);
  CHECK(f["finding_info"]["first_seen_time"] == kT0);
  CHECK(f["unmapped"]["entities"]["user"] == "alice");
}

TEST_CASE("a success after the failures left the window does not fire the brute force rule") {
  auto engine = load_examples();
  Feed feed;
  brute_force(feed, kT0, 12, 15 * kMin);
  CHECK(feed.run(*engine).empty());
}

TEST_CASE("a repeat brute force within the suppression period is suppressed") {
  auto engine = load_examples();
  Feed feed;
  brute_force(feed, kT0, 12, 4 * kMin);
  brute_force(feed, kT0 + 18 * kMin, 12, 4 * kMin);
  CHECK(feed.run(*engine).size() == 1);
  CHECK(engine->stats("corr.auth.bruteforce_then_success").suppressed == 1);
}

TEST_CASE("twenty accounts failing once from one source fire the spray rule") {
  auto engine = load_examples();
  Feed feed;
  for (int i = 0; i < 20; ++i) feed.add(auth(kT0 + i * 30'000, "user" + std::to_string(i), "203.0.113.5", 2));
  const auto findings = feed.run(*engine);
  REQUIRE(findings.size() == 1);
  CHECK(parsed(findings[0])["message"] == "20 accounts tried from 203.0.113.5 (20 failures, max 1 per account)");
}

TEST_CASE("twenty-five accounts failing five times each do not fire the spray rule") {
  auto engine = load_examples();
  Feed feed;
  for (int u = 0; u < 25; ++u)
    for (int k = 0; k < 5; ++k) feed.add(auth(kT0 + (u * 5 + k) * 1000, "user" + std::to_string(u), "203.0.113.5", 2));
  CHECK(feed.run(*engine).empty());
}
