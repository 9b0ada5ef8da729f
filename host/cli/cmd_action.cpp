// `siemhub action list|run|status`: call a running hub's connector actions through its admin API
// (GET /v1/actions, POST /v1/actions/execute, POST /v1/actions/status) over `<data_dir>/admin.sock`.
// Exit codes: 0 the action succeeded; 1 it failed (or no hub runs, or the hub refused the token);
// 2 usage: bad JSON in --params/--prior, unknown connector or action, params the schema refuses,
// simulate unsupported, a destructive action without --yes.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "admin/client.hpp"
#include "admin/token.hpp"
#include "cli/admin_call.hpp"
#include "cli/cli.hpp"
#include "config/config.hpp"
#include "core/redact.hpp"

namespace siemhub::cli {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The hub answers by the action's deadline (capped at 10 minutes): wait a little longer than that.
constexpr auto kClientTimeout = std::chrono::seconds(630);

void print_json(const json& j) { std::printf("%s\n", j.dump(2, ' ', false, json::error_handler_t::replace).c_str()); }

// Sends one request. Returns kExitOk with `out` filled when the hub answered 2xx; otherwise prints
// why and returns 2 for a refusal of the call (400, 404) and 1 for everything else.
int call(const ActionOptions& o, bool is_post, const std::string& target, const json& body, admin::AdminResponse& out) {
  fs::path dir;
  if (const int rc = resolve_data_dir(o.data_dir, o.config, dir); rc != kExitOk) return rc;
  if (const int rc = admin_request(dir, is_post, target, body, out, kClientTimeout); rc != kExitOk) return rc;
  if (out.ok()) return kExitOk;
  if (o.json && out.body.is_object()) print_json(out.body);
  std::fprintf(stderr, "error: %s\n", out.error_message().c_str());
  return out.status == 400 || out.status == 404 ? kExitUsage : kExitFailure;
}

// `text` as a JSON value; prints the error and returns false when it is not one.
bool parse_json_option(const std::string& option, const std::string& text, json& out) {
  out = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!out.is_discarded()) return true;
  std::fprintf(stderr, "error: %s: not valid JSON\n", option.c_str());
  return false;
}

bool read_params(const ActionOptions& o, json& out) {
  out = json::object();
  std::string text = o.params;
  std::string option = "--params";
  if (!o.params_file.empty()) {
    option = "--params-file " + o.params_file;
    std::ifstream file;
    if (o.params_file != "-") file.open(o.params_file, std::ios::binary);
    std::istream& in = o.params_file == "-" ? std::cin : file;
    std::ostringstream ss;
    if (!in || !(ss << in.rdbuf())) {
      std::fprintf(stderr, "error: %s: cannot read it\n", option.c_str());
      return false;
    }
    text = ss.str();
  } else if (text.empty()) {
    return true;
  }
  if (!parse_json_option(option, text, out)) return false;
  if (!out.is_object()) {
    std::fprintf(stderr, "error: %s: params must be a JSON object\n", option.c_str());
    return false;
  }
  return true;
}

std::string join(const json& list) {
  std::string out;
  if (list.is_array()) {
    for (const auto& v : list) out += (out.empty() ? "" : ",") + (v.is_string() ? v.get<std::string>() : v.dump());
  }
  return out.empty() ? "-" : out;
}

int run_list(const ActionOptions& o) {
  admin::AdminResponse res;
  if (const int rc = call(o, false, "/v1/actions", nullptr, res); rc != kExitOk) return rc;
  if (o.json) {
    print_json(res.body);
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : res.body.value("connectors", json::array())) {
    for (const auto& a : c.value("actions", json::array())) {
      const json inverse = a.value("inverse", json());
      // "ip:ip" = kind and the param holding it; "?" for a 1.0 plugin, which cannot say.
      const json target = a.value("target", json());
      std::string target_text = "?";
      if (target.is_object()) {
        target_text = target.value("kind", "?");
        if (const json p = target.value("param", json()); p.is_string()) target_text += ":" + p.get<std::string>();
      }
      const json cls = a.value("ocsf_class_uid", json());
      rows.push_back({c.value("connector", "-"), a.value("name", "-"), join(a.value("flags", json::array())),
                      std::to_string(a.value("timeout_ms", 0)) + " ms", inverse.is_string() ? inverse.get<std::string>() : "-",
                      target_text, cls.is_number() ? std::to_string(cls.get<unsigned>()) : "?", a.value("title", "")});
    }
  }
  if (rows.empty()) {
    std::printf("no connector with actions\n");
    return kExitOk;
  }
  const std::vector<std::string> header{"CONNECTOR", "ACTION", "FLAGS", "TIMEOUT", "INVERSE", "TARGET", "CLASS", "TITLE"};
  std::vector<size_t> width(header.size());
  for (size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t i = 0; i < cells.size(); ++i)
      out += cells[i] + (i + 1 < cells.size() ? std::string(width[i] - cells[i].size() + 2, ' ') : "");
    std::printf("%s\n", out.c_str());
  };
  line(header);
  for (const auto& r : rows) line(r);
  return kExitOk;
}

int run_call(const ActionOptions& o, bool status_call) {
  json body{{"connector", o.connector}, {"action", o.action}};
  json params;
  if (!read_params(o, params)) return kExitUsage;
  if (!o.params.empty() || !o.params_file.empty()) body["params"] = params;
  if (!o.prior.empty()) {
    json prior;
    if (!parse_json_option("--prior", o.prior, prior)) return kExitUsage;
    body["prior"] = prior;
  }
  if (!o.idempotency_key.empty()) body["idempotency_key"] = o.idempotency_key;
  if (o.simulate) body["simulate"] = true;
  if (o.yes) body["confirm"] = true;

  admin::AdminResponse res;
  const std::string target = status_call ? "/v1/actions/status" : "/v1/actions/execute";
  if (const int rc = call(o, true, target, body, res); rc != kExitOk) return rc;
  const json& r = res.body;
  const std::string what = o.connector + "/" + o.action + (status_call ? " status" : "");
  const std::string key = r.value("idempotency_key", "");
  const long long elapsed = r.value("elapsed_ms", 0LL);
  if (o.json) print_json(r);
  if (r.value("ok", false)) {
    if (!o.json) print_json(r.contains("result") ? r["result"] : json());
    const std::string outcome = r.value("outcome", "unknown");
    const bool say_outcome = status_call || outcome != "unknown";
    std::fprintf(stderr, "ok%s: %s%s in %lld ms (idempotency key %s)\n", o.simulate ? " (simulate)" : "", what.c_str(),
                 say_outcome ? (", outcome " + outcome).c_str() : "", elapsed, key.c_str());
    return kExitOk;
  }
  const json err = r.value("error", json::object());
  std::string line = "error: " + what + " failed: " + err.value("category", "unknown");
  if (const int code = err.value("code", 0); code != 0) line += " (code " + std::to_string(code) + ")";
  line += ": " + err.value("message", "");
  if (const long long retry = err.value("retry_after_ms", 0LL); retry > 0) {
    line += " (retry after " + std::to_string(retry) + " ms)";
  }
  std::fprintf(stderr, "%s [idempotency key %s, %lld ms]\n", line.c_str(), key.c_str(), elapsed);
  return kExitFailure;
}

void add_target_options(CLI::App* cmd, const std::shared_ptr<ActionOptions>& o) {
  cmd->add_option("-d,--data-dir", o->data_dir, "Data directory of the running hub (default ./siemhub-data)");
  cmd->add_option("-c,--config", o->config, "Hub config (YAML): use its data_dir");
  cmd->add_flag("--json", o->json, "Print the hub's JSON answer");
}

void add_call_options(CLI::App* cmd, const std::shared_ptr<ActionOptions>& o) {
  add_target_options(cmd, o);
  cmd->add_option("connector", o->connector, "Connector name (from the config)")->required();
  cmd->add_option("action", o->action, "Action name (siemhub action list)")->required();
  auto* params = cmd->add_option("--params", o->params, "Params as a JSON object");
  cmd->add_option("--params-file", o->params_file, "Read the params (a JSON object) from FILE (- = stdin)")
      ->excludes(params);
  cmd->add_option("--idempotency-key", o->idempotency_key,
                  "Key of this intent: a retry with the same key never acts twice (generated when absent)");
  cmd->add_option("--prior", o->prior, "For an inverse action: the result JSON of the call it undoes");
  cmd->add_flag("--simulate", o->simulate, "Dry run: validate and describe, change nothing");
}

}  // namespace

void add_action_commands(CLI::App& app, ActionCommands& cmds) {
  auto o = cmds.opts;
  cmds.action = app.add_subcommand("action", "List and call a running hub's connector actions");
  cmds.action->require_subcommand(1);
  cmds.list = cmds.action->add_subcommand("list", "Every connector with actions and its manifest");
  add_target_options(cmds.list, o);
  cmds.run = cmds.action->add_subcommand("run", "Execute an action of a connector");
  add_call_options(cmds.run, o);
  cmds.run->add_flag("-y,--yes", o->yes, "Confirm a destructive action (required to run one, except with --simulate)");
  cmds.status = cmds.action->add_subcommand("status", "Ask a connector for the state of an action call (by its key)");
  add_call_options(cmds.status, o);
}

int run_action(const ActionCommands& cmds) {
  const ActionOptions& o = *cmds.opts;
  if (cmds.list->parsed()) return run_list(o);
  if (cmds.run->parsed()) return run_call(o, false);
  if (cmds.status->parsed()) return run_call(o, true);
  return kExitUsage;
}

}  // namespace siemhub::cli
