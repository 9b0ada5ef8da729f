// Lookup tables: `lookup{ name = "bad_ips", file = "bad_ips.csv", key = "ip" }` loads rows from CSV
// (a header line, comma-separated, "double quotes" with "" escapes) or JSON (an array of objects,
// or an object keyed by the key). Keys compare case-insensitively (ASCII). The engine reloads a
// table when its file's size or modification time changes, checked at most once per interval of
// the injected clock.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace siemhub::lua {

class Lookup {
 public:
  Lookup(std::string name, std::filesystem::path file, std::string key);

  const std::string& name() const { return name_; }
  const std::filesystem::path& file() const { return file_; }
  /// (Re)reads the file; on failure the previous rows stay and `error` says why.
  bool load(std::string* error);
  /// Reloads when the file's size or mtime changed since the last load. True if reloaded.
  bool reload_if_changed(std::string* error);

  bool contains(std::string_view key) const;
  /// The row for `key` (an object of strings for CSV), or null.
  const nlohmann::json* find(std::string_view key) const;
  using FlatRow = std::vector<std::pair<std::string, std::string>>;
  /// The same row as column -> text pairs (what Lua sees).
  const FlatRow* find_flat(std::string_view key) const;
  std::size_t size() const { return rows_.size(); }
  std::uint64_t loads() const { return loads_; }

 private:
  bool parse(const std::string& text, std::unordered_map<std::string, nlohmann::json>& rows,
             std::string* error) const;

  std::string name_;
  std::filesystem::path file_;
  std::string key_;
  std::unordered_map<std::string, nlohmann::json> rows_;  // lower-cased key -> row
  std::unordered_map<std::string, FlatRow> flat_;
  std::filesystem::file_time_type mtime_{};
  std::uintmax_t size_ = 0;
  std::uint64_t loads_ = 0;
};

/// ASCII lower case.
std::string lower(std::string_view s);

}  // namespace siemhub::lua
