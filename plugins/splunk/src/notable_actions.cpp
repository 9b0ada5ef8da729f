#include "notable_actions.hpp"

#include <memory>

namespace siemhub::plugins::splunk {

namespace {

using json = nlohmann::json;

constexpr const char* kUpdateSchema = R"json({
  "type": "object",
  "additionalProperties": false,
  "required": ["event_id"],
  "properties": {
    "event_id": {"type": "string", "minLength": 1, "description": "The notable's event_id (rule UID)"},
    "status": {"type": "string", "enum": ["new", "in_progress", "pending", "resolved", "closed", "1", "2", "3", "4", "5"]},
    "owner": {"type": "string", "minLength": 1},
    "urgency": {"type": "string", "enum": ["informational", "low", "medium", "high", "critical"]},
    "comment": {"type": "string", "maxLength": 4096}
  },
  "anyOf": [{"required": ["status"]}, {"required": ["owner"]}, {"required": ["urgency"]}, {"required": ["comment"]}]
})json";

constexpr const char* kRestoreSchema = R"json({
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "event_id": {"type": "string", "minLength": 1, "description": "Optional: the notable; defaults to the one in prior"},
    "comment": {"type": "string", "maxLength": 4096}
  }
})json";

// The fields of a notable that update_notable changes and restore_notable puts back.
json state_of(const json& result) {
  json s = json::object();
  for (const char* k : {"status", "owner", "urgency"})
    if (auto it = result.find(k); it != result.end() && it->is_string()) s[k] = *it;
  return s;
}

}  // namespace

std::string status_id(const std::string& s) {
  static const std::pair<const char*, const char*> kNames[] = {
      {"new", "1"}, {"in_progress", "2"}, {"pending", "3"}, {"resolved", "4"}, {"closed", "5"}};
  for (const auto& [name, id] : kNames)
    if (s == name || s == id) return id;
  return {};
}

std::string spl_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

struct NotableActions::Call {
  explicit Call(sdk::ActionOp o) : op(std::move(o)) {}
  sdk::ActionOp op;
  std::string action;
  std::string event_id;
  json params, prior;
  bool simulate = false;
  json current;  // the notable's state before the call (status, owner, urgency)
  bool found = false;
};

NotableActions::NotableActions(sdk::Host host, const Rest& rest) : host_(host), rest_(rest) {}

std::vector<sdk::ActionDef> NotableActions::definitions() {
  sdk::ActionDef update;
  update.name = "update_notable";
  update.title = "Update a Splunk ES notable";
  update.description = "Sets the status, owner and/or urgency of a notable and adds a comment (POST /services/notable_update)";
  update.params_schema = kUpdateSchema;
  update.inverse = "restore_notable";
  update.flags = SIEMHUB_ACTION_IDEMPOTENT | SIEMHUB_ACTION_SIMULATE;
  update.timeout_ms = 30000;
  // A notable is a SIEM finding, not a host, user, address, account or URL: the target kind is
  // honestly none; event_id names the notable it changes.
  update.target = sdk::Target::none;
  update.target_param = "event_id";
  update.ocsf_class_uid = SIEMHUB_OCSF_REMEDIATION_ACTIVITY;
  sdk::ActionDef restore;
  restore.name = "restore_notable";
  restore.title = "Restore a notable's previous status";
  restore.description = "Puts back the status, owner and urgency an update_notable call replaced (from its result)";
  restore.params_schema = kRestoreSchema;
  restore.flags = SIEMHUB_ACTION_IDEMPOTENT | SIEMHUB_ACTION_SIMULATE;
  restore.timeout_ms = 30000;
  restore.target = sdk::Target::none;
  restore.target_param = "event_id";  // optional: defaults to the notable of its prior
  restore.ocsf_class_uid = SIEMHUB_OCSF_REMEDIATION_ACTIVITY;
  return {update, restore};
}

void NotableActions::read_state(const std::shared_ptr<Call>& call, std::function<void(std::shared_ptr<Call>)> next) {
  // The `notable` macro joins the incident-review state (status, owner) onto the notable index.
  Form form{{"search", "search `notable` | search event_id=" + spl_quote(call->event_id) + " | head 1"},
            {"output_mode", "json"},
            {"earliest_time", "0"}};
  sdk::HttpRequest req = rest_.post("search/jobs/export", form);
  host_.http(std::move(req), [call, next = std::move(next)](const sdk::HttpResponse* resp, const sdk::Error* err) {
    if (resp == nullptr) {
      call->op.fail(sdk::Error(err ? err->category() : sdk::Category::transient,
                               std::string("reading the notable: ") + (err ? err->what() : "no response")));
      return;
    }
    if (resp->status / 100 != 2) {
      call->op.fail(Rest::error_of(*resp, "reading the notable"));
      return;
    }
    std::string_view body = resp->body;
    if (body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);
    for (size_t from = 0; from < body.size();) {
      size_t nl = body.find('\n', from);
      if (nl == std::string_view::npos) nl = body.size();
      const auto j = json::parse(body.substr(from, nl - from), nullptr, false);
      from = nl + 1;
      if (!j.is_object() || j.value("preview", false)) continue;
      if (auto r = j.find("result"); r != j.end() && r->is_object() && r->value("event_id", "") == call->event_id) {
        call->current = state_of(*r);
        call->found = true;
        break;
      }
    }
    next(call);
  });
}

void NotableActions::update(const std::shared_ptr<Call>& call, const json& values, std::string comment,
                            std::function<void(std::shared_ptr<Call>, json)> done) {
  Form form{{"ruleUIDs", call->event_id}};
  if (auto s = values.find("status"); s != values.end()) form.emplace_back("status", status_id(s->get<std::string>()));
  if (auto o = values.find("owner"); o != values.end()) form.emplace_back("newOwner", o->get<std::string>());
  if (auto u = values.find("urgency"); u != values.end()) form.emplace_back("urgency", u->get<std::string>());
  if (!comment.empty()) form.emplace_back("comment", std::move(comment));
  // Runs inside the read's completion: a refusal by the host must end the op, not escape.
  try {
    start_update(call, form, std::move(done));
  } catch (const sdk::Error& e) {
    call->op.fail(e);
  }
}

void NotableActions::start_update(const std::shared_ptr<Call>& call, const Form& form,
                                  std::function<void(std::shared_ptr<Call>, json)> done) {
  host_.http(rest_.post_path("/services/notable_update", form),
             [call, done = std::move(done)](const sdk::HttpResponse* resp, const sdk::Error* err) {
               if (resp == nullptr) {
                 call->op.fail(sdk::Error(err ? err->category() : sdk::Category::transient,
                                          std::string("notable_update: ") + (err ? err->what() : "no response")));
                 return;
               }
               if (resp->status / 100 != 2) {
                 call->op.fail(Rest::error_of(*resp, "notable_update"));
                 return;
               }
               const auto j = json::parse(resp->body, nullptr, false);
               if (!j.is_object() || !j.value("success", false)) {
                 const std::string msg = j.is_object() ? j.value("message", std::string("success false")) : "not JSON";
                 call->op.fail(sdk::Error(sdk::Category::permanent, "notable_update refused: " + msg));
                 return;
               }
               done(call, j);
             });
}

void NotableActions::execute(sdk::ActionOp& op, const sdk::ActionRequest& req) {
  auto call = std::make_shared<Call>(op.defer());
  call->action = std::string(req.action);
  call->params = req.params_json();
  call->simulate = req.simulate;
  if (!req.prior.empty()) call->prior = json::parse(req.prior, nullptr, false);
  if (call->action == "update_notable") {
    call->event_id = call->params.value("event_id", "");
  } else if (call->action == "restore_notable") {
    call->event_id = call->params.value("event_id", "");
    if (call->event_id.empty() && call->prior.is_object()) call->event_id = call->prior.value("event_id", "");
    if (!call->prior.is_object() || !call->prior.contains("previous"))
      throw sdk::Error(sdk::Category::config, "restore_notable needs prior: the result of the update_notable it undoes");
  } else {
    throw sdk::Error(sdk::Category::not_supported, "unknown action " + call->action);
  }
  if (call->event_id.empty()) throw sdk::Error(sdk::Category::config, call->action + ": event_id is required");

  read_state(call, [this](std::shared_ptr<Call> c) {
    if (!c->found) {
      c->op.fail(sdk::Error(sdk::Category::permanent, "no notable with event_id " + c->event_id));
      return;
    }
    json values = json::object();
    std::string comment;
    if (c->action == "update_notable") {
      for (const char* k : {"status", "owner", "urgency"})
        if (c->params.contains(k)) values[k] = c->params[k];
      comment = c->params.value("comment", "");
    } else {
      values = c->prior["previous"];
      comment = c->params.value("comment", "restored by siemhub (undo of update_notable)");
    }
    json result{{"event_id", c->event_id}, {"previous", c->current}, {"applied", values}};
    if (values.contains("status")) result["applied"]["status"] = status_id(values["status"].get<std::string>());
    if (c->simulate) {
      result["simulated"] = true;
      c->op.result(result);
      c->op.complete();
      return;
    }
    update(c, values, comment, [result](std::shared_ptr<Call> c2, json answer) mutable {
      result["message"] = answer.value("message", "");
      c2->op.result(result);
      c2->op.complete();
    });
  });
}

void NotableActions::status(sdk::ActionOp& op, const sdk::ActionRequest& req) {
  auto call = std::make_shared<Call>(op.defer());
  call->action = std::string(req.action);
  call->params = req.params_json();
  if (!req.prior.empty()) call->prior = json::parse(req.prior, nullptr, false);
  call->event_id = call->params.value("event_id", "");
  if (call->event_id.empty() && call->prior.is_object()) call->event_id = call->prior.value("event_id", "");
  if (call->event_id.empty()) throw sdk::Error(sdk::Category::config, "status: event_id is required");
  read_state(call, [](std::shared_ptr<Call> c) {
    if (!c->found) {
      c->op.result({{"event_id", c->event_id}, {"state", "absent"}});
      c->op.not_found();  // no such notable: the call cannot have acted
      c->op.complete();
      return;
    }
    // Whether the notable is as the call asked: update -> its params; restore -> prior.previous.
    json want = json::object();
    if (c->action == "restore_notable" && c->prior.is_object()) want = c->prior.value("previous", json::object());
    else
      for (const char* k : {"status", "owner", "urgency"})
        if (c->params.contains(k)) want[k] = c->params[k];
    bool matches = true;
    for (const auto& [k, v] : want.items()) {
      std::string have = c->current.value(k, "");
      std::string wanted = v.is_string() ? v.get<std::string>() : v.dump();
      if (k == "status") wanted = status_id(wanted), have = status_id(have).empty() ? have : status_id(have);
      if (have != wanted) matches = false;
    }
    c->op.result({{"event_id", c->event_id}, {"state", c->current}, {"applied", matches}});
    // Splunk keeps no record of a call: a notable as the call asked is done; one that is not is
    // reported as not found (never applied, or changed since), so reconciliation may run it again.
    c->op.outcome(matches ? sdk::Outcome::done : sdk::Outcome::not_found);
    c->op.complete();
  });
}

}  // namespace siemhub::plugins::splunk
