// siemhub SDK test kit — the conformance checks (what `siemhub-conformance` runs), callable
// from any test:
//
//   auto report = siemhub::testing::check_file("build/my_plugin.so", {.config_json = cfg});
//   for (const auto& c : report.checks) INFO(c.name << ": " << c.reason);
//   REQUIRE(report.passed());
//
// or, for a descriptor in the test's own process (no ELF note / export checks):
//
//   auto plugin = siemhub::testing::Plugin::wrap(my_descriptor);
//   auto report = siemhub::testing::check_plugin(*plugin, {});
//
// Checks (one Check each, named "<group>.<what>"):
//   elf.*         the ELF note exists and matches the descriptor; only the entry is exported
//   descriptor.*  struct sizes, id syntax, version, capabilities <-> vtables, lifecycle functions
//   schema.*      config_schema is a JSON object schema; ocsf_classes is an array of integers
//   actions.*     the action manifest (struct_size, names, params schemas, inverses)
//   lifecycle.*   init, create/start/one call per capability/stop/destroy (twice), two instances
//                 at once, invalid configs refused with an error status
//   ops.*         deferred ops complete exactly once; no exception crosses the boundary
//   script.*      with `http_script` (a pull source): its success path on scripted HTTP
//                 (http_script.hpp): polls, passing each cursor back, until the script is
//                 consumed; every exchange requested as scripted, events emitted, the cursor
//                 moving, and the rest resumed by a new instance from the stored cursor
#ifndef SIEMHUB_TESTING_CONFORMANCE_HPP
#define SIEMHUB_TESTING_CONFORMANCE_HPP

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "siemhub/plugin.h"
#include "siemhub/testing/http_script.hpp"
#include "siemhub/testing/loader.hpp"

namespace siemhub::testing {

struct Check {
  std::string name;
  bool pass = false;
  std::string reason;
};

struct ConformanceOptions {
  /// The configuration passed to create_instance (a valid one for the plugin).
  std::string config_json = "{}";
  /// Fake time to wait for a deferred op before cancelling it.
  int64_t op_timeout_ms = 30000;
  /// Skip the lifecycle (static checks only).
  bool static_only = false;
  /// Called after each check (e.g. to print it at once).
  std::function<void(const Check&)> on_check;
  /// Called before each phase that runs plugin code (e.g. to name a crash).
  std::function<void(std::string_view phase)> on_phase;
  /// Optional JSON Schema support (the kit has no validator of its own):
  /// compile `schema` as draft-07; return an error message when it is not a valid schema.
  std::function<std::optional<std::string>(const nlohmann::json& schema)> compile_schema;
  /// validate `value` against `schema`; return the first error, or nullopt when valid.
  std::function<std::optional<std::string>(const nlohmann::json& schema, const nlohmann::json& value)> validate;
  /// Scripted HTTP for a pull source's success path (the script.* checks); unset = none.
  std::optional<HttpScript> http_script;
  /// Fake time between two polls of the scripted run when the plugin asked for no wait.
  int64_t poll_interval_ms = 1000;
  /// Receives the FakeHost after the run (e.g. to print the plugin's logs with --verbose).
  std::function<void(const FakeHost&)> on_done;
};

struct ConformanceReport {
  std::vector<Check> checks;
  bool passed() const;
  size_t failures() const;
  /// The check with this name (first one), or nullptr.
  const Check* find(std::string_view name) const;
};

/// All checks on a plugin file: ELF note and exports, then loading and everything below.
ConformanceReport check_file(const std::string& path, const ConformanceOptions& options = {});
/// Descriptor, schema, manifest and lifecycle checks on a loaded or wrapped plugin (plus the
/// note comparison when it was loaded from a file).
ConformanceReport check_plugin(Plugin& plugin, const ConformanceOptions& options = {});
/// The script.* checks alone (see the top), on a fresh FakeHost: init, then one instance polled
/// until `script` is consumed or `script.expect.max_polls` polls were made; the instance is
/// destroyed after its first poll that set a cursor and a new one resumes from that cursor.
ConformanceReport check_script(Plugin& plugin, const HttpScript& script, const ConformanceOptions& options = {});
/// Static checks only (descriptor, schema, manifest); no plugin code runs.
ConformanceReport check_descriptor(const siemhub_plugin_descriptor* descriptor, const ConformanceOptions& options = {});

/// Defined symbols in the dynamic symbol table of an ELF shared object (global or weak,
/// default or protected visibility). nullopt + `error` when the file cannot be read.
std::optional<std::vector<std::string>> exported_symbols(const std::string& path, std::string* error = nullptr);

/// Whether `id` matches [a-z0-9][a-z0-9._-]* (and fits the ELF note).
bool valid_plugin_id(std::string_view id);

}  // namespace siemhub::testing

#endif  // SIEMHUB_TESTING_CONFORMANCE_HPP
