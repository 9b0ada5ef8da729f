#include "ocsf/validate.hpp"

#include "ocsf/complete.hpp"
#include "ocsf/schema.hpp"

#include <algorithm>

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
    case Problem::constraint: return "constraint";
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

// Where a value sits, as a chain of frames on the stack: the path is spelled out only for a
// violation, so walking a valid event builds no strings.
struct Where {
  const Where* parent;
  std::string_view key;
  std::optional<std::size_t> index;

  void append_to(std::string& out) const {
    if (parent) parent->append_to(out);
    if (!out.empty()) out += '.';
    out += key;
    if (index) out += "[" + std::to_string(*index) + "]";
  }
};

std::string path_of(const Where* at, std::string_view key, std::optional<std::size_t> index = std::nullopt) {
  std::string out;
  Where{at, key, index}.append_to(out);
  return out;
}

std::string path_of(const Where* at) {
  std::string out;
  if (at) at->append_to(out);
  return out;
}

std::string names(const AttributeTable& table, std::span<const std::uint16_t> members) {
  std::string out;
  for (const std::uint16_t i : members) {
    if (!out.empty()) out += ", ";
    out += table.attributes[i].name();
  }
  return out;
}

// Which attributes of one class or object were present (tables hold at most 255 attributes).
struct Seen {
  std::uint64_t words[4] = {};
  bool test(std::size_t i) const { return (words[i >> 6] >> (i & 63)) & 1u; }
  void set(std::size_t i) { words[i >> 6] |= std::uint64_t{1} << (i & 63); }
};

class Checker {
 public:
  Checker(std::vector<Violation>& out, const Shape& shape, const Completion& completion)
      : out_(out), shape_(shape), completion_(completion) {}

  void add(std::string path, Problem problem, std::string message) {
    out_.push_back(Violation{std::move(path), problem, std::move(message)});
  }

  // Whether a value of JSON type `type` is what `kind` asks for: the common case, decided inline
  // without building anything; a mismatch goes to type_violation() for its message.
  static bool accepts(JsonKind kind, dom::element_type type) {
    switch (kind) {
      case JsonKind::string: return type == dom::element_type::STRING;
      case JsonKind::integer: return type == dom::element_type::INT64;
      case JsonKind::number:
        return type == dom::element_type::INT64 || type == dom::element_type::DOUBLE || type == dom::element_type::UINT64;
      case JsonKind::boolean: return type == dom::element_type::BOOL;
      case JsonKind::object: return type == dom::element_type::OBJECT;
      case JsonKind::any: return true;
    }
    return false;
  }

  [[gnu::noinline]] void type_violation(const Where* at, std::string_view key, std::optional<std::size_t> index, const AttributeInfo& attr,
                      dom::element value) {
    if (attr.kind == JsonKind::integer && value.type() == dom::element_type::UINT64) {
      add(path_of(at, key, index), Problem::out_of_range,
          "integer does not fit in 64-bit signed (" + std::string(attr.type()) + ")");
      return;
    }
    add(path_of(at, key, index), Problem::wrong_type,
        std::string(index ? "expected array elements of type " : "expected ") + std::string(ocsf::to_string(attr.kind)) +
            " (" + std::string(attr.type()) + "), got " + std::string(json_type_name(value)));
  }

  // An object value: what is inside it, by the object's own table.
  void descend(const Where* at, std::string_view key, std::optional<std::size_t> index, const AttributeInfo& attr,
               dom::element value) {
    const ObjectInfo* object = attr.object();
    // `unmapped` and other attributes of the generic `object` type declare nothing to check:
    // their (vendor) members are not walked.
    if (object && !object->attributes.empty()) {
      const Where here{at, key, index};
      check_members(*object, dom::object(value), &here, nullptr, attr.name_size == 8 && !at && attr.name() == "metadata",
                    nullptr);
    }
  }

  // Type of an attribute's value (arrays element by element, first mismatch only), objects
  // descended into; true if it matches.
  [[gnu::noinline]] bool check_type(const Where* at, std::string_view key, const AttributeInfo& attr, dom::element value) {
    const auto type = value.type();
    if (!attr.is_array) {
      if (!accepts(attr.kind, type)) return type_violation(at, key, std::nullopt, attr, value), false;
      if (type == dom::element_type::OBJECT && attr.kind == JsonKind::object) descend(at, key, std::nullopt, attr, value);
      return true;
    }
    if (type != dom::element_type::ARRAY) {
      add(path_of(at, key), Problem::wrong_type,
          "expected array of " + std::string(ocsf::to_string(attr.kind)) + " (" + std::string(attr.type()) +
              "), got " + std::string(json_type_name(value)));
      return false;
    }
    std::size_t i = 0;
    for (dom::element item : dom::array(value)) {
      const auto item_type = item.type();
      if (!accepts(attr.kind, item_type)) return type_violation(at, key, i, attr, item), false;
      if (item_type == dom::element_type::OBJECT && attr.kind == JsonKind::object) descend(at, key, i, attr, item);
      ++i;
    }
    return true;
  }

  void check_enum(const Where* at, const ClassInfo* cls, const AttributeInfo& attr, std::int64_t value) {
    if (attr.find_enum(value)) [[likely]] return;
    enum_violation(at, cls, attr, value);
  }

  [[gnu::noinline]] void enum_violation(const Where* at, const ClassInfo* cls, const AttributeInfo& attr,
                                        std::int64_t value) {
    if (!at && attr.name() == "activity_id" && cls) {
      add("activity_id", Problem::not_in_enum,
          std::to_string(value) + " is not a valid activity for class " + describe(*cls) + "; valid: " +
              join(attr.enum_values()));
      return;
    }
    add(path_of(at, attr.name()), Problem::not_in_enum,
        std::to_string(value) + " is not in the " + std::string(attr.name()) + " enum (" + join(attr.enum_values()) +
            ")");
  }

  // The members of an object (or the event, `at` == nullptr) against its table: types, enums,
  // objects inside (one descent per value: each value is visited once), required attributes,
  // constraints. `base`: the event's top level, for the fields the cross-field checks need.
  void check_members(const AttributeTable& table, dom::object obj, const Where* at, const ClassInfo* cls,
                     bool is_metadata, BaseFields* base) {
    Seen seen;
    std::size_t required_seen = 0;
    for (const auto field : obj) {
      if (base) base->capture(field.key, field.value);
      const AttributeInfo* attr = table.attribute(field.key);
      if (!attr) continue;  // attributes the item does not declare (extensions) are not our business
      const auto index = static_cast<std::size_t>(attr - table.attributes.data());
      required_seen += !seen.test(index) && attr->requirement == Requirement::required;
      seen.set(index);
      const dom::element value = field.value;
      const auto type = value.type();
      // The common case inline: a scalar or object of the right type. Arrays and mismatches go
      // the long way (check_type).
      if (attr->is_array || !accepts(attr->kind, type)) [[unlikely]] {
        check_type(at, field.key, *attr, value);
        continue;
      }
      if (type == dom::element_type::OBJECT) {
        if (attr->object_index) descend(at, field.key, std::nullopt, *attr, value);
      } else if (type == dom::element_type::INT64 && attr->enum_count != 0) {
        // Without a known class only severity_id is checked at the top (the real class could
        // define other activity or status values); an object's enums are its own.
        if (at || cls || attr->name() == "severity_id") check_enum(at, cls, *attr, value.get_int64().value_unsafe());
      }
    }
    if (required_seen != table.required.size()) {
      for (const std::uint16_t i : table.required) {
        const AttributeInfo& attr = table.attributes[i];
        if (seen.test(i) || !profile_in_use(attr)) continue;
        if (!at && completion_.adds(attr.name())) continue;
        if (is_metadata && attr.name() == "version" && completion_.metadata_version) continue;
        add(path_of(at, attr.name()), Problem::missing, "missing required attribute");
      }
    }
    // A class's own constraints (Authentication: at least one of service, dst_endpoint) are in
    // the tables but not enforced yet: the minimal events the hub's tests, samples and connectors
    // send would all be refused. Objects' constraints are.
    if (at) check_constraints(table, seen, at);
  }

  void check_constraints(const AttributeTable& table, const Seen& seen, const Where* at) {
    if (!table.at_least_one.empty()) {
      const auto present = [&](std::uint16_t i) { return seen.test(i); };
      if (std::none_of(table.at_least_one.begin(), table.at_least_one.end(), present)) {
        add(path_of(at), Problem::constraint, "at least one of " + names(table, table.at_least_one) + " is required");
      }
    }
    if (!table.just_one.empty()) {
      std::vector<std::uint16_t> present;
      for (const std::uint16_t i : table.just_one) {
        if (seen.test(i)) present.push_back(i);
      }
      if (present.size() != 1) {
        add(path_of(at), Problem::constraint,
            "exactly one of " + names(table, table.just_one) + " is required, got " +
                (present.empty() ? std::string("none") : names(table, present)));
      }
    }
  }

  // complete() adds metadata with only its version: the product is still missing.
  void check_added_metadata() {
    if (!shape_.metadata && completion_.metadata) add("metadata.product", Problem::missing, "missing required attribute");
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
  // Profile attributes are required only when metadata.profiles lists the profile.
  bool profile_in_use(const AttributeInfo& attr) const {
    return attr.profile_index == 0 || profile_applied(shape_, attr.profile());
  }

  std::vector<Violation>& out_;
  const Shape& shape_;
  const Completion& completion_;
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
  if (!root.is_object()) {
    out.push_back(Violation{"", Problem::not_an_object, "an OCSF event must be a JSON object, got " + std::string(json_type_name(root))});
    return out;
  }
  const dom::object obj(root);
  const Shape own = given ? Shape{} : shape_of(root);
  const Shape& shape = given ? *given : own;
  Checker check(out, shape, completion);

  const auto class_uid = shape.class_uid;
  const ClassInfo* cls = class_uid ? class_info(*class_uid) : nullptr;
  if (class_uid && !cls) {
    check.add("class_uid", Problem::unknown_class,
              "unknown class " + std::to_string(*class_uid) + " (not in OCSF " + std::string(schema_version()) + ")");
  }
  // Without a known class, check what every class shares (base_event).
  const ClassInfo& schema = cls ? *cls : *class_info(0);
  BaseFields base;
  base.class_uid = class_uid;
  check.check_members(schema, obj, nullptr, cls, false, &base);
  check.check_added_metadata();
  check.check_consistency(cls, base);
  return out;
}

}  // namespace siemhub::ocsf
