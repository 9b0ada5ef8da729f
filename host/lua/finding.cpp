#include "lua/finding.hpp"

#include <openssl/evp.h>

#include <cstdio>

namespace siemhub::lua {

std::string sha256_hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
  std::string hex(len * 2, '0');
  for (unsigned int i = 0; i < len; ++i) std::snprintf(&hex[i * 2], 3, "%02x", digest[i]);
  return hex;
}

std::string finding_uid(const std::string& rule_id, const std::string& version, const std::string& group_key,
                        const std::string& event_uid, std::size_t emit_index) {
  std::string input;
  for (const std::string* part : {&rule_id, &version, &group_key, &event_uid}) {
    input += std::to_string(part->size());
    input += ':';
    input += *part;
  }
  if (emit_index > 0) input += "#" + std::to_string(emit_index);
  return sha256_hex(input);
}

namespace {

const char* kSeverityNames[] = {"Unknown", "Informational", "Low", "Medium", "High", "Critical", "Fatal"};

int severity_id_of(const nlohmann::json& v, int fallback) {
  static const char* names[] = {"unknown", "informational", "low", "medium", "high", "critical", "fatal"};
  if (v.is_number_integer() && v.get<int>() >= 0 && v.get<int>() <= 6) return v.get<int>();
  if (v.is_string())
    for (int i = 0; i < 7; ++i)
      if (v.get<std::string>() == names[i]) return i;
  return fallback;
}

nlohmann::json attacks(const RuleDef& r) {
  nlohmann::json out = nlohmann::json::array();
  for (const std::string& t : r.attack) out.push_back({{"technique", {{"uid", t}}}, {"version", "v15"}});
  return out;
}

}  // namespace

nlohmann::json build_finding(const FindingInput& in) {
  const RuleDef& r = *in.rule;
  const nlohmann::json& s = in.shaped.is_object() ? in.shaped : nlohmann::json::object();
  const int sev = severity_id_of(s.value("severity", nlohmann::json()), r.severity_id);
  nlohmann::json by = nlohmann::json::object();
  for (std::size_t i = 0; i < r.by.size() && i < in.group->by.size(); ++i) by[r.by[i]] = in.group->by[i];
  nlohmann::json related = nlohmann::json::array();
  for (const std::string& uid : in.related) related.push_back({{"uid", uid}});
  const std::int64_t first = s.value("first_time", in.agg.first_time);
  const std::int64_t last = s.value("last_time", in.agg.last_time);
  const std::size_t count = s.value("count", in.agg.count);

  nlohmann::json info = {
      {"uid", finding_uid(r.id, r.version, in.group->key, in.event_uid, in.emit_index)},
      {"title", r.title},
      {"analytic", {{"uid", r.id}, {"name", r.title}, {"version", r.version}, {"type_id", 1}, {"type", "Rule"}}},
      {"first_seen_time", first},
      {"last_seen_time", last},
      {"related_events", related},
      {"related_events_count", related.size()},
  };
  if (!r.description.empty()) info["desc"] = r.description;
  if (!r.attack.empty()) info["attacks"] = attacks(r);
  if (!r.tags.empty()) info["tags"] = r.tags;
  if (!r.references.empty()) info["src_url"] = r.references.front();

  nlohmann::json f = {
      {"class_uid", 2004},
      {"class_name", "Detection Finding"},
      {"category_uid", 2},
      {"category_name", "Findings"},
      {"activity_id", 1},
      {"activity_name", "Create"},
      {"type_uid", 200401},
      {"severity_id", sev},
      {"severity", kSeverityNames[sev]},
      {"status_id", 1},
      {"status", "New"},
      {"time", last},
      {"count", count},
      {"start_time", first},
      {"end_time", last},
      {"message", s.value("message", r.title)},
      {"finding_info", info},
      {"metadata", {{"product", {{"name", "siemhub"}, {"vendor_name", "siemhub"}, {"feature", {{"name", "lua correlation"}}}}},
                    {"version", "1.8.0"}}},
      {"unmapped", {{"group_key", by}}},
  };
  if (!r.references.empty()) f["unmapped"]["references"] = r.references;
  if (r.op == Operator::distinct)  // what fired: the distinct values, not just the event count
    f["unmapped"]["aggregate"] = {{"field", r.distinct_field},
                                  {"distinct", in.agg.distinct},
                                  {"max_per_value", in.agg.max_per_value},
                                  {"events", in.agg.count}};
  for (const char* extra : {"entities", "fields"})
    if (s.contains(extra)) f["unmapped"][extra] = s[extra];
  return f;
}

}  // namespace siemhub::lua
