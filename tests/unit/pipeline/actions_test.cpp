// ActionDispatcher (pipeline/actions.*): the checks an action call passes before it reaches the
// plugin, and the outcome shapes, against in-process plugins run by real connectors.
#include <catch2/catch.hpp>

#include <cstdio>
#include <future>
#include <string>
#include <vector>

#include "pipeline/actions.hpp"
#include "unit/builtin/connector_env.hpp"

using nlohmann::json;
using siemhub::admin::ActionCallRequest;
using siemhub::pipeline::ActionDispatcher;
namespace sdk = siemhub::sdk;

namespace {

class Firewall {
 public:
  static constexpr char id[] = "test.inproc-fw";
  static constexpr char version[] = "1.0.0";
  static std::vector<sdk::ActionDef> actions() {
    const std::string schema =
        R"({"type":"object","properties":{"ip":{"type":"string","pattern":"^[0-9.]+$"},)"
        R"("token":{"type":"string","minLength":40,"x-siemhub-secret":true}},"required":["ip"],"additionalProperties":false})";
    std::vector<sdk::ActionDef> defs{sdk::ActionDef{"block", "Block", "", schema, "unblock", SIEMHUB_ACTION_SIMULATE, 1000},
                                     sdk::ActionDef{"wipe", "Wipe", "", R"({"type":"object"})", "", SIEMHUB_ACTION_DESTRUCTIVE, 1000},
                                     sdk::ActionDef{"slow_down", "", "", R"({"type":"object"})", "", 0, 1000,
                                                    1u << SIEMHUB_CAT_RATE_LIMIT},
                                     sdk::ActionDef{"never", "", "", R"({"type":"object"})", "", 0, 50}};
    for (auto& d : defs) {
      d.target = sdk::Target::none;
      d.ocsf_class_uid = SIEMHUB_OCSF_REMEDIATION_ACTIVITY;
    }
    defs[0].target = sdk::Target::ip;
    defs[0].target_param = "ip";
    defs[0].ocsf_class_uid = SIEMHUB_OCSF_NETWORK_REMEDIATION_ACTIVITY;
    return defs;
  }
  Firewall(sdk::Host, const json&) {}
  void execute(sdk::ActionOp& op, const sdk::ActionRequest& req) {
    if (req.action == "slow_down") throw sdk::Error(sdk::Category::rate_limit, "slow down", 429, 1500);
    if (req.action == "never") {
      pending_.push_back(op.defer());
      return;
    }
    op.result({{"action", std::string(req.action)},
               {"key", std::string(req.idempotency_key)},
               {"params", req.params_json()},
               {"prior", req.prior.empty() ? json() : json::parse(req.prior)},
               {"simulate", req.simulate}});
  }
  // Key "done-1": outcome done; "never-1": never happened; "later-1": answered later, pending.
  void status(sdk::ActionOp& op, const sdk::ActionRequest& req) {
    op.result({{"state", "asked"}, {"key", std::string(req.idempotency_key)}});
    if (req.idempotency_key == "done-1") op.outcome(sdk::Outcome::done);
    if (req.idempotency_key == "never-1") op.not_found();
    if (req.idempotency_key == "later-1") {  // a deferred answer reports its outcome the same way
      const sdk::ActionOp later = op.defer();
      later.outcome(sdk::Outcome::pending);
      later.complete();
    }
  }
  void stop(int64_t) {
    for (const auto& op : pending_) op.fail(sdk::Error(sdk::Category::cancelled, "stopping"));
    pending_.clear();
  }

 private:
  std::vector<sdk::ActionOp> pending_;
};

// A C plugin whose status answers SIEMHUB_RC_NOT_FOUND at once; ABI minor as given.
template <uint16_t Minor>
struct NotFoundPlugin {
  static siemhub_rc init(const siemhub_host_api*, siemhub_status*) { return SIEMHUB_RC_OK; }
  static siemhub_rc create(siemhub_host_ctx*, const char*, size_t, void** out, siemhub_status*) {
    static int instance;
    *out = &instance;
    return SIEMHUB_RC_OK;
  }
  static siemhub_rc start(void*, siemhub_status*) { return SIEMHUB_RC_OK; }
  static siemhub_rc stop(void*, int64_t, siemhub_status*) { return SIEMHUB_RC_OK; }
  static void destroy(void*) {}
  static siemhub_rc execute(void*, siemhub_op*, const siemhub_action_request*, siemhub_status*) { return SIEMHUB_RC_OK; }
  static siemhub_rc status(void*, siemhub_op*, const siemhub_action_request*, siemhub_status* st) {
    std::snprintf(st->message, sizeof st->message, "no such call");
    return SIEMHUB_RC_NOT_FOUND;
  }
  static const siemhub_plugin_descriptor* descriptor() {
    // A 1.0 plugin's definition is 1.0-sized; a 1.1 one declares its target.
    static const siemhub_action_def def{Minor == 0 ? static_cast<uint32_t>(SIEMHUB_ACTION_DEF_SIZE_1_0)
                                                   : static_cast<uint32_t>(sizeof(siemhub_action_def)),
                                        "probe", "Probe", "", R"({"type":"object"})", nullptr, 0, 1000, 0, nullptr,
                                        SIEMHUB_TARGET_NONE, SIEMHUB_OCSF_REMEDIATION_ACTIVITY};
    static const siemhub_action_def* defs[] = {&def};
    static const siemhub_action_vtable vt{sizeof vt, 1, defs, &execute, &status};
    static const siemhub_plugin_descriptor d = [] {
      siemhub_plugin_descriptor x{};
      x.struct_size = sizeof x;
      x.abi_major = SIEMHUB_ABI_MAJOR;
      x.abi_minor = Minor;
      x.id = Minor == 0 ? "test.not-found-10" : "test.not-found-11";
      x.version = "1.0.0";
      x.capabilities = SIEMHUB_CAP_ACTION;
      x.config_schema = R"({"type":"object"})";
      x.ocsf_classes = "[]";
      x.init = &init;
      x.create_instance = &create;
      x.start = &start;
      x.stop = &stop;
      x.destroy_instance = &destroy;
      x.action = &vt;
      return x;
    }();
    return &d;
  }
};

class Sink {
 public:
  static constexpr char id[] = "test.inproc-sink";
  static constexpr char version[] = "1.0.0";
  Sink(sdk::Host, const json&) {}
  void write(sdk::SinkOp& op, const sdk::Batch& b) { op.deliver(0, static_cast<uint32_t>(b.size())); }
};

struct Env {
  siemhub::testing::BuiltinEnv env;
  std::shared_ptr<siemhub::plugins::Connector> fw = env.make<Firewall>(json::object(), "fw");
  std::shared_ptr<siemhub::plugins::Connector> out = env.make<Sink>(json::object(), "out");
  ActionDispatcher dispatcher{{fw, out}, env.clock};

  // Starts the call; returns the refusal's code and message, or "" and fills `outcome`.
  std::string call(ActionCallRequest r, json& outcome, bool status_call = false) {
    auto p = std::make_shared<std::promise<json>>();
    auto f = p->get_future();
    const auto refused = dispatcher.call(status_call, std::move(r), [p](json o) { p->set_value(std::move(o)); });
    if (refused) {
      outcome = refused->details;
      return refused->code + ": " + refused->message;
    }
    REQUIRE(f.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
    outcome = f.get();
    return "";
  }
};

ActionCallRequest request(std::string connector, std::string action, json params = json::object()) {
  ActionCallRequest r;
  r.connector = std::move(connector);
  r.action = std::move(action);
  r.params = std::move(params);
  r.params_given = true;
  return r;
}

}  // namespace

TEST_CASE("the action list has each action connector's manifest with flag and category names", "[pipeline][action]") {
  Env e;
  const json list = e.dispatcher.list();
  REQUIRE(list["connectors"].size() == 1);
  const json& fw = list["connectors"][0];
  CHECK(fw["connector"] == "fw");
  CHECK(fw["plugin"] == "test.inproc-fw");
  CHECK(fw["actions"][0]["flags"] == json({"simulate"}));
  CHECK(fw["actions"][0]["inverse"] == "unblock");
  CHECK(fw["actions"][0]["params_schema"]["required"] == json({"ip"}));
  CHECK(fw["actions"][1]["flags"] == json({"destructive"}));
  CHECK(fw["actions"][2]["retryable"] == json({"rate_limit"}));
  CHECK(fw["actions"][0]["target"] == json({{"kind", "ip"}, {"param", "ip"}}));
  CHECK(fw["actions"][0]["ocsf_class_uid"] == 7004);
  CHECK(fw["actions"][1]["target"] == json({{"kind", "none"}, {"param", nullptr}}));
}

TEST_CASE("a status answer carries the outcome the plugin reported and unknown when it reported none", "[pipeline][action][abi11]") {
  Env e;
  json out;
  auto r = request("fw", "block");
  r.params_given = false;
  const std::vector<std::pair<std::string, std::string>> cases{
      {"k1", "unknown"}, {"done-1", "done"}, {"never-1", "not_found"}, {"later-1", "pending"}};
  for (const auto& [key, outcome] : cases) {
    r.idempotency_key = key;
    REQUIRE(e.call(r, out, true).empty());
    INFO(key << ": " << out.dump());
    CHECK(out["ok"] == true);
    CHECK(out["outcome"] == outcome);
  }
}

TEST_CASE("NOT_FOUND from status is outcome not_found for a 1.1 plugin and stays an error for a 1.0 one", "[pipeline][action][abi11]") {
  siemhub::testing::BuiltinEnv env;
  auto old_plugin = env.make_from(NotFoundPlugin<0>::descriptor(), json::object(), "old");
  auto new_plugin = env.make_from(NotFoundPlugin<1>::descriptor(), json::object(), "new");
  ActionDispatcher dispatcher{{old_plugin, new_plugin}, env.clock};
  auto ask = [&](const std::string& connector) {
    auto p = std::make_shared<std::promise<json>>();
    auto f = p->get_future();
    ActionCallRequest r = request(connector, "probe");
    r.params_given = false;
    r.idempotency_key = "k";
    REQUIRE_FALSE(dispatcher.call(true, std::move(r), [p](json o) { p->set_value(std::move(o)); }));
    REQUIRE(f.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
    return f.get();
  };
  const json answer11 = ask("new");
  CHECK(answer11["ok"] == true);
  CHECK(answer11["outcome"] == "not_found");
  const json answer10 = ask("old");
  CHECK(answer10["ok"] == false);
  CHECK(answer10["error"]["message"] == "no such call");
  const json list = dispatcher.list();
  CHECK(list["connectors"][0]["actions"][0]["target"].is_null());  // 1.0: not declared
  CHECK(list["connectors"][1]["actions"][0]["target"]["kind"] == "none");
}

TEST_CASE("a call to an unknown connector or action is refused naming what exists", "[pipeline][action]") {
  Env e;
  json details;
  CHECK(e.call(request("nope", "block"), details) == "not_found: no connector named 'nope' (connectors with actions: fw)");
  CHECK(e.call(request("out", "block"), details) == "not_supported: connector out (plugin test.inproc-sink) has no actions");
  CHECK(e.call(request("fw", "nuke"), details) ==
        "not_found: connector fw has no action 'nuke' (its actions: block, wipe, slow_down, never)");
  CHECK(details["actions"].size() == 4);
}

TEST_CASE("params the action's schema refuses are refused with their paths and secrets are not echoed", "[pipeline][action]") {
  Env e;
  json details;
  const std::string secret = "s3cr3t-value";
  const std::string refused = e.call(request("fw", "block", {{"ip", "a.b"}, {"token", secret}, {"port", 1}}), details);
  CHECK_THAT(refused, Catch::StartsWith("invalid_params: invalid params for action block of connector fw:"));
  CHECK_THAT(refused, Catch::Contains("params.ip") && Catch::Contains("params.token") &&
                          Catch::Contains("unknown key 'port'"));
  CHECK_THAT(refused, !Catch::Contains(secret));
  CHECK_THAT(details.dump(), !Catch::Contains(secret));
  CHECK(details["errors"].size() >= 3);
  CHECK_THAT(e.call(request("fw", "block"), details), Catch::Contains("params: missing required key 'ip'"));
}

TEST_CASE("simulate needs the SIMULATE flag and a destructive action needs confirmation unless simulated", "[pipeline][action]") {
  Env e;
  json out;
  auto r = request("fw", "wipe");
  r.simulate = true;
  CHECK_THAT(e.call(r, out), Catch::StartsWith("simulate_not_supported:"));
  CHECK(e.call(request("fw", "wipe"), out) ==
        "confirm_required: action wipe is destructive: pass --yes (\"confirm\": true) to run it, or --simulate for a dry run");
  r = request("fw", "wipe");
  r.confirm = true;
  CHECK(e.call(r, out).empty());
  CHECK(out["ok"] == true);
  r = request("fw", "block", {{"ip", "10.0.0.1"}});
  r.simulate = true;
  CHECK(e.call(r, out).empty());
  CHECK(out["simulate"] == true);
  CHECK(out["result"]["simulate"] == true);
}

TEST_CASE("an accepted call passes params prior and key to the plugin and generates a 128-bit key when absent", "[pipeline][action]") {
  Env e;
  json out;
  auto r = request("fw", "block", {{"ip", "10.0.0.1"}});
  r.prior = {{"rule", 3}};
  REQUIRE(e.call(r, out).empty());
  CHECK(out["ok"] == true);
  const std::string key = out["idempotency_key"];
  CHECK(key.size() == 32);
  CHECK(key.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(out["result"]["key"] == key);
  CHECK(out["result"]["params"] == json{{"ip", "10.0.0.1"}});
  CHECK(out["result"]["prior"] == json{{"rule", 3}});
  CHECK(out["elapsed_ms"] == 0);  // the manual clock did not move

  r.idempotency_key = "inc-42:1";
  REQUIRE(e.call(r, out).empty());
  CHECK(out["idempotency_key"] == "inc-42:1");
  r.idempotency_key = "has space";
  CHECK_THAT(e.call(r, out), Catch::StartsWith("bad_request: the idempotency key"));
}

TEST_CASE("a status call needs a key and skips the schema check when no params are given", "[pipeline][action]") {
  Env e;
  json out;
  auto r = request("fw", "block");
  r.params_given = false;
  CHECK_THAT(e.call(r, out, true), Catch::StartsWith("bad_request: a status call needs the idempotency key"));
  r.idempotency_key = "k1";
  REQUIRE(e.call(r, out, true).empty());
  CHECK(out["result"] == json{{"state", "asked"}, {"key", "k1"}});
  r.params_given = true;
  CHECK_THAT(e.call(r, out, true), Catch::StartsWith("invalid_params:"));
}

TEST_CASE("a plugin error becomes an error outcome with category code retry hint and retryable", "[pipeline][action]") {
  Env e;
  json out;
  REQUIRE(e.call(request("fw", "slow_down"), out).empty());
  CHECK(out["ok"] == false);
  CHECK(out["error"] == json{{"category", "rate_limit"}, {"code", 429}, {"message", "slow down"},
                             {"retry_after_ms", 1500}, {"retryable", true}});
}

TEST_CASE("a call the plugin never completes is answered with a timeout at the action's deadline", "[pipeline][action]") {
  Env e;
  json out;
  REQUIRE(e.call(request("fw", "never"), out).empty());
  CHECK(out["ok"] == false);
  CHECK(out["error"]["category"] == "timeout");
  CHECK(out["error"]["message"] == "action never did not complete within its deadline of 50 ms");
  CHECK(out["error"]["retryable"] == true);  // the SDK's default retryable mask includes timeout
}
