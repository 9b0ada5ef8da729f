// When a pull source polls again after a failure, on the injectable clock: a real hub built in
// this process (Hub::build with a ManualClock and ManualTimers for the sources' next polls), the
// test plugin test.http-poll (tests/plugins/http_poll_plugin.cpp) polling a loopback fake API over
// real HTTP, and the file sink. Minutes of backoff are checked in milliseconds, at the exact clock
// time of every request the fake receives.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <future>
#include <mutex>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/timers.hpp"
#include "fakes/eventually.hpp"
#include "fakes/http_fake_server.hpp"
#include "fakes/temp_dir.hpp"
#include "pipeline/hub.hpp"
#include "unit/plugins/test_dirs.hpp"

using namespace siemhub;
using namespace siemhub::testing;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr int64_t kStart = 1'700'000'000'000;

// The fake vendor API: answers with what `answer` says, recording the clock time of each request.
struct FakeApi {
  core::ManualClock& clock;
  FakeHttpServer server;
  std::mutex mu;
  std::vector<int64_t> at;  // clock ms of each request
  std::vector<std::string> targets;
  std::function<FakeResponse(std::size_t index)> answer;

  explicit FakeApi(core::ManualClock& c) : clock(c) {
    server.set_handler([this](const RecordedRequest& r) {
      std::function<FakeResponse(std::size_t)> fn;
      std::size_t index = 0;
      {
        std::lock_guard lock(mu);
        at.push_back(clock.now_ms());
        targets.push_back(r.target);
        index = at.size() - 1;
        fn = answer;
      }
      return fn(index);
    });
  }
  std::vector<int64_t> times() {
    std::lock_guard lock(mu);
    return at;
  }
  std::size_t count() {
    std::lock_guard lock(mu);
    return at.size();
  }
};

FakeResponse status(int code, FakeHeaders headers = {}) {
  FakeResponse r;
  r.status = code;
  r.headers = std::move(headers);
  r.body = R"({"error":"no"})";
  return r;
}

FakeResponse events(int n, int first) {
  FakeResponse r;
  r.headers = {{"Content-Type", "application/x-ndjson"}};
  r.body.clear();
  for (int i = 0; i < n; ++i)
    r.body += R"({"class_uid":3002,"activity_id":1,"time":1700000000000,"user":{"name":"alice"},"metadata":{"product":{"name":"fake"},"uid":"e)" +
              std::to_string(first + i) + R"("}})" "\n";
  return r;
}

// A hub with the pull source `feed` (test.http-poll against the fake) and the file sink `out`.
struct RetryHub {
  TempDir dir;
  core::ManualClock clock{kStart};
  core::ManualTimers timers{clock};
  FakeApi api{clock};
  std::unique_ptr<pipeline::Hub> hub;

  RetryHub() {
    const fs::path plugins = dir / "plugins";
    fs::create_directories(plugins);
    fs::permissions(plugins, fs::perms(0755));
    install_test_plugin(plugins, "http_poll");
    const fs::path cfg = dir / "hub.yaml";
    std::ofstream(cfg) << "data_dir: " << (dir / "data").string() << "\n"
                       << "plugins:\n  dirs: [" << plugins.string() << "]\n"
                       << "connectors:\n"
                          "  feed:\n"
                          "    plugin: test.http-poll\n"
                          "    poll_interval_ms: 1000\n"
                          "    http: {egress_allow: [\"127.0.0.1:*\"]}\n"
                          "    config: {url: \"" << api.server.url("/logs") << "\"}\n"
                       << "  out:\n"
                          "    plugin: file\n"
                          "    config: {path: " << (dir / "out.ndjson").string() << "}\n"
                       << "routes:\n  - from: [feed]\n    to: [out]\n";
    auto loaded = config::load_config(cfg);
    REQUIRE(loaded.errors.empty());
    pipeline::HubOptions options;
    options.threads = 2;
    options.clock = &clock;
    options.source_timers = &timers;
    pipeline::HubErrors errors;
    hub = pipeline::Hub::build(std::move(*loaded.config), options, errors);
    for (const auto& line : errors.lines) UNSCOPED_INFO(line);
    REQUIRE(errors.lines.empty());
    REQUIRE(hub);
  }
  ~RetryHub() {
    if (hub) hub->stop(0);
  }

  // The source waits on its next poll's timer (nothing in flight): after `n` requests.
  void wait_idle_after(std::size_t n) {
    REQUIRE(eventually([&] { return api.count() >= n && timers.pending() == 1; }));
  }
  json feed_status() {
    const json all = hub->status();
    for (const auto& c : all["connectors"])
      if (c["name"] == "feed") return c;
    return {};
  }
  std::size_t lines_out() {
    std::ifstream in(dir / "out.ndjson");
    std::size_t n = 0;
    for (std::string line; std::getline(in, line);) n += !line.empty();
    return n;
  }
};

}  // namespace

TEST_CASE("A source answered 401 is polled at 0 60 180 and 420 s of the clock in its first 10 minutes and recovers by itself") {
  RetryHub h;
  std::atomic<bool> accept{false};
  h.api.answer = [&](std::size_t index) {
    if (!accept) return status(401);
    return index == 4 ? events(2, 0) : events(0, 0);
  };
  REQUIRE(h.hub->start().empty());

  // Every failed poll leaves one timer: move the clock to it, until ten minutes have passed.
  std::size_t polls = 1;
  h.wait_idle_after(polls);
  while (*h.timers.next_due() - kStart < 600'000) {
    const json st = h.feed_status();
    CHECK(st["health"]["state"] == "down");
    CHECK(st["health"]["reason"].get<std::string>().find("poll failed (auth): HTTP 401") != std::string::npos);
    CHECK(st["last_error_category"] == "auth");
    CHECK(st["retry_count"] == polls);
    CHECK(st["next_attempt_ms"] == *h.timers.next_due());
    REQUIRE(h.timers.run_next());
    h.wait_idle_after(++polls);
  }
  const auto t = h.api.times();
  REQUIRE(t.size() == 4);
  // 60 s doubling (auth: the connector needs a person), each delay ± 5 %.
  CHECK(t[0] == kStart);
  CHECK(t[1] - t[0] >= 57'000);
  CHECK(t[1] - t[0] <= 63'000);
  CHECK(t[2] - t[1] >= 114'000);
  CHECK(t[2] - t[1] <= 126'000);
  CHECK(t[3] - t[2] >= 228'000);
  CHECK(t[3] - t[2] <= 252'000);
  CHECK(t[2] - kStart >= 180'000 - 9'000);
  CHECK(t[2] - kStart <= 180'000 + 9'000);
  CHECK(t[3] - kStart >= 420'000 - 21'000);
  CHECK(t[3] - kStart <= 420'000 + 21'000);
  // The next attempt is after the ten minutes: 480 s after the fourth, ± 5 %.
  CHECK(*h.timers.next_due() - t[3] >= 456'000);
  CHECK(*h.timers.next_due() - t[3] <= 504'000);

  // The token is fixed: the next scheduled poll succeeds, with nobody restarting anything.
  accept = true;
  REQUIRE(h.timers.run_next());
  REQUIRE(eventually([&] { return h.lines_out() == 2; }));
  h.wait_idle_after(6);  // the full page is followed at once by an empty poll, then it waits
  const json st = h.feed_status();
  CHECK(st["health"]["state"] == "ok");
  CHECK_FALSE(st.contains("retry_count"));
  CHECK_FALSE(st.contains("last_error"));
  CHECK_FALSE(st.contains("next_attempt_ms"));
  // An empty poll waits the connector's poll_interval_ms (1000 ms ± 10 %).
  CHECK(*h.timers.next_due() - h.clock.now_ms() >= 900);
  CHECK(*h.timers.next_due() - h.clock.now_ms() <= 1100);
}

TEST_CASE("A source answered 429 with Retry-After 7 is polled again after exactly 7 s and not sooner") {
  RetryHub h;
  h.api.answer = [&](std::size_t index) {
    if (index == 0) return status(429, {{"Retry-After", "7"}});
    return index == 1 ? events(3, 0) : events(0, 0);
  };
  REQUIRE(h.hub->start().empty());
  h.wait_idle_after(1);
  CHECK(*h.timers.next_due() == kStart + 7'000);
  const json st = h.feed_status();
  CHECK(st["health"]["state"] == "degraded");
  CHECK(st["last_error_category"] == "rate_limit");
  // Nothing is due before: moving the clock 6.999 s runs no poll.
  h.timers.advance(6'999);
  CHECK(h.api.count() == 1);
  CHECK(h.timers.pending() == 1);
  h.timers.advance(1);
  REQUIRE(eventually([&] { return h.lines_out() == 3; }));
  const auto t = h.api.times();
  REQUIRE(t.size() >= 2);
  CHECK(t[1] - t[0] == 7'000);
  h.wait_idle_after(3);
  CHECK(h.feed_status()["health"]["state"] == "ok");
}

TEST_CASE("A reset cursor is durable before the source polls from it at once") {
  RetryHub h;
  h.api.answer = [&](std::size_t index) { return index == 0 ? events(2, 0) : events(0, 0); };
  REQUIRE(h.hub->start().empty());
  h.wait_idle_after(2);  // a page, then an empty poll: it waits on its interval
  CHECK(h.hub->cursor_show("feed")["cursor"] == "page=1");
  const int64_t now = h.clock.now_ms();
  std::promise<std::pair<json, std::string>> answered;
  h.hub->cursor_reset("feed", "", [&](json result, std::string error) { answered.set_value({result, error}); });
  const auto [reset, error] = answered.get_future().get();
  CHECK(error.empty());
  CHECK(reset["previous"] == "page=1");
  CHECK(reset["cursor"] == "");
  CHECK(h.hub->cursor_show("feed")["cursor"] == "");
  // It polled at once, from the start (no ?cursor=), without waiting for its interval.
  h.wait_idle_after(3);
  CHECK(h.api.times()[2] == now);
  std::lock_guard lock(h.api.mu);
  CHECK(h.api.targets[1] == "/logs?cursor=page=1");
  CHECK(h.api.targets[2] == "/logs");
}

TEST_CASE("Cursor show and reset of a connector that is not a pull source is not found") {
  RetryHub h;
  REQUIRE(h.hub->start().empty());
  CHECK_THROWS_AS(h.hub->cursor_show("out"), admin::NotFound);
  bool called = false;
  CHECK_THROWS_AS(h.hub->cursor_reset("nope", "", [&](json, std::string) { called = true; }), admin::NotFound);
  CHECK_FALSE(called);
}
