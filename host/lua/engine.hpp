// The Lua correlation engine: loads each rule file into its own sandboxed state, runs batches of OCSF
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

#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace siemhub::lua {

/// Which rules an engine keeps: the hub runs the native rules and those that call Lua in two
/// lanes of their own (every file is still loaded in both: its declarations, its lookups).
enum class Lane { all, native, lua };
const char* lane_name(Lane lane);

struct EngineOptions {
  SandboxLimits sandbox;  ///< for each rule file's own state (memory_limit_bytes: per file)
  /// A rule is quarantined when `quarantine_after` of its Lua calls within the last
  /// `fault_window` (at least quarantine_after) failed: alternating faults and successes count.
  int quarantine_after = 5;
  std::uint64_t fault_window = 100;
  std::int64_t fault_log_interval_ms = 10'000;  ///< one fault line per rule per interval (the rest counted)
  std::size_t max_emits_per_call = 100;          ///< ctx.emit calls one on_event call may make
  std::size_t max_emit_bytes = 64u << 10;        ///< the JSON of one ctx.emit payload
  std::int64_t snapshot_budget_ms = 2'000;       ///< snapshot(): past it, ctx.state is not saved
  std::size_t max_groups_per_rule = 100'000;
  std::size_t max_entries_per_group = 10'000;
  const core::Clock* clock = nullptr;  ///< lookup reloads, fault log pacing, snapshot budget (null: system clock)
  std::int64_t lookup_check_interval_ms = 10'000;
  /// Sharding (ParallelEngine): this engine owns the state of the (rule, group key) pairs whose
  /// shard_of() is `shard` of `shards`; restore() keeps only those groups.
  unsigned shard = 0, shards = 1;
  /// The rules this engine keeps (runs_lua() decides); the others are parsed and checked (ids
  /// stay unique across lanes) but not run.
  Lane lane = Lane::all;
};

/// Which of `shards` engines owns the state of group `key` of rule `rule_id` (stable across
/// runs and builds: core::text_hash of the key seeded with that of the id, so a snapshot
/// restores into the same shards).
unsigned shard_of(std::string_view rule_id, std::string_view key, unsigned shards);
/// The same with the rule id's hash already taken (the engine keeps it per rule).
unsigned shard_of_seeded(std::uint64_t rule_seed, std::string_view key, unsigned shards);


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
  std::uint32_t event_index = 0;  ///< the batch event that fired it (ordering across shards)
  std::uint32_t rule_index = 0;   ///< the rule's declaration index
};

/// Puts findings in (event, rule) order, keeping the emit order within one (event, rule).
void sort_findings(std::vector<Finding>& findings);

/// An event selected by a rule's stateless filters (ParallelEngine's first phase): the batch
/// index, the rule's index, the shard that owns the group, and the group key (in its HitList's
/// `keys`) with its hash.
struct Hit {
  std::uint32_t event = 0, rule = 0, shard = 0;
  bool has_distinct = false;  ///< distinct rules: the event has a value for the distinct field
  std::size_t key_begin = 0, key_size = 0, distinct_size = 0;  ///< the distinct value follows the key
  std::uint64_t hash = 0;  ///< GroupStore::hash of the key with the rule's seed (shard = hash % shards)
  std::int64_t time = 0;
  std::string_view uid;  ///< metadata.uid or the host's id, in the batch
};

/// The hits of one slice of a batch. The keys are stored back to back in one string, so a
/// batch's hits cost no allocation per hit once the lists have grown.
struct HitList {
  std::vector<Hit> hits;
  std::string keys;
  std::string_view key(const Hit& h) const { return std::string_view(keys).substr(h.key_begin, h.key_size); }
  std::string_view distinct(const Hit& h) const {
    return std::string_view(keys).substr(h.key_begin + h.key_size, h.distinct_size);
  }
  void clear() {
    hits.clear();
    keys.clear();
  }
};

struct RuleStats {
  std::uint64_t matched = 0, lua_calls = 0, faults = 0, findings = 0, suppressed = 0;
  std::uint64_t late_dropped = 0, entries_dropped = 0, groups_evicted = 0, no_time = 0;
  std::uint64_t consecutive_faults = 0;
  std::size_t groups = 0;
  std::size_t memory_bytes = 0;  ///< held by the rule's file's Lua state (shared by the file's rules)
  bool quarantined = false;
  std::string last_fault;         ///< "file.lua:12: message"
  std::string quarantine_reason;  ///< set once, when the rule is quarantined
};

struct RuleInfo {
  std::string id, version, title, file, code_hash;
  std::size_t order = 0;  ///< declaration index among every rule{} of the files, whatever the lane
  bool native = false;    ///< !runs_lua(): the rule never enters Lua while it matches
};

/// A rule file given as text (tests, `siemhub test-rule`); `name` is what errors report.
struct Source {
  std::string name;
  std::string text;
  std::filesystem::path dir;  ///< base for lookup{ file = ... } (default: the current directory)
};

/// Publishes siemhub_lua_rule_* for `rules` (counters by the difference from `exported`).
void export_rule_metrics(core::MetricsRegistry& registry, const std::vector<std::pair<std::string, RuleStats>>& rules,
                         std::unordered_map<std::string, RuleStats>& exported, std::size_t memory_bytes);
/// Adds one shard's stats of a rule to the sum (quarantined if any shard quarantined it).
void add_stats(RuleStats& into, const RuleStats& s);

class Engine {
 public:
  /// Loads the files; null and `error` when one does not load or declares a bad rule.
  static std::unique_ptr<Engine> load(const std::vector<std::filesystem::path>& files, EngineOptions options,
                                      std::string* error);
  static std::unique_ptr<Engine> load(std::vector<Source> sources, EngineOptions options, std::string* error);
  ~Engine();

  std::vector<Finding> process(std::span<const EventRef> batch);
  /// on_event calls a rule makes in one protected Lua call, at most (the batch's calls are
  /// queued per rule and run together; each still has its own budget and fault).
  static constexpr std::size_t kCallsPerLuaBatch = 256;

  // The two phases of process() for ParallelEngine. select(): the stateless part (pre-filter,
  // match tables, where predicates, group key) for events [begin, end) of the batch, appending
  // one Hit per (event, rule) that goes on to a window. apply(): the stateful part for the hits
  // this engine's shard owns, `lists` in batch order. end_batch() after both.
  void select(std::span<const EventRef> batch, std::size_t begin, std::size_t end, HitList& hits);
  void apply(std::span<const EventRef> batch, std::span<const HitList> lists, std::vector<Finding>& out);
  void begin_batch() { check_lookups(); }
  void end_batch();
  std::size_t rule_count() const { return rules_.size(); }
  const RuleStats& stats_at(std::size_t rule_index) const;
  /// Quarantines a rule another shard quarantined (the rule is the same code everywhere).
  void quarantine(std::size_t rule_index, const std::string& reason);

  /// All windows, groups and ctx.state (deterministic bytes: sorted, no addresses) of the rules
  /// not quarantined. Bounded by options.snapshot_budget_ms: past it a rule's remaining groups
  /// are saved without their ctx.state (a fault of that rule).
  std::string snapshot();
  /// One snapshot from the snapshots of the shards of a ParallelEngine (groups concatenated).
  static std::string merge_snapshots(const std::vector<std::string>& shards);
  /// Restores a snapshot; rules whose code hash changed (or are gone) start fresh. False and
  /// `error` when the bytes are not a snapshot.
  bool restore(std::string_view bytes, std::string* error = nullptr);

  std::vector<RuleInfo> rules() const;
  /// The parsed definition of a loaded rule (read-only; null for an unknown id). For `siemhub rules list|test-rule`.
  const RuleDef* definition(const std::string& rule_id) const;
  RuleStats stats(const std::string& rule_id) const;
  /// Bytes held by all the rule files' Lua states.
  std::size_t memory_used() const;
  /// How many times the engine entered Lua (protected calls) since it loaded.
  std::uint64_t lua_entries() const;
  /// From any thread: the running Lua call fails at its next count hook and every later one at
  /// once, uncounted (a stopping hub does not wait for a rule that burns its budget on every
  /// event). Not undone.
  void interrupt();
  /// Publishes siemhub_lua_rule_*{rule="<id>"} counters and gauges (call after process()).
  void export_metrics(core::MetricsRegistry& registry);

  struct Rule;  // engine-internal, public for the trampolines in engine_calls.cpp

 private:
  Engine(EngineOptions options);
  bool load_sources(std::string* error);
  bool finish_rules(std::string* error);
  struct EventFacts {  // what every rule reads from an event, read once
    const EventRef& ref;
    FieldCache& fields;
    simdjson::dom::element root;
    std::optional<std::int64_t> time;
    std::optional<std::int64_t> class_uid;
    std::string_view uid;  ///< metadata.uid, else the host's id
  };
  /// What the stateful part reads of an event a rule selected, all taken in the select phase (so
  /// ParallelEngine's apply phase does not read the event again).
  struct Selected {
    const EventRef* ref = nullptr;
    std::uint32_t index = 0;  ///< in the batch
    std::int64_t time = 0;
    std::string_view uid;
    std::string_view key;
    std::uint64_t hash = 0;  ///< GroupStore::hash of the key
    std::string_view distinct;  ///< distinct rules: the field's value, lower-cased
    bool has_distinct = false;
  };
  /// The stateless filters; true (and the group key in `key`, the distinct value in `distinct`)
  /// when the event reaches the window.
  bool select_rule(Rule& rule, const EventFacts& ev, std::string& key, std::string& distinct, bool& has_distinct);
  /// The stateful part.
  void update_rule(Rule& rule, std::uint32_t rule_index, const Selected& ev, std::vector<Finding>& out);
  EventFacts facts_of(const EventRef& ref, simdjson::dom::element root);
  /// Calls fn(rule_index, const Selected&) for each (event, rule) of events [begin, end) that
  /// passes the rule's stateless filters.
  template <class Fn>
  void for_each_selected(std::span<const EventRef> batch, std::size_t begin, std::size_t end, Fn&& fn);
  const std::vector<std::size_t>& candidates(const EventFacts& facts) const;
  void fire(Rule& rule, Group& g, const Aggregate& agg, std::string_view uid, std::int64_t time,
            std::vector<Finding>& out);
  void emit_finding(Rule& rule, Group& g, const Aggregate& agg, std::string_view uid, nlohmann::json shaped,
                    std::size_t index, std::vector<Finding>& out);
  /// Whether this engine's shard owns the group whose GroupStore::hash is `hash`.
  bool owns(std::uint64_t hash) const { return options_.shards <= 1 || hash % options_.shards == options_.shard; }
 public:
  /// An on_event call waiting for its rule's batched Lua call (engine-internal).
  struct QueuedCall {
    Group* group = nullptr;
    const ocsf::Event* event = nullptr;
    std::int64_t time = 0;
    std::string_view uid;  ///< into the batch (the calls run before process() or apply() returns)
    std::uint32_t event_index = 0;
    std::size_t emit_begin = 0, emit_end = 0;  ///< its ctx.emit payloads in emitted_
  };

 private:
  /// Runs the queued on_event calls of a rule as one protected Lua call (a fault skips just the
  /// event it happened on) and turns their ctx.emit payloads into findings.
  void flush_calls(std::size_t rule_index, std::vector<Finding>& out);
  void flush_all_calls(std::vector<Finding>& out);
  struct DropQueuedCalls;
  void fault(Rule& rule, const Fault& f);
  void succeeded(Rule& rule);
  void check_lookups();
  /// Fills `out[i]` with the ctx.state literal of live[i] (empty when it could not be taken).
  void state_literals(Rule& rule, const std::vector<const Group*>& live, std::vector<std::string>& out,
                      std::int64_t deadline);
  std::int64_t now_ms() const;  // options_.clock's
  bool past(std::int64_t deadline) const;
  void restore_groups(Rule& rule, const nlohmann::json& saved, bool v1);
  friend struct Calls;

  /// One rule file's own Lua state: its memory cap, its function table, its released refs.
  struct File {
    std::unique_ptr<Sandbox> sandbox;
    int fns_ref = 0;             // registry ref: table of every function its rule{}s mentioned
    std::vector<int> released;   // registry refs to drop at the next protected call
  };

  EngineOptions options_;
  std::vector<File> files_;  // one per source
  std::vector<Source> sources_;
  std::vector<std::unique_ptr<Rule>> rules_;
  std::unordered_map<std::int64_t, std::vector<std::size_t>> by_class_;  // class_uid -> rules
  std::vector<std::size_t> unindexed_;
  PathIds paths_;
  int time_id_ = -1, uid_id_ = -1, class_id_ = -1;  // "time", "metadata.uid", "class_uid" in paths_
  FieldCache fields_;
  std::vector<std::unique_ptr<Lookup>> lookups_;
  std::int64_t next_lookup_check_ = INT64_MIN;
  std::size_t current_source_ = 0;
  bool loading_ = false;
  std::size_t emit_begin_ = 0;  // emitted_ index of the running on_event call's first emit
  struct Pending {
    bool is_rule;
    std::size_t source;
    int line;  // of the rule{} or lookup{} call
    std::string json;
  };
  std::vector<Pending> pending_;
  std::vector<std::string> emitted_;  // ctx.emit payloads of the current call
  std::vector<std::vector<QueuedCall>> queued_;  // per rule index
  std::unordered_map<std::string, RuleStats> exported_;  // what export_metrics last published
  std::atomic<bool> interrupted_{false};
};

}  // namespace siemhub::lua
