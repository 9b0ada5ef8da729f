// The hostile request fixtures of tests/data/hostile/requests/*.yaml (format: tests/data/hostile/README.md)
// turned into bytes to write and expectations to check. Loading is strict: an unknown key, an
// unknown placeholder or a malformed generator is a fixture error naming the case, so a typo never
// turns a case into one that checks nothing.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace siemhub::testing::hostile {

/// What `${name}` placeholders expand to (besides `${id}`, a fresh event id each time, and
/// `${length}` in raw requests, the byte count after the header).
using Secrets = std::map<std::string, std::string>;

/// One request as it goes on the wire.
struct WireRequest {
  std::string bytes;
  std::string method;
  std::string path;              ///< without the query
  std::vector<std::string> ids;  ///< the event ids in its body, in order
};

/// One expected answer: a status code, a class ("4xx"), or "none" (the hub closes without one).
struct ExpectedStatus {
  int code = 0;      ///< exact code, 0 when a class or none
  int klass = 0;     ///< 4 for "4xx"
  bool none = false;
  std::string text() const;
  bool matches(int status) const;
};

struct Case {
  std::string name;
  std::string file;
  bool admin = false;  ///< sent to the admin API's Unix socket instead of the ingest port
  std::vector<WireRequest> requests;
  int drip_ms = 0;      ///< raw only: write drip_bytes every drip_ms instead of all at once
  size_t drip_bytes = 1;
  std::vector<ExpectedStatus> statuses;
  std::vector<std::string> body_contains, body_lacks, head_lacks;
  size_t stored = 0;  ///< events the answers must acknowledge
  bool closed = false;
  int wait_ms = 5000;
};

/// Every case of every *.yaml file in `dir` (files in name order); throws std::runtime_error
/// naming the file and case on a fixture error. Ids are "hostile-NNNN-NNNNN" (case number, n-th id).
std::vector<Case> load_cases(const std::filesystem::path& dir, const Secrets& secrets);

/// The event ids an answer to `request` acknowledged as stored, read from the answer as a client
/// would (HEC code 0 or invalid-event-number, /v1/events accepted and refused, _bulk item
/// statuses). Sets `error` when the answer acknowledges events the request has no id for.
std::vector<std::string> acknowledged(const WireRequest& request, int status, const std::string& body,
                                      std::string& error);

std::string base64(std::string_view in);

}  // namespace siemhub::testing::hostile
