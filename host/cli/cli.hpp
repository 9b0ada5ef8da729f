// The command line: run, validate, plugins list|inspect, status, dlq, action, new-plugin, version. Exit codes (docs/cli.md):
//   0 success, 1 runtime failure, 2 usage or configuration error, 3 a plugin was refused.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace siemhub::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitPluginRefused = 3;
/// `run`: stopped and wrote its final checkpoint, but plugin code did not return by the stop
/// deadline; the process ended without waiting for it.
inline constexpr int kExitPluginStuck = 4;

int main(int argc, char** argv);

/// The directory bundled plugins are installed to, relative to the executable
/// (<prefix>/bin/siemhub -> <prefix>/lib/siemhub/plugins; same layout in the build tree).
std::filesystem::path bundled_plugin_dir();

/// Options shared by the plugin commands.
struct PluginCommandOptions {
  std::string config;                 // -c CONFIG (reads plugins.dirs)
  std::vector<std::string> dirs;      // --plugin-dir (repeatable)
  std::string inspect_path;           // plugins inspect PATH
  bool json = false;                  // --json
};

struct PluginCommands {
  CLI::App* list = nullptr;
  CLI::App* inspect = nullptr;
  std::shared_ptr<PluginCommandOptions> opts = std::make_shared<PluginCommandOptions>();
};
PluginCommands add_plugin_commands(CLI::App& app);

/// Options of `run` and `validate`.
struct RunOptions {
  std::string config;
  std::string conf_d;
  std::string data_dir;
  unsigned threads = 0;
  int summary_seconds = 5;
  int drain_ms = 5000;
  int run_seconds = 0;
};
struct RunCommands {
  CLI::App* run = nullptr;
  CLI::App* validate = nullptr;
  std::shared_ptr<RunOptions> opts = std::make_shared<RunOptions>();
};
void add_run_commands(CLI::App& app, RunCommands& cmds);
int run_run(const RunOptions& opts);
int run_validate(const RunOptions& opts);
int run_plugins_list(const std::shared_ptr<PluginCommandOptions>& opts);
int run_plugins_inspect(const std::shared_ptr<PluginCommandOptions>& opts);

/// Options of `status`, `dlq list|show|replay|purge` and `cursor show|reset` (cmd_admin.cpp): clients of a running hub.
struct AdminOptions {
  std::string data_dir;           // -d, --data-dir (default ./siemhub-data)
  std::string config;             // -c CONFIG (uses its data_dir)
  bool json = false;              // --json
  std::string sink;               // --sink
  uint64_t after = 0;             // dlq list --after
  uint32_t limit = 100;           // dlq list --limit
  uint64_t show_id = 0;           // dlq show ID
  std::vector<uint64_t> ids;      // --id (repeatable)
  bool all = false;               // --all
  std::string to;                 // dlq replay --to
  bool yes = false;               // dlq purge --yes, cursor reset --yes
  std::string connector;          // cursor show|reset CONNECTOR
  std::string cursor_to;          // cursor reset --to (default "": from the start)
};
struct AdminCommands {
  CLI::App* status = nullptr;
  CLI::App* dlq = nullptr;
  CLI::App* dlq_list = nullptr;
  CLI::App* dlq_show = nullptr;
  CLI::App* dlq_replay = nullptr;
  CLI::App* dlq_purge = nullptr;
  CLI::App* cursor = nullptr;
  CLI::App* cursor_show = nullptr;
  CLI::App* cursor_reset = nullptr;
  std::shared_ptr<AdminOptions> opts = std::make_shared<AdminOptions>();
};
void add_admin_commands(CLI::App& app, AdminCommands& cmds);
int run_status(const AdminOptions& opts);
int run_dlq(const AdminCommands& cmds);
int run_cursor(const AdminCommands& cmds);

/// Options of `action list|run|status` (cmd_action.cpp): calls of a running hub's connector actions.
struct ActionOptions {
  std::string data_dir;         // -d, --data-dir (default ./siemhub-data)
  std::string config;           // -c CONFIG (uses its data_dir)
  bool json = false;            // --json
  std::string connector;        // CONNECTOR
  std::string action;           // ACTION
  std::string params;           // --params JSON
  std::string params_file;      // --params-file FILE
  std::string idempotency_key;  // --idempotency-key K
  std::string prior;            // --prior JSON
  bool simulate = false;        // --simulate
  bool yes = false;             // run --yes: confirms a destructive action
};
struct ActionCommands {
  CLI::App* action = nullptr;
  CLI::App* list = nullptr;
  CLI::App* run = nullptr;
  CLI::App* status = nullptr;
  std::shared_ptr<ActionOptions> opts = std::make_shared<ActionOptions>();
};
void add_action_commands(CLI::App& app, ActionCommands& cmds);
int run_action(const ActionCommands& cmds);

/// Options of `test-rule`, `rules list` and `replay` (cmd_rules.cpp): the Lua correlation rules offline.
struct RulesOptions {
  std::vector<std::string> files;  // test-rule RULES.lua... EVENTS.ndjson; rules list RULES.lua...
  std::vector<std::string> dirs;   // rules list --dir
  std::string config;              // -c CONFIG
  std::string conf_d;              // replay --conf-d
  bool explain = false;            // test-rule --explain
  bool json = false;               // --json
  std::string replay_file;         // replay FILE
  std::string from_source;         // replay --from-source NAME
  std::string data_dir;            // replay --data-dir (default: a fresh temporary directory)
  int timeout_seconds = 0;         // replay --timeout (0 = none)
  unsigned threads = 0;            // replay --threads
};
struct RulesCommands {
  CLI::App* test_rule = nullptr;
  CLI::App* rules = nullptr;
  CLI::App* rules_list = nullptr;
  CLI::App* replay = nullptr;
  std::shared_ptr<RulesOptions> opts = std::make_shared<RulesOptions>();
  bool parsed() const;
};
void add_rules_commands(CLI::App& app, RulesCommands& cmds);
int run_rules(const RulesCommands& cmds);

/// Options of `new-plugin NAME --kind source|sink|action [--dir DIR] [--id ID]` (cmd_new_plugin.cpp).
struct NewPluginOptions {
  std::string name;  // NAME
  std::string kind;  // --kind
  std::string dir;   // --dir (default ./NAME)
  std::string id;    // --id (default com.example.NAME)
};
CLI::App* add_new_plugin_command(CLI::App& app, const std::shared_ptr<NewPluginOptions>& opts);
int run_new_plugin(const NewPluginOptions& opts);
/// [a-z][a-z0-9_]*, at most 40 characters, no trailing or doubled '_'.
bool valid_new_plugin_name(const std::string& name);

}  // namespace siemhub::cli
