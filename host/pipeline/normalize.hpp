// The normalize stage: every event leaves it as a valid OCSF 1.8.0 event with its derivable base
// attributes filled (type_uid, category_uid, metadata.version) and a deterministic id.
#pragma once

#include "pipeline/pipeline.hpp"

namespace siemhub::pipeline {

/// The hub's normalizer (OCSF completion + validation).
Normalizer make_normalizer();

/// Deterministic event id: metadata.uid when present, else core::text_hash() of the text (16 hex
/// digits), so a replay produces the same ids.
std::string event_id(std::string_view json, std::string_view metadata_uid);

}  // namespace siemhub::pipeline
