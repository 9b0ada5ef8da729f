// The HEC sink on the SDK's FakeHost: envelopes, batching, every HEC answer, indexer acknowledgement.
#include "splunk_test_util.hpp"

using namespace splunk_test;

namespace {

std::vector<std::string> events(int n, int64_t t0 = 1769509500123) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(auth_event(t0 + i, "user" + std::to_string(i)));
  return out;
}

std::vector<std::string> ids(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("id-" + std::to_string(i));
  return out;
}

int count(const FakeOp& op, siemhub_outcome o) {
  int n = 0;
  for (const auto& r : op.results) n += r.outcome == o ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("a HEC write sends one envelope per event with time, metadata, indexed fields and the event id", "[splunk][hec]") {
  Rig rig;
  rig.host.script(hec_reply(200, R"({"text":"Success","code":0})"));
  auto inst = rig.instance(hec_config({{"index", "security"},
                                       {"host_field", "device.hostname"},
                                       {"fields", {{"src_ip", "src_endpoint.ip"}, {"cls", "class_uid"}}}}));
  auto& op = inst->write(events(2), ids(2));
  REQUIRE(inst->wait(op));
  REQUIRE(op.succeeded());
  REQUIRE(count(op, SIEMHUB_OUTCOME_DELIVERED) == 2);
  REQUIRE(rig.host.http_requests().size() == 1);
  const HttpRecord& req = rig.host.http_requests()[0];
  CHECK(req.url == "https://hec.example:8088/services/collector/event");
  CHECK(req.header("Authorization") == "Splunk hec-secret-token");
  const auto env = envelopes(req.body);
  REQUIRE(env.size() == 2);
  CHECK(env[0]["time"].get<double>() == Approx(1769509500.123));
  CHECK(env[0]["host"] == "dc01");
  CHECK(env[0]["index"] == "security");
  CHECK(env[0]["source"] == "siemhub");
  CHECK(env[0]["sourcetype"] == "ocsf");
  CHECK(env[0]["event"]["user"]["name"] == "user0");
  CHECK(env[1]["fields"] == json{{"siemhub_id", "id-1"}, {"src_ip", "10.0.0.5"}, {"cls", "3002"}});
}

TEST_CASE("a batch over batch_max_events or batch_max_bytes goes out as several HEC requests at once", "[splunk][hec]") {
  Rig rig;
  rig.host.on_http([](const HttpRecord&) { return hec_reply(200, R"({"text":"Success","code":0})"); });
  auto inst = rig.instance(hec_config({{"batch_max_events", 4}}));
  auto& op = inst->write(events(10), ids(10));
  CHECK(rig.host.http_in_flight() == 3);  // 4 + 4 + 2, all sent before any answer
  REQUIRE(inst->wait(op));
  CHECK(count(op, SIEMHUB_OUTCOME_DELIVERED) == 10);

  Rig rig2;
  rig2.host.on_http([](const HttpRecord&) { return hec_reply(200, R"({"text":"Success","code":0})"); });
  auto small = rig2.instance(hec_config({{"batch_max_bytes", 1024}}));
  auto& op2 = small->write(events(10), ids(10));
  REQUIRE(small->wait(op2));
  CHECK(count(op2, SIEMHUB_OUTCOME_DELIVERED) == 10);
  CHECK(rig2.host.http_requests().size() >= 4);
  for (const auto& r : rig2.host.http_requests()) CHECK(r.body.size() <= 1024);
}

TEST_CASE("gzip_level compresses the body with Content-Encoding gzip and 0 sends it plain", "[splunk][hec]") {
  Rig rig;
  rig.host.on_http([](const HttpRecord&) { return hec_reply(200, R"({"text":"Success","code":0})"); });
  auto inst = rig.instance(hec_config({{"gzip_level", 1}}));
  auto& op = inst->write(events(3), ids(3));
  REQUIRE(inst->wait(op));
  const HttpRecord& req = rig.host.http_requests().at(0);
  CHECK(req.header("Content-Encoding") == "gzip");
  CHECK(envelopes(gunzip(req.body)).size() == 3);

  auto plain = rig.instance(hec_config(), "plain");
  auto& op2 = plain->write(events(3), ids(3));
  REQUIRE(plain->wait(op2));
  CHECK_FALSE(rig.host.http_requests().at(1).header("Content-Encoding").has_value());
  CHECK(envelopes(rig.host.http_requests().at(1).body).size() == 3);
}

TEST_CASE("code 6 delivers the events before invalid-event-number, dead-letters that one and re-sends the rest", "[splunk][hec]") {
  Rig rig;
  rig.host.script(hec_reply(400, R"({"text":"Invalid data format","code":6,"invalid-event-number":2})"));
  rig.host.script(hec_reply(200, R"({"text":"Success","code":0})"));
  auto inst = rig.instance(hec_config());
  auto& op = inst->write(events(5), ids(5));
  REQUIRE(inst->wait(op));
  REQUIRE(op.succeeded());
  CHECK(op.results[0].outcome == SIEMHUB_OUTCOME_DELIVERED);
  CHECK(op.results[1].outcome == SIEMHUB_OUTCOME_DELIVERED);
  CHECK(op.results[2].outcome == SIEMHUB_OUTCOME_REJECTED);
  CHECK_THAT(op.results[2].reason, Catch::Contains("code 6") && Catch::Contains("Invalid data format"));
  CHECK_THAT(op.results[2].response, Catch::Contains("invalid-event-number"));
  CHECK(op.results[3].outcome == SIEMHUB_OUTCOME_DELIVERED);
  CHECK(op.results[4].outcome == SIEMHUB_OUTCOME_DELIVERED);
  REQUIRE(rig.host.http_requests().size() == 2);
  const auto resent = envelopes(rig.host.http_requests()[1].body);
  REQUIRE(resent.size() == 2);
  CHECK(resent[0]["fields"]["siemhub_id"] == "id-3");
  CHECK(resent[1]["fields"]["siemhub_id"] == "id-4");
}

TEST_CASE("a 401 or 403 token error keeps every event for a retry and marks the connector down", "[splunk][hec]") {
  for (const auto& [status, body] : {std::pair{401, R"({"text":"Token is required","code":2})"},
                                     std::pair{403, R"({"text":"Invalid token","code":4})"}}) {
    Rig rig;
    rig.host.script(hec_reply(status, body));
    auto inst = rig.instance(hec_config());
    auto& op = inst->write(events(3), ids(3));
    REQUIRE(inst->wait(op));
    CHECK_FALSE(op.succeeded());
    CHECK(op.category() == SIEMHUB_CAT_AUTH);
    CHECK(count(op, SIEMHUB_OUTCOME_RETRY) == 3);
    REQUIRE_FALSE(rig.host.health_reports().empty());
    CHECK(rig.host.health_reports().back().state == SIEMHUB_HEALTH_DOWN);
    CHECK_THAT(rig.host.health_reports().back().reason, Catch::Contains("hec.token"));
    for (const auto& log : rig.host.logs()) CHECK_THAT(log.message, !Catch::Contains("hec-secret-token"));
  }
}

TEST_CASE("503 server busy is retried after the Retry-After delay and 500 is retried", "[splunk][hec]") {
  Rig rig;
  rig.host.script(hec_reply(503, R"({"text":"Server is busy","code":9})", 7000));
  rig.host.script(hec_reply(500, R"({"text":"Internal server error","code":8})"));
  auto inst = rig.instance(hec_config());
  auto& busy = inst->write(events(2), ids(2));
  REQUIRE(inst->wait(busy));
  CHECK(busy.category() == SIEMHUB_CAT_TRANSIENT);
  CHECK(busy.final_status().retry_after_ms == 7000);
  CHECK(count(busy, SIEMHUB_OUTCOME_RETRY) == 2);
  auto& err = inst->write(events(2), ids(2));
  REQUIRE(inst->wait(err));
  CHECK(err.category() == SIEMHUB_CAT_TRANSIENT);
  CHECK(count(err, SIEMHUB_OUTCOME_RETRY) == 2);
}

TEST_CASE("a proxy's 404 or 502 without a HEC body is retried, not dead-lettered", "[splunk][hec]") {
  Rig rig;
  rig.host.script(hec_reply(404, "<html><body>Not Found</body></html>"));
  rig.host.script(hec_reply(502, "<html>Bad Gateway</html>"));
  auto inst = rig.instance(hec_config());
  auto& op = inst->write(events(2), ids(2));
  REQUIRE(inst->wait(op));
  CHECK(count(op, SIEMHUB_OUTCOME_RETRY) == 2);
  CHECK(count(op, SIEMHUB_OUTCOME_REJECTED) == 0);
  CHECK(rig.host.health_reports().back().state == SIEMHUB_HEALTH_DEGRADED);
  auto& op2 = inst->write(events(2), ids(2));
  REQUIRE(inst->wait(op2));
  CHECK(count(op2, SIEMHUB_OUTCOME_RETRY) == 2);
}

TEST_CASE("code 7 incorrect index and other HEC data errors go to dead letters", "[splunk][hec]") {
  Rig rig;
  rig.host.script(hec_reply(400, R"({"text":"Incorrect index","code":7})"));
  rig.host.script(hec_reply(400, R"({"text":"Incorrect index","code":7,"invalid-event-number":1})"));
  rig.host.script(hec_reply(200, R"({"text":"Success","code":0})"));
  auto inst = rig.instance(hec_config({{"index", "nope"}}));
  auto& op = inst->write(events(2), ids(2));
  REQUIRE(inst->wait(op));
  CHECK(count(op, SIEMHUB_OUTCOME_REJECTED) == 2);
  CHECK_THAT(op.results[0].reason, Catch::Contains("Incorrect index"));
  auto& split = inst->write(events(3), ids(3));
  REQUIRE(inst->wait(split));
  CHECK(split.results[0].outcome == SIEMHUB_OUTCOME_DELIVERED);
  CHECK(split.results[1].outcome == SIEMHUB_OUTCOME_REJECTED);
  CHECK(split.results[2].outcome == SIEMHUB_OUTCOME_DELIVERED);
}

TEST_CASE("a 413 halves the request and a single event over the limit goes to dead letters", "[splunk][hec]") {
  Rig rig;
  rig.host.on_http([](const HttpRecord& r) {
    return envelopes(r.body).size() > 1 ? hec_reply(413, "Content too large") : hec_reply(200, R"({"text":"Success","code":0})");
  });
  auto inst = rig.instance(hec_config());
  auto& op = inst->write(events(4), ids(4));
  REQUIRE(inst->wait(op));
  CHECK(count(op, SIEMHUB_OUTCOME_DELIVERED) == 4);

  Rig rig2;
  rig2.host.on_http([](const HttpRecord&) { return hec_reply(413, "Content too large"); });
  auto one = rig2.instance(hec_config());
  auto& op2 = one->write(events(1), ids(1));
  REQUIRE(one->wait(op2));
  CHECK(op2.results[0].outcome == SIEMHUB_OUTCOME_REJECTED);
}

TEST_CASE("code 10 data channel missing keeps the events and says to enable acknowledgement", "[splunk][hec]") {
  Rig rig;
  rig.host.script(hec_reply(400, R"({"text":"Data channel is missing","code":10})"));
  auto inst = rig.instance(hec_config());
  auto& op = inst->write(events(2), ids(2));
  REQUIRE(inst->wait(op));
  CHECK(count(op, SIEMHUB_OUTCOME_RETRY) == 2);
  CHECK(op.category() == SIEMHUB_CAT_CONFIG);
  CHECK_THAT(rig.host.health_reports().back().reason, Catch::Contains("hec.ack.enabled"));
}

TEST_CASE("with acknowledgement on, events stay in the outbox until the ack poll answers true", "[splunk][hec][ack]") {
  Rig rig;
  int polls = 0;
  std::string channel;
  rig.host.on_http([&](const HttpRecord& r) {
    if (r.url.find("/services/collector/ack") != std::string::npos) {
      ++polls;
      CHECK(json::parse(r.body) == json{{"acks", {0}}});
      CHECK(r.header("X-Splunk-Request-Channel") == channel);
      return hec_reply(200, polls < 3 ? R"({"acks":{"0":false}})" : R"({"acks":{"0":true}})");
    }
    channel = r.header("X-Splunk-Request-Channel").value_or("");
    return hec_reply(200, R"({"text":"Success","code":0,"ackId":0})");
  });
  auto inst = rig.instance(hec_config({{"ack", {{"enabled", true}, {"poll_interval_ms", 1000}}}}));
  auto& op = inst->write(events(3), ids(3));
  rig.host.advance(10);
  CHECK(op.pending());
  CHECK(channel.size() == 36);
  rig.host.advance(2000);  // two polls answered false
  CHECK(polls == 2);
  CHECK(op.pending());
  CHECK(count(op, SIEMHUB_OUTCOME_DELIVERED) == 0);
  rig.host.advance(1000);
  REQUIRE(op.done());
  CHECK(op.succeeded());
  CHECK(count(op, SIEMHUB_OUTCOME_DELIVERED) == 3);
  CHECK(rig.host.kv(inst->ctx())["hec_channel"] == channel);
}

TEST_CASE("with acknowledgement on, events not acknowledged within the timeout are handed back to be re-sent", "[splunk][hec][ack]") {
  Rig rig;
  rig.host.on_http([](const HttpRecord& r) {
    if (r.url.find("/services/collector/ack") != std::string::npos) return hec_reply(200, R"({"acks":{"0":false}})");
    return hec_reply(200, R"({"text":"Success","code":0,"ackId":0})");
  });
  auto inst = rig.instance(hec_config({{"ack", {{"enabled", true}, {"poll_interval_ms", 500}, {"timeout_ms", 3000}}}}));
  auto& op = inst->write(events(2), ids(2));
  rig.host.advance(2500);
  CHECK(op.pending());
  rig.host.advance(1000);
  REQUIRE(op.done());
  CHECK(count(op, SIEMHUB_OUTCOME_RETRY) == 2);
  CHECK_THAT(op.results[0].reason, Catch::Contains("no indexer acknowledgement"));
  CHECK(rig.host.metric_value("hec_ack_timeouts") == 1);
}

TEST_CASE("the ack channel is generated once per connector and kept in its state", "[splunk][hec][ack]") {
  Rig rig;
  rig.host.on_http([](const HttpRecord&) { return hec_reply(200, R"({"text":"Success","code":0,"ackId":0})"); });
  auto cfg = hec_config({{"ack", {{"enabled", true}}}});
  std::string first;
  {
    auto inst = rig.instance(cfg, "kept");
    first = rig.host.kv(inst->ctx())["hec_channel"];
  }
  auto again = rig.instance(cfg, "kept");
  CHECK(first.size() == 36);
  CHECK(rig.host.kv(again->ctx())["hec_channel"] == first);
}
