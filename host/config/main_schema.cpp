// The built-in JSON Schema (draft-07) of the main config file and of conf.d files.
// Single source of truth for docs/config.md: a test asserts every property path below is
// documented there. Keep "default" values in sync with the structs in config.hpp.
#include "config/config.hpp"

namespace siemhub::config {

std::string main_schema() {
  return R"json({
  "$schema": "http://json-schema.org/draft-07/schema#",
  "$id": "https://siemhub.dev/schemas/config.json",
  "title": "siemhub main configuration file",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "data_dir": {
      "type": "string", "minLength": 1, "default": "./siemhub-data",
      "description": "State directory (journal, key-value state, DLQ); relative paths resolve against the config file's directory."
    },
    "log_level": {
      "type": "string", "enum": ["trace", "debug", "info", "warn", "error"], "default": "info",
      "description": "Minimum level of log lines the hub writes."
    },
    "plugins": {
      "type": "object", "additionalProperties": false, "default": {},
      "description": "Where plugins are loaded from.",
      "properties": {
        "dirs": {
          "type": "array", "items": {"type": "string", "minLength": 1}, "default": [],
          "description": "Plugin directories; relative paths resolve against the config file's directory."
        },
        "required": {
          "type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": true, "default": [],
          "description": "Plugin ids that must load, else the hub refuses to start."
        }
      }
    },
    "limits": {
      "type": "object", "additionalProperties": false, "default": {},
      "description": "Caps of the durable pipeline; at a cap pull sources pause and push sources are refused until it drains.",
      "properties": {
        "journal_max_bytes": {"type": "integer", "minimum": 1048576, "default": 1073741824, "description": "Bytes the ingest journal may retain (events not yet confirmed by every sink)."},
        "outbox_max_bytes": {"type": "integer", "minimum": 65536, "default": 268435456, "description": "Bytes one sink may have unconfirmed; a slow sink holds back the sources routed to it."},
        "min_free_disk_bytes": {"type": "integer", "minimum": 0, "default": 268435456, "description": "Below this much free space on the data directory's disk, sources are held back (a full disk also counts as full)."},
        "checkpoint_interval_ms": {"type": "integer", "minimum": 50, "maximum": 60000, "default": 1000, "description": "How often sink cursors are checkpointed and delivered journal records deleted."},
        "max_batch_events": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1000, "description": "Events per poll and per sink write."}
      }
    },
    "ingest": {
      "type": "object", "additionalProperties": false,
      "description": "The HTTP ingest server: Splunk HEC, Elasticsearch _bulk and /v1/events endpoints plus /healthz, /readyz and /metrics. Absent: no listener. In routes its events come from the source named ingest.",
      "properties": {
        "listen": {"type": "string", "minLength": 1, "default": "127.0.0.1:8088", "description": "host:port to listen on; port 0 picks a free port."},
        "tls_cert": {"type": "string", "minLength": 1, "description": "PEM certificate; with tls_key the server speaks HTTPS only."},
        "tls_key": {"type": "string", "minLength": 1, "description": "PEM private key for tls_cert."},
        "max_body_bytes": {"type": "integer", "minimum": 1024, "maximum": 1073741824, "default": 10485760, "description": "Largest request body; larger ones get 413."},
        "request_timeout_ms": {"type": "integer", "minimum": 100, "maximum": 600000, "default": 30000, "description": "Time to receive one request (headers and body)."},
        "max_connections": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1024, "description": "Open connections; more are answered busy and closed, never dropped silently."},
        "hec_ack": {"type": "boolean", "default": false, "description": "HEC indexer acknowledgement: ackId per channel, /services/collector/ack true once durable."},
        "dead_letter_refused": {"type": "boolean", "default": true, "description": "Events the receivers answer as refused (normalize refused them) are kept in the dead letters (stage source) with the reason and the text as sent; false: counted and logged only."},
        "tokens": {
          "type": "array", "default": [], "items": {"$ref": "#/definitions/ingest_token"},
          "description": "Tokens clients authenticate with (Splunk <token>, Basic, Bearer or ApiKey); every ingest endpoint requires one."
        }
      }
    },
    "rules": {
      "type": "object", "additionalProperties": false,
      "description": "Lua correlation rules (docs/lua-rules.md) run on every event; their Detection Findings come from the source named correlate. Absent: no correlation.",
      "properties": {
        "enabled": {"type": "boolean", "default": true, "description": "false: the rules are neither loaded nor run."},
        "files": {"type": "array", "items": {"type": "string", "minLength": 1}, "default": [], "description": "Rule files (.lua); relative paths resolve against the config file's directory."},
        "dirs": {"type": "array", "items": {"type": "string", "minLength": 1}, "default": [], "description": "Directories whose *.lua files are loaded (in name order); relative paths resolve against the config file's directory."},
        "memory_limit_bytes": {"type": "integer", "minimum": 1048576, "default": 67108864, "description": "Memory cap of each rule file's own Lua state on each worker; a rule whose calls hit it faults, the other files are unaffected."},
        "workers": {"type": "integer", "minimum": 0, "maximum": 64, "default": 0, "description": "Correlation workers, each with its own Lua state per rule file; the state of each (rule, group key) lives on one of them. 0: one per core (at most 8)."},
        "instruction_budget": {"type": "integer", "minimum": 1000, "default": 1000000, "description": "Lua VM instructions one rule call may run before it faults."},
        "quarantine_after": {"type": "integer", "minimum": 1, "maximum": 1000000, "default": 5, "description": "Faults within a rule's last 100 Lua calls after which it is quarantined (it stops running; the others keep going)."},
        "max_groups_per_rule": {"type": "integer", "minimum": 1, "default": 100000, "description": "Groups (distinct by values) one rule may keep; the oldest are evicted beyond it."}
      }
    },
    "connectors": {
      "type": "object", "default": {},
      "description": "Connector instances by name; names match ^[a-z0-9][a-z0-9_-]*$ and are unique across the main file and conf.d.",
      "propertyNames": {"pattern": "^[a-z0-9][a-z0-9_-]*$"},
      "additionalProperties": {"$ref": "#/definitions/connector"}
    },
    "routes": {
      "type": "array", "items": {"$ref": "#/definitions/route"},
      "description": "Where events go. Absent or empty: every source connector to every sink connector."
    }
  },
  "definitions": {
    "ingest_token": {
      "type": "object", "additionalProperties": false, "required": ["name", "token"],
      "properties": {
        "name": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]*$", "description": "Name recorded with every event this token brings (metadata.labels token:<name>)."},
        "token": {"type": "string", "minLength": 8, "x-siemhub-secret": true, "description": "The secret itself; use ${env:NAME} or ${file:/path}."},
        "allowed_indexes": {"type": "array", "items": {"type": "string"}, "default": [], "description": "HEC indexes this token may write (empty: any); others get code 7."},
        "default_index": {"type": "string", "default": "", "description": "HEC index when an event names none."},
        "default_source": {"type": "string", "default": "", "description": "HEC source when an event names none."},
        "default_sourcetype": {"type": "string", "default": "", "description": "HEC sourcetype when an event names none."},
        "default_host": {"type": "string", "default": "", "description": "HEC host when an event names none."},
        "allow_query_token": {"type": "boolean", "default": false, "description": "Accept this token as ?token= in the URL (HEC only; URLs end up in proxy logs)."}
      }
    },
    "connector": {
      "type": "object", "additionalProperties": false, "required": ["plugin"],
      "properties": {
        "plugin": {
          "type": "string", "minLength": 1,
          "description": "Plugin id: a built-in (generator, file, stdout) or a loaded plugin's id."
        },
        "enabled": {"type": "boolean", "default": true, "description": "false: the connector is neither created nor started."},
        "required": {"type": "boolean", "default": false, "description": "true: failing to create or start this connector stops the hub."},
        "poll_interval_ms": {"type": "integer", "minimum": 0, "maximum": 86400000, "default": 0, "description": "Pull sources: how long to wait after a poll that returned no events before the next (±10 % jitter); 0 = the plugin's suggested interval. After a poll that returned events the next one starts at once; after a failed poll the retry schedule applies."},
        "call_timeout_ms": {"type": "integer", "minimum": 100, "maximum": 600000, "default": 30000, "description": "Deadline of each call into the plugin (poll, write, lookup, create, start, callbacks); a call past it marks the connector down and is logged."},
        "config": {
          "type": "object", "default": {},
          "description": "The plugin's own settings, validated against the plugin's config_schema; ${env:NAME} and ${file:/path} references are resolved."
        },
        "retry": {
          "type": "object", "additionalProperties": false, "default": {},
          "description": "Sink retries: exponential backoff with full jitter, never sooner than the receiver's Retry-After.",
          "properties": {
            "base_ms": {"type": "integer", "minimum": 1, "maximum": 600000, "default": 200, "description": "First backoff step in milliseconds."},
            "max_ms": {"type": "integer", "minimum": 1, "maximum": 3600000, "default": 60000, "description": "Longest backoff in milliseconds."}
          }
        },
        "breaker": {
          "type": "object", "additionalProperties": false, "default": {},
          "description": "Sink circuit breaker: opens after consecutive failed writes, probes once after open_ms, closes on success.",
          "properties": {
            "failures": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 5, "description": "Consecutive failed writes that open the breaker."},
            "open_ms": {"type": "integer", "minimum": 1, "maximum": 3600000, "default": 30000, "description": "How long the breaker stays open before a probe."}
          }
        },
        "http": {
          "type": "object", "additionalProperties": false, "default": {},
          "description": "Network policy for the host HTTP requests this connector makes.",
          "properties": {
            "verify_tls": {"type": "boolean", "default": true, "description": "Verify the peer certificate and host name."},
            "ca_file": {"type": "string", "minLength": 1, "description": "CA bundle (PEM) instead of the system bundle; relative paths resolve against the defining file's directory."},
            "proxy": {"type": "string", "minLength": 1, "description": "Proxy URL, e.g. http://proxy:3128; the environment's proxy variables are ignored."},
            "egress_allow": {
              "type": "array", "items": {"type": "string", "minLength": 1}, "default": [],
              "description": "Allowed destinations as host[:port] patterns (\"*.splunkcloud.com:8088\"); empty denies all, \"*\" allows all."
            },
            "timeout_ms": {"type": "integer", "minimum": 0, "maximum": 3600000, "default": 30000, "description": "Whole-request timeout in milliseconds; 0 = none."},
            "connect_timeout_ms": {"type": "integer", "minimum": 0, "maximum": 600000, "default": 10000, "description": "Connect timeout in milliseconds; 0 = libcurl's default."}
          }
        }
      }
    },
    "route": {
      "type": "object", "additionalProperties": false, "required": ["from", "to"],
      "properties": {
        "from": {"type": "array", "minItems": 1, "items": {"type": "string"}, "description": "Source connector names."},
        "to": {"type": "array", "minItems": 1, "items": {"type": "string"}, "description": "Sink connector names."}
      }
    }
  }
})json";
}

}  // namespace siemhub::config
