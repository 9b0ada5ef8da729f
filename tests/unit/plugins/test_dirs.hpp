// Temp directories and the built test plugins, for loader and host tests.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

#include "fakes/temp_dir.hpp"

namespace siemhub::testing {

/// Where tests/plugins put the test plugin libraries.
inline std::filesystem::path test_plugin_dir() {
  const char* b = std::getenv("SIEMHUB_TEST_BINARY_DIR");
  return std::filesystem::path(b ? b : ".") / "test-plugins";
}

/// Copies test plugin `name` (without .so) into `dir`, returning the new path.
inline std::filesystem::path install_test_plugin(const std::filesystem::path& dir, const std::string& name) {
  const auto dst = dir / (name + ".so");
  std::filesystem::copy_file(test_plugin_dir() / (name + ".so"), dst,
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::permissions(dst, std::filesystem::perms(0755));
  return dst;
}

}  // namespace siemhub::testing
