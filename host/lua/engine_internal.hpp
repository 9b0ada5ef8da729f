// Engine internals shared by engine.cpp, engine_calls.cpp and engine_state.cpp.
#pragma once

#include "lua/engine.hpp"

#include <boost/circular_buffer.hpp>

namespace siemhub::lua {

struct Engine::Rule {
  RuleDef def;
  std::vector<int> by_ids;  ///< PathIds of def.by
  int distinct_id = -1;     ///< PathIds of def.distinct_field
  std::uint64_t shard_seed = 0;  ///< core::text_hash(def.id), for shard_of_seeded
  GroupStore store;
  RuleStats stats;
  std::size_t order = 0;  ///< declaration index among every rule{} of the files (RuleInfo::order)
  std::size_t file = 0;   ///< its file's index in Engine::files_ (and sources_)
  std::string where;      ///< "file.lua:12" of its rule{}: where faults without a Lua line point
  boost::circular_buffer<std::uint64_t> fault_calls;  ///< stats.lua_calls at each of the last faults
  std::int64_t next_fault_log_ms = INT64_MIN;
  std::uint64_t unlogged_faults = 0;
};

/// The protected calls into Lua. Each returns false and fills `fault` when the call failed.
struct Calls {
  /// The registry ref of the function table of the rule's file.
  static int fns(const Engine& e, const Engine::Rule& rule);
  static bool init(Engine& e, std::size_t file, Fault* fault);
  static bool run_source(Engine& e, std::size_t file, Fault* fault);
  static bool freeze(Engine& e, std::size_t file, Fault* fault);
  static bool function_source(Engine& e, std::size_t file, int fn, std::string* where, Fault* fault);
  static bool predicate(Engine& e, const Engine::Rule& rule, const ocsf::Event& event, bool* result, Fault* fault);
  static bool having(Engine& e, const Engine::Rule& rule, const Group& g, const Aggregate& agg, bool* result,
                     Fault* fault);
  static bool emit(Engine& e, const Engine::Rule& rule, const Group& g, const Aggregate& agg, std::string* json,
                   Fault* fault);
  /// on_event for calls[*next...] in one protected call, each item with its own instruction
  /// budget; on a fault *next is the item that failed (the ones before it completed).
  static bool on_events(Engine& e, const Engine::Rule& rule, std::vector<Engine::QueuedCall>& calls, std::size_t* next,
                        Fault* fault);
  /// The ctx.state literals of live[*next...] into out[...] in one protected call, each with its
  /// own instruction budget; stops (true) at `deadline`. On a fault *next is the group that failed.
  static bool state_literals(Engine& e, const Engine::Rule& rule, const std::vector<const Group*>& live,
                             std::vector<std::string>& out, std::size_t* next, std::int64_t deadline, Fault* fault);
  /// Drops the released refs of every file (and collects a file whose rule was quarantined).
  static void release(Engine& e, bool collect = false);
};

}  // namespace siemhub::lua
