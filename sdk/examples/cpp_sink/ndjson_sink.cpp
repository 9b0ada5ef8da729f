// ndjson_sink.cpp: a minimal siemhub sink in C++ with the header-only SDK layer (plugin.hpp).
//
// Appends every event of a batch as one line of NDJSON to the file `path` from the config, and
// reports a result PER EVENT: DELIVERED once the line is written and flushed, REJECTED (dead
// letter, with the reason) for an event that is not a JSON object. health() reports the last
// write error, if any.
//
// File I/O blocks, and a plugin must not block a host thread, so write() defers the op and hands
// the I/O to the host's blocking pool (run_blocking); the completion, back on the instance
// strand, sets the results and completes the op exactly once.
#include <siemhub/plugin.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

using siemhub::sdk::Category;
using siemhub::sdk::Error;

class NdjsonSink {
 public:
  static constexpr char id[] = "com.example.ndjson-sink";
  static constexpr char version[] = "1.0.0";
  static constexpr const char* vendor = "Example Corp";
  static constexpr const char* description = "Appends events to a local file as NDJSON";
  static constexpr const char* license = "Apache-2.0";
  static constexpr const char* ocsf_classes = "[]";  // consumes any class
  static constexpr const char* config_schema = R"({
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "additionalProperties": false,
    "required": ["path"],
    "properties": {
      "path": {"type": "string", "minLength": 1, "description": "file to append NDJSON lines to"}
    }})";

  // Typed config: plugin.hpp calls from_json; a missing or mistyped key becomes a CONFIG error.
  struct Config {
    std::string path;
    friend void from_json(const nlohmann::json& j, Config& c) {
      if (!j.is_object()) throw Error(Category::config, "config must be an object");
      for (const auto& [key, value] : j.items())
        if (key != "path") throw Error(Category::config, "unknown config key: " + key);
      j.at("path").get_to(c.path);
      if (c.path.empty()) throw Error(Category::config, "path must not be empty");
    }
  };

  NdjsonSink(siemhub::sdk::Host host, Config config)
      : host_(host), path_(std::move(config.path)), written_(host.counter("ndjson_events_written_total", "Lines written")) {}

  void write(siemhub::sdk::SinkOp& op, const siemhub::sdk::Batch& batch) {
    // Borrowed input: copy what the blocking work needs, and judge each event now.
    auto job = std::make_shared<Job>();
    for (uint32_t i = 0; i < batch.size(); ++i) {
      const auto parsed = nlohmann::json::parse(batch[i].data, nullptr, /*allow_exceptions=*/false);
      if (!parsed.is_object()) {
        op.reject(i, "not a JSON object");
        continue;
      }
      job->indexes.push_back(i);
      job->lines.emplace_back(parsed.dump());  // compact: one line, no embedded newline
    }
    const auto later = op.defer();  // completed exactly once, in the second lambda
    host_.run_blocking(
        [job, path = path_] {  // on the host's blocking pool: file I/O only
          if (job->lines.empty()) return;
          std::FILE* f = std::fopen(path.c_str(), "a");
          if (f == nullptr) {
            job->error = "cannot open " + path + ": " + std::strerror(errno);
            return;
          }
          for (const std::string& line : job->lines)
            if (std::fputs(line.c_str(), f) < 0 || std::fputc('\n', f) == EOF) job->error = "write failed";
          if (std::fclose(f) != 0 && job->error.empty()) job->error = "close failed: " + std::string(std::strerror(errno));
        },
        [this, job, later] {  // back on the instance strand: per-event results, then completion
          for (uint32_t i : job->indexes) {
            if (job->error.empty()) later.deliver(i);
            else later.retry(i, 1, Category::transient, 1000, job->error.c_str());
          }
          last_error_ = job->error;
          if (job->error.empty()) {
            last_success_ms_ = host_.now_ms();
            written_.record(static_cast<double>(job->lines.size()));
          }
          later.complete();
        });
  }

  siemhub::sdk::Health health() {
    siemhub::sdk::Health h;
    h.state = last_error_.empty() ? SIEMHUB_HEALTH_OK : SIEMHUB_HEALTH_DEGRADED;
    h.reason = last_error_.empty() ? "writing to " + path_ : last_error_;
    h.last_success_ms = last_success_ms_;
    return h;
  }

 private:
  struct Job {
    std::vector<uint32_t> indexes;  // batch positions of the lines
    std::vector<std::string> lines;
    std::string error;  // set by the blocking work
  };

  siemhub::sdk::Host host_;
  std::string path_;
  siemhub::sdk::Metric written_;
  std::string last_error_;
  int64_t last_success_ms_ = 0;
};

// The ELF note and the exported entry point, generated from the class.
SIEMHUB_PLUGIN(NdjsonSink)
