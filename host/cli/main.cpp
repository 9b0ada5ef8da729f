// siemhub: the hub's executable. Everything lives in the libraries; this only hands over.
#include "cli/cli.hpp"
#include "core/memory.hpp"

int main(int argc, char** argv) {
  siemhub::core::keep_freed_memory();
  return siemhub::cli::main(argc, argv);
}
