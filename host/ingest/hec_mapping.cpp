#include "ingest/hec_mapping.hpp"

#include <cmath>

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

}  // namespace siemhub::ingest
