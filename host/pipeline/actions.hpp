// The hub's action calls (admin API /v1/actions/*): which connectors offer actions and their
// plugins' manifests, the checks a call passes before it reaches the plugin (connector, action,
// params against the action's params_schema, simulate, confirmation of destructive actions), and
// the call itself under the action's deadline. Nothing here blocks: the outcome reaches the
// caller's completion on the connector's strand.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "admin/control.hpp"
#include "core/clock.hpp"
#include "plugins/connector.hpp"

namespace siemhub::pipeline {

class ActionDispatcher {
 public:
  /// A call's deadline when the manifest says 0, and the longest one the hub grants.
  static constexpr uint32_t kDefaultTimeoutMs = 30'000;
  static constexpr uint32_t kMaxTimeoutMs = 600'000;

  /// `connectors`: every connector of the hub (those without the ACTION capability are known by
  /// name only, to tell "no actions" from "no such connector").
  ActionDispatcher(const std::vector<std::shared_ptr<plugins::Connector>>& connectors, const core::Clock& clock);

  /// HubControl::actions_list().
  nlohmann::json list() const;
  /// HubControl::action_execute() (status_call false) and action_status() (true).
  std::optional<admin::ActionRefusal> call(bool status_call, admin::ActionCallRequest request, admin::ActionDone done);

 private:
  struct Action {
    std::string name, title, description, inverse;
    nlohmann::json schema;     // parsed params_schema; null when the plugin's text is not JSON
    std::string schema_error;  // why it is not
    uint32_t flags = 0;
    uint32_t timeout_ms = 0;   // the deadline actually used (default and cap applied)
    uint32_t declared_timeout_ms = 0;
    uint32_t retryable = 0;
    // ABI 1.1 (empty / 0 for an action of a 1.0 plugin, which declares none)
    std::string target_kind;   // "host", "user", "ip", "account", "url", "none"
    std::string target_param;  // the params property holding the target
    uint32_t ocsf_class_uid = 0;
  };
  struct Entry {
    std::shared_ptr<plugins::Connector> connector;
    std::vector<Action> actions;
  };

  std::optional<admin::ActionRefusal> check(bool status_call, const admin::ActionCallRequest& request,
                                            const Entry*& entry, const Action*& action) const;

  std::vector<Entry> entries_;                         // connectors with the ACTION capability
  std::vector<std::pair<std::string, std::string>> others_;  // the others: name, plugin id
  const core::Clock& clock_;
};

}  // namespace siemhub::pipeline
