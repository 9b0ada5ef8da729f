// A plugin directory for the real hub in tests and benchmarks: siemhub_splunk.so copied into
// ROOT/plugins with the modes the loader accepts (it refuses group/other-writable files and dirs).
#pragma once

#include <filesystem>

namespace splunk_test {

inline std::filesystem::path install_plugin(const std::filesystem::path& root) {
  namespace fs = std::filesystem;
  const fs::path dir = root / "plugins";
  fs::create_directories(dir);
  fs::copy_file(SPLUNK_PLUGIN_PATH, dir / "siemhub_splunk.so", fs::copy_options::overwrite_existing);
  const auto mode = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                    fs::perms::others_exec;
  fs::permissions(dir, mode);
  fs::permissions(dir / "siemhub_splunk.so", mode);
  return dir;
}

}  // namespace splunk_test
