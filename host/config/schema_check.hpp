// JSON Schema (draft-07) checking with readable, located errors: valijson for the constraints,
// plus our own walk for unknown keys (all of them, each with a did-you-mean), property-name
// patterns and secret-marked fields. Shared by the main file, conf.d files and plugin configs.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/source_map.hpp"

namespace siemhub::config {

/// Where a (sub)document sits inside the located document: `pointer` and `dotted` prefixes are
/// prepended to every error ("" and "" for a whole file).
struct DocPlace {
  std::string pointer;
  std::string dotted;
};

/// `schema` after following a local "$ref" ("#/definitions/x"); nullptr for a dangling ref.
const nlohmann::json* deref(const nlohmann::json& root, const nlohmann::json* schema);
/// The subschema that applies to member `key` of an object validated by `schema`
/// (properties, then patternProperties, then an object additionalProperties); nullptr if none.
const nlohmann::json* member_schema(const nlohmann::json& root, const nlohmann::json* schema,
                                    const std::string& key);
/// The subschema for element `index` of an array validated by `schema`; nullptr if none.
const nlohmann::json* item_schema(const nlohmann::json& root, const nlohmann::json* schema,
                                  std::size_t index);

/// Calls `fn(relative_pointer, value)` for every value of `doc` whose schema carries
/// "x-siemhub-secret": true (following properties, items, $ref, allOf/anyOf/oneOf).
void for_each_secret(const nlohmann::json& schema, const nlohmann::json& doc,
                     const std::function<void(const std::string&, const nlohmann::json&)>& fn);

/// Validates `doc` against `schema`. Errors are located through `sources` at place.pointer +
/// relative pointer; values at `secret_pointers` (relative) are never echoed. Never throws
/// (an unusable schema is reported as one error at the place).
std::vector<ConfigError> check_schema(const nlohmann::json& doc, const nlohmann::json& schema,
                                      const SourceMap& sources, const DocPlace& place,
                                      const std::set<std::string>& secret_pointers = {});

}  // namespace siemhub::config
