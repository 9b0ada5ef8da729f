#include "ingest/hec_mapping.hpp"

#include <cmath>

#include <simdjson.h>

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

// A JSON string literal of `s` (valid UTF-8 assumed checked by the caller), as nlohmann dumps it.
void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default: {
        const char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
        out.append(u, 6);
      }
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

// Strings from the query or the configuration may not be UTF-8: nlohmann replaces bad bytes.
void append_any_string(std::string& out, std::string_view s) {
  if (simdjson::validate_utf8(s.data(), s.size())) return append_json_string(out, s);
  out += json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string minified(std::string text) {
  std::string out(text.size() + simdjson::SIMDJSON_PADDING, '\0');
  size_t len = 0;
  if (simdjson::minify(text.data(), text.size(), out.data(), len) != simdjson::SUCCESS) return text;
  out.resize(len);
  return out;
}

}  // namespace

std::string map_hec_raw(const hec::RawEnvelope& e, const HecMeta& meta, std::string_view token_name, int64_t now_ms) {
  using Kind = hec::RawEnvelope::Kind;
  using Labels = hec::RawEnvelope::Labels;
  const auto slow = [&]() {
    HecEvent h;
    if (e.slow) {
      h.event = e.slow->event;
      h.time = e.slow->time;
      h.fields = e.slow->fields;
    } else {
      h.event = json::parse(e.event);
      h.time = e.time;
      if (!e.fields.empty()) h.fields = json::parse(e.fields);
    }
    h.host = meta.host;
    h.source = meta.source;
    h.sourcetype = meta.sourcetype;
    h.index = meta.index;
    h.raw = e.raw;
    return map_hec_event(h, token_name, now_ms);
  };
  if (e.slow) return slow();
  const std::string token_label = "token:" + std::string(token_name);

  if (e.kind == Kind::object && e.labels != Labels::wrap) {
    std::string labels;
    const bool receiver = e.labels != Labels::append || !e.has_receiver_label;
    const bool token = e.labels != Labels::append || !e.has_token_label;
    if (receiver) labels.append("\"receiver:hec\"");
    if (token) {
      if (receiver) labels.push_back(',');
      append_any_string(labels, token_label);
    }
    std::string out;
    // + padding: normalize parses this text in place (simdjson reads past the end).
    out.reserve(e.event.size() + labels.size() + 40 + simdjson::SIMDJSON_PADDING);
    out.append(e.event.substr(0, e.insert_at));
    const bool comma = e.need_comma && !labels.empty();
    switch (e.labels) {
      case Labels::no_metadata:
        out.append(comma ? ",\"metadata\":{\"labels\":[" : "\"metadata\":{\"labels\":[").append(labels).append("]}");
        break;
      case Labels::no_labels:
        out.append(comma ? ",\"labels\":[" : "\"labels\":[").append(labels).push_back(']');
        break;
      default:
        if (comma) out.push_back(',');
        out.append(labels);
    }
    out.append(e.event.substr(e.insert_at));
    return e.needs_minify ? minified(std::move(out)) : out;
  }
  if (e.kind != Kind::string) return slow();

  // The Base Event wrapper, members in nlohmann's (sorted) order.
  std::string out;
  out.reserve(e.raw.size() * 2 + 256 + simdjson::SIMDJSON_PADDING);
  out.append("{\"activity_id\":0,\"category_uid\":0,\"class_uid\":0,\"message\":");
  out.append(e.event);
  out.append(",\"metadata\":{\"labels\":[\"receiver:hec\",");
  append_any_string(out, token_label);
  out.append("],\"product\":{\"name\":\"Splunk HEC\"},\"version\":\"").append(kOcsfVersion).append("\"},\"raw_data\":");
  append_json_string(out, e.raw);
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
  if (!e.fields.empty()) {
    member("fields");
    out.append(e.fields);
  }
  const auto str = [&](std::string_view key, const std::string& v) {
    if (v.empty()) return;
    member(key);
    append_any_string(out, v);
  };
  str("host", meta.host);
  str("index", meta.index);
  str("source", meta.source);
  str("sourcetype", meta.sourcetype);
  out.append("}}}");
  return e.needs_minify ? minified(std::move(out)) : out;
}

}  // namespace siemhub::ingest
