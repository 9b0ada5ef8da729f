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

namespace siemhub::ocsf {

/// Returns true when something was added. Non-objects are left alone.
bool complete(nlohmann::json& event);

/// The same on a parsed Event. When only top-level attributes are missing (the usual case) the
/// additions are spliced into the text before the closing brace and the event is re-parsed: about
/// one simdjson parse, no nlohmann round trip. metadata present without version takes the nlohmann
/// path. Unparsed or non-object events are left alone.
bool complete(Event& event, Parser& parser = thread_parser());

}  // namespace siemhub::ocsf
