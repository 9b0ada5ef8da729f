// docs/config.md must document every key of the built-in main schema (so it cannot go stale).
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "config/config.hpp"
#include "config/schema_check.hpp"

using nlohmann::json;

namespace {

// Property paths in the notation docs/config.md uses: plugins.dirs, connectors.<name>.http.proxy,
// routes[].from.
void collect(const json& root, const json* schema, const std::string& path, std::vector<std::string>& out) {
  schema = siemhub::config::deref(root, schema);
  if (schema == nullptr || !schema->is_object()) return;
  if (!path.empty()) out.push_back(path);
  if (auto p = schema->find("properties"); p != schema->end())
    for (const auto& [key, sub] : p->items()) collect(root, &sub, path.empty() ? key : path + "." + key, out);
  if (auto ap = schema->find("additionalProperties"); ap != schema->end() && ap->is_object())
    collect(root, &*ap, path + ".<name>", out);
  if (auto items = schema->find("items"); items != schema->end() && items->is_object()) {
    const json* is = siemhub::config::deref(root, &*items);
    if (is != nullptr && is->contains("properties")) collect(root, is, path + "[]", out);
  }
}

}  // namespace

TEST_CASE("docs/config.md documents every property path of main_schema") {
  const json schema = json::parse(siemhub::config::main_schema());
  std::vector<std::string> paths;
  collect(schema, &schema, "", paths);
  REQUIRE(paths.size() > 15);

  std::ifstream in(std::string(SIEMHUB_SOURCE_DIR) + "/docs/config.md");
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  for (const auto& p : paths) {
    INFO("docs/config.md lacks `" + p + "`");
    CHECK(doc.find("`" + p + "`") != std::string::npos);
  }
}

TEST_CASE("the main schema is valid draft-07 with closed objects and every leaf described") {
  const json schema = json::parse(siemhub::config::main_schema());
  CHECK(schema["$schema"] == "http://json-schema.org/draft-07/schema#");
  std::function<void(const json&, const std::string&)> walk = [&](const json& s, const std::string& where) {
    if (!s.is_object()) return;
    if (s.value("type", "") == "object" && s.contains("properties")) {
      INFO(where + " must set additionalProperties: false");
      CHECK(s.contains("additionalProperties"));
    }
    if (auto p = s.find("properties"); p != s.end())
      for (const auto& [k, sub] : p->items()) {
        INFO(where + "." + k + " needs a description");
        CHECK(sub.contains("description"));
        walk(sub, where + "." + k);
      }
    if (auto d = s.find("definitions"); d != s.end())
      for (const auto& [k, sub] : d->items()) walk(sub, "#" + k);
  };
  walk(schema, "");
}

TEST_CASE("the sample config in tests/data/config loads without errors") {
  const auto r = siemhub::config::load_config(std::string(SIEMHUB_SOURCE_DIR) + "/tests/data/config/siemhub.yaml");
  std::string all;
  for (const auto& e : r.errors) all += e.to_string() + "\n";
  INFO(all);
  REQUIRE(r.config);
  REQUIRE(r.config->connectors.size() == 3);
  CHECK(r.config->connectors[2].name == "splunk");
  CHECK_FALSE(r.config->connectors[2].enabled);
  CHECK(r.config->connectors[2].http.egress_allow == std::vector<std::string>{"*.splunkcloud.com:8088"});
}
