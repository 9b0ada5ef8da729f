// Notable actions (vendor-apis.md §1.2 "Splunk ES 7.x notables"): POST /services/notable_update
// with ruleUIDs, status, newOwner, urgency and comment. The endpoint serves ES 7 and, deprecated,
// ES 8, so one code path covers both.
//
//   update_notable   reads the notable's current status/owner/urgency (an export search on its
//                    event_id), then updates it; its result keeps the previous values, which is
//                    what the inverse needs. simulate: reads and describes, changes nothing.
//   restore_notable  the inverse: puts back the previous status/owner/urgency from `prior`.
//   status (for either) the notable's current state and whether it matches what was asked.
#pragma once

#include <string>
#include <vector>

#include "rest.hpp"
#include "siemhub/plugin.hpp"

namespace siemhub::plugins::splunk {

class NotableActions {
 public:
  NotableActions(sdk::Host host, const Rest& rest);
  static std::vector<sdk::ActionDef> definitions();
  void execute(sdk::ActionOp& op, const sdk::ActionRequest& req);
  void status(sdk::ActionOp& op, const sdk::ActionRequest& req);

 private:
  struct Call;
  void read_state(const std::shared_ptr<Call>& call, std::function<void(std::shared_ptr<Call>)> next);
  void update(const std::shared_ptr<Call>& call, const nlohmann::json& values, std::string comment,
              std::function<void(std::shared_ptr<Call>, nlohmann::json)> done);
  void start_update(const std::shared_ptr<Call>& call, const Form& form,
                    std::function<void(std::shared_ptr<Call>, nlohmann::json)> done);

  sdk::Host host_;
  const Rest& rest_;
};

/// ES status id ("1".."5") for a name ("new", "in_progress", "pending", "resolved", "closed") or
/// an id; empty when unknown.
std::string status_id(const std::string& name_or_id);
/// An SPL string literal: quoted, with \ and " escaped.
std::string spl_quote(const std::string& s);

}  // namespace siemhub::plugins::splunk
