// Normalize-stage helpers: fill the base attributes that can be derived when a mapper left them out.
//   category_uid  <- the class's category (known class_uid only)
//   type_uid      <- class_uid * 100 + activity_id (both integers)
//   severity_id   <- 0 ("Unknown" in the 1.8.0 severity_id enum)
//   metadata.version <- schema_version() ("1.8.0"); metadata is created if absent
// Present values are never overwritten (validate() reports wrong ones); time, activity_id and
// class_uid are never invented.
#pragma once

#include "ocsf/event.hpp"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace siemhub::ocsf {

/// What completion adds to one event (computed from its parsed form).
struct Completion {
  std::optional<std::int64_t> category_uid;
  std::optional<std::int64_t> type_uid;
  bool severity_id = false;
  bool metadata = false;          ///< no metadata at all: add {"version": ...}
  bool metadata_version = false;  ///< metadata object without version

  bool any() const { return category_uid || type_uid || severity_id || metadata || metadata_version; }
  /// True when completion adds the top-level attribute `name`.
  bool adds(std::string_view name) const;
};

/// The base attributes an event's checks need, found in one pass over its top level and its
/// metadata (the first of a repeated key counts, as with simdjson's at_key).
struct Shape {
  bool object = false;
  std::optional<std::int64_t> class_uid, activity_id;  ///< integer values only
  bool integer_class = false;  ///< class_uid is an integer (also one beyond int64)
  bool has_category = false, has_type = false, has_severity = false;
  std::optional<simdjson::dom::element> metadata;
  // Members of metadata, when it is an object.
  std::optional<simdjson::dom::element> product, version, labels, uid, profiles;
};
Shape shape_of(simdjson::dom::element root);

/// What complete() would add (nothing for a non-object).
Completion plan_completion(const Shape& shape);
Completion plan_completion(simdjson::dom::element root);

/// Returns true when something was added. Non-objects are left alone.
bool complete(nlohmann::json& event);

/// The same on a parsed Event: the additions are spliced into the text (top-level ones before the
/// closing brace; metadata.version by writing the event out again) and the event is re-parsed.
/// Unparsed or non-object events are left alone.
bool complete(Event& event, Parser& parser = thread_parser());

/// The text of `root` completed: `text` (root's own JSON) with the top-level additions spliced in
/// before its closing brace, or — when metadata.version or `labels` must go inside metadata —
/// root written out compactly (write_json) with them added. `labels` are appended to
/// metadata.labels (created when missing) unless already there. Appends to `out`; false (and
/// nothing appended) when root is not an object, or labels are asked for and metadata is not an
/// object or metadata.labels not an array.
bool write_completed(simdjson::dom::element root, std::string_view text, const Completion& completion,
                     std::span<const std::string_view> labels, std::string& out, const Shape* shape = nullptr);

/// Compact JSON of `e` (object members in their order, strings re-escaped, numbers in shortest
/// round-trip form; a double stays a double: 2.0 is written "2.0"). Appends to `out`.
void write_json(simdjson::dom::element e, std::string& out);
/// A JSON string literal of `s` (valid UTF-8). Appends to `out`.
void write_json_string(std::string_view s, std::string& out);

}  // namespace siemhub::ocsf
