// Per-rule state: groups by key (LRU-bounded), each with its window entries (time-ordered),
// distinct-value counts, tumbling bucket, suppression deadline and, for custom rules, the
// serialized or live ctx.state. Time is event time (ms); nothing here reads a clock.
#pragma once

#include "lua/rule.hpp"

#include <boost/circular_buffer.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace siemhub::lua {

/// A window's entries, oldest first: a boost::circular_buffer (one block, so appending at the
/// back and dropping at the front allocate nothing, where a std::deque allocates and frees a block
/// every few entries), doubled when full and halved when a quarter full, so a window that emptied
/// gives memory back.
template <class T>
class Ring {
 public:
  std::size_t size() const { return buf_.size(); }
  bool empty() const { return buf_.empty(); }
  const T& operator[](std::size_t i) const { return buf_[i]; }
  T& operator[](std::size_t i) { return buf_[i]; }
  const T& front() const { return buf_.front(); }
  const T& back() const { return buf_.back(); }

  void push_back(T value) {
    make_room();
    buf_.push_back(std::move(value));
  }
  void pop_front() {
    buf_.pop_front();
    if (buf_.size() < buf_.capacity() / 4 && buf_.capacity() > 32) buf_.set_capacity(buf_.capacity() / 2);
  }
  /// Inserts before position `pos` (the entries from `pos` on move back by one).
  void insert(std::size_t pos, T value) {
    make_room();
    buf_.insert(buf_.begin() + static_cast<std::ptrdiff_t>(pos), std::move(value));
  }
  void clear() { buf_.clear(); }
  /// Starts loading the oldest and newest entries (the ones a window reads) into the cache.
  void prefetch_ends() const {
    if (buf_.empty()) return;
    __builtin_prefetch(&buf_.front());
    __builtin_prefetch(&buf_.back());
  }

 private:
  // A full circular_buffer overwrites its oldest entry on push: grow first.
  void make_room() {
    if (buf_.full()) buf_.set_capacity(buf_.capacity() == 0 ? 8 : 2 * buf_.capacity());
  }
  boost::circular_buffer<T> buf_;
};

/// std::hash of text, transparent: a map keyed by std::string looked up with a string_view
/// (C++20 heterogeneous lookup) copies no key.
struct TextHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

using ValueCounts = std::unordered_map<std::string, std::size_t, TextHash, std::equal_to<>>;
using CountedValue = ValueCounts::value_type;  ///< (value, events in the window with it)

/// An event remembered for related_events: its time and uid, the uid inline up to 44 bytes (host
/// event ids are 16, UUIDs 36), so remembering one per event allocates nothing and the slot is
/// one cache line.
class RecentEvent {
 public:
  std::int64_t time = 0;
  std::string_view uid() const {
    return {size_ <= sizeof inline_ ? inline_ : spill_.get(), size_};
  }
  void set(std::int64_t t, std::string_view uid) {
    time = t;
    size_ = static_cast<std::uint32_t>(uid.size());
    if (uid.size() <= sizeof inline_) {
      std::memcpy(inline_, uid.data(), uid.size());
    } else {
      spill_ = std::make_unique<char[]>(uid.size());
      std::memcpy(spill_.get(), uid.data(), uid.size());
    }
  }

 private:
  std::uint32_t size_ = 0;
  char inline_[44];
  std::unique_ptr<char[]> spill_;  // a longer uid
};

struct Group {
  // The fields every event of a count or distinct rule reads first, next to each other.
  std::string key;
  std::vector<std::string> by;  ///< one value per `by` path
  /// The window: entry times, oldest first, and for distinct rules each entry's value as its
  /// element of value_counts (values[i] belongs to times[i]; count rules keep no values). Map
  /// elements keep their address, so dropping an entry decrements its count without a lookup.
  Ring<std::int64_t> times;
  /// The last keep_events events added: the finding's related_events (the window itself keeps
  /// no uids). A ring once full: the oldest is at recent_head.
  std::vector<RecentEvent> recent;
  std::size_t recent_head = 0;
  std::int64_t bucket = INT64_MIN;
  std::int64_t suppress_until = INT64_MIN;
  Ring<CountedValue*> values;
  ValueCounts value_counts;
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
  struct alignas(64) Node {  // the hash and the group's first fields share a cache line
    std::uint64_t hash = 0;
    Group group;
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

/// Adds an event at `time` to a count/distinct group's window (`value`: the distinct field's
/// value, distinct rules only) and evaluates it at `time`. Returns false when the event is too
/// late for the window (dropped). Entries over `max_entries` drop oldest.
bool add_to_window(const RuleDef& rule, Group& g, std::int64_t time, std::string_view value, std::size_t max_entries,
                   std::uint64_t& dropped);
Aggregate aggregate(const RuleDef& rule, const Group& g);
/// Notes an added event's uid among the group's last `keep` (call after add_to_window succeeded).
void remember(Group& g, std::int64_t time, std::string_view uid, std::size_t keep);
/// The remembered uids still inside the window (sliding: newer than the newest entry - span).
std::vector<std::string> related_uids(const RuleDef& rule, const Group& g);
void reset_window(Group& g);

}  // namespace siemhub::lua
