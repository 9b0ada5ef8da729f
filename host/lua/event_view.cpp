#include "lua/event_view.hpp"

#include "lua/sandbox.hpp"

extern "C" {
#include <lauxlib.h>
}

#include <type_traits>

namespace siemhub::lua {

namespace dom = simdjson::dom;

namespace {

constexpr const char* kEventMeta = "siemhub.event";

// What the userdata holds: plain data only, so a longjmp over it is harmless.
struct View {
  dom::element element;
  std::uint64_t generation;
};
static_assert(std::is_trivially_copyable_v<View> && std::is_trivially_destructible_v<View>);

View& check_view(lua_State* L, int idx) {
  auto* view = static_cast<View*>(luaL_checkudata(L, idx, kEventMeta));
  if (view->generation != Sandbox::of(L).event_generation())
    luaL_error(L, "event used after its batch (keep values, not events, in ctx.state)");
  return *view;
}

void push_view(lua_State* L, dom::element element) {
  auto* view = static_cast<View*>(lua_newuserdatauv(L, sizeof(View), 0));
  view->element = element;
  view->generation = Sandbox::of(L).event_generation();
  luaL_setmetatable(L, kEventMeta);
}

void push_element(lua_State* L, dom::element e) {
  switch (e.type()) {
    case dom::element_type::STRING: {
      const std::string_view s(e);
      lua_pushlstring(L, s.data(), s.size());
      return;
    }
    case dom::element_type::INT64: lua_pushinteger(L, static_cast<lua_Integer>(std::int64_t(e))); return;
    case dom::element_type::UINT64: lua_pushnumber(L, static_cast<lua_Number>(std::uint64_t(e))); return;
    case dom::element_type::DOUBLE: lua_pushnumber(L, double(e)); return;
    case dom::element_type::BOOL: lua_pushboolean(L, bool(e) ? 1 : 0); return;
    case dom::element_type::NULL_VALUE: lua_pushnil(L); return;
    case dom::element_type::OBJECT:
    case dom::element_type::ARRAY: push_view(L, e); return;
  }
  lua_pushnil(L);
}

int view_index(lua_State* L) {
  const View& view = check_view(L, 1);
  std::optional<dom::element> found;
  if (lua_type(L, 2) == LUA_TNUMBER && lua_isinteger(L, 2)) {
    const lua_Integer i = lua_tointeger(L, 2);
    dom::element next;
    if (view.element.is_array() && i >= 1 &&
        dom::array(view.element).at(static_cast<std::size_t>(i - 1)).get(next) == simdjson::SUCCESS)
      found = next;
  } else {
    std::size_t len = 0;
    const char* key = luaL_checklstring(L, 2, &len);
    found = resolve(view.element, std::string_view(key, len));
  }
  if (found) push_element(L, *found);
  else lua_pushnil(L);
  return 1;
}

int view_len(lua_State* L) {
  const View& view = check_view(L, 1);
  std::size_t n = 0;
  if (view.element.is_array()) n = dom::array(view.element).size();
  else if (view.element.is_object()) n = dom::object(view.element).size();
  lua_pushinteger(L, static_cast<lua_Integer>(n));
  return 1;
}

int view_tostring(lua_State* L) {
  const View& view = check_view(L, 1);
  std::string& text = Sandbox::of(L).scratch();
  text = simdjson::to_string(view.element);
  lua_pushlstring(L, text.data(), text.size());
  return 1;
}

int view_newindex(lua_State* L) { return luaL_error(L, "events are read-only"); }

}  // namespace

std::optional<dom::element> resolve(dom::element from, std::string_view path) {
  return ocsf::resolve_path(from, path);
}

void open_event_view(lua_State* L) {
  luaL_newmetatable(L, kEventMeta);
  const luaL_Reg methods[] = {{"__index", view_index},       {"__len", view_len},
                              {"__tostring", view_tostring}, {"__newindex", view_newindex},
                              {nullptr, nullptr}};
  luaL_setfuncs(L, methods, 0);
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 1);
}

void push_event(lua_State* L, const ocsf::Event& event) {
  const auto root = event.root();
  if (root) push_view(L, *root);
  else lua_pushnil(L);
}

}  // namespace siemhub::lua
