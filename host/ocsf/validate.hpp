// Validation of one event against the generated OCSF tables, in one pass over it: the base
// attributes DESIGN §5 requires, class-required attributes, JSON types of every attribute the class
// declares, enums (activity_id per class, severity_id, status_id and every other *_id),
// class/category/type_uid consistency — and the same, by the object's own table, inside every object
// the event holds (metadata, actor.process.parent_process, resources[3]...): its required
// attributes, types, enums and `at_least_one` / `just_one` constraints. A class's own constraints
// are not enforced yet (see validate.cpp). Attributes a table does not declare are left alone.
// Never throws, whatever the input.
#pragma once

#include "ocsf/event.hpp"

#include <string>
#include <vector>

namespace siemhub::ocsf {

enum class Problem {
  parse_error,    // not JSON (syntax, truncation, invalid UTF-8, nesting over 1024, ...)
  not_an_object,  // the event is valid JSON but not an object
  missing,        // a required attribute is absent
  wrong_type,     // the JSON type does not match the OCSF type
  out_of_range,   // an integer does not fit in int64
  not_in_enum,    // an enum attribute holds a value the class does not define
  unknown_class,  // class_uid is not a class of the release
  inconsistent,   // category_uid or type_uid disagrees with class_uid / activity_id
  constraint,     // an at_least_one / just_one constraint of the class or object is not met
};

std::string_view to_string(Problem problem);

struct Violation {
  std::string path;  // "" for the whole document, else an attribute path ("metadata.version", "resources[2].uid")
  Problem problem;
  std::string message;

  /// "path: message" (or just the message for the whole document).
  std::string to_string() const;
  bool operator==(const Violation&) const = default;
};

/// Every violation found; empty means valid.
std::vector<Violation> validate(const Event& event);

struct Completion;
struct Shape;
/// The violations of `root` as it will be once `completion` (complete.hpp) is applied: what
/// completion adds is not reported missing (it is consistent by construction). `shape`: root's
/// shape_of(), when the caller has it already.
std::vector<Violation> validate(simdjson::dom::element root, const Completion& completion, const Shape* shape = nullptr);

}  // namespace siemhub::ocsf
