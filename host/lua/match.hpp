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
#include <string>
#include <vector>

namespace re2 {
class RE2;
}

namespace siemhub::lua {

using LookupResolver = std::function<const Lookup*(const std::string& name)>;

class Matcher {
 public:
  Matcher();
  ~Matcher();
  Matcher(Matcher&&) noexcept;
  Matcher& operator=(Matcher&&) noexcept;

  /// Compiles a match table (a JSON object); nullopt and `error` when it is malformed.
  static std::optional<Matcher> compile(const nlohmann::json& table, const LookupResolver& lookups,
                                        std::string* error);

  bool matches(simdjson::dom::element root) const;
  bool empty() const;
  /// The class_uid values the table requires (for the pre-filter index); empty if unpinned.
  std::vector<std::int64_t> class_uids() const;

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
