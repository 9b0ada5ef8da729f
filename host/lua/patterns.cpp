#include "lua/patterns.hpp"

#include "lua/sandbox.hpp"

extern "C" {
#include <lauxlib.h>
}

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>

namespace siemhub::lua {

namespace {


// Checks the limits; raises (longjmp) when one is exceeded. Only trivial locals here.
void check(lua_State* L, bool every_position) {
  const SandboxLimits& limits = Sandbox::of(L).limits();
  std::size_t n = 0, p = 0;
  luaL_checklstring(L, 1, &n);
  const char* pattern = luaL_checklstring(L, 2, &p);
  if (p > limits.max_pattern_length)
    luaL_error(L, "pattern too long (%I bytes, limit %I)", (lua_Integer)p, (lua_Integer)limits.max_pattern_length);
  const PatternShape shape = analyse_pattern(pattern, p);
  if (!shape.special) return;
  if (n > limits.max_pattern_input)
    luaL_error(L, "pattern subject too long (%I bytes, limit %I)", (lua_Integer)n, (lua_Integer)limits.max_pattern_input);
  const double work = pattern_work_log(shape, n, every_position || !shape.anchored);
  if (work > std::log(limits.max_pattern_work))
    luaL_error(L, "pattern too complex for this input (about 1e%d steps, limit %f)",
               static_cast<int>(work / std::log(10.0)), limits.max_pattern_work);
}

bool plain_find(lua_State* L) { return lua_toboolean(L, 4) != 0; }

// Each guard is a closure whose upvalue is the original C function (none of the originals use
// upvalues of their own, so calling them on the guard's stack frame is safe).
int call_original(lua_State* L) { return lua_tocfunction(L, lua_upvalueindex(1))(L); }

int guarded_find(lua_State* L) {
  if (!plain_find(L)) check(L, false);
  return call_original(L);
}
int guarded_match(lua_State* L) {
  check(L, false);
  return call_original(L);
}
int guarded_gmatch(lua_State* L) {
  check(L, true);
  return call_original(L);
}
int guarded_gsub(lua_State* L) {
  check(L, true);
  return call_original(L);
}

void wrap(lua_State* L, int idx, const char* name, lua_CFunction guard) {
  lua_getfield(L, idx, name);
  lua_pushcclosure(L, guard, 1);
  lua_setfield(L, idx, name);
}

}  // namespace

namespace {

// Lua's character classes (lstrlib.c: match_class / matchbracketclass), for the estimate only.
bool class_letter(char cl, unsigned char c) {
  bool res = false;
  switch (std::tolower(static_cast<unsigned char>(cl))) {
    case 'a': res = std::isalpha(c); break;
    case 'c': res = std::iscntrl(c); break;
    case 'd': res = std::isdigit(c); break;
    case 'g': res = std::isgraph(c); break;
    case 'l': res = std::islower(c); break;
    case 'p': res = std::ispunct(c); break;
    case 's': res = std::isspace(c); break;
    case 'u': res = std::isupper(c); break;
    case 'w': res = std::isalnum(c); break;
    case 'x': res = std::isxdigit(c); break;
    default: return static_cast<unsigned char>(cl) == c;
  }
  return std::isupper(static_cast<unsigned char>(cl)) ? !res : res;
}

bool in_set(const char* p, const char* end, unsigned char c) {  // p at '[', end at ']'
  bool negate = false;
  if (*++p == '^') negate = true, ++p;
  for (; p < end; ++p) {
    if (*p == '%' && p + 1 < end) {
      if (class_letter(*++p, c)) return !negate;
    } else if (p + 2 < end && p[1] == '-') {
      if (static_cast<unsigned char>(*p) <= c && c <= static_cast<unsigned char>(p[2])) return !negate;
      p += 2;
    } else if (static_cast<unsigned char>(*p) == c) {
      return !negate;
    }
  }
  return negate;
}

bool class_matches(const char* p, const char* end, unsigned char c) {
  if (*p == '.') return true;
  if (*p == '%') return class_letter(p[1], c);
  if (*p == '[') return in_set(p, end - 1, c);
  return static_cast<unsigned char>(*p) == c;
}

}  // namespace

// Counts unbounded quantifiers, minus the literal characters between them that none of the
// preceding run's classes can match (those stop the backtracking from compounding: in
// "%d+%.%d+" the "." pins where the first run ends).
PatternShape analyse_pattern(const char* pattern, std::size_t len) {
  PatternShape shape;
  const char* p = pattern;
  const char* const end = pattern + len;
  if (p < end && *p == '^') shape.anchored = shape.special = true, ++p;
  struct Class { const char* begin; const char* end; };
  Class run[64];
  int run_size = 0, separators = 0;
  while (p < end) {
    const char* item = p;
    if (*p == '(' || *p == ')' || (*p == '$' && p + 1 == end)) {
      shape.special = true;
      ++p;
      continue;
    }
    if (*p == '%' && p + 1 < end && (p[1] == 'b' || p[1] == 'f' || std::isdigit(static_cast<unsigned char>(p[1])))) {
      shape.special = true;  // balance, frontier, back-reference: never separators
      p += p[1] == 'b' ? 4 : 2;
      continue;
    }
    if (*p == '%') {
      p = std::min(p + 2, end);
      if (std::isalpha(static_cast<unsigned char>(item[1]))) shape.special = true;
    } else if (*p == '[') {
      shape.special = true;
      ++p;
      if (p < end && *p == '^') ++p;
      do {
        if (p < end && *p == '%') ++p;
        ++p;
      } while (p < end && *p != ']');
      p = std::min(p + 1, end);
    } else {
      if (*p == '.') shape.special = true;
      ++p;
    }
    const bool quantified = p < end && std::strchr("*+-?", *p) != nullptr;
    if (quantified) {
      shape.special = true;
      if (*p == '?') ++shape.optional;
      else ++shape.unbounded;
      if (*p != '?' && run_size < 64) run[run_size++] = {item, p};
      ++p;
      continue;
    }
    // A mandatory literal none of the run can match separates runs.
    const bool literal = *item != '.' && *item != '[' && (*item != '%' || !std::isalnum(static_cast<unsigned char>(item[1])));
    if (literal && run_size > 0) {
      const auto c = static_cast<unsigned char>(*item == '%' ? item[1] : *item);
      bool matched = false;
      for (int i = 0; i < run_size; ++i) matched = matched || class_matches(run[i].begin, run[i].end, c);
      if (!matched) ++separators, run_size = 0;
    }
  }
  shape.unbounded = std::max(shape.unbounded - separators, shape.unbounded > 0 ? 1 : 0);
  return shape;
}

double pattern_work_log(const PatternShape& shape, std::size_t subject_len, bool every_position) {
  const double n = std::log(static_cast<double>(subject_len) + 2.0);
  return n * (shape.unbounded + (every_position ? 1 : 0)) + std::log(2.0) * shape.optional;
}

void install_pattern_guards(lua_State* L, int idx) {
  idx = lua_absindex(L, idx);
  wrap(L, idx, "find", guarded_find);
  wrap(L, idx, "match", guarded_match);
  wrap(L, idx, "gmatch", guarded_gmatch);
  wrap(L, idx, "gsub", guarded_gsub);
}

}  // namespace siemhub::lua
