// One nesting limit for every JSON reader that takes input from outside (the ingest path, the admin
// API): nlohmann's parse is iterative, but copying, dump() and validation of what it built recurse
// once per level, so a document is refused before anything deeper than the limit is built.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace siemhub::core {

/// Levels of nesting read: the top-level value is level 1 and each object or array puts what it
/// holds one level deeper (simdjson's max_depth). A value deeper than this is refused.
inline constexpr std::size_t kMaxJsonDepth = 512;

/// "nested deeper than 512 levels" — the error every reader gives for deeper input.
inline std::string too_deep_message(std::size_t max_depth = kMaxJsonDepth) {
  return "nested deeper than " + std::to_string(max_depth) + " levels";
}

/// nlohmann's parse (iterative) with the limit: a deeper document is discarded without building
/// its deep part, and `too_deep` (when given) says why. Never throws.
template <class Json = nlohmann::json>
Json parse_json(std::string_view text, bool* too_deep = nullptr, std::size_t max_depth = kMaxJsonDepth) {
  bool deep = false;
  Json out = Json::parse(
      text,
      [&deep, max_depth](int depth, typename Json::parse_event_t event, Json&) {
        // `depth` counts the containers around a value (or key): its level is depth + 1.
        const bool ends = event == Json::parse_event_t::object_end || event == Json::parse_event_t::array_end;
        if (!ends && static_cast<std::size_t>(depth) >= max_depth) deep = true;
        return !deep;  // once too deep, nothing more is built
      },
      /*allow_exceptions=*/false);
  if (too_deep) *too_deep = deep;
  return deep ? Json(Json::value_t::discarded) : out;
}

}  // namespace siemhub::core
