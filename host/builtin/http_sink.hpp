// `http`: a generic webhook sink. Each host batch is POSTed (or PUT) to `url` through the host's
// HTTP service (so the connector's `http:` section decides egress, proxy, TLS; the allow-list is
// enforced there), as a JSON array or as NDJSON, split into several requests when it exceeds
// `max_batch_events` or `max_batch_bytes`. `write` never blocks: it starts one request per
// sub-batch, defers the op and completes it when the last response is in, having set a result
// for every event of every sub-batch.
//
// Every request carries Content-Type (application/json or application/x-ndjson), the auth
// header, the configured headers and `Idempotency-Key`: the hex SHA-256 of the event ids of
// that request (the event bytes stand in for an event without an id), so a receiver can
// deduplicate a resend. Events are sent byte for byte (NDJSON only turns raw CR/LF — which valid
// JSON holds only as whitespace — into spaces so one event stays one line).
//
// Status handling, per request, applied to every event of that request:
//   2xx                          DELIVERED (health back to OK if it had been lowered)
//   401, 403                     RETRY, AUTH; report_health(DOWN, "HTTP 401 ...") — nothing dropped
//   429                          RETRY, RATE_LIMIT, retry_after_ms from Retry-After
//   413, several events          split in halves and resent AT ONCE within the same write (so no
//                                backoff round-trip and no state across writes); recursive
//   413, a single event          REJECTED "payload too large" (the response as evidence)
//   status in permanent_statuses REJECTED, reason "HTTP <status>", response body (≤ 2 KiB,
//                                credentials masked) as evidence. Default [400, 422].
//   503                          RETRY, TRANSIENT, retry_after_ms from Retry-After
//   other 5xx, 408               RETRY, TRANSIENT (retry_after_ms when the peer sent one)
//   3xx                          RETRY, TRANSIENT, "redirect to ... refused" (never followed)
//   other 4xx (404, 405, 409...) RETRY, TRANSIENT, and health DEGRADED: a proxy's or a
//                                misconfigured route's 404 is not a verdict on the events
//   transport error, timeout     RETRY, TRANSIENT
//   refused by the host (egress  RETRY, CONFIG; report_health(DOWN, ...)
//   allow-list, TLS verification)
// When any event is left to retry, the op completes with an error (the worst retry category,
// the largest retry_after_ms) so the host backs off instead of resending at once.
//
// Secrets (auth.token, auth.password) never reach a log line, a status message or a
// dead-letter reason; the URL is only ever shown as scheme://host:port.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "siemhub/plugin.hpp"

namespace siemhub::builtin {

struct HttpSinkConfig {
  std::string url;
  std::string method = "POST";
  std::string format = "json_array";  // or "ndjson"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string auth_type = "none";  // none | bearer | basic | header
  std::string token;               // secret
  std::string username;
  std::string password;  // secret
  std::string header_name;
  bool gzip = false;
  uint32_t max_batch_events = 500;
  uint32_t max_batch_bytes = 1048576;
  uint32_t timeout_ms = 30000;
  std::vector<int> permanent_statuses{400, 422};
};
/// Parses and checks the config; throws sdk::Error(CONFIG) with a message free of secrets.
void from_json(const nlohmann::json& j, HttpSinkConfig& c);

/// Hex SHA-256 (exposed for tests).
std::string sha256_hex(std::string_view data);
/// RFC 4648 base64 with padding (exposed for tests).
std::string base64(std::string_view data);

class HttpSink {
 public:
  static constexpr char id[] = "http";
  static constexpr char version[] = "1.0.0";
  static constexpr const char* vendor = "siemhub";
  static constexpr const char* description =
      "Generic webhook sink: POSTs batches as a JSON array or NDJSON with per-request results";
  static constexpr const char* license = "Apache-2.0";
  static constexpr const char* ocsf_classes = "[]";
  static constexpr const char* config_schema = R"json({
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "additionalProperties": false,
    "required": ["url"],
    "properties": {
      "url": {"type": "string", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\\s]+", "description": "Absolute http(s) URL the batches are sent to; its host:port must be in the connector's http.egress_allow"},
      "method": {"type": "string", "enum": ["POST", "PUT"], "default": "POST", "description": "HTTP method of every request"},
      "format": {"type": "string", "enum": ["json_array", "ndjson"], "default": "json_array", "description": "Body: one JSON array of the events (application/json) or one event per line (application/x-ndjson)"},
      "headers": {"type": "object", "additionalProperties": {"type": "string"}, "default": {}, "description": "Extra request headers (name to value); may not set Content-Length, Content-Encoding, Transfer-Encoding, Host, nor the auth header"},
      "auth": {
        "type": "object",
        "additionalProperties": false,
        "default": {"type": "none"},
        "description": "How requests authenticate",
        "properties": {
          "type": {"type": "string", "enum": ["none", "bearer", "basic", "header"], "default": "none", "description": "none; bearer (Authorization: Bearer <token>); basic (Authorization: Basic of username:password); header (<header_name>: <token>)"},
          "token": {"type": "string", "default": "", "x-siemhub-secret": true, "description": "Token for bearer and header auth (use ${env:NAME} or ${file:/path})"},
          "username": {"type": "string", "default": "", "description": "User name for basic auth"},
          "password": {"type": "string", "default": "", "x-siemhub-secret": true, "description": "Password for basic auth (use ${env:NAME} or ${file:/path})"},
          "header_name": {"type": "string", "default": "", "description": "Header that carries the token for header auth, e.g. X-API-Key"}
        }
      },
      "gzip": {"type": "boolean", "default": false, "description": "gzip request bodies (Content-Encoding: gzip; the host compresses)"},
      "max_batch_events": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 500, "description": "Most events in one request; a larger host batch is split into several requests"},
      "max_batch_bytes": {"type": "integer", "minimum": 1024, "maximum": 104857600, "default": 1048576, "description": "Most body bytes (before gzip) in one request; a larger host batch is split; a single larger event is sent alone"},
      "timeout_ms": {"type": "integer", "minimum": 100, "maximum": 600000, "default": 30000, "description": "Whole-request timeout; a timeout is retried"},
      "permanent_statuses": {"type": "array", "items": {"type": "integer", "minimum": 400, "maximum": 599}, "uniqueItems": true, "default": [400, 422], "description": "Statuses that reject the events of the request to dead letters; other 4xx/5xx are retried (401/403, 413 and 429 have their own handling)"}
    }
  })json";
  using Config = HttpSinkConfig;

  HttpSink(sdk::Host host, Config cfg);
  void write(sdk::SinkOp& op, const sdk::Batch& batch);

 private:
  struct Write;  // one host write (op) and its sub-requests

  void send(const std::shared_ptr<Write>& w, uint32_t first, uint32_t count);
  void on_response(const std::shared_ptr<Write>& w, uint32_t first, uint32_t count, const sdk::HttpResponse* resp,
                   const sdk::Error* err);
  void retry(const std::shared_ptr<Write>& w, uint32_t first, uint32_t count, sdk::Category c, uint32_t retry_after_ms,
             const std::string& reason);
  void set_health(int32_t state, const std::string& reason);
  std::string body_of(const Write& w, uint32_t first, uint32_t count) const;
  std::string redact(std::string text) const;

  sdk::Host host_;
  Config cfg_;
  std::string target_;  // scheme://host:port, the only form of the URL that is ever shown
  std::vector<std::pair<std::string, std::string>> headers_;  // fixed headers of every request
  std::vector<std::string> secrets_;                          // masked in evidence
  int32_t health_ = SIEMHUB_HEALTH_OK;

  struct Metrics {
    sdk::Metric requests, r2xx, r3xx, r4xx, r5xx, transport_errors, delivered, rejected, retried;
  } m_;
};

}  // namespace siemhub::builtin
