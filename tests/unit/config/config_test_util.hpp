// Temp directories, file writing and error matching for the config tests.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace siemhub::testing {

/// A fresh directory removed at scope exit.
class ConfigDir {
 public:
  ConfigDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "siemhub-config-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~ConfigDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ConfigDir(const ConfigDir&) = delete;
  ConfigDir& operator=(const ConfigDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  /// Writes `text` to `name` (subdirectories created) and returns the full path.
  std::filesystem::path write(const std::string& name, const std::string& text) const {
    const auto p = path_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }

 private:
  std::filesystem::path path_;
};

/// All errors, one to_string() per line (for assertions and failure output).
inline std::string joined(const std::vector<config::ConfigError>& errors) {
  std::string out;
  for (const auto& e : errors) out += e.to_string() + "\n";
  return out;
}

/// The first error whose key_path is `key_path`; one saying "(no error at ...)" if there is none.
inline config::ConfigError error_at(const std::vector<config::ConfigError>& errors, const std::string& key_path) {
  for (const auto& e : errors)
    if (e.key_path == key_path) return e;
  return config::ConfigError{{}, key_path, "(no error at " + key_path + ")"};
}

}  // namespace siemhub::testing
