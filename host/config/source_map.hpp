// Source locations of YAML nodes, keyed by JSON pointer, and the error type of the config layer.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace siemhub::config {

/// 1-based; line 0 means "the file as a whole".
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
};

/// Where every node of a document came from. Both maps are keyed by JSON pointer
/// ("/connectors/gen/config/seed", "" for the root): `values` holds the location of each value,
/// `keys` the location of the mapping key that introduced it (objects' members only).
struct SourceMap {
  std::map<std::string, SourceLocation> values;
  std::map<std::string, SourceLocation> keys;

  /// The value's location, or that of its nearest located ancestor (file-level if none).
  SourceLocation value_or_ancestor(const std::string& pointer) const;
  /// The key's location if known, else value_or_ancestor(pointer).
  SourceLocation key_or_value(const std::string& pointer) const;
};

struct ConfigError {
  SourceLocation where;
  std::string key_path;  ///< dotted: connectors.gen.config.seed, routes[0].to
  std::string message;
  /// "file:line:column: key.path: message" (parts that are unknown are left out).
  std::string to_string() const;
};

/// JSON pointer helpers: escape one reference token ("~" -> "~0", "/" -> "~1"), split a pointer
/// into unescaped tokens.
std::string pointer_escape(std::string_view token);
std::vector<std::string> pointer_split(std::string_view pointer);
/// "/routes/0/to" -> "routes[0].to": walks `root` to tell array indexes from object keys.
std::string dotted_path(const nlohmann::json& root, std::string_view pointer);

/// Builds a ConfigError with the message passed through core::redact().
ConfigError make_error(SourceLocation where, std::string key_path, std::string_view message);

}  // namespace siemhub::config
