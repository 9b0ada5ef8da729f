#include "cli/cli.hpp"

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

#include "core/log.hpp"
#include "siemhub/plugin.h"

#ifndef SIEMHUB_VERSION
#define SIEMHUB_VERSION "0.0.0"
#endif

namespace siemhub::cli {

std::filesystem::path bundled_plugin_dir() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "lib/siemhub/plugins";
  return exe.parent_path().parent_path() / "lib" / "siemhub" / "plugins";
}

int main(int argc, char** argv) {
  CLI::App app{"siemhub — a plugin-hosting SIEM integration hub"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("siemhub ") + SIEMHUB_VERSION);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn or error")->capture_default_str();

  auto* version = app.add_subcommand("version", "Print the hub and plugin ABI versions");
  RunCommands run;
  add_run_commands(app, run);
  PluginCommands plugins = add_plugin_commands(app);
  AdminCommands admin;
  add_admin_commands(app, admin);
  ActionCommands action;
  add_action_commands(app, action);
  RulesCommands rules;
  add_rules_commands(app, rules);
  auto new_plugin_opts = std::make_shared<NewPluginOptions>();
  auto* new_plugin = add_new_plugin_command(app, new_plugin_opts);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  core::LogLevel level;
  if (!core::parse_log_level(log_level, level)) {
    std::fprintf(stderr, "error: --log-level %s: expected trace, debug, info, warn or error\n", log_level.c_str());
    return kExitUsage;
  }
  core::Log::set_level(level);

  if (version->parsed()) {
    std::printf("siemhub %s\nplugin ABI %d.%d\n", SIEMHUB_VERSION, SIEMHUB_ABI_MAJOR, SIEMHUB_ABI_MINOR);
    return kExitOk;
  }
  if (run.run->parsed()) return run_run(*run.opts);
  if (run.validate->parsed()) return run_validate(*run.opts);
  if (plugins.list->parsed()) return run_plugins_list(plugins.opts);
  if (plugins.inspect->parsed()) return run_plugins_inspect(plugins.opts);
  if (admin.status->parsed()) return run_status(*admin.opts);
  if (admin.dlq->parsed()) return run_dlq(admin);
  if (admin.cursor->parsed()) return run_cursor(admin);
  if (action.action->parsed()) return run_action(action);
  if (rules.parsed()) return run_rules(rules);
  if (new_plugin->parsed()) return run_new_plugin(*new_plugin_opts);
  return kExitUsage;
}

}  // namespace siemhub::cli
