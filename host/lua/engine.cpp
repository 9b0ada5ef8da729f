#include "lua/engine.hpp"

#include "core/hash.hpp"
#include "core/log.hpp"
#include "lua/engine_internal.hpp"
#include "lua/event_view.hpp"
#include "lua/finding.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <unordered_set>

namespace siemhub::lua {

namespace {

const core::Clock& clock_of(const EngineOptions& o) { return o.clock ? *o.clock : core::SystemClock::instance(); }

// The rule's JSON with every {"$fn": n} replaced by where the function's source lives and the
// text of those lines, so the hash changes exactly when the rule's code does.
nlohmann::json with_function_text(Engine& engine, const nlohmann::json& j,
                                  const std::function<std::string(int)>& text_of) {
  if (j.is_object() && j.size() == 1 && j.contains("$fn") && j["$fn"].is_number_integer())
    return {{"$fn", text_of(j["$fn"].get<int>())}};
  if (!j.is_structured()) return j;
  nlohmann::json out = j;
  for (auto& [k, v] : out.items()) v = with_function_text(engine, v, text_of);
  return out;
}

std::string lines_of(const std::string& text, int first, int last) {
  std::istringstream in(text);
  std::string line, out;
  for (int n = 1; std::getline(in, line); ++n)
    if (n >= first && n <= last) out += line + "\n";
  return out;
}

}  // namespace

Engine::Engine(EngineOptions options) : options_(std::move(options)) {}
Engine::~Engine() = default;

std::unique_ptr<Engine> Engine::load(const std::vector<std::filesystem::path>& files, EngineOptions options,
                                     std::string* error) {
  std::vector<Source> sources;
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return *error = "cannot read " + path.string(), nullptr;
    std::ostringstream text;
    text << in.rdbuf();
    sources.push_back({path.string(), text.str(), path.parent_path()});
  }
  return load(std::move(sources), std::move(options), error);
}

std::unique_ptr<Engine> Engine::load(std::vector<Source> sources, EngineOptions options, std::string* error) {
  std::unique_ptr<Engine> engine(new Engine(std::move(options)));
  engine->sources_ = std::move(sources);
  // Each file its own state: memory is accounted by the allocator, so only a state of its own
  // lets one file's hoarding fail that file's calls and no one else's.
  try {
    for (std::size_t i = 0; i < engine->sources_.size(); ++i)
      engine->files_.push_back(File{std::make_unique<Sandbox>(engine->options_.sandbox, engine->options_.clock), 0, {}});
  } catch (const std::exception& e) {
    return *error = e.what(), nullptr;
  }
  if (!engine->load_sources(error) || !engine->finish_rules(error)) return nullptr;
  return engine;
}

bool Engine::load_sources(std::string* error) {
  Fault f;
  loading_ = true;
  for (current_source_ = 0; current_source_ < sources_.size(); ++current_source_) {
    std::string failed;
    if (!Calls::init(*this, current_source_, &f)) failed = "lua init";
    else if (!Calls::run_source(*this, current_source_, &f)) failed = sources_[current_source_].name;
    else if (!Calls::freeze(*this, current_source_, &f)) failed = "lua freeze";
    if (!failed.empty()) {
      loading_ = false;
      return *error = failed + ": " + f.to_string(), false;
    }
  }
  loading_ = false;
  // Lookups first: rules name them in match tables.
  for (const Pending& p : pending_) {
    if (p.is_rule) continue;
    const std::string where = sources_[p.source].name + ":" + std::to_string(p.line);
    const auto t = nlohmann::json::parse(p.json, nullptr, false);
    if (!t.is_object() || !t.contains("name") || !t.contains("file") || !t.contains("key") || !t["name"].is_string() ||
        !t["file"].is_string() || !t["key"].is_string())
      return *error = where + ": lookup{} needs name, file and key (strings)", false;
    std::filesystem::path file = t["file"].get<std::string>();
    if (file.is_relative()) file = sources_[p.source].dir / file;
    auto table = std::make_unique<Lookup>(t["name"].get<std::string>(), file, t["key"].get<std::string>());
    if (!table->load(error)) return *error = where + ": " + *error, false;
    lookups_.push_back(std::move(table));
  }
  next_lookup_check_ = clock_of(options_).now_ms() + options_.lookup_check_interval_ms;
  return true;
}

bool Engine::finish_rules(std::string* error) {
  time_id_ = paths_.id("time");
  uid_id_ = paths_.id("metadata.uid");
  class_id_ = paths_.id("class_uid");
  const LookupResolver resolve_lookup = [this](const std::string& name) -> const Lookup* {
    for (const auto& l : lookups_)
      if (l->name() == name) return l.get();
    return nullptr;
  };
  std::unordered_set<std::string> ids;  // of every lane: an id names one rule
  std::size_t order = 0;
  for (const Pending& p : pending_) {
    if (!p.is_rule) continue;
    const auto table = nlohmann::json::parse(p.json, nullptr, false);
    const std::string declared = sources_[p.source].name + ":" + std::to_string(p.line);
    auto def = parse_rule(table, resolve_lookup, error);
    if (!def) return *error = declared + ": " + *error, false;
    if (!ids.insert(def->id).second) return *error = declared + ": duplicate rule id '" + def->id + "'", false;
    const std::size_t declared_as = order++;
    const bool lua = runs_lua(*def);
    if ((options_.lane == Lane::native && lua) || (options_.lane == Lane::lua && !lua)) continue;  // the other lane's
    def->file = sources_[p.source].name;
    const auto text_of = [&](int fn) {
      std::string where;
      Fault f;
      if (!Calls::function_source(*this, p.source, fn, &where, &f)) return std::string("?");
      const auto colon = where.rfind(':');
      const auto dash = where.rfind('-');
      const std::string file = where.substr(0, colon);
      const int first = std::atoi(where.c_str() + colon + 1), last = std::atoi(where.c_str() + dash + 1);
      // The text only: moving the file or adding lines above the rule keeps its state.
      for (const Source& s : sources_)
        if (s.name == file) return lines_of(s.text, first, last);
      return where;
    };
    def->code_hash = sha256_hex(with_function_text(*this, table, text_of).dump());
    auto rule = std::make_unique<Rule>();
    rule->def = std::move(*def);
    rule->file = p.source;
    rule->where = declared;
    rule->order = declared_as;
    const std::size_t index = rules_.size();
    const auto classes = rule->def.from.class_uids();
    if (classes.empty()) unindexed_.push_back(index);
    else rule->def.from.drop_class_condition();  // the index applies it
    for (const std::int64_t c : classes) by_class_[c].push_back(index);
    rule->def.from.intern(paths_);
    rule->def.where.intern(paths_);
    for (const auto& path : rule->def.by) rule->by_ids.push_back(paths_.id(path));
    if (!rule->def.distinct_field.empty()) rule->distinct_id = paths_.id(rule->def.distinct_field);
    rule->shard_seed = core::text_hash(rule->def.id);
    rules_.push_back(std::move(rule));
  }
  // Each class's list also holds the unindexed rules, in declaration order.
  for (auto& [c, list] : by_class_) {
    list.insert(list.end(), unindexed_.begin(), unindexed_.end());
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
  }
  pending_.clear();
  return true;
}

void Engine::check_lookups() {
  if (lookups_.empty()) return;
  const std::int64_t now = clock_of(options_).now_ms();
  if (now < next_lookup_check_) return;
  next_lookup_check_ = now + options_.lookup_check_interval_ms;
  for (const auto& l : lookups_) {
    std::string err;
    if (l->reload_if_changed(&err)) core::log_info("lua", "lookup '" + l->name() + "' reloaded");
    else if (!err.empty()) core::log_warn("lua", err + " (keeping the previous rows)");
  }
}

const char* lane_name(Lane lane) {
  switch (lane) {
    case Lane::native: return "native";
    case Lane::lua: return "lua";
    case Lane::all: break;
  }
  return "all";
}

unsigned shard_of_seeded(std::uint64_t rule_seed, std::string_view key, unsigned shards) {
  if (shards <= 1) return 0;
  return static_cast<unsigned>(GroupStore::hash(key, rule_seed) % shards);  // what Engine::owns() tests
}

unsigned shard_of(std::string_view rule_id, std::string_view key, unsigned shards) {
  return shard_of_seeded(core::text_hash(rule_id), key, shards);
}

void sort_findings(std::vector<Finding>& findings) {
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    return a.event_index != b.event_index ? a.event_index < b.event_index : a.rule_index < b.rule_index;
  });
}

template <class Fn>
void Engine::for_each_selected(std::span<const EventRef> batch, std::size_t begin, std::size_t end, Fn&& fn) {
  std::string key, distinct;
  for (std::size_t i = begin; i < end && i < batch.size(); ++i) {
    const EventRef& ref = batch[i];
    if (ref.event == nullptr) continue;
    const auto root = ref.event->root();
    if (!root) continue;
    const EventFacts facts = facts_of(ref, *root);
    for (const std::size_t r : candidates(facts)) {
      Rule& rule = *rules_[r];
      bool has_distinct = false;
      if (!select_rule(rule, facts, key, distinct, has_distinct)) continue;
      // The key's hash, once: the shard and the group table's.
      fn(static_cast<std::uint32_t>(r), Selected{&ref, static_cast<std::uint32_t>(i), *facts.time, facts.uid, key,
                                                 GroupStore::hash(key, rule.shard_seed), distinct, has_distinct});
    }
  }
}

// Queued on_event calls point into the batch: if an exception (memory, a bug) leaves process()
// or apply() before they ran, they are dropped rather than run against the next batch.
struct Engine::DropQueuedCalls {
  Engine& engine;
  ~DropQueuedCalls() {
    for (auto& q : engine.queued_) q.clear();
    engine.emitted_.clear();
  }
};

std::vector<Finding> Engine::process(std::span<const EventRef> batch) {
  check_lookups();
  const DropQueuedCalls drop{*this};
  std::vector<Finding> out;
  for_each_selected(batch, 0, batch.size(), [&](std::uint32_t r, const Selected& ev) {
    if (owns(ev.hash)) update_rule(*rules_[r], r, ev, out);
  });
  flush_all_calls(out);
  end_batch();
  sort_findings(out);  // the batched on_event calls emit at their flush
  return out;
}

void Engine::flush_all_calls(std::vector<Finding>& out) {
  for (std::size_t r = 0; r < queued_.size(); ++r)
    if (!queued_[r].empty()) flush_calls(r, out);
}

void Engine::flush_calls(std::size_t rule_index, std::vector<Finding>& out) {
  Rule& rule = *rules_[rule_index];
  auto& calls = queued_[rule_index];
  emitted_.clear();
  std::size_t next = 0;
  while (next < calls.size() && !rule.stats.quarantined) {
    const std::size_t from = next;
    Fault f;
    const bool ok = Calls::on_events(*this, rule, calls, &next, &f);
    rule.stats.lua_calls += next - from + (ok ? 0 : 1);
    if (next > from) succeeded(rule);
    for (std::size_t c = from; c < next; ++c) {
      const QueuedCall& call = calls[c];
      Group& g = *call.group;
      const std::size_t first_new = out.size();
      for (std::size_t i = call.emit_begin; i < call.emit_end && i < emitted_.size(); ++i) {
        auto shaped = nlohmann::json::parse(emitted_[i], nullptr, false);
        if (shaped.is_discarded()) shaped = nlohmann::json::object();
        Aggregate agg;
        agg.count = 1;
        agg.first_time = agg.last_time = call.time;
        if (call.time < g.suppress_until) {
          ++rule.stats.suppressed;
          continue;
        }
        emit_finding(rule, g, agg, call.uid, std::move(shaped), i - call.emit_begin, out);
        if (rule.def.suppress_ms > 0) g.suppress_until = call.time + rule.def.suppress_ms;
      }
      for (std::size_t i = first_new; i < out.size(); ++i)
        out[i].event_index = call.event_index, out[i].rule_index = static_cast<std::uint32_t>(rule_index);
    }
    if (!ok) {
      fault(rule, f);  // what the failed call emitted is dropped with it
      ++next;
    }
  }
  calls.clear();
  emitted_.clear();
}

void Engine::end_batch() {
  for (File& file : files_) file.sandbox->next_event_generation();  // views made in this batch now refuse to read
  // A quarantined rule keeps no state: its memory goes back to its file's other rules.
  bool dropped = false;
  for (auto& rule : rules_) {
    if (!rule->stats.quarantined || rule->store.size() == 0) continue;
    rule->store.clear(files_[rule->file].released);
    rule->stats.groups = 0;
    dropped = true;
  }
  Calls::release(*this, dropped);
}

std::size_t Engine::memory_used() const {
  std::size_t total = 0;
  for (const File& file : files_) total += file.sandbox->memory_used();
  return total;
}

std::uint64_t Engine::lua_entries() const {
  std::uint64_t total = 0;
  for (const File& file : files_) total += file.sandbox->calls();
  return total;
}

void Engine::interrupt() {
  interrupted_ = true;
  for (File& file : files_) file.sandbox->interrupt();
}

std::int64_t Engine::now_ms() const { return clock_of(options_).now_ms(); }
bool Engine::past(std::int64_t deadline) const { return now_ms() >= deadline; }

void Engine::select(std::span<const EventRef> batch, std::size_t begin, std::size_t end, HitList& hits) {
  const unsigned shards = std::max(options_.shards, 1u);
  for_each_selected(batch, begin, end, [&](std::uint32_t r, const Selected& ev) {
    const auto shard = static_cast<std::uint32_t>(ev.hash % shards);  // as owns() tests it
    hits.hits.push_back({ev.index, r, shard, ev.has_distinct, hits.keys.size(), ev.key.size(), ev.distinct.size(),
                         ev.hash, ev.time, ev.uid});
    hits.keys += ev.key;
    hits.keys += ev.distinct;
  });
}

void Engine::apply(std::span<const EventRef> batch, std::span<const HitList> lists, std::vector<Finding>& out) {
  const DropQueuedCalls drop{*this};
  for (const HitList& list : lists) {
    for (const Hit& hit : list.hits) {
      if (hit.shard != options_.shard || hit.event >= batch.size() || hit.rule >= rules_.size()) continue;
      const Selected ev{&batch[hit.event], hit.event, hit.time, hit.uid, list.key(hit), hit.hash, list.distinct(hit),
                        hit.has_distinct};
      update_rule(*rules_[hit.rule], hit.rule, ev, out);
    }
  }
  flush_all_calls(out);
}

const RuleStats& Engine::stats_at(std::size_t rule_index) const { return rules_.at(rule_index)->stats; }

void Engine::quarantine(std::size_t rule_index, const std::string& reason) {
  RuleStats& s = rules_.at(rule_index)->stats;
  if (s.quarantined) return;
  s.quarantined = true;
  s.quarantine_reason = reason;
}

namespace {

// What ocsf::Event::get_int and get_string return for the element at a path.
std::optional<std::int64_t> int_of(const std::optional<simdjson::dom::element>& e) {
  if (!e || e->type() != simdjson::dom::element_type::INT64) return std::nullopt;
  return std::int64_t(*e);
}

std::optional<std::string_view> string_of(const std::optional<simdjson::dom::element>& e) {
  std::string_view s;
  if (!e || e->get(s) != simdjson::SUCCESS) return std::nullopt;
  return s;
}

}  // namespace

Engine::EventFacts Engine::facts_of(const EventRef& ref, simdjson::dom::element root) {
  // The base fields through the field cache: one walk of the top-level object finds them and
  // the first keys of every rule's paths.
  fields_.reset(root, paths_);
  const auto meta_uid = string_of(fields_.get(uid_id_, "metadata.uid"));
  return EventFacts{ref,
                    fields_,
                    root,
                    int_of(fields_.get(time_id_, "time")),
                    int_of(fields_.get(class_id_, "class_uid")),
                    meta_uid ? *meta_uid : ref.id};
}

const std::vector<std::size_t>& Engine::candidates(const EventFacts& facts) const {
  if (facts.class_uid) {
    const auto it = by_class_.find(*facts.class_uid);
    if (it != by_class_.end()) return it->second;
  }
  return unindexed_;
}

bool Engine::select_rule(Rule& rule, const EventFacts& ev, std::string& key, std::string& distinct,
                         bool& has_distinct) {
  RuleDef& def = rule.def;
  if (rule.stats.quarantined || !def.from.matches(ev.fields) || !def.where.matches(ev.fields)) return false;
  if (def.where_fn != 0) {
    bool pass = false;
    Fault f;
    ++rule.stats.lua_calls;
    if (!Calls::predicate(*this, rule, *ev.ref.event, &pass, &f)) return fault(rule, f), false;
    succeeded(rule);
    if (!pass) return false;
  }
  // Group key: every `by` path must be present. Strings are appended as they are in the event.
  key.clear();
  thread_local std::string value;
  for (std::size_t i = 0; i < def.by.size(); ++i) {
    const auto el = ev.fields.get(rule.by_ids[i], def.by[i]);
    if (!el) return false;
    if (i > 0) key += '\x1f';
    if (el->type() == simdjson::dom::element_type::STRING) key += std::string_view(*el);
    else if (scalar_text(*el, value)) key += value;
    else return false;
  }
  if (!ev.time) return ++rule.stats.no_time, false;
  if (def.op == Operator::distinct) {  // read here, used (or found missing) by update_rule
    distinct.clear();
    const auto el = ev.fields.get(rule.distinct_id, def.distinct_field);
    has_distinct = el && scalar_text(*el, distinct);
    for (char& c : distinct)  // case-insensitive, like match tables
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return true;
}

void Engine::update_rule(Rule& rule, std::uint32_t rule_index, const Selected& ev, std::vector<Finding>& out) {
  const std::uint32_t event_index = ev.index;
  const std::string_view key = ev.key;
  const std::size_t first_new = out.size();
  struct Tag {  // every finding this call adds carries where it came from
    std::vector<Finding>& out;
    std::size_t first;
    std::uint32_t event, rule;
    bool active = true;
    ~Tag() {
      if (!active) return;
      for (std::size_t i = first; i < out.size(); ++i) out[i].event_index = event, out[i].rule_index = rule;
    }
  } tag{out, first_new, event_index, rule_index};
  RuleDef& def = rule.def;
  if (rule.stats.quarantined) return;
  const ocsf::Event& event = *ev.ref->event;
  const std::int64_t* time = &ev.time;
  const std::string_view uid = ev.uid;
  ++rule.stats.matched;
  const std::size_t max_groups = def.max_groups ? def.max_groups : options_.max_groups_per_rule;
  const std::size_t shard_groups = std::max<std::size_t>(1, max_groups / std::max(1u, options_.shards));
  if (def.op == Operator::custom) {
    tag.active = false;  // flush_calls tags what it emits with each call's own event
    // Queued calls point at their groups: run them before a new group could evict one.
    if (queued_.size() <= rule_index) queued_.resize(rules_.size());
    if (!queued_[rule_index].empty() && rule.store.size() + queued_[rule_index].size() >= shard_groups)
      flush_calls(rule_index, out);
  }
  const std::uint64_t evicted_before = rule.store.evictions();
  Group& g = rule.store.touch(key, ev.hash, shard_groups, files_[rule.file].released);
  // The window's ends and the next related-event slot, loaded together rather than one miss
  // after the other.
  g.times.prefetch_ends();
  if (!g.recent.empty()) __builtin_prefetch(&g.recent[g.recent_head % g.recent.size()]);
  rule.stats.groups_evicted += rule.store.evictions() - evicted_before;
  if (g.by.empty() && !def.by.empty()) {  // a new group (the event was selected, so it has a root)
    g.by.resize(def.by.size());
    const simdjson::dom::element root = *event.root();
    for (std::size_t i = 0; i < def.by.size(); ++i)
      if (const auto el = resolve(root, def.by[i])) scalar_text(*el, g.by[i]);
  }
  rule.stats.groups = rule.store.size();

  if (def.op == Operator::custom) {
    auto& queue = queued_[rule_index];
    queue.push_back({&g, &event, *time, uid, event_index});
    if (queue.size() >= kCallsPerLuaBatch) flush_calls(rule_index, out);
    return;
  }
  if (def.op == Operator::distinct && !ev.has_distinct) return;  // no value for the distinct field
  const std::size_t max_entries = def.max_entries ? def.max_entries : options_.max_entries_per_group;
  if (!add_to_window(def, g, *time, ev.distinct, max_entries, rule.stats.entries_dropped))
    return void(++rule.stats.late_dropped);
  remember(g, *time, uid, def.keep_events);
  // The threshold first (O(1)); the full aggregate (max per value walks the values) only to fire.
  const double measure = static_cast<double>(def.op == Operator::distinct ? g.value_counts.size() : g.times.size());
  if (!def.threshold.passes(measure)) return;
  const Aggregate agg = aggregate(def, g);
  if (def.having_fn != 0) {
    bool pass = false;
    Fault f;
    ++rule.stats.lua_calls;
    if (!Calls::having(*this, rule, g, agg, &pass, &f)) return fault(rule, f);
    succeeded(rule);
    if (!pass) return;
  }
  fire(rule, g, agg, uid, *time, out);
}

void Engine::fire(Rule& rule, Group& g, const Aggregate& agg, std::string_view uid, std::int64_t time,
                  std::vector<Finding>& out) {
  const RuleDef& def = rule.def;
  if (time < g.suppress_until) {
    ++rule.stats.suppressed;
  } else {
    nlohmann::json shaped;
    if (def.emit_fn != 0) {
      std::string text;
      Fault f;
      ++rule.stats.lua_calls;
      if (Calls::emit(*this, rule, g, agg, &text, &f)) {
        succeeded(rule);
        shaped = nlohmann::json::parse(text, nullptr, false);
        if (shaped.is_discarded()) shaped = nullptr;
      } else {
        fault(rule, f);  // the finding still goes out, unshaped
      }
    }
    emit_finding(rule, g, agg, uid, std::move(shaped), 0, out);
    if (def.suppress_ms > 0) g.suppress_until = time + def.suppress_ms;
  }
  if (!def.keep) reset_window(g);
}

void Engine::emit_finding(Rule& rule, Group& g, const Aggregate& agg, std::string_view uid, nlohmann::json shaped,
                          std::size_t index, std::vector<Finding>& out) {
  FindingInput in;
  in.rule = &rule.def;
  in.group = &g;
  in.agg = agg;
  in.event_uid = uid;
  in.shaped = std::move(shaped);
  in.emit_index = index;
  if (rule.def.op != Operator::custom) in.related = related_uids(rule.def, g);
  if (in.related.empty()) in.related.emplace_back(uid);
  const nlohmann::json f = build_finding(in);
  Finding finding;
  finding.rule_id = rule.def.id;
  finding.uid = f["finding_info"]["uid"].get<std::string>();
  finding.group_key = g.key;
  finding.time = f["time"].get<std::int64_t>();
  finding.json = f.dump();
  out.push_back(std::move(finding));
  ++rule.stats.findings;
}

void Engine::fault(Rule& rule, const Fault& f) {
  if (interrupted_.load()) return;  // the hub stopping, not the rule: its results are dropped anyway
  RuleStats& s = rule.stats;
  ++s.faults;
  ++s.consecutive_faults;
  // A fault Lua gives no line for (memory, a C function) points at the rule's declaration.
  s.last_fault = (f.where.empty() ? rule.where : f.where) + ": " + f.message;
  const std::int64_t now = clock_of(options_).now_ms();
  if (now >= rule.next_fault_log_ms) {
    std::string line = "rule '" + rule.def.id + "' fault: " + s.last_fault;
    if (rule.unlogged_faults > 0)
      line += " (and " + std::to_string(rule.unlogged_faults) + " faults not logged since the last line)";
    core::log_warn("lua", line);
    rule.unlogged_faults = 0;
    rule.next_fault_log_ms = now + options_.fault_log_interval_ms;
  } else {
    ++rule.unlogged_faults;
  }
  if (s.quarantined || options_.quarantine_after <= 0) return;
  // A sliding window over the rule's calls: a rule whose faults alternate with successes is
  // quarantined as surely as one that fails every call.
  const auto limit = static_cast<std::size_t>(options_.quarantine_after);
  if (rule.fault_calls.capacity() != limit) rule.fault_calls.set_capacity(limit);
  rule.fault_calls.push_back(s.lua_calls);
  const std::uint64_t window = std::max<std::uint64_t>(options_.fault_window, limit);
  const std::uint64_t span = s.lua_calls - rule.fault_calls.front();
  if (!rule.fault_calls.full() || span >= window) return;
  s.quarantined = true;
  s.quarantine_reason = std::to_string(limit) + " faults in the last " + std::to_string(span + 1) +
                        " calls; last: " + s.last_fault;
  core::log_error("lua", "rule '" + rule.def.id + "' quarantined: " + s.quarantine_reason);
}

void Engine::succeeded(Rule& rule) { rule.stats.consecutive_faults = 0; }

}  // namespace siemhub::lua
