// siemhub SDK test kit — scripted HTTP exchanges: a fixture file lists the requests a plugin
// must make, in order, and the responses the fake host answers with.
//
//   auto script = siemhub::testing::HttpScript::load("tests/two_pages.json");
//   siemhub::testing::FakeHost host;
//   siemhub::testing::ScriptedHttp http(host, script);   // replaces the host's HTTP answers
//   ... poll the plugin ...
//   REQUIRE(http.consumed());
//   REQUIRE(http.mismatches().empty());
//
// The fixture (JSON):
//
//   {
//     "description": "two pages, a 429, then the rest",
//     "exchanges": [
//       {"request":  {"method": "GET",                          // default GET
//                     "url": "https://api.example.com/v1/logs?limit=2",   // exact, or
//                     "url_pattern": "https://api.example.com/v1/logs?*", // '*' = any run
//                     "headers": {"Authorization": "SSWS test-token",     // "*" = present
//                                 "Accept": "*"},
//                     "body_contains": ["\"user\""]},                     // or one string
//        "response": {"status": 200,                                       // default 200
//                     "headers": [["Link", "<...?after=2>; rel=\"next\""], // pairs: repeats
//                                 ["Link", "<...>; rel=\"self\""]],        // kept in order
//                     "body": [{"id": 1}],      // a string is sent as is, any other JSON dumped
//                     "latency_ms": 0,
//                     "retry_after_ms": 30000}}, // default: from a delta-seconds Retry-After
//       {"request": {...}, "response": {"error": "TRANSIENT", "message": "connection reset"}}
//     ],
//     "expect": {"min_events": 4,      // what `siemhub-conformance --script` checks
//                "cursor": true,       // every poll that emitted events set a new cursor
//                "max_polls": 20}
//   }
//
// Headers of a response may also be an object {"Name": "value"} (no repeats). Requests are
// matched in order: a request that does not match the next exchange (method, URL, headers,
// body), or one made after the last exchange, is a violation recorded on the FakeHost and is
// answered with a PERMANENT transport failure "unexpected request", so a plugin that strays
// fails visibly instead of hanging.
#ifndef SIEMHUB_TESTING_HTTP_SCRIPT_HPP
#define SIEMHUB_TESTING_HTTP_SCRIPT_HPP

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "siemhub/testing/fake_host.hpp"

namespace siemhub::testing {

/// What one scripted request must look like.
struct ExpectedRequest {
  std::string method = "GET";
  std::string url;           ///< the exact URL, or a pattern when `pattern` is set
  bool pattern = false;      ///< `url` is a glob: '*' matches any run of characters
  Headers headers;           ///< each must be present (case-insensitive name); value "*" = any
  std::vector<std::string> body_contains;
  /// "GET https://api.example.com/v1/logs?limit=2"
  std::string describe() const;
  /// Empty when `r` matches, else why not ("URL https://x differs from the expected https://y").
  std::string mismatch(const HttpRecord& r) const;
};

struct HttpExchange {
  ExpectedRequest request;
  HttpReply response;
};

/// What a scripted conformance run expects of the plugin (the fixture's "expect").
struct ScriptExpectations {
  size_t min_events = 1;
  bool cursor = true;
  uint32_t max_polls = 50;
};

struct HttpScript {
  std::string description;
  std::vector<HttpExchange> exchanges;
  ScriptExpectations expect;

  /// Parses a fixture; throws std::runtime_error naming the place ("exchanges[2].response.status:
  /// expected an integer 100..599").
  static HttpScript parse(std::string_view json_text);
  /// Reads and parses a fixture file; errors name the file.
  static HttpScript load(const std::string& path);
};

/// True when `text` matches `pattern`, where '*' matches any run of characters (none included).
bool glob_match(std::string_view pattern, std::string_view text);

/// Replays a script on a FakeHost (installs its on_http handler; keep this object alive while
/// the plugin runs). Replies queued with FakeHost::script() are still served first.
class ScriptedHttp {
 public:
  ScriptedHttp(FakeHost& host, HttpScript script);
  ~ScriptedHttp();
  ScriptedHttp(const ScriptedHttp&) = delete;
  ScriptedHttp& operator=(const ScriptedHttp&) = delete;

  const HttpScript& script() const;
  /// Exchanges answered so far (matched or not).
  size_t answered() const;
  /// Every exchange was requested.
  bool consumed() const;
  /// The requests that did not match (also recorded as FakeHost violations), in order.
  std::vector<std::string> mismatches() const;

 private:
  struct State;
  FakeHost& host_;
  std::shared_ptr<State> state_;
};

}  // namespace siemhub::testing

#endif  // SIEMHUB_TESTING_HTTP_SCRIPT_HPP
