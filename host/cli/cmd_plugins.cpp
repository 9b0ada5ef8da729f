// `siemhub plugins list` and `siemhub plugins inspect PATH`.
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "cli/cli.hpp"
#include "core/redact.hpp"
#include "plugins/connector.hpp"
#include "plugins/loader.hpp"

namespace siemhub::cli {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Plugin directories: --plugin-dir flags, then plugins.dirs of the config (relative to the
// config file), else the bundled directory.
std::vector<fs::path> plugin_dirs(const PluginCommandOptions& o, std::string& error) {
  std::vector<fs::path> dirs(o.dirs.begin(), o.dirs.end());
  if (!o.config.empty()) {
    try {
      const YAML::Node root = YAML::LoadFile(o.config);
      const fs::path base = fs::path(o.config).parent_path();
      if (const YAML::Node d = root["plugins"]["dirs"]) {
        for (const auto& n : d) {
          fs::path p = n.as<std::string>();
          dirs.push_back(p.is_absolute() ? p : base / p);
        }
      }
    } catch (const YAML::Exception& e) {
      error = o.config + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) + ": " + e.msg;
    }
  }
  if (dirs.empty()) dirs.push_back(bundled_plugin_dir());
  return dirs;
}

json describe(const plugins::PluginModule& m) {
  const auto& d = m.descriptor();
  json j;
  j["id"] = m.id();
  j["version"] = m.version();
  j["abi"] = std::to_string(d.abi_major) + "." + std::to_string(d.abi_minor);
  j["path"] = m.builtin() ? "builtin" : m.path().string();
  j["vendor"] = d.vendor ? d.vendor : "";
  j["description"] = d.description ? d.description : "";
  j["license"] = d.license ? d.license : "";
  j["homepage"] = d.homepage ? d.homepage : "";
  j["capabilities"] = plugins::capability_names(d.capabilities);
  j["config_schema"] = json::parse(d.config_schema, nullptr, false);
  j["ocsf_classes"] = d.ocsf_classes ? json::parse(d.ocsf_classes, nullptr, false) : json::array();
  json actions = json::array();
  if (d.action != nullptr) {
    for (uint32_t i = 0; i < d.action->action_count; ++i) {
      const siemhub_action_def* a = d.action->actions[i];
      actions.push_back({{"name", a->name},
                         {"title", a->title ? a->title : ""},
                         {"description", a->description ? a->description : ""},
                         {"inverse", a->inverse ? a->inverse : ""},
                         {"idempotent", (a->flags & SIEMHUB_ACTION_IDEMPOTENT) != 0},
                         {"simulate", (a->flags & SIEMHUB_ACTION_SIMULATE) != 0},
                         {"destructive", (a->flags & SIEMHUB_ACTION_DESTRUCTIVE) != 0},
                         {"timeout_ms", a->timeout_ms},
                         {"params_schema", json::parse(a->params_schema, nullptr, false)}});
      // ABI 1.1: what it touches and the OCSF class it reports (null for a 1.0 plugin).
      json& added = actions.back();
      added["target"] = nullptr;
      added["ocsf_class_uid"] = nullptr;
      if (SIEMHUB_HAS_FIELD(siemhub_action_def, ocsf_class_uid, a->struct_size)) {
        const char* kind = plugins::target_kind_name(a->target_kind);
        added["target"] = {{"kind", kind ? kind : "?"}, {"param", a->target_param ? json(a->target_param) : json(nullptr)}};
        added["ocsf_class_uid"] = a->ocsf_class_uid;
      }
    }
  }
  j["actions"] = actions;
  return j;
}

void print_text(const json& j) {
  std::printf("id:            %s\n", j["id"].get<std::string>().c_str());
  std::printf("version:       %s\n", j["version"].get<std::string>().c_str());
  std::printf("abi:           %s\n", j["abi"].get<std::string>().c_str());
  std::printf("path:          %s\n", j["path"].get<std::string>().c_str());
  std::printf("vendor:        %s\n", j["vendor"].get<std::string>().c_str());
  std::printf("description:   %s\n", j["description"].get<std::string>().c_str());
  std::printf("license:       %s\n", j["license"].get<std::string>().c_str());
  std::printf("capabilities:  %s\n", j["capabilities"].get<std::string>().c_str());
  std::printf("ocsf classes:  %s\n", j["ocsf_classes"].dump().c_str());
  std::printf("config schema:\n%s\n", j["config_schema"].dump(2).c_str());
  if (!j["actions"].empty()) {
    std::printf("actions:\n");
    for (const auto& a : j["actions"]) {
      std::printf("  - %s%s%s (timeout %u ms%s%s%s)\n", a["name"].get<std::string>().c_str(),
                  a["inverse"].get<std::string>().empty() ? "" : ", inverse ",
                  a["inverse"].get<std::string>().c_str(), a["timeout_ms"].get<unsigned>(),
                  a["idempotent"].get<bool>() ? ", idempotent" : "", a["simulate"].get<bool>() ? ", simulate" : "",
                  a["destructive"].get<bool>() ? ", destructive" : "");
      if (a["target"].is_object()) {
        const json& t = a["target"];
        std::printf("    target: %s%s%s, reports OCSF class %u\n", t["kind"].get<std::string>().c_str(),
                    t["param"].is_string() ? " in params." : "", t["param"].is_string() ? t["param"].get<std::string>().c_str() : "",
                    a["ocsf_class_uid"].get<unsigned>());
      } else {
        std::printf("    target: not declared (ABI 1.0 plugin)\n");
      }
      std::printf("    params: %s\n", a["params_schema"].dump().c_str());
    }
  }
}

}  // namespace

PluginCommands add_plugin_commands(CLI::App& app) {
  PluginCommands cmds;
  auto opts = cmds.opts;
  auto* plugins = app.add_subcommand("plugins", "List and inspect plugin libraries");
  plugins->require_subcommand(1);
  cmds.list = plugins->add_subcommand("list", "Show every library in the plugin directories and why it was accepted or refused");
  cmds.list->add_option("-c,--config", opts->config, "Hub config whose plugins.dirs to scan");
  cmds.list->add_option("--plugin-dir", opts->dirs, "A plugin directory (repeatable)");
  cmds.list->add_flag("--json", opts->json, "Print JSON");
  cmds.inspect = plugins->add_subcommand("inspect", "Show a plugin's id, version, ABI, capabilities, config schema and actions");
  cmds.inspect->add_option("path", opts->inspect_path, "The plugin library (.so)")->required();
  cmds.inspect->add_flag("--json", opts->json, "Print JSON");
  return cmds;
}

int run_plugins_list(const std::shared_ptr<PluginCommandOptions>& o) {
  std::string error;
  const auto dirs = plugin_dirs(*o, error);
  if (!error.empty()) {
    std::fprintf(stderr, "error: %s\n", core::redact(error).c_str());
    return kExitUsage;
  }
  plugins::Loader loader(plugins::LoaderOptions{dirs});
  const auto results = loader.scan();
  bool refused = false;
  json out = json::array();
  if (!o->json) {
    std::printf("plugin directories:");
    for (const auto& d : dirs) std::printf(" %s", d.c_str());
    std::printf("\n");
    if (results.empty()) std::printf("(no .so files found)\n");
  }
  for (auto c : results) {
    // A library is usable only once its init succeeded: run it, as `run` would.
    if (std::string why; c.accepted() && !c.module->init(plugins::host_api(), why)) {
      c.error = "refused " + c.path.string() + ": " + why;
      c.module.reset();
    }
    if (c.accepted()) {
      const auto& d = c.module->descriptor();
      if (o->json) {
        out.push_back({{"path", c.path.string()}, {"accepted", true}, {"id", c.module->id()},
                       {"version", c.module->version()},
                       {"abi", std::to_string(d.abi_major) + "." + std::to_string(d.abi_minor)},
                       {"capabilities", plugins::capability_names(d.capabilities)}});
      } else {
        std::printf("accepted %s %s (ABI %u.%u; %s) %s\n", c.module->id().c_str(), c.module->version().c_str(),
                    d.abi_major, d.abi_minor, plugins::capability_names(d.capabilities).c_str(), c.path.c_str());
      }
    } else {
      refused = true;
      if (o->json) out.push_back({{"path", c.path.string()}, {"accepted", false}, {"reason", c.error}});
      else std::printf("%s\n", c.error.c_str());
    }
  }
  if (o->json) std::printf("%s\n", out.dump(2).c_str());
  return refused ? kExitPluginRefused : kExitOk;
}

int run_plugins_inspect(const std::shared_ptr<PluginCommandOptions>& o) {
  plugins::Loader loader(plugins::LoaderOptions{});
  const auto c = loader.load_explicit(o->inspect_path);
  if (!c.accepted()) {
    std::fprintf(stderr, "%s\n", c.error.c_str());
    return kExitPluginRefused;
  }
  const json j = describe(*c.module);
  if (o->json) std::printf("%s\n", j.dump(2).c_str());
  else print_text(j);
  return kExitOk;
}

}  // namespace siemhub::cli
