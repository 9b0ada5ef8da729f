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
  const auto it = std::lower_bound(enum_values.begin(), enum_values.end(), value,
                                   [](const EnumValue& e, std::int64_t v) { return e.value < v; });
  return it != enum_values.end() && it->value == value ? &*it : nullptr;
}

const AttributeInfo* ClassInfo::attribute(std::string_view attr) const {
  // Linear probing over a power-of-two table at most half full (the generator sizes it).
  const std::size_t mask = slots.size() - 1;
  for (std::size_t i = name_hash(attr) & mask;; i = (i + 1) & mask) {
    const std::uint16_t slot = slots[i];
    if (slot == 0) return nullptr;
    const AttributeInfo& a = attributes[slot - 1u];
    if (a.name == attr) return &a;
  }
}

const EnumValue* ClassInfo::activity(std::int64_t activity_id) const {
  const AttributeInfo* a = attribute("activity_id");
  return a ? a->find_enum(activity_id) : nullptr;
}

std::span<const EnumValue> ClassInfo::enum_values(std::string_view attr) const {
  const AttributeInfo* a = attribute(attr);
  return a ? a->enum_values : std::span<const EnumValue>{};
}

std::string_view schema_version() { return generated::version(); }
std::span<const ClassInfo> classes() { return generated::classes(); }
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

}  // namespace siemhub::ocsf
