#include "builtin/builtin.hpp"

#include "builtin/file_connector.hpp"
#include "builtin/generator.hpp"
#include "builtin/http_sink.hpp"
#include "builtin/stdout_sink.hpp"

namespace siemhub::builtin {

std::vector<const siemhub_plugin_descriptor*> descriptors() {
  return {sdk::descriptor_of<Generator>(), sdk::descriptor_of<FileConnector>(), sdk::descriptor_of<StdoutSink>(),
          sdk::descriptor_of<HttpSink>()};
}

}  // namespace siemhub::builtin
