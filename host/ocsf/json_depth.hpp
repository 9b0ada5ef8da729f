// One nesting limit for every JSON reader on the ingest path: simdjson's DOM parsers and the
// nlohmann fallbacks refuse the same inputs. What they accept is then at most kMaxJsonDepth deep,
// so the recursive writers behind them (nlohmann's dump(), write_json(), validation) stay far from
// the stack's end whatever a client sends.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <simdjson.h>

namespace siemhub::ocsf {

/// Levels of nesting read: the top-level value is level 1 and each object or array puts what it
/// holds one level deeper (simdjson's max_depth). A value deeper than this is refused.
inline constexpr std::size_t kMaxJsonDepth = 512;

/// "nested deeper than 512 levels" — the error every reader gives for deeper input.
std::string too_deep_message(std::size_t max_depth = kMaxJsonDepth);

/// simdjson's message for `error`, too_deep_message() for its DEPTH_ERROR.
std::string json_error_text(simdjson::error_code error);

/// Gives `parser` the limit (a parser keeps its depth as it grows). False when allocation fails.
/// A reader whose documents are stored deeper than they arrive passes the levels it leaves.
bool limit_depth(simdjson::dom::parser& parser, std::size_t max_depth = kMaxJsonDepth);

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

}  // namespace siemhub::ocsf
