// A test action plugin written with the C++ layer (test.actions): a fake firewall that blocks and
// unblocks IPs, keeping its state in the host KV, plus actions that fail, throw and hang, for the
// host's action tests, and one whose HTTP completion throws (ABI 1.1: it fails at once).
//
// KV layout (per connector): "call:<idempotency key>" -> {"action","ip","result"} of an executed
// call; "ip:<ip>" -> "blocked" | "unblocked"; "rules" -> the last rule number handed out.
#include <stdexcept>
#include <string>
#include <vector>

#include "siemhub/plugin.hpp"

namespace {

using nlohmann::json;
using siemhub::sdk::ActionDef;
using siemhub::sdk::ActionOp;
using siemhub::sdk::ActionRequest;
using siemhub::sdk::Category;
using siemhub::sdk::Error;
using siemhub::sdk::Outcome;
using siemhub::sdk::Target;

constexpr const char* kIpSchema =
    R"({"type":"object","properties":{"ip":{"type":"string","pattern":"^[0-9]{1,3}(\\.[0-9]{1,3}){3}$",)"
    R"("description":"IPv4 address"}},"required":["ip"],"additionalProperties":false})";

class ActionPlugin {
 public:
  static constexpr char id[] = "test.actions";
  static constexpr char version[] = "1.0.0";
  static constexpr const char* vendor = "siemhub tests";
  static constexpr const char* description = "a fake firewall: block and unblock IPs, and misbehaving actions";

  static std::vector<ActionDef> actions() {
    ActionDef block{"block_ip", "Block an IP", "Adds a deny rule for the IP on the fake firewall", kIpSchema,
                    "unblock_ip", SIEMHUB_ACTION_SIMULATE | SIEMHUB_ACTION_IDEMPOTENT | SIEMHUB_ACTION_DESTRUCTIVE, 2000};
    ActionDef unblock{"unblock_ip", "Unblock an IP", "Removes the deny rule of a block_ip call (give its result as prior)",
                      R"({"type":"object","properties":{"ip":{"type":"string"}},"additionalProperties":false})", "",
                      SIEMHUB_ACTION_SIMULATE | SIEMHUB_ACTION_IDEMPOTENT, 2000};
    ActionDef fail{"fail", "Fail", "Always refused by the vendor (AUTH)", R"({"type":"object"})", "", 0, 2000};
    ActionDef thrower{"throw", "Throw", "Throws std::runtime_error", R"({"type":"object"})", "", 0, 2000};
    ActionDef hang{"hang", "Hang", "Never completes: the host's deadline answers", R"({"type":"object"})", "", 0, 300};
    ActionDef fetch{"throw_in_completion", "Throw in a completion",
                    "GETs params.url; its HTTP completion throws (the op must fail at once, not at the deadline)",
                    R"({"type":"object","properties":{"url":{"type":"string"}},"required":["url"]})", "", 0, 5000};
    for (ActionDef* a : {&block, &unblock}) {
      a->target = Target::ip;
      a->target_param = "ip";
      a->ocsf_class_uid = SIEMHUB_OCSF_NETWORK_REMEDIATION_ACTIVITY;
    }
    for (ActionDef* a : {&fail, &thrower, &hang}) {
      a->target = Target::none;
      a->ocsf_class_uid = SIEMHUB_OCSF_REMEDIATION_ACTIVITY;
    }
    fetch.target = Target::url;
    fetch.target_param = "url";
    fetch.ocsf_class_uid = SIEMHUB_OCSF_REMEDIATION_ACTIVITY;
    return {block, unblock, fail, thrower, hang, fetch};
  }

  ActionPlugin(siemhub::sdk::Host host, const json&) : host_(host) {}

  void stop(int64_t) {
    for (const auto& op : hanging_) op.fail(Error(Category::cancelled, "the connector stops"));
    hanging_.clear();
  }

  void execute(ActionOp& op, const ActionRequest& req) {
    if (req.action == "block_ip") return block(op, req);
    if (req.action == "unblock_ip") return unblock(op, req);
    if (req.action == "fail") throw Error(Category::auth, "the firewall refused the API key", 401);
    if (req.action == "throw") throw std::runtime_error("the firewall client crashed");
    if (req.action == "hang") {
      hanging_.push_back(op.defer());
      return;
    }
    if (req.action == "throw_in_completion") {
      const ActionOp later = op.defer();
      siemhub::sdk::HttpRequest get;
      get.url = req.params_json().at("url").get<std::string>();
      host_.http(std::move(get), [later](const siemhub::sdk::HttpResponse*, const Error*) {
        throw std::runtime_error("the firewall answer could not be parsed");
      });
      return;
    }
    throw Error(Category::not_supported, "no action " + std::string(req.action));
  }

  // {"state": "blocked" | "unblocked"} of the IP an executed call acted on, outcome done; a key
  // that never executed: {"state": "unknown"}, outcome not_found.
  void status(ActionOp& op, const ActionRequest& req) {
    const auto call = host_.kv_get(call_key(req));
    if (!call) {
      op.result({{"state", "unknown"}});
      op.not_found();
      return;
    }
    const std::string ip = json::parse(*call).value("ip", "");
    op.result({{"state", host_.kv_get("ip:" + ip).value_or("unblocked")}, {"ip", ip}});
    op.outcome(Outcome::done);
  }

 private:
  static std::string call_key(const ActionRequest& req) { return "call:" + std::string(req.idempotency_key); }

  // The same idempotency key never acts twice: a repeated call answers the first result.
  bool replay(ActionOp& op, const ActionRequest& req) {
    const auto call = host_.kv_get(call_key(req));
    if (!call) return false;
    op.result(json::parse(*call).at("result"));
    return true;
  }

  void block(ActionOp& op, const ActionRequest& req) {
    const std::string ip = req.params_json().at("ip").get<std::string>();
    if (req.simulate) {
      op.result({{"simulated", true}, {"would_block", ip}});
      return;
    }
    if (replay(op, req)) return;
    const int rule = std::stoi(host_.kv_get("rules").value_or("0")) + 1;
    host_.kv_put("rules", std::to_string(rule));
    const json result{{"ip", ip}, {"rule_id", "rule-" + std::to_string(rule)}, {"blocked", true}};
    host_.kv_put("ip:" + ip, "blocked");
    host_.kv_put(call_key(req), json{{"action", "block_ip"}, {"ip", ip}, {"result", result}}.dump());
    op.result(result);
  }

  void unblock(ActionOp& op, const ActionRequest& req) {
    const json params = req.params_json();
    const json prior = req.prior.empty() ? json::object() : json::parse(req.prior);
    const std::string ip = params.contains("ip") ? params["ip"].get<std::string>() : prior.value("ip", "");
    if (ip.empty()) throw Error(Category::permanent, "unblock_ip needs the block_ip result as prior (or params.ip)");
    if (req.simulate) {
      op.result({{"simulated", true}, {"would_unblock", ip}});
      return;
    }
    if (replay(op, req)) return;
    const json result{{"ip", ip}, {"unblocked", true}, {"rule_id", prior.value("rule_id", "")}};
    host_.kv_put("ip:" + ip, "unblocked");
    host_.kv_put(call_key(req), json{{"action", "unblock_ip"}, {"ip", ip}, {"result", result}}.dump());
    op.result(result);
  }

  siemhub::sdk::Host host_;
  std::vector<ActionOp> hanging_;
};

}  // namespace

SIEMHUB_PLUGIN(ActionPlugin)
