// Engine internals shared by engine.cpp, engine_calls.cpp and engine_state.cpp.
#pragma once

#include "lua/engine.hpp"

namespace siemhub::lua {

struct Engine::Rule {
  RuleDef def;
  std::vector<int> by_ids;  ///< PathIds of def.by
  int distinct_id = -1;     ///< PathIds of def.distinct_field
  std::uint64_t shard_seed = 0;  ///< core::text_hash(def.id), for shard_of_seeded
  GroupStore store;
  RuleStats stats;
};

/// The protected calls into Lua. Each returns false and fills `fault` when the call failed.
struct Calls {
  static bool init(Engine& e, Fault* fault);
  static bool run_source(Engine& e, std::size_t source, Fault* fault);
  static bool freeze(Engine& e, Fault* fault);
  static bool function_source(Engine& e, int fn, std::string* where, Fault* fault);
  static bool predicate(Engine& e, int fn, const ocsf::Event& event, bool* result, Fault* fault);
  static bool having(Engine& e, const Engine::Rule& rule, const Group& g, const Aggregate& agg, bool* result,
                     Fault* fault);
  static bool emit(Engine& e, const Engine::Rule& rule, const Group& g, const Aggregate& agg, std::string* json,
                   Fault* fault);
  /// on_event for calls[*next...] in one protected call, each item with its own instruction
  /// budget; on a fault *next is the item that failed (the ones before it completed).
  static bool on_events(Engine& e, const Engine::Rule& rule, std::vector<Engine::QueuedCall>& calls, std::size_t* next,
                        Fault* fault);
  static bool state_literal(Engine& e, const Group& g, std::string* out, Fault* fault);
  static void release(Engine& e);
};

}  // namespace siemhub::lua
