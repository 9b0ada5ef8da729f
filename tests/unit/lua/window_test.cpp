// Window state against plain models: GroupStore (hash table and touch log) against a std::list in
// use order, on random operations.
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
        REQUIRE(g.entries.empty());
        g.state_ref = next_ref++;
        g.entries.push_back({op, {}});
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
