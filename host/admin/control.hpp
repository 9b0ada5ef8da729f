// What the admin API can ask of a running hub. The hub implements it (pipeline/hub.cpp); the
// admin server (admin/server.*) exposes it over a token-protected local socket; the CLI's
// `status` and `dlq` commands are its clients.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace siemhub::admin {

struct DlqFilter {
  std::string sink;        // empty = every sink
  uint64_t after_id = 0;   // paging: entries with id > after_id
  uint32_t limit = 100;
};

class HubControl {
 public:
  virtual ~HubControl() = default;

  /// {"started_ms":…, "connectors":[{"name","plugin","role":"source|sink|both","health":{"state","reason"},
  ///   "events_in","events_out","rejected","retries","errors","queue_events","queue_bytes",
  ///   "breaker":"closed|open|half-open","paused":bool}], "journal":{"first_seq","last_seq","bytes","cap_bytes"},
  ///  "checkpoint":{"last_ms","journal_seq"}, "dlq":{"count"}}
  virtual nlohmann::json status() = 0;

  /// [{"id","sink","event_id","journal_seq","reason","created_ms"}] (no payloads)
  virtual nlohmann::json dlq_list(const DlqFilter& filter) = 0;
  /// One entry with its event and the sink's response; nullopt when absent.
  virtual std::optional<nlohmann::json> dlq_show(uint64_t id) = 0;
  /// Sends entries back to their sink (or `to_sink` when given) through the journal; they leave
  /// the DLQ once they are durable in the journal, where the sink's outbox owns them again (a
  /// second rejection brings them back). Returns {"replayed": n}. `ids` empty = every entry of
  /// `sink`.
  virtual nlohmann::json dlq_replay(const std::vector<uint64_t>& ids, const std::string& sink,
                                    const std::string& to_sink) = 0;
  /// Deletes entries. `ids` empty = every entry of `sink` (or all when `sink` is empty too).
  /// Returns {"purged": n}.
  virtual nlohmann::json dlq_purge(const std::vector<uint64_t>& ids, const std::string& sink) = 0;
};

}  // namespace siemhub::admin
