// The normalize stage: every event leaves it as a valid OCSF 1.8.0 event with its derivable base
// attributes filled (type_uid, category_uid, metadata.version) and a deterministic id
// (ocsf/normalize.hpp).
#pragma once

#include "pipeline/pipeline.hpp"

namespace siemhub::pipeline {

/// The hub's normalizer (OCSF completion + validation).
Normalizer make_normalizer();

}  // namespace siemhub::pipeline
