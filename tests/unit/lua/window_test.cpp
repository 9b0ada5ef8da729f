// Window state against plain models: GroupStore (hash table and touch log) against a std::list in
// use order, and add_to_window (rings) against the window as a std::deque of (time, value), on
// random operations.
#include "lua/window.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <deque>
#include <list>
#include <map>
#include <random>
#include <string>
#include <vector>

using namespace siemhub::lua;

namespace {

// The LRU as a list: front least recently used.
struct ModelStore {
  std::list<std::string> order;
  std::uint64_t evictions = 0;
  // Returns the key evicted, if any.
  std::optional<std::string> touch(const std::string& key, std::size_t max_groups) {
    const auto it = std::find(order.begin(), order.end(), key);
    if (it != order.end()) {
      order.splice(order.end(), order, it);
      return std::nullopt;
    }
    std::optional<std::string> evicted;
    if (max_groups > 0 && order.size() >= max_groups) {
      evicted = order.front();
      order.pop_front();
      ++evictions;
    }
    order.push_back(key);
    return evicted;
  }
};

// The window as a deque of (time, value), as the engine kept it before the rings.
struct ModelWindow {
  std::deque<std::pair<std::int64_t, std::string>> entries;
  std::map<std::string, std::size_t> counts;
  std::int64_t bucket = INT64_MIN;

  void pop() {
    if (!counts.empty()) {
      const auto it = counts.find(entries.front().second);
      if (it != counts.end() && --it->second == 0) counts.erase(it);
    }
    entries.pop_front();
  }
  void reset() {
    entries.clear();
    counts.clear();
  }
  bool add(const RuleDef& rule, std::int64_t t, const std::string& value, std::size_t max_entries,
           std::uint64_t& dropped) {
    if (rule.span_ms == 0) {
      reset();
    } else if (rule.kind == WindowKind::tumbling) {
      const std::int64_t span = rule.span_ms;
      const std::int64_t b = (t >= 0 ? t / span : (t - span + 1) / span) * span;
      if (b < bucket) return false;
      if (b > bucket) reset(), bucket = b;
    } else {
      const std::int64_t now = entries.empty() ? t : std::max(t, entries.back().first);
      if (t <= now - rule.span_ms) return false;
      while (!entries.empty() && entries.front().first <= now - rule.span_ms) pop();
    }
    if (rule.op == Operator::distinct) ++counts[value];
    const auto pos = std::upper_bound(entries.begin(), entries.end(), t,
                                      [](std::int64_t x, const auto& e) { return x < e.first; });
    entries.insert(pos, {t, rule.op == Operator::distinct ? value : std::string()});
    while (max_entries > 0 && entries.size() > max_entries) pop(), ++dropped;
    return true;
  }
};

}  // namespace

TEST_CASE("the group store evicts and lists groups in use order like a list, and groups stay in place") {
  std::mt19937 rng(11);
  for (const std::size_t max_groups : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{60}}) {
    GroupStore store;
    ModelStore model;
    std::map<std::string, Group*> where;  // live groups: a touch must return the same object
    std::vector<int> released;
    int next_ref = 1;
    for (int op = 0; op < 20'000; ++op) {
      // Skewed keys: some hot, many cold, a few long enough to live on the heap.
      const auto pick = rng() % 100;
      const std::string key = pick < 60 ? "hot" + std::to_string(rng() % 10)
                              : pick < 95 ? "cold" + std::to_string(rng() % 150)
                                          : "a-key-longer-than-sixteen-bytes-" + std::to_string(rng() % 20);
      const auto evicted = model.touch(key, max_groups);
      const std::size_t released_before = released.size();
      Group& g = store.touch(key, GroupStore::hash(key, 42), max_groups, released);
      INFO("op " << op << " key " << key << " max_groups " << max_groups);
      REQUIRE(g.key == key);
      if (evicted) {
        REQUIRE(where.count(*evicted) == 1);
        // The evicted group's Lua ref is handed back.
        REQUIRE(released.size() == released_before + 1);
        where.erase(*evicted);
      }
      if (const auto it = where.find(key); it != where.end()) {
        REQUIRE(it->second == &g);
      } else {
        REQUIRE(g.state_ref == 0);  // a new group starts empty
        REQUIRE(g.times.empty());
        g.state_ref = next_ref++;
        g.times.push_back(op);
        where[key] = &g;
      }
      REQUIRE(store.size() == model.order.size());
      REQUIRE(store.evictions() == model.evictions);
      if (op % 997 == 0 || op == 19'999) {
        std::vector<std::string> listed;
        store.for_each([&](const Group& each) { listed.push_back(each.key); });
        REQUIRE(listed == std::vector<std::string>(model.order.begin(), model.order.end()));
      }
    }
    released.clear();
    store.clear(released);
    CHECK(released.size() == where.size());
    CHECK(store.size() == 0);
  }
}

TEST_CASE("windows kept in rings hold what a time-ordered deque holds, late and out-of-order events included") {
  std::mt19937 rng(5);
  struct Shape {
    std::int64_t span;
    WindowKind kind;
    Operator op;
    std::size_t max_entries;
  };
  const Shape shapes[] = {
      {60'000, WindowKind::sliding, Operator::count, 0},      {60'000, WindowKind::sliding, Operator::distinct, 0},
      {30'000, WindowKind::sliding, Operator::distinct, 40},  {5'000, WindowKind::sliding, Operator::count, 3},
      {20'000, WindowKind::tumbling, Operator::distinct, 25}, {20'000, WindowKind::tumbling, Operator::count, 0},
      {0, WindowKind::sliding, Operator::count, 0},
  };
  for (const Shape& shape : shapes) {
    RuleDef rule;
    rule.span_ms = shape.span;
    rule.kind = shape.kind;
    rule.op = shape.op;
    Group g;
    ModelWindow model;
    std::uint64_t dropped = 0, model_dropped = 0;
    std::int64_t t = 1'000'000;
    for (int i = 0; i < 30'000; ++i) {
      // Bursts (windows of hundreds of entries) and lulls (windows that empty and shrink).
      t += (i / 2000) % 2 == 0 ? static_cast<std::int64_t>(rng() % 200) : static_cast<std::int64_t>(rng() % 9000);
      std::int64_t at = t;
      if (rng() % 8 == 0) at -= static_cast<std::int64_t>(rng() % 40'000);  // late: in the window or not
      const std::string value = "v" + std::to_string(rng() % 12);
      INFO("event " << i << " span " << shape.span << " kind " << int(shape.kind) << " op " << int(shape.op));
      const bool added = add_to_window(rule, g, at, value, shape.max_entries, dropped);
      REQUIRE(added == model.add(rule, at, value, shape.max_entries, model_dropped));
      REQUIRE(dropped == model_dropped);
      std::vector<std::int64_t> times, model_times;
      std::vector<std::string> values, model_values;
      for (std::size_t k = 0; k < g.times.size(); ++k) times.push_back(g.times[k]);
      for (std::size_t k = 0; k < g.values.size(); ++k) values.push_back(g.values[k]->first);
      for (const auto& [time, v] : model.entries) {
        model_times.push_back(time);
        if (shape.op == Operator::distinct) model_values.push_back(v);  // count rules keep no values
      }
      REQUIRE(times == model_times);
      REQUIRE(values == model_values);
      const Aggregate agg = aggregate(rule, g);
      REQUIRE(agg.count == model.entries.size());
      if (shape.op == Operator::distinct) {
        REQUIRE(agg.distinct == model.counts.size());
        std::size_t max_per_value = 0;
        for (const auto& [v, n] : model.counts) {
          REQUIRE(g.value_counts.count(v) == 1);
          REQUIRE(g.value_counts.find(v)->second == n);
          max_per_value = std::max(max_per_value, n);
        }
        REQUIRE(agg.max_per_value == max_per_value);
      }
      if (rng() % 500 == 0) {  // a fire with on_match = "reset"
        reset_window(g);
        model.reset();
      }
    }
  }
}

TEST_CASE("the related events of a group are its last uids, oldest first, short and long alike") {
  RuleDef rule;
  rule.span_ms = 1000;
  Group g;
  std::vector<std::string> uids;
  for (int i = 0; i < 12; ++i) {
    // Host ids (16 bytes), UUIDs (36), and uids longer than a slot holds inline.
    uids.push_back(i % 3 == 0 ? std::string(16, char('a' + i)) : i % 3 == 1 ? std::string(36, char('a' + i))
                                                                            : std::string(45 + i, char('a' + i)));
    std::uint64_t dropped = 0;
    REQUIRE(add_to_window(rule, g, 100 * i, {}, 0, dropped));
    remember(g, 100 * i, uids.back(), 5);
  }
  CHECK(related_uids(rule, g) == std::vector<std::string>(uids.end() - 5, uids.end()));
  std::uint64_t dropped = 0;
  REQUIRE(add_to_window(rule, g, 100 * 11 + 850, {}, 0, dropped));  // the window now starts after 900
  CHECK(related_uids(rule, g) == std::vector<std::string>(uids.end() - 2, uids.end()));
}
