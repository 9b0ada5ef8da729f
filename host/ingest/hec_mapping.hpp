// Mapping of received events to the journal's event text (docs/ingest.md "Mapping"):
//  - a HEC `event` that is a JSON object with an integer `class_uid` is OCSF: passed through
//    unchanged except that metadata.labels gets "receiver:hec" and "token:<name>" appended
//    (metadata created when missing; labels already present are not repeated);
//  - anything else is wrapped as an OCSF Base Event (class_uid 0) carrying the original envelope in
//    `raw_data` and the HEC metadata in `unmapped.hec`.
// An OCSF-looking event whose `metadata` is not an object, or whose `metadata.labels` is not an
// array, cannot be labelled without changing it, so it is wrapped as a Base Event instead.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <functional>
#include <vector>

#include "ingest/hec_protocol.hpp"
#include "ocsf/normalize.hpp"

namespace siemhub::ingest {

/// A HEC event with the token's (and query's) defaults applied; empty strings mean "unknown".
struct HecEvent {
  nlohmann::json event;
  std::optional<double> time;  ///< epoch seconds
  std::string host, source, sourcetype, index;
  nlohmann::json fields;  ///< object or null
  std::string_view raw;   ///< the envelope as received (the line, for /raw)
};

/// The journal text (one JSON object) for `e`, received with token `token_name`. `now_ms` is used
/// when the envelope has no time.
std::string map_hec_event(const HecEvent& e, std::string_view token_name, int64_t now_ms);

/// HEC metadata defaults (query parameter, else the token's); empty strings mean "unknown".
struct HecMeta {
  std::string host, source, sourcetype, index;
};

/// An envelope with `defaults` for the metadata it does not carry (or carries empty).
HecEvent hec_event_of(hec::Envelope env, const HecMeta& defaults);

/// What a HEC /event body becomes, as Splunk answers it: the envelopes before the first bad or
/// refused one, normalized for the journal; nothing from that one on.
struct MappedBody {
  std::vector<ocsf::NormalizedEvent> events;
  /// Set when normalize refused envelope `error_index` (then error_code is kInvalidDataFormat):
  /// why, and the envelope as received.
  std::optional<ocsf::Refusal> refused;
  int error_code = hec::kSuccess;  ///< the first bad envelope's code (kIncorrectIndex included)
  size_t error_index = 0;          ///< == events.size() when error_code is set
  std::string detail;              ///< for logs
};

/// Parses a HEC /event body, applies `defaults` where an envelope has no metadata, checks each
/// envelope's index with `index_allowed` (code 7 stops there, like a bad envelope), maps every
/// envelope (map_hec_event's mapping) and normalizes it (OCSF completion and validation, id),
/// stopping at the first envelope normalize refuses as at a bad one. One
/// simdjson pass over the body; bodies it cannot judge exactly take the nlohmann path
/// (parse_events + map_hec_event + ocsf::normalize), with the same result. `body` must be
/// followed by simdjson::SIMDJSON_PADDING readable bytes.
MappedBody map_hec_body(std::string_view body, std::string_view token_name, const HecMeta& defaults,
                        const std::function<bool(std::string_view index)>& index_allowed, int64_t now_ms);

/// What a HEC /raw body's lines (split_lines) become: each wrapped with `meta` (map_hec_event,
/// `raw` set per line) and normalized, stopping at the first line normalize refuses as
/// map_hec_body does.
MappedBody map_hec_lines(const std::vector<std::string_view>& lines, HecEvent meta, std::string_view token_name,
                         int64_t now_ms);

/// What a /v1/events NDJSON body becomes: one event per non-blank line, normalized, with
/// "receiver:events" and "token:<name>" in metadata.labels (an object whose metadata cannot take
/// them passes without). Lines before the first bad one (not JSON, not an object, too deep) are
/// read; each is either an event or refused by normalize.
struct MappedLines {
  struct Refused {
    size_t index = 0;  ///< 0-based among the body's objects
    size_t line = 0;   ///< 1-based physical line
    ocsf::Refusal refusal;  ///< why, and the line as received
  };
  std::vector<ocsf::NormalizedEvent> events;
  std::vector<Refused> refused;
  size_t objects = 0;                 ///< objects read (events + refused)
  size_t error_line = 0;              ///< 1-based physical line of the bad line; 0: none
  std::string error;                  ///< "line N: …"
};
/// Each line is parsed with simdjson (and normalized from that parse); a line simdjson rejects is
/// judged by nlohmann, as parse_ndjson_objects does. `body` must be followed by
/// simdjson::SIMDJSON_PADDING readable bytes.
MappedLines map_ndjson_body(std::string_view body, std::string_view token_name);

/// Appends "receiver:<receiver>" and "token:<token_name>" to object.metadata.labels (creating
/// metadata/labels when missing). False, leaving `object` unchanged, when metadata is not an object
/// or labels is not an array.
bool add_receiver_labels(nlohmann::json& object, std::string_view receiver, std::string_view token_name);

/// True when `event` is a JSON object with an integer `class_uid`.
bool looks_like_ocsf(const nlohmann::json& event);

}  // namespace siemhub::ingest
