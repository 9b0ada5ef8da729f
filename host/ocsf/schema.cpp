#include "ocsf/schema.hpp"

#include <algorithm>

namespace siemhub::ocsf {

std::string_view to_string(JsonKind kind) {
  switch (kind) {
    case JsonKind::string: return "string";
    case JsonKind::integer: return "integer";
    case JsonKind::number: return "number";
    case JsonKind::boolean: return "boolean";
    case JsonKind::object: return "object";
    case JsonKind::any: return "any";
  }
  return "?";
}

const EnumValue* AttributeInfo::find_enum(std::int64_t value) const {
  // Enums are short (rarely over 20 values) and sorted by value.
  const auto values = enum_values();
  const auto it = std::lower_bound(values.begin(), values.end(), value,
                                   [](const EnumValue& e, std::int64_t v) { return e.value < v; });
  return it != values.end() && it->value == value ? &*it : nullptr;
}

std::string_view AttributeInfo::profile() const {
  return profile_index ? generated::profiles()[profile_index - 1u] : std::string_view{};
}

std::span<const EnumValue> AttributeTable::enum_values(std::string_view attr) const {
  const AttributeInfo* a = attribute(attr);
  return a ? a->enum_values() : std::span<const EnumValue>{};
}

const EnumValue* ClassInfo::activity(std::int64_t activity_id) const {
  const AttributeInfo* a = attribute("activity_id");
  return a ? a->find_enum(activity_id) : nullptr;
}

std::string_view schema_version() { return generated::version(); }
std::span<const ClassInfo> classes() { return generated::classes(); }
std::span<const ObjectInfo> objects() { return generated::objects(); }
std::span<const CategoryInfo> categories() { return generated::categories(); }

const ClassInfo* class_info(std::int64_t class_uid) {
  const auto all = classes();
  const auto it = std::lower_bound(all.begin(), all.end(), class_uid,
                                   [](const ClassInfo& c, std::int64_t u) { return c.uid < u; });
  return it != all.end() && it->uid == class_uid ? &*it : nullptr;
}

const CategoryInfo* category_info(std::int64_t category_uid) {
  for (const CategoryInfo& c : categories()) {
    if (c.uid == category_uid) return &c;
  }
  return nullptr;
}

const ObjectInfo* object_info(std::string_view name) {
  const auto all = objects();
  const auto it = std::lower_bound(all.begin(), all.end(), name,
                                   [](const ObjectInfo& o, std::string_view n) { return o.name < n; });
  return it != all.end() && it->name == name ? &*it : nullptr;
}

}  // namespace siemhub::ocsf
