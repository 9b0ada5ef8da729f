// Snapshots: one JSON document, rules and groups in sorted order, groups listed from least to
// most recently used so a restore rebuilds the same LRU order.
#include "lua/engine_internal.hpp"

#include "core/log.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace siemhub::lua {

namespace {
// /2: entries are [time, value] and each group's last uids are in "recent"; /1 (entries
// [time, uid, value]) still restores.
constexpr const char* kFormat = "siemhub.lua.state/2";
constexpr const char* kFormatV1 = "siemhub.lua.state/1";
}

void Engine::state_literals(Rule& rule, const std::vector<const Group*>& live, std::vector<std::string>& out,
                            std::int64_t deadline) {
  out.assign(live.size(), std::string());
  std::size_t next = 0;
  // One protected call per chunk of groups, not one per group: a rule with 100,000 live states
  // costs a few Lua entries. A rule quarantined on the way stops there.
  while (next < live.size() && !rule.stats.quarantined) {
    if (past(deadline)) {
      fault(rule, Fault{FaultKind::error,
                        "snapshot over its " + std::to_string(options_.snapshot_budget_ms) + " ms budget: ctx.state of " +
                            std::to_string(live.size() - next) + " groups not saved",
                        rule.where});
      return;
    }
    const std::size_t from = next;
    Fault f;
    const bool ok = Calls::state_literals(*this, rule, live, out, &next, deadline, &f);
    rule.stats.lua_calls += next - from + (ok ? 0 : 1);
    if (next > from) succeeded(rule);
    if (!ok) {
      out[next].clear();
      fault(rule, f);
      ++next;
    }
  }
}

std::string Engine::snapshot() {
  const std::int64_t deadline = now_ms() + options_.snapshot_budget_ms;
  nlohmann::json rules = nlohmann::json::object();
  std::vector<const Group*> groups, live;
  std::vector<std::string> states;
  for (auto& rule : rules_) {
    if (rule->stats.quarantined) continue;  // it runs no more: its state is not worth a Lua call
    groups.clear();
    live.clear();
    rule->store.for_each([&](const Group& g) {
      groups.push_back(&g);
      if (g.state_ref != 0) live.push_back(&g);
    });
    state_literals(*rule, live, states, deadline);
    if (rule->stats.quarantined) continue;
    nlohmann::json out = nlohmann::json::array();
    std::size_t next_live = 0;
    for (const Group* gp : groups) {
      const Group& g = *gp;
      nlohmann::json entries = nlohmann::json::array();
      for (std::size_t i = 0; i < g.times.size(); ++i)  // count rules keep no values: ""
        entries.push_back({g.times[i], i < g.values.size() ? g.values[i]->first : std::string()});
      nlohmann::json recent = nlohmann::json::array();
      for (std::size_t i = 0; i < g.recent.size(); ++i) {  // oldest first: a restore starts a fresh ring
        const RecentEvent& e = g.recent[(g.recent_head + i) % g.recent.size()];
        recent.push_back({e.time, std::string(e.uid())});
      }
      nlohmann::json j = {{"key", g.key}, {"by", g.by}, {"entries", entries}, {"recent", recent}};
      if (g.bucket != INT64_MIN) j["bucket"] = g.bucket;
      if (g.suppress_until != INT64_MIN) j["suppress_until"] = g.suppress_until;
      const std::string& state = g.state_ref != 0 ? states[next_live++] : g.saved_state;
      if (!state.empty()) j["state"] = state;
      out.push_back(std::move(j));
    }
    rules[rule->def.id] = {{"hash", rule->def.code_hash}, {"groups", std::move(out)}};
  }
  return nlohmann::json{{"format", kFormat}, {"rules", rules}}.dump();
}

bool Engine::restore(std::string_view bytes, std::string* error) {
  const auto doc = nlohmann::json::parse(bytes, nullptr, false);
  const std::string format = doc.is_object() ? doc.value("format", "") : "";
  const bool v1 = format == kFormatV1;
  if ((format != kFormat && !v1) || !doc.contains("rules") || !doc["rules"].is_object()) {
    if (error) *error = "not a siemhub Lua state snapshot";
    return false;
  }
  const auto& saved = doc["rules"];
  for (auto& rule : rules_) {
    rule->store.clear(files_[rule->file].released);
    rule->stats.groups = 0;
    if (!saved.contains(rule->def.id)) continue;
    const auto& r = saved[rule->def.id];
    try {
      if (r.value("hash", "") != rule->def.code_hash) {
        core::log_info("lua", "rule '" + rule->def.id + "' changed since the snapshot: starting fresh");
        continue;
      }
      restore_groups(*rule, r, v1);
    } catch (const nlohmann::json::exception& e) {
      // One rule's unreadable state costs that rule its state, not every rule theirs.
      rule->store.clear(files_[rule->file].released);
      core::log_warn("lua", "rule '" + rule->def.id + "': malformed state in the snapshot, starting fresh: " + e.what());
    }
    rule->stats.groups = rule->store.size();
  }
  Calls::release(*this);
  return true;
}

void Engine::restore_groups(Rule& rule, const nlohmann::json& r, bool v1) {
  for (const auto& j : r.at("groups")) {
    const auto key = j.at("key").get<std::string>();
    const std::uint64_t hash = GroupStore::hash(key, rule.shard_seed);
    if (!owns(hash)) continue;  // another shard's group
    std::vector<int> none;
    Group& g = rule.store.touch(key, hash, 0, none);
    g.by = j.at("by").get<std::vector<std::string>>();
    const bool distinct = rule.def.op == Operator::distinct;
    for (const auto& e : j.at("entries")) {
      const std::int64_t time = e.at(0).get<std::int64_t>();
      auto value = e.at(v1 ? 2 : 1).get<std::string>();  // checked for every rule, kept for distinct ones
      g.times.push_back(time);
      if (distinct) {
        const auto counted = g.value_counts.try_emplace(std::move(value), 0).first;
        ++counted->second;
        g.values.push_back(&*counted);
      }
      if (v1) remember(g, time, e.at(1).get<std::string>(), rule.def.keep_events);
    }
    if (!v1)
      for (const auto& slot : j.value("recent", nlohmann::json::array()))
        g.recent.emplace_back().set(slot.at(0).get<std::int64_t>(), slot.at(1).get<std::string>());
    g.bucket = j.value("bucket", INT64_MIN);
    g.suppress_until = j.value("suppress_until", INT64_MIN);
    g.saved_state = j.value("state", "");
  }
}

std::vector<RuleInfo> Engine::rules() const {
  std::vector<RuleInfo> out;
  for (const auto& r : rules_)
    out.push_back({r->def.id, r->def.version, r->def.title, r->def.file, r->def.code_hash, r->order, !runs_lua(r->def)});
  return out;
}

const RuleDef* Engine::definition(const std::string& rule_id) const {
  for (const auto& r : rules_)
    if (r->def.id == rule_id) return &r->def;
  return nullptr;
}

void export_rule_metrics(core::MetricsRegistry& registry, const std::vector<std::pair<std::string, RuleStats>>& rules,
                         std::unordered_map<std::string, RuleStats>& exported, std::size_t memory_bytes) {
  using core::MetricType;
  for (const auto& [id, now] : rules) {
    const core::Labels labels = {{"rule", id}};
    RuleStats& last = exported[id];
    const auto counter = [&](const char* name, const char* help, std::uint64_t RuleStats::*field) {
      registry.get(name, help, MetricType::counter, labels)->add(static_cast<double>(now.*field - last.*field));
    };
    counter("siemhub_lua_rule_matched_total", "Events that passed a rule's filters", &RuleStats::matched);
    counter("siemhub_lua_rule_findings_total", "Findings a rule produced", &RuleStats::findings);
    counter("siemhub_lua_rule_suppressed_total", "Fires silenced by suppress", &RuleStats::suppressed);
    counter("siemhub_lua_rule_faults_total", "Failed Lua calls of a rule", &RuleStats::faults);
    counter("siemhub_lua_rule_late_dropped_total", "Events too late for a rule's window", &RuleStats::late_dropped);
    counter("siemhub_lua_rule_entries_dropped_total", "Window entries dropped at the per-group cap",
            &RuleStats::entries_dropped);
    counter("siemhub_lua_rule_groups_evicted_total", "Groups evicted at the per-rule cap (LRU)",
            &RuleStats::groups_evicted);
    registry.get("siemhub_lua_rule_groups", "Live groups of a rule", MetricType::gauge, labels)
        ->set(static_cast<double>(now.groups));
    registry.get("siemhub_lua_rule_quarantined", "1 when a rule is quarantined", MetricType::gauge, labels)
        ->set(now.quarantined ? 1 : 0);
    registry.get("siemhub_lua_rule_memory_bytes", "Bytes held by the Lua state of a rule's file", MetricType::gauge,
                 labels)
        ->set(static_cast<double>(now.memory_bytes));
    last = now;
  }
  registry.get("siemhub_lua_memory_bytes", "Bytes held by the Lua states", MetricType::gauge)
      ->set(static_cast<double>(memory_bytes));
}

void add_stats(RuleStats& into, const RuleStats& s) {
  into.matched += s.matched;
  into.lua_calls += s.lua_calls;
  into.faults += s.faults;
  into.findings += s.findings;
  into.suppressed += s.suppressed;
  into.late_dropped += s.late_dropped;
  into.entries_dropped += s.entries_dropped;
  into.groups_evicted += s.groups_evicted;
  into.no_time += s.no_time;
  into.consecutive_faults = std::max(into.consecutive_faults, s.consecutive_faults);
  into.groups += s.groups;
  into.memory_bytes += s.memory_bytes;
  into.quarantined = into.quarantined || s.quarantined;
  if (!s.last_fault.empty() && (into.last_fault.empty() || s.quarantined)) into.last_fault = s.last_fault;
  if (into.quarantine_reason.empty()) into.quarantine_reason = s.quarantine_reason;
}

std::string Engine::merge_snapshots(const std::vector<std::string>& shards) {
  nlohmann::json merged;
  for (const std::string& bytes : shards) {
    auto doc = nlohmann::json::parse(bytes);
    if (merged.is_null()) {
      merged = std::move(doc);
      continue;
    }
    for (auto& [id, r] : doc["rules"].items()) {
      auto& groups = merged["rules"][id]["groups"];
      for (auto& g : r["groups"]) groups.push_back(std::move(g));
    }
  }
  return merged.dump();
}

void Engine::export_metrics(core::MetricsRegistry& registry) {
  std::vector<std::pair<std::string, RuleStats>> now;
  for (const auto& r : rules_) {
    now.emplace_back(r->def.id, r->stats);
    now.back().second.memory_bytes = files_[r->file].sandbox->memory_used();
  }
  export_rule_metrics(registry, now, exported_, memory_used());
}

RuleStats Engine::stats(const std::string& rule_id) const {
  for (const auto& r : rules_) {
    if (r->def.id != rule_id) continue;
    RuleStats s = r->stats;
    s.memory_bytes = files_[r->file].sandbox->memory_used();
    return s;
  }
  return {};
}

}  // namespace siemhub::lua
