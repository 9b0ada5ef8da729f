// siemhub configuration: YAML main file + optional conf.d/, validated against a built-in JSON Schema
// (draft-07) for the hub's own structure and against each plugin's config_schema for connector
// configs. Every error names file:line:column and a dotted key path; no error ever carries a
// secret value. Nothing here throws: failures come back as ConfigError values.
// The format is documented in docs/config.md (checked against main_schema() by a test).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/source_map.hpp"

namespace siemhub::config {

/// Per-connector network policy for host HTTP (mirrors http::ConnectorPolicy; config does not
/// depend on the http library).
struct HttpPolicy {
  bool verify_tls = true;
  std::string ca_file;  ///< resolved against the defining file's directory; empty = system bundle
  std::string proxy;    ///< empty = no proxy
  std::vector<std::string> egress_allow;  ///< empty denies all; "*" allows all
  int timeout_ms = 30000;
  int connect_timeout_ms = 10000;
};

/// Sink retry and circuit-breaker settings.
struct RetryPolicy {
  int base_ms = 200;
  int max_ms = 60000;
  int breaker_failures = 5;
  int breaker_open_ms = 30000;
};

/// The `limits` section.
struct Limits {
  uint64_t journal_max_bytes = 1ull << 30;
  uint64_t outbox_max_bytes = 256ull << 20;
  uint64_t min_free_disk_bytes = 256ull << 20;
  int checkpoint_interval_ms = 1000;
  int max_batch_events = 1000;
};

/// The `ingest` section (tokens already resolved; their values are registered as secrets).
struct IngestToken {
  std::string name, token;
  std::vector<std::string> allowed_indexes;
  std::string default_index, default_source, default_sourcetype, default_host;
  bool allow_query_token = false;
};
struct IngestConfig {
  std::string listen = "127.0.0.1:8088";
  std::string tls_cert, tls_key;  ///< resolved against the main file's directory
  uint64_t max_body_bytes = 10ull << 20;
  int request_timeout_ms = 30000;
  int max_connections = 1024;
  bool hec_ack = false;
  bool dead_letter_refused = true;  ///< events normalize refuses are kept in the dead letters
  std::vector<IngestToken> tokens;
};

/// The `rules` section: Lua correlation rules run by the hub (findings come from the source
/// named `correlate`).
struct RulesConfig {
  bool enabled = true;
  std::vector<std::filesystem::path> files;  ///< absolute
  std::vector<std::filesystem::path> dirs;   ///< absolute; every *.lua in them, in name order
  uint64_t memory_limit_bytes = 64ull << 20;
  int64_t instruction_budget = 1'000'000;
  int quarantine_after = 5;
  uint64_t max_groups_per_rule = 100'000;
  unsigned workers = 0;  ///< correlation workers (0: one per core, at most 8)
  SourceLocation where;  ///< location of the `rules` key
};

struct ConnectorConfig {
  std::string name;
  std::string plugin;
  bool enabled = true;
  bool required = false;
  nlohmann::json config = nlohmann::json::object();  ///< validated by validate_plugin_config
  HttpPolicy http;
  RetryPolicy retry;
  int call_timeout_ms = 30000;
  int poll_interval_ms = 0;     ///< pull sources: the wait after an empty poll (0 = the plugin's default)  ///< deadline of each call into the plugin (poll, write, start, ...)
  SourceLocation where;  ///< location of the connector's name
  std::string file;      ///< the file that defines it
};

struct Route {
  std::vector<std::string> from;  ///< source connector names
  std::vector<std::string> to;    ///< sink connector names
  SourceLocation where;
};

struct HubConfig {
  std::filesystem::path file;      ///< absolute path of the main file
  std::filesystem::path data_dir;  ///< absolute
  std::string log_level = "info";
  std::vector<std::filesystem::path> plugin_dirs;  ///< absolute
  std::vector<std::string> required_plugins;
  nlohmann::json limits = nlohmann::json::object();
  Limits caps;  ///< `limits` with defaults applied
  std::optional<IngestConfig> ingest;  ///< absent: no HTTP ingest server
  std::optional<RulesConfig> rules;    ///< absent: no correlation
  /// Main file first (in source order), then conf.d files in name order.
  std::vector<ConnectorConfig> connectors;
  /// Empty = default routing (every source to every sink; expanded by the pipeline, which knows
  /// which connectors are sources and sinks).
  std::vector<Route> routes;
  SourceMap sources;  ///< every node of the merged document, keyed by JSON pointer
};

struct LoadResult {
  std::optional<HubConfig> config;  ///< set only when errors is empty
  std::vector<ConfigError> errors;
};

/// Loads and validates `main_file` plus `conf_d` (default: "conf.d" next to the main file, if it
/// exists). Reports every error found, not only the first. Connector configs are NOT validated
/// here (the plugin schemas are known only after loading plugins): see validate_plugin_config.
LoadResult load_config(const std::filesystem::path& main_file,
                       std::optional<std::filesystem::path> conf_d = std::nullopt);

/// Resolves `${env:NAME}` / `${file:/path}` references anywhere in c.config (in place), registers
/// the values of properties marked "x-siemhub-secret": true for redaction (even literal ones), then
/// validates the resolved config against `plugin_schema_json` (draft-07; empty = accept anything).
/// `sources` is the HubConfig's source map (used for file:line:column).
std::vector<ConfigError> validate_plugin_config(ConnectorConfig& c, std::string_view plugin_schema_json,
                                                const SourceMap& sources);

/// A copy of c.config with secret-marked values (and any registered secret) replaced by "***".
nlohmann::json redacted_config(const ConnectorConfig& c, std::string_view plugin_schema_json);

/// The built-in JSON Schema (draft-07) of the main file: the single source of truth for
/// docs/config.md.
std::string main_schema();

/// The candidate closest to `name` by edit distance, or "" when none is close enough to suggest.
std::string closest_name(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace siemhub::config
