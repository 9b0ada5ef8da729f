#include <catch2/catch.hpp>

#include "ingest/hec_mapping.hpp"

using namespace siemhub::ingest;
using json = nlohmann::json;

TEST_CASE("an OCSF HEC event passes through unchanged except for receiver labels", "[ingest][mapping]") {
  HecEvent e;
  e.event = json{{"class_uid", 3002}, {"time", 1}, {"metadata", {{"labels", {"x"}}, {"version", "1.8.0"}}}};
  e.index = "main";
  const json out = json::parse(map_hec_event(e, "main", 5));
  json expected = e.event;
  expected["metadata"]["labels"] = {"x", "receiver:hec", "token:main"};
  CHECK(out == expected);

  HecEvent bare;
  bare.event = json{{"class_uid", 1001}};
  const json out2 = json::parse(map_hec_event(bare, "t", 5));
  CHECK(out2 == json{{"class_uid", 1001}, {"metadata", {{"labels", {"receiver:hec", "token:t"}}}}});
}

TEST_CASE("a non-OCSF HEC event is wrapped as a Base Event with raw_data and unmapped", "[ingest][mapping]") {
  const std::string raw = R"({"event":"hello","time":1769509500.123,"host":"h"})";
  HecEvent e;
  e.event = "hello";
  e.time = 1769509500.123;
  e.host = "h";
  e.index = "main";
  e.sourcetype = "st";
  e.fields = json{{"k", "v"}};
  e.raw = raw;
  const json out = json::parse(map_hec_event(e, "main", 5));
  CHECK(out["class_uid"] == 0);
  CHECK(out["category_uid"] == 0);
  CHECK(out["activity_id"] == 0);
  CHECK(out["type_uid"] == 0);
  CHECK(out["severity_id"] == 0);
  CHECK(out["time"] == 1769509500123LL);
  CHECK(out["message"] == "hello");
  CHECK(out["raw_data"] == raw);
  CHECK(out["unmapped"]["hec"] == json{{"index", "main"}, {"sourcetype", "st"}, {"host", "h"}, {"fields", {{"k", "v"}}}});
  CHECK(out["metadata"] == json{{"product", {{"name", "Splunk HEC"}}},
                                {"version", "1.8.0"},
                                {"labels", {"receiver:hec", "token:main"}}});

  SECTION("an object event without class_uid goes to unmapped.hec.event and time defaults to now") {
    HecEvent o;
    o.event = json{{"class_uid", "3002"}, {"a", 1}};  // a string class_uid is not OCSF
    o.raw = "{}";
    const json w = json::parse(map_hec_event(o, "main", 42));
    CHECK(w["class_uid"] == 0);
    CHECK(w["time"] == 42);
    CHECK_FALSE(w.contains("message"));
    CHECK(w["unmapped"]["hec"]["event"] == o.event);
  }
  SECTION("OCSF with a non-object metadata cannot be labelled and is wrapped") {
    HecEvent o;
    o.event = json{{"class_uid", 3002}, {"metadata", "x"}};
    const json w = json::parse(map_hec_event(o, "main", 42));
    CHECK(w["class_uid"] == 0);
    CHECK(w["unmapped"]["hec"]["event"] == o.event);
  }
}

TEST_CASE("receiver labels are not repeated", "[ingest][mapping]") {
  json o{{"class_uid", 1}, {"metadata", {{"labels", {"receiver:events"}}}}};
  REQUIRE(add_receiver_labels(o, "events", "t"));
  CHECK(o["metadata"]["labels"] == json{"receiver:events", "token:t"});
  json bad{{"metadata", {{"labels", "x"}}}};
  CHECK_FALSE(add_receiver_labels(bad, "events", "t"));
}

// The fast path (parse_events_raw + map_hec_raw) gives the same events as the nlohmann path
// (parse_events + map_hec_event), up to key order and number/escape spelling.
TEST_CASE("the simdjson HEC path maps envelopes like the nlohmann path", "[ingest][mapping]") {
  const std::vector<std::string> bodies = {
      R"({"event":{"class_uid":3002,"time":1,"metadata":{"labels":["x"],"version":"1.8.0"}}})",
      R"({"event":{"class_uid":3002,"metadata":{"labels":["receiver:hec","x"]}}})",
      R"({"event":{"class_uid":3002,"metadata":{"labels":["token:main","receiver:hec"]}}})",
      R"({"event":{"class_uid":3002,"metadata":{"labels":[]}}})",
      R"({"event":{"class_uid":3002,"metadata":{}}})",
      R"({"event":{"class_uid":3002,"metadata":{"product":{"name":"p"}}}})",
      R"({"event":{"class_uid":1001}})",
      "{\"event\":\n  {\"class_uid\" : 1001,\n\t\"message\":\"a b\\n c\",\"n\":1.5e3}\n}",
      R"({"event":{"class_uid":3002,"metadata":"x"}})",
      R"({"event":{"class_uid":3002,"metadata":{"labels":"x"}}})",
      R"({"event":{"class_uid":3002,"metadata":{"labels":[{"a":"receiver:hec"}]}}})",
      R"({"event":{"class_uid":3002,"metadata":{"labels":["rec\u0065iver:hec"]}}})",
      R"({"event":{"class_uid":"3002","a":1}})",
      R"({"event":{"class_uid":3002.0}})",
      R"({"event":{"class_uid":-1}})",
      R"({"event":{"class_uid":1,"class_uid":2}})",
      R"({"event":[1,2],"host":"h"})",
      R"({"event":42,"time":"1700000000.5"})",
      R"({"event":true,"fields":{"k":"v"}})",
      R"({"event":"hello","time":1769509500.123,"host":"h\"q","source":"s","sourcetype":"st","index":"i","fields":{"k":[1,{"z":null}]}})",
      "{\"event\":\"caf\\u00e9 \\\"quoted\\\" \\/ tab\\t\",\"fields\":{\n\"k\": \"v\"}}",
      R"({"event":"x","host":null,"fields":null,"time":null,"id":"abc"})",
      R"({"ev\u0065nt":"x","host":"h"})",
      R"({"event":"x","host":"a","host":"b"})",
      R"({"event":"big","time":1e10,"n":123456789012345678901234567890})",
      R"({"event":{"class_uid":12345678901234567890123}})",
  };
  for (const auto& body : bodies) {
    INFO(body);
    const auto slow = hec::parse_events(body);
    const auto fast = hec::parse_events_raw(body, "receiver:hec", "token:main");
    REQUIRE(fast.error_code == slow.error_code);
    REQUIRE(fast.error_index == slow.error_index);
    REQUIRE(fast.events.size() == slow.events.size());
    for (size_t i = 0; i < fast.events.size(); ++i) {
      HecEvent e;
      const auto& s = slow.events[i];
      e.event = s.event;
      e.time = s.time;
      e.fields = s.fields;
      e.raw = s.raw;
      HecMeta m;
      m.host = e.host = s.host.value_or("dh");
      m.source = e.source = s.source.value_or("");
      m.sourcetype = e.sourcetype = s.sourcetype.value_or("dst");
      m.index = e.index = s.index.value_or("");
      const std::string fast_text = map_hec_raw(fast.events[i], m, "main", 7);
      INFO(fast_text);
      CHECK(fast_text.find_first_of("\n\r\t") == std::string::npos);
      CHECK(json::parse(fast_text) == json::parse(map_hec_event(e, "main", 7)));
    }
  }
  SECTION("errors keep their codes and envelope numbers") {
    for (const std::string body : {R"({"event":"a"}{"event":}{"event":"c"})", R"({"host":"x"})", R"({"event":"  "})",
                                   R"({"event":null})", R"({"event":"a","time":"soon"})", R"({"event":"a","time":-1})",
                                   R"({"event":"a","host":5})", R"({"event":"a","fields":[1]})", R"([{"event":"a"}])",
                                   R"({"event":"a"}{"event":"b")", R"({"event":"a","time":1e11})",
                                   R"({"event":"a"} {"event":"\ud800"})", "{\"event\":\"\xff\"}"}) {
      INFO(body);
      const auto slow = hec::parse_events(body);
      const auto fast = hec::parse_events_raw(body, "receiver:hec", "token:main");
      CHECK(fast.error_code == slow.error_code);
      CHECK(fast.error_index == slow.error_index);
      CHECK(fast.events.size() == slow.events.size());
    }
  }
}
