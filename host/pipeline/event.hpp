// One normalized event as the pipeline carries it (JSON text and its deterministic id), and one a
// source handed over that normalize refused.
#pragma once

#include "ocsf/normalize.hpp"

namespace siemhub::pipeline {

using Event = ocsf::NormalizedEvent;
/// An event normalize refused: why, and the text the source handed over.
using Refusal = ocsf::Refusal;

}  // namespace siemhub::pipeline
