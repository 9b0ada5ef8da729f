// OCSF schema tables: classes, categories and the enums each class declares, generated at build time
// from data/ocsf/<version>/ by tools/ocsf_schema_gen.cpp. Lookups are binary searches over static
// arrays; nothing is parsed at run time.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace siemhub::ocsf {

/// The JSON shape an attribute's OCSF type maps to.
enum class JsonKind : std::uint8_t { string, integer, number, boolean, object, any };

enum class Requirement : std::uint8_t { optional, recommended, required };

std::string_view to_string(JsonKind kind);

struct EnumValue {
  std::int64_t value;
  std::string_view caption;
};

/// One top-level attribute of a class, after `extends`, `$include` (profiles) and the dictionary
/// are merged the way the OCSF server composes them (dictionary < parent < child).
struct AttributeInfo {
  std::string_view name;
  std::string_view type;  // OCSF type: "integer_t", "timestamp_t", or an object name ("metadata")
  JsonKind kind;
  bool is_array;
  Requirement requirement;
  std::span<const EnumValue> enum_values;  // empty when the attribute has no enum
  std::string_view profile;  // the profile that adds it ("cloud", "host"...), "" for class attributes

  const EnumValue* find_enum(std::int64_t value) const;
};

struct ClassInfo {
  std::int32_t uid;  // category_uid * 1000 + the class file's uid
  std::string_view name;
  std::string_view caption;
  std::int32_t category_uid;
  std::span<const AttributeInfo> attributes;  // sorted by name
  std::span<const std::uint16_t> required;     // indexes into attributes of the required ones
  std::span<const std::uint16_t> slots;        // open-addressing hash of names: index + 1, 0 = empty

  const AttributeInfo* attribute(std::string_view attr) const;
  /// The `activity_id` enum entry for `activity_id`, or nullptr when it is not valid for this class.
  const EnumValue* activity(std::int64_t activity_id) const;
  /// Enum values of a top-level attribute (e.g. "severity_id", "status_id"); empty when none.
  std::span<const EnumValue> enum_values(std::string_view attr) const;
};

struct CategoryInfo {
  std::int32_t uid;
  std::string_view name;
  std::string_view caption;
};

/// The OCSF release the tables were generated from, e.g. "1.8.0".
std::string_view schema_version();

/// All classes in the subset, sorted by uid. Includes Base Event (uid 0, category 0).
std::span<const ClassInfo> classes();
std::span<const CategoryInfo> categories();

/// nullptr when the class (category) is not in the generated subset.
const ClassInfo* class_info(std::int64_t class_uid);
const CategoryInfo* category_info(std::int64_t category_uid);

/// The hash the generated attribute slots use: the length and three characters (first, middle,
/// last), multiplied apart. Attribute names are short and differ in length or at those places
/// often enough for a half-empty table; a byte-wise hash of every key was ~5 % of the HEC path.
constexpr std::uint32_t name_hash(std::string_view s) {
  std::uint32_t h = static_cast<std::uint32_t>(s.size()) * 0x9e3779b1u;
  if (!s.empty()) {
    h ^= static_cast<unsigned char>(s.front()) * 0x85ebca6bu;
    h ^= static_cast<unsigned char>(s[s.size() / 2]) * 0xc2b2ae35u;
    h ^= static_cast<unsigned char>(s.back()) * 0x27d4eb2fu;
  }
  return h ^ (h >> 15) ^ (h >> 7);
}

/// type_uid as OCSF defines it: class_uid * 100 + activity_id.
constexpr std::int64_t type_uid(std::int32_t class_uid, std::int32_t activity_id) {
  return std::int64_t{class_uid} * 100 + activity_id;
}

namespace generated {
// Defined in the generated ocsf_schema_tables.cpp.
std::string_view version();
std::span<const ClassInfo> classes();
std::span<const CategoryInfo> categories();
}  // namespace generated

}  // namespace siemhub::ocsf
