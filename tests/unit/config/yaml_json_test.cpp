// YAML -> JSON conversion: locations, duplicate keys, scalar typing, unsupported features.
#include <catch2/catch.hpp>

#include "config/yaml_json.hpp"
#include "config_test_util.hpp"

using namespace siemhub::config;
using siemhub::testing::joined;

namespace {

std::optional<YamlDocument> parse(const std::string& text, std::vector<ConfigError>& errors) {
  return parse_yaml_text(text, "/etc/siemhub/siemhub.yaml", errors);
}

}  // namespace

TEST_CASE("a duplicate key fails naming both lines") {
  std::vector<ConfigError> errors;
  const auto doc = parse("connectors:\n"
                         "  gen:\n"
                         "    plugin: generator\n"
                         "    config:\n"
                         "      seed: 1\n"
                         "      rate: 5\n"
                         "      seed: 2\n",
                         errors);
  REQUIRE(doc);
  REQUIRE(errors.size() == 1);
  const auto& e = errors[0];
  CHECK(e.where.line == 7);
  CHECK(e.where.column == 7);
  CHECK(e.key_path == "connectors.gen.config.seed");
  CHECK(e.to_string() ==
        "/etc/siemhub/siemhub.yaml:7:7: connectors.gen.config.seed: duplicate key 'seed' (first defined at line 5)");
  CHECK(doc->value["connectors"]["gen"]["config"]["seed"] == 1);  // the first is kept, like yaml-cpp
}

TEST_CASE("a duplicate key holding a mapping does not disturb the first one's locations") {
  std::vector<ConfigError> errors;
  const auto doc = parse("a:\n  x: 1\na:\n  y: 2\n", errors);
  REQUIRE(doc);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].where.line == 3);
  CHECK(doc->value == nlohmann::json{{"a", {{"x", 1}}}});
  CHECK(doc->sources.values.count("/a/y") == 0);
  CHECK(doc->sources.values.at("/a/x").line == 2);
}

TEST_CASE("quoted scalars stay strings and plain ones become numbers and bools") {
  std::vector<ConfigError> errors;
  const auto doc = parse("q1: \"123\"\n"
                         "q2: 'true'\n"
                         "q3: !!str 7\n"
                         "i: 123\n"
                         "neg: -42\n"
                         "hex: 0x1F\n"
                         "oct: 0o17\n"
                         "f: 2.5\n"
                         "e: 1e3\n"
                         "b: true\n"
                         "B: False\n"
                         "n1: null\n"
                         "n2: ~\n"
                         "n3:\n"
                         "yes_is_string: yes\n"
                         "s: hello world\n"
                         "big: 18446744073709551615\n"
                         "list: [1, \"2\", three]\n",
                         errors);
  REQUIRE(doc);
  INFO(joined(errors));
  REQUIRE(errors.empty());
  const auto& v = doc->value;
  CHECK(v["q1"] == "123");
  CHECK(v["q2"] == "true");
  CHECK(v["q3"] == "7");
  CHECK(v["i"].is_number_integer());
  CHECK(v["i"] == 123);
  CHECK(v["neg"] == -42);
  CHECK(v["hex"] == 31);
  CHECK(v["oct"] == 15);
  CHECK(v["f"] == 2.5);
  CHECK(v["e"] == 1000.0);
  CHECK(v["b"] == true);
  CHECK(v["B"] == false);
  CHECK(v["n1"].is_null());
  CHECK(v["n2"].is_null());
  CHECK(v["n3"].is_null());
  CHECK(v["yes_is_string"] == "yes");
  CHECK(v["s"] == "hello world");
  CHECK(v["big"].is_number_unsigned());
  CHECK(v["list"] == nlohmann::json{1, "2", "three"});
}

TEST_CASE("every node and key has a source location keyed by JSON pointer") {
  std::vector<ConfigError> errors;
  const auto doc = parse("connectors:\n"
                         "  gen:\n"
                         "    config: {seed: 7, a/b: x}\n"
                         "routes:\n"
                         "  - from: [gen]\n"
                         "    to: [out]\n",
                         errors);
  REQUIRE(doc);
  REQUIRE(errors.empty());
  const auto& s = doc->sources;
  CHECK(s.keys.at("/connectors/gen").line == 2);
  CHECK(s.keys.at("/connectors/gen").column == 3);
  CHECK(s.values.at("/connectors/gen/config/seed").line == 3);
  CHECK(s.values.at("/connectors/gen/config/seed").column == 20);
  CHECK(s.keys.at("/connectors/gen/config/a~1b").column == 23);
  CHECK(s.values.at("/routes/0/to/0").line == 6);
  CHECK(s.values.at("/routes/0/to/0").column == 10);
  CHECK(s.value_or_ancestor("/connectors/gen/config/missing").line == 3);
  CHECK(s.values.at("/routes/0/to/0").file == "/etc/siemhub/siemhub.yaml");
}

TEST_CASE("anchors aliases and merge keys are rejected with a clear error") {
  std::vector<ConfigError> errors;
  const auto doc = parse("base: &b {x: 1}\n"
                         "copy: *b\n"
                         "merged:\n"
                         "  <<: {y: 2}\n",
                         errors);
  REQUIRE(doc);
  const auto all = joined(errors);
  INFO(all);
  CHECK(all.find(":1:7: anchors (&b) are not supported") != std::string::npos);
  CHECK(all.find(":2:7: copy: aliases (*name) are not supported") != std::string::npos);
  CHECK(all.find(":4:3: merged: merge keys (<<) are not supported") != std::string::npos);

  errors.clear();
  const auto complex = parse("? [a, b]\n: 1\nc: 2\n", errors);
  REQUIRE(complex);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message == "complex mapping keys are not supported");
  CHECK(complex->value == nlohmann::json{{"c", 2}});
}

TEST_CASE("a YAML syntax error is reported with its line and column and nothing throws") {
  std::vector<ConfigError> errors;
  const auto doc = parse("a: 1\nb: [1, 2\nc: 3\n", errors);
  CHECK_FALSE(doc);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].where.line >= 2);
  CHECK(errors[0].message.rfind("YAML syntax error", 0) == 0);

  errors.clear();
  CHECK(parse("a: 1\n---\nb: 2\n", errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message == "only one YAML document per file is allowed");

  errors.clear();
  CHECK_FALSE(parse_yaml_file("/nonexistent/siemhub.yaml", errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].to_string() == "/nonexistent/siemhub.yaml: cannot read file");
}
