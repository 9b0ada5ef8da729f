// Detection Findings (OCSF 2004) with the deterministic uid of DESIGN §5.
#pragma once

#include "lua/rule.hpp"
#include "lua/window.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace siemhub::lua {

/// hex(SHA-256(rule id, rule version, group key, completing event uid[, emit index])), each part
/// length-prefixed so no two inputs collide.
std::string finding_uid(const std::string& rule_id, const std::string& version, const std::string& group_key,
                        const std::string& event_uid, std::size_t emit_index = 0);

/// Hex SHA-256 of `text`.
std::string sha256_hex(std::string_view text);

struct FindingInput {
  const RuleDef* rule = nullptr;
  const Group* group = nullptr;
  Aggregate agg;
  std::string event_uid;       ///< the event that completed the condition
  std::vector<std::string> related;  ///< uids of contributing events (capped)
  nlohmann::json shaped;       ///< what emit/ctx.emit returned (an object), may be null
  std::size_t emit_index = 0;
};

/// The finding as an OCSF object.
nlohmann::json build_finding(const FindingInput& in);

}  // namespace siemhub::lua
