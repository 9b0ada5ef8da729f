// A HubControl that records its calls and answers with small canned values.
#pragma once

#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <string>

#include "admin/control.hpp"

namespace siemhub::testing {

using nlohmann::json;
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
    return json{{"replayed", ids.empty() ? 5 : ids.size()}};
  }
  json dlq_purge(const std::vector<uint64_t>& ids, const std::string& sink) override {
    std::lock_guard lock(mu);
    ++calls;
    last_ids = ids;
    last_sink = sink;
    return json{{"purged", ids.empty() ? 9 : ids.size()}};
  }

  int call_count() {
    std::lock_guard lock(mu);
    return calls;
  }

  std::mutex mu;
  int calls = 0;
  DlqFilter last_filter;
  uint64_t last_show = 0;
  std::vector<uint64_t> last_ids;
  std::string last_sink = "<unset>";
  std::string last_to_sink = "<unset>";
};

}  // namespace siemhub::testing
