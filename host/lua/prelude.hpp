// Privileged Lua helpers the rules never see directly: sorted pairs, a JSON encoder (functions
// become {"$fn": n} references when a function table is given) and a Lua-literal encoder/decoder
// for ctx.state snapshots. All iterate keys in sorted order, so output replays identically.
#pragma once

extern "C" {
#include <lua.h>
}

namespace siemhub::lua {

/// Loads the prelude (inside Sandbox::open_libs).
void open_prelude(lua_State* L);
/// Pushes prelude function `name` ("spairs", "json", "literal", "unliteral").
void push_prelude_function(lua_State* L, const char* name);

}  // namespace siemhub::lua
