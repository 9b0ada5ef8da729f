// Every call from the engine into Lua. Each public function runs one trampoline (a captureless
// lambda) under Sandbox::call. Inside a trampoline only trivially destructible locals are alive
// while a Lua API call may raise; results go out through the Args pointers.
#include "lua/engine_internal.hpp"
#include "lua/event_view.hpp"
#include "lua/prelude.hpp"

extern "C" {
#include <lauxlib.h>
}

namespace siemhub::lua {

namespace {

constexpr const char* kEngineKey = "siemhub.engine";
constexpr const char* kEnvs = "siemhub.envs";

struct Args {
  Engine* engine = nullptr;
  const Engine::Rule* rule = nullptr;
  Group* group = nullptr;
  const Group* cgroup = nullptr;
  const ocsf::Event* event = nullptr;
  const Aggregate* agg = nullptr;
  int fn = 0;
  std::int64_t time = 0;
  std::size_t source = 0;
  bool* result = nullptr;
  std::string* out = nullptr;
  std::vector<Engine::QueuedCall>* calls = nullptr;
  std::size_t* next = nullptr;
  const std::vector<const Group*>* live = nullptr;
  std::vector<std::string>* outs = nullptr;
  std::int64_t deadline = 0;
};

Args& args(lua_State* L) { return *static_cast<Args*>(lua_touserdata(L, 1)); }

Engine& engine_of(lua_State* L) {
  lua_getfield(L, LUA_REGISTRYINDEX, kEngineKey);
  auto* e = static_cast<Engine*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return *e;
}

void push_fn(lua_State* L, lua_CFunction f) { lua_pushcfunction(L, f); }

// The line of the Lua code calling the running C function (rule{} and lookup{} note where they are).
int caller_line(lua_State* L) {
  lua_Debug ar;
  if (lua_getstack(L, 1, &ar) == 0 || lua_getinfo(L, "l", &ar) == 0) return 0;
  return ar.currentline;
}


void push_string(lua_State* L, const std::string& s) { lua_pushlstring(L, s.data(), s.size()); }

// Copies the string at the top into *out (a C++ object outside the protected call).
void take_string(lua_State* L, std::string* out) {
  std::size_t len = 0;
  const char* s = lua_tolstring(L, -1, &len);
  if (s == nullptr) luaL_error(L, "expected a string result");
  out->assign(s, len);
}

void push_by(lua_State* L, const Engine::Rule& rule, const Group& g) {
  lua_createtable(L, 0, static_cast<int>(g.by.size()));
  for (std::size_t i = 0; i < g.by.size() && i < rule.def.by.size(); ++i) {
    push_string(L, g.by[i]);
    lua_setfield(L, -2, rule.def.by[i].c_str());
  }
}

void push_agg(lua_State* L, const Aggregate& a) {
  lua_createtable(L, 0, 5);
  lua_pushinteger(L, static_cast<lua_Integer>(a.count));
  lua_setfield(L, -2, "count");
  lua_pushinteger(L, static_cast<lua_Integer>(a.distinct));
  lua_setfield(L, -2, "distinct");
  lua_pushinteger(L, static_cast<lua_Integer>(a.max_per_value));
  lua_setfield(L, -2, "max_per_value");
  lua_pushinteger(L, a.first_time);
  lua_setfield(L, -2, "first_time");
  lua_pushinteger(L, a.last_time);
  lua_setfield(L, -2, "last_time");
}

bool run(Engine* engine, Sandbox& sb, lua_CFunction fn, Args& a, Fault* fault) {
  a.engine = engine;
  return sb.call(fn, &a, fault);
}

}  // namespace

int Calls::fns(const Engine& e, const Engine::Rule& rule) { return e.files_[rule.file].fns_ref; }

bool Calls::init(Engine& e, std::size_t file, Fault* fault) {
  Args ca;
  ca.source = file;
  return run(&e, *e.files_[file].sandbox, [](lua_State* L) -> int {
    Engine& eng = *args(L).engine;
    const std::size_t index = args(L).source;
    lua_pushlightuserdata(L, &eng);
    lua_setfield(L, LUA_REGISTRYINDEX, kEngineKey);
    lua_newtable(L);
    eng.files_[index].fns_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, kEnvs);
    lua_getfield(L, LUA_REGISTRYINDEX, "siemhub.base");
    // rule{ ... } and lookup{ ... } record their table as JSON (functions become references).
    push_fn(L, [](lua_State* S) -> int {
      Engine& en = engine_of(S);
      if (!en.loading_) return luaL_error(S, "rule{} is only allowed when the file loads");
      luaL_checktype(S, 1, LUA_TTABLE);
      push_prelude_function(S, "json");
      lua_pushvalue(S, 1);
      lua_rawgeti(S, LUA_REGISTRYINDEX, en.files_[en.current_source_].fns_ref);
      lua_call(S, 2, 1);
      std::size_t len = 0;
      const char* text = lua_tolstring(S, -1, &len);
      en.pending_.push_back({true, en.current_source_, caller_line(S), std::string(text, len)});
      return 0;
    });
    lua_setfield(L, -2, "rule");
    push_fn(L, [](lua_State* S) -> int {
      Engine& en = engine_of(S);
      if (lua_type(S, 1) == LUA_TTABLE) {
        if (!en.loading_) return luaL_error(S, "lookup{} declarations are only allowed when the file loads");
        push_prelude_function(S, "json");
        lua_pushvalue(S, 1);
        lua_call(S, 1, 1);
        std::size_t len = 0;
        const char* text = lua_tolstring(S, -1, &len);
        en.pending_.push_back({false, en.current_source_, caller_line(S), std::string(text, len)});
        return 0;
      }
      // lookup("name", key) -> row (a table of strings) or nil
      const char* name = luaL_checkstring(S, 1);
      std::size_t klen = 0;
      const char* key = luaL_checklstring(S, 2, &klen);
      const Lookup* table = nullptr;
      for (const auto& l : en.lookups_)
        if (l->name() == name) table = l.get();
      if (table == nullptr) return luaL_error(S, "no lookup named '%s'", name);
      const auto* row = table->find_flat(std::string_view(key, klen));
      if (row == nullptr) return lua_pushnil(S), 1;
      lua_createtable(S, 0, static_cast<int>(row->size()));
      for (std::size_t i = 0; i < row->size(); ++i) {
        push_string(S, (*row)[i].second);
        lua_setfield(S, -2, (*row)[i].first.c_str());
      }
      return 1;
    });
    lua_setfield(L, -2, "lookup");
    lua_pop(L, 1);
    return 0;
  }, ca, fault);
}

bool Calls::run_source(Engine& e, std::size_t file, Fault* fault) {
  Args ca;
  ca.source = file;
  return run(&e, *e.files_[file].sandbox, [](lua_State* L) -> int {
    Args& a = args(L);
    const Source& src = a.engine->sources_[a.source];
    const char* chunkname = lua_pushfstring(L, "@%s", src.name.c_str());
    if (luaL_loadbufferx(L, src.text.data(), src.text.size(), chunkname, "t") != LUA_OK) return lua_error(L);
    Sandbox::push_new_env(L);
    lua_getfield(L, LUA_REGISTRYINDEX, kEnvs);
    lua_pushvalue(L, -2);
    lua_rawseti(L, -2, static_cast<lua_Integer>(lua_rawlen(L, -2) + 1));
    lua_pop(L, 1);
    lua_setupvalue(L, -2, 1);
    lua_call(L, 0, 0);
    return 0;
  }, ca, fault);
}

bool Calls::freeze(Engine& e, std::size_t file, Fault* fault) {
  Args ca;
  return run(&e, *e.files_[file].sandbox, [](lua_State* L) -> int {
    lua_getfield(L, LUA_REGISTRYINDEX, kEnvs);
    const auto n = static_cast<lua_Integer>(lua_rawlen(L, -1));
    for (lua_Integer i = 1; i <= n; ++i) {
      lua_rawgeti(L, -1, i);
      Sandbox::freeze_env(L, -1);
      lua_pop(L, 1);
    }
    return 0;
  }, ca, fault);
}

bool Calls::function_source(Engine& e, std::size_t file, int fn, std::string* where, Fault* fault) {
  Args ca;
  ca.fn = fn;
  ca.out = where;
  ca.source = file;
  return run(&e, *e.files_[file].sandbox, [](lua_State* L) -> int {
    Args& a = args(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, a.engine->files_[a.source].fns_ref);
    lua_rawgeti(L, -1, a.fn);
    lua_Debug ar;
    lua_getinfo(L, ">S", &ar);
    char text[320];
    std::snprintf(text, sizeof text, "%s:%d-%d", ar.source[0] == '@' ? ar.source + 1 : "(text)", ar.linedefined,
                  ar.lastlinedefined);
    a.out->assign(text);
    return 0;
  }, ca, fault);
}

bool Calls::predicate(Engine& e, const Engine::Rule& rule, const ocsf::Event& event, bool* result, Fault* fault) {
  Args ca;
  ca.rule = &rule;
  ca.fn = rule.def.where_fn;
  ca.event = &event;
  ca.result = result;
  return run(&e, *e.files_[rule.file].sandbox, [](lua_State* L) -> int {
    Args& a = args(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, Calls::fns(*a.engine, *a.rule));
    lua_rawgeti(L, -1, a.fn);
    push_event(L, *a.event);
    lua_call(L, 1, 1);
    *a.result = lua_toboolean(L, -1) != 0;
    return 0;
  }, ca, fault);
}

bool Calls::having(Engine& e, const Engine::Rule& rule, const Group& g, const Aggregate& agg, bool* result,
                   Fault* fault) {
  Args ca;
  ca.rule = &rule;
  ca.cgroup = &g;
  ca.agg = &agg;
  ca.result = result;
  return run(&e, *e.files_[rule.file].sandbox, [](lua_State* L) -> int {
    Args& a = args(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, Calls::fns(*a.engine, *a.rule));
    lua_rawgeti(L, -1, a.rule->def.having_fn);
    push_agg(L, *a.agg);
    push_by(L, *a.rule, *a.cgroup);
    lua_call(L, 2, 1);
    *a.result = lua_toboolean(L, -1) != 0;
    return 0;
  }, ca, fault);
}

// emit(m) with m = { key, by, count, first_time, last_time, agg, rule }; its table -> JSON.
bool Calls::emit(Engine& e, const Engine::Rule& rule, const Group& g, const Aggregate& agg, std::string* json,
                 Fault* fault) {
  Args ca;
  ca.rule = &rule;
  ca.cgroup = &g;
  ca.agg = &agg;
  ca.out = json;
  return run(&e, *e.files_[rule.file].sandbox, [](lua_State* L) -> int {
    Args& a = args(L);
    push_prelude_function(L, "json");
    lua_rawgeti(L, LUA_REGISTRYINDEX, Calls::fns(*a.engine, *a.rule));
    lua_rawgeti(L, -1, a.rule->def.emit_fn);
    lua_remove(L, -2);
    lua_createtable(L, 0, 8);
    push_string(L, a.cgroup->key);
    lua_setfield(L, -2, "key");
    push_string(L, a.rule->def.id);
    lua_setfield(L, -2, "rule");
    push_by(L, *a.rule, *a.cgroup);
    lua_setfield(L, -2, "by");
    push_agg(L, *a.agg);
    lua_setfield(L, -2, "agg");
    lua_pushinteger(L, static_cast<lua_Integer>(a.agg->count));
    lua_setfield(L, -2, "count");
    lua_pushinteger(L, a.agg->first_time);
    lua_setfield(L, -2, "first_time");
    lua_pushinteger(L, a.agg->last_time);
    lua_setfield(L, -2, "last_time");
    lua_call(L, 1, 1);
    if (!lua_istable(L, -1)) return luaL_error(L, "emit must return a table");
    lua_call(L, 1, 1);
    take_string(L, a.out);
    return 0;
  }, ca, fault);
}

// on_event(e, ctx): ctx = { state, by, key, rule, span, now, emit } kept per group (registry ref).
bool Calls::on_events(Engine& e, const Engine::Rule& rule, std::vector<Engine::QueuedCall>& calls, std::size_t* next,
                      Fault* fault) {
  Args ca;
  ca.rule = &rule;
  ca.calls = &calls;
  ca.next = next;
  return run(&e, *e.files_[rule.file].sandbox, [](lua_State* L) -> int {
    Args& a = args(L);
    const int base = lua_gettop(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, Calls::fns(*a.engine, *a.rule));
    const int fns = lua_gettop(L);
    for (; *a.next < a.calls->size(); ++*a.next) {
      Engine::QueuedCall& call = (*a.calls)[*a.next];
      Sandbox::of(L).reset_budget();
      call.emit_begin = a.engine->emitted_.size();
      a.engine->emit_begin_ = call.emit_begin;
      Group& grp = *call.group;
      lua_rawgeti(L, fns, a.rule->def.on_event_fn);
      push_event(L, *call.event);
      if (grp.state_ref == 0) {
        lua_createtable(L, 0, 6);
        if (grp.saved_state.empty()) {
          lua_newtable(L);
        } else {
          push_prelude_function(L, "unliteral");
          push_string(L, grp.saved_state);
          lua_call(L, 1, 1);
        }
        lua_setfield(L, -2, "state");
        push_by(L, *a.rule, grp);
        lua_setfield(L, -2, "by");
        push_string(L, grp.key);
        lua_setfield(L, -2, "key");
        push_string(L, a.rule->def.id);
        lua_setfield(L, -2, "rule");
        lua_pushinteger(L, a.rule->def.span_ms);
        lua_setfield(L, -2, "span");
        push_fn(L, [](lua_State* S) -> int {
          Engine& en = engine_of(S);
          if (lua_isnoneornil(S, 1)) lua_newtable(S);
          else luaL_checktype(S, 1, LUA_TTABLE);
          // Findings are host memory outside the state's cap: bounded per call and per payload.
          if (en.emitted_.size() - en.emit_begin_ >= en.options_.max_emits_per_call)
            return luaL_error(S, "more than %I ctx.emit calls in one on_event call",
                              static_cast<lua_Integer>(en.options_.max_emits_per_call));
          push_prelude_function(S, "json");
          lua_pushvalue(S, 1);
          lua_call(S, 1, 1);
          std::size_t len = 0;
          const char* text = lua_tolstring(S, -1, &len);
          if (len > en.options_.max_emit_bytes)
            return luaL_error(S, "a ctx.emit payload of %I bytes (at most %I)", static_cast<lua_Integer>(len),
                              static_cast<lua_Integer>(en.options_.max_emit_bytes));
          en.emitted_.emplace_back(text, len);
          return 0;
        });
        lua_setfield(L, -2, "emit");
        lua_pushvalue(L, -1);
        grp.state_ref = luaL_ref(L, LUA_REGISTRYINDEX);
        grp.saved_state.clear();
      } else {
        lua_rawgeti(L, LUA_REGISTRYINDEX, grp.state_ref);
      }
      lua_pushinteger(L, call.time);
      lua_setfield(L, -2, "now");
      lua_call(L, 2, 0);
      call.emit_end = a.engine->emitted_.size();
      lua_settop(L, fns);
    }
    lua_settop(L, base);
    return 0;
  }, ca, fault);
}

bool Calls::state_literals(Engine& e, const Engine::Rule& rule, const std::vector<const Group*>& live,
                           std::vector<std::string>& out, std::size_t* next, std::int64_t deadline, Fault* fault) {
  Args ca;
  ca.rule = &rule;
  ca.live = &live;
  ca.outs = &out;
  ca.next = next;
  ca.deadline = deadline;
  return run(&e, *e.files_[rule.file].sandbox, [](lua_State* L) -> int {
    Args& a = args(L);
    const int base = lua_gettop(L);
    for (; *a.next < a.live->size() && !a.engine->past(a.deadline); ++*a.next) {
      Sandbox::of(L).reset_budget();
      push_prelude_function(L, "literal");
      lua_rawgeti(L, LUA_REGISTRYINDEX, (*a.live)[*a.next]->state_ref);
      lua_getfield(L, -1, "state");
      lua_remove(L, -2);
      lua_call(L, 1, 1);
      take_string(L, &(*a.outs)[*a.next]);
      lua_settop(L, base);
    }
    return 0;
  }, ca, fault);
}

void Calls::release(Engine& e, bool collect) {
  for (Engine::File& file : e.files_) {
    if (file.released.empty()) continue;
    Args ca;
    ca.result = &collect;
    ca.source = static_cast<std::size_t>(&file - e.files_.data());
    run(&e, *file.sandbox, [](lua_State* L) -> int {
      Args& a = args(L);
      auto& refs = a.engine->files_[a.source].released;
      for (std::size_t i = 0; i < refs.size(); ++i) luaL_unref(L, LUA_REGISTRYINDEX, refs[i]);
      // A quarantined rule's state goes back to the file's other rules now, not some GC steps later.
      if (*a.result) lua_gc(L, LUA_GCCOLLECT);
      return 0;
    }, ca, nullptr);
    file.released.clear();
  }
}

}  // namespace siemhub::lua
