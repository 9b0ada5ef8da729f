// Guards for Lua's pattern functions. The count hook never fires inside C functions, and Lua's
// matcher backtracks without bound (("a*"):rep(12).."c" against 25 a's runs for minutes), so
// find/match/gmatch/gsub check the subject length, the pattern length and an estimate of the
// backtracking work before calling the original: subject^k, k = the unbounded quantifiers that
// can compound (runs not split by a literal none of them matches), +1 when unanchored.
#pragma once

extern "C" {
#include <lua.h>
}

#include <cstddef>

namespace siemhub::lua {

/// Replaces find/match/gmatch/gsub in the string table at `idx` by guarded versions.
void install_pattern_guards(lua_State* L, int idx);

struct PatternShape {
  int unbounded = 0;  ///< '*', '+', '-' quantifiers that can compound
  int optional = 0;   ///< '?' quantifiers
  bool anchored = false;
  bool special = false;  ///< any magic character at all (else a plain search)
};

PatternShape analyse_pattern(const char* pattern, std::size_t len);

/// log of the estimated number of matcher steps.
double pattern_work_log(const PatternShape& shape, std::size_t subject_len, bool every_position);

}  // namespace siemhub::lua
