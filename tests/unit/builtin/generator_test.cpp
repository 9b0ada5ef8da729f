// The built-in `generator` source, driven through plugins::Connector with real host services and
// a manual clock: determinism, cursor semantics, OCSF validity, the scenario of every cycle, and
// pacing.
#include <catch2/catch.hpp>

#include <chrono>

#include "builtin/generator.hpp"
#include "connector_env.hpp"
#include "ocsf/event.hpp"
#include "ocsf/validate.hpp"

using namespace siemhub;
using builtin::Generator;
using nlohmann::json;
using testing::BuiltinEnv;
using testing::poll;

namespace {

// Polls `conn` from an empty cursor until it has `n` events, following the cursor it sets.
std::vector<std::string> take(const std::shared_ptr<plugins::Connector>& conn, size_t n, std::string cursor = "") {
  std::vector<std::string> out;
  while (out.size() < n) {
    auto r = poll(conn, cursor);
    INFO(r.status.message);
    REQUIRE(r.status.ok());
    REQUIRE(r.cursor.has_value());
    REQUIRE_FALSE(r.events.empty());
    out.insert(out.end(), r.events.begin(), r.events.end());
    cursor = *r.cursor;
  }
  out.resize(n);
  return out;
}

// The event without its metadata.uid (which names the seed): what the seed really decides.
json content(const std::string& text) {
  json j = json::parse(text);
  j["metadata"].erase("uid");
  return j;
}

}  // namespace

TEST_CASE("the generator gives the same events for the same seed and different events for another seed", "[generator]") {
  BuiltinEnv e;
  const auto a = take(e.make<Generator>({{"seed", 7}, {"interval_ms", 0}}, "a"), 1000);
  const auto b = take(e.make<Generator>({{"seed", 7}, {"interval_ms", 0}}, "b"), 1000);
  const auto c = take(e.make<Generator>({{"seed", 8}, {"interval_ms", 0}}, "c"), 1000);
  CHECK(a == b);
  int differ = 0;
  for (size_t i = 0; i < a.size(); ++i)
    if (content(a[i]) != content(c[i])) ++differ;
  CHECK(differ > 900);  // all background traffic differs; only the fixed scenario events coincide
}

TEST_CASE("generator event i does not depend on the batch size that polled it", "[generator]") {
  BuiltinEnv e;
  const auto small = take(e.make<Generator>({{"seed", 3}, {"batch_size", 7}, {"interval_ms", 0}}, "small"), 1400);
  const auto large = take(e.make<Generator>({{"seed", 3}, {"batch_size", 100}, {"interval_ms", 0}}, "large"), 1400);
  CHECK(small == large);
  for (size_t i = 0; i < small.size(); i += 97) CHECK(small[i] == builtin::generate_event(3, i, e.clock.now_ms()));
}

TEST_CASE("every one of the first 3000 generated events is valid OCSF", "[generator]") {
  BuiltinEnv e;
  const auto events = take(e.make<Generator>({{"seed", 42}, {"batch_size", 1000}, {"interval_ms", 0}}), 3000);
  size_t invalid = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    const auto violations = ocsf::validate(ocsf::Event::parse(events[i]));
    if (!violations.empty()) {
      ++invalid;
      if (invalid <= 3) {  // a few examples, not thousands of lines
        INFO("event " << i << ": " << events[i]);
        INFO("first violation: " << violations.front().to_string());
        CHECK(violations.empty());
      }
    }
  }
  CHECK(invalid == 0);
}

TEST_CASE("every 1000-event cycle holds the brute-force burst the bad-IP connections and the Office child process", "[generator]") {
  BuiltinEnv e;
  const auto events = take(e.make<Generator>({{"seed", 42}, {"batch_size", 1000}, {"interval_ms", 0}}), 3000);
  for (size_t cycle = 0; cycle < 3; ++cycle) {
    INFO("cycle " << cycle);
    std::vector<json> evs;
    for (size_t i = cycle * 1000; i < (cycle + 1) * 1000; ++i) evs.push_back(json::parse(events[i]));

    auto admin_logon = [](const json& j, int status) {
      return j["class_uid"] == 3002 && j["user"]["name"] == "admin" && j["src_endpoint"]["ip"] == "203.0.113.66" &&
             j["status_id"] == status;
    };
    // 12 failures in a row for admin from 203.0.113.66, then a success.
    bool burst = false;
    for (size_t i = 0; i + 12 < evs.size() && !burst; ++i) {
      bool run = true;
      for (size_t k = 0; k < 12 && run; ++k) run = admin_logon(evs[i + k], 2);
      burst = run && admin_logon(evs[i + 12], 1) && (i == 0 || !admin_logon(evs[i - 1], 2));
    }
    CHECK(burst);

    int bad_ip = 0, office_child = 0;
    for (const auto& j : evs) {
      if (j["class_uid"] == 4001 && j["dst_endpoint"]["ip"] == "198.51.100.23") ++bad_ip;
      if (j["class_uid"] == 1007 && j["process"]["name"] == "powershell.exe" &&
          j["process"]["parent_process"]["name"] == "WINWORD.EXE")
        ++office_child;
    }
    CHECK(bad_ip >= 1);
    CHECK(office_child >= 1);
  }
}

TEST_CASE("the generator stops after total events and then polls idle", "[generator]") {
  BuiltinEnv e;
  auto conn = e.make<Generator>({{"seed", 1}, {"batch_size", 100}, {"interval_ms", 0}, {"total", 250}});
  std::string cursor;
  std::vector<size_t> sizes;
  for (int i = 0; i < 3; ++i) {
    auto r = poll(conn, cursor);
    REQUIRE(r.status.ok());
    REQUIRE(r.cursor.has_value());
    sizes.push_back(r.events.size());
    cursor = *r.cursor;
  }
  CHECK(sizes == std::vector<size_t>{100, 100, 50});
  CHECK(cursor == "250");
  for (int i = 0; i < 2; ++i) {
    auto r = poll(conn, cursor);
    CHECK(r.status.ok());
    CHECK(r.events.empty());
    CHECK_FALSE(r.cursor.has_value());  // nothing new: the committed cursor stays
  }
}

TEST_CASE("the generator resumes exactly at its cursor in a new instance", "[generator]") {
  BuiltinEnv e;
  const json cfg{{"seed", 11}, {"batch_size", 50}, {"interval_ms", 0}, {"start_time_ms", 1600000000000}};
  const auto whole = take(e.make<Generator>(cfg, "whole"), 300);

  auto first = e.make<Generator>(cfg, "first");
  auto r = poll(first, "");
  REQUIRE(r.cursor == "50");
  r = poll(first, *r.cursor);
  REQUIRE(r.cursor == "100");
  e.discard(first);  // as after a restart: only the committed cursor survives
  const auto rest = take(e.make<Generator>(cfg, "second"), 200, "100");
  CHECK(rest == std::vector<std::string>(whole.begin() + 100, whole.end()));
  CHECK(json::parse(rest.front())["metadata"]["uid"] == "gen-11-100");

  // Any cursor, not only a batch boundary.
  const auto odd = take(e.make<Generator>(cfg, "odd"), 10, "137");
  CHECK(odd == std::vector<std::string>(whole.begin() + 137, whole.begin() + 147));
}

TEST_CASE("start_time_ms and time_step_ms give event times independent of the clock", "[generator]") {
  BuiltinEnv e;
  const json cfg{{"seed", 5}, {"batch_size", 40}, {"interval_ms", 0}, {"start_time_ms", 1600000000000},
                 {"time_step_ms", 250}};
  const auto a = take(e.make<Generator>(cfg, "a"), 120);
  e.clock.advance(3'600'000);
  const auto b = take(e.make<Generator>(cfg, "b"), 120);
  CHECK(a == b);
  for (size_t i = 0; i < a.size(); ++i) CHECK(json::parse(a[i])["time"] == 1600000000000 + 250 * int64_t(i));

  // Without start_time_ms every event of a poll carries the host clock.
  auto now = e.make<Generator>({{"seed", 5}, {"batch_size", 5}, {"interval_ms", 0}}, "clocked");
  const auto r = poll(now, "");
  for (const auto& ev : r.events) CHECK(json::parse(ev)["time"] == e.clock.now_ms());
}

TEST_CASE("a poll that comes before interval_ms has passed completes later from a timer", "[generator]") {
  BuiltinEnv e;
  SECTION("the deferred poll completes once the interval has passed, with the next events") {
    auto conn = e.make<Generator>({{"seed", 9}, {"batch_size", 10}, {"interval_ms", 300}});
    auto r1 = poll(conn, "");
    REQUIRE(r1.events.size() == 10);
    const auto t0 = std::chrono::steady_clock::now();
    auto r2 = poll(conn, *r1.cursor);
    const auto waited = std::chrono::steady_clock::now() - t0;
    CHECK(r2.status.ok());
    CHECK(r2.cursor == "20");
    REQUIRE(r2.events.size() == 10);
    CHECK(r2.events[0] == builtin::generate_event(9, 10, e.clock.now_ms()));
    CHECK(waited >= std::chrono::milliseconds(250));  // held by the 300 ms timer
  }
  SECTION("a deferred poll is still pending at the host deadline and an advanced clock lets the next one through") {
    auto conn = e.make<Generator>({{"seed", 9}, {"batch_size", 10}, {"interval_ms", 3'600'000}});
    auto r1 = poll(conn, "");
    REQUIRE(r1.events.size() == 10);
    auto r2 = poll(conn, *r1.cursor, 100000, 200);  // the generator waits an hour: the host gives up
    CHECK(r2.status.category == SIEMHUB_CAT_TIMEOUT);
    CHECK(r2.events.empty());
    e.clock.advance(3'600'000);
    auto r3 = poll(conn, *r1.cursor, 100000, 5000);
    CHECK(r3.status.ok());
    CHECK(r3.cursor == "20");
    CHECK(r3.events.size() == 10);
  }
}
