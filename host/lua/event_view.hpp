// Events in Lua: read-only userdata with lazy access by OCSF path. `e["src_endpoint.ip"]`,
// `e.actor.user.name`, `e.observables[1]` (Lua indexes arrays from 1; path strings use OCSF's
// "[0]") read straight from the simdjson document; nested objects and arrays come back as views,
// never as table copies. tostring(view) gives the JSON text of the subtree.
#pragma once

#include "ocsf/event.hpp"

extern "C" {
#include <lua.h>
}

#include <optional>
#include <string_view>

namespace siemhub::lua {

/// The element at `path` below `from` (dot-separated keys, "[N]" or ".N" array indexes).
std::optional<simdjson::dom::element> resolve(simdjson::dom::element from, std::string_view path);

/// Creates the event metatable (inside Sandbox::open_libs or any protected call).
void open_event_view(lua_State* L);
/// Pushes a view of the whole event. May raise (allocation): protected calls only.
void push_event(lua_State* L, const ocsf::Event& event);

}  // namespace siemhub::lua
