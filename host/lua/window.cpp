#include "lua/window.hpp"

#include "core/hash.hpp"

#include <algorithm>

namespace siemhub::lua {

std::uint64_t GroupStore::hash(std::string_view key, std::uint64_t seed) { return core::text_hash(key, seed); }

Group& GroupStore::touch(std::string_view key, std::uint64_t hash, std::size_t max_groups, std::vector<int>& released) {
  const std::uint64_t tag = hash >> 32;
  if (!table_.empty()) {
    const std::size_t mask = table_.size() - 1;
    for (std::size_t i = static_cast<std::size_t>(hash >> (64 - bits_));; i = (i + 1) & mask) {
      const std::uint64_t slot = table_[i];
      if (slot == 0) break;
      if ((slot >> 32) != tag) continue;
      const auto n = static_cast<std::uint32_t>(slot) - 1;
      Node& node = nodes_[n];
      if (node.hash == hash && node.group.key == key) {
        log(n);
        return node.group;
      }
    }
  }
  while (max_groups > 0 && live_ >= max_groups) evict_oldest(released);
  std::uint32_t n;
  if (!free_.empty()) {
    n = free_.back();
    free_.pop_back();  // evict_oldest() left it empty
  } else {
    n = static_cast<std::uint32_t>(nodes_.size());
    nodes_.emplace_back();
    stamps_.push_back(0);
  }
  Node& node = nodes_[n];
  node.hash = hash;
  node.group.key.assign(key);
  if (2 * (live_ + 1) > table_.size()) grow();
  insert_slot(hash, n);
  ++live_;
  log(n);
  return node.group;
}

void GroupStore::log(std::uint32_t node) {
  stamps_[node] = ++next_stamp_;
  log_.push_back({node, next_stamp_});
  // Stale touches (of groups touched again since, or evicted) are dropped once they are as many
  // as the groups: O(1) per touch, amortized.
  if (log_.size() > 2 * live_ + 64) {
    std::size_t out = 0;
    for (std::size_t i = log_head_; i < log_.size(); ++i)
      if (current(log_[i])) log_[out++] = log_[i];
    log_.resize(out);
    log_head_ = 0;
  }
}

void GroupStore::evict_oldest(std::vector<int>& released) {
  while (!current(log_[log_head_])) ++log_head_;
  const std::uint32_t n = log_[log_head_++].node;
  Node& node = nodes_[n];
  if (node.group.state_ref != 0) released.push_back(node.group.state_ref);
  erase_slot(slot_of(n));
  node.group = Group{};  // its memory goes now, not when the node is reused
  stamps_[n] = 0;
  free_.push_back(n);
  --live_;
  ++evictions_;
}

std::size_t GroupStore::slot_of(std::uint32_t node) const {
  const std::size_t mask = table_.size() - 1;
  std::size_t i = static_cast<std::size_t>(nodes_[node].hash >> (64 - bits_));
  while (static_cast<std::uint32_t>(table_[i]) != node + 1) i = (i + 1) & mask;
  return i;
}

void GroupStore::insert_slot(std::uint64_t hash, std::uint32_t node) {
  const std::size_t mask = table_.size() - 1;
  std::size_t i = static_cast<std::size_t>(hash >> (64 - bits_));
  while (table_[i] != 0) i = (i + 1) & mask;
  table_[i] = (hash >> 32) << 32 | (std::uint64_t{node} + 1);
}

void GroupStore::erase_slot(std::size_t i) {
  // Backward-shift deletion: later entries of the probe run move up, so lookups need no tombstones.
  const std::size_t mask = table_.size() - 1;
  for (std::size_t j = (i + 1) & mask; table_[j] != 0; j = (j + 1) & mask) {
    const std::size_t k = home(table_[j]);
    // Entry j may move to i unless its home lies cyclically in (i, j].
    const bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
    if (stays) continue;
    table_[i] = table_[j];
    i = j;
  }
  table_[i] = 0;
}

void GroupStore::grow() {
  bits_ = table_.empty() ? 4 : bits_ + 1;
  table_.assign(std::size_t{1} << bits_, 0);
  for (std::uint32_t n = 0; n < nodes_.size(); ++n)
    if (stamps_[n] != 0) insert_slot(nodes_[n].hash, n);
}

void GroupStore::clear(std::vector<int>& released) {
  for (std::uint32_t n = 0; n < nodes_.size(); ++n)
    if (stamps_[n] != 0 && nodes_[n].group.state_ref != 0) released.push_back(nodes_[n].group.state_ref);
  nodes_.clear();
  stamps_.clear();
  free_.clear();
  table_.clear();
  bits_ = 0;
  log_.clear();
  log_head_ = 0;
  live_ = 0;
}

namespace {

void remove_front(Group& g) {
  g.times.pop_front();
  if (g.values.empty()) return;
  CountedValue* value = g.values.front();
  g.values.pop_front();
  if (--value->second == 0) g.value_counts.erase(g.value_counts.find(value->first));
}

CountedValue* count_value(Group& g, std::string_view value) {
  auto it = g.value_counts.find(value);
  if (it == g.value_counts.end()) it = g.value_counts.emplace(value, 0).first;
  ++it->second;
  return &*it;
}

}  // namespace

bool add_to_window(const RuleDef& rule, Group& g, std::int64_t t, std::string_view value, std::size_t max_entries,
                   std::uint64_t& dropped) {
  if (rule.span_ms == 0) {  // no window: each event stands alone
    reset_window(g);
  } else if (rule.kind == WindowKind::tumbling) {
    // Epoch-aligned buckets [k*span, (k+1)*span): an event in a later bucket starts it afresh.
    const std::int64_t span = std::max<std::int64_t>(rule.span_ms, 1);
    const std::int64_t bucket = (t >= 0 ? t / span : (t - span + 1) / span) * span;
    if (bucket < g.bucket) return false;  // that bucket has closed
    if (bucket > g.bucket) {
      reset_window(g);
      g.bucket = bucket;
    }
  } else {
    // Sliding: the window at the newest time `now` is (now - span, now].
    const std::int64_t now = g.times.empty() ? t : std::max(t, g.times.back());
    if (t <= now - rule.span_ms) return false;
    while (!g.times.empty() && g.times.front() <= now - rule.span_ms) remove_front(g);
  }
  CountedValue* counted = rule.op == Operator::distinct ? count_value(g, value) : nullptr;
  // Insert in time order (ties keep arrival order); in order is the common case.
  if (g.times.empty() || g.times.back() <= t) {
    g.times.push_back(t);
    if (counted) g.values.push_back(counted);
  } else {
    std::size_t lo = 0, hi = g.times.size();  // the first entry later than t
    while (lo < hi) {
      const std::size_t mid = lo + (hi - lo) / 2;
      if (t < g.times[mid]) hi = mid;
      else lo = mid + 1;
    }
    g.times.insert(lo, t);
    if (counted) g.values.insert(lo, counted);
  }
  while (max_entries > 0 && g.times.size() > max_entries) {
    remove_front(g);  // may under-count, never over-count
    ++dropped;
  }
  return true;
}

Aggregate aggregate(const RuleDef& rule, const Group& g) {
  Aggregate a;
  a.count = g.times.size();
  if (!g.times.empty()) a.first_time = g.times.front(), a.last_time = g.times.back();
  if (rule.op == Operator::distinct) {
    a.distinct = g.value_counts.size();
    for (const auto& [value, n] : g.value_counts) a.max_per_value = std::max(a.max_per_value, n);
  }
  return a;
}

void reset_window(Group& g) {
  g.times.clear();
  g.values.clear();
  g.value_counts.clear();
  g.recent.clear();
  g.recent_head = 0;
}

void remember(Group& g, std::int64_t time, std::string_view uid, std::size_t keep) {
  if (keep == 0) return;
  if (g.recent.size() >= keep) {
    // Overwrite the oldest slot in place: no allocation per event once the ring is full.
    g.recent[g.recent_head % g.recent.size()].set(time, uid);
    g.recent_head = (g.recent_head + 1) % g.recent.size();
  } else {
    if (g.recent.empty()) g.recent.reserve(std::min<std::size_t>(keep, 16));  // not 1, 2, 4, 8, 16
    g.recent.emplace_back().set(time, uid);
  }
}

std::vector<std::string> related_uids(const RuleDef& rule, const Group& g) {
  std::vector<std::string> out;
  const bool sliding = rule.kind == WindowKind::sliding && rule.span_ms > 0 && !g.times.empty();
  const std::int64_t after = sliding ? g.times.back() - rule.span_ms : INT64_MIN;
  for (std::size_t i = 0; i < g.recent.size(); ++i) {  // oldest first
    const RecentEvent& e = g.recent[(g.recent_head + i) % g.recent.size()];
    if (e.time > after) out.emplace_back(e.uid());
  }
  return out;
}

}  // namespace siemhub::lua
