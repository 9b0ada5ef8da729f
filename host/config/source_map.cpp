// SourceMap lookups, JSON pointer helpers, ConfigError formatting and did-you-mean suggestions.
#include "config/source_map.hpp"

#include <algorithm>
#include <cctype>

#include "config/config.hpp"
#include "core/redact.hpp"

namespace siemhub::config {

namespace {

std::string parent_pointer(const std::string& pointer) {
  const auto slash = pointer.rfind('/');
  return slash == std::string::npos ? std::string() : pointer.substr(0, slash);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

// Optimal-string-alignment distance: Levenshtein plus adjacent transpositions ("hte" -> "the").
std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1, 0));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}

}  // namespace

SourceLocation SourceMap::value_or_ancestor(const std::string& pointer) const {
  std::string p = pointer;
  for (;;) {
    if (auto it = values.find(p); it != values.end()) return it->second;
    if (p.empty()) break;
    p = parent_pointer(p);
  }
  // Nothing located: at least name a file, if any node is known.
  if (!values.empty()) return SourceLocation{values.begin()->second.file, 0, 0};
  return {};
}

SourceLocation SourceMap::key_or_value(const std::string& pointer) const {
  if (auto it = keys.find(pointer); it != keys.end()) return it->second;
  return value_or_ancestor(pointer);
}

std::string ConfigError::to_string() const {
  std::string out = where.file.empty() ? std::string("<config>") : where.file;
  if (where.line > 0) out += ":" + std::to_string(where.line) + ":" + std::to_string(where.column);
  out += ": ";
  if (!key_path.empty()) out += key_path + ": ";
  out += message;
  return core::redact(out);
}

std::string pointer_escape(std::string_view token) {
  std::string out;
  for (char ch : token) {
    if (ch == '~') out += "~0";
    else if (ch == '/') out += "~1";
    else out += ch;
  }
  return out;
}

std::vector<std::string> pointer_split(std::string_view pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  std::size_t pos = 1;  // skip the leading '/'
  for (;;) {
    const auto next = pointer.find('/', pos);
    const auto raw = pointer.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos);
    std::string tok;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~' && i + 1 < raw.size()) {
        tok += raw[i + 1] == '1' ? '/' : '~';
        ++i;
      } else {
        tok += raw[i];
      }
    }
    tokens.push_back(std::move(tok));
    if (next == std::string_view::npos) break;
    pos = next + 1;
  }
  return tokens;
}

std::string dotted_path(const nlohmann::json& root, std::string_view pointer) {
  std::string out;
  const nlohmann::json* node = &root;
  for (const auto& tok : pointer_split(pointer)) {
    const bool index = node != nullptr && node->is_array();
    if (index) {
      out += "[" + tok + "]";
    } else {
      if (!out.empty()) out += '.';
      out += tok;
    }
    const nlohmann::json* next = nullptr;
    if (node != nullptr && node->is_object()) {
      if (auto it = node->find(tok); it != node->end()) next = &*it;
    } else if (index && !tok.empty() && std::all_of(tok.begin(), tok.end(), ::isdigit)) {
      const auto i = std::stoul(tok);
      if (i < node->size()) next = &(*node)[i];
    }
    node = next;
  }
  return out;
}

ConfigError make_error(SourceLocation where, std::string key_path, std::string_view message) {
  return ConfigError{std::move(where), core::redact(key_path), core::redact(message)};
}

std::string closest_name(std::string_view name, const std::vector<std::string>& candidates) {
  // Close enough: at most a third of the name's length (minimum 1, maximum 3) edits away,
  // compared case-insensitively; ties go to the first candidate.
  const std::string needle = lower(name);
  const std::size_t limit = std::clamp<std::size_t>(needle.size() / 3, 1, 3);
  std::string best;
  std::size_t best_d = limit + 1;
  for (const auto& c : candidates) {
    if (c == name) continue;
    const std::size_t d = edit_distance(needle, lower(c));
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

}  // namespace siemhub::config
