// A plugin built against the ABI 1.0 headers as they were released (tests/plugins/abi_1_0/, a
// copy of sdk/include/siemhub/plugin.h and plugin.hpp at 1.0): a pull source and an action, to
// show that a binary built then loads and runs unchanged on a newer host. Do not update it to
// newer SDK features: being old is its purpose.
#include <string>
#include <vector>

#include "siemhub/plugin.hpp"

static_assert(SIEMHUB_ABI_MINOR == 0, "this test plugin must be built against the ABI 1.0 headers");

namespace {

using nlohmann::json;

class Abi10Plugin {
 public:
  static constexpr char id[] = "test.abi10";
  static constexpr char version[] = "1.0.0";
  static constexpr const char* vendor = "siemhub tests";
  static constexpr const char* description = "built against the ABI 1.0 headers: a source and an action";
  static constexpr const char* ocsf_classes = "[3002]";

  Abi10Plugin(siemhub::sdk::Host host, const json&) : host_(host) {}

  // Two Authentication events per poll, numbered from the cursor, ten in all.
  void poll(siemhub::sdk::PullOp& op) {
    long next = op.cursor().empty() ? 0 : std::stol(op.cursor());
    std::vector<std::string> events;
    for (int i = 0; i < 2 && next < 10; ++i, ++next)
      events.push_back(json{{"class_uid", 3002}, {"category_uid", 3}, {"activity_id", 1}, {"type_uid", 300201},
                            {"severity_id", 1}, {"time", host_.now_ms()}, {"message", "abi10 logon " + std::to_string(next)},
                            {"user", {{"name", "abi10-user"}}},
                            {"metadata", {{"version", "1.8.0"}, {"product", {{"name", "abi10"}, {"vendor_name", "siemhub tests"}}}}}}
                           .dump());
    op.emit(events);
    op.set_cursor(std::to_string(next));
  }

  static std::vector<siemhub::sdk::ActionDef> actions() {
    siemhub::sdk::ActionDef ping;
    ping.name = "ping";
    ping.title = "Ping";
    ping.description = "Answers pong (and remembers the key for status)";
    ping.params_schema = R"({"type":"object","properties":{"host":{"type":"string"}}})";
    ping.flags = SIEMHUB_ACTION_IDEMPOTENT;
    ping.timeout_ms = 2000;
    return {ping};
  }
  void execute(siemhub::sdk::ActionOp& op, const siemhub::sdk::ActionRequest& req) {
    host_.kv_put("call:" + std::string(req.idempotency_key), "pong");
    op.result({{"pong", true}});
  }
  // 1.0 had no outcome: free-form JSON only.
  void status(siemhub::sdk::ActionOp& op, const siemhub::sdk::ActionRequest& req) {
    const auto v = host_.kv_get("call:" + std::string(req.idempotency_key));
    op.result({{"state", v ? "ponged" : "never"}});
  }

 private:
  siemhub::sdk::Host host_;
};

}  // namespace

SIEMHUB_PLUGIN(Abi10Plugin)
