// Every built-in's config schema is closed, described and defaulted, and docs/builtin-connectors.md
// documents every option of it (the page is derived from the schemas: it must not go stale).
#include <catch2/catch.hpp>

#include <fstream>
#include <functional>
#include <sstream>

#include "builtin/builtin.hpp"
#include "builtin/http_sink.hpp"
#include "siemhub/plugin.hpp"

using nlohmann::json;

namespace {

// Property paths ("auth.token") of a schema, checking each property as it goes.
void walk(const json& s, const std::string& where, std::vector<std::string>& paths) {
  if (!s.is_object()) return;
  if (s.value("type", "") == "object" && s.contains("properties")) {
    INFO(where + " must set additionalProperties: false");
    CHECK(s.value("additionalProperties", json(true)) == json(false));
  }
  if (auto p = s.find("properties"); p != s.end())
    for (const auto& [key, sub] : p->items()) {
      const std::string path = where.empty() ? key : where + "." + key;
      paths.push_back(path);
      INFO(path + " needs a description and (unless required) a default");
      CHECK(sub.contains("description"));
      const auto req = s.value("required", json::array());
      if (std::find(req.begin(), req.end(), key) == req.end()) CHECK(sub.contains("default"));
      walk(sub, path, paths);
    }
}

}  // namespace

TEST_CASE("every built-in schema is closed draft-07 with described options all documented", "[docs]") {
  std::ifstream in(std::string(SIEMHUB_SOURCE_DIR) + "/docs/builtin-connectors.md");
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  const auto ds = siemhub::builtin::descriptors();
  REQUIRE(ds.size() == 4);
  for (const auto* d : ds) {
    REQUIRE(d != nullptr);
    const std::string id = d->id;
    INFO("built-in " + id);
    const json schema = json::parse(d->config_schema);
    CHECK(schema["$schema"] == "http://json-schema.org/draft-07/schema#");
    std::vector<std::string> paths;
    walk(schema, "", paths);
    CHECK(doc.find("## `" + id + "`") != std::string::npos);
    // Options are looked up in the connector's own section.
    const size_t from = doc.find("## `" + id + "`");
    const size_t to = doc.find("\n## ", from + 1);
    const std::string section = doc.substr(from == std::string::npos ? 0 : from, to == std::string::npos ? std::string::npos : to - from);
    for (const auto& p : paths) {
      INFO("docs/builtin-connectors.md lacks `" + p + "` in the " + id + " section");
      CHECK(section.find("`" + p + "`") != std::string::npos);
    }
  }
}

TEST_CASE("the http sink marks its credentials as secrets", "[docs]") {
  const json schema = json::parse(siemhub::builtin::HttpSink::config_schema);
  const json& auth = schema["properties"]["auth"]["properties"];
  CHECK(auth["token"].value("x-siemhub-secret", false));
  CHECK(auth["password"].value("x-siemhub-secret", false));
  CHECK_FALSE(auth["username"].value("x-siemhub-secret", false));
}
