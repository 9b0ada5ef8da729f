// Must NOT compile: `write` has the right name and the wrong signature (no Batch). The
// SIEMHUB_PLUGIN registration must stop with a static_assert that states the expected
// signature. Only the compile-failure test in this folder's CMakeLists.txt uses this file.
#include "siemhub/plugin.hpp"

class WrongWrite {
 public:
  static constexpr char id[] = "test.wrong-write";
  static constexpr char version[] = "1.0.0";
  WrongWrite(siemhub::sdk::Host, const nlohmann::json&) {}
  void write(siemhub::sdk::SinkOp& op) { op.deliver(0); }
};

SIEMHUB_PLUGIN(WrongWrite)
