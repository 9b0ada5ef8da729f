// Splunk search results -> OCSF 1.8.0.
//
// ES notables (index=notable, sourcetype=stash) become Detection Finding (2004):
//   finding_info.uid      event_id                 metadata.uid        event_id
//   finding_info.title    rule_title | rule_name | search_name | source
//   finding_info.desc     rule_description         finding_info.analytic {name: rule_name | search_name, type_id 1 Rule}
//   finding_info.types    [security_domain]        finding_info.attacks  annotations.mitre_attack.mitre_technique_id
//   severity_id           urgency (informational 1, low 2, medium 3, high 4, critical 5)
//   status_id / status    status (1 New, 2 In Progress, 3 Pending -> 2, 4 Resolved, 5 Closed -> 99 "Closed")
//   evidences[0]          src_endpoint.ip (src), dst_endpoint.ip|hostname (dest), actor.user.name (user | src_user)
//   observables           src, dest, user      time: _time; metadata.logged_time: _indextime
//   risk_score            risk_score           unmapped: every other field but _raw (raw_data with keep_raw)
// Other results become Base Event (0, activity 99 Other) with the result's fields in `unmapped`
// and metadata.uid = index:_bkt:_cd (Splunk's address of the event) or a hash of its content.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace siemhub::plugins::splunk {

struct MappingOptions {
  bool notable = true;  // Detection Finding; false = Base Event
  bool keep_raw = false;
  std::string product_name = "Splunk Enterprise Security";
};

/// The result's stable id: event_id for notables, else index:_bkt:_cd, else a content hash.
std::string result_id(const nlohmann::json& result);
/// _indextime as epoch seconds (Splunk sends it as a string); -1 when absent or malformed.
int64_t index_time(const nlohmann::json& result);
/// _time (epoch seconds with a fraction, or ISO 8601 with an offset) as epoch ms; -1 if unparsable.
int64_t parse_splunk_time(const nlohmann::json& value);
/// Whether `auto` mapping treats the result as a notable.
bool looks_like_notable(const nlohmann::json& result);

/// The OCSF event for one result (JSON text).
std::string map_result(const nlohmann::json& result, const MappingOptions& options);

/// 64-bit FNV-1a of `s`, 16 hex digits.
std::string fnv1a_hex(std::string_view s);

}  // namespace siemhub::plugins::splunk
