// siemhub/config.hpp: typed values with the schema's defaults, and the schema checked once
// with errors naming the JSON pointer; also through a plugin's create_instance in the test kit.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "siemhub/config.hpp"
#include "siemhub/plugin.hpp"
#include "siemhub/testing/fake_host.hpp"
#include "siemhub/testing/loader.hpp"

using namespace siemhub;  // NOLINT(google-build-using-namespace): test file
using sdk::ConfigReader;
using nlohmann::json;

namespace {

constexpr const char* kSchema = R"({
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "additionalProperties": false,
  "required": ["url", "token"],
  "definitions": {"port": {"type": "integer", "minimum": 1, "maximum": 65535}},
  "properties": {
    "url": {"type": "string", "pattern": "^https?://"},
    "token": {"type": "string", "minLength": 8, "x-siemhub-secret": true},
    "page_size": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
    "ratio": {"type": "number", "exclusiveMinimum": 0, "default": 0.5},
    "mode": {"type": "string", "enum": ["poll", "stream"], "default": "poll"},
    "port": {"$ref": "#/definitions/port", "default": 443},
    "tags": {"type": "array", "items": {"type": "string", "maxLength": 3}, "maxItems": 3, "uniqueItems": true},
    "tls": {"type": "object", "additionalProperties": false,
            "properties": {"verify": {"type": "boolean", "default": true}, "ca_file": {"type": "string"}}}
  }
})";

std::vector<std::string> issues(const json& config) {
  std::vector<std::string> out;
  for (const auto& i : ConfigReader::check(json::parse(kSchema), config)) out.push_back(i.str());
  return out;
}

const json kValid = {{"url", "https://x.example"}, {"token", "0123456789"}};

}  // namespace

TEST_CASE("typed values come from the config or else from the schema's defaults") {
  json c = kValid;
  c["page_size"] = 250;
  const ConfigReader r(kSchema, c);
  CHECK(r.get<std::string>("/url") == "https://x.example");
  CHECK(r.get<uint32_t>("/page_size") == 250);
  CHECK(r.get<double>("/ratio") == 0.5);
  CHECK(r.get<std::string>("/mode") == "poll");
  CHECK(r.get<uint16_t>("/port") == 443);  // default beside a $ref
  CHECK(r.get<bool>("/tls/verify"));       // default below an absent parent object
  CHECK_FALSE(r.find<std::string>("/tls/ca_file"));
  CHECK(r.has("/page_size"));
  CHECK_FALSE(r.has("/mode"));
}

TEST_CASE("a value that does not convert to the asked type is a config error naming the pointer") {
  json c = kValid;
  c["page_size"] = 1000;
  const ConfigReader r(kSchema, c);
  CHECK_THROWS_WITH(r.get<uint8_t>("/page_size"), "config /page_size: must be in 0..255");
  CHECK_THROWS_WITH(r.get<bool>("/url"), "config /url: expected a boolean, got a string");
  CHECK_THROWS_WITH(r.get<std::string>("/tls/ca_file"), "config /tls/ca_file: missing (and the schema has no default)");
  try {
    (void)r.get<int>("/url");
    FAIL("no throw");
  } catch (const sdk::Error& e) {
    CHECK(e.category() == sdk::Category::config);
  }
}

TEST_CASE("a valid config has no issues") { CHECK(issues(kValid).empty()); }

TEST_CASE("each schema violation is named with its JSON pointer") {
  json c = {{"url", "ftp://x"}, {"page_size", 0}, {"ratio", 0}, {"mode", "push"}, {"port", 70000},
            {"tags", {"a", "long", "a", "b"}}, {"tls", {{"verify", "yes"}, {"extra", 1}}}, {"unknown", true}};
  const auto got = issues(c);
  const std::vector<std::string> want = {
      "config /token: required but missing",
      "config /mode: must be one of [\"poll\",\"stream\"]",
      "config /page_size: 0 is less than the minimum 1",
      "config /port: 70000 is more than the maximum 65535",
      "config /ratio: 0 must be more than 0",
      "config /tags: more than 3 items",
      "config /tags/2: duplicates item 0",
      "config /tags/1: longer than 3 characters",
      "config /tls/extra: unknown key",
      "config /tls/verify: expected boolean, got a string",
      "config /unknown: unknown key",
      "config /url: does not match the pattern \"^https?://\"",
  };
  for (const auto& w : want) CHECK_THAT(got, Catch::VectorContains(w));
  CHECK(got.size() == want.size());
}

TEST_CASE("config errors never echo a string value") {
  json c = kValid;
  c["token"] = "short";
  const auto got = issues(c);
  REQUIRE(got.size() == 1);
  CHECK(got[0] == "config /token: shorter than 8 characters");
  CHECK_THAT(got[0], !Catch::Contains("short\""));
}

TEST_CASE("the reader throws one config error naming the first issues") {
  try {
    ConfigReader r(kSchema, json{{"url", 5}});
    FAIL("no throw");
  } catch (const sdk::Error& e) {
    CHECK(e.category() == sdk::Category::config);
    CHECK(std::string(e.what()) == "config /token: required but missing; config /url: expected string, got an integer");
  }
}

TEST_CASE("integer types accept whole floats and refuse fractions") {
  json c = kValid;
  c["page_size"] = 5.0;
  CHECK(ConfigReader(kSchema, c).get<int>("/page_size") == 5);
  c["page_size"] = 5.5;
  CHECK_THAT(issues(c), Catch::VectorContains(std::string("config /page_size: expected integer, got a number")));
}

TEST_CASE("anyOf and oneOf alternatives are checked") {
  const json schema = json::parse(R"({"properties":{"a":{"oneOf":[{"type":"integer"},{"type":"number"}]},
                                                    "b":{"anyOf":[{"type":"string"},{"type":"null"}]}}})");
  CHECK(ConfigReader::check(schema, json{{"a", 1.5}, {"b", nullptr}}).empty());
  const auto two = ConfigReader::check(schema, json{{"a", 1}, {"b", 3}});
  REQUIRE(two.size() == 2);
  CHECK(two[0].str() == "config /a: matches more than one oneOf alternative");
  CHECK(two[1].str() == "config /b: does not match any of the anyOf alternatives");
}

TEST_CASE("a schema that is not JSON is an internal error") {
  try {
    ConfigReader r(std::string_view("{not json"), json::object());
    FAIL("no throw");
  } catch (const sdk::Error& e) {
    CHECK(e.category() == sdk::Category::internal);
  }
}

namespace {
// A plugin whose typed Config is read with ConfigReader: no hand-written checks.
class Typed {
 public:
  static constexpr char id[] = "test.typed-config";
  static constexpr char version[] = "1.0.0";
  static constexpr const char* config_schema = kSchema;
  struct Config {
    std::string url;
    uint32_t page_size = 0;
    bool verify = false;
  };
  Typed(sdk::Host host, Config c) : host_(host), c_(std::move(c)) {}
  void poll(sdk::PullOp& op) {
    op.emit({json{{"url", c_.url}, {"page_size", c_.page_size}, {"verify", c_.verify}}.dump()});
  }

 private:
  sdk::Host host_;
  Config c_;
};
void from_json(const json& j, Typed::Config& c) {
  const ConfigReader r(Typed::config_schema, j);
  c.url = r.get<std::string>("/url");
  c.page_size = r.get<uint32_t>("/page_size");
  c.verify = r.get<bool>("/tls/verify");
}
}  // namespace

TEST_CASE("a plugin reading its Config with the reader refuses an invalid config at create_instance as CONFIG") {
  testing::FakeHost host;
  auto plugin = testing::Plugin::wrap(sdk::descriptor_of<Typed>(), "typed");
  REQUIRE(plugin->init(host).ok());
  testing::CallResult bad;
  CHECK_FALSE(testing::Instance::create(*plugin, host, R"({"url":"https://x.example","token":"0123456789","page_size":0})", &bad));
  CHECK(bad.clean_error());
  CHECK(bad.status.category == SIEMHUB_CAT_CONFIG);
  CHECK(std::string(bad.status.message) == "config /page_size: 0 is less than the minimum 1");

  testing::CallResult good;
  auto inst = testing::Instance::create(*plugin, host, R"({"url":"https://x.example","token":"0123456789"})", &good);
  INFO(good.describe());
  REQUIRE(inst);
  REQUIRE(inst->start().ok());
  testing::FakeOp& op = inst->poll();
  REQUIRE(op.succeeded());
  CHECK(op.events.at(0) == R"({"page_size":100,"url":"https://x.example","verify":true})");
}
