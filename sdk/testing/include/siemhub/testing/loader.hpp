// siemhub SDK test kit — load a plugin (a .so file or an in-process descriptor) and drive its
// lifecycle through a FakeHost:
//
//   siemhub::testing::FakeHost host;
//   std::string err;
//   auto plugin = siemhub::testing::Plugin::load("build/my_plugin.so", &err);  // note, dlopen
//   REQUIRE(plugin);
//   REQUIRE(plugin->init(host).ok());
//   siemhub::testing::CallResult cr;
//   auto inst = siemhub::testing::Instance::create(*plugin, host, R"({"url":"https://x"})", &cr);
//   REQUIRE(inst);
//   REQUIRE(inst->start().ok());
//   auto& op = inst->poll();            // a FakeOp: events, cursor, status...
//   inst->wait(op);                     // advances the fake clock until a deferred op completes
//   REQUIRE(op.succeeded());
//   inst->stop();                       // stop, cancel outstanding HTTP, deliver, cancel timers
//
// Every call into the plugin runs inside try/catch: an exception that crosses the C boundary
// (a plugin bug: the C++ layer never lets one out) is recorded as `threw`, not propagated.
#ifndef SIEMHUB_TESTING_LOADER_HPP
#define SIEMHUB_TESTING_LOADER_HPP

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "siemhub/elf_note.hpp"
#include "siemhub/plugin.h"
#include "siemhub/testing/fake_host.hpp"

namespace siemhub::testing {

/// Outcome of a synchronous plugin call.
struct CallResult {
  siemhub_rc rc = SIEMHUB_RC_ERROR;
  siemhub_status status{};
  bool threw = false;  ///< an exception crossed the ABI boundary
  std::string exception;
  bool ok() const { return !threw && rc == SIEMHUB_RC_OK; }
  /// rc ERROR with a category and a message: a clean failure.
  bool clean_error() const {
    return !threw && rc != SIEMHUB_RC_OK && status.category != SIEMHUB_CAT_NONE && status.message[0] != '\0';
  }
  std::string describe() const;  ///< "OK" / "ERROR CONFIG: message" / "threw: ..."
};

/// A plugin library (or an in-process descriptor). Never dlclosed (like the host).
class Plugin {
 public:
  /// Reads the ELF note first (refusing a file without one or of another ABI major), then
  /// dlopen(RTLD_NOW | RTLD_LOCAL) and calls the entry point. nullptr + `error` on failure.
  static std::unique_ptr<Plugin> load(const std::string& path, std::string* error);
  /// Wraps a descriptor already in this process (e.g. Adapter<MyClass>::descriptor()).
  static std::unique_ptr<Plugin> wrap(const siemhub_plugin_descriptor* descriptor, std::string name = "in-process");
  /// Wraps an entry function already in this process.
  static std::unique_ptr<Plugin> wrap_entry(siemhub_plugin_entry_fn entry, std::string name = "in-process",
                                            std::string* error = nullptr);

  ~Plugin();  ///< calls shutdown when init succeeded and shutdown was not called
  Plugin(const Plugin&) = delete;
  Plugin& operator=(const Plugin&) = delete;

  const siemhub_plugin_descriptor* descriptor() const { return desc_; }
  const std::optional<sdk::PluginNote>& note() const { return note_; }
  const std::string& path() const { return path_; }  ///< empty for in-process plugins
  const std::string& name() const { return name_; }

  /// Calls the descriptor's init with the FakeHost's table.
  CallResult init(FakeHost& host);
  /// Calls shutdown once (when init succeeded and shutdown is not NULL).
  void shutdown();
  bool initialised() const { return initialised_; }

 private:
  Plugin() = default;
  const siemhub_plugin_descriptor* desc_ = nullptr;
  std::optional<sdk::PluginNote> note_;
  std::string path_;
  std::string name_;
  void* handle_ = nullptr;
  bool initialised_ = false;
  bool shut_down_ = false;
};

/// Inputs of an action call.
struct ActionCall {
  std::string action;
  std::string params = "{}";
  std::string idempotency_key = "test-idempotency-key";
  std::optional<std::string> prior;
  bool simulate = false;
  int64_t deadline_ms = 0;  ///< 0 = now + 30 s
};

/// One plugin instance on a FakeHost context. The destructor stops (if started) and destroys.
class Instance {
 public:
  /// create_instance with `config_json` on the context named `name` (default: a unique one).
  /// nullptr when it failed: `result` (if given) says how.
  static std::unique_ptr<Instance> create(Plugin& plugin, FakeHost& host, std::string_view config_json,
                                          CallResult* result = nullptr, std::string name = {});
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  void* handle() const { return inst_; }
  siemhub_host_ctx* ctx() const { return ctx_; }
  FakeHost& host() const { return host_; }

  CallResult start();
  /// stop(deadline) (0 = now + 5 s); then, as the host does: cancels the instance's outstanding
  /// HTTP requests and delivers their completions, and cancels its timers.
  CallResult stop(int64_t deadline_ms = 0);
  /// destroy_instance (once).
  void destroy();

  /// poll with no cursor (nullopt) or the given one.
  FakeOp& poll(std::optional<std::string> cursor = std::nullopt, uint32_t max_events = 1000, int64_t deadline_ms = 0);
  /// write a batch (ids optional, parallel to events).
  FakeOp& write(const std::vector<std::string>& events, const std::vector<std::string>& ids = {});
  /// lookup of (type, value) keys.
  FakeOp& lookup(const std::vector<std::pair<std::string, std::string>>& keys, int64_t deadline_ms = 0);
  FakeOp& execute(const ActionCall& call);
  FakeOp& status(const ActionCall& call);
  void pause();
  void resume();
  /// health(), or nullopt when the plugin has none. `threw` (optional) is set when it threw.
  std::optional<siemhub_health> health(bool* threw = nullptr);

  /// Delivers pending work and advances the fake clock in `step_ms` steps until `op` is done or
  /// `max_ms` of fake time passed. True when the op is done.
  bool wait(FakeOp& op, int64_t max_ms = 30000, int64_t step_ms = 10);

 private:
  Instance(Plugin& p, FakeHost& h) : plugin_(p), host_(h) {}
  template <class F>
  FakeOp& run_op(OpKind kind, uint32_t items, F&& call);

  Plugin& plugin_;
  FakeHost& host_;
  siemhub_host_ctx* ctx_ = nullptr;
  void* inst_ = nullptr;
  bool started_ = false;
  bool stopped_ = false;
  bool destroyed_ = false;
};

}  // namespace siemhub::testing

#endif  // SIEMHUB_TESTING_LOADER_HPP
