#include "ocsf/complete.hpp"

#include "ocsf/schema.hpp"

#include <nlohmann/json.hpp>

#include <limits>

namespace siemhub::ocsf {

namespace dom = simdjson::dom;

namespace {

// What complete() would add, computed from whichever representation we have.
struct Additions {
  std::optional<std::int64_t> category_uid;
  std::optional<std::int64_t> type_uid;
  bool severity_id = false;
  bool metadata = false;          // no metadata at all: add {"version": ...}
  bool metadata_version = false;  // metadata object without version

  bool any() const { return category_uid || type_uid || severity_id || metadata || metadata_version; }
};

void derive(Additions& add, std::optional<std::int64_t> class_uid, std::optional<std::int64_t> activity_id,
            bool has_category, bool has_type) {
  if (!has_category && class_uid) {
    if (const ClassInfo* c = class_info(*class_uid)) add.category_uid = c->category_uid;
  }
  std::int64_t t = 0;
  if (!has_type && class_uid && activity_id && !__builtin_mul_overflow(*class_uid, std::int64_t{100}, &t) &&
      !__builtin_add_overflow(t, *activity_id, &t)) {
    add.type_uid = t;
  }
}

std::optional<std::int64_t> json_int(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  if (it->is_number_unsigned() && it->get<std::uint64_t>() > std::uint64_t(std::numeric_limits<std::int64_t>::max())) {
    return std::nullopt;
  }
  return it->get<std::int64_t>();
}

std::optional<std::int64_t> dom_int(dom::object obj, std::string_view key) {
  dom::element e;
  if (obj.at_key(key).get(e) != simdjson::SUCCESS || e.type() != dom::element_type::INT64) return std::nullopt;
  return e.get_int64().value_unsafe();
}

bool has(dom::object obj, std::string_view key) {
  dom::element e;
  return obj.at_key(key).get(e) == simdjson::SUCCESS;
}

}  // namespace

bool complete(nlohmann::json& event) {
  if (!event.is_object()) return false;
  Additions add;
  derive(add, json_int(event, "class_uid"), json_int(event, "activity_id"), event.contains("category_uid"),
         event.contains("type_uid"));
  if (add.category_uid) event["category_uid"] = *add.category_uid;
  if (add.type_uid) event["type_uid"] = *add.type_uid;
  bool changed = add.any();
  if (!event.contains("severity_id")) {
    event["severity_id"] = 0;
    changed = true;
  }
  const auto metadata = event.find("metadata");
  if (metadata == event.end()) {
    event["metadata"] = {{"version", std::string(schema_version())}};
    changed = true;
  } else if (metadata->is_object() && !metadata->contains("version")) {
    (*metadata)["version"] = std::string(schema_version());
    changed = true;
  }
  return changed;
}

bool complete(Event& event, Parser& parser) {
  const auto root = event.root();
  if (!root || !root->is_object()) return false;
  const dom::object obj(*root);
  Additions add;
  derive(add, dom_int(obj, "class_uid"), dom_int(obj, "activity_id"), has(obj, "category_uid"), has(obj, "type_uid"));
  add.severity_id = !has(obj, "severity_id");
  dom::element metadata;
  if (obj.at_key("metadata").get(metadata) != simdjson::SUCCESS) {
    add.metadata = true;
  } else if (metadata.is_object() && !has(dom::object(metadata), "version")) {
    add.metadata_version = true;
  }
  if (!add.any()) return false;

  if (add.metadata_version) {
    nlohmann::json j = event.to_json();
    complete(j);
    event = parser.parse(j.dump());
    return true;
  }
  std::string splice;
  const auto member = [&](std::string_view key, const std::string& value) {
    if (!splice.empty() || obj.size() > 0) splice += ',';
    splice.append("\"").append(key).append("\":").append(value);
  };
  if (add.category_uid) member("category_uid", std::to_string(*add.category_uid));
  if (add.type_uid) member("type_uid", std::to_string(*add.type_uid));
  if (add.severity_id) member("severity_id", "0");
  if (add.metadata) member("metadata", "{\"version\":\"" + std::string(schema_version()) + "\"}");

  // A valid object's text ends with '}' (then only whitespace): insert just before it.
  const std::string_view text = event.text();
  const auto close = text.find_last_of('}');
  std::string out;
  out.reserve(text.size() + splice.size() + simdjson::SIMDJSON_PADDING);
  out.append(text.substr(0, close)).append(splice).append(text.substr(close));
  event = parser.parse(std::move(out));
  return true;
}

}  // namespace siemhub::ocsf
