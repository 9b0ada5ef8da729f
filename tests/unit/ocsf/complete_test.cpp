#include "ocsf/complete.hpp"

#include "ocsf/validate.hpp"
#include "ocsf_test_util.hpp"

#include <catch2/catch.hpp>

using namespace siemhub::ocsf;
using namespace siemhub::ocsf::testing;
using nlohmann::json;

TEST_CASE("complete fills type_uid and category_uid on a nlohmann event") {
  json j = json::parse(authentication_with({{"type_uid", nullptr}, {"category_uid", nullptr}}));
  CHECK(complete(j));
  CHECK(j["type_uid"] == 300201);
  CHECK(j["category_uid"] == 3);
  CHECK(validate(Event::parse(j.dump())).empty());
}

TEST_CASE("complete fills severity_id 0 and metadata.version when absent") {
  json j = {{"class_uid", 3002}, {"activity_id", 2}, {"time", 1}, {"metadata", {{"product", {{"name", "x"}}}}}};
  CHECK(complete(j));
  CHECK(j["severity_id"] == 0);
  CHECK(j["metadata"]["version"] == "1.8.0");
  CHECK(j["type_uid"] == 300202);
  json no_metadata = {{"class_uid", 2004}};
  CHECK(complete(no_metadata));
  CHECK(no_metadata["metadata"] == json{{"version", "1.8.0"}});
  CHECK(no_metadata["category_uid"] == 2);
  CHECK_FALSE(no_metadata.contains("type_uid"));  // no activity_id to derive it from
  CHECK_FALSE(no_metadata.contains("activity_id"));
  CHECK_FALSE(no_metadata.contains("time"));
}

TEST_CASE("complete never overwrites present values") {
  json j = json::parse(authentication_with({{"type_uid", 1}, {"category_uid", 9}, {"severity_id", "high"}}));
  const json before = j;
  CHECK_FALSE(complete(j));
  CHECK(j == before);
  json not_object = json::array({1});
  CHECK_FALSE(complete(not_object));
}

TEST_CASE("complete leaves category_uid absent for an unknown class") {
  json j = {{"class_uid", 1234}, {"activity_id", 1}, {"severity_id", 1}, {"metadata", {{"version", "1.0.0"}}}};
  CHECK(complete(j));
  CHECK_FALSE(j.contains("category_uid"));
  CHECK(j["type_uid"] == 123401);
}

TEST_CASE("complete on an Event splices missing top-level attributes and the result validates") {
  Event e = Event::parse(authentication_with({{"type_uid", nullptr}, {"category_uid", nullptr}, {"severity_id", nullptr}}));
  REQUIRE(validate(e).size() == 3);
  CHECK(complete(e));
  CHECK(e.get_int("type_uid") == 300201);
  CHECK(e.get_int("category_uid") == 3);
  CHECK(e.get_int("severity_id") == 0);
  CHECK(lines(validate(e)).empty());
  CHECK_FALSE(complete(e));  // idempotent
}

TEST_CASE("complete on an Event with metadata lacking version sets it") {
  Event e = Event::parse(authentication_with({{"metadata", {{"version", nullptr}}}}));
  CHECK(complete(e));
  CHECK(e.get_string("metadata.version") == "1.8.0");
  CHECK(e.get_string("metadata.product.name") == "OpenSSH");
  CHECK(lines(validate(e)).empty());
}

TEST_CASE("complete of an empty object produces valid JSON") {
  Event e = Event::parse(" { } \n");
  CHECK(complete(e));
  REQUIRE(e.ok());
  CHECK(e.to_json() == json{{"severity_id", 0}, {"metadata", {{"version", "1.8.0"}}}});
}

TEST_CASE("complete leaves unparsable and non-object events alone") {
  Event broken = Event::parse("{\"class_uid\":");
  CHECK_FALSE(complete(broken));
  CHECK(broken.text() == "{\"class_uid\":");
  Event array = Event::parse("[]");
  CHECK_FALSE(complete(array));
}

TEST_CASE("the Event and nlohmann completions agree") {
  for (const char* text : {R"({"class_uid":1007,"activity_id":1})", R"({"class_uid":7003,"activity_id":99,"metadata":{}})",
                           R"({"metadata":7})", R"({"class_uid":"3002","activity_id":1})"}) {
    INFO(text);
    json j = json::parse(text);
    complete(j);
    Event e = Event::parse(text);
    complete(e);
    CHECK(e.to_json() == j);
  }
}
