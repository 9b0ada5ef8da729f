// One sandboxed Lua 5.4 state (Suricata 8 style, DESIGN §7): allow-listed base/string/table/math/
// utf8 only, a memory cap enforced by the allocator, an instruction budget per call enforced by a
// count hook, pattern functions wrapped with limits, `require` for siemhub.* modules only.
//
// Lua errors longjmp. Every call into Lua goes through Sandbox::call, which runs a C trampoline
// under lua_pcall; trampolines keep only trivially destructible locals while a Lua API call can
// raise, and hand results back through pointers to objects that live outside the protected call.
#pragma once

extern "C" {
#include <lua.h>
}

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace siemhub::core {
class Clock;
}

namespace siemhub::lua {

struct SandboxLimits {
  std::size_t memory_limit_bytes = 64u << 20;
  std::int64_t instruction_budget = 1'000'000;  ///< VM instructions per call
  std::size_t max_pattern_input = 64u << 10;    ///< subject bytes for find/match/gmatch/gsub
  std::size_t max_pattern_length = 256;
  double max_pattern_work = 1e9;  ///< estimated backtracking steps (subject^(quantifiers+1))
  std::filesystem::path lib_dir;  ///< where require("siemhub.x") finds siemhub/x.lua
  /// print() lines a state may log: a burst of `print_burst`, then `print_per_second` (the
  /// lines over it are dropped and counted in the next line that is logged).
  int print_burst = 20;
  int print_per_second = 2;
};

enum class FaultKind { error, instructions, memory };

/// What a failed protected call left behind.
struct Fault {
  FaultKind kind = FaultKind::error;
  std::string message;
  std::string where;  ///< "file.lua:12" of the innermost Lua frame, when known
  std::string to_string() const { return where.empty() ? message : where + ": " + message; }
};

class Sandbox {
 public:
  /// `clock` paces print() (null: the system clock).
  explicit Sandbox(SandboxLimits limits, const core::Clock* clock = nullptr);
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  lua_State* state() const { return L_; }
  const SandboxLimits& limits() const { return limits_; }
  std::size_t memory_used() const { return used_; }

  /// Runs fn(L) with `ud` as its only argument (a light userdata) under lua_pcall, with a fresh
  /// instruction budget. Returns true on success; on failure fills `fault` (if given).
  bool call(lua_CFunction fn, void* ud, Fault* fault = nullptr);
  /// A fresh instruction budget inside a call (a trampoline that runs several items, each with
  /// the budget of one call).
  void reset_budget() { instructions_ = 0; }
  /// Protected calls made so far (how often the host entered Lua).
  std::uint64_t calls() const { return calls_; }
  /// From any thread: the running call and every later one fail at their next count hook.
  void interrupt() { interrupted_ = true; }

  /// Builds a fresh rule-file environment on the stack top (inside a protected call): the
  /// allow-listed globals, private copies of string/table/math/utf8, `load` (text only) bound to
  /// it, `require` and `spairs`.
  static void push_new_env(lua_State* L);
  /// Makes the environment at `idx` read-only: its contents move behind an __index proxy.
  static void freeze_env(lua_State* L, int idx);

  /// The Sandbox owning L (kept in Lua's extra space).
  static Sandbox& of(lua_State* L);

  /// Scratch text owned by the sandbox: file contents read for `require` live here so no C++
  /// object with a destructor is on the stack while Lua may raise.
  std::string& scratch() { return scratch_; }
  bool read_module(const char* name, std::size_t len);

  /// Event objects carry the generation they were made in; a new batch bumps it, so an event a
  /// script kept from an earlier batch raises instead of reading freed memory.
  std::uint64_t event_generation() const { return event_generation_; }
  void next_event_generation() { ++event_generation_; }

  /// Whether print() may log a line now; `dropped` receives the lines refused since the last one.
  bool may_print(std::uint64_t* dropped);

 private:
  static void* allocate(void* ud, void* ptr, std::size_t osize, std::size_t nsize);
  static void count_hook(lua_State* L, lua_Debug* ar);
  static int message_handler(lua_State* L);
  static int open_libs(lua_State* L);

  SandboxLimits limits_;
  lua_State* L_ = nullptr;
  std::size_t used_ = 0;
  std::int64_t instructions_ = 0;
  std::uint64_t calls_ = 0;
  bool budget_hit_ = false;
  std::atomic<bool> interrupted_{false};
  bool memory_hit_ = false;
  char where_[256] = {};
  std::string scratch_;
  std::uint64_t event_generation_ = 1;
  const core::Clock* clock_;
  double print_tokens_ = 0;
  std::int64_t print_refilled_ms_ = 0;
  std::uint64_t print_dropped_ = 0;
};

/// Hook granularity: the count hook runs every this many instructions.
inline constexpr int kHookEvery = 1000;

}  // namespace siemhub::lua
