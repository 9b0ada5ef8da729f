// One nesting limit for every JSON reader on the ingest path: simdjson's DOM parsers and the
// nlohmann fallbacks refuse the same inputs. What they accept is then at most kMaxJsonDepth deep,
// so the recursive writers behind them (nlohmann's dump(), write_json(), validation) stay far from
// the stack's end whatever a client sends.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "core/json_depth.hpp"

namespace siemhub::ocsf {

using core::kMaxJsonDepth;     // core/json_depth.hpp: the limit, shared with the admin API
using core::too_deep_message;

/// simdjson's message for `error`, too_deep_message() for its DEPTH_ERROR.
std::string json_error_text(simdjson::error_code error);

/// Gives `parser` the limit (a parser keeps its depth as it grows). False when allocation fails.
/// A reader whose documents are stored deeper than they arrive passes the levels it leaves.
bool limit_depth(simdjson::dom::parser& parser, std::size_t max_depth = kMaxJsonDepth);

using core::parse_json;

}  // namespace siemhub::ocsf
