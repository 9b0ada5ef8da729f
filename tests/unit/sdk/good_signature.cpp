// The control for the compile-failure tests: the same class with the right signature compiles
// with the same command line. Only the test in this folder's CMakeLists.txt uses this file.
#include "siemhub/plugin.hpp"

class RightWrite {
 public:
  static constexpr char id[] = "test.right-write";
  static constexpr char version[] = "1.0.0";
  RightWrite(siemhub::sdk::Host, const nlohmann::json&) {}
  void write(siemhub::sdk::SinkOp& op, const siemhub::sdk::Batch& batch) {
    op.deliver(0, static_cast<uint32_t>(batch.size()));
  }
};

SIEMHUB_PLUGIN(RightWrite)
