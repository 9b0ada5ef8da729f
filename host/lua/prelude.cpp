#include "lua/prelude.hpp"

extern "C" {
#include <lauxlib.h>
}

namespace siemhub::lua {

namespace {

constexpr const char* kPrelude = "siemhub.prelude";

constexpr const char kSource[] = R"lua(
local LOADED, load = ...
local string, table, math = LOADED.string, LOADED.table, LOADED.math
local format, gsub, byte, sort, concat, mtype = string.format, string.gsub, string.byte, table.sort, table.concat, math.type
local type, next, tostring, error = type, next, tostring, error
local P = {}

local function key_less(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then return ta < tb end
  if ta == "boolean" then return (not a) and b end
  return a < b
end

local function sorted_keys(t)
  local keys, n = {}, 0
  for k in next, t do n = n + 1; keys[n] = k end
  sort(keys, key_less)
  return keys, n
end

function P.spairs(t)
  local keys, n = sorted_keys(t)
  local i = 0
  return function()
    i = i + 1
    if i <= n then local k = keys[i]; return k, t[k] end
  end
end

local escapes = { ['"'] = '\\"', ['\\'] = '\\\\', ['\b'] = '\\b', ['\f'] = '\\f',
                  ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t' }
local function escape(c) return escapes[c] or format("\\u%04x", byte(c)) end
local function quote(s) return '"' .. gsub(s, '[%c"\\]', escape) .. '"' end

local function is_array(t)
  local n = #t
  if n == 0 then return false end
  local count = 0
  for _ in next, t do count = count + 1 end
  return count == n
end

local function json(v, fns, depth, out)
  local tv = type(v)
  if tv == "string" then out[#out + 1] = quote(v)
  elseif tv == "number" then
    if mtype(v) == "integer" then out[#out + 1] = format("%d", v)
    elseif v ~= v or v == 1/0 or v == -1/0 then error("cannot encode NaN or infinity", 0)
    else out[#out + 1] = format("%.17g", v) end
  elseif tv == "boolean" then out[#out + 1] = v and "true" or "false"
  elseif tv == "function" and fns then
    fns[#fns + 1] = v
    out[#out + 1] = '{"$fn":' .. #fns .. '}'
  elseif tv == "table" then
    if depth > 32 then error("table nested too deeply (or a cycle)", 0) end
    if is_array(v) then
      out[#out + 1] = "["
      for i = 1, #v do
        if i > 1 then out[#out + 1] = "," end
        json(v[i], fns, depth + 1, out)
      end
      out[#out + 1] = "]"
    else
      out[#out + 1] = "{"
      local keys, n = sorted_keys(v)
      for i = 1, n do
        local k = keys[i]
        local tk = type(k)
        if tk ~= "string" and tk ~= "number" then error("table keys must be strings or numbers", 0) end
        if i > 1 then out[#out + 1] = "," end
        out[#out + 1] = quote(tostring(k))
        out[#out + 1] = ":"
        json(v[k], fns, depth + 1, out)
      end
      out[#out + 1] = "}"
    end
  else error("cannot encode a " .. tv .. " value", 0) end
end

function P.json(v, fns)
  local out = {}
  json(v, fns, 0, out)
  return concat(out)
end

local function literal(v, depth, out)
  local tv = type(v)
  if tv == "string" or tv == "number" then out[#out + 1] = format("%q", v)
  elseif tv == "boolean" then out[#out + 1] = v and "true" or "false"
  elseif tv == "table" then
    if depth > 32 then error("ctx.state nested too deeply (or a cycle)", 0) end
    out[#out + 1] = "{"
    local keys, n = sorted_keys(v)
    for i = 1, n do
      local k = keys[i]
      out[#out + 1] = "["
      literal(k, depth + 1, out)
      out[#out + 1] = "]="
      literal(v[k], depth + 1, out)
      out[#out + 1] = ","
    end
    out[#out + 1] = "}"
  else
    error("ctx.state holds a " .. tv .. " value: only strings, numbers, booleans and tables are kept", 0)
  end
end

function P.literal(v)
  local out = {}
  literal(v, 0, out)
  return concat(out)
end

function P.unliteral(s)
  local f, err = load("return " .. s, "=state", "t", {})
  if not f then error(err, 0) end
  return f()
end

return P
)lua";

}  // namespace

void open_prelude(lua_State* L) {
  if (luaL_loadbufferx(L, kSource, sizeof kSource - 1, "=prelude", "t") != LUA_OK) lua_error(L);
  lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  lua_getglobal(L, "load");
  lua_call(L, 2, 1);
  lua_setfield(L, LUA_REGISTRYINDEX, kPrelude);
}

void push_prelude_function(lua_State* L, const char* name) {
  lua_getfield(L, LUA_REGISTRYINDEX, kPrelude);
  lua_getfield(L, -1, name);
  lua_remove(L, -2);
}

}  // namespace siemhub::lua
