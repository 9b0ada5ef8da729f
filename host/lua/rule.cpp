#include "lua/rule.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <set>

namespace siemhub::lua {

namespace {

using nlohmann::json;

const std::set<std::string> kKnownKeys = {
    "id",    "version", "title", "description", "severity", "attack",  "tags",     "author",
    "references", "from", "where", "by", "window", "count", "distinct", "on_event", "having",
    "suppress", "on_match", "emit", "limits"};

bool fail(std::string* error, std::string message) {
  *error = std::move(message);
  return false;
}

int function_index(const json& v) {
  if (v.is_object() && v.size() == 1 && v.contains("$fn") && v["$fn"].is_number_integer()) return v["$fn"].get<int>();
  return 0;
}

bool string_list(const json& t, const char* key, std::vector<std::string>& out, std::string* error) {
  if (!t.contains(key)) return true;
  const json& v = t[key];
  if (v.is_string()) return out.push_back(v.get<std::string>()), true;
  if (v.is_object() && v.empty()) return true;
  if (!v.is_array()) return fail(error, std::string(key) + " must be a string or a list of strings");
  for (const json& item : v) {
    if (!item.is_string()) return fail(error, std::string(key) + " must be a list of strings");
    out.push_back(item.get<std::string>());
  }
  return true;
}

bool text_field(const json& t, const char* key, std::string& out, std::string* error) {
  if (!t.contains(key)) return true;
  const json& v = t[key];
  if (v.is_string()) return out = v.get<std::string>(), true;
  if (v.is_number_integer()) return out = v.dump(), true;
  return fail(error, std::string(key) + " must be a string");
}

bool severity(const json& t, RuleDef& r, std::string* error) {
  static const char* names[] = {"unknown", "informational", "low", "medium", "high", "critical", "fatal"};
  if (!t.contains("severity")) return true;
  const json& v = t["severity"];
  for (int i = 0; i < 7; ++i)
    if (v.is_string() && v.get<std::string>() == names[i]) return r.severity = names[i], r.severity_id = i, true;
  if (v.is_number_integer() && v.get<int>() >= 0 && v.get<int>() <= 6)
    return r.severity_id = v.get<int>(), r.severity = names[r.severity_id], true;
  return fail(error, "severity must be one of informational, low, medium, high, critical (or 0-6)");
}

// count = 10 | { gte = 10 } | { gt = 9 }; distinct = { field = "...", gte = 20 }.
bool threshold(const json& v, Threshold& out, std::string* error) {
  if (v.is_number()) return out.value = v.get<double>(), true;
  if (!v.is_object()) return fail(error, "a threshold is a number or { gte = n } / { gt = n }");
  for (const char* bad : {"lt", "lte", "eq", "neq"})
    if (v.contains(bad))
      return fail(error, std::string("'") + bad + "' is not monotone: only gt/gte thresholds fire eagerly (evaluate-at-close is not supported yet)");
  if (v.contains("gte") && v["gte"].is_number()) return out.value = v["gte"].get<double>(), true;
  if (v.contains("gt") && v["gt"].is_number()) return out.value = v["gt"].get<double>(), out.strict = true, true;
  return fail(error, "a threshold needs gte = n or gt = n");
}

bool window(const json& t, RuleDef& r, std::string* error) {
  if (!t.contains("window")) return true;
  const json& w = t["window"];
  const json& span = w.is_object() ? (w.contains("span") ? w["span"] : json()) : w;
  const auto ms = parse_duration(span);
  if (!ms || *ms <= 0) return fail(error, "window.span must be a duration such as \"10m\"");
  r.span_ms = *ms;
  if (w.is_object() && w.contains("kind")) {
    const json& kind = w["kind"];
    if (kind == "tumbling") r.kind = WindowKind::tumbling;
    else if (kind != "sliding") return fail(error, "window.kind must be \"sliding\" or \"tumbling\"");
  }
  return true;
}

bool matcher(const json& t, const char* key, Matcher& out, int* fn, const LookupResolver& lookups, std::string* error) {
  if (!t.contains(key)) return true;
  if (fn != nullptr && (*fn = function_index(t[key])) != 0) return true;
  auto compiled = Matcher::compile(t[key], lookups, error);
  if (!compiled) return fail(error, std::string(key) + ": " + *error);
  out = std::move(*compiled);
  return true;
}

bool function_field(const json& t, const char* key, int& out, std::string* error) {
  if (!t.contains(key)) return true;
  out = function_index(t[key]);
  return out != 0 || fail(error, std::string(key) + " must be a function");
}

bool limits(const json& t, RuleDef& r, std::string* error) {
  if (!t.contains("limits")) return true;
  const json& l = t["limits"];
  const auto get = [&](const char* key, std::size_t& out) {
    if (!l.contains(key)) return true;
    if (!l[key].is_number_unsigned()) return fail(error, std::string("limits.") + key + " must be a positive integer");
    out = l[key].get<std::size_t>();
    return true;
  };
  return get("max_groups", r.max_groups) && get("max_entries_per_group", r.max_entries) && get("keep_events", r.keep_events);
}

bool operator_fields(const json& t, RuleDef& r, std::string* error) {
  const int n = int(t.contains("count")) + int(t.contains("distinct")) + int(t.contains("on_event"));
  if (n > 1) return fail(error, "a rule has one operator: count, distinct or on_event");
  if (t.contains("distinct")) {
    const json& d = t["distinct"];
    if (!d.is_object() || !d.contains("field") || !d["field"].is_string())
      return fail(error, "distinct needs { field = \"path\", gte = n }");
    r.op = Operator::distinct;
    r.distinct_field = d["field"].get<std::string>();
    return threshold(d, r.threshold, error);
  }
  if (t.contains("on_event")) {
    r.op = Operator::custom;
    return function_field(t, "on_event", r.on_event_fn, error);
  }
  if (t.contains("count")) return threshold(t["count"], r.threshold, error);
  return true;
}

}  // namespace

std::optional<std::int64_t> parse_duration(const json& v) {
  if (v.is_number()) return static_cast<std::int64_t>(v.get<double>() * 1000);
  if (!v.is_string()) return std::nullopt;
  const std::string s = v.get<std::string>();
  double n = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc{}) return std::nullopt;
  const std::string unit(end, s.data() + s.size());
  const double scale = unit == "ms" ? 1 : unit == "s" ? 1e3 : unit == "m" ? 6e4 : unit == "h" ? 3.6e6 : unit == "d" ? 8.64e7 : -1;
  if (scale < 0 || n < 0) return std::nullopt;
  return static_cast<std::int64_t>(n * scale);
}

std::optional<RuleDef> parse_rule(const json& t, const LookupResolver& lookups, std::string* error) {
  RuleDef r;
  if (!t.is_object()) return fail(error, "rule{} takes a table"), std::nullopt;
  if (!t.contains("id") || !t["id"].is_string() || t["id"].get<std::string>().empty())
    return fail(error, "rule{} needs an id (a string)"), std::nullopt;
  r.id = t["id"].get<std::string>();
  const auto bad = [&](const std::string& what) {
    *error = "rule '" + r.id + "': " + what;
    return std::nullopt;
  };
  for (const auto& [key, value] : t.items())
    if (!kKnownKeys.count(key)) return bad("unknown field '" + key + "'");
  std::string e;
  if (!text_field(t, "version", r.version, &e) || !text_field(t, "title", r.title, &e) ||
      !text_field(t, "description", r.description, &e) || !text_field(t, "author", r.author, &e) ||
      !severity(t, r, &e) || !string_list(t, "attack", r.attack, &e) || !string_list(t, "tags", r.tags, &e) ||
      !string_list(t, "references", r.references, &e) || !string_list(t, "by", r.by, &e) ||
      !matcher(t, "from", r.from, nullptr, lookups, &e) || !matcher(t, "where", r.where, &r.where_fn, lookups, &e) ||
      !window(t, r, &e) || !operator_fields(t, r, &e) || !function_field(t, "having", r.having_fn, &e) ||
      !function_field(t, "emit", r.emit_fn, &e) || !limits(t, r, &e))
    return bad(e);
  if (r.version.empty()) r.version = "1";
  if (r.title.empty()) r.title = r.id;
  if (t.contains("on_match")) {
    if (t["on_match"] == "keep") r.keep = true;
    else if (t["on_match"] != "reset") return bad("on_match must be \"reset\" or \"keep\"");
  }
  if (t.contains("suppress")) {
    const auto ms = parse_duration(t["suppress"]);
    if (!ms) return bad("suppress must be a duration such as \"30m\"");
    r.suppress_ms = *ms;
  }
  if (r.op == Operator::distinct && r.span_ms == 0) return bad("distinct needs a window");
  return r;
}

}  // namespace siemhub::lua
