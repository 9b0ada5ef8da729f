// The http sink's config_schema through the hub's own plugin-config validator (valijson, secret
// resolution and redaction): what operators actually get.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "builtin/http_sink.hpp"
#include "config/config.hpp"

using nlohmann::json;
using namespace siemhub;

namespace {

std::vector<config::ConfigError> validate(const json& cfg) {
  config::ConnectorConfig c;
  c.name = "webhook";
  c.plugin = "http";
  c.config = cfg;
  return config::validate_plugin_config(c, builtin::HttpSink::config_schema, config::SourceMap{});
}

std::string joined(const std::vector<config::ConfigError>& errors) {
  std::string out;
  for (const auto& e : errors) out += e.to_string() + "\n";
  return out;
}

}  // namespace

TEST_CASE("the hub validator accepts a full http sink config and refuses malformed ones", "[http_sink]") {
  const json full = json::parse(R"({
    "url": "https://collector.example.com:8443/v1/events?tenant=blue",
    "method": "PUT", "format": "ndjson", "headers": {"X-Tenant": "blue"},
    "auth": {"type": "basic", "username": "u", "password": "p"},
    "gzip": true, "max_batch_events": 100, "max_batch_bytes": 65536, "timeout_ms": 5000,
    "permanent_statuses": [400, 404, 422]
  })");
  INFO(joined(validate(full)));
  CHECK(validate(full).empty());
  CHECK(validate({{"url", "http://127.0.0.1:8080/"}}).empty());
  CHECK_FALSE(validate(json::object()).empty());                                    // url required
  CHECK_FALSE(validate({{"url", "ftp://example.com/"}}).empty());                   // not http(s)
  CHECK_FALSE(validate({{"url", "http://x/"}, {"format", "csv"}}).empty());
  CHECK_FALSE(validate({{"url", "http://x/"}, {"method", "GET"}}).empty());
  CHECK_FALSE(validate({{"url", "http://x/"}, {"urls", "http://y/"}}).empty());     // closed object
  CHECK_FALSE(validate({{"url", "http://x/"}, {"auth", {{"type", "oauth"}}}}).empty());
  CHECK_FALSE(validate({{"url", "http://x/"}, {"auth", {{"kind", "bearer"}}}}).empty());
  CHECK_FALSE(validate({{"url", "http://x/"}, {"headers", {{"X-N", 1}}}}).empty());
  CHECK_FALSE(validate({{"url", "http://x/"}, {"permanent_statuses", {200}}}).empty());
  CHECK_FALSE(validate({{"url", "http://x/"}, {"max_batch_bytes", 10}}).empty());
}

TEST_CASE("the http sink token is resolved from the environment and redacted from the shown config", "[http_sink]") {
  ::setenv("SIEMHUB_TEST_WEBHOOK_TOKEN", "env-t0ken-value", 1);
  config::ConnectorConfig c;
  c.name = "webhook";
  c.plugin = "http";
  c.config = {{"url", "https://x.example/"}, {"auth", {{"type", "bearer"}, {"token", "${env:SIEMHUB_TEST_WEBHOOK_TOKEN}"}}}};
  const auto errors = config::validate_plugin_config(c, builtin::HttpSink::config_schema, config::SourceMap{});
  INFO(joined(errors));
  CHECK(errors.empty());
  CHECK(c.config["auth"]["token"] == "env-t0ken-value");
  const std::string shown = config::redacted_config(c, builtin::HttpSink::config_schema).dump();
  CHECK(shown.find("env-t0ken-value") == std::string::npos);
  CHECK_THAT(shown, Catch::Contains("***"));
}
