// validate_plugin_config / redacted_config: plugin schemas, secrets, suggestions.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "config_test_util.hpp"
#include "core/redact.hpp"

using namespace siemhub::config;
using siemhub::testing::ConfigDir;
using siemhub::testing::error_at;
using siemhub::testing::joined;

namespace {

const char* const kSplunkSchema = R"({
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "additionalProperties": false,
  "required": ["url", "hec_token"],
  "properties": {
    "url": {"type": "string"},
    "hec_token": {"type": "string", "x-siemhub-secret": true, "pattern": "^[0-9a-f-]{36}$"},
    "index": {"type": "string"},
    "port": {"type": "integer", "minimum": 1, "maximum": 65535},
    "batch": {
      "type": "object", "additionalProperties": false,
      "properties": {"max_events": {"type": "integer", "minimum": 1}, "max_bytes": {"type": "integer"}}
    },
    "headers": {"type": "array", "items": {"$ref": "#/definitions/header"}}
  },
  "definitions": {
    "header": {
      "type": "object", "additionalProperties": false,
      "properties": {"name": {"type": "string"}, "value": {"type": "string", "x-siemhub-secret": true}}
    }
  }
})";

// Loads `yaml` (a main file) and returns its only connector plus the source map.
std::pair<ConnectorConfig, SourceMap> load_one(const ConfigDir& dir, const std::string& yaml) {
  auto r = load_config(dir.write("siemhub.yaml", yaml));
  INFO(joined(r.errors));
  REQUIRE(r.config);
  REQUIRE(r.config->connectors.size() == 1);
  return {r.config->connectors[0], r.config->sources};
}

}  // namespace

TEST_CASE("a misspelled nested key in a connector config fails with file line and column the dotted key and a did-you-mean suggestion") {
  ConfigDir dir;
  auto [c, sources] = load_one(dir, "connectors:\n"
                                    "  splunk:\n"
                                    "    plugin: com.example.splunk\n"
                                    "    config:\n"
                                    "      url: https://hec.example:8088\n"
                                    "      hec_tokn: 00000000-0000-0000-0000-000000000000\n"
                                    "      batch:\n"
                                    "        max_event: 10\n"
                                    "        whatever: 1\n");
  const auto errors = validate_plugin_config(c, kSplunkSchema, sources);
  INFO(joined(errors));
  const auto file = (dir.path() / "siemhub.yaml").string();
  const auto typo = error_at(errors, "connectors.splunk.config.hec_tokn");
  CHECK(typo.to_string() ==
        file + ":6:7: connectors.splunk.config.hec_tokn: unknown key 'hec_tokn' (did you mean 'hec_token'?)");
  const auto nested = error_at(errors, "connectors.splunk.config.batch.max_event");
  CHECK(nested.to_string() == file +
                                   ":8:9: connectors.splunk.config.batch.max_event: unknown key 'max_event' "
                                   "(did you mean 'max_events'?)");
  const auto far = error_at(errors, "connectors.splunk.config.batch.whatever");
  CHECK(far.message == "unknown key 'whatever'");  // nothing close enough to suggest
  const auto missing = error_at(errors, "connectors.splunk.config");
  CHECK(missing.message == "missing required key 'hec_token'");
  CHECK(errors.size() == 4);
}

TEST_CASE("a wrong type and an out-of-range integer in a connector config are reported with their location") {
  ConfigDir dir;
  auto [c, sources] = load_one(dir, "connectors:\n"
                                    "  splunk:\n"
                                    "    plugin: com.example.splunk\n"
                                    "    config:\n"
                                    "      url: [not, a, string]\n"
                                    "      hec_token: 00000000-0000-0000-0000-000000000000\n"
                                    "      port: 70000\n"
                                    "      headers:\n"
                                    "        - {name: X-A, value: 12}\n");
  const auto errors = validate_plugin_config(c, kSplunkSchema, sources);
  INFO(joined(errors));
  REQUIRE(errors.size() == 3);
  const auto file = (dir.path() / "siemhub.yaml").string();
  CHECK(error_at(errors, "connectors.splunk.config.url").to_string() ==
        file + ":5:12: connectors.splunk.config.url: expected string, got array");
  CHECK(error_at(errors, "connectors.splunk.config.port").to_string() ==
        file + ":7:13: connectors.splunk.config.port: must be at most 65535 (got 70000)");
  CHECK(error_at(errors, "connectors.splunk.config.headers[0].value").to_string() ==
        file + ":9:30: connectors.splunk.config.headers[0].value: expected string, got integer");
}

TEST_CASE("an env secret reference resolves and its value never appears in any error message or in redacted_config") {
  const std::string value = "s3cr3t-NOT-a-uuid-token-value";
  ::setenv("SIEMHUB_TEST_HEC_TOKEN", value.c_str(), 1);
  ConfigDir dir;
  auto [c, sources] = load_one(dir, "connectors:\n"
                                    "  splunk:\n"
                                    "    plugin: com.example.splunk\n"
                                    "    config:\n"
                                    "      url: https://hec.example:8088\n"
                                    "      hec_token: ${env:SIEMHUB_TEST_HEC_TOKEN}\n"
                                    "      index: ${env:SIEMHUB_TEST_HEC_TOKEN}\n"
                                    "      port: ${env:SIEMHUB_TEST_HEC_TOKEN}\n");
  const auto errors = validate_plugin_config(c, kSplunkSchema, sources);
  // The value is resolved (the plugin sees it) and validated: it fails the pattern and the type.
  CHECK(c.config["hec_token"] == value);
  CHECK(c.config["index"] == value);
  const auto all = joined(errors);
  INFO(all);
  CHECK(errors.size() == 2);
  CHECK(error_at(errors, "connectors.splunk.config.hec_token").message.rfind("does not match the pattern", 0) == 0);
  CHECK(error_at(errors, "connectors.splunk.config.port").message == "expected integer, got string");
  CHECK(all.find(value) == std::string::npos);

  const auto shown = redacted_config(c, kSplunkSchema);
  CHECK(shown["hec_token"] == "***");
  CHECK(shown["index"] == "***");  // not marked, but a resolved secret: redacted everywhere
  CHECK(shown["url"] == "https://hec.example:8088");
  CHECK(shown.dump().find(value) == std::string::npos);
  CHECK(siemhub::core::redact("token=" + value) == "token=***");
}

TEST_CASE("an unset env variable is an error that names the reference") {
  ::unsetenv("SIEMHUB_TEST_UNSET_VARIABLE");
  ConfigDir dir;
  auto [c, sources] = load_one(dir, "connectors:\n"
                                    "  splunk:\n"
                                    "    plugin: com.example.splunk\n"
                                    "    config:\n"
                                    "      url: https://hec.example:8088\n"
                                    "      hec_token: ${env:SIEMHUB_TEST_UNSET_VARIABLE}\n");
  const auto errors = validate_plugin_config(c, kSplunkSchema, sources);
  INFO(joined(errors));
  const auto e = error_at(errors, "connectors.splunk.config.hec_token");
  CHECK(e.to_string() == (dir.path() / "siemhub.yaml").string() +
                              ":6:18: connectors.splunk.config.hec_token: cannot resolve secret reference "
                              "${env:SIEMHUB_TEST_UNSET_VARIABLE}: environment variable "
                              "SIEMHUB_TEST_UNSET_VARIABLE is not set");
}

TEST_CASE("a file secret reference resolves with the trailing newline trimmed") {
  ConfigDir dir;
  const auto secret = dir.write("secrets/hec", "0123abcd-0000-0000-0000-000000000000\n");
  auto [c, sources] = load_one(dir, "connectors:\n"
                                    "  splunk:\n"
                                    "    plugin: com.example.splunk\n"
                                    "    config:\n"
                                    "      url: https://hec.example:8088\n"
                                    "      hec_token: ${file:" + secret.string() + "}\n"
                                    "      headers: [{name: Authorization, value: \"${file:" + secret.string() + "}\"}]\n");
  const auto errors = validate_plugin_config(c, kSplunkSchema, sources);
  INFO(joined(errors));
  CHECK(errors.empty());
  CHECK(c.config["hec_token"] == "0123abcd-0000-0000-0000-000000000000");
  CHECK(c.config["headers"][0]["value"] == "0123abcd-0000-0000-0000-000000000000");
  CHECK(redacted_config(c, kSplunkSchema)["headers"][0] == nlohmann::json{{"name", "Authorization"}, {"value", "***"}});

  c.config["hec_token"] = "${file:" + (dir.path() / "secrets/absent").string() + "}";
  const auto missing = validate_plugin_config(c, kSplunkSchema, sources);
  REQUIRE_FALSE(missing.empty());
  CHECK(missing[0].message.find("cannot resolve secret reference ${file:") == 0);
}

TEST_CASE("literal values of secret fields are registered for redaction") {
  ConfigDir dir;
  auto [c, sources] = load_one(dir, "connectors:\n"
                                    "  splunk:\n"
                                    "    plugin: com.example.splunk\n"
                                    "    config:\n"
                                    "      url: https://hec.example:8088\n"
                                    "      hec_token: literal-secret-in-yaml\n");
  const auto errors = validate_plugin_config(c, kSplunkSchema, sources);
  REQUIRE(errors.size() == 1);  // the pattern
  CHECK(siemhub::core::redact("x literal-secret-in-yaml y") == "x *** y");
  CHECK(redacted_config(c, kSplunkSchema)["hec_token"] == "***");
}

TEST_CASE("an unusable plugin schema is an error and an empty schema accepts anything") {
  ConfigDir dir;
  auto [c, sources] = load_one(dir, "connectors:\n  gen:\n    plugin: generator\n    config: {seed: 1}\n");
  auto errors = validate_plugin_config(c, "{not json", sources);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message == "plugin 'generator' has an invalid config_schema (not a JSON object)");
  CHECK(errors[0].where.line == 2);
  CHECK(validate_plugin_config(c, "", sources).empty());
  // Schemas valijson cannot use are reported (never thrown, never abort()).
  errors = validate_plugin_config(c, R"({"type": "object", "properties": {"x": {"$ref": "http://remote/s.json"}}})", sources);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message.rfind("unusable JSON Schema: ", 0) == 0);
  CHECK(errors[0].key_path == "connectors.gen.config");
  errors = validate_plugin_config(c, R"({"type": 5})", sources);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message.rfind("unusable JSON Schema: ", 0) == 0);
}

TEST_CASE("closest_name suggests only close candidates") {
  const std::vector<std::string> names{"connectors", "routes", "data_dir", "log_level", "plugins", "limits"};
  CHECK(closest_name("conectors", names) == "connectors");
  CHECK(closest_name("rotues", names) == "routes");
  CHECK(closest_name("DATA_DIR", names) == "data_dir");
  CHECK(closest_name("log-level", names) == "log_level");
  CHECK(closest_name("zzz", names).empty());
  CHECK(closest_name("timeout", names).empty());
  CHECK(closest_name("x", {}).empty());
}
