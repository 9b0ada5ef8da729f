#include <catch2/catch.hpp>

#include "http_fake_server.hpp"
#include "ingest/ack_tracker.hpp"
#include "ingest/hec_protocol.hpp"

using namespace siemhub::ingest;
using json = nlohmann::json;

TEST_CASE("concatenated HEC envelopes parse into events with their metadata", "[ingest][hec]") {
  const auto r = hec::parse_events(
      R"({"time":1769509500.123,"host":"h","source":"s","sourcetype":"st","index":"main","event":"a","fields":{"k":"v"}})"
      "\n"
      R"({"event":{"x":1},"time":"1769509501.5"}{"event":"c"})");
  REQUIRE(r.error_code == hec::kSuccess);
  REQUIRE(r.events.size() == 3);
  CHECK(r.events[0].time == Approx(1769509500.123));
  CHECK(*r.events[0].host == "h");
  CHECK(*r.events[0].index == "main");
  CHECK(r.events[0].fields["k"] == "v");
  CHECK(r.events[1].event["x"] == 1);
  CHECK(r.events[1].time == Approx(1769509501.5));
  CHECK(r.events[2].raw == R"({"event":"c"})");
}

TEST_CASE("HEC envelope errors stop parsing at the bad envelope with Splunk's code", "[ingest][hec]") {
  SECTION("invalid JSON is code 6") {
    const auto r = hec::parse_events(R"({"event":"a"}{"event":}{"event":"c"})");
    CHECK(r.events.size() == 1);
    CHECK(r.error_code == hec::kInvalidDataFormat);
    CHECK(r.error_index == 1);
  }
  SECTION("a missing event is code 12, a blank one 13") {
    CHECK(hec::parse_events(R"({"host":"x"})").error_code == hec::kEventFieldRequired);
    CHECK(hec::parse_events(R"({"event":"  "})").error_code == hec::kEventFieldBlank);
    CHECK(hec::parse_events(R"({"event":null})").error_code == hec::kEventFieldBlank);
  }
  SECTION("bad metadata types are code 6") {
    CHECK(hec::parse_events(R"({"event":"a","time":"soon"})").error_code == hec::kInvalidDataFormat);
    CHECK(hec::parse_events(R"({"event":"a","time":-1})").error_code == hec::kInvalidDataFormat);
    CHECK(hec::parse_events(R"({"event":"a","host":5})").error_code == hec::kInvalidDataFormat);
    CHECK(hec::parse_events(R"({"event":"a","fields":[1]})").error_code == hec::kInvalidDataFormat);
  }
  SECTION("an array, a truncated object and deep nesting are code 6") {
    CHECK(hec::parse_events(R"([{"event":"a"}])").error_code == hec::kInvalidDataFormat);
    CHECK(hec::parse_events(R"({"event":"a"}{"event":"b")").error_index == 1);
    CHECK(hec::parse_events("{\"event\":" + std::string(600, '[')).error_code == hec::kInvalidDataFormat);
  }
  SECTION("braces inside strings do not end an envelope") {
    const auto r = hec::parse_events(R"({"event":"a}\"{"}{"event":"b"})");
    REQUIRE(r.error_code == hec::kSuccess);
    CHECK(r.events.size() == 2);
    CHECK(r.events[0].event == "a}\"{");
  }
  SECTION("whitespace only is no events and no error") {
    const auto r = hec::parse_events(" \n\t ");
    CHECK(r.events.empty());
    CHECK(r.error_code == hec::kSuccess);
  }
}

TEST_CASE("HEC response bodies match Splunk's", "[ingest][hec]") {
  CHECK(json::parse(hec::response_body(0)) == json{{"text", "Success"}, {"code", 0}});
  CHECK(json::parse(hec::response_body(6, 2)) ==
        json{{"text", "Invalid data format"}, {"code", 6}, {"invalid-event-number", 2}});
  CHECK(json::parse(hec::response_body(0, std::nullopt, 7))["ackId"] == 7);
  CHECK(hec::http_status(hec::kTokenRequired) == 401);
  CHECK(hec::http_status(hec::kInvalidToken) == 403);
  CHECK(hec::http_status(hec::kServerBusy) == 503);
  CHECK(hec::text(hec::kChannelMissing) == "Data channel is missing");
  CHECK(json::parse(hec::ack_response({{0, true}, {1, false}})) == json::parse(R"({"acks":{"0":true,"1":false}})"));
}

TEST_CASE("HEC credentials come from Splunk or Basic headers, else the query", "[ingest][hec]") {
  CHECK(hec::hec_credentials("Splunk abc", std::nullopt).token == "abc");
  CHECK(hec::hec_credentials("splunk  abc ", std::nullopt).token == "abc");
  CHECK(hec::hec_credentials("Basic eDphYmM=", std::nullopt).token == "abc");  // x:abc
  CHECK(hec::hec_credentials("Basic eDo=", std::nullopt).error == hec::kInvalidAuthorization);  // empty password
  CHECK(hec::hec_credentials("Bearer abc", std::nullopt).error == hec::kInvalidAuthorization);
  CHECK(hec::hec_credentials("Splunk", std::nullopt).error == hec::kInvalidAuthorization);
  CHECK(hec::hec_credentials(std::nullopt, std::nullopt).error == hec::kTokenRequired);
  const auto q = hec::hec_credentials(std::nullopt, std::string_view("qq"));
  CHECK(q.token == "qq");
  CHECK(q.from_query);
  CHECK(hec::bearer_or_basic_token("Bearer t1").value() == "t1");
  CHECK_FALSE(hec::bearer_or_basic_token("Splunk t1"));
}

TEST_CASE("raw bodies split into non-blank lines", "[ingest][hec]") {
  const auto lines = hec::split_lines("a\r\n\nb c\n  \nd");
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "a");
  CHECK(lines[1] == "b c");
  CHECK(lines[2] == "d");
}

TEST_CASE("ack requests, channels, queries, base64 and gzip bodies parse strictly", "[ingest][hec]") {
  CHECK(hec::parse_ack_request(R"({"acks":[0,1,5]})").value() == std::vector<uint64_t>{0, 1, 5});
  CHECK_FALSE(hec::parse_ack_request(R"({"acks":[-1]})"));
  CHECK_FALSE(hec::parse_ack_request(R"({"acks":"1"})"));
  CHECK(hec::valid_channel("FE0ECFAD-13D5-401B-847D-77833BD77131"));
  CHECK_FALSE(hec::valid_channel(""));
  CHECK_FALSE(hec::valid_channel("a b"));
  const auto q = parse_query("channel=a%2Db&index=main&token=x+y");
  REQUIRE(q);
  CHECK(q->at("channel") == "a-b");
  CHECK(q->at("token") == "x y");
  CHECK_FALSE(parse_query("a=%zz"));
  CHECK(base64_decode("aGVsbG8").value() == "hello");
  CHECK_FALSE(base64_decode("a$=="));
  bool too_large = false;
  const std::string text(10000, 'x');
  CHECK(gunzip_body(siemhub::testing::gzip(text), 1 << 20, too_large).value() == text);
  CHECK(gunzip_body(siemhub::testing::gzip("ab") + siemhub::testing::gzip("cd"), 100, too_large).value() == "abcd");
  CHECK_FALSE(gunzip_body(siemhub::testing::gzip(text), 100, too_large));
  CHECK(too_large);
  CHECK_FALSE(gunzip_body("not gzip", 100, too_large));
  CHECK_FALSE(too_large);
}

TEST_CASE("NDJSON parsing stops at the first line that is not a JSON object", "[ingest][events]") {
  const auto r = parse_ndjson_objects("{\"a\":1}\n\n{\"b\":2}\r\n[1]\n{\"c\":3}\n");
  CHECK(r.objects.size() == 2);
  CHECK(r.error_line == 4);
  CHECK(r.error == "line 4: not a JSON object");
}

TEST_CASE("the ack tracker answers true once per durable id and false otherwise", "[ingest][ack]") {
  AckTracker t;
  const auto a = t.begin("c");
  const auto b = t.begin("c");
  CHECK(a == 0);
  CHECK(b == 1);
  CHECK(t.begin("other") == 0);
  CHECK(t.query("c", {a, b}) == std::vector<std::pair<uint64_t, bool>>{{0, false}, {1, false}});
  t.complete("c", a, true);
  t.complete("c", b, false);
  CHECK(t.query("c", {a, b, 9}) == std::vector<std::pair<uint64_t, bool>>{{0, true}, {1, false}, {9, false}});
  CHECK(t.query("c", {a}) == std::vector<std::pair<uint64_t, bool>>{{0, false}});  // consumed
  AckTracker small(2, 2);
  small.begin("x");
  small.begin("y");
  small.begin("z");
  CHECK(small.channel_count() == 2);
}
