#include "builtin/stdout_sink.hpp"

#include <cstdio>

namespace siemhub::builtin {

void StdoutSink::write(sdk::SinkOp& op, const sdk::Batch& batch) {
  std::string out;
  for (size_t i = 0; i < batch.size(); ++i) {
    const auto data = batch[i].data;
    if (pretty_) {
      const auto j = nlohmann::json::parse(data, nullptr, false);
      out += j.is_discarded() ? std::string(data) : j.dump(2);
    } else {
      out.append(data);
    }
    out += '\n';
  }
  if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0)
    throw sdk::Error(sdk::Category::transient, "cannot write to standard output");
  op.deliver(0, static_cast<uint32_t>(batch.size()));
}

}  // namespace siemhub::builtin
