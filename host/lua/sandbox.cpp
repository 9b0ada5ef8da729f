#include "lua/sandbox.hpp"

#include "core/clock.hpp"

extern "C" {
#include <lauxlib.h>
}

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace siemhub::lua {

Sandbox::Sandbox(SandboxLimits limits, const core::Clock* clock)
    : limits_(std::move(limits)), clock_(clock ? clock : &core::SystemClock::instance()) {
  print_tokens_ = limits_.print_burst;
  print_refilled_ms_ = clock_->now_ms();
  L_ = lua_newstate(&Sandbox::allocate, this);
  if (L_ == nullptr) throw std::runtime_error("lua: cannot create a state");
  *static_cast<Sandbox**>(lua_getextraspace(L_)) = this;
  Fault fault;
  if (!call(&Sandbox::open_libs, this, &fault)) {
    lua_close(L_);
    throw std::runtime_error("lua: cannot open the sandbox libraries: " + fault.to_string());
  }
  lua_sethook(L_, &Sandbox::count_hook, LUA_MASKCOUNT, kHookEvery);
}

Sandbox::~Sandbox() {
  if (L_ != nullptr) lua_close(L_);
}

Sandbox& Sandbox::of(lua_State* L) { return **static_cast<Sandbox**>(lua_getextraspace(L)); }

// Frees and shrinks always succeed; growth past the cap fails, which Lua turns into a memory
// error (after an emergency collection).
void* Sandbox::allocate(void* ud, void* ptr, std::size_t osize, std::size_t nsize) {
  auto* self = static_cast<Sandbox*>(ud);
  const std::size_t old = ptr != nullptr ? osize : 0;
  if (nsize == 0) {
    std::free(ptr);
    self->used_ -= old;
    return nullptr;
  }
  if (nsize > old && self->used_ + (nsize - old) > self->limits_.memory_limit_bytes) {
    self->memory_hit_ = true;
    return nullptr;
  }
  void* grown = std::realloc(ptr, nsize);
  if (grown == nullptr) return nullptr;
  self->used_ = self->used_ - old + nsize;
  return grown;
}

// The hook runs between VM instructions (never inside C functions, hence patterns.cpp).
void Sandbox::count_hook(lua_State* L, lua_Debug*) {
  Sandbox& self = of(L);
  self.instructions_ += kHookEvery;
  if (self.interrupted_.load(std::memory_order_relaxed)) luaL_error(L, "interrupted: the hub is stopping");
  if (self.instructions_ > self.limits_.instruction_budget) {
    self.budget_hit_ = true;
    luaL_error(L, "instruction budget exceeded (%I instructions)", (lua_Integer)self.limits_.instruction_budget);
  }
}

// Runs where the error was raised, before unwinding: note the innermost line of a rule file
// (frames of the host's prelude and of load()ed text are skipped: they name no file to fix).
int Sandbox::message_handler(lua_State* L) {
  Sandbox& self = of(L);
  lua_Debug ar;
  for (int level = 1; lua_getstack(L, level, &ar) != 0; ++level) {
    if (lua_getinfo(L, "Sl", &ar) != 0 && ar.currentline > 0 && ar.source[0] == '@') {
      std::snprintf(self.where_, sizeof self.where_, "%s:%d", ar.short_src, ar.currentline);
      break;
    }
  }
  return 1;
}

namespace {

// Lua prefixes runtime errors with "chunk:line: "; the location is reported separately.
std::string strip_location(const char* msg, std::size_t len, const std::string& where) {
  std::string text(msg, len);
  if (!where.empty() && text.rfind(where + ": ", 0) == 0) text.erase(0, where.size() + 2);
  return text;
}

}  // namespace

bool Sandbox::call(lua_CFunction fn, void* ud, Fault* fault) {
  if (interrupted_.load(std::memory_order_relaxed)) {  // not even a short call: the hub is stopping
    if (fault != nullptr) *fault = Fault{FaultKind::error, "interrupted: the hub is stopping", {}};
    return false;
  }
  ++calls_;
  instructions_ = 0;
  budget_hit_ = false;
  memory_hit_ = false;
  where_[0] = '\0';
  const int base = lua_gettop(L_);
  // Light C functions and light userdata do not allocate; the 20 guaranteed free slots hold them.
  lua_pushcfunction(L_, &Sandbox::message_handler);
  lua_pushcfunction(L_, fn);
  lua_pushlightuserdata(L_, ud);
  const int rc = lua_pcall(L_, 1, 0, base + 1);
  if (rc == LUA_OK) {
    lua_settop(L_, base);
    return true;
  }
  if (fault != nullptr) {
    fault->where = where_;
    fault->kind = budget_hit_ ? FaultKind::instructions
                  : (rc == LUA_ERRMEM || memory_hit_) ? FaultKind::memory
                                                      : FaultKind::error;
    if (fault->kind == FaultKind::memory) {
      fault->message = "memory limit exceeded (" + std::to_string(limits_.memory_limit_bytes) + " bytes)";
    } else if (lua_type(L_, -1) == LUA_TSTRING) {
      std::size_t len = 0;
      const char* msg = lua_tolstring(L_, -1, &len);
      fault->message = strip_location(msg, len, fault->where);
    } else {
      fault->message = std::string("error object is a ") + luaL_typename(L_, -1) + " value";
    }
  }
  lua_settop(L_, base);
  // A memory bomb leaves garbage behind; give the other rules their memory back now.
  if (rc == LUA_ERRMEM || memory_hit_) lua_gc(L_, LUA_GCCOLLECT);
  return false;
}

// A token bucket: a rule printing in a loop costs the host log a few lines a second, not
// megabytes per event.
bool Sandbox::may_print(std::uint64_t* dropped) {
  const std::int64_t now = clock_->now_ms();
  if (now > print_refilled_ms_) {
    print_tokens_ = std::min<double>(limits_.print_burst,
                                     print_tokens_ + static_cast<double>(now - print_refilled_ms_) *
                                                         limits_.print_per_second / 1000.0);
    print_refilled_ms_ = now;
  }
  if (print_tokens_ < 1) {
    ++print_dropped_;
    return false;
  }
  print_tokens_ -= 1;
  *dropped = print_dropped_;
  print_dropped_ = 0;
  return true;
}

bool Sandbox::read_module(const char* name, std::size_t len) {
  std::string rel(name, len);
  if (rel.rfind("siemhub.", 0) != 0 || rel.size() == 8) return false;
  rel.erase(0, 8);
  for (char& c : rel) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
    if (!ok) return false;
    if (c == '.') c = '/';
  }
  if (rel.find("//") != std::string::npos || rel.front() == '/' || rel.back() == '/') return false;
  std::ifstream in(limits_.lib_dir / "siemhub" / (rel + ".lua"), std::ios::binary);
  if (!in) return false;
  std::ostringstream text;
  text << in.rdbuf();
  scratch_ = text.str();
  return true;
}

}  // namespace siemhub::lua
