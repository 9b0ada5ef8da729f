// The Lua correlation engine: loads rule files into one sandboxed state, runs batches of OCSF
// events through the rules (native match tables first, Lua only for predicates, custom operators,
// having and emit), returns Detection Findings, and snapshots/restores its state as bytes.
// Not thread-safe: one Engine per worker.
#pragma once

#include "core/clock.hpp"
#include "core/metrics.hpp"
#include "lua/lookup.hpp"
#include "lua/rule.hpp"
#include "lua/sandbox.hpp"
#include "lua/window.hpp"
#include "ocsf/event.hpp"

#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace siemhub::lua {

struct EngineOptions {
  SandboxLimits sandbox;
  int quarantine_after = 5;                ///< consecutive faults
  std::size_t max_groups_per_rule = 100'000;
  std::size_t max_entries_per_group = 10'000;
  const core::Clock* clock = nullptr;      ///< for lookup reload checks only (null: system clock)
  std::int64_t lookup_check_interval_ms = 10'000;
};

/// One event of a batch: the parsed event and the host's event id (used when metadata.uid is absent).
struct EventRef {
  const ocsf::Event* event = nullptr;
  std::string_view id;
};

struct Finding {
  std::string rule_id;
  std::string uid;        ///< finding_info.uid
  std::string group_key;  ///< the `by` values joined with U+001F
  std::int64_t time = 0;
  std::string json;       ///< the OCSF Detection Finding
};

struct RuleStats {
  std::uint64_t matched = 0, lua_calls = 0, faults = 0, findings = 0, suppressed = 0;
  std::uint64_t late_dropped = 0, entries_dropped = 0, groups_evicted = 0, no_time = 0;
  std::uint64_t consecutive_faults = 0;
  std::size_t groups = 0;
  bool quarantined = false;
  std::string last_fault;  ///< "file.lua:12: message"
};

struct RuleInfo {
  std::string id, version, title, file, code_hash;
};

/// A rule file given as text (tests, `siemhub test-rule`); `name` is what errors report.
struct Source {
  std::string name;
  std::string text;
  std::filesystem::path dir;  ///< base for lookup{ file = ... } (default: the current directory)
};

class Engine {
 public:
  /// Loads the files; null and `error` when one does not load or declares a bad rule.
  static std::unique_ptr<Engine> load(const std::vector<std::filesystem::path>& files, EngineOptions options,
                                      std::string* error);
  static std::unique_ptr<Engine> load(std::vector<Source> sources, EngineOptions options, std::string* error);
  ~Engine();

  std::vector<Finding> process(std::span<const EventRef> batch);

  /// All windows, groups and ctx.state (deterministic bytes: sorted, no addresses).
  std::string snapshot();
  /// Restores a snapshot; rules whose code hash changed (or are gone) start fresh. False and
  /// `error` when the bytes are not a snapshot.
  bool restore(std::string_view bytes, std::string* error = nullptr);

  std::vector<RuleInfo> rules() const;
  /// The parsed definition of a loaded rule (read-only; null for an unknown id). For `siemhub rules list|test-rule`.
  const RuleDef* definition(const std::string& rule_id) const;
  RuleStats stats(const std::string& rule_id) const;
  std::size_t memory_used() const { return sandbox_->memory_used(); }
  /// Publishes siemhub_lua_rule_*{rule="<id>"} counters and gauges (call after process()).
  void export_metrics(core::MetricsRegistry& registry);

  struct Rule;  // engine-internal, public for the trampolines in engine_calls.cpp

 private:
  Engine(EngineOptions options);
  bool load_sources(std::string* error);
  bool finish_rules(std::string* error);
  void process_event(const EventRef& ref, std::vector<Finding>& out);
  struct EventFacts {  // what every rule reads from an event, read once
    const EventRef& ref;
    simdjson::dom::element root;
    std::optional<std::int64_t> time;
    std::string_view uid;  ///< metadata.uid, else the host's id
  };
  void process_rule(Rule& rule, const EventFacts& ev, std::vector<Finding>& out);
  void fire(Rule& rule, Group& g, const Aggregate& agg, const std::string& uid, std::int64_t time,
            std::vector<Finding>& out);
  void emit_finding(Rule& rule, Group& g, const Aggregate& agg, const std::string& uid, nlohmann::json shaped,
                    std::size_t index, std::vector<Finding>& out);
  void fault(Rule& rule, const Fault& f);
  void succeeded(Rule& rule);
  void check_lookups();
  void release_refs();
  friend struct Calls;

  EngineOptions options_;
  std::unique_ptr<Sandbox> sandbox_;
  std::vector<Source> sources_;
  std::vector<std::unique_ptr<Rule>> rules_;
  std::unordered_map<std::int64_t, std::vector<std::size_t>> by_class_;  // class_uid -> rules
  std::vector<std::size_t> unindexed_;
  std::vector<std::unique_ptr<Lookup>> lookups_;
  std::int64_t next_lookup_check_ = INT64_MIN;
  int fns_ref_ = 0;                    // registry ref: table of every function rule{} mentioned
  std::vector<int> released_;          // registry refs to drop at the next protected call
  std::size_t current_source_ = 0;
  bool loading_ = false;
  struct Pending {
    bool is_rule;
    std::size_t source;
    std::string json;
  };
  std::vector<Pending> pending_;
  std::vector<std::string> emitted_;  // ctx.emit payloads of the current call
  std::unordered_map<std::string, RuleStats> exported_;  // what export_metrics last published
};

}  // namespace siemhub::lua
