// The connectors linked into the hub: generator (synthetic security events), file (NDJSON
// source and sink), stdout (sink). Each is an SDK plugin; the host registers their descriptors.
#pragma once

#include <vector>

#include "siemhub/plugin.h"

namespace siemhub::builtin {

std::vector<const siemhub_plugin_descriptor*> descriptors();

}  // namespace siemhub::builtin
