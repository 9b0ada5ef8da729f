// What the admin API can ask of a running hub. The hub implements it (pipeline/hub.cpp); the
// admin server (admin/server.*) exposes it over a token-protected local socket; the CLI's
// `status`, `dlq` and `action` commands are its clients.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace siemhub::admin {

struct DlqFilter {
  std::string sink;        // empty = every sink
  uint64_t after_id = 0;   // paging: entries with id > after_id
  uint32_t limit = 100;
};

/// One call of a connector's action (POST /v1/actions/execute and /v1/actions/status).
struct ActionCallRequest {
  std::string connector;
  std::string action;
  nlohmann::json params = nlohmann::json::object();
  bool params_given = false;    ///< false: "params" was absent (status then skips the schema check)
  std::string idempotency_key;  ///< empty: execute generates one (128 random bits, hex)
  nlohmann::json prior;         ///< null = none; for an inverse: the result of the call it undoes
  bool simulate = false;
  bool confirm = false;         ///< required to execute a DESTRUCTIVE action unless simulate
};

/// Why the hub refused a call before it reached the plugin: `code` is "not_found" (connector or
/// action; the admin API answers 404) or another code (400): "not_supported", "invalid_params",
/// "simulate_not_supported", "confirm_required", "bad_request".
struct ActionRefusal {
  std::string code;
  std::string message;
  nlohmann::json details;  ///< extra fields for the error reply (e.g. "errors", "actions"); null = none
};

/// Receives the outcome of an accepted call exactly once, on any thread:
/// {"ok":true,"result":…,"idempotency_key":…,"elapsed_ms":…} or
/// {"ok":false,"error":{"category","code","message","retry_after_ms"},"idempotency_key":…,"elapsed_ms":…}.
using ActionDone = std::function<void(nlohmann::json outcome)>;

/// Thrown by a HubControl call that names something the hub does not have (a sink, a connector):
/// the admin API answers 404 with the message, so a client exits non-zero and says what was wrong.
class NotFound : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
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
  /// `sink`. Throws NotFound (nothing replayed) when `to_sink`, or the sink of a selected entry
  /// without `to_sink`, is not a sink of this hub.
  virtual nlohmann::json dlq_replay(const std::vector<uint64_t>& ids, const std::string& sink,
                                    const std::string& to_sink) = 0;
  /// Deletes entries. `ids` empty = every entry of `sink` (or all when `sink` is empty too).
  /// Returns {"purged": n}.
  virtual nlohmann::json dlq_purge(const std::vector<uint64_t>& ids, const std::string& sink) = 0;

  /// {"connector", "cursor" (text, or "cursor_hex" when it is not UTF-8), "bytes"}: a pull source's
  /// durable cursor. Throws NotFound when `connector` is not a pull source of this hub.
  virtual nlohmann::json cursor_show(const std::string& connector) = 0;
  /// Sets a pull source's cursor ("" = poll from the start) without blocking: `done` gets what
  /// cursor_show then answers, with "previous" (its form), once the new cursor is durable (after
  /// the poll in flight, if any, has ended), or an error text when it could not be made durable.
  /// Throws NotFound (and never calls `done`) when `connector` is not a pull source of this hub.
  using CursorDone = std::function<void(nlohmann::json result, std::string error)>;
  virtual void cursor_reset(const std::string& connector, const std::string& cursor, CursorDone done) = 0;

  /// {"connectors":[{"connector","plugin","actions":[{"name","title","description","params_schema",
  ///   "inverse","flags":["idempotent","simulate","destructive"],"timeout_ms","retryable":[category…]}]}]}
  /// for every connector whose plugin has the ACTION capability.
  virtual nlohmann::json actions_list() = 0;
  /// Checks the call and starts it without blocking: a refusal is returned (and `done` is never
  /// called), otherwise `done` gets the outcome once the plugin answers or the action's deadline passes.
  virtual std::optional<ActionRefusal> action_execute(ActionCallRequest request, ActionDone done) = 0;
  /// The same for the plugin's status (reconciliation) call; needs the call's idempotency_key.
  virtual std::optional<ActionRefusal> action_status(ActionCallRequest request, ActionDone done) = 0;
};

}  // namespace siemhub::admin
