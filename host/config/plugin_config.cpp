// Connector configs: secret resolution, validation against the plugin's schema, redacted copies.
#include <functional>
#include <set>

#include "config/config.hpp"
#include "config/schema_check.hpp"
#include "core/redact.hpp"
#include "core/secrets.hpp"

namespace siemhub::config {

using nlohmann::json;

namespace {

DocPlace place_of(const ConnectorConfig& c) {
  return DocPlace{"/connectors/" + pointer_escape(c.name) + "/config", "connectors." + c.name + ".config"};
}

// The plugin's schema; an empty text accepts anything. nullopt when the text is not a JSON object.
std::optional<json> parse_schema(std::string_view text) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return json::object();
  json s = json::parse(text.begin(), text.end(), nullptr, false);
  if (s.is_discarded() || !(s.is_object() || s.is_boolean())) return std::nullopt;
  return s;
}

// Replaces every string that is exactly one secret reference by its value, in place.
void resolve_references(json& node, const std::string& rel, const std::string& dotted, const SourceMap& sources,
                        const DocPlace& place, std::vector<ConfigError>& errors) {
  if (node.is_object()) {
    for (auto& [key, value] : node.items())
      resolve_references(value, rel + "/" + pointer_escape(key), dotted + "." + key, sources, place, errors);
  } else if (node.is_array()) {
    for (std::size_t i = 0; i < node.size(); ++i)
      resolve_references(node[i], rel + "/" + std::to_string(i), dotted + "[" + std::to_string(i) + "]", sources,
                         place, errors);
  } else if (node.is_string() && core::is_secret_reference(node.get_ref<const std::string&>())) {
    std::string why;
    const std::string reference = node.get<std::string>();
    if (auto value = core::resolve_secret(reference, why)) {
      node = std::move(*value);
      return;
    }
    errors.push_back(make_error(sources.value_or_ancestor(place.pointer + rel), dotted,
                                "cannot resolve secret reference " + reference + ": " + why));
  }
}

}  // namespace

std::vector<ConfigError> validate_plugin_config(ConnectorConfig& c, std::string_view plugin_schema_json,
                                                const SourceMap& sources) {
  std::vector<ConfigError> errors;
  const DocPlace place = place_of(c);
  try {
    const auto schema = parse_schema(plugin_schema_json);
    if (!schema) {
      errors.push_back(make_error(sources.key_or_value("/connectors/" + pointer_escape(c.name)),
                                  "connectors." + c.name,
                                  "plugin '" + c.plugin + "' has an invalid config_schema (not a JSON object)"));
      return errors;
    }
    // 1. Literal values of secret fields are secrets too: register them before anything can echo them.
    std::set<std::string> secret_pointers;
    for_each_secret(*schema, c.config, [&](const std::string& rel, const json& v) {
      secret_pointers.insert(rel);
      if (v.is_string() && !core::is_secret_reference(v.get_ref<const std::string&>()))
        core::register_secret(v.get<std::string>());
    });
    // 2. Resolve references (resolve_secret registers each value), 3. validate what the plugin will see.
    resolve_references(c.config, "", place.dotted, sources, place, errors);
    auto schema_errors = check_schema(c.config, *schema, sources, place, secret_pointers);
    errors.insert(errors.end(), schema_errors.begin(), schema_errors.end());
  } catch (const std::exception& e) {
    errors.push_back(make_error(sources.value_or_ancestor(place.pointer), place.dotted,
                                std::string("internal error: ") + e.what()));
  }
  // Everything was redacted when built; secrets resolved later in this call are caught here.
  for (auto& e : errors) e = make_error(e.where, e.key_path, e.message);
  return errors;
}

json redacted_config(const ConnectorConfig& c, std::string_view plugin_schema_json) {
  json out = c.config;
  try {
    if (const auto schema = parse_schema(plugin_schema_json)) {
      for_each_secret(*schema, c.config, [&](const std::string& rel, const json&) {
        out[json::json_pointer(rel)] = "***";
      });
    }
  } catch (const std::exception&) {
    // Fall through: the string pass below still hides every registered secret.
  }
  std::function<void(json&)> scrub = [&](json& n) {
    if (n.is_structured()) {
      for (auto& child : n) scrub(child);
    } else if (n.is_string()) {
      n = core::redact(n.get_ref<const std::string&>());
    }
  };
  scrub(out);
  return out;
}

}  // namespace siemhub::config
