#include "pipeline/actions.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include "admin/token.hpp"
#include "config/schema_check.hpp"
#include "core/log.hpp"

namespace siemhub::pipeline {

using nlohmann::json;

namespace {

constexpr const char* kComponent = "action";
constexpr size_t kMaxKeyLength = 128;

const char* category_name(uint32_t c) {
  static const char* names[] = {"none",      "config",    "auth",    "rate_limit",    "transient",
                                "permanent", "cancelled", "timeout", "not_supported", "internal"};
  return c < sizeof names / sizeof names[0] ? names[c] : "unknown";
}

json flag_names(uint32_t flags) {
  json out = json::array();
  if (flags & SIEMHUB_ACTION_IDEMPOTENT) out.push_back("idempotent");
  if (flags & SIEMHUB_ACTION_SIMULATE) out.push_back("simulate");
  if (flags & SIEMHUB_ACTION_DESTRUCTIVE) out.push_back("destructive");
  return out;
}

json category_names(uint32_t mask) {
  json out = json::array();
  for (uint32_t c = SIEMHUB_CAT_CONFIG; c <= SIEMHUB_CAT_INTERNAL; ++c)
    if (mask & (1u << c)) out.push_back(category_name(c));
  return out;
}

std::string text(const char* s) { return s ? s : ""; }

const char* outcome_name(siemhub_action_outcome o) {
  switch (o) {
    case SIEMHUB_ACTION_OUTCOME_DONE: return "done";
    case SIEMHUB_ACTION_OUTCOME_PENDING: return "pending";
    case SIEMHUB_ACTION_OUTCOME_FAILED: return "failed";
    case SIEMHUB_ACTION_OUTCOME_NOT_FOUND: return "not_found";
    default: return "unknown";
  }
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none" : out;
}

// Idempotency keys reach plugins (often as part of a KV key or a vendor request id) and the log.
bool valid_key(const std::string& key) {
  if (key.empty() || key.size() > kMaxKeyLength) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == ':';
  });
}

admin::ActionRefusal refusal(std::string code, std::string message, json details = nullptr) {
  return admin::ActionRefusal{std::move(code), std::move(message), std::move(details)};
}

}  // namespace

ActionDispatcher::ActionDispatcher(const std::vector<std::shared_ptr<plugins::Connector>>& connectors,
                                   const core::Clock& clock)
    : clock_(clock) {
  for (const auto& k : connectors) {
    const auto& d = k->module().descriptor();
    if ((d.capabilities & SIEMHUB_CAP_ACTION) == 0 || d.action == nullptr) {
      others_.emplace_back(k->id(), k->module().id());
      continue;
    }
    Entry e{k, {}};
    for (uint32_t i = 0; i < d.action->action_count; ++i) {
      const siemhub_action_def* def = d.action->actions[i];
      if (def == nullptr || def->name == nullptr) continue;
      Action a;
      a.name = def->name;
      a.title = text(def->title);
      a.description = text(def->description);
      a.inverse = text(def->inverse);
      a.flags = def->flags;
      a.declared_timeout_ms = def->timeout_ms;
      a.timeout_ms = def->timeout_ms == 0 ? kDefaultTimeoutMs : std::min(def->timeout_ms, kMaxTimeoutMs);
      a.retryable = def->retryable;
      if (SIEMHUB_HAS_FIELD(siemhub_action_def, ocsf_class_uid, def->struct_size)) {  // validated by the loader
        const char* kind = plugins::target_kind_name(def->target_kind);
        a.target_kind = kind ? kind : "";
        a.target_param = text(def->target_param);
        a.ocsf_class_uid = def->ocsf_class_uid;
      }
      const std::string schema = def->params_schema ? def->params_schema : R"({"type":"object"})";
      a.schema = json::parse(schema, nullptr, /*allow_exceptions=*/false);
      if (a.schema.is_discarded()) {
        a.schema = nullptr;
        a.schema_error = "its params_schema is not valid JSON";
      }
      e.actions.push_back(std::move(a));
    }
    entries_.push_back(std::move(e));
  }
}

json ActionDispatcher::list() const {
  json conns = json::array();
  for (const auto& e : entries_) {
    json actions = json::array();
    for (const auto& a : e.actions) {
      actions.push_back({{"name", a.name},
                         {"title", a.title},
                         {"description", a.description},
                         {"params_schema", a.schema},
                         {"inverse", a.inverse.empty() ? json(nullptr) : json(a.inverse)},
                         {"flags", flag_names(a.flags)},
                         {"timeout_ms", a.timeout_ms},
                         {"retryable", category_names(a.retryable)},
                         // null: a 1.0 plugin, which cannot say
                         {"target", a.target_kind.empty() ? json(nullptr)
                                                          : json{{"kind", a.target_kind},
                                                                 {"param", a.target_param.empty() ? json(nullptr)
                                                                                                  : json(a.target_param)}}},
                         {"ocsf_class_uid", a.ocsf_class_uid ? json(a.ocsf_class_uid) : json(nullptr)}});
    }
    conns.push_back({{"connector", e.connector->id()}, {"plugin", e.connector->module().id()}, {"actions", actions}});
  }
  return {{"connectors", std::move(conns)}};
}

std::optional<admin::ActionRefusal> ActionDispatcher::check(bool status_call, const admin::ActionCallRequest& r,
                                                            const Entry*& entry, const Action*& action) const {
  const auto e = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& x) { return x.connector->id() == r.connector; });
  if (e == entries_.end()) {
    const auto o = std::find_if(others_.begin(), others_.end(), [&](const auto& x) { return x.first == r.connector; });
    if (o != others_.end()) {
      return refusal("not_supported", "connector " + r.connector + " (plugin " + o->second + ") has no actions");
    }
    std::vector<std::string> names;
    for (const auto& x : entries_) names.push_back(x.connector->id());
    return refusal("not_found", "no connector named '" + r.connector + "' (connectors with actions: " + join(names) + ")");
  }
  entry = &*e;
  const auto a = std::find_if(e->actions.begin(), e->actions.end(), [&](const Action& x) { return x.name == r.action; });
  if (a == e->actions.end()) {
    std::vector<std::string> names;
    for (const auto& x : e->actions) names.push_back(x.name);
    return refusal("not_found", "connector " + r.connector + " has no action '" + r.action + "' (its actions: " +
                                    join(names) + ")",
                   json{{"actions", names}});
  }
  action = &*a;
  const std::string what = "action " + a->name + " of connector " + r.connector;
  if (!a->schema_error.empty()) return refusal("not_supported", what + " cannot be called: " + a->schema_error);
  if (!r.idempotency_key.empty() && !valid_key(r.idempotency_key)) {
    return refusal("bad_request", "the idempotency key must be 1 to " + std::to_string(kMaxKeyLength) +
                                      " characters of A-Z a-z 0-9 - _ . :");
  }
  if (status_call && r.idempotency_key.empty()) {
    return refusal("bad_request", "a status call needs the idempotency key of the call to ask about");
  }
  if (!r.params.is_object()) return refusal("invalid_params", "params must be a JSON object");
  if (!status_call || r.params_given) {
    std::set<std::string> secrets;
    config::for_each_secret(a->schema, r.params, [&](const std::string& rel, const json&) { secrets.insert(rel); });
    const auto errors = config::check_schema(r.params, a->schema, config::SourceMap{}, config::DocPlace{"", "params"}, secrets);
    if (!errors.empty()) {
      json list = json::array();
      std::string msg = "invalid params for " + what + ":";
      for (const auto& err : errors) {
        const std::string path = err.key_path.empty() ? "params" : err.key_path;
        list.push_back({{"path", path}, {"message", err.message}});
        msg += " " + path + ": " + err.message + ";";
      }
      msg.pop_back();
      return refusal("invalid_params", msg, json{{"errors", list}});
    }
  }
  if (r.simulate && (a->flags & SIEMHUB_ACTION_SIMULATE) == 0) {
    return refusal("simulate_not_supported", what + " does not support simulate (a dry run)");
  }
  if (!status_call && !r.simulate && (a->flags & SIEMHUB_ACTION_DESTRUCTIVE) != 0 && !r.confirm) {
    return refusal("confirm_required", "action " + a->name + " is destructive: pass --yes (\"confirm\": true) to run it, "
                                       "or --simulate for a dry run");
  }
  return std::nullopt;
}

std::optional<admin::ActionRefusal> ActionDispatcher::call(bool status_call, admin::ActionCallRequest request,
                                                           admin::ActionDone done) {
  const Entry* entry = nullptr;
  const Action* action = nullptr;
  if (auto refused = check(status_call, request, entry, action)) return refused;

  std::string key = request.idempotency_key.empty() ? admin::random_hex(16) : request.idempotency_key;
  plugins::ActionCall c;
  c.action = action->name;
  c.params = request.params.dump();
  c.idempotency_key = key;
  c.prior = request.prior.is_null() ? std::string() : request.prior.dump();
  c.simulate = request.simulate;

  const int64_t started = clock_.now_ms();
  const uint32_t timeout_ms = action->timeout_ms;
  const uint32_t retryable = action->retryable;
  const std::string kind = status_call ? "status" : "execute";
  auto connector = entry->connector;
  auto on_result = [clock = &clock_, started, connector, kind, name = action->name, key, timeout_ms, retryable, simulate = request.simulate,
                    done = std::move(done)](plugins::OpResult r) {
    const int64_t elapsed = std::max<int64_t>(0, clock->now_ms() - started);
    json out{{"idempotency_key", key}, {"elapsed_ms", elapsed}};
    plugins::CallStatus st = r.status;
    json result = nullptr;
    if (st.ok() && !r.action_result.empty()) {
      result = json::parse(r.action_result, nullptr, /*allow_exceptions=*/false);
      if (result.is_discarded()) {
        st.rc = SIEMHUB_RC_ERROR;
        st.category = SIEMHUB_CAT_INTERNAL;
        st.message = "the plugin's result is not valid JSON";
      }
    }
    if (st.ok()) {
      out["ok"] = true;
      out["result"] = std::move(result);
      // What reconciliation learnt; "unknown" for a 1.0 plugin (it cannot say) or one that did not report it.
      out["outcome"] = outcome_name(r.action_outcome);
      if (simulate) out["simulate"] = true;
    } else {
      if (st.category == SIEMHUB_CAT_TIMEOUT && st.message.rfind("plugin did not complete", 0) == 0) {
        st.message = "action " + name + " did not complete within its deadline of " + std::to_string(timeout_ms) + " ms";
      }
      if (st.message.empty()) st.message = std::string("action ") + name + " failed (" + category_name(st.category) + ")";
      out["ok"] = false;
      out["error"] = {{"category", category_name(st.category)},
                      {"code", st.code},
                      {"message", st.message},
                      {"retry_after_ms", st.retry_after_ms},
                      {"retryable", (retryable & (1u << st.category)) != 0}};
    }
    // One line per call; params and results stay out of the log (they may hold secrets).
    const bool say_outcome = kind == "status" || r.action_outcome != SIEMHUB_ACTION_OUTCOME_UNKNOWN;
    const std::string outcome = st.ok() ? std::string("ok") + (say_outcome ? std::string(" (outcome ") + outcome_name(r.action_outcome) + ")" : "")
                                        : std::string("failed (") + category_name(st.category) +
                                                     (st.code ? " " + std::to_string(st.code) : "") + ")";
    core::Log::write(st.ok() ? core::LogLevel::info : core::LogLevel::warn, kComponent,
                     "action " + kind + " " + name + (simulate ? " (simulate)" : "") + " idempotency_key=" + key +
                         ": " + outcome + " in " + std::to_string(elapsed) + " ms",
                     connector->id());
    done(std::move(out));
  };
  if (status_call) {
    connector->status(std::move(c), timeout_ms, std::move(on_result));
  } else {
    connector->execute(std::move(c), timeout_ms, std::move(on_result));
  }
  return std::nullopt;
}

}  // namespace siemhub::pipeline
