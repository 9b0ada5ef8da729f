// The Splunk connector's configuration: one schema (draft-07, what `siemhub validate` checks and
// the README's option table is tested against) and the typed structs the code reads.
//
// One connector instance can be a HEC sink (`hec`), a search source (`search`, needs `rest`)
// and an action provider (notable updates, need `rest`); the routes decide which roles it plays.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace siemhub::plugins::splunk {

struct AckConfig {
  bool enabled = false;
  std::string channel;  // empty: a GUID generated once per connector and kept in its KV state
  // Splunk's client advice (vendor-apis.md §1.1, "About HTTP Event Collector Indexer
  // Acknowledgment"): poll about every 10 s, re-send only what is unacknowledged after minutes.
  uint32_t poll_interval_ms = 10000;
  uint32_t timeout_ms = 300000;
  uint32_t hold_ms = 20000;  // one host write waits this long, then hands back what is still pending
};

struct HecConfig {
  std::string url;    // base, e.g. https://splunk.example.com:8088
  std::string token;  // secret
  std::string index, source = "siemhub", sourcetype = "ocsf", host;
  std::string index_field, source_field, sourcetype_field, host_field;  // OCSF paths, win over the constants
  std::map<std::string, std::string> fields;                            // indexed field name -> OCSF path
  std::string id_field = "siemhub_id";                                  // indexed field carrying the event id
  uint32_t batch_max_events = 1000;
  uint32_t batch_max_bytes = 900000;
  int gzip_level = 1;  // 0 = off
  uint32_t timeout_ms = 30000;
  AckConfig ack;
};

struct RestConfig {
  std::string url;                 // base, e.g. https://splunk.example.com:8089
  std::string auth_type = "bearer";  // bearer | session | basic
  std::string token;               // secret (bearer token or session key)
  std::string username;
  std::string password;            // secret
  std::string app;                 // with `user`: /servicesNS/<user>/<app>/...
  std::string user;
  uint32_t timeout_ms = 60000;
};

struct SearchConfig {
  std::string query = "search index=notable";
  std::string mapping = "auto";  // auto | notable | event
  int64_t start_s = 86400;       // first run: look back this far by _indextime
  int64_t overlap_s = 300;       // re-read this much before the cursor (indexing lag), deduplicated
  int64_t window_s = 3600;       // most _indextime covered by one export (bounds memory while catching up)
  int64_t interval_s = 30;       // pause between searches once caught up
  bool keep_raw = false;         // copy _raw into raw_data
  std::string product_name = "Splunk Enterprise Security";
};

struct Config {
  std::optional<HecConfig> hec;
  std::optional<RestConfig> rest;
  std::optional<SearchConfig> search;
};

void from_json(const nlohmann::json& j, Config& c);


}  // namespace siemhub::plugins::splunk
