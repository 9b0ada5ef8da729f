// The one-parse normalizer: the JSON writer, validation of an event as completion will leave it,
// and normalizing a value inside a bigger document with receiver labels.
#include "ocsf/normalize.hpp"

#include "ocsf/complete.hpp"
#include "ocsf/validate.hpp"
#include "ocsf_test_util.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <random>

using namespace siemhub::ocsf;
using namespace siemhub::ocsf::testing;
using nlohmann::json;

namespace {

simdjson::dom::element parse(simdjson::dom::parser& p, const std::string& text) {
  simdjson::dom::element e;
  REQUIRE(p.parse(text).get(e) == simdjson::SUCCESS);
  return e;
}

std::string written(const std::string& text) {
  simdjson::dom::parser p;
  std::string out;
  write_json(parse(p, text), out);
  return out;
}

}  // namespace

TEST_CASE("the JSON writer writes back what it read: members in order, strings escaped, numbers exact") {
  const std::vector<std::string> docs = {
      R"({"b":1,"a":[true,false,null],"c":{"d":"e"}})",
      R"("quote \" backslash \\ slash / newline \n tab \t bell \u0007 del \u007f")",
      R"("caf\u00e9 \ud83d\ude00 日本")",
      R"([0,-1,9223372036854775807,-9223372036854775808,18446744073709551615])",
      R"([1.5,-0.0,2.0,1e300,5e-324,0.1,123456789.125])",
      R"({"":"","x y":"a\u0000b"})",
      R"([[],{},[{}],""])",
  };
  for (const auto& doc : docs) {
    INFO(doc);
    const std::string out = written(doc);
    INFO(out);
    CHECK(json::parse(out) == json::parse(doc));
    CHECK(out.find_first_of("\n\t") == std::string::npos);
  }
  // Doubles stay doubles (an integral one keeps a fraction), integers stay integers.
  CHECK(written("[2.0,2,-0.0]") == "[2.0,2,-0.0]");
  CHECK(written(R"({"k":"\u0001"})") == R"({"k":"\u0001"})");
}

TEST_CASE("the JSON writer escapes every control character, quote and backslash in long and short strings") {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> byte(0, 127);
  simdjson::dom::parser p;
  for (int round = 0; round < 500; ++round) {
    std::string s(static_cast<size_t>(round % 40), ' ');
    for (auto& c : s) c = static_cast<char>(byte(rng));
    std::string out;
    write_json_string(s, out);
    INFO(json(s).dump());
    simdjson::dom::element e;
    REQUIRE(p.parse(out).get(e) == simdjson::SUCCESS);
    CHECK(std::string_view(e) == s);
  }
}

TEST_CASE("validation of an event as completed does not report what completion adds") {
  simdjson::dom::parser p;
  const auto root = parse(p, R"({"class_uid":3002,"activity_id":1,"time":5,"user":{"name":"u"},"metadata":{"product":{"name":"x"}}})");
  const Completion c = plan_completion(root);
  CHECK(c.type_uid == 300201);
  CHECK(c.category_uid == 3);
  CHECK(c.severity_id);
  CHECK(c.metadata_version);
  CHECK(validate(root, c).empty());
  // Without the completion the same event lacks four attributes.
  CHECK(validate(root, Completion{}).size() == 4);
  // Completion adds metadata with only its version: the product is still reported.
  const auto bare = parse(p, R"({"class_uid":3002,"activity_id":1,"time":5,"user":{"name":"u"}})");
  const auto v = validate(bare, plan_completion(bare));
  REQUIRE(v.size() == 1);
  CHECK(v[0].path == "metadata.product");
}

TEST_CASE("normalizing text and normalizing the parsed event give the same event") {
  const std::vector<std::string> events = {
      std::string(kAuthentication),
      authentication_with({{"type_uid", nullptr}, {"category_uid", nullptr}, {"severity_id", nullptr}}),
      R"({"class_uid":3002,"activity_id":1,"time":5,"user":{"name":"u"},"metadata":{"product":{"name":"x"}}})",
      R"({"class_uid":3002,"activity_id":1,"time":5,"user":{"name":"u"},"metadata":{"product":{"name":"x"},"uid":"id-7"}})",
  };
  for (const auto& text : events) {
    INFO(text);
    NormalizedEvent from_text, from_element;
    REQUIRE_FALSE(normalize(text, from_text));
    simdjson::dom::parser p;
    REQUIRE_FALSE(normalize(parse(p, text), {}, from_element));
    CHECK(json::parse(from_text.json) == json::parse(from_element.json));
    CHECK(validate(Event::parse(from_text.json)).empty());
    // The id is metadata.uid, else the hash of the text that goes out.
    const json md = json::parse(text)["metadata"];
    if (md.contains("uid")) CHECK(from_text.id == md["uid"].get<std::string>());
    else CHECK(from_text.id == event_id(from_text.json, ""));
  }
}

TEST_CASE("receiver labels go into metadata.labels, are not repeated and make metadata when there is none") {
  simdjson::dom::parser p;
  const std::array<std::string_view, 2> labels{"receiver:hec", "token:t"};
  const auto labelled = [&](const std::string& text) {
    NormalizedEvent n;
    const auto why = normalize(parse(p, text), labels, n);
    INFO(why.value_or(""));
    REQUIRE_FALSE(why);
    return json::parse(n.json)["metadata"];
  };
  const std::string base = R"("class_uid":3002,"activity_id":1,"time":5,"user":{"name":"u"},)";
  CHECK(labelled("{" + base + R"("metadata":{"product":{"name":"x"},"version":"1.8.0"}})")["labels"] ==
        json{"receiver:hec", "token:t"});
  CHECK(labelled("{" + base + R"("metadata":{"product":{"name":"x"},"labels":["token:t","a"]}})")["labels"] ==
        json{"token:t", "a", "receiver:hec"});
  const json md = labelled("{" + base + R"("metadata":{"product":{"name":"x"}}})");
  CHECK(md["version"] == "1.8.0");
  CHECK(md["labels"] == json{"receiver:hec", "token:t"});
  // Metadata that cannot take labels: refused (the HEC receiver wraps such events instead).
  CHECK_FALSE(labellable(shape_of(parse(p, "{" + base + R"("metadata":{"labels":"x"}})"))));
  CHECK_FALSE(labellable(shape_of(parse(p, "{" + base + R"("metadata":7})"))));
  CHECK(labellable(shape_of(parse(p, "{" + base.substr(0, base.size() - 1) + "}"))));
}

TEST_CASE("an event normalize refuses says why, with at most three violations") {
  NormalizedEvent n;
  CHECK(normalize(std::string("{nope"), n)->rfind("not valid JSON", 0) == 0);
  const auto why = normalize(std::string(R"({"class_uid":3002,"activity_id":77,"severity_id":"x","time":"y","status_id":"z"})"), n);
  REQUIRE(why);
  // Six violations (activity, three types, user, metadata.product): three named, the rest counted.
  CHECK(why->find("; and 3 more") != std::string::npos);
}

TEST_CASE("an event with a repeated key is completed and validated by its first value and reads back valid") {
  // type_uid is derived from the first activity_id (as simdjson's at_key and the rules read it);
  // validation must judge by the same one, or the completed text fails when read again.
  const std::string text =
      R"({"class_uid":3002,"activity_id":1,"severity_id":1,"time":5,"user":{"name":"u"},)"
      R"("metadata":{"product":{"name":"x"},"version":"1.8.0"},"activity_id":2})";
  NormalizedEvent n;
  REQUIRE_FALSE(normalize(text, n));
  const Event back = Event::parse(n.json);
  CHECK(back.get_int("type_uid") == 300201);
  CHECK(lines(validate(back)).empty());
  // A repeated type_uid that disagrees after the first, consistent one is not held against it.
  CHECK(lines(validate(Event::parse(R"({"class_uid":3002,"activity_id":1,"type_uid":300201,"type_uid":9,)"
                                    R"("category_uid":3,"severity_id":1,"time":5,"user":{"name":"u"},)"
                                    R"("metadata":{"product":{"name":"x"},"version":"1.8.0"}})")))
            .empty());
}
