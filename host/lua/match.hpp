// Match tables compiled to native predicates: { ["path|mod|mod"] = value or {values} , ... }.
// Keys AND together; a list of values ORs (|all: every value must match). Modifiers: contains,
// startswith, endswith, re (RE2), cidr, gt, gte, lt, lte, exists, in_lookup, all, cased (string
// comparisons are case-insensitive unless cased). A field holding an array matches when one of
// its elements does. `any = { {..}, {..} }` ORs sub-tables, `["not"] = {..}` negates one.
// Evaluated in C++ on the simdjson document: no Lua involved.
#pragma once

#include "lua/lookup.hpp"

#include <nlohmann/json_fwd.hpp>
#include <simdjson.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>
#include <string>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
}

namespace siemhub::lua {

using LookupResolver = std::function<const Lookup*(const std::string& name)>;

/// Field paths the loaded rules read, numbered at load so each event resolves each path once.
/// Each path is also split at its first key: the distinct first keys ("user" of "user.name") are
/// numbered too, so FieldCache finds all of them in one pass over the event's top-level object
/// instead of one key search per path.
class PathIds {
 public:
  int id(const std::string& path);
  std::size_t size() const { return paths_.size(); }
  const std::string& path(int id) const { return paths_[static_cast<std::size_t>(id)].text; }

  /// How path `id` resolves: from top-level key `top` (-1: from the root, as a whole) then `rest`.
  struct Split {
    int top = -1;
    std::string rest;  ///< what follows the first key ("name" of "user.name", "[0].x" of "a[0].x")
    bool rest_is_key = false;  ///< `rest` is one key ("name"): one key search in an object
  };
  const Split& split(int id) const { return paths_[static_cast<std::size_t>(id)].split; }
  std::size_t top_keys() const { return tops_.size(); }
  /// The number of top-level key `key`; -1 when no path starts with it.
  int top_key(std::string_view key) const {
    // Most keys of an event are none of the paths' first keys: their length alone says so.
    return might_be_top_key(key.size()) ? find_top_key(key) : -1;
  }
  /// False when no top-level key has `length` bytes.
  bool might_be_top_key(std::size_t length) const {
    return length != 0 && (top_lengths_ >> (length < 64 ? length : 0) & 1) != 0;
  }
  int find_top_key(std::string_view key) const;

 private:
  struct Path {
    std::string text;
    Split split;
  };
  int add_top_key(std::string_view key);
  std::unordered_map<std::string, int> ids_;
  std::vector<Path> paths_;
  struct TopSlot {  // a key's length and first eight bytes, compared before the rest
    std::uint64_t head = 0;
    std::uint32_t size = 0;
    int top = -1;  // -1: empty
  };
  std::vector<std::string> tops_;
  std::vector<TopSlot> top_table_;  // open addressing over tops_ (power-of-two size)
  std::uint64_t top_lengths_ = 0;  // bit n: a top key of n bytes (bit 0: of 64 or more)
};

/// The fields of one event, each path resolved on first use (by every rule that reads it). On a
/// new event the top-level object is walked once to find the first key of every path.
class FieldCache {
 public:
  /// A new event: forgets what was resolved for the previous one. `paths` must outlive the cache
  /// and not change while it is in use.
  void reset(simdjson::dom::element root, const PathIds& paths);
  simdjson::dom::element root() const { return root_; }
  /// The element at `path` (whose id is `id`; -1: not interned, resolved every time). The same
  /// as resolve(root(), path).
  std::optional<simdjson::dom::element> get(int id, std::string_view path);
  /// `text` (the text of path `id`'s element) as an IPv4 or IPv6 address, parsed once per event
  /// for all the rules' cidr conditions on that path. False when it is not an address.
  bool address(int id, std::string_view text, int& family, const unsigned char*& addr);

 private:
  struct Address {
    bool ok = false;
    int family = 0;
    unsigned char bytes[16] = {};
  };
  void sweep();
  const PathIds* paths_ = nullptr;
  simdjson::dom::element root_;
  bool swept_ = false;  // root_ is an object and tops_ holds its first-level keys
  std::vector<simdjson::dom::element> tops_;
  std::vector<std::uint32_t> top_stamp_;
  std::vector<std::optional<simdjson::dom::element>> values_;
  std::vector<std::uint32_t> stamp_;
  std::vector<Address> addresses_;
  std::vector<std::uint32_t> address_stamp_;
  std::uint32_t generation_ = 0;
};

class Matcher {
 public:
  Matcher();
  ~Matcher();
  Matcher(Matcher&&) noexcept;
  Matcher& operator=(Matcher&&) noexcept;

  /// Compiles a match table (a JSON object); nullopt and `error` when it is malformed.
  static std::optional<Matcher> compile(const nlohmann::json& table, const LookupResolver& lookups,
                                        std::string* error);

  bool matches(FieldCache& fields) const;
  bool empty() const;
  /// The class_uid values the table requires (for the pre-filter index); empty if unpinned.
  std::vector<std::int64_t> class_uids() const;
  /// Drops the class_uid condition class_uids() reported: the pre-filter index already applied it.
  void drop_class_condition();
  /// Numbers every path the table reads (call once the matcher is in its final place).
  void intern(PathIds& ids);

 private:
  struct Cond;
  std::vector<Cond> conds_;
  std::vector<Matcher> any_;
  std::vector<Matcher> not_;
};

/// Text form of a scalar element (strings as is, numbers in shortest form, booleans); false for
/// objects, arrays and null.
bool scalar_text(simdjson::dom::element e, std::string& out);

}  // namespace siemhub::lua
