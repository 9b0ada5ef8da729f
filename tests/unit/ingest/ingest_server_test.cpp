#include <catch2/catch.hpp>

#include <future>

#include "http_fake_server.hpp"
#include "ingest/hec_protocol.hpp"
#include "ingest_test_util.hpp"
#include "temp_dir.hpp"

using namespace siemhub::testing;
using siemhub::ingest::ServerOptions;
using json = nlohmann::json;

namespace {

const std::string kEvents = "/services/collector/event";

std::string base64(const std::string& in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], t[v & 63]};
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += {t[v >> 18], t[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], '='};
  }
  return out;
}

json hec(int code) { return json{{"text", std::string(siemhub::ingest::hec::text(code))}, {"code", code}}; }

}  // namespace

TEST_CASE("a HEC request with a bad event in the middle answers code 6 and admits only the events before it",
          "[ingest][server]") {
  ServerFixture f;
  Client c(f.port());
  const auto r = c.post(kEvents, R"({"event":"one"}{"event":"two"}{"event":"three",}{"event":"four"})", splunk_auth());
  CHECK(r.status == 400);
  CHECK(r.json() == json{{"text", "Invalid data format"}, {"code", 6}, {"invalid-event-number", 2}});
  const auto events = f.fake.events();
  REQUIRE(events.size() == 2);
  CHECK(events[0]["message"] == "one");
  CHECK(events[1]["message"] == "two");
  const auto batches = f.fake.batches();
  REQUIRE(batches.size() == 1);
  CHECK(batches[0].receiver == "hec");
  CHECK(batches[0].token_name == "main");

  SECTION("a bad first event admits nothing") {
    const auto r2 = c.post(kEvents, R"(nope{"event":"x"})", splunk_auth());
    CHECK(r2.json() == json{{"text", "Invalid data format"}, {"code", 6}, {"invalid-event-number", 0}});
    CHECK(f.fake.calls() == 1);
  }
}

TEST_CASE("HEC token and data errors answer Splunk's codes", "[ingest][server]") {
  ServerFixture f;
  Client c(f.port());
  const std::string ok = R"({"event":"x"})";
  SECTION("no credentials: 401 code 2") {
    const auto r = c.post(kEvents, ok);
    CHECK(r.status == 401);
    CHECK(r.json() == hec(2));
  }
  SECTION("another scheme: 401 code 3") {
    const auto r = c.post(kEvents, ok, {{"Authorization", std::string("Bearer ") + kMainToken}});
    CHECK(r.status == 401);
    CHECK(r.json() == hec(3));
  }
  SECTION("an unknown token: 403 code 4") {
    const auto r = c.post(kEvents, ok, splunk_auth("nope"));
    CHECK(r.status == 403);
    CHECK(r.json() == hec(4));
  }
  SECTION("an empty body: 400 code 5") {
    const auto r = c.post(kEvents, "", splunk_auth());
    CHECK(r.status == 400);
    CHECK(r.json() == hec(5));
  }
  SECTION("an index outside the token's list: 400 code 7 at that event") {
    const auto r = c.post(kEvents, R"({"event":"a","index":"security"}{"event":"b","index":"finance"})", splunk_auth());
    CHECK(r.status == 400);
    CHECK(r.json() == json{{"text", "Incorrect index"}, {"code", 7}, {"invalid-event-number", 1}});
    REQUIRE(f.fake.events().size() == 1);
    CHECK(f.fake.events()[0]["unmapped"]["hec"]["index"] == "security");
  }
  SECTION("a missing event field: code 12") {
    const auto r = c.post(kEvents, R"({"host":"a"})", splunk_auth());
    CHECK(r.json()["code"] == 12);
  }
  CHECK(f.fake.calls() <= 1);
}

TEST_CASE("Basic auth carries the token as password and ?token= works only where the token allows it",
          "[ingest][server]") {
  ServerFixture f;
  Client c(f.port());
  const std::string ok = R"({"event":"x"})";
  CHECK(c.post(kEvents, ok, {{"Authorization", "Basic " + base64(std::string("x:") + kMainToken)}}).json() == hec(0));
  CHECK(c.post(kEvents + "?token=" + kQueryToken, ok).json() == hec(0));
  const auto denied = c.post(kEvents + "?token=" + kMainToken, ok);
  CHECK(denied.status == 400);
  CHECK(denied.json() == hec(16));
  CHECK(c.post(kEvents + "?token=wrong", ok).json() == hec(4));
  const auto batches = f.fake.batches();
  REQUIRE(batches.size() == 2);
  CHECK(batches[0].token_name == "main");
  CHECK(batches[1].token_name == "query");
}

TEST_CASE("a gzip HEC body is inflated", "[ingest][server]") {
  ServerFixture f;
  Client c(f.port());
  auto h = splunk_auth();
  h.emplace_back("Content-Encoding", "gzip");
  const auto r = c.post(kEvents, gzip(R"({"event":"zipped","sourcetype":"st"})"), h);
  CHECK(r.json() == hec(0));
  REQUIRE(f.fake.events().size() == 1);
  CHECK(f.fake.events()[0]["message"] == "zipped");
  CHECK(c.post(kEvents, "not gzip", h).json()["code"] == 6);
  auto deflate = splunk_auth();
  deflate.emplace_back("Content-Encoding", "deflate");
  CHECK(c.post(kEvents, "x", deflate).status == 415);
}

TEST_CASE("the raw endpoint makes one event per line with query and token defaults", "[ingest][server]") {
  ServerFixture f;
  Client c(f.port());
  const auto r = c.post("/services/collector/raw?sourcetype=syslog&channel=abc", "line one\r\nline two\n\nline three\n",
                        splunk_auth());
  CHECK(r.json() == hec(0));
  const auto events = f.fake.events();
  REQUIRE(events.size() == 3);
  CHECK(events[0]["message"] == "line one");
  CHECK(events[0]["raw_data"] == "line one");
  CHECK(events[2]["message"] == "line three");
  CHECK(events[1]["unmapped"]["hec"]["sourcetype"] == "syslog");
  CHECK(events[1]["unmapped"]["hec"]["index"] == "main");
  CHECK(events[1]["unmapped"]["hec"]["host"] == "default-host");
  CHECK(c.post("/services/collector/raw?index=finance", "x", splunk_auth()).json() == hec(7));
  CHECK(c.post("/services/collector/raw", "\n\n", splunk_auth()).json() == hec(5));
}

TEST_CASE("when the ingest is busy HEC answers 503 code 9 and admits nothing", "[ingest][server]") {
  ServerFixture f;
  f.fake.set_busy(true);
  Client c(f.port());
  const auto r = c.post(kEvents, R"({"event":"x"}{"event":"y"})", splunk_auth());
  CHECK(r.status == 503);
  CHECK(r.json() == hec(9));
  CHECK(f.fake.batches().empty());
  const auto e = c.post("/v1/events", "{\"class_uid\":1}\n", {{"Authorization", std::string("Bearer ") + kMainToken}});
  CHECK(e.status == 503);
  CHECK(f.fake.batches().empty());
  CHECK(c.get("/metrics").body.find(R"(siemhub_ingest_busy_total{receiver="hec",reason="ingest"} 1)") !=
        std::string::npos);
}

TEST_CASE("success is answered only once the batch is durable", "[ingest][server]") {
  ServerFixture f;
  f.fake.set_hold(true);
  Client c(f.port());
  auto answer = std::async(std::launch::async, [&] { return c.post(kEvents, R"({"event":"x"})", splunk_auth()); });
  REQUIRE(f.fake.wait_pending(1));
  CHECK(answer.wait_for(std::chrono::milliseconds(300)) == std::future_status::timeout);
  f.fake.release(siemhub::ingest::Stored::yes);
  const auto r = answer.get();
  CHECK(r.status == 200);
  CHECK(r.json() == hec(0));

  SECTION("a failed write is code 8") {
    auto failed = std::async(std::launch::async, [&] { return c.post(kEvents, R"({"event":"y"})", splunk_auth()); });
    REQUIRE(f.fake.wait_pending(1));
    f.fake.release(siemhub::ingest::Stored::failed);
    const auto r2 = failed.get();
    CHECK(r2.status == 500);
    CHECK(r2.json()["code"] == 8);
  }
  SECTION("a write refused for a full disk is answered busy as at the cap") {
    auto full = std::async(std::launch::async, [&] { return c.post(kEvents, R"({"event":"y"})", splunk_auth()); });
    REQUIRE(f.fake.wait_pending(1));
    f.fake.release(siemhub::ingest::Stored::busy);
    const auto r2 = full.get();
    CHECK(r2.status == 503);
    CHECK(r2.json() == hec(9));
    CHECK(r2.header("retry-after") == "1");
  }
  CHECK(c.get("/metrics").body.find("siemhub_ingest_ack_latency_seconds_count{receiver=\"hec\"} 1") != std::string::npos);
}

TEST_CASE("in ack mode the answer carries an ackId and /ack reports true only once durable", "[ingest][server]") {
  auto o = default_options();
  o.hec_ack = true;
  ServerFixture f(o);
  f.fake.set_hold(true);
  Client c(f.port());
  auto h = splunk_auth();
  h.emplace_back("X-Splunk-Request-Channel", "FE0ECFAD-13D5-401B-847D-77833BD77131");
  const auto r0 = c.post(kEvents, R"({"event":"a"})", h);
  CHECK(r0.json() == json{{"text", "Success"}, {"code", 0}, {"ackId", 0}});
  const auto r1 = c.post(kEvents, R"({"event":"b"})", h);
  CHECK(r1.json()["ackId"] == 1);
  CHECK(c.post("/services/collector/ack", R"({"acks":[0,1]})", h).json() == json::parse(R"({"acks":{"0":false,"1":false}})"));
  f.fake.release(siemhub::ingest::Stored::yes);
  CHECK(c.post("/services/collector/ack", R"({"acks":[0,1]})", h).json() == json::parse(R"({"acks":{"0":true,"1":true}})"));
  // Another channel counts from 0 and does not see the first channel's acks.
  const auto other = c.post(kEvents + "?channel=other-channel", R"({"event":"c"})", splunk_auth());
  CHECK(other.json()["ackId"] == 0);

  SECTION("a missing channel is code 10") {
    const auto r = c.post(kEvents, R"({"event":"a"})", splunk_auth());
    CHECK(r.status == 400);
    CHECK(r.json() == hec(10));
    CHECK(c.post("/services/collector/ack", R"({"acks":[0]})", splunk_auth()).json() == hec(10));
  }
  SECTION("busy cancels the ackId") {
    f.fake.set_busy(true);
    CHECK(c.post(kEvents, R"({"event":"a"})", h).json() == hec(9));
  }
}

TEST_CASE("without ack mode /ack answers code 14", "[ingest][server]") {
  ServerFixture f;
  Client c(f.port());
  CHECK(c.post("/services/collector/ack?channel=x", R"({"acks":[0]})", splunk_auth()).json() == hec(14));
}

TEST_CASE("a body over the limit gets 413", "[ingest][server]") {
  auto o = default_options();
  o.max_body_bytes = 1024;
  ServerFixture f(o);
  {
    Client c(f.port());
    const auto r = c.post(kEvents, "{\"event\":\"" + std::string(4096, 'x') + "\"}", splunk_auth());
    CHECK(r.status == 413);
    CHECK(r.json().contains("error"));
  }
  {
    Client c(f.port());
    CHECK(c.post(kEvents, std::string(900, ' ') + R"({"event":"fits"})", splunk_auth()).status == 200);
  }
  CHECK(f.fake.events().size() == 1);
}

TEST_CASE("at the connection limit new connections are answered busy instead of dropped", "[ingest][server]") {
  auto o = default_options();
  o.max_connections = 1;
  ServerFixture f(o);
  Client first(f.port());
  CHECK(first.get("/healthz").status == 200);  // the one allowed connection, kept alive
  {
    Client second(f.port());
    const auto r = second.post(kEvents, R"({"event":"x"})", splunk_auth());
    CHECK(r.status == 503);
    CHECK(r.json() == hec(9));
    CHECK(r.header("connection") == "close");
    CHECK(second.server_closed());
  }
  {
    Client bulk(f.port());
    const auto r = bulk.post("/_bulk", "{}\n", {{"Content-Type", "application/x-ndjson"}});
    CHECK(r.status == 429);
    CHECK(r.json()["status"] == 429);
  }
  CHECK(f.fake.calls() == 0);
  CHECK(first.post(kEvents, R"({"event":"x"})", splunk_auth()).status == 200);
}

TEST_CASE("TLS works with a self-signed certificate", "[ingest][server]") {
  TempDir dir;
  const auto cert = generate_self_signed_cert(dir.path());
  auto o = default_options();
  o.tls_cert = cert.cert.string();
  o.tls_key = cert.key.string();
  ServerFixture f(o);
  Client c(f.port(), cert.cert);
  CHECK(c.post(kEvents, R"({"event":"secure"})", splunk_auth()).json() == hec(0));
  CHECK(c.get("/healthz").status == 200);  // same TLS connection
  CHECK(f.fake.events().size() == 1);
}

TEST_CASE("health, readiness and metrics answer without a token", "[ingest][server]") {
  ServerFixture f;
  Client c(f.port());
  CHECK(c.get("/healthz").status == 200);
  auto ready = c.get("/readyz");
  CHECK(ready.status == 200);
  CHECK(ready.json() == json{{"status", "ready"}, {"details", {{"journal", "ok"}}}});
  CHECK(c.get("/services/collector/health").json() == hec(17));
  f.ready = false;
  ready = c.get("/readyz");
  CHECK(ready.status == 503);
  CHECK(ready.json()["status"] == "not ready");
  const auto h = c.get("/services/collector/health");
  CHECK(h.status == 503);
  CHECK(h.json() == hec(9));
  CHECK(c.get("/healthz").status == 200);
  const auto m = c.get("/metrics");
  CHECK(m.status == 200);
  CHECK(m.header("content-type").rfind("text/plain; version=0.0.4", 0) == 0);
  CHECK(m.body.find(R"(siemhub_ingest_requests_total{endpoint="readyz",code="503"} 1)") != std::string::npos);
  CHECK(c.get("/nope").status == 404);
  CHECK(c.post("/healthz", "").status == 405);
}

TEST_CASE("keep-alive serves many requests on one connection", "[ingest][server]") {
  ServerFixture f;
  Client c(f.port());
  for (int i = 0; i < 5; ++i) {
    const auto r = c.post(kEvents, R"({"event":"x"})", splunk_auth());
    CHECK(r.status == 200);
    CHECK(r.header("connection") != "close");
  }
  // Errors answered after the body was read keep the connection too.
  CHECK(c.post(kEvents, "", splunk_auth()).json() == hec(5));
  CHECK(c.post(kEvents, R"({"event":"y"})", splunk_auth()).status == 200);
  CHECK(f.fake.events().size() == 6);
  CHECK(c.get("/metrics").body.find("siemhub_ingest_connections 1") != std::string::npos);
}

TEST_CASE("/v1/events answers the index line and reason of each refused line and stores only the others",
          "[ingest][server]") {
  ServerFixture f;
  Client c(f.port());
  const Headers auth{{"Authorization", std::string("Bearer ") + kMainToken}};
  const std::string ok =
      R"({"class_uid":3002,"activity_id":1,"time":1,"user":{"name":"u"},"metadata":{"product":{"name":"p"}}})";
  const std::string refused = R"({"class_uid":3002,"activity_id":"nope","time":1,"metadata":{"product":{"name":"p"}}})";
  // Lines 1 and 4 are stored; line 3 (the second event) is refused by normalize and not stored.
  const auto r = c.post("/v1/events", ok + "\n\n" + refused + "\n" + ok + "\n", auth);
  CHECK(r.status == 400);
  CHECK(r.json()["accepted"] == 2);
  CHECK(r.json()["error"] == "1 of 3 events were refused and not stored");
  const auto answered = r.json()["refused"];
  REQUIRE(answered.size() == 1);
  CHECK(answered[0]["index"] == 1);
  CHECK(answered[0]["line"] == 3);
  CHECK_THAT(answered[0]["reason"].get<std::string>(), Catch::Contains("activity_id"));
  const auto batches = f.fake.batches();
  REQUIRE(batches.size() == 1);
  CHECK(batches[0].receiver == "events");
  CHECK(batches[0].events.size() == 2);
  REQUIRE(batches[0].refused.size() == 1);
  CHECK(batches[0].refused[0].original == refused);
  CHECK(batches[0].refused[0].reason == answered[0]["reason"]);

  const auto all = c.post("/v1/events", ok + "\n", auth);
  CHECK(all.status == 200);
  CHECK(all.json() == json{{"accepted", 1}});
  const auto bad = c.post("/v1/events", ok + "\nnot json\n" + ok + "\n", auth);
  CHECK(bad.status == 400);
  CHECK(bad.json()["error"].get<std::string>().rfind("line 2:", 0) == 0);
  CHECK(bad.json()["accepted"] == 1);
  const auto events = f.fake.events();
  REQUIRE(events.size() == 4);
  CHECK(events[0]["metadata"]["labels"] == json{"receiver:events", "token:main"});
  CHECK(events[0]["type_uid"] == 300201);  // normalized by the receiver
  CHECK(c.post("/v1/events", "{}\n").status == 401);
  CHECK(c.post("/v1/events", "{}\n", {{"Authorization", "Bearer wrong"}}).status == 403);
}

TEST_CASE("_bulk requests reach the ingest once durable and busy answers 429", "[ingest][server][bulk]") {
  ServerFixture f;
  Client c(f.port());
  const Headers h{{"Authorization", std::string("Bearer ") + kMainToken}, {"Content-Type", "application/x-ndjson"}};
  const std::string body =
      "{\"create\":{\"_index\":\"logs\",\"_id\":\"a1\"}}\n{\"class_uid\":1001,\"time\":1}\n"
      "{\"index\":{}}\n{\"message\":\"plain\"}\n";
  const auto r = c.post("/hub-index/_bulk", body, h);
  REQUIRE(r.status == 200);
  CHECK(r.header("x-elastic-product") == "Elasticsearch");
  // Normalized by the receiver: the plain document is wrapped as a Base Event and stored; the OCSF
  // one (no activity_id, no metadata.product) is refused by normalize and answered 400 with why.
  CHECK(r.json()["errors"] == true);
  const auto items = r.json()["items"];
  REQUIRE(items.size() == 2);
  CHECK(items[0]["create"]["status"] == 400);
  CHECK(items[0]["create"]["error"]["type"] == "document_parsing_exception");
  CHECK_THAT(items[0]["create"]["error"]["reason"].get<std::string>(), Catch::Contains("missing required attribute"));
  CHECK(items[1]["index"]["status"] == 201);
  const auto batches = f.fake.batches();
  REQUIRE(batches.size() == 1);
  CHECK(batches[0].receiver == "bulk");
  CHECK(batches[0].events.size() == 1);
  REQUIRE(batches[0].refused.size() == 1);
  CHECK(batches[0].refused[0].original == R"({"class_uid":1001,"time":1})");
  CHECK_THAT(batches[0].refused[0].reason, Catch::Contains("missing required attribute"));
  CHECK(c.post("/_bulk", body, {{"Content-Type", "application/x-ndjson"}}).status == 401);
  CHECK(c.post("/_bulk", body, {h[0], {"Content-Type", "text/plain"}}).status == 406);
  f.fake.set_busy(true);
  const auto busy = c.post("/hub-index/_bulk", body, h);
  CHECK(busy.status == 429);
  CHECK(busy.json()["status"] == 429);
  CHECK(f.fake.batches().size() == 1);
  const auto root = c.get("/", {h[0]});
  CHECK(root.status == 200);
  CHECK(root.header("x-elastic-product") == "Elasticsearch");
}

namespace {

// An object around the arrays: the shape the nlohmann fallback used to read and then dump recursively.
std::string deep_object(size_t depth) { return R"({"k":)" + std::string(depth, '[') + std::string(depth, ']') + "}"; }

}  // namespace

TEST_CASE("a 100000-deep body gets a clear error on every endpoint and the server keeps serving",
          "[ingest][server][depth]") {
  ServerFixture f;
  Client c(f.port());
  const std::string deep = deep_object(100000);
  const Headers bearer{{"Authorization", std::string("Bearer ") + kMainToken}};
  const Headers es{bearer[0], {"Content-Type", "application/x-ndjson"}};

  const auto h = c.post(kEvents, R"({"event":)" + deep + "}", splunk_auth());
  CHECK(h.status == 400);
  CHECK(h.json() == json{{"text", "Invalid data format"}, {"code", 6}, {"invalid-event-number", 0}});

  const auto e = c.post("/v1/events", deep + "\n", bearer);
  CHECK(e.status == 400);
  CHECK(e.json() == json{{"error", "line 1: nested deeper than 512 levels"}, {"accepted", 0}});

  const auto b = c.post("/_bulk", "{\"index\":{\"_index\":\"i\"}}\n" + deep + "\n", es);
  REQUIRE(b.status == 200);
  CHECK(b.json()["items"][0]["index"]["status"] == 400);
  CHECK_THAT(b.json()["items"][0]["index"]["error"]["reason"].get<std::string>(),
             Catch::Contains("nested deeper than 512 levels"));
  const auto action = c.post("/_bulk", deep + "\n{}\n", es);
  CHECK(action.status == 400);
  CHECK_THAT(action.json()["error"]["reason"].get<std::string>(), Catch::Contains("nested deeper than 512 levels"));
  CHECK(f.fake.batches().empty());

  // Still serving, on the same connection.
  CHECK(c.post(kEvents, R"({"event":"after"})", splunk_auth()).json() == hec(0));
  CHECK(c.post("/v1/events", R"({"class_uid":3002,"activity_id":1,"time":1,"user":{"name":"u"},"metadata":{"product":{"name":"p"}}})" "\n",
               bearer).status == 200);
  CHECK(f.fake.events().size() == 2);
}

TEST_CASE("HEC answers code 6 with invalid-event-number 2 and stores only the first two events when the third is refused",
          "[ingest][server]") {
  ServerFixture f;
  Client c(f.port());
  const std::string ok =
      R"({"event":{"class_uid":3002,"activity_id":1,"time":1,"user":{"name":"u"},"metadata":{"product":{"name":"p"}}}})";
  const std::string refused = R"({"event":{"class_uid":3002,"activity_id":"nope","time":1,"metadata":{"product":{"name":"p"}}}})";
  const auto r = c.post(kEvents, ok + ok + refused + ok, splunk_auth());
  CHECK(r.status == 400);
  CHECK(r.json() == json{{"text", "Invalid data format"}, {"code", 6}, {"invalid-event-number", 2}});
  const auto batches = f.fake.batches();
  REQUIRE(batches.size() == 1);
  CHECK(batches[0].events.size() == 2);  // nothing from the refused one on: the client sends again from 2
  REQUIRE(batches[0].refused.size() == 1);
  CHECK(batches[0].refused[0].original == refused);
  CHECK_THAT(batches[0].refused[0].reason, Catch::Contains("activity_id"));

  SECTION("a refused first event is still kept for the dead letters and nothing is stored") {
    const auto first = c.post(kEvents, refused + ok, splunk_auth());
    CHECK(first.json() == json{{"text", "Invalid data format"}, {"code", 6}, {"invalid-event-number", 0}});
    const auto all = f.fake.batches();
    REQUIRE(all.size() == 2);
    CHECK(all[1].events.empty());
    CHECK(all[1].refused.size() == 1);
  }
}

namespace {

// Writes `bytes` on a fresh connection and reads until the server closes it (at most 5 s).
std::string raw_exchange(uint16_t port, const std::string& bytes) {
  net::io_context io;
  net::ip::tcp::socket s(io);
  s.connect({net::ip::make_address("127.0.0.1"), port});
  timeval tv{5, 0};
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  net::write(s, net::buffer(bytes));
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::recv(s.native_handle(), buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<size_t>(n));
  return out;
}

}  // namespace

TEST_CASE("a Transfer-Encoding that does not end in chunked is 400 and its body is never read as a second request",
          "[ingest][server]") {
  ServerFixture f;
  const std::string smuggled = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
  for (const std::string te : {"identity", "gzip", "chunked, identity"}) {
    INFO(te);
    const std::string answer = raw_exchange(
        f.port(), "POST " + kEvents + " HTTP/1.1\r\nHost: x\r\nAuthorization: Splunk " + std::string(kMainToken) +
                      "\r\nTransfer-Encoding: " + te + "\r\n\r\n" + smuggled);
    CHECK_THAT(answer, Catch::StartsWith("HTTP/1.1 400"));
    CHECK_THAT(answer, Catch::Contains("does not end in chunked"));
    CHECK(answer.find("HTTP/1.1", 1) == std::string::npos);  // one answer, then the connection closed
  }
  const std::string other = raw_exchange(
      f.port(), "POST " + kEvents + " HTTP/1.1\r\nHost: x\r\nAuthorization: Splunk " + std::string(kMainToken) +
                    "\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n");
  CHECK_THAT(other, Catch::StartsWith("HTTP/1.1 501"));
  CHECK(f.fake.calls() == 0);
  Client c(f.port());
  CHECK(c.post(kEvents, R"({"event":"a plain request still works"})", splunk_auth()).status == 200);
}
