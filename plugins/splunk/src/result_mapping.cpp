#include "result_mapping.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <ctime>

namespace siemhub::plugins::splunk {

namespace {

using json = nlohmann::json;

std::string str(const json& r, const char* key) {
  auto it = r.find(key);
  if (it == r.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  // Multi-value fields arrive as arrays: take the first value.
  if (it->is_array() && !it->empty() && it->front().is_string()) return it->front().get<std::string>();
  if (it->is_number()) return it->dump();
  return {};
}

std::string first_of(const json& r, std::initializer_list<const char*> keys) {
  for (const char* k : keys)
    if (auto v = str(r, k); !v.empty()) return v;
  return {};
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool is_ip(const std::string& s) {
  if (s.empty()) return false;
  if (s.find(':') != std::string::npos) return std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.'; });
  int dots = 0;
  for (char c : s) {
    if (c == '.') ++dots;
    else if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return dots == 3;
}

// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::pair<int, const char*> severity_of(const std::string& urgency) {
  const std::string u = lower(urgency);
  if (u == "informational" || u == "info") return {1, "Informational"};
  if (u == "low") return {2, "Low"};
  if (u == "medium") return {3, "Medium"};
  if (u == "high") return {4, "High"};
  if (u == "critical") return {5, "Critical"};
  if (u.empty()) return {0, "Unknown"};
  return {99, nullptr};
}

void put_if(json& j, const char* key, const std::string& v) {
  if (!v.empty()) j[key] = v;
}

}  // namespace

std::string fnv1a_hex(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

int64_t index_time(const json& r) {
  const std::string s = str(r, "_indextime");
  int64_t v = -1;
  if (s.empty() || std::from_chars(s.data(), s.data() + s.size(), v).ec != std::errc()) return -1;
  return v;
}

int64_t parse_splunk_time(const json& value) {
  if (value.is_number()) return static_cast<int64_t>(value.get<double>() * 1000.0);
  if (!value.is_string()) return -1;
  const std::string s = value.get<std::string>();
  if (s.empty()) return -1;
  if (std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; })) {
    double secs = 0;
    if (std::sscanf(s.c_str(), "%lf", &secs) != 1) return -1;
    return static_cast<int64_t>(secs * 1000.0 + 0.5);
  }
  // 2024-06-05T09:15:24.000+00:00 (Splunk's JSON _time), fraction and offset optional.
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, n = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) < 6) return -1;
  size_t i = static_cast<size_t>(n);
  int64_t ms = 0;
  if (i < s.size() && s[i] == '.') {
    int digits = 0;
    for (++i; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i)
      if (digits++ < 3) ms = ms * 10 + (s[i] - '0');
    while (digits++ < 3) ms *= 10;
  }
  int64_t offset_s = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh = 0, om = 0;
    if (std::sscanf(s.c_str() + i + 1, "%2d:%2d", &oh, &om) < 1) return -1;
    offset_s = (oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
  }
  const int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return ((days * 86400 + h * 3600 + mi * 60 + sec) - offset_s) * 1000 + ms;
}

bool looks_like_notable(const json& r) {
  return str(r, "index") == "notable" || str(r, "sourcetype") == "stash" || r.contains("event_id");
}

std::string result_id(const json& r) {
  if (auto id = str(r, "event_id"); !id.empty()) return id;
  const std::string bkt = str(r, "_bkt"), cd = str(r, "_cd");
  if (!bkt.empty() && !cd.empty()) return str(r, "index") + ":" + bkt + ":" + cd;
  return fnv1a_hex(str(r, "_time") + "\n" + str(r, "host") + "\n" + str(r, "source") + "\n" + str(r, "_raw"));
}

std::string map_result(const json& r, const MappingOptions& o) {
  json e;
  const std::string id = result_id(r);
  int64_t time_ms = r.contains("_time") ? parse_splunk_time(r["_time"]) : -1;
  const int64_t indexed = index_time(r);
  if (time_ms < 0) time_ms = indexed >= 0 ? indexed * 1000 : 0;
  json metadata{{"product", {{"name", o.product_name}, {"vendor_name", "Splunk"}}}, {"version", "1.8.0"}, {"uid", id}};
  if (indexed >= 0) metadata["logged_time"] = indexed * 1000;
  if (auto t = str(r, "_time"); !t.empty()) metadata["original_time"] = t;
  if (auto s = str(r, "index"); !s.empty()) metadata["log_name"] = s;
  json unmapped = json::object();
  static const char* const kMapped[] = {"_raw", "_time", "_indextime", "event_id", "rule_name", "rule_title",
                                        "rule_description", "urgency", "status", "src", "dest", "user",
                                        "security_domain", "risk_score"};
  for (const auto& [k, v] : r.items()) {
    if (o.notable && std::find_if(std::begin(kMapped), std::end(kMapped), [&](const char* m) { return k == m; }) != std::end(kMapped))
      continue;
    if (!o.notable && k == "_raw") continue;
    unmapped[k] = v;
  }
  e["time"] = time_ms;
  e["metadata"] = metadata;
  if (o.keep_raw && r.contains("_raw") && r["_raw"].is_string()) e["raw_data"] = r["_raw"];

  if (!o.notable) {
    e["class_uid"] = 0;
    e["category_uid"] = 0;
    e["activity_id"] = 99;
    e["type_uid"] = 99;
    e["severity_id"] = 1;
    e["message"] = str(r, "_raw").substr(0, 4096);
    if (!unmapped.empty()) e["unmapped"] = unmapped;
    return e.dump();
  }

  e["class_uid"] = 2004;
  e["category_uid"] = 2;
  e["activity_id"] = 1;  // Create
  e["type_uid"] = 200401;
  const auto [sev_id, sev_name] = severity_of(first_of(r, {"urgency", "severity"}));
  e["severity_id"] = sev_id;
  e["severity"] = sev_name ? std::string(sev_name) : first_of(r, {"urgency", "severity"});

  json info{{"uid", id}};
  put_if(info, "title", first_of(r, {"rule_title", "rule_name", "search_name", "source"}));
  put_if(info, "desc", str(r, "rule_description"));
  info["created_time"] = time_ms;
  if (auto name = first_of(r, {"rule_name", "search_name", "source"}); !name.empty())
    info["analytic"] = {{"name", name}, {"type_id", 1}, {"type", "Rule"}};
  if (auto d = str(r, "security_domain"); !d.empty()) info["types"] = json::array({d});
  if (auto t = r.find("annotations.mitre_attack.mitre_technique_id"); t != r.end()) {
    json attacks = json::array();
    for (const auto& v : t->is_array() ? *t : json::array({*t}))
      if (v.is_string()) attacks.push_back({{"technique", {{"uid", v.get<std::string>()}}}});
    if (!attacks.empty()) info["attacks"] = attacks;
  }
  e["finding_info"] = info;

  // ES status ids (incident review): 0 Unassigned, 1 New, 2 In Progress, 3 Pending, 4 Resolved, 5 Closed.
  const std::string status = str(r, "status");
  if (!status.empty()) {
    static const std::pair<const char*, std::pair<int, const char*>> kStatus[] = {
        {"0", {1, "New"}}, {"1", {1, "New"}}, {"2", {2, "In Progress"}}, {"3", {2, "In Progress"}},
        {"4", {4, "Resolved"}}, {"5", {99, "Closed"}}};
    for (const auto& [k, v] : kStatus)
      if (status == k) {
        e["status_id"] = v.first;
        e["status"] = v.second;
      }
  }

  json evidence = json::object(), observables = json::array();
  const std::string src = str(r, "src"), dest = str(r, "dest"), user = first_of(r, {"user", "src_user"});
  if (!src.empty()) {
    evidence["src_endpoint"] = is_ip(src) ? json{{"ip", src}} : json{{"hostname", src}};
    observables.push_back({{"name", is_ip(src) ? "src_endpoint.ip" : "src_endpoint.hostname"},
                           {"type_id", is_ip(src) ? 2 : 1}, {"value", src}});
  }
  if (!dest.empty()) {
    evidence["dst_endpoint"] = is_ip(dest) ? json{{"ip", dest}} : json{{"hostname", dest}};
    observables.push_back({{"name", is_ip(dest) ? "dst_endpoint.ip" : "dst_endpoint.hostname"},
                           {"type_id", is_ip(dest) ? 2 : 1}, {"value", dest}});
  }
  if (!user.empty()) {
    evidence["actor"] = {{"user", {{"name", user}}}};
    observables.push_back({{"name", "actor.user.name"}, {"type_id", 4}, {"value", user}});
  }
  if (!evidence.empty()) e["evidences"] = json::array({evidence});
  if (!observables.empty()) e["observables"] = observables;
  if (auto rs = str(r, "risk_score"); !rs.empty()) {
    int v = 0;
    if (std::from_chars(rs.data(), rs.data() + rs.size(), v).ec == std::errc()) e["risk_score"] = v;
  }
  if (!unmapped.empty()) e["unmapped"] = unmapped;
  return e.dump();
}

}  // namespace siemhub::plugins::splunk
