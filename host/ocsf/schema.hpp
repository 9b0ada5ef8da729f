// OCSF schema tables: every class, object, category, profile and enum of the release in
// data/ocsf/<version>/ (platform extensions included), generated at build time by
// tools/ocsf_schema_gen.cpp. Strings live in one pool; attribute rows and enum values refer to it
// by offset, so the ~10k rows need no relocation each. Lookups are hashes and binary searches
// over static arrays; nothing is parsed at run time.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace siemhub::ocsf {

/// The JSON shape an attribute's OCSF type maps to.
enum class JsonKind : std::uint8_t { string, integer, number, boolean, object, any };

enum class Requirement : std::uint8_t { optional, recommended, required };

std::string_view to_string(JsonKind kind);

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

struct EnumValue;
struct AttributeInfo;
struct ObjectInfo;
struct ClassInfo;
struct CategoryInfo;

namespace generated {
// Defined in the generated ocsf_tables_*.cpp.
extern const char pool[];
extern const EnumValue enum_values[];
extern const ObjectInfo object_table[];
std::string_view version();
std::span<const ClassInfo> classes();
std::span<const ObjectInfo> objects();
std::span<const CategoryInfo> categories();
std::span<const std::string_view> profiles();
}  // namespace generated

struct EnumValue {
  std::int64_t value;
  std::uint32_t caption_offset;
  std::uint16_t caption_size;

  std::string_view caption() const { return {generated::pool + caption_offset, caption_size}; }
};

/// One attribute of a class or object, after `extends`, `$include` (profiles), extension patches
/// and the dictionary are merged the way the OCSF compiler composes them (dictionary < parent <
/// child).
struct AttributeInfo {
  std::uint32_t name_offset, type_offset;
  std::uint32_t enum_first;
  std::uint16_t enum_count;
  std::uint16_t object_index;   // 1 + index into objects() when the type is an object, else 0
  std::uint16_t profile_index;  // 1 + index into the profile names, 0 for the item's own attributes
  std::uint8_t name_size, type_size;
  std::uint8_t sibling_index;  // 1 + index of the sibling attribute (activity_id -> activity_name), 0 none
  JsonKind kind;
  Requirement requirement;
  bool is_array;

  std::string_view name() const { return {generated::pool + name_offset, name_size}; }
  /// OCSF type: "integer_t", "timestamp_t", or an object name ("metadata").
  std::string_view type() const { return {generated::pool + type_offset, type_size}; }
  /// Empty when the attribute has no (integer) enum; sorted by value.
  std::span<const EnumValue> enum_values() const { return {generated::enum_values + enum_first, enum_count}; }
  const EnumValue* find_enum(std::int64_t value) const;
  /// The object this attribute holds, nullptr for a scalar.
  inline const ObjectInfo* object() const;
  /// The profile that adds it ("cloud", "host", "linux/linux_users"...), "" for the item's own.
  std::string_view profile() const;
};

/// The attributes of one class or object, with their lookups and constraints.
struct AttributeTable {
  std::span<const AttributeInfo> attributes;  // sorted by name
  std::span<const std::uint16_t> required;     // indexes into attributes of the required ones
  std::span<const std::uint16_t> slots;        // open-addressing hash of names: index + 1, 0 = empty
  std::span<const std::uint16_t> at_least_one;  // constraint: one of these must be present
  std::span<const std::uint16_t> just_one;      // constraint: exactly one of these

  inline const AttributeInfo* attribute(std::string_view attr) const;
  /// Enum values of an attribute (e.g. "severity_id", "status_id"); empty when none.
  std::span<const EnumValue> enum_values(std::string_view attr) const;
};

struct ObjectInfo : AttributeTable {
  std::string_view name;  // the type name attributes refer to ("process", "reg_key")
  std::string_view caption;
};

struct ClassInfo : AttributeTable {
  /// category_uid * 1000 + the class file's uid; a platform extension's class adds
  /// extension uid * 100000 (Windows Registry Key Activity: 201001).
  std::int32_t uid;
  std::string_view name;
  std::string_view caption;
  std::int32_t category_uid;

  /// The `activity_id` enum entry for `activity_id`, or nullptr when it is not valid for this class.
  const EnumValue* activity(std::int64_t activity_id) const;
};

struct CategoryInfo {
  std::int32_t uid;
  std::string_view name;
  std::string_view caption;
};

// Whether n bytes at a and b are equal, in whole words that never read past either end (the
// last word overlaps the one before). Attribute names are short; memcmp, or a byte loop for the
// tail, was ~7 % of validation.
template <class Word>
bool same_word(const char* a, const char* b) {
  Word x, y;
  __builtin_memcpy(&x, a, sizeof x);
  __builtin_memcpy(&y, b, sizeof y);
  return x == y;
}

inline bool same_bytes(const char* a, const char* b, std::size_t n) {
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 < n; i += 8) {
      if (!same_word<std::uint64_t>(a + i, b + i)) return false;
    }
    return same_word<std::uint64_t>(a + n - 8, b + n - 8);
  }
  if (n >= 4) return same_word<std::uint32_t>(a, b) && same_word<std::uint32_t>(a + n - 4, b + n - 4);
  if (n >= 2) return same_word<std::uint16_t>(a, b) && same_word<std::uint16_t>(a + n - 2, b + n - 2);
  return n == 0 || *a == *b;
}

// Inline: validation calls these for every member of every object.
const ObjectInfo* AttributeInfo::object() const {
  return object_index ? &generated::object_table[object_index - 1u] : nullptr;
}

const AttributeInfo* AttributeTable::attribute(std::string_view attr) const {
  // Linear probing over a power-of-two table at most half full (the generator sizes it).
  const std::size_t mask = slots.size() - 1;
  for (std::size_t i = name_hash(attr) & mask;; i = (i + 1) & mask) {
    const std::uint16_t slot = slots[i];
    if (slot == 0) return nullptr;
    const AttributeInfo& a = attributes[slot - 1u];
    if (a.name_size == attr.size() && same_bytes(generated::pool + a.name_offset, attr.data(), attr.size())) return &a;
  }
}

/// The OCSF release the tables were generated from, e.g. "1.8.0".
std::string_view schema_version();

/// All classes of the release, sorted by uid. Includes Base Event (uid 0, category 0).
std::span<const ClassInfo> classes();
/// All objects of the release (core and extensions, patches merged), sorted by name.
std::span<const ObjectInfo> objects();
std::span<const CategoryInfo> categories();

/// nullptr when the class (category, object) is not in the release.
const ClassInfo* class_info(std::int64_t class_uid);
const CategoryInfo* category_info(std::int64_t category_uid);
const ObjectInfo* object_info(std::string_view name);

/// type_uid as OCSF defines it: class_uid * 100 + activity_id.
constexpr std::int64_t type_uid(std::int32_t class_uid, std::int32_t activity_id) {
  return std::int64_t{class_uid} * 100 + activity_id;
}

}  // namespace siemhub::ocsf
