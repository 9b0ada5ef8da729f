#include "lua/window.hpp"

#include <algorithm>

namespace siemhub::lua {

Group& GroupStore::touch(const std::string& key, std::size_t max_groups, std::vector<int>& released) {
  const auto it = index_.find(key);
  if (it != index_.end()) {
    if (std::next(it->second) != lru_.end()) lru_.splice(lru_.end(), lru_, it->second);
    return *it->second;
  }
  while (max_groups > 0 && lru_.size() >= max_groups) {
    if (lru_.front().state_ref != 0) released.push_back(lru_.front().state_ref);
    index_.erase(lru_.front().key);
    lru_.pop_front();
    ++evictions_;
  }
  lru_.emplace_back();
  lru_.back().key = key;
  index_[key] = std::prev(lru_.end());
  return lru_.back();
}

void GroupStore::clear(std::vector<int>& released) {
  for (const Group& g : lru_)
    if (g.state_ref != 0) released.push_back(g.state_ref);
  lru_.clear();
  index_.clear();
}

namespace {

void remove_front(Group& g) {
  const Entry& e = g.entries.front();
  if (!g.value_counts.empty()) {
    const auto it = g.value_counts.find(e.value);
    if (it != g.value_counts.end() && --it->second == 0) g.value_counts.erase(it);
  }
  g.entries.pop_front();
}

}  // namespace

bool add_to_window(const RuleDef& rule, Group& g, Entry entry, std::size_t max_entries, std::uint64_t& dropped) {
  const std::int64_t t = entry.time;
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
    const std::int64_t now = g.entries.empty() ? t : std::max(t, g.entries.back().time);
    if (t <= now - rule.span_ms) return false;
    while (!g.entries.empty() && g.entries.front().time <= now - rule.span_ms) remove_front(g);
  }
  if (rule.op == Operator::distinct) ++g.value_counts[entry.value];
  // Insert in time order (ties keep arrival order); in order is the common case.
  if (g.entries.empty() || g.entries.back().time <= t) {
    g.entries.push_back(std::move(entry));
  } else {
    const auto pos = std::upper_bound(g.entries.begin(), g.entries.end(), t,
                                      [](std::int64_t x, const Entry& e) { return x < e.time; });
    g.entries.insert(pos, std::move(entry));
  }
  while (max_entries > 0 && g.entries.size() > max_entries) {
    remove_front(g);  // may under-count, never over-count
    ++dropped;
  }
  return true;
}

Aggregate aggregate(const RuleDef& rule, const Group& g) {
  Aggregate a;
  a.count = g.entries.size();
  if (!g.entries.empty()) a.first_time = g.entries.front().time, a.last_time = g.entries.back().time;
  if (rule.op == Operator::distinct) {
    a.distinct = g.value_counts.size();
    for (const auto& [value, n] : g.value_counts) a.max_per_value = std::max(a.max_per_value, n);
  }
  return a;
}

void reset_window(Group& g) {
  g.entries.clear();
  g.value_counts.clear();
  g.recent.clear();
  g.recent_head = 0;
}

void remember(Group& g, std::int64_t time, std::string_view uid, std::size_t keep) {
  if (keep == 0) return;
  if (g.recent.size() >= keep) {
    // Overwrite the oldest slot in place: no allocation per event once the ring is full.
    auto& slot = g.recent[g.recent_head % g.recent.size()];
    slot.first = time;
    slot.second.assign(uid);
    g.recent_head = (g.recent_head + 1) % g.recent.size();
  } else {
    g.recent.emplace_back(time, std::string(uid));
  }
}

std::vector<std::string> related_uids(const RuleDef& rule, const Group& g) {
  std::vector<std::string> out;
  const bool sliding = rule.kind == WindowKind::sliding && rule.span_ms > 0 && !g.entries.empty();
  const std::int64_t after = sliding ? g.entries.back().time - rule.span_ms : INT64_MIN;
  for (std::size_t i = 0; i < g.recent.size(); ++i) {  // oldest first
    const auto& [time, uid] = g.recent[(g.recent_head + i) % g.recent.size()];
    if (time > after) out.push_back(uid);
  }
  return out;
}

}  // namespace siemhub::lua
