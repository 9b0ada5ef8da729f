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

TEST_CASE("with acknowledgement on, a 200 without ackId delivers each event once and reports the connector degraded with the reason",
          "[splunk][hec][ack]") {
  Rig rig;
  int event_posts = 0;
  rig.host.on_http([&](const HttpRecord& r) {
    if (r.url.find("/services/collector/ack") != std::string::npos)
      return hec_reply(400, R"({"text":"ACK is disabled","code":14})");
    ++event_posts;
    return hec_reply(200, R"({"text":"Success","code":0})");  // useACK off, Splunk Cloud, Fluent Bit in_splunk
  });
  auto inst = rig.instance(hec_config({{"ack", {{"enabled", true}, {"poll_interval_ms", 100}, {"timeout_ms", 1000}}}}));
  auto& op = inst->write(events(3), ids(3));
  REQUIRE(inst->wait(op));
  CHECK(op.succeeded());
  CHECK(count(op, SIEMHUB_OUTCOME_DELIVERED) == 3);
  rig.host.advance(10000);  // ten ack timeouts: nothing is polled, nothing is sent again
  CHECK(event_posts == 1);
  CHECK(rig.host.metric_value("hec_ack_polls") == 0);
  CHECK(rig.host.metric_value("hec_events_unacknowledged") == 3);
  REQUIRE_FALSE(rig.host.health_reports().empty());
  CHECK(rig.host.health_reports().back().state == SIEMHUB_HEALTH_DEGRADED);
  CHECK_THAT(rig.host.health_reports().back().reason, Catch::Contains("without an ackId"));
}

TEST_CASE("with acknowledgement on, events still pending at hold_ms go back to the host and written again wait for the same ackId",
          "[splunk][hec][ack]") {
  Rig rig;
  int event_posts = 0;
  bool indexed = false;
  rig.host.on_http([&](const HttpRecord& r) {
    if (r.url.find("/services/collector/ack") != std::string::npos)
      return hec_reply(200, indexed ? R"({"acks":{"0":true}})" : R"({"acks":{"0":false}})");
    ++event_posts;
    return hec_reply(200, R"({"text":"Success","code":0,"ackId":0})");
  });
  auto inst = rig.instance(hec_config({{"ack", {{"enabled", true}, {"poll_interval_ms", 1000}, {"hold_ms", 5000}}}}));
  auto& op = inst->write(events(3), ids(3));
  rig.host.advance(4900);
  CHECK(op.pending());
  rig.host.advance(200);
  REQUIRE(op.done());
  CHECK(op.succeeded());  // not a failure: a "not yet"
  REQUIRE(count(op, SIEMHUB_OUTCOME_RETRY) == 3);
  CHECK_THAT(op.results[0].reason, Catch::Contains("waiting for the indexer acknowledgement of ackId 0"));
  CHECK(op.results[0].retry_after_ms == 1000);
  CHECK(rig.host.metric_value("hec_ack_handed_back") == 3);

  auto& again = inst->write(events(3), ids(3));
  rig.host.advance(2000);
  CHECK(again.pending());
  CHECK(event_posts == 1);  // not sent a second time
  indexed = true;
  rig.host.advance(1000);
  REQUIRE(again.done());
  CHECK(count(again, SIEMHUB_OUTCOME_DELIVERED) == 3);
  CHECK(event_posts == 1);
}

TEST_CASE("an acknowledgement that comes between two writes delivers the events at once when the host writes them again",
          "[splunk][hec][ack]") {
  Rig rig;
  int event_posts = 0;
  int polls = 0;
  rig.host.on_http([&](const HttpRecord& r) {
    if (r.url.find("/services/collector/ack") != std::string::npos)
      return hec_reply(200, ++polls < 3 ? R"({"acks":{"0":false}})" : R"({"acks":{"0":true}})");
    ++event_posts;
    return hec_reply(200, R"({"text":"Success","code":0,"ackId":0})");
  });
  auto inst = rig.instance(hec_config({{"ack", {{"enabled", true}, {"poll_interval_ms", 1000}, {"hold_ms", 1500}}}}));
  auto& op = inst->write(events(4), ids(4));
  rig.host.advance(1600);
  REQUIRE(op.done());
  CHECK(count(op, SIEMHUB_OUTCOME_RETRY) == 4);
  rig.host.advance(2000);  // the third poll says true while no write waits
  CHECK(polls == 3);
  // The host writes them again with one new event: the four are delivered without a request,
  // only the new one is sent.
  std::vector<std::string> batch = events(5);
  std::vector<std::string> batch_ids = ids(5);
  auto& again = inst->write(batch, batch_ids);
  CHECK(again.results[0].outcome == SIEMHUB_OUTCOME_DELIVERED);
  CHECK(again.results[3].outcome == SIEMHUB_OUTCOME_DELIVERED);
  REQUIRE(event_posts == 2);
  const auto sent = envelopes(rig.host.http_requests().back().body);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0]["fields"]["siemhub_id"] == "id-4");
}

TEST_CASE("with the default ack timings pending ackIds are polled every 10 s and re-sent only after 5 minutes",
          "[splunk][hec][ack]") {
  Rig rig;
  int event_posts = 0;
  int polls = 0;
  rig.host.on_http([&](const HttpRecord& r) {
    if (r.url.find("/services/collector/ack") != std::string::npos) {
      ++polls;
      return hec_reply(200, R"({"acks":{}})");  // a slow indexer: nothing acknowledged yet
    }
    const int id = event_posts++;
    return hec_reply(200, R"({"text":"Success","code":0,"ackId":)" + std::to_string(id) + "}");
  });
  auto inst = rig.instance(hec_config({{"ack", {{"enabled", true}}}}));
  // The host writes again whatever comes back, as its outbox does, every second.
  FakeOp* op = &inst->write(events(2), ids(2));
  for (int s = 1; s < 300; ++s) {
    rig.host.advance(1000);
    if (op->done()) op = &inst->write(events(2), ids(2));
  }
  CHECK(event_posts == 1);
  CHECK(polls == 29);
  CHECK(rig.host.metric_value("hec_ack_timeouts") == 0);
  for (int s = 300; s < 320; ++s) {
    rig.host.advance(1000);
    if (op->done()) op = &inst->write(events(2), ids(2));
  }
  CHECK(event_posts == 2);
  CHECK(rig.host.metric_value("hec_ack_timeouts") == 1);
}

TEST_CASE("an ackId HEC hands out again after dropping the channel makes the events of the old request go out again",
          "[splunk][hec][ack]") {
  Rig rig;
  int event_posts = 0;
  rig.host.on_http([&](const HttpRecord& r) {
    if (r.url.find("/services/collector/ack") != std::string::npos) return hec_reply(200, R"({"acks":{"0":false}})");
    ++event_posts;
    return hec_reply(200, R"({"text":"Success","code":0,"ackId":0})");  // a channel started afresh each time
  });
  auto inst = rig.instance(hec_config({{"ack", {{"enabled", true}, {"poll_interval_ms", 1000}, {"hold_ms", 500}}}}));
  auto& first = inst->write(events(2), ids(2));
  rig.host.advance(600);
  REQUIRE(first.done());
  auto& other = inst->write(events(2, 1769509600000), {"other-0", "other-1"});  // gets ackId 0 again
  rig.host.advance(10);
  CHECK(event_posts == 2);
  auto& again = inst->write(events(2), ids(2));  // the first two: their ackId means nothing now
  rig.host.advance(10);
  CHECK(event_posts == 3);
  CHECK(again.pending());
  // ...and handed out once more, ackId 0 now stands for the third request: the second's events
  // go back to the host to be sent again.
  REQUIRE(other.done());
  CHECK(count(other, SIEMHUB_OUTCOME_RETRY) == 2);
  CHECK_THAT(other.results[0].reason, Catch::Contains("handed out ackId 0 again"));
}

TEST_CASE("an ack poll answered code 11 after HEC dropped the idle channel sends the pending events again with the next write",
          "[splunk][hec][ack]") {
  Rig rig;
  int event_posts = 0;
  bool channel_known = true;
  rig.host.on_http([&](const HttpRecord& r) {
    if (r.url.find("/services/collector/ack") != std::string::npos)
      return channel_known ? hec_reply(200, R"({"acks":{"0":false}})")
                           : hec_reply(400, R"({"text":"Invalid data channel","code":11})");
    ++event_posts;
    return hec_reply(200, R"({"text":"Success","code":0,"ackId":0})");
  });
  auto inst = rig.instance(hec_config({{"ack", {{"enabled", true}, {"poll_interval_ms", 1000}, {"hold_ms", 1500}}}}));
  auto& op = inst->write(events(2), ids(2));
  rig.host.advance(1600);
  REQUIRE(op.done());  // handed back, still pending
  channel_known = false;  // idle past maxIdleTime: Splunk forgot the channel and its ids
  rig.host.advance(1000);
  auto& again = inst->write(events(2), ids(2));
  rig.host.advance(10);
  CHECK(event_posts == 2);  // the only way left to get them indexed
  CHECK(again.pending());
}
