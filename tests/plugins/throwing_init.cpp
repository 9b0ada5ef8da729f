// A C++ plugin whose init throws straight through the C boundary (no SDK wrapper to catch it):
// the host must catch it, refuse the plugin with the message, and go on.
#include <stdexcept>

#include "siemhub/plugin.h"

namespace {
siemhub_rc init(const siemhub_host_api*, siemhub_status*) { throw std::runtime_error("license server unreachable"); }
siemhub_rc create(siemhub_host_ctx*, const char*, size_t, void** out, siemhub_status*) {
  *out = nullptr;
  return SIEMHUB_RC_OK;
}
siemhub_rc start(void*, siemhub_status*) { return SIEMHUB_RC_OK; }
siemhub_rc stop(void*, int64_t, siemhub_status*) { return SIEMHUB_RC_OK; }
void destroy(void*) {}
siemhub_rc write(void*, siemhub_op*, const siemhub_batch*, siemhub_status*) { return SIEMHUB_RC_OK; }
const siemhub_sink_vtable sink{sizeof(siemhub_sink_vtable), 0, 0, &write};
const siemhub_plugin_descriptor descriptor = [] {
  siemhub_plugin_descriptor d{};
  d.struct_size = sizeof d;
  d.abi_major = SIEMHUB_ABI_MAJOR;
  d.abi_minor = SIEMHUB_ABI_MINOR;
  d.id = "test.throwing-init";
  d.version = "1.0.0";
  d.capabilities = SIEMHUB_CAP_SINK;
  d.config_schema = R"({"type":"object"})";
  d.init = &init;
  d.create_instance = &create;
  d.start = &start;
  d.stop = &stop;
  d.destroy_instance = &destroy;
  d.sink = &sink;
  return d;
}();
}  // namespace

SIEMHUB_PLUGIN_REGISTER_C("test.throwing-init", "1.0.0", descriptor)
