// The connector's config schema (JSON Schema draft-07): what `siemhub validate` checks, what the
// plugin descriptor carries, and what the README's option table is tested against. Secret fields
// carry "x-siemhub-secret": true (resolved by the host, redacted everywhere).
#pragma once

namespace siemhub::plugins::splunk {

inline constexpr const char* kConfigSchema = R"json({
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "additionalProperties": false,
  "description": "Splunk: HEC sink (hec), search export source (search + rest), notable update actions (rest)",
  "properties": {
    "hec": {
      "type": "object",
      "additionalProperties": false,
      "required": ["url", "token"],
      "description": "HTTP Event Collector sink",
      "properties": {
        "url": {"type": "string", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\\s]+/?$", "description": "HEC base URL, e.g. https://splunk.example.com:8088 (no path); its host:port must be in the connector's http.egress_allow when that is set"},
        "token": {"type": "string", "minLength": 1, "x-siemhub-secret": true, "description": "HEC token, sent as Authorization: Splunk <token> (use ${env:NAME} or ${file:/path})"},
        "index": {"type": "string", "default": "", "description": "Index of every event; empty = the token's default index"},
        "source": {"type": "string", "default": "siemhub", "description": "source of every event"},
        "sourcetype": {"type": "string", "default": "ocsf", "description": "sourcetype of every event"},
        "host": {"type": "string", "default": "", "description": "host of every event; empty = Splunk's default (the sender)"},
        "index_field": {"type": "string", "default": "", "description": "OCSF path whose value, when present, is the event's index (wins over index)"},
        "source_field": {"type": "string", "default": "", "description": "OCSF path whose value, when present, is the event's source"},
        "sourcetype_field": {"type": "string", "default": "", "description": "OCSF path whose value, when present, is the event's sourcetype"},
        "host_field": {"type": "string", "default": "", "description": "OCSF path whose value, when present, is the event's host, e.g. device.hostname"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"}, "default": {}, "description": "Indexed fields: field name to OCSF path, e.g. {src_ip: src_endpoint.ip}; absent values are left out"},
        "id_field": {"type": "string", "default": "siemhub_id", "description": "Indexed field carrying the hub's deterministic event id (so a resend can be deduplicated in Splunk); empty = none"},
        "batch_max_events": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1000, "description": "Most events in one HEC request"},
        "batch_max_bytes": {"type": "integer", "minimum": 1024, "maximum": 838860800, "default": 900000, "description": "Most body bytes (before gzip) in one HEC request; under Splunk Cloud's 1 MB limit by default"},
        "gzip_level": {"type": "integer", "minimum": 0, "maximum": 9, "default": 1, "description": "gzip level of request bodies (Content-Encoding: gzip); 0 = no compression"},
        "timeout_ms": {"type": "integer", "minimum": 100, "maximum": 600000, "default": 30000, "description": "Whole-request timeout of one HEC request; a timeout is retried"},
        "ack": {
          "type": "object",
          "additionalProperties": false,
          "default": {"enabled": false},
          "description": "Indexer acknowledgement: events leave the outbox only once /services/collector/ack says true",
          "properties": {
            "enabled": {"type": "boolean", "default": false, "description": "Use indexer acknowledgement (the token must have it on)"},
            "channel": {"type": "string", "default": "", "pattern": "^$|^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$", "description": "Channel GUID; empty = one generated for this connector and kept in its state"},
            "poll_interval_ms": {"type": "integer", "minimum": 50, "maximum": 60000, "default": 10000, "description": "How often pending ackIds are polled (Splunk advises about every 10 s)"},
            "timeout_ms": {"type": "integer", "minimum": 500, "maximum": 3600000, "default": 300000, "description": "A request whose ackId is not acknowledged within this time is re-sent (Splunk advises minutes); until then its events are never sent again"},
            "hold_ms": {"type": "integer", "minimum": 100, "maximum": 25000, "default": 20000, "description": "How long one host write waits for acknowledgements before handing the still pending events back to the host (below its 30 s write deadline); written again, they wait for the same ackId instead of being re-sent"}
          }
        }
      }
    },
    "rest": {
      "type": "object",
      "additionalProperties": false,
      "required": ["url"],
      "description": "Splunk REST API (management port) used by search and the notable actions",
      "properties": {
        "url": {"type": "string", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\\s]+/?$", "description": "REST base URL, e.g. https://splunk.example.com:8089 (no path)"},
        "auth": {
          "type": "object",
          "additionalProperties": false,
          "default": {"type": "bearer"},
          "description": "How REST calls authenticate",
          "properties": {
            "type": {"type": "string", "enum": ["bearer", "session", "basic"], "default": "bearer", "description": "bearer: Authorization: Bearer <token> (Splunk auth token); session: Authorization: Splunk <token> (a session key); basic: username and password"},
            "token": {"type": "string", "default": "", "x-siemhub-secret": true, "description": "Auth token or session key (use ${env:NAME} or ${file:/path})"},
            "username": {"type": "string", "default": "", "description": "User for basic auth"},
            "password": {"type": "string", "default": "", "x-siemhub-secret": true, "description": "Password for basic auth"}
          }
        },
        "app": {"type": "string", "default": "", "description": "App namespace; with user, calls go to /servicesNS/<user>/<app>/... instead of /services/..."},
        "user": {"type": "string", "default": "", "description": "User namespace (with app)"},
        "timeout_ms": {"type": "integer", "minimum": 100, "maximum": 3600000, "default": 60000, "description": "Whole-request timeout of one REST call (an export stream included)"}
      }
    },
    "search": {
      "type": "object",
      "additionalProperties": false,
      "description": "Search export source: results of an SPL search, resumed by _indextime",
      "properties": {
        "query": {"type": "string", "pattern": "^\\s*(search|\\|)", "default": "search index=notable", "description": "SPL; must start with search or |"},
        "mapping": {"type": "string", "enum": ["auto", "notable", "event"], "default": "auto", "description": "notable: ES notables to OCSF Detection Finding (2004); event: any result to OCSF Base Event (0) with the fields in unmapped; auto: notable when index=notable or sourcetype=stash"},
        "start_s": {"type": "integer", "minimum": 0, "maximum": 31536000, "default": 86400, "description": "On the very first run, read back this many seconds of _indextime"},
        "overlap_s": {"type": "integer", "minimum": 0, "maximum": 86400, "default": 300, "description": "Each search re-reads this many seconds before the cursor (indexing lag); results already taken are skipped by id"},
        "window_s": {"type": "integer", "minimum": 1, "maximum": 604800, "default": 3600, "description": "Most seconds of _indextime one search covers (catching up happens window by window)"},
        "interval_s": {"type": "integer", "minimum": 1, "maximum": 86400, "default": 30, "description": "Pause between searches once caught up"},
        "keep_raw": {"type": "boolean", "default": false, "description": "Keep each result's _raw in the event's raw_data"},
        "product_name": {"type": "string", "default": "Splunk Enterprise Security", "description": "metadata.product.name of the events produced"}
      }
    }
  }
})json";

}  // namespace siemhub::plugins::splunk
