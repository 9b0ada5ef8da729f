// `file`: NDJSON in and out.
//  - As a source (pull): reads complete lines from `path`, following it as it grows; the cursor
//    is {"ino":N,"offset":N} — the byte offset after the last line handed over — committed by
//    the host, so a restart continues at the next unread line. A file replaced by rotation
//    (new inode) or truncated is read from its start. A partial last line waits for its newline.
//    Lines that are not JSON objects are skipped and counted (metric file_bad_lines_total).
//  - As a sink: appends one event per line; every event of a batch is confirmed once written
//    (and fsync'd when `fsync` is on). The file and its directories are created.
#pragma once

#include <cstdio>
#include <string>
#include <utility>

#include "siemhub/plugin.hpp"

namespace siemhub::builtin {

struct FileConfig {
  std::string path;
  uint32_t max_line_bytes = 1 << 20;
  bool fsync = false;
  std::string start_at = "beginning";  // source: "beginning" or "end" on the very first run
};
void from_json(const nlohmann::json& j, FileConfig& c);

class FileConnector {
 public:
  static constexpr char id[] = "file";
  static constexpr char version[] = "1.0.0";
  static constexpr const char* vendor = "siemhub";
  static constexpr const char* description = "NDJSON file source (follows a growing file, resumes at its cursor) and sink";
  static constexpr const char* license = "Apache-2.0";
  static constexpr const char* ocsf_classes = "[]";
  static constexpr uint32_t poll_interval_ms = 200;
  static constexpr const char* config_schema = R"json({
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "additionalProperties": false,
    "required": ["path"],
    "properties": {
      "path": {"type": "string", "minLength": 1, "description": "The NDJSON file to read or append to"},
      "max_line_bytes": {"type": "integer", "minimum": 64, "maximum": 67108864, "default": 1048576, "description": "Longer lines are skipped, logged and counted (source); shorter ones that are no event go to the dead letters"},
      "fsync": {"type": "boolean", "default": false, "description": "fsync after every batch (sink)"},
      "start_at": {"type": "string", "enum": ["beginning", "end"], "default": "beginning", "description": "Where a source without a cursor starts"}
    }
  })json";
  using Config = FileConfig;

  FileConnector(sdk::Host host, Config cfg);
  ~FileConnector();
  FileConnector(const FileConnector&) = delete;
  FileConnector& operator=(const FileConnector&) = delete;
  // The SDK's instance holder needs a movable type (it is only ever moved while empty).

  void poll(sdk::PullOp& op);
  void write(sdk::SinkOp& op, const sdk::Batch& batch);
  void stop(int64_t deadline_ms);

 private:
  sdk::Host host_;
  Config cfg_;
  std::FILE* out_ = nullptr;  // sink handle, opened on first write
  std::string write_buf_;     // one batch of lines, written with one fwrite
  sdk::Metric bad_lines_;
  sdk::Metric bytes_read_;
};

}  // namespace siemhub::builtin
