// YAML -> JSON with a source location for every node, duplicate-key detection and YAML 1.2
// core-schema scalar typing. Built on yaml-cpp's event API (its Node API silently keeps the first
// of two duplicate keys and loses quoting).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/source_map.hpp"

namespace siemhub::config {

struct YamlDocument {
  nlohmann::json value;  ///< null for an empty file
  SourceMap sources;
};

/// Parses `text` (reported as `file_label` in locations). Duplicate keys, anchors, aliases, merge
/// keys, unsupported tags and extra documents are appended to `errors` and the document is still
/// returned (first value kept). A syntax error returns nullopt (with the error and its mark).
/// Scalars: quoted -> string; plain: null/~/empty -> null, true/false -> bool, decimal/0x/0o
/// integers -> integer, decimal floats -> number, anything else (yes/no/on/off too) -> string.
std::optional<YamlDocument> parse_yaml_text(std::string_view text, const std::string& file_label,
                                            std::vector<ConfigError>& errors);
/// Reads and parses a file; an unreadable file is an error (nullopt).
std::optional<YamlDocument> parse_yaml_file(const std::filesystem::path& file,
                                            std::vector<ConfigError>& errors);

}  // namespace siemhub::config
