#include "ingest/hec_mapping.hpp"

#include <array>
#include <cmath>

#include <simdjson.h>

#include "ocsf/complete.hpp"
#include "ocsf/json_depth.hpp"

namespace siemhub::ingest {

using json = nlohmann::json;

namespace {

constexpr std::string_view kOcsfVersion = "1.8.0";

void append_unique(json& labels, std::string label) {
  for (const auto& l : labels) {
    if (l.is_string() && l.get_ref<const std::string&>() == label) return;
  }
  labels.push_back(std::move(label));
}

}  // namespace

bool looks_like_ocsf(const json& event) {
  if (!event.is_object()) return false;
  const auto it = event.find("class_uid");
  return it != event.end() && (it->is_number_integer() || it->is_number_unsigned());
}

bool add_receiver_labels(json& object, std::string_view receiver, std::string_view token_name) {
  if (!object.is_object()) return false;
  auto md = object.find("metadata");
  if (md != object.end() && !md->is_object()) return false;
  if (md != object.end()) {
    auto labels = md->find("labels");
    if (labels != md->end() && !labels->is_array()) return false;
  }
  json& labels = object["metadata"]["labels"];
  if (labels.is_null()) labels = json::array();
  append_unique(labels, "receiver:" + std::string(receiver));
  append_unique(labels, "token:" + std::string(token_name));
  return true;
}

std::string map_hec_event(const HecEvent& e, std::string_view token_name, int64_t now_ms) {
  if (looks_like_ocsf(e.event)) {
    json copy = e.event;
    if (add_receiver_labels(copy, "hec", token_name)) return copy.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  json hec = json::object();
  if (!e.index.empty()) hec["index"] = e.index;
  if (!e.source.empty()) hec["source"] = e.source;
  if (!e.sourcetype.empty()) hec["sourcetype"] = e.sourcetype;
  if (!e.host.empty()) hec["host"] = e.host;
  if (e.fields.is_object()) hec["fields"] = e.fields;
  if (!e.event.is_string()) hec["event"] = e.event;

  json out = json::object();
  out["class_uid"] = 0;
  out["category_uid"] = 0;
  out["activity_id"] = 0;
  out["type_uid"] = 0;
  out["severity_id"] = 0;
  out["time"] = e.time ? static_cast<int64_t>(std::llround(*e.time * 1000.0)) : now_ms;
  if (e.event.is_string()) out["message"] = e.event;
  out["raw_data"] = std::string(e.raw);
  out["unmapped"] = json{{"hec", std::move(hec)}};
  out["metadata"] = json{{"product", {{"name", "Splunk HEC"}}},
                         {"version", kOcsfVersion},
                         {"labels", json::array({"receiver:hec", "token:" + std::string(token_name)})}};
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

namespace {

// Envelope > query parameter > token default, for both envelope readers; an empty envelope value
// counts as absent (an event with "host":"" gets the default host, as one without host does).
std::string_view meta_or(std::optional<std::string_view> envelope, const std::string& dflt) {
  return envelope && !envelope->empty() ? *envelope : std::string_view(dflt);
}
std::string_view meta_or(const std::optional<std::string>& envelope, const std::string& dflt) {
  return meta_or(envelope ? std::optional<std::string_view>(*envelope) : std::nullopt, dflt);
}

// Strings from the query or the configuration may not be UTF-8: nlohmann replaces bad bytes.
void append_any_string(std::string& out, std::string_view s) {
  if (simdjson::validate_utf8(s.data(), s.size())) return ocsf::write_json_string(s, out);
  out += json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
}

// map_hec_event's Base Event wrapper for an envelope seen by the DOM walk: members in nlohmann's
// (sorted) order; `event` (when not a string) and `fields` keep the order they came in.
void wrap_envelope(const hec::DomEnvelope& e, const HecMeta& meta, std::string_view token_label, int64_t now_ms,
                   std::string& out) {
  out.reserve(e.raw.size() * 2 + 256);
  out.append("{\"activity_id\":0,\"category_uid\":0,\"class_uid\":0,");
  if (e.event.is_string()) {
    out.append("\"message\":");
    ocsf::write_json_string(std::string_view(e.event), out);
    out += ',';
  }
  out.append("\"metadata\":{\"labels\":[\"receiver:hec\",");
  append_any_string(out, token_label);
  out.append("],\"product\":{\"name\":\"Splunk HEC\"},\"version\":\"").append(kOcsfVersion).append("\"},\"raw_data\":");
  ocsf::write_json_string(e.raw, out);
  out.append(",\"severity_id\":0,\"time\":");
  out.append(std::to_string(e.time ? static_cast<int64_t>(std::llround(*e.time * 1000.0)) : now_ms));
  out.append(",\"type_uid\":0,\"unmapped\":{\"hec\":{");
  bool first = true;
  const auto member = [&](std::string_view key) {
    if (!first) out.push_back(',');
    first = false;
    out.push_back('"');
    out.append(key).append("\":");
  };
  if (!e.event.is_string()) {
    member("event");
    ocsf::write_json(e.event, out);
  }
  if (e.fields) {
    member("fields");
    ocsf::write_json(*e.fields, out);
  }
  const auto str = [&](std::string_view key, std::string_view v) {
    if (v.empty()) return;
    member(key);
    append_any_string(out, v);
  };
  str("host", meta_or(e.host, meta.host));
  str("index", meta_or(e.index, meta.index));
  str("source", meta_or(e.source, meta.source));
  str("sourcetype", meta_or(e.sourcetype, meta.sourcetype));
  out.append("}}}");
}

}  // namespace

MappedBody map_hec_body(std::string_view body, std::string_view token_name, const HecMeta& defaults,
                        const std::function<bool(std::string_view index)>& index_allowed, int64_t now_ms) {
  MappedBody out;
  const std::string token_label = "token:" + std::string(token_name);
  const std::array<std::string_view, 2> labels{"receiver:hec", token_label};
  // Splunk's answer to a partly bad body: the envelopes before the first bad one are indexed and
  // the rest is not, so a refused event stops the body as a malformed envelope does (code 6).
  const auto normalized = [&](size_t number, std::string_view raw, std::optional<std::string> why,
                              ocsf::NormalizedEvent&& n) {
    if (!why) {
      out.events.push_back(std::move(n));
      return true;
    }
    out.error_code = hec::kInvalidDataFormat;
    out.error_index = number;
    out.detail = "event " + std::to_string(number) + ": " + *why;
    out.refused = ocsf::refused(std::move(*why), std::string(raw));
    return false;
  };
  // Envelope > query parameter > token default; code 7 stops at the first index not allowed.
  const auto allowed = [&](size_t number, std::string_view index) {
    if (index_allowed(index)) return true;
    out.error_code = hec::kIncorrectIndex;
    out.error_index = number;
    out.detail = "event " + std::to_string(number) + ": index \"" + std::string(index) + "\" is not allowed for this token";
    return false;
  };
  const auto on_dom = [&](const hec::DomEnvelope& e) {
    if (!allowed(e.number, meta_or(e.index, defaults.index))) return false;
    // Labels on an OCSF event; anything else (or an event that cannot take them) is wrapped.
    const ocsf::Shape shape = ocsf::shape_of(e.event);
    ocsf::NormalizedEvent n;
    if (shape.integer_class && ocsf::labellable(shape)) {
      auto why = ocsf::normalize(e.event, labels, n, &shape);
      return normalized(e.number, e.raw, std::move(why), std::move(n));
    }
    std::string& text = ocsf::scratch();
    wrap_envelope(e, defaults, token_label, now_ms, text);
    n.json.assign(text);  // exactly sized: the journal's cache keeps it
    n.id = ocsf::event_id(n.json, {});
    out.events.push_back(std::move(n));
    return true;
  };
  out.events.reserve(std::min<size_t>(body.size() / 256 + 1, 16384));
  hec::WalkError error;
  auto walk = hec::for_each_envelope(body, on_dom, error);
  if (walk == hec::Walk::fallback) {
    // Start over, envelope by envelope (the events of the first pass are dropped).
    out = MappedBody{};
    error = hec::WalkError{};
    const auto on_json = [&](hec::Envelope&& env) {
      const HecEvent e = hec_event_of(std::move(env), defaults);
      const size_t number = out.events.size();  // every envelope before this one was stored
      if (!allowed(number, e.index)) return false;
      ocsf::NormalizedEvent n;
      auto why = ocsf::normalize(map_hec_event(e, token_name, now_ms), n);
      return normalized(number, e.raw, std::move(why), std::move(n));
    };
    walk = hec::for_each_envelope_exact(body, on_dom, on_json, error);
  }
  if (walk == hec::Walk::stopped && out.error_code == hec::kSuccess) {
    out.error_code = error.code;
    out.error_index = error.index;
    out.detail = std::move(error.detail);
  }
  return out;
}

MappedBody map_hec_lines(const std::vector<std::string_view>& lines, HecEvent meta, std::string_view token_name,
                         int64_t now_ms) {
  MappedBody out;
  out.events.reserve(lines.size());
  for (const auto line : lines) {
    meta.event = std::string(line);
    meta.raw = line;
    ocsf::NormalizedEvent n;
    if (auto why = ocsf::normalize(map_hec_event(meta, token_name, now_ms), n)) {
      out.error_code = hec::kInvalidDataFormat;
      out.error_index = out.events.size();
      out.detail = "event " + std::to_string(out.error_index) + ": " + *why;
      out.refused = ocsf::refused(std::move(*why), std::string(line));
      break;
    }
    out.events.push_back(std::move(n));
  }
  return out;
}

HecEvent hec_event_of(hec::Envelope env, const HecMeta& defaults) {
  HecEvent e;
  e.event = std::move(env.event);
  e.time = env.time;
  e.host = meta_or(env.host, defaults.host);
  e.source = meta_or(env.source, defaults.source);
  e.sourcetype = meta_or(env.sourcetype, defaults.sourcetype);
  e.index = meta_or(env.index, defaults.index);
  e.fields = std::move(env.fields);
  e.raw = env.raw;
  return e;
}

MappedLines map_ndjson_body(std::string_view body, std::string_view token_name) {
  MappedLines out;
  const std::string token_label = "token:" + std::string(token_name);
  const std::array<std::string_view, 2> labels{"receiver:events", token_label};
  thread_local simdjson::dom::parser parser = [] {
    simdjson::dom::parser p;
    (void)ocsf::limit_depth(p);  // a failed allocation fails the first parse instead
    return p;
  }();
  for_each_ndjson_line(body, [&](std::string_view line, size_t line_no) {
    ocsf::NormalizedEvent n;
    std::optional<std::string> why;
    std::string problem;
    // The rest of the body (or its padding) follows the line: simdjson's read-ahead is covered.
    simdjson::dom::element root;
    if (parser.parse(line.data(), line.size(), false).get(root) == simdjson::SUCCESS) {
      if (!root.is_object()) {
        problem = "not a JSON object";
      } else {
        const ocsf::Shape shape = ocsf::shape_of(root);
        why = ocsf::normalize(root, ocsf::labellable(shape) ? std::span(labels) : std::span<const std::string_view>{}, n,
                              &shape);
      }
    } else {
      bool too_deep = false;
      json j = ocsf::parse_json(line, &too_deep);  // what simdjson rejects, nlohmann may read
      if (too_deep) problem = ocsf::too_deep_message();
      else if (j.is_discarded()) problem = "invalid JSON";
      else if (!j.is_object()) problem = "not a JSON object";
      else {
        add_receiver_labels(j, "events", token_name);  // an unlabellable object passes unchanged
        why = ocsf::normalize(j.dump(-1, ' ', false, json::error_handler_t::replace), n);
      }
    }
    if (!problem.empty()) {
      out.error_line = line_no;
      out.error = "line " + std::to_string(line_no) + ": " + problem;
      return false;
    }
    if (why) out.refused.push_back({out.objects, line_no, ocsf::refused(std::move(*why), std::string(line))});
    else out.events.push_back(std::move(n));
    ++out.objects;
    return true;
  });
  return out;
}

}  // namespace siemhub::ingest
