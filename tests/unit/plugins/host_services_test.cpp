#include <catch2/catch.hpp>

#include <dlfcn.h>

#include <algorithm>
#include <condition_variable>
#include <future>
#include <mutex>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "fakes/eventually.hpp"
#include "fakes/http_fake_server.hpp"
#include "core/metrics.hpp"
#include "core/runtime.hpp"
#include "http/http_service.hpp"
#include "plugins/connector.hpp"
#include "plugins/loader.hpp"
#include "siemhub/plugin.hpp"
#include "test_dirs.hpp"

using namespace siemhub;
using plugins::Connector;
using plugins::OpResult;

namespace {

// Everything a connector needs, with a manual clock.
struct Env {
  core::Runtime runtime{2, 1};
  core::ManualClock clock;
  http::HttpService http;
  core::MemoryKvStore kv;
  core::MetricsRegistry metrics;
  plugins::HostEnvironment env{runtime, clock, http, kv, metrics};
  Env() { runtime.start(); }
  ~Env() { runtime.stop(); }
};

template <class Call>
OpResult wait_op(Call&& call) {
  std::promise<OpResult> p;
  auto f = p.get_future();
  call([&p](OpResult r) { p.set_value(std::move(r)); });
  REQUIRE(f.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  return f.get();
}

// In-process plugins written with the C++ layer, registered as built-ins.
class Stalling {
 public:
  static constexpr char id[] = "test.stalling";
  static constexpr char version[] = "1.0.0";
  Stalling(sdk::Host, const nlohmann::json&) {}
  void poll(sdk::PullOp& op) { kept_.push_back(op.defer()); }  // never completes
 private:
  std::vector<sdk::PullOp> kept_;
};

class Throwing {
 public:
  static constexpr char id[] = "test.throwing";
  static constexpr char version[] = "1.0.0";
  Throwing(sdk::Host, const nlohmann::json&) {}
  void write(sdk::SinkOp&, const sdk::Batch&) { throw std::runtime_error("disk on fire"); }
};

class Stateful {
 public:
  static constexpr char id[] = "test.stateful";
  static constexpr char version[] = "1.0.0";
  Stateful(sdk::Host host, const nlohmann::json&) : host_(host) {}
  void poll(sdk::PullOp& op) {
    const auto seen = host_.kv_get("polls");
    const int n = seen ? std::stoi(*seen) + 1 : 1;
    host_.kv_put("polls", std::to_string(n));
    host_.counter("polls_total", "polls so far").record(1);
    op.emit({R"({"n":)" + std::to_string(n) + "}"});
    // Complete later, from a timer, to exercise deferred completion on the strand.
    auto later = op.defer();
    host_.timer(1, false, [later] { later.complete(); });
  }

 private:
  sdk::Host host_;
};

// Starts a request on every poll to a server that answers only after a minute; the completion
// says how it ended. `alive` tells whether the plugin instance still existed when it ran.
struct HttpRecord {
  std::mutex mu;
  std::vector<std::string> outcomes;
  bool instance_alive_at_completion = false;
  std::string url;
};
HttpRecord g_http;

class SlowHttp {
 public:
  static constexpr char id[] = "test.slow_http";
  static constexpr char version[] = "1.0.0";
  SlowHttp(sdk::Host host, const nlohmann::json&) : host_(host), alive_(std::make_shared<bool>(true)) {}
  ~SlowHttp() { *alive_ = false; }
  void poll(sdk::PullOp& op) {
    sdk::HttpRequest req;
    req.url = g_http.url;
    req.timeout_ms = 60'000;
    host_.http(std::move(req), [alive = alive_](const sdk::HttpResponse* resp, const sdk::Error* err) {
      std::lock_guard lk(g_http.mu);
      g_http.outcomes.push_back(resp ? "response" : std::string("error:") + (err ? err->what() : "?"));
      g_http.instance_alive_at_completion = *alive;
    });
    op.complete();
  }

 private:
  sdk::Host host_;
  std::shared_ptr<bool> alive_;
};

// Polls `g_links.url` and emits every value of the response's `Link` header, one event each.
struct LinkRecord {
  std::string url;
};
LinkRecord g_links;

class LinkReader {
 public:
  static constexpr char id[] = "test.link_reader";
  static constexpr char version[] = "1.0.0";
  LinkReader(sdk::Host host, const nlohmann::json&) : host_(host) {}
  void poll(sdk::PullOp& op) {
    sdk::HttpRequest req;
    req.url = g_links.url;
    host_.http(std::move(req), [later = op.defer()](const sdk::HttpResponse* resp, const sdk::Error* err) {
      if (err != nullptr) return later.fail(*err);
      std::vector<std::string> events;
      for (const std::string_view v : resp->headers("link")) events.push_back(nlohmann::json{{"link", v}}.dump());
      later.emit(events);
      later.complete();
    });
  }

 private:
  sdk::Host host_;
};

// A gate a plugin call blocks on until the test opens it (vendor code stuck on a lock).
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  bool entered = false;
  void pass() {
    std::unique_lock lock(mu);
    entered = true;
    cv.notify_all();
    cv.wait(lock, [this] { return open; });
  }
  bool wait_entered() {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(10), [this] { return entered; });
  }
  void release() {
    std::lock_guard lock(mu);
    open = true;
    cv.notify_all();
  }
};
Gate* g_gate = nullptr;

class Blocking {
 public:
  static constexpr char id[] = "test.blocking";
  static constexpr char version[] = "1.0.0";
  Blocking(sdk::Host, const nlohmann::json&) {}
  void poll(sdk::PullOp& op) {
    g_gate->pass();
    op.emit({R"({"n":1})"});
  }
};

// Defers its first poll forever and completes every later one at once.
class DefersFirst {
 public:
  static constexpr char id[] = "test.defers_first";
  static constexpr char version[] = "1.0.0";
  DefersFirst(sdk::Host, const nlohmann::json&) {}
  void poll(sdk::PullOp& op) {
    if (polls_++ == 0) kept_.push_back(op.defer());
  }

 private:
  int polls_ = 0;
  std::vector<sdk::PullOp> kept_;
};

// Log lines written while it lives.
struct LogCapture {
  std::mutex mu;
  std::vector<std::string> lines;
  LogCapture() {
    core::Log::set_sink([this](const core::LogRecord&, const std::string& line) {
      std::lock_guard lock(mu);
      lines.push_back(line);
    });
  }
  ~LogCapture() { core::Log::reset_sink(); }
  size_t count(const std::string& text) {
    std::lock_guard lock(mu);
    return static_cast<size_t>(std::count_if(lines.begin(), lines.end(),
                                             [&](const std::string& l) { return l.find(text) != std::string::npos; }));
  }
};

template <class T>
std::shared_ptr<Connector> make_builtin(Env& e, plugins::Loader& loader, const std::string& name) {
  auto c = loader.add_builtin(sdk::detail::Adapter<T>::descriptor());
  REQUIRE(c.accepted());
  auto conn = Connector::make(name, c.module, e.env, http::ConnectorPolicy{});
  REQUIRE(conn->create("{}").ok());
  REQUIRE(conn->start().ok());
  return conn;
}

}  // namespace

TEST_CASE("a connector polls a loaded plugin and gets its events and cursor", "[connector]") {
  Env e;
  testing::TempDir dir;
  plugins::Loader loader(plugins::LoaderOptions{{dir.path()}});
  auto cand = loader.load(testing::install_test_plugin(dir.path(), "good"));
  REQUIRE(cand.accepted());
  auto conn = Connector::make("good-1", cand.module, e.env, http::ConnectorPolicy{});
  REQUIRE(conn->create(R"({"per_poll":3})").ok());
  REQUIRE(conn->start().ok());
  auto r = wait_op([&](auto done) { conn->poll("", 100, 0, done); });
  CHECK(r.status.ok());
  REQUIRE(r.events.size() == 3);
  CHECK(r.events[2] == R"({"class_uid":3002,"seq":2})");
  CHECK(r.cursor == "3");
  r = wait_op([&](auto done) { conn->poll("3", 100, 0, done); });
  CHECK(r.events[0] == R"({"class_uid":3002,"seq":3})");
  conn->stop(0);
  conn->destroy();
}

TEST_CASE("a sink reports a result for every event of a batch", "[connector]") {
  Env e;
  testing::TempDir dir;
  plugins::Loader loader(plugins::LoaderOptions{{dir.path()}});
  auto cand = loader.load(testing::install_test_plugin(dir.path(), "good"));
  auto conn = Connector::make("good-sink", cand.module, e.env, http::ConnectorPolicy{});
  REQUIRE(conn->create("{}").ok());
  REQUIRE(conn->start().ok());
  auto r = wait_op([&](auto done) { conn->write({"{}", "{}", "{}"}, {"a", "b", "c"}, 0, done); });
  CHECK(r.status.ok());
  REQUIRE(r.results.size() == 3);
  for (const auto& res : r.results) CHECK(res.outcome == SIEMHUB_OUTCOME_DELIVERED);
  conn->stop(0);
  conn->destroy();
}

TEST_CASE("a library stays loaded while a connector of it is alive and unloads after", "[connector]") {
  Env e;
  testing::TempDir dir;
  const auto path = testing::install_test_plugin(dir.path(), "good");
  std::shared_ptr<Connector> conn;
  {
    plugins::Loader loader(plugins::LoaderOptions{{dir.path()}});
    auto cand = loader.load(path);
    REQUIRE(cand.accepted());
    conn = Connector::make("keeps-alive", cand.module, e.env, http::ConnectorPolicy{});
    REQUIRE(conn->create("{}").ok());
    REQUIRE(conn->start().ok());
  }  // the loader and its module references are gone; the connector still holds one
  void* h = ::dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
  CHECK(h != nullptr);
  if (h) ::dlclose(h);
  auto r = wait_op([&](auto done) { conn->poll("", 1, 0, done); });
  CHECK(r.events.size() == 2);  // per_poll defaults to 2
  conn->stop(0);
  conn->destroy();
  conn.reset();
  // The last reference may be a handler still finishing on a plugin thread: the library goes
  // when that one is done, not necessarily before reset() returns.
  CHECK(testing::eventually([&] {
    void* still = ::dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
    if (still) ::dlclose(still);
    return still == nullptr;
  }, std::chrono::seconds(5)));
}

TEST_CASE("an operation the plugin never completes times out without blocking the connector", "[connector]") {
  Env e;
  plugins::Loader loader(plugins::LoaderOptions{});
  auto conn = make_builtin<Stalling>(e, loader, "stalling");
  auto r = wait_op([&](auto done) { conn->poll("", 1, 50, done); });
  CHECK(r.status.category == SIEMHUB_CAT_TIMEOUT);
  auto again = wait_op([&](auto done) { conn->poll("", 1, 50, done); });
  CHECK(again.status.category == SIEMHUB_CAT_TIMEOUT);
  conn->stop(0);
  conn->destroy();
}

TEST_CASE("an exception thrown in a plugin becomes an internal error with its message", "[connector]") {
  Env e;
  plugins::Loader loader(plugins::LoaderOptions{});
  auto conn = make_builtin<Throwing>(e, loader, "throwing");
  auto r = wait_op([&](auto done) { conn->write({"{}"}, {}, 0, done); });
  CHECK(r.status.category == SIEMHUB_CAT_INTERNAL);
  CHECK(r.status.message == "disk on fire");
  CHECK(r.results[0].outcome == SIEMHUB_OUTCOME_UNSET);  // unconfirmed: the host retries it
  conn->stop(0);
  conn->destroy();
}

TEST_CASE("plugins keep key-value state define metrics and complete deferred ops from timers", "[connector]") {
  Env e;
  plugins::Loader loader(plugins::LoaderOptions{});
  auto conn = make_builtin<Stateful>(e, loader, "stateful");
  auto r1 = wait_op([&](auto done) { conn->poll("", 1, 5000, done); });
  auto r2 = wait_op([&](auto done) { conn->poll("", 1, 5000, done); });
  CHECK(r1.status.ok());
  CHECK(r2.events == std::vector<std::string>{R"({"n":2})"});
  CHECK(e.kv.get("stateful", "polls") == std::optional<std::string>("2"));
  CHECK_THAT(e.metrics.render_prometheus(),
             Catch::Contains(R"(siemhub_plugin_polls_total{connector="stateful",plugin="test.stateful"} 2)"));
  conn->stop(0);
  conn->destroy();
}

TEST_CASE("a connector reports the plugin's own health view", "[connector]") {
  Env e;
  plugins::Loader loader(plugins::LoaderOptions{});
  auto conn = make_builtin<Throwing>(e, loader, "health");
  CHECK(conn->health().state == SIEMHUB_HEALTH_OK);
  conn->report_health(SIEMHUB_HEALTH_DOWN, "401 from the vendor");
  const auto h = conn->health();
  CHECK(h.state == SIEMHUB_HEALTH_DOWN);
  CHECK(std::string(h.reason) == "401 from the vendor");
  conn->stop(0);
  conn->destroy();
}

TEST_CASE("an HTTP request in flight when its connector is destroyed completes once with CANCELLED while the plugin still exists",
          "[connector]") {
  testing::FakeHttpServer server;
  server.set_handler([](const testing::RecordedRequest&) {
    testing::FakeResponse r;
    r.delay = std::chrono::seconds(60);
    return r;
  });
  g_http.url = server.url("/slow");
  {
    std::lock_guard lk(g_http.mu);
    g_http.outcomes.clear();
  }
  Env e;
  plugins::Loader loader(plugins::LoaderOptions{});
  auto c = loader.add_builtin(sdk::detail::Adapter<SlowHttp>::descriptor());
  REQUIRE(c.accepted());
  http::ConnectorPolicy policy;
  policy.egress_allow = {"*"};
  auto conn = Connector::make("slow-http", c.module, e.env, policy);
  REQUIRE(conn->create("{}").ok());
  REQUIRE(conn->start().ok());
  wait_op([&](auto done) { conn->poll("", 10, 1000, std::move(done)); });
  REQUIRE(server.wait_for_requests(1, std::chrono::seconds(10)));
  conn->stop(1000);
  conn->destroy();
  std::lock_guard lk(g_http.mu);
  REQUIRE(g_http.outcomes.size() == 1);
  CHECK_THAT(g_http.outcomes[0], Catch::Contains("connector destroyed"));
  CHECK(g_http.instance_alive_at_completion);
}

TEST_CASE("a poll blocking past its deadline shows the connector down with the call and is logged once then degraded until a poll completes in time",
          "[connector][deadline]") {
  Env e;
  Gate gate;
  g_gate = &gate;
  LogCapture log;
  plugins::Loader loader(plugins::LoaderOptions{});
  auto conn = make_builtin<Blocking>(e, loader, "blocking");
  std::promise<OpResult> first;
  auto first_done = first.get_future();
  conn->poll("", 1, 1000, [&first](OpResult r) { first.set_value(std::move(r)); });
  REQUIRE(gate.wait_entered());
  e.clock.advance(1000);
  conn->check_calls();
  CHECK(conn->health().state == SIEMHUB_HEALTH_OK);  // at its deadline, not past it
  CHECK(conn->stuck());
  e.clock.advance(1);
  conn->check_calls();
  conn->check_calls();
  auto h = conn->health();
  CHECK(h.state == SIEMHUB_HEALTH_DOWN);
  CHECK(std::string(h.reason) == "poll running for 1001 ms (deadline 1000 ms): past its deadline");
  CHECK(log.count("poll has not returned within its deadline of 1000 ms") == 1);

  gate.release();
  REQUIRE(first_done.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(first_done.get().status.ok());  // late, but its result is the plugin's
  h = conn->health();
  CHECK(h.state == SIEMHUB_HEALTH_DEGRADED);
  CHECK(std::string(h.reason) == "poll returned after 1001 ms, past its deadline of 1000 ms");
  CHECK(log.count("poll returned after 1001 ms, past its deadline of 1000 ms") == 1);
  CHECK_FALSE(conn->stuck());

  CHECK(wait_op([&](auto done) { conn->poll("", 1, 1000, done); }).status.ok());
  CHECK(conn->health().state == SIEMHUB_HEALTH_OK);
  conn->stop(e.clock.now_ms() + 1000);
  CHECK(conn->destroy());
  g_gate = nullptr;
}

TEST_CASE("an operation that misses its deadline marks the connector degraded until one completes in time", "[connector][deadline]") {
  Env e;
  plugins::Loader loader(plugins::LoaderOptions{});
  auto conn = make_builtin<DefersFirst>(e, loader, "defers");
  const auto late = wait_op([&](auto done) { conn->poll("", 1, 50, done); });
  CHECK(late.status.category == SIEMHUB_CAT_TIMEOUT);
  CHECK(late.status.message == "plugin did not complete the poll within its deadline of 50 ms");
  auto h = conn->health();
  CHECK(h.state == SIEMHUB_HEALTH_DEGRADED);
  CHECK(std::string(h.reason) == "poll did not complete within its deadline of 50 ms");
  CHECK(wait_op([&](auto done) { conn->poll("", 1, 1000, done); }).status.ok());
  CHECK(conn->health().state == SIEMHUB_HEALTH_OK);
  conn->stop(0);
  conn->destroy();
}

TEST_CASE("repeated response headers reach the plugin as separate values in the order received", "[connector]") {
  testing::FakeHttpServer server;
  server.set_handler([](const testing::RecordedRequest&) {
    testing::FakeResponse r;
    r.headers = {{"Link", "<https://x.example/logs?limit=2>; rel=\"self\""},
                 {"X-Rate-Limit-Remaining", "99"},
                 {"Link", "<https://x.example/logs?after=7&limit=2>; rel=\"next\""}};
    return r;
  });
  g_links.url = server.url("/logs");
  Env e;
  plugins::Loader loader(plugins::LoaderOptions{});
  auto c = loader.add_builtin(sdk::detail::Adapter<LinkReader>::descriptor());
  REQUIRE(c.accepted());
  http::ConnectorPolicy policy;
  policy.egress_allow = {"*"};
  auto conn = Connector::make("link-reader", c.module, e.env, policy);
  REQUIRE(conn->create("{}").ok());
  REQUIRE(conn->start().ok());
  const OpResult r = wait_op([&](auto done) { conn->poll("", 10, 5000, std::move(done)); });
  INFO(r.status.message);
  REQUIRE(r.status.ok());
  REQUIRE(r.events.size() == 2);
  CHECK(r.events[0] == R"({"link":"<https://x.example/logs?limit=2>; rel=\"self\""})");
  CHECK(r.events[1] == R"({"link":"<https://x.example/logs?after=7&limit=2>; rel=\"next\""})");
  conn->stop(1000);
  conn->destroy();
}
