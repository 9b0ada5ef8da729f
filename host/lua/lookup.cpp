#include "lua/lookup.hpp"

#include <fstream>
#include <sstream>
#include <vector>

namespace siemhub::lua {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

namespace {

// One CSV record starting at `pos` (RFC 4180 quoting); advances `pos` past its line end.
std::vector<std::string> csv_record(const std::string& text, std::size_t& pos) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (; pos < text.size(); ++pos) {
    const char c = text[pos];
    if (quoted) {
      if (c == '"' && pos + 1 < text.size() && text[pos + 1] == '"') fields.back() += '"', ++pos;
      else if (c == '"') quoted = false;
      else fields.back() += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n') ++pos;
      ++pos;
      break;
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

std::string key_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return {};
  return v.dump();
}

}  // namespace

Lookup::Lookup(std::string name, std::filesystem::path file, std::string key)
    : name_(std::move(name)), file_(std::move(file)), key_(std::move(key)) {}

bool Lookup::parse(const std::string& text, std::unordered_map<std::string, nlohmann::json>& rows,
                   std::string* error) const {
  if (file_.extension() == ".json") {
    auto doc = nlohmann::json::parse(text, nullptr, false);
    if (doc.is_discarded()) return *error = "not valid JSON", false;
    if (doc.is_object()) {
      for (auto& [k, row] : doc.items()) rows[lower(k)] = row;
      return true;
    }
    if (!doc.is_array()) return *error = "expected an array of objects or an object", false;
    for (auto& row : doc) {
      if (!row.is_object() || !row.contains(key_)) continue;
      rows[lower(key_text(row[key_]))] = row;
    }
    return true;
  }
  std::size_t pos = 0;
  const auto header = csv_record(text, pos);
  std::size_t key_col = header.size();
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == key_) key_col = i;
  if (key_col == header.size()) return *error = "no column '" + key_ + "' in the header", false;
  while (pos < text.size()) {
    const auto fields = csv_record(text, pos);
    if (fields.size() == 1 && fields[0].empty()) continue;
    nlohmann::json row = nlohmann::json::object();
    for (std::size_t i = 0; i < header.size() && i < fields.size(); ++i) row[header[i]] = fields[i];
    if (key_col < fields.size()) rows[lower(fields[key_col])] = std::move(row);
  }
  return true;
}

bool Lookup::load(std::string* error) {
  std::string ignored;
  if (error == nullptr) error = &ignored;
  std::error_code ec;
  const auto mtime = std::filesystem::last_write_time(file_, ec);
  const auto size = ec ? 0 : std::filesystem::file_size(file_, ec);
  std::ifstream in(file_, std::ios::binary);
  if (ec || !in) return *error = "lookup '" + name_ + "': cannot read " + file_.string(), false;
  std::ostringstream text;
  text << in.rdbuf();
  std::unordered_map<std::string, nlohmann::json> rows;
  if (!parse(text.str(), rows, error)) {
    *error = "lookup '" + name_ + "' (" + file_.string() + "): " + *error;
    return false;
  }
  flat_.clear();
  for (const auto& [key, row] : rows) {
    FlatRow& flat = flat_[key];
    if (!row.is_object()) continue;
    for (const auto& [column, value] : row.items()) flat.emplace_back(column, key_text(value));
  }
  rows_ = std::move(rows);
  mtime_ = mtime;
  size_ = size;
  ++loads_;
  return true;
}

bool Lookup::reload_if_changed(std::string* error) {
  std::error_code ec;
  const auto mtime = std::filesystem::last_write_time(file_, ec);
  if (ec) return false;
  const auto size = std::filesystem::file_size(file_, ec);
  if (ec || (mtime == mtime_ && size == size_)) return false;
  return load(error);
}

const Lookup::FlatRow* Lookup::find_flat(std::string_view key) const {
  const auto it = flat_.find(lower(key));
  return it == flat_.end() ? nullptr : &it->second;
}

bool Lookup::contains(std::string_view key) const { return find(key) != nullptr; }

const nlohmann::json* Lookup::find(std::string_view key) const {
  const auto it = rows_.find(lower(key));
  return it == rows_.end() ? nullptr : &it->second;
}

}  // namespace siemhub::lua
