// The normalize stage's core: an event leaves it as valid OCSF 1.8.0 JSON text with its derivable
// base attributes filled (complete.hpp) and a deterministic id — or with the reason it is refused.
// One simdjson parse per event: validation looks at the parsed event as completion will leave it,
// so the completed text is never parsed again.
#pragma once

#include "ocsf/complete.hpp"
#include "ocsf/event.hpp"

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace siemhub::ocsf {

/// One normalized event: its JSON text and id.
struct NormalizedEvent {
  std::string json;
  std::string id;
};

/// An event normalize refused: why, and the text it arrived as (what the dead letters keep).
struct Refusal {
  std::string reason;
  std::string original;
  /// What kind of problem the first reason is (validate.hpp's Problem names: "missing",
  /// "not_in_enum", "parse_error"…), the `reason` label of siemhub_connector_events_invalid_total.
  std::string_view kind = "other";
};

/// A Refusal of `original` for `reason`, which the last normalize() call on this thread returned:
/// its kind is that call's first problem.
Refusal refused(std::string reason, std::string original);

/// Deterministic event id: metadata.uid when present, else core::text_hash() of the text (16 hex
/// digits), so a replay produces the same ids.
std::string event_id(std::string_view json, std::string_view metadata_uid);

/// Parses `raw` (on this thread's parser), completes and validates it. nullopt and `out` filled
/// when it is valid OCSF; else why not ("not valid JSON: …", or the first three violations), with
/// `raw` given back in out.json (for the dead letters, without a copy).
std::optional<std::string> normalize(std::string raw, NormalizedEvent& out);

/// The same for an event already parsed (a value inside a bigger document, e.g. a HEC envelope's
/// `event`): written out compactly (complete.hpp write_json) with the completion and `labels`
/// added to metadata.labels. The caller checks labellable() first when it passes labels.
std::optional<std::string> normalize(simdjson::dom::element root, std::span<const std::string_view> labels,
                                     NormalizedEvent& out, const Shape* shape = nullptr);

/// This thread's buffer for writing an event before it is copied out at its exact size (cleared).
std::string& scratch();

/// True when receiver labels can be added to the event `shape` describes without changing what
/// it says: an object whose metadata is absent or an object, and whose metadata.labels is absent
/// or an array.
bool labellable(const Shape& shape);

}  // namespace siemhub::ocsf
