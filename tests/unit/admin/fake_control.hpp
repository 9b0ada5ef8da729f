// A HubControl that records its calls and answers with small canned values.
#pragma once

#include <algorithm>
#include <optional>
#include <utility>
#include <mutex>
#include <stdexcept>
#include <string>

#include "admin/control.hpp"

namespace siemhub::testing {

using nlohmann::json;
using siemhub::admin::ActionCallRequest;
using siemhub::admin::ActionDone;
using siemhub::admin::ActionRefusal;
using siemhub::admin::DlqFilter;

inline const std::string kToken = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

class FakeControl : public siemhub::admin::HubControl {
 public:
  json status() override {
    std::lock_guard lock(mu);
    ++calls;
    const json connectors = json::array(
        {json{{"name", "gen"}, {"plugin", "generator"}, {"role", "source"},
              {"health", {{"state", "ok"}, {"reason", ""}}}, {"events_in", 1200}, {"events_out", 0},
              {"rejected", 0}, {"retries", 0}, {"errors", 0}, {"queue_events", 0}, {"queue_bytes", 0},
              {"breaker", "closed"}, {"paused", true}},
         json{{"name", "siem-out"}, {"plugin", "http_sink"}, {"role", "sink"},
              {"health", {{"state", "degraded"}, {"reason", "HTTP 503 from upstream"}}}, {"events_in", 0},
              {"events_out", 1100}, {"rejected", 3}, {"retries", 17}, {"errors", 2}, {"queue_events", 42},
              {"queue_bytes", 3 * 1024 * 1024}, {"breaker", "open"}, {"paused", false}}});
    return json{{"started_ms", 1000},
                {"connectors", connectors},
                {"journal", {{"first_seq", 10}, {"last_seq", 1200}, {"bytes", 512 * 1024 * 1024}, {"cap_bytes", 1024LL * 1024 * 1024}}},
                {"checkpoint", {{"last_ms", 2000}, {"journal_seq", 1190}}},
                {"dlq", {{"count", 3}}}};
  }
  json dlq_list(const DlqFilter& filter) override {
    std::lock_guard lock(mu);
    ++calls;
    last_filter = filter;
    json out = json::array();
    for (uint64_t i = 1; i <= std::min<uint64_t>(filter.limit, 3); ++i) {
      out.push_back(json{{"id", filter.after_id + i}, {"sink", "out"}, {"reason", "rejected"}});
    }
    return out;
  }
  std::optional<json> dlq_show(uint64_t id) override {
    std::lock_guard lock(mu);
    ++calls;
    last_show = id;
    if (id != 7) return std::nullopt;
    return json{{"id", 7}, {"sink", "out"}, {"event", {{"class_uid", 3002}}}};
  }
  json dlq_replay(const std::vector<uint64_t>& ids, const std::string& sink, const std::string& to_sink) override {
    std::lock_guard lock(mu);
    ++calls;
    last_ids = ids;
    last_sink = sink;
    last_to_sink = to_sink;
    if (sink == "boom") throw std::runtime_error("the journal is gone");
    if (to_sink == "nowhere") throw siemhub::admin::NotFound("no sink named \"nowhere\"");
    return json{{"replayed", ids.empty() ? 5 : ids.size()}};
  }
  json dlq_purge(const std::vector<uint64_t>& ids, const std::string& sink) override {
    std::lock_guard lock(mu);
    ++calls;
    last_ids = ids;
    last_sink = sink;
    return json{{"purged", ids.empty() ? 9 : ids.size()}};
  }

  // Pull source "feed" has cursor "page=3"; any other name is unknown.
  json cursor_show(const std::string& connector) override {
    std::lock_guard lock(mu);
    ++calls;
    if (connector != "feed") throw siemhub::admin::NotFound("no pull source named \"" + connector + "\"");
    return json{{"connector", "feed"}, {"cursor", cursor}, {"bytes", cursor.size()}};
  }
  // Answers at once, from the calling thread, as the hub does when no poll is in flight.
  void cursor_reset(const std::string& connector, const std::string& value, CursorDone done) override {
    json out;
    {
      std::lock_guard lock(mu);
      ++calls;
      if (connector != "feed") throw siemhub::admin::NotFound("no pull source named \"" + connector + "\"");
      out = json{{"connector", "feed"}, {"previous", cursor}, {"cursor", value}, {"bytes", value.size()}};
      cursor = value;
    }
    done(std::move(out), {});
  }
  std::string cursor = "page=3";

  json actions_list() override {
    std::lock_guard lock(mu);
    ++calls;
    return json{{"connectors",
                 json::array({json{{"connector", "fw"},
                                   {"plugin", "test.actions"},
                                   {"actions", json::array({json{{"name", "block_ip"},
                                                                 {"title", "Block an IP"},
                                                                 {"description", "blocks it"},
                                                                 {"params_schema", {{"type", "object"}}},
                                                                 {"inverse", "unblock_ip"},
                                                                 {"flags", {"idempotent", "simulate", "destructive"}},
                                                                 {"timeout_ms", 300},
                                                                 {"retryable", {"transient"}}}})}}})}};
  }
  // Connector "nope" is unknown; action "bad" has invalid params; "later" keeps the completion for
  // the test to call (pending_done); "drop" drops it unanswered; "boom" throws; anything else answers
  // at once with the request echoed.
  std::optional<ActionRefusal> action_execute(ActionCallRequest request, ActionDone done) override {
    return action(false, std::move(request), std::move(done));
  }
  std::optional<ActionRefusal> action_status(ActionCallRequest request, ActionDone done) override {
    return action(true, std::move(request), std::move(done));
  }

  int call_count() {
    std::lock_guard lock(mu);
    return calls;
  }

  ActionDone take_pending() {
    std::lock_guard lock(mu);
    return std::exchange(pending_done, nullptr);
  }
  bool has_pending() {
    std::lock_guard lock(mu);
    return static_cast<bool>(pending_done);
  }

  std::mutex mu;
  int calls = 0;
  ActionCallRequest last_action;
  bool last_action_status = false;
  ActionDone pending_done;
  DlqFilter last_filter;
  uint64_t last_show = 0;
  std::vector<uint64_t> last_ids;
  std::string last_sink = "<unset>";
  std::string last_to_sink = "<unset>";

 private:
  std::optional<ActionRefusal> action(bool status_call, ActionCallRequest request, ActionDone done) {
    std::unique_lock lock(mu);
    ++calls;
    last_action = request;
    last_action_status = status_call;
    if (request.connector == "nope") return ActionRefusal{"not_found", "no connector named 'nope'", nullptr};
    if (request.action == "bad") {
      return ActionRefusal{"invalid_params", "invalid params: params.ip: missing",
                           json{{"errors", json::array({json{{"path", "params.ip"}, {"message", "missing"}}})}}};
    }
    if (request.action == "boom") throw std::runtime_error("the manifest is gone");
    if (request.action == "later") {
      pending_done = std::move(done);
      return std::nullopt;
    }
    if (request.action == "drop") return std::nullopt;
    lock.unlock();
    done(json{{"ok", true},
              {"result", {{"params", request.params}, {"prior", request.prior}, {"simulate", request.simulate},
                          {"confirm", request.confirm}, {"status", status_call}}},
              {"idempotency_key", request.idempotency_key.empty() ? "generated" : request.idempotency_key},
              {"elapsed_ms", 1}});
    return std::nullopt;
  }
};

}  // namespace siemhub::testing
