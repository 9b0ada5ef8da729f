#include "ocsf/event.hpp"

#include "ocsf_test_util.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

using namespace siemhub::ocsf;
using siemhub::ocsf::testing::kAuthentication;

TEST_CASE("path access returns nested strings integers doubles and booleans") {
  const Event e = Event::parse(kAuthentication);
  REQUIRE(e.ok());
  CHECK(e.get_string("src_endpoint.ip") == "203.0.113.7");
  CHECK(e.get_string("metadata.product.name") == "OpenSSH");
  CHECK(e.get_int("class_uid") == 3002);
  CHECK(e.get_int("dst_endpoint.port") == 22);
  CHECK(e.get_double("dst_endpoint.port") == 22.0);
  CHECK(e.get_bool("is_mfa") == false);
  CHECK(e.get<std::int64_t>("time") == 1700000000000);
}

TEST_CASE("path access indexes arrays with brackets or dotted numbers") {
  const Event e = Event::parse(R"({"observables":[{"value":"a"},{"value":"b"}],"m":[[1,2],[3,4]]})");
  CHECK(e.get_string("observables[1].value") == "b");
  CHECK(e.get_string("observables.0.value") == "a");
  CHECK(e.get_int("m[1][0]") == 3);
  CHECK(e.get_int("m.1.1") == 4);
  CHECK_FALSE(e.get_element("observables[2]"));
  CHECK_FALSE(e.get_element("observables[x]"));
  CHECK_FALSE(e.get_element("observables[-1]"));
  CHECK_FALSE(e.get_element("observables[1"));
}

TEST_CASE("path access returns nullopt for missing paths and wrong types") {
  const Event e = Event::parse(kAuthentication);
  CHECK_FALSE(e.get_string("src_endpoint.mac"));
  CHECK_FALSE(e.get_string("no.such.path"));
  CHECK_FALSE(e.get_string("class_uid"));      // an integer
  CHECK_FALSE(e.get_int("src_endpoint.ip"));   // a string
  CHECK_FALSE(e.get_bool("severity_id"));      // an integer
  CHECK_FALSE(e.get_int("src_endpoint"));      // an object
  CHECK_FALSE(e.get_string("src_endpoint.ip.x"));  // through a string
  CHECK_FALSE(e.get_string("src_endpoint."));
  CHECK(e.get_element("")->is_object());       // "" is the root
}

TEST_CASE("integers beyond int64 and fractions are doubles not int64") {
  const Event e = Event::parse(R"({"big":18446744073709551615,"f":1.5,"neg":-9223372036854775808})");
  CHECK_FALSE(e.get_int("big"));
  CHECK(e.get_double("big") == Approx(1.8446744073709552e19));
  CHECK_FALSE(e.get_int("f"));
  CHECK(e.get_double("f") == 1.5);
  CHECK(e.get_int("neg") == INT64_MIN);
}

TEST_CASE("a failed parse keeps the error and answers nullopt") {
  const Event e = Event::parse(R"({"class_uid": 3002,)");
  CHECK_FALSE(e.ok());
  CHECK(e.error() != simdjson::SUCCESS);
  CHECK_FALSE(e.root());
  CHECK_FALSE(e.get_int("class_uid"));
  CHECK(e.to_json().is_null());
  CHECK(e.text() == R"({"class_uid": 3002,)");
}

TEST_CASE("text returns the exact input bytes without the parser padding") {
  const std::string input = std::string(kAuthentication) + "\n";
  const Event e = Event::parse(input);
  CHECK(e.text() == input);
}

TEST_CASE("elements and views stay valid after the event is moved") {
  Event e = Event::parse(kAuthentication);
  const auto ip = e.get_string("src_endpoint.ip");
  const auto element = e.get_element("dst_endpoint");
  std::vector<Event> events;
  events.push_back(std::move(e));
  for (int i = 0; i < 100; ++i) events.push_back(Event::parse("{}"));  // force reallocation
  CHECK(*ip == "203.0.113.7");
  std::string_view host;
  REQUIRE((*element)["hostname"].get(host) == simdjson::SUCCESS);
  CHECK(host == "bastion-1");
}

TEST_CASE("to_json converts the parsed document including big unsigned integers") {
  const Event e = Event::parse(R"({"a":[1,-2,2.5,true,null,"s"],"b":{"c":18446744073709551615}})");
  const nlohmann::json j = e.to_json();
  CHECK(j == nlohmann::json::parse(R"({"a":[1,-2,2.5,true,null,"s"],"b":{"c":18446744073709551615}})"));
  CHECK(Event::parse(kAuthentication).to_json() == nlohmann::json::parse(kAuthentication));
}

TEST_CASE("a batch parses events with one parser and reuses documents after clear") {
  Parser parser;
  Batch batch(parser);
  batch.add(kAuthentication);
  batch.add("[1,2");
  REQUIRE(batch.size() == 2);
  CHECK(batch[0].ok());
  CHECK_FALSE(batch[1].ok());
  batch.clear();
  CHECK(batch.empty());
  batch.add(R"({"x":1})");
  batch.add(kAuthentication);
  batch.add(kAuthentication);
  CHECK(batch[0].get_int("x") == 1);
  CHECK(batch[2].get_string("user.name") == "alice");
  std::size_t ok = 0;
  for (const Event& e : batch) ok += e.ok() ? 1 : 0;
  CHECK(ok == 3);
}
