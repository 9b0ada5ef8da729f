// One normalized event as the pipeline carries it: JSON text and its deterministic id.
#pragma once

#include "ocsf/normalize.hpp"

namespace siemhub::pipeline {

using Event = ocsf::NormalizedEvent;

}  // namespace siemhub::pipeline
