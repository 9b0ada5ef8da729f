// Per-rule state: groups by key (LRU-bounded), each with its window entries (time-ordered),
// distinct-value counts, tumbling bucket, suppression deadline and, for custom rules, the
// serialized or live ctx.state. Time is event time (ms); nothing here reads a clock.
#pragma once

#include "lua/rule.hpp"

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
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

/// The groups of one rule: an open-addressing table from the key's hash to the group, and the
/// use order for LRU eviction kept as a log of (group, stamp) touches — a touch appends to the
/// log instead of unlinking the group from a list (two more cache misses per event); the least
/// recently used group is the first whose logged stamp is still its current one.
class GroupStore {
 public:
  /// The hash of a key: core::text_hash seeded with the rule's seed, the same hash shard_of_seeded
  /// takes the shard from, so an event's key is hashed once for both.
  static std::uint64_t hash(std::string_view key, std::uint64_t seed);

  /// The group for `key` (whose hash() is `hash`), created (and the least recently used one
  /// evicted past `max_groups`, 0: no bound) if needed; marks it most recently used. `released`
  /// receives a dropped group's Lua ref. The group stays at its address until it is evicted.
  Group& touch(std::string_view key, std::uint64_t hash, std::size_t max_groups, std::vector<int>& released);
  void clear(std::vector<int>& released);
  std::size_t size() const { return live_; }
  std::uint64_t evictions() const { return evictions_; }
  /// Calls fn(const Group&) from the least to the most recently used group (the order a restore
  /// re-inserts them in).
  template <class Fn>
  void for_each(Fn&& fn) const {
    for (std::size_t i = log_head_; i < log_.size(); ++i)
      if (current(log_[i])) fn(nodes_[log_[i].node].group);
  }

 private:
  struct Node {
    Group group;
    std::uint64_t hash = 0;
  };
  struct Touch {
    std::uint32_t node;
    std::uint64_t stamp;
  };
  bool current(const Touch& t) const { return stamps_[t.node] == t.stamp; }
  std::size_t home(std::uint64_t slot) const { return static_cast<std::size_t>((slot >> 32) >> (32 - bits_)); }
  void log(std::uint32_t node);
  std::size_t slot_of(std::uint32_t node) const;
  void evict_oldest(std::vector<int>& released);
  void insert_slot(std::uint64_t hash, std::uint32_t node);
  void erase_slot(std::size_t i);
  void grow();

  std::deque<Node> nodes_;             // a deque: groups never move
  std::vector<std::uint64_t> stamps_;  // per node: the stamp of its last touch (0: free)
  std::vector<std::uint32_t> free_;    // evicted nodes, reused by the next new groups
  std::vector<std::uint64_t> table_;   // hash's top 32 bits << 32 | node + 1; 0: empty
  unsigned bits_ = 0;                  // table_.size() == 1 << bits_
  std::vector<Touch> log_;             // touches, oldest first, from log_head_
  std::size_t log_head_ = 0;
  std::uint64_t next_stamp_ = 0;
  std::size_t live_ = 0;
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
