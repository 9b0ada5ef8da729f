#include "ocsf/validate.hpp"

#include "ocsf/complete.hpp"
#include "ocsf/schema.hpp"

#include <bitset>

namespace siemhub::ocsf {

namespace dom = simdjson::dom;

std::string_view to_string(Problem problem) {
  switch (problem) {
    case Problem::parse_error: return "parse_error";
    case Problem::not_an_object: return "not_an_object";
    case Problem::missing: return "missing";
    case Problem::wrong_type: return "wrong_type";
    case Problem::out_of_range: return "out_of_range";
    case Problem::not_in_enum: return "not_in_enum";
    case Problem::unknown_class: return "unknown_class";
    case Problem::inconsistent: return "inconsistent";
  }
  return "?";
}

std::string Violation::to_string() const { return path.empty() ? message : path + ": " + message; }

namespace {

std::string_view json_type_name(dom::element e) {
  switch (e.type()) {
    case dom::element_type::OBJECT: return "object";
    case dom::element_type::ARRAY: return "array";
    case dom::element_type::STRING: return "string";
    case dom::element_type::INT64:
    case dom::element_type::UINT64: return "integer";
    case dom::element_type::DOUBLE: return "number";
    case dom::element_type::BOOL: return "boolean";
    case dom::element_type::NULL_VALUE: return "null";
  }
  return "?";
}

std::string join(std::span<const EnumValue> values) {
  std::string out;
  for (const EnumValue& v : values) {
    if (!out.empty()) out += ", ";
    out += std::to_string(v.value);
  }
  return out;
}

std::string describe(const ClassInfo& c) { return std::to_string(c.uid) + " (" + std::string(c.caption) + ")"; }

std::optional<std::int64_t> as_int(dom::element e) {
  if (e.type() != dom::element_type::INT64) return std::nullopt;
  return e.get_int64().value_unsafe();
}


// Whether metadata.profiles lists `profile` (profile attributes are required only then).
bool profile_applied(const Shape& shape, std::string_view profile) {
  dom::array profiles;
  if (!shape.profiles || shape.profiles->get(profiles) != simdjson::SUCCESS) return false;
  for (dom::element p : profiles) {
    std::string_view name;
    if (p.get(name) == simdjson::SUCCESS && name == profile) return true;
  }
  return false;
}

// The base attributes the cross-field checks need, picked up during the one pass over the event.
// The first of a repeated key counts, as in shape_of() (which completion is planned from) and
// simdjson's at_key: with the last one, an event completed from its first activity_id failed
// validation once written out (found by ocsf_event_fuzz).
struct BaseFields {
  std::optional<std::int64_t> class_uid, category_uid, activity_id, type_uid;
  bool seen_category = false, seen_activity = false, seen_type = false;

  void capture(std::string_view key, dom::element value) {
    const auto first = [&](bool& seen, std::optional<std::int64_t>& slot) {
      if (!seen) seen = true, slot = as_int(value);
    };
    switch (key.size()) {
      case 8:
        if (key == "type_uid") first(seen_type, type_uid);
        break;
      case 11:
        if (key == "activity_id") first(seen_activity, activity_id);
        break;
      case 12:
        if (key == "category_uid") first(seen_category, category_uid);
        break;
      default: break;
    }
  }
};

class Checker {
 public:
  explicit Checker(std::vector<Violation>& out) : out_(out) {}

  void add(std::string path, Problem problem, std::string message) {
    out_.push_back(Violation{std::move(path), problem, std::move(message)});
  }

  // The JSON type of one value against an attribute's kind; true when it matches. The path is
  // only spelled out for a violation: key, plus "[index]" for an array element.
  bool check_kind(std::string_view key, std::optional<std::size_t> index, const AttributeInfo& attr, dom::element value) {
    const auto type = value.type();
    bool ok = false;
    switch (attr.kind) {
      case JsonKind::string: ok = type == dom::element_type::STRING; break;
      case JsonKind::integer:
        if (type == dom::element_type::UINT64) {
          add(path_of(key, index), Problem::out_of_range,
              "integer does not fit in 64-bit signed (" + std::string(attr.type) + ")");
          return false;
        }
        ok = type == dom::element_type::INT64;
        break;
      case JsonKind::number: ok = value.is_number(); break;
      case JsonKind::boolean: ok = type == dom::element_type::BOOL; break;
      case JsonKind::object: ok = type == dom::element_type::OBJECT; break;
      case JsonKind::any: ok = true; break;
    }
    if (!ok) {
      add(path_of(key, index), Problem::wrong_type,
          std::string(index ? "expected array elements of type " : "expected ") +
              std::string(ocsf::to_string(attr.kind)) + " (" + std::string(attr.type) + "), got " +
              std::string(json_type_name(value)));
    }
    return ok;
  }

  static std::string path_of(std::string_view key, std::optional<std::size_t> index) {
    std::string path(key);
    if (index) path += "[" + std::to_string(*index) + "]";
    return path;
  }

  // Type of a top-level attribute (arrays element by element, first mismatch only); true if it matches.
  bool check_type(std::string_view key, const AttributeInfo& attr, dom::element value) {
    if (!attr.is_array) return check_kind(key, std::nullopt, attr, value);
    if (!value.is_array()) {
      add(std::string(key), Problem::wrong_type,
          "expected array of " + std::string(ocsf::to_string(attr.kind)) + " (" + std::string(attr.type) +
              "), got " + std::string(json_type_name(value)));
      return false;
    }
    std::size_t i = 0;
    for (dom::element item : dom::array(value)) {
      if (!check_kind(key, i, attr, item)) return false;
      ++i;
    }
    return true;
  }

  void check_enum(const ClassInfo* cls, const AttributeInfo& attr, std::int64_t value) {
    if (attr.find_enum(value)) return;
    if (attr.name == "activity_id" && cls) {
      add("activity_id", Problem::not_in_enum,
          std::to_string(value) + " is not a valid activity for class " + describe(*cls) + "; valid: " +
              join(attr.enum_values));
      return;
    }
    add(std::string(attr.name), Problem::not_in_enum,
        std::to_string(value) + " is not in the " + std::string(attr.name) + " enum (" + join(attr.enum_values) + ")");
  }

  void check_metadata(const Shape& shape, const Completion& completion) {
    if (!shape.metadata) {
      // complete() adds metadata with only its version: the product is still missing.
      if (completion.metadata) add("metadata.product", Problem::missing, "missing required attribute");
      return;
    }
    if (!shape.metadata->is_object()) return;  // wrong type: already reported
    if (!shape.product) {
      add("metadata.product", Problem::missing, "missing required attribute");
    } else if (!shape.product->is_object()) {
      add("metadata.product", Problem::wrong_type,
          "expected object (product), got " + std::string(json_type_name(*shape.product)));
    }
    if (!shape.version) {
      if (!completion.metadata_version) add("metadata.version", Problem::missing, "missing required attribute");
    } else if (!shape.version->is_string()) {
      add("metadata.version", Problem::wrong_type,
          "expected string (string_t), got " + std::string(json_type_name(*shape.version)));
    }
  }

  void check_consistency(const ClassInfo* cls, const BaseFields& f) {
    const auto class_uid = f.class_uid;
    const auto category_uid = f.category_uid;
    const auto activity_id = f.activity_id;
    const auto type_uid = f.type_uid;
    if (cls && category_uid && *category_uid != cls->category_uid) {
      const CategoryInfo* cat = category_info(cls->category_uid);
      add("category_uid", Problem::inconsistent,
          std::to_string(*category_uid) + " does not match class " + describe(*cls) + ", which is in category " +
              std::to_string(cls->category_uid) + (cat ? " (" + std::string(cat->caption) + ")" : ""));
    }
    if (class_uid && activity_id && type_uid) {
      std::int64_t expected = 0;
      if (__builtin_mul_overflow(*class_uid, std::int64_t{100}, &expected) ||
          __builtin_add_overflow(expected, *activity_id, &expected)) {
        add("type_uid", Problem::inconsistent, "class_uid*100 + activity_id overflows");
      } else if (expected != *type_uid) {
        add("type_uid", Problem::inconsistent,
            "expected " + std::to_string(expected) + " (class_uid*100 + activity_id), got " + std::to_string(*type_uid));
      }
    }
  }

 private:
  std::vector<Violation>& out_;
};

}  // namespace

std::vector<Violation> validate(const Event& event) {
  if (!event.ok()) {
    return {Violation{"", Problem::parse_error, "invalid JSON: " + std::string(simdjson::error_message(event.error()))}};
  }
  return validate(*event.root(), Completion{});
}

std::vector<Violation> validate(dom::element root, const Completion& completion, const Shape* given) {
  std::vector<Violation> out;
  Checker check(out);
  if (!root.is_object()) {
    check.add("", Problem::not_an_object, "an OCSF event must be a JSON object, got " + std::string(json_type_name(root)));
    return out;
  }
  const dom::object obj(root);
  const Shape own = given ? Shape{} : shape_of(root);
  const Shape& shape = given ? *given : own;

  const auto class_uid = shape.class_uid;
  const ClassInfo* cls = class_uid ? class_info(*class_uid) : nullptr;
  if (class_uid && !cls) {
    check.add("class_uid", Problem::unknown_class,
              "unknown class " + std::to_string(*class_uid) + " (not in OCSF " + std::string(schema_version()) +
                  " subset)");
  }
  // Without a known class, check what every class shares (base_event); its class-specific enums
  // (activity_id, status_id...) could be overridden by the real class, so only severity_id is checked.
  const ClassInfo& schema = cls ? *cls : *class_info(0);

  std::bitset<1024> seen;
  BaseFields base;
  base.class_uid = class_uid;
  for (const auto field : obj) {
    base.capture(field.key, field.value);
    const AttributeInfo* attr = schema.attribute(field.key);
    if (!attr) continue;  // attributes the class does not declare (extensions) are not our business
    const auto index = static_cast<std::size_t>(attr - schema.attributes.data());
    if (index < seen.size()) seen.set(index);
    if (!check.check_type(field.key, *attr, field.value) || attr->enum_values.empty() || attr->is_array) continue;
    const auto value = as_int(field.value);
    if (value && (cls || attr->name == "severity_id")) check.check_enum(cls, *attr, *value);
  }
  for (const std::uint16_t i : schema.required) {
    const AttributeInfo& attr = schema.attributes[i];
    if (i < seen.size() && !seen.test(i) && (attr.profile.empty() || profile_applied(shape, attr.profile)) &&
        !completion.adds(attr.name)) {
      check.add(std::string(attr.name), Problem::missing, "missing required attribute");
    }
  }
  check.check_metadata(shape, completion);
  check.check_consistency(cls, base);
  return out;
}

}  // namespace siemhub::ocsf
