// Finds, checks and loads plugin libraries. Every refusal is one line naming the file and the
// reason; nothing of a library runs before its ELF note, its file permissions and its place on
// disk have been checked.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/dll/shared_library.hpp>

#include "siemhub/elf_note.hpp"
#include "siemhub/plugin.h"

namespace siemhub::plugins {

inline constexpr uint16_t kHostAbiMajor = SIEMHUB_ABI_MAJOR;
inline constexpr uint16_t kHostAbiMinor = SIEMHUB_ABI_MINOR;

/// One plugin library (or a built-in descriptor linked into the host). Instances hold a
/// shared_ptr to it, so the library stays loaded while anything of it is alive; shutdown runs
/// when the last reference goes.
class PluginModule {
 public:
  ~PluginModule();
  PluginModule(const PluginModule&) = delete;
  PluginModule& operator=(const PluginModule&) = delete;

  const std::string& id() const { return id_; }
  const std::string& version() const { return version_; }
  const std::filesystem::path& path() const { return path_; }  ///< empty for built-ins
  bool builtin() const { return builtin_; }
  const siemhub_plugin_descriptor& descriptor() const { return *desc_; }
  uint16_t abi_major() const { return desc_->abi_major; }
  uint16_t abi_minor() const { return desc_->abi_minor; }

  /// Calls the plugin's init once with the host services; false (and `error`) when it fails
  /// or throws.
  bool init(const siemhub_host_api* host, std::string& error);
  bool initialized() const { return initialized_; }

 private:
  friend class Loader;
  PluginModule() = default;

  std::filesystem::path path_;
  std::string id_;
  std::string version_;
  bool builtin_ = false;
  const siemhub_plugin_descriptor* desc_ = nullptr;
  boost::dll::shared_library lib_;
  bool initialized_ = false;
};

/// What happened to one file.
struct Candidate {
  std::filesystem::path path;
  std::shared_ptr<PluginModule> module;  ///< set when accepted
  std::string error;                     ///< "refused <path>: <reason>" when refused
  std::string id;                        ///< the plugin id from its ELF note, when it has a readable one
  bool accepted() const { return module != nullptr; }
};

struct LoaderOptions {
  std::vector<std::filesystem::path> dirs;  ///< configured plugin directories
};

/// Checks a descriptor against the v1 contract (and the note, when given). Empty = valid.
std::string validate_descriptor(const siemhub_plugin_descriptor* d, const sdk::PluginNote* note);

/// Human names of capability bits, e.g. "source-pull, sink".
std::string capability_names(uint64_t caps);
/// "host", "user", "ip", "account", "url", "none" for SIEMHUB_TARGET_*; nullptr for any other value.
const char* target_kind_name(uint32_t kind);

class Loader {
 public:
  explicit Loader(LoaderOptions options);

  /// Loads one file after every check, including that it lies inside a configured directory.
  Candidate load(const std::filesystem::path& path);
  /// Same checks except the directory one: for `plugins inspect PATH` on an explicit file.
  Candidate load_explicit(const std::filesystem::path& path);
  /// Every `*.so` in the configured directories (sorted), each loaded or refused.
  std::vector<Candidate> scan();
  /// Registers a descriptor linked into the host (built-in connectors), with the same checks.
  Candidate add_builtin(const siemhub_plugin_descriptor* d);

  std::shared_ptr<PluginModule> find(const std::string& id) const;
  std::vector<std::shared_ptr<PluginModule>> modules() const;
  const LoaderOptions& options() const { return options_; }

 private:
  Candidate load_impl(const std::filesystem::path& path, bool require_in_dirs);
  std::optional<std::string> outside_dirs(const std::filesystem::path& canonical) const;

  LoaderOptions options_;
  std::map<std::string, std::shared_ptr<PluginModule>> by_id_;
};

}  // namespace siemhub::plugins
