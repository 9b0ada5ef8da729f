// A rule{} declaration as the engine runs it: metadata, compiled match tables, grouping, window,
// one operator and the Lua functions it calls (as indexes into the engine's function table).
#pragma once

#include "lua/match.hpp"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace siemhub::lua {

enum class WindowKind { sliding, tumbling };
enum class Operator { count, distinct, custom };

/// A monotone threshold: fires when the aggregate is > gt or >= gte.
struct Threshold {
  double value = 1;
  bool strict = false;  ///< gt instead of gte
  bool passes(double x) const { return strict ? x > value : x >= value; }
};

struct RuleDef {
  std::string id, version, title, description, severity = "medium", author;
  int severity_id = 3;
  std::vector<std::string> attack, tags, references;
  std::string file;
  Matcher from, where;
  int where_fn = 0;  ///< 0: none; else index into the engine's function table
  std::vector<std::string> by;
  std::int64_t span_ms = 0;  ///< 0: no window (custom rules only)
  WindowKind kind = WindowKind::sliding;
  Operator op = Operator::count;
  Threshold threshold;
  std::string distinct_field;
  int on_event_fn = 0, having_fn = 0, emit_fn = 0;
  bool keep = false;  ///< on_match = "keep"
  std::int64_t suppress_ms = 0;
  std::size_t max_groups = 0, max_entries = 0, keep_events = 10;  ///< 0: engine default
  std::string code_hash;  ///< filled by the engine: definition + function source text
};

/// True when the rule calls Lua while it matches (a `where` function, a custom operator,
/// `having` or `emit`); false for a native rule (match tables, `by`, window and threshold only),
/// which the hub runs in the correlation lane that never waits on Lua.
inline bool runs_lua(const RuleDef& r) {
  return r.op == Operator::custom || r.where_fn != 0 || r.on_event_fn != 0 || r.having_fn != 0 || r.emit_fn != 0;
}

/// Parses "10m", "30s", "1h", "2d", "250ms" or a number of seconds into milliseconds.
std::optional<std::int64_t> parse_duration(const nlohmann::json& v);

/// Builds a RuleDef from the rule table as JSON (functions as {"$fn": n}); `error` on failure.
std::optional<RuleDef> parse_rule(const nlohmann::json& table, const LookupResolver& lookups, std::string* error);

}  // namespace siemhub::lua
