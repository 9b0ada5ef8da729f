// The sandbox's library set. Runs inside protected calls only (Sandbox::call), so every function
// here keeps to trivially destructible locals.
#include "core/log.hpp"
#include "lua/patterns.hpp"
#include "lua/event_view.hpp"
#include "lua/prelude.hpp"
#include "lua/sandbox.hpp"

extern "C" {
#include <lauxlib.h>
#include <lualib.h>
}

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace siemhub::lua {

namespace {

constexpr const char* kBase = "siemhub.base";        // registry: allow-listed base functions
constexpr const char* kLibs = "siemhub.libs";        // registry: name -> library template
constexpr const char* kModules = "siemhub.modules";  // registry: require cache

// Suricata's base allow-list, minus `warn`; `load` and `require` are our own versions.
constexpr const char* kAllowedBase[] = {"assert",   "error",    "ipairs", "next",     "pairs",
                                        "rawequal", "rawget",   "rawlen", "rawset",   "select",
                                        "tonumber", "tostring", "type",   "getmetatable", "_VERSION"};

// setmetatable without finalizers: a __gc would run outside any rule's budget and pcall.
int safe_setmetatable(lua_State* L) {
  if (lua_type(L, 2) == LUA_TTABLE) {
    lua_pushliteral(L, "__gc");
    if (lua_rawget(L, 2) != LUA_TNIL) return luaL_error(L, "__gc metamethods are not allowed");
    lua_pop(L, 1);
  }
  return lua_tocfunction(L, lua_upvalueindex(1))(L);  // the original setmetatable
}

// print goes to the host log (component "lua"), one line, truncated, rate-limited per state.
int safe_print(lua_State* L) {
  std::uint64_t dropped = 0;
  if (!Sandbox::of(L).may_print(&dropped)) return 0;
  char line[560];
  std::size_t used = 0;
  constexpr std::size_t kText = 512;
  const int n = lua_gettop(L);
  for (int i = 1; i <= n && used < kText; ++i) {
    std::size_t len = 0;
    const char* s = luaL_tolstring(L, i, &len);
    if (i > 1) line[used++] = '\t';
    const std::size_t take = std::min(len, kText - std::min(used, kText));
    std::memcpy(line + used, s, take);
    used += take;
    lua_pop(L, 1);
  }
  if (dropped > 0)
    used += static_cast<std::size_t>(std::snprintf(line + used, sizeof line - used, " (%llu print lines dropped)",
                                                   static_cast<unsigned long long>(dropped)));
  core::log_info("lua", std::string_view(line, std::min(used, sizeof line - 1)));
  return 0;
}

// load(text [, name [, mode [, env]]]): text chunks only, bound to the caller's file environment
// (upvalue 1) unless an env is given. Readers and binary chunks are refused.
int safe_load(lua_State* L) {
  std::size_t len = 0;
  const char* text = luaL_checklstring(L, 1, &len);
  const char* name = luaL_optstring(L, 2, "=(load)");
  const bool has_env = !lua_isnone(L, 4);
  if (luaL_loadbufferx(L, text, len, name, "t") != LUA_OK) {
    lua_pushnil(L);
    lua_insert(L, -2);
    return 2;
  }
  lua_pushvalue(L, has_env ? 4 : lua_upvalueindex(1));
  if (lua_setupvalue(L, -2, 1) == nullptr) lua_pop(L, 1);
  return 1;
}

// require("siemhub.x") loads <lib_dir>/siemhub/x.lua once per state, in its own environment.
int safe_require(lua_State* L) {
  std::size_t len = 0;
  const char* name = luaL_checklstring(L, 1, &len);
  lua_getfield(L, LUA_REGISTRYINDEX, kModules);
  lua_pushvalue(L, 1);
  if (lua_rawget(L, -2) != LUA_TNIL) return 1;
  lua_pop(L, 1);
  Sandbox& sandbox = Sandbox::of(L);
  if (!sandbox.read_module(name, len))
    return luaL_error(L, "module '%s' not found (only siemhub.* modules of the rule library)", name);
  const char* chunkname = lua_pushfstring(L, "@%s", name);
  if (luaL_loadbufferx(L, sandbox.scratch().data(), sandbox.scratch().size(), chunkname, "t") != LUA_OK)
    return lua_error(L);
  Sandbox::push_new_env(L);
  lua_setupvalue(L, -2, 1);
  lua_call(L, 0, 1);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    lua_pushboolean(L, 1);
  }
  lua_pushvalue(L, 1);
  lua_pushvalue(L, -2);
  lua_rawset(L, -5);  // the cache table
  return 1;
}

int frozen_newindex(lua_State* L) {
  return luaL_error(L, "globals are read-only after load (keep state in ctx.state): '%s'",
                    luaL_tolstring(L, 2, nullptr));
}

// A shallow copy of the table at the stack top, replacing it.
void replace_with_copy(lua_State* L) {
  lua_newtable(L);
  lua_pushnil(L);
  while (lua_next(L, -3) != 0) {
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, -4);
  }
  lua_remove(L, -2);
}

void drop_field(lua_State* L, const char* name) {
  lua_pushnil(L);
  lua_setfield(L, -2, name);
}

// string without dump, with guarded pattern functions; also the (locked) string metatable.
void open_string(lua_State* L) {
  luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 0);
  replace_with_copy(L);
  drop_field(L, "dump");
  install_pattern_guards(L, -1);
  lua_pushliteral(L, "");
  lua_getmetatable(L, -1);
  lua_pushvalue(L, -3);
  lua_setfield(L, -2, "__index");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");  // getmetatable("") returns false; it cannot be changed
  lua_pop(L, 2);
  lua_setfield(L, -2, LUA_STRLIBNAME);
}

}  // namespace

int Sandbox::open_libs(lua_State* L) {
  luaL_requiref(L, LUA_GNAME, luaopen_base, 1);  // the real _G: only the prelude sees it
  lua_newtable(L);                               // allow-listed base
  for (const char* name : kAllowedBase) {
    lua_getfield(L, -2, name);
    lua_setfield(L, -2, name);
  }
  lua_getfield(L, -2, "setmetatable");
  lua_pushcclosure(L, safe_setmetatable, 1);
  lua_setfield(L, -2, "setmetatable");
  lua_pushcfunction(L, safe_print);
  lua_setfield(L, -2, "print");
  lua_pushcfunction(L, safe_require);
  lua_setfield(L, -2, "require");
  lua_setfield(L, LUA_REGISTRYINDEX, kBase);
  lua_pop(L, 1);

  lua_newtable(L);  // library templates, copied into each environment
  open_string(L);
  luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 0);
  lua_setfield(L, -2, LUA_TABLIBNAME);
  luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 0);
  replace_with_copy(L);
  drop_field(L, "random");  // randomly seeded in Debian's build: replays would differ
  drop_field(L, "randomseed");
  lua_setfield(L, -2, LUA_MATHLIBNAME);
  luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 0);
  lua_setfield(L, -2, LUA_UTF8LIBNAME);
  lua_setfield(L, LUA_REGISTRYINDEX, kLibs);

  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, kModules);
  open_prelude(L);
  open_event_view(L);
  return 0;
}

void Sandbox::push_new_env(lua_State* L) {
  lua_newtable(L);
  const int env = lua_gettop(L);
  lua_getfield(L, LUA_REGISTRYINDEX, kBase);
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, env);
  }
  lua_pop(L, 1);
  lua_getfield(L, LUA_REGISTRYINDEX, kLibs);
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    replace_with_copy(L);  // a file may scribble on its own string table, not on others'
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, env);
  }
  lua_pop(L, 1);
  lua_pushvalue(L, env);
  lua_pushcclosure(L, safe_load, 1);
  lua_setfield(L, env, "load");
  push_prelude_function(L, "spairs");
  lua_setfield(L, env, "spairs");
  lua_pushvalue(L, env);
  lua_setfield(L, env, LUA_GNAME);
}

void Sandbox::freeze_env(lua_State* L, int idx) {
  idx = lua_absindex(L, idx);
  lua_newtable(L);  // backing store
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, -4);
  }
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {  // clearing fields during traversal is allowed
    lua_pop(L, 1);
    lua_pushvalue(L, -1);
    lua_pushnil(L);
    lua_rawset(L, idx);
  }
  lua_newtable(L);  // metatable
  lua_insert(L, -2);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, frozen_newindex);
  lua_setfield(L, -2, "__newindex");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, idx);
}

}  // namespace siemhub::lua
