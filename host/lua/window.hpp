// Per-rule state: groups by key (LRU-bounded), each with its window entries (time-ordered),
// distinct-value counts, tumbling bucket, suppression deadline and, for custom rules, the
// serialized or live ctx.state. Time is event time (ms); nothing here reads a clock.
#pragma once

#include "lua/rule.hpp"

#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace siemhub::lua {

struct Entry {
  std::int64_t time = 0;
  std::string value;  ///< the distinct field's value (distinct rules)
};

struct Group {
  std::string key;
  std::vector<std::string> by;  ///< one value per `by` path
  std::deque<Entry> entries;
  /// (time, uid) of the last keep_events events added: the finding's related_events (the window
  /// itself keeps no uids). A ring once full: the oldest is at recent_head.
  std::vector<std::pair<std::int64_t, std::string>> recent;
  std::size_t recent_head = 0;
  std::unordered_map<std::string, std::size_t> value_counts;
  std::int64_t bucket = INT64_MIN;
  std::int64_t suppress_until = INT64_MIN;
  int state_ref = 0;        ///< Lua registry ref of ctx (custom rules); 0: none yet
  std::string saved_state;  ///< restored ctx.state literal, turned into Lua on first use
};

struct Aggregate {
  std::size_t count = 0, distinct = 0, max_per_value = 0;
  std::int64_t first_time = 0, last_time = 0;
};

class GroupStore {
 public:
  /// The group for `key`, created (and the least recently used one evicted past `max_groups`)
  /// if needed; marks it most recently used. `evicted` receives a dropped group's Lua ref.
  Group& touch(const std::string& key, std::size_t max_groups, std::vector<int>& released);
  void clear(std::vector<int>& released);
  std::size_t size() const { return lru_.size(); }
  std::uint64_t evictions() const { return evictions_; }
  /// Groups from least to most recently used (the order a restore re-inserts them in).
  const std::list<Group>& groups() const { return lru_; }
  std::list<Group>& groups() { return lru_; }

 private:
  std::list<Group> lru_;  // front: least recently used
  std::unordered_map<std::string, std::list<Group>::iterator> index_;
  std::uint64_t evictions_ = 0;
};

/// Adds an event to a count/distinct group's window and evaluates it at `time`. Returns false
/// when the event is too late for the window (dropped). Entries over `max_entries` drop oldest.
bool add_to_window(const RuleDef& rule, Group& g, Entry entry, std::size_t max_entries, std::uint64_t& dropped);
Aggregate aggregate(const RuleDef& rule, const Group& g);
/// Notes an added event's uid among the group's last `keep` (call after add_to_window succeeded).
void remember(Group& g, std::int64_t time, std::string_view uid, std::size_t keep);
/// The remembered uids still inside the window (sliding: newer than the newest entry - span).
std::vector<std::string> related_uids(const RuleDef& rule, const Group& g);
void reset_window(Group& g);

}  // namespace siemhub::lua
