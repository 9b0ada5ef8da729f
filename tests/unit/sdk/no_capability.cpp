// Must NOT compile: a plugin class without poll, write, lookup, execute or pause+resume. Only
// the compile-failure test in this folder's CMakeLists.txt uses this file.
#include "siemhub/plugin.hpp"

class NothingToDo {
 public:
  static constexpr char id[] = "test.nothing";
  static constexpr char version[] = "1.0.0";
  NothingToDo(siemhub::sdk::Host, const nlohmann::json&) {}
  void start() {}
};

SIEMHUB_PLUGIN(NothingToDo)
