#include <catch2/catch.hpp>

#include "ingest/hec_mapping.hpp"

#include <functional>

#include <simdjson.h>

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

namespace {

// The reference: parse_events (nlohmann), map_hec_event, then the normalizer on the text; the
// first envelope it refuses stops the body with code 6, as a bad envelope does.
MappedBody reference(std::string_view body, const HecMeta& d, const std::function<bool(std::string_view)>& allowed) {
  MappedBody out;
  auto parsed = hec::parse_events(body);
  out.error_code = parsed.error_code;
  out.error_index = parsed.error_index;
  for (size_t i = 0; i < parsed.events.size(); ++i) {
    const HecEvent e = hec_event_of(std::move(parsed.events[i]), d);
    if (!allowed(e.index)) {
      out.error_code = hec::kIncorrectIndex;
      out.error_index = i;
      break;
    }
    siemhub::ocsf::NormalizedEvent n;
    if (auto why = siemhub::ocsf::normalize(map_hec_event(e, "main", 7), n)) {
      out.error_code = hec::kInvalidDataFormat;
      out.error_index = i;
      out.refused = siemhub::ocsf::Refusal{*why, std::string(e.raw)};
      break;
    }
    out.events.push_back(n);
  }
  return out;
}

std::string padded(std::string body) {
  body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  return body;
}

void check_like_reference(const std::string& body_text,
                          const std::function<bool(std::string_view)>& allowed = [](std::string_view) { return true; }) {
  INFO(body_text);
  const std::string body = padded(body_text);
  const HecMeta d{"dh", "", "dst", ""};
  const MappedBody fast = map_hec_body(body, "main", d, allowed, 7);
  const MappedBody slow = reference(body, d, allowed);
  REQUIRE(fast.error_code == slow.error_code);
  REQUIRE(fast.error_index == slow.error_index);
  REQUIRE(fast.events.size() == slow.events.size());
  REQUIRE(fast.refused.has_value() == slow.refused.has_value());
  if (fast.refused) {
    CHECK(fast.refused->original == slow.refused->original);
    CHECK(fast.events.size() == fast.error_index);
  }
  for (size_t i = 0; i < fast.events.size(); ++i) {
    INFO(fast.events[i].json);
    CHECK(fast.events[i].json.find_first_of("\n\r\t") == std::string::npos);
    CHECK(json::parse(fast.events[i].json) == json::parse(slow.events[i].json));
    // A document and its normalized text agree on the id rule: metadata.uid, else a hash.
    CHECK(fast.events[i].id.size() >= 1);
  }
}

const char* kAuth = R"("class_uid":3002,"activity_id":1,"time":1700000000123,"metadata":{"product":{"name":"p"},"version":"1.8.0"})";

}  // namespace

// map_hec_body (one simdjson pass, normalize on the parsed event) gives the same events, codes
// and envelope numbers as the nlohmann path — up to key order and number/escape spelling.
TEST_CASE("the simdjson HEC path maps and normalizes envelopes like the nlohmann path", "[ingest][mapping]") {
  const std::string auth = std::string("{") + kAuth + "}";
  const std::vector<std::string> bodies = {
      R"({"event":{"class_uid":3002,"time":1,"metadata":{"labels":["x"],"version":"1.8.0"}}})",
      R"({"event":{)" + std::string(kAuth) + R"(}})",
      R"({"event":{"class_uid":3002,"activity_id":1,"time":5,"metadata":{"product":{"name":"p"},"labels":["receiver:hec","x"]}}})",
      R"({"event":{"class_uid":3002,"activity_id":1,"time":5,"metadata":{"product":{"name":"p"},"labels":["token:main","receiver:hec"]}}})",
      R"({"event":{"class_uid":3002,"activity_id":1,"time":5,"metadata":{"product":{"name":"p"},"labels":[]}}})",
      R"({"event":{"class_uid":3002,"activity_id":1,"time":5,"metadata":{}}})",
      R"({"event":{"class_uid":3002,"activity_id":1,"time":5,"metadata":{"product":{"name":"p"}}}})",
      R"({"event":{"class_uid":3002,"activity_id":1,"time":5,"category_uid":3,"type_uid":300201,"severity_id":2,"metadata":{"product":{"name":"p"},"version":"1.8.0","uid":"u-1"}}})",
      R"({"event":{"class_uid":1001}})",
      "{\"event\":\n  {\"class_uid\" : 1001,\n\t\"message\":\"a b\\n c\",\"n\":1.5e3}\n}",
      R"({"event":{"class_uid":3002,"metadata":"x"}})",
      R"({"event":{"class_uid":3002,"metadata":{"labels":"x"}}})",
      R"({"event":{"class_uid":3002,"activity_id":1,"time":5,"metadata":{"product":{"name":"p"},"labels":[{"a":"receiver:hec"}]}}})",
      R"({"event":{"class_uid":3002,"activity_id":1,"time":5,"metadata":{"product":{"name":"p"},"labels":["rec\u0065iver:hec"]}}})",
      R"({"event":{"class_uid":"3002","a":1}})",
      R"({"event":{"class_uid":3002.0}})",
      R"({"event":{"class_uid":-1}})",
      R"({"event":{"class_uid":1,"class_uid":2}})",
      R"({"event":[1,2],"host":"h"})",
      R"({"event":42,"time":"1700000000.5"})",
      R"({"event":true,"fields":{"k":"v"}})",
      R"({"event":"hello","time":1769509500.123,"host":"h\"q","source":"s","sourcetype":"st","index":"i","fields":{"k":[1,{"z":null}]}})",
      "{\"event\":\"caf\\u00e9 \\\"quoted\\\" \\/ tab\\t\\u0001\",\"fields\":{\n\"k\": \"v\"}}",
      R"({"event":"x","host":null,"fields":null,"time":null,"id":"abc"})",
      R"({"ev\u0065nt":"x","host":"h"})",
      R"({"event":"x","host":"a","host":"b"})",
      R"({"event":"big","time":1e10,"n":123456789012345678901234567890})",
      R"({"event":{"class_uid":12345678901234567890123}})",
      R"({"event":{"class_uid":18446744073709551615}})",
      R"({"event":"a"}{"event":"b"} {"event":{"class_uid":3002}})",
      R"({"event":{"class_uid":3002,"activity_id":1,"time":5,"metadata":{"product":{"name":"p"}},"n":2.0,"m":-0.0,"k":1e300}})",
      std::string(R"({"event":)") + auth + R"(,"fields":{"a":1}}{"event":"second"})",
  };
  for (const auto& body : bodies) check_like_reference(body);

  SECTION("errors keep their codes and envelope numbers, and the events before them") {
    for (const std::string body :
         {R"({"event":"a"}{"event":}{"event":"c"})", R"({"host":"x"})", R"({"event":"  "})", R"({"event":null})",
          R"({"event":"a","time":"soon"})", R"({"event":"a","time":-1})", R"({"event":"a","host":5})",
          R"({"event":"a","fields":[1]})", R"([{"event":"a"}])", R"({"event":"a"}{"event":"b")",
          R"({"event":"a","time":1e11})", R"({"event":"a"} {"event":"\ud800"})", "{\"event\":\"\xff\"}",
          R"({"event":"a"} 5 {"event":"b"})", R"({"event":"a"}{"event":"b","host":"x","host":"y"}{"event":)",
          R"({"event":"a"}})", R"(   )"}) {
      check_like_reference(body);
    }
  }
  SECTION("an index the token may not use stops the request there (code 7)") {
    const auto only_main = [](std::string_view index) { return index.empty() || index == "main"; };
    check_like_reference(R"({"event":"a","index":"main"}{"event":"b","index":"other"}{"event":"c"})", only_main);
    check_like_reference(R"({"event":"a"}{"event":"b","index":"other"}{"event":})", only_main);
  }
  SECTION("nesting: 510 levels are accepted, 511 are not (a wrapped event is stored 2 levels deeper)") {
    const auto nested = [](int depth) {
      return R"({"event":)" + std::string(static_cast<size_t>(depth - 1), '[') + "1" +
             std::string(static_cast<size_t>(depth - 1), ']') + "}";
    };
    check_like_reference(nested(509));  // the 1 is level 510, and 512 once wrapped
    check_like_reference(nested(510));
    check_like_reference(nested(511));
    check_like_reference(nested(512));
    const HecMeta d{"dh", "", "dst", ""};
    const auto any = [](std::string_view) { return true; };
    const MappedBody fits = map_hec_body(padded(nested(509)), "main", d, any, 7);
    REQUIRE(fits.events.size() == 1);
    CHECK(siemhub::ocsf::Event::parse(fits.events[0].json).ok());  // the stored event is readable
    const MappedBody deeper = map_hec_body(padded(nested(510)), "main", d, any, 7);
    CHECK(deeper.error_code == hec::kInvalidDataFormat);
    CHECK(deeper.detail == "event 0: nested deeper than 510 levels");
  }
}

TEST_CASE("bodies bigger than the simdjson batch and envelopes bigger than a batch map like the nlohmann path",
          "[ingest][mapping]") {
  std::string many;
  for (int i = 0; i < 4000; ++i)
    many += R"({"event":{)" + std::string(kAuth) + R"(,"message":"event )" + std::to_string(i) + std::string(400, 'x') + "\"}}\n";
  REQUIRE(many.size() > (2u << 20));  // crosses batch boundaries
  check_like_reference(many);
  const std::string huge = R"({"event":")" + std::string(1500000, 'y') + R"("}{"event":"after"})";
  check_like_reference(huge);
}

TEST_CASE("/v1/events lines map and normalize like the nlohmann path, and stop at the first bad line", "[ingest][mapping]") {
  const std::string ok = std::string("{") + kAuth + R"(,"user":{"name":"u"}})";
  const std::vector<std::string> bodies = {
      ok + "\n" + ok + "\r\n\n   \n" + ok,
      ok + "\nnot json\n" + ok + "\n",
      ok + "\n[1,2]\n",
      R"({"class_uid":3002,"metadata":{"labels":"x"}})" "\n" + ok,
      R"({"class_uid":1,"n":123456789012345678901234567890})" "\n" + ok,
      "\n \t \n",
      R"({"class_uid":3002,"activity_id":1,"time":5,"user":{"name":"u"},"metadata":{"product":{"name":"p"},"labels":["token:main"]}})",
  };
  for (const auto& text : bodies) {
    INFO(text);
    const std::string body = padded(text);
    const MappedLines mine = map_ndjson_body(body, "main");
    const NdjsonResult ref = parse_ndjson_objects(body);
    CHECK(mine.error_line == ref.error_line);
    CHECK(mine.error == ref.error);
    REQUIRE(mine.objects == ref.objects.size());
    size_t next = 0;
    for (auto o : ref.objects) {
      add_receiver_labels(o, "events", "main");
      siemhub::ocsf::NormalizedEvent n;
      if (siemhub::ocsf::normalize(o.dump(), n)) continue;
      REQUIRE(next < mine.events.size());
      CHECK(json::parse(mine.events[next++].json) == json::parse(n.json));
    }
    CHECK(next == mine.events.size());
    CHECK(mine.events.size() + mine.refused.size() == mine.objects);
  }
}

TEST_CASE("an envelope's empty host, source, sourcetype or index takes the default as an absent one does",
          "[ingest][mapping]") {
  const HecMeta d{"dh", "ds", "dst", "di"};
  const auto any = [](std::string_view) { return true; };
  const auto hec_of = [&](const std::string& body) {
    const MappedBody m = map_hec_body(padded(body), "main", d, any, 7);
    REQUIRE(m.events.size() == 1);
    return json::parse(m.events[0].json)["unmapped"]["hec"];
  };
  const json expected = {{"event", {{"x", 1}}}, {"host", "dh"}, {"source", "ds"}, {"sourcetype", "dst"}, {"index", "di"}};
  CHECK(hec_of(R"({"event":{"x":1}})") == expected);
  CHECK(hec_of(R"({"event":{"x":1},"host":"","source":"","sourcetype":"","index":""})") == expected);
  // The same on the envelope-by-envelope path (a repeated key sends the body there; the last wins).
  CHECK(hec_of(R"({"event":{"x":1},"host":"h1","host":"","source":"","sourcetype":"","index":""})") == expected);
  // And an index that is not allowed is judged as the default it becomes.
  const MappedBody refused = map_hec_body(padded(R"({"event":"a","index":""})"), "main", d,
                                          [](std::string_view index) { return index != "di"; }, 7);
  CHECK(refused.error_code == hec::kIncorrectIndex);
}

TEST_CASE("a HEC body stops at the first event normalize refuses: code 6 at its number and only the events before it",
          "[ingest][mapping]") {
  const std::string ok = std::string(R"({"event":{"user":{"name":"u"},)") + kAuth + "}}";
  const std::string refused = R"({"event":{"class_uid":3002,"activity_id":"nope","time":1,"metadata":{"product":{"name":"p"}}}})";
  const std::string body = padded(ok + R"({"event":"text"})" + refused + ok);
  const HecMeta d{"dh", "", "dst", ""};
  const MappedBody m = map_hec_body(body, "main", d, [](std::string_view) { return true; }, 7);
  CHECK(m.error_code == hec::kInvalidDataFormat);
  CHECK(m.error_index == 2);
  CHECK(m.events.size() == 2);
  REQUIRE(m.refused);
  CHECK(m.refused->original == refused);
  CHECK_THAT(m.refused->reason, Catch::Contains("activity_id"));
  CHECK_THAT(m.detail, Catch::StartsWith("event 2: "));
  // The envelope-by-envelope path (a repeated key sends the body there) stops at the same place.
  check_like_reference(ok + R"({"event":"text","host":"a","host":"b"})" + refused + ok);
  check_like_reference(refused);
}

TEST_CASE("a /v1/events line nested deeper than 512 levels stops the body with the limit on both readers",
          "[ingest][mapping][depth]") {
  const std::string ok = std::string(R"({"user":{"name":"u"},)") + kAuth + "}";
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const std::string body = padded(ok + "\n" + deep + "\n" + ok + "\n");
  const MappedLines mine = map_ndjson_body(body, "main");
  const NdjsonResult ref = parse_ndjson_objects(body);
  CHECK(mine.error == "line 2: nested deeper than 512 levels");
  CHECK(ref.error == mine.error);
  CHECK(mine.events.size() == 1);
}
