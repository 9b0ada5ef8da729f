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
