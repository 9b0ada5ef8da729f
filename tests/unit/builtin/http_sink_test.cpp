// The built-in `http` sink, driven through the real host services (Connector, HttpService with
// its egress allow-list and gzip) against the loopback fake server.
#include <catch2/catch.hpp>

#include <future>
#include <mutex>

#include "builtin/http_sink.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/runtime.hpp"
#include "http/http_service.hpp"
#include "http_fake_server.hpp"
#include "plugins/connector.hpp"
#include "plugins/loader.hpp"
#include "siemhub/plugin.hpp"

using namespace siemhub;
using nlohmann::json;
using plugins::Connector;
using plugins::OpResult;
using testing::FakeResponse;
using testing::FakeHttpServer;
using testing::RecordedRequest;

namespace {

struct Env {
  core::Runtime runtime{2, 1};
  core::ManualClock clock;
  http::HttpService http;
  core::MemoryKvStore kv;
  core::MetricsRegistry metrics;
  plugins::HostEnvironment env{runtime, clock, http, kv, metrics};
  plugins::Loader loader{plugins::LoaderOptions{}};
  std::shared_ptr<plugins::PluginModule> module;
  std::vector<std::shared_ptr<Connector>> conns;
  Env() {
    runtime.start();
    auto c = loader.add_builtin(sdk::descriptor_of<builtin::HttpSink>());
    REQUIRE(c.accepted());
    module = c.module;
  }
  ~Env() {
    for (auto& c : conns) {
      c->stop(0);
      c->destroy();
    }
    runtime.stop();
  }

  plugins::CallStatus try_make(const json& cfg, std::vector<std::string> allow = {"127.0.0.1:*"},
                               const std::string& name = "webhook") {
    http::ConnectorPolicy policy;
    policy.connector_id = name;
    policy.egress_allow = std::move(allow);
    auto conn = Connector::make(name, module, env, policy);
    conns.push_back(conn);
    auto st = conn->create(cfg.dump());
    if (st.ok()) st = conn->start();
    return st;
  }
  std::shared_ptr<Connector> make(const json& cfg, std::vector<std::string> allow = {"127.0.0.1:*"},
                                  const std::string& name = "webhook") {
    const auto st = try_make(cfg, std::move(allow), name);
    INFO(st.message);
    REQUIRE(st.ok());
    return conns.back();
  }
};

OpResult write(const std::shared_ptr<Connector>& conn, std::vector<std::string> events, std::vector<std::string> ids = {}) {
  std::promise<OpResult> p;
  auto f = p.get_future();
  conn->write(std::move(events), std::move(ids), 20000, [&p](OpResult r) { p.set_value(std::move(r)); });
  REQUIRE(f.wait_for(std::chrono::seconds(25)) == std::future_status::ready);
  return f.get();
}

// `n` events {"n":i,"p":"xx..."}, each exactly `bytes` long (at least 20).
std::vector<std::string> sized(size_t n, size_t bytes = 20) {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) {
    const std::string head = R"({"n":)" + std::to_string(i) + R"(,"p":")";
    out.push_back(head + std::string(bytes - head.size() - 2, 'x') + "\"}");
  }
  return out;
}

FakeResponse reply(int code, std::string body = "{}", testing::FakeHeaders headers = {}) {
  FakeResponse r;
  r.status = code;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

}  // namespace

TEST_CASE("a 2xx response delivers every event of the request", "[http_sink]") {
  FakeHttpServer server;
  server.set_handler([](const RecordedRequest&) { return reply(202); });
  Env e;
  auto conn = e.make({{"url", server.url("/ingest?src=hub")}});
  const auto r = write(conn, {R"({"a":1})", R"({"b":2})", R"({"c":3})"}, {"a", "b", "c"});
  CHECK(r.status.ok());
  REQUIRE(r.results.size() == 3);
  for (const auto& res : r.results) CHECK(res.outcome == SIEMHUB_OUTCOME_DELIVERED);
  const auto reqs = server.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].method == "POST");
  CHECK(reqs[0].target == "/ingest?src=hub");
  CHECK(reqs[0].header("Content-Type") == "application/json");
  CHECK_FALSE(reqs[0].header("Content-Encoding"));
  // The idempotency key is the SHA-256 of the request's event ids: stable across resends.
  CHECK(reqs[0].header("Idempotency-Key") == builtin::sha256_hex("i:a\ni:b\ni:c\n"));
  write(conn, {R"({"a":1})", R"({"b":2})", R"({"c":3})"}, {"a", "b", "c"});
  write(conn, {R"({"a":1})"}, {"a"});
  const auto again = server.requests();
  REQUIRE(again.size() == 3);
  CHECK(again[1].header("Idempotency-Key") == reqs[0].header("Idempotency-Key"));
  CHECK(again[2].header("Idempotency-Key") != reqs[0].header("Idempotency-Key"));
  const std::string prom = e.metrics.render_prometheus();
  CHECK_THAT(prom, Catch::Contains(R"(siemhub_plugin_http_sink_events_delivered_total{connector="webhook",plugin="http"} 7)"));
  CHECK_THAT(prom, Catch::Contains(R"(siemhub_plugin_http_sink_requests_total{connector="webhook",plugin="http"} 3)"));
  CHECK_THAT(prom, Catch::Contains(R"(siemhub_plugin_http_sink_responses_2xx_total{connector="webhook",plugin="http"} 3)"));
}

TEST_CASE("json_array and ndjson bodies are exactly the events in order", "[http_sink]") {
  FakeHttpServer server;
  Env e;
  auto arr = e.make({{"url", server.url("/a")}}, {"127.0.0.1:*"}, "arr");
  auto nd = e.make({{"url", server.url("/n")}, {"format", "ndjson"}, {"method", "PUT"}}, {"127.0.0.1:*"}, "nd");
  CHECK(write(arr, {R"({"a":1})", R"({"b":"x y"})"}).status.ok());
  // A pretty-printed event keeps to one NDJSON line: raw newlines are only whitespace in JSON.
  CHECK(write(nd, {R"({"a":1})", "{\n  \"b\": 2\n}"}).status.ok());
  const auto reqs = server.requests();
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[0].body == R"([{"a":1},{"b":"x y"}])");
  CHECK(reqs[0].header("Content-Type") == "application/json");
  CHECK(reqs[1].method == "PUT");
  CHECK(reqs[1].body == "{\"a\":1}\n{   \"b\": 2 }\n");
  CHECK(reqs[1].header("Content-Type") == "application/x-ndjson");
  CHECK(json::parse(reqs[0].body) == json::parse(R"([{"a":1},{"b":"x y"}])"));
}

TEST_CASE("a gzip body arrives gzipped and decodes to the original", "[http_sink]") {
  FakeHttpServer server;
  Env e;
  auto conn = e.make({{"url", server.url("/")}, {"gzip", true}});
  const auto events = sized(50, 60);
  CHECK(write(conn, events).status.ok());
  const auto reqs = server.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].header("Content-Encoding") == "gzip");
  std::string expected = "[";
  for (size_t i = 0; i < events.size(); ++i) expected += (i ? "," : "") + events[i];
  expected += "]";
  CHECK(reqs[0].raw_body != expected);
  CHECK(reqs[0].raw_body.size() < expected.size());
  CHECK(testing::gunzip(reqs[0].raw_body) == expected);
}

TEST_CASE("bearer basic and header auth are sent exactly with the configured headers", "[http_sink]") {
  FakeHttpServer server;
  Env e;
  auto bearer = e.make({{"url", server.url("/b")}, {"auth", {{"type", "bearer"}, {"token", "tok-123"}}},
                        {"headers", {{"X-Tenant", "blue"}, {"Content-Type", "application/vnd.siem+json"}}}},
                       {"127.0.0.1:*"}, "bearer");
  auto basic = e.make({{"url", server.url("/basic")}, {"auth", {{"type", "basic"}, {"username", "Aladdin"}, {"password", "open sesame"}}}},
                      {"127.0.0.1:*"}, "basic");
  auto header = e.make({{"url", server.url("/h")}, {"auth", {{"type", "header"}, {"header_name", "X-API-Key"}, {"token", "k-9"}}}},
                       {"127.0.0.1:*"}, "header");
  auto none = e.make({{"url", server.url("/none")}}, {"127.0.0.1:*"}, "none");
  for (auto* c : {&bearer, &basic, &header, &none}) CHECK(write(*c, {"{}"}).status.ok());
  const auto reqs = server.requests();
  REQUIRE(reqs.size() == 4);
  CHECK(reqs[0].header("Authorization") == "Bearer tok-123");
  CHECK(reqs[0].header("X-Tenant") == "blue");
  CHECK(reqs[0].header("Content-Type") == "application/vnd.siem+json");  // configured one wins
  CHECK(reqs[1].header("Authorization") == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");  // RFC 7617's example
  CHECK_FALSE(reqs[2].header("Authorization"));
  CHECK(reqs[2].header("X-API-Key") == "k-9");
  CHECK_FALSE(reqs[3].header("Authorization"));
  CHECK(builtin::base64("") == "");
  CHECK(builtin::base64("f") == "Zg==");
  CHECK(builtin::base64("fo") == "Zm8=");
  CHECK(builtin::base64("foo") == "Zm9v");
  CHECK(builtin::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(builtin::sha256_hex(std::string(1000, 'a')) ==
        "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
}

TEST_CASE("batches over max_batch_events or max_batch_bytes are split and every event gets a result", "[http_sink]") {
  FakeHttpServer server;
  Env e;
  SECTION("by event count") {
    auto conn = e.make({{"url", server.url("/")}, {"max_batch_events", 2}});
    const auto events = sized(5);
    const auto r = write(conn, events);
    CHECK(r.status.ok());
    for (const auto& res : r.results) CHECK(res.outcome == SIEMHUB_OUTCOME_DELIVERED);
    const auto reqs = server.requests();
    REQUIRE(reqs.size() == 3);
    size_t total = 0;
    for (const auto& q : reqs) total += json::parse(q.body).size();
    CHECK(total == 5);
  }
  SECTION("by bytes, and a failed sub-request only retries its own events") {
    // Event i fails (500) when it is in a request with event 10..19.
    server.set_handler([](const RecordedRequest& q) {
      return q.body.find(R"("n":15,)") != std::string::npos ? reply(500, "oops") : reply(200);
    });
    auto conn = e.make({{"url", server.url("/")}, {"max_batch_bytes", 1024}});
    const auto events = sized(25, 100);
    REQUIRE(events[0].size() == 100);
    REQUIRE(events[24].size() == 100);
    const auto r = write(conn, events);
    const auto reqs = server.requests();
    REQUIRE(reqs.size() == 3);  // 10 + 10 + 5: 2 + 10*100 + 9 = 1011 bytes fit, 11 do not
    std::vector<size_t> sizes;
    for (const auto& q : reqs) {
      CHECK(q.body.size() <= 1024);
      sizes.push_back(json::parse(q.body).size());
    }
    std::sort(sizes.begin(), sizes.end());
    CHECK(sizes == std::vector<size_t>{5, 10, 10});
    REQUIRE(r.results.size() == 25);
    for (size_t i = 0; i < 25; ++i) {
      INFO(i);
      CHECK(r.results[i].outcome == (i >= 10 && i < 20 ? SIEMHUB_OUTCOME_RETRY : SIEMHUB_OUTCOME_DELIVERED));
    }
    CHECK(r.results[12].category == SIEMHUB_CAT_TRANSIENT);
    // The op fails so the host backs off instead of resending the rest at once.
    CHECK(r.status.category == SIEMHUB_CAT_TRANSIENT);
    CHECK_THAT(r.status.message, Catch::Contains("10 of 25 events"));
  }
}

TEST_CASE("413 splits a request in halves and rejects a single event that is still too large", "[http_sink]") {
  FakeHttpServer server;
  server.set_handler([](const RecordedRequest& q) {
    const auto n = json::parse(q.body).size();
    return (n > 2 || q.body.find("huge") != std::string::npos) ? reply(413, "too big") : reply(200);
  });
  Env e;
  auto conn = e.make({{"url", server.url("/")}});
  const auto r = write(conn, {R"({"i":0})", R"({"i":1})", R"({"i":2,"huge":true})", R"({"i":3})"});
  REQUIRE(r.results.size() == 4);
  CHECK(r.results[0].outcome == SIEMHUB_OUTCOME_DELIVERED);
  CHECK(r.results[1].outcome == SIEMHUB_OUTCOME_DELIVERED);
  CHECK(r.results[2].outcome == SIEMHUB_OUTCOME_REJECTED);
  CHECK(r.results[2].reason == "payload too large");
  CHECK(r.results[2].response == "too big");
  CHECK(r.results[3].outcome == SIEMHUB_OUTCOME_DELIVERED);
  CHECK(r.status.ok());
  CHECK(server.request_count() == 5);  // [0-3] -> [0,1] ok, [2,3] -> [2] rejected, [3] ok
}

TEST_CASE("503 and 429 with Retry-After give RETRY with retry_after_ms", "[http_sink]") {
  FakeHttpServer server;
  Env e;
  auto conn = e.make({{"url", server.url("/")}});
  server.set_handler([](const RecordedRequest&) { return reply(503, "busy", {{"Retry-After", "7"}}); });
  auto r = write(conn, {"{}", "{}"});
  for (const auto& res : r.results) {
    CHECK(res.outcome == SIEMHUB_OUTCOME_RETRY);
    CHECK(res.category == SIEMHUB_CAT_TRANSIENT);
    CHECK(res.retry_after_ms == 7000);
  }
  CHECK(r.status.retry_after_ms == 7000);
  server.set_handler([](const RecordedRequest&) { return reply(429, "slow down", {{"Retry-After", "3"}}); });
  r = write(conn, {"{}"});
  CHECK(r.results[0].outcome == SIEMHUB_OUTCOME_RETRY);
  CHECK(r.results[0].category == SIEMHUB_CAT_RATE_LIMIT);
  CHECK(r.results[0].retry_after_ms == 3000);
  CHECK(r.status.category == SIEMHUB_CAT_RATE_LIMIT);
  server.set_handler([](const RecordedRequest&) { return reply(502, "bad gateway"); });
  r = write(conn, {"{}"});
  CHECK(r.results[0].outcome == SIEMHUB_OUTCOME_RETRY);
  CHECK(r.results[0].category == SIEMHUB_CAT_TRANSIENT);
  CHECK(conn->health().state == SIEMHUB_HEALTH_OK);  // throttling is not a health problem
}

TEST_CASE("401 gives an AUTH retry and the connector reports DOWN until a 200 brings it back to OK", "[http_sink]") {
  FakeHttpServer server;
  std::atomic<int> code{401};
  server.set_handler([&](const RecordedRequest&) { return reply(code.load(), R"({"error":"bad key"})"); });
  Env e;
  auto conn = e.make({{"url", server.url("/")}, {"auth", {{"type", "bearer"}, {"token", "expired"}}}});
  auto r = write(conn, {"{}", "{}"});
  for (const auto& res : r.results) {
    CHECK(res.outcome == SIEMHUB_OUTCOME_RETRY);
    CHECK(res.category == SIEMHUB_CAT_AUTH);
  }
  CHECK(r.status.category == SIEMHUB_CAT_AUTH);
  auto h = conn->health();
  CHECK(h.state == SIEMHUB_HEALTH_DOWN);
  CHECK_THAT(std::string(h.reason), Catch::Contains("401"));
  code = 403;
  r = write(conn, {"{}"});
  CHECK(r.results[0].category == SIEMHUB_CAT_AUTH);
  code = 200;
  r = write(conn, {"{}"});
  CHECK(r.results[0].outcome == SIEMHUB_OUTCOME_DELIVERED);
  CHECK(conn->health().state == SIEMHUB_HEALTH_OK);
}

TEST_CASE("400 rejects every event of the request with the response body as evidence", "[http_sink]") {
  FakeHttpServer server;
  const std::string long_body = R"({"error":"field x is invalid","detail":")" + std::string(5000, 'd') + "\"}";
  server.set_handler([&](const RecordedRequest& q) {
    return q.body.find("long") != std::string::npos ? reply(422, long_body) : reply(400, R"({"error":"bad event"})");
  });
  Env e;
  auto conn = e.make({{"url", server.url("/")}});
  auto r = write(conn, {R"({"a":1})", R"({"b":2})"});
  CHECK(r.status.ok());  // a verdict, not a failure: nothing to back off from
  for (const auto& res : r.results) {
    CHECK(res.outcome == SIEMHUB_OUTCOME_REJECTED);
    CHECK(res.reason == "HTTP 400");
    CHECK(res.response == R"({"error":"bad event"})");
  }
  r = write(conn, {R"({"long":1})"});
  CHECK(r.results[0].outcome == SIEMHUB_OUTCOME_REJECTED);
  CHECK(r.results[0].reason == "HTTP 422");
  CHECK(r.results[0].response.size() == 2048);
  CHECK(r.results[0].response == long_body.substr(0, 2048));
  CHECK_THAT(e.metrics.render_prometheus(),
             Catch::Contains(R"(siemhub_plugin_http_sink_events_rejected_total{connector="webhook",plugin="http"} 3)"));
}

TEST_CASE("404 is retried not rejected unless listed in permanent_statuses", "[http_sink]") {
  FakeHttpServer server;
  server.set_handler([](const RecordedRequest&) { return reply(404, "<html>no route</html>"); });
  Env e;
  auto conn = e.make({{"url", server.url("/missing")}}, {"127.0.0.1:*"}, "default");
  auto r = write(conn, {"{}"});
  CHECK(r.results[0].outcome == SIEMHUB_OUTCOME_RETRY);
  CHECK(r.results[0].category == SIEMHUB_CAT_TRANSIENT);
  CHECK_THAT(r.results[0].reason, Catch::Contains("404"));
  CHECK(conn->health().state == SIEMHUB_HEALTH_DEGRADED);
  auto strict = e.make({{"url", server.url("/missing")}, {"permanent_statuses", {400, 404}}}, {"127.0.0.1:*"}, "strict");
  r = write(strict, {"{}"});
  CHECK(r.results[0].outcome == SIEMHUB_OUTCOME_REJECTED);
  CHECK(r.results[0].reason == "HTTP 404");
}

TEST_CASE("a redirect is refused and retried not followed", "[http_sink]") {
  FakeHttpServer server;
  server.set_handler([&](const RecordedRequest&) { return reply(302, "", {{"Location", "http://elsewhere.example:8080/x?k=v"}}); });
  Env e;
  auto conn = e.make({{"url", server.url("/")}});
  auto r = write(conn, {"{}"});
  CHECK(r.results[0].outcome == SIEMHUB_OUTCOME_RETRY);
  CHECK(r.results[0].category == SIEMHUB_CAT_TRANSIENT);
  CHECK_THAT(r.results[0].reason, Catch::Contains("redirect to http://elsewhere.example:8080 refused"));
  CHECK(server.request_count() == 1);
}

TEST_CASE("a refused connection and a timeout are transient retries", "[http_sink]") {
  Env e;
  const auto port = testing::unused_loopback_port();
  auto refused = e.make({{"url", "http://127.0.0.1:" + std::to_string(port) + "/"}}, {"127.0.0.1:*"}, "refused");
  auto r = write(refused, {"{}", "{}"});
  for (const auto& res : r.results) {
    CHECK(res.outcome == SIEMHUB_OUTCOME_RETRY);
    CHECK(res.category == SIEMHUB_CAT_TRANSIENT);
  }
  CHECK(r.status.category == SIEMHUB_CAT_TRANSIENT);

  FakeHttpServer server;
  server.set_handler([](const RecordedRequest&) {
    auto resp = reply(200);
    resp.delay = std::chrono::milliseconds(3000);
    return resp;
  });
  auto slow = e.make({{"url", server.url("/")}, {"timeout_ms", 200}}, {"127.0.0.1:*"}, "slow");
  r = write(slow, {"{}"});
  CHECK(r.results[0].outcome == SIEMHUB_OUTCOME_RETRY);
  CHECK(r.results[0].category == SIEMHUB_CAT_TRANSIENT);
  CHECK_THAT(r.results[0].reason, Catch::Contains("timeout"));
}

TEST_CASE("an egress outside the allow-list fails as CONFIG without a request", "[http_sink]") {
  FakeHttpServer server;
  Env e;
  auto conn = e.make({{"url", server.url("/")}}, {"siem.example.com:443"});
  auto r = write(conn, {"{}", "{}"});
  for (const auto& res : r.results) {
    CHECK(res.outcome == SIEMHUB_OUTCOME_RETRY);  // a config problem drops nothing
    CHECK(res.category == SIEMHUB_CAT_CONFIG);
  }
  CHECK(r.status.category == SIEMHUB_CAT_CONFIG);
  CHECK(server.request_count() == 0);
  CHECK(conn->health().state == SIEMHUB_HEALTH_DOWN);
}

TEST_CASE("an invalid config is refused as CONFIG", "[http_sink]") {
  Env e;
  CHECK(e.try_make({{"url", "ftp://x/"}}).category == SIEMHUB_CAT_CONFIG);
  CHECK(e.try_make(json::object()).category == SIEMHUB_CAT_CONFIG);
  CHECK(e.try_make({{"url", "http://x/"}, {"auth", {{"type", "bearer"}}}}).category == SIEMHUB_CAT_CONFIG);
  CHECK(e.try_make({{"url", "http://x/"}, {"auth", {{"type", "header"}, {"token", "t0k3n"}}}}).category ==
        SIEMHUB_CAT_CONFIG);
  CHECK(e.try_make({{"url", "http://x/"}, {"headers", {{"Content-Length", "3"}}}}).category == SIEMHUB_CAT_CONFIG);
  CHECK(e.try_make({{"url", "http://x/"}, {"headers", {{"X-A", "a\r\nX-B: b"}}}}).category == SIEMHUB_CAT_CONFIG);
  CHECK(e.try_make({{"url", "http://x/"}, {"max_batch_events", 0}}).category == SIEMHUB_CAT_CONFIG);
}

TEST_CASE("the token never appears in logs or in error messages", "[http_sink]") {
  const std::string token = "sup3r-s3cret-t0ken";
  const std::string password = "hunter2-password";
  std::mutex mu;
  std::string logged;
  core::Log::set_level(core::LogLevel::trace);
  core::Log::set_sink([&](const core::LogRecord&, const std::string& line) {
    std::lock_guard lock(mu);
    logged += line + "\n";
  });
  struct Restore {
    ~Restore() {
      core::Log::reset_sink();
      core::Log::set_level(core::LogLevel::info);
    }
  } restore;

  FakeHttpServer server;
  std::atomic<int> code{401};
  // A receiver that echoes the request headers in its error body.
  server.set_handler([&](const RecordedRequest& q) {
    std::string echo = "{";
    for (const auto& [n, v] : q.headers) echo += "\"" + n + "\":\"" + v + "\",";
    echo += "\"status\":" + std::to_string(code.load()) + "}";
    return reply(code.load(), echo);
  });
  Env e;
  std::string all;  // every message, reason and evidence the host got
  auto collect = [&](const OpResult& r) {
    all += r.status.message + "\n";
    for (const auto& res : r.results) all += res.reason + "\n" + res.response + "\n";
  };
  auto bearer = e.make({{"url", server.url("/")}, {"auth", {{"type", "bearer"}, {"token", token}}}}, {"127.0.0.1:*"}, "b");
  auto basic = e.make({{"url", server.url("/")}, {"auth", {{"type", "basic"}, {"username", "u"}, {"password", password}}}},
                      {"127.0.0.1:*"}, "c");
  for (int c : {401, 400, 500, 302, 200}) {
    code = c;
    collect(write(bearer, {"{}"}));
    collect(write(basic, {"{}"}));
  }
  auto denied = e.make({{"url", server.url("/")}, {"auth", {{"type", "bearer"}, {"token", token}}}}, {"nowhere.example"}, "d");
  collect(write(denied, {"{}"}));
  auto refused = e.make({{"url", "http://127.0.0.1:" + std::to_string(testing::unused_loopback_port()) + "/"},
                         {"auth", {{"type", "header"}, {"header_name", "X-Key"}, {"token", token}}}},
                        {"127.0.0.1:*"}, "r");
  collect(write(refused, {"{}"}));
  all += e.try_make({{"url", "http://x/"}, {"auth", {{"type", "header"}, {"token", token}}}}).message + "\n";
  all += e.try_make({{"url", "http://x/"}, {"auth", {{"type", "bearer"}, {"token", token + "\n"}}}}).message + "\n";
  all += std::string(bearer->health().reason) + "\n";

  REQUIRE(server.request_count() >= 10);
  CHECK(server.requests()[0].header("Authorization") == "Bearer " + token);  // it was really sent
  CHECK_THAT(all, Catch::Contains("***"));                                    // and echoed back, masked
  std::lock_guard lock(mu);
  CHECK_FALSE(logged.empty());
  for (const std::string& secret : {token, password, builtin::base64("u:" + password)}) {
    INFO(secret);
    CHECK(all.find(secret) == std::string::npos);
    CHECK(logged.find(secret) == std::string::npos);
  }
}
