// Wire parsing for the ingest receivers: Splunk HEC envelopes, raw lines, credentials, ack
// requests and response bodies; NDJSON for /v1/events; query strings; gzip bodies. Pure functions,
// no I/O and no server state, so a fuzz target can call them directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <simdjson.h>
#include <functional>

namespace siemhub::ingest::hec {

/// HEC status codes (Splunk's taxonomy; docs/ingest.md lists the ones we answer).
enum Code : int {
  kSuccess = 0,
  kTokenRequired = 2,
  kInvalidAuthorization = 3,
  kInvalidToken = 4,
  kNoData = 5,
  kInvalidDataFormat = 6,
  kIncorrectIndex = 7,
  kInternalError = 8,
  kServerBusy = 9,
  kChannelMissing = 10,
  kInvalidChannel = 11,
  kEventFieldRequired = 12,
  kEventFieldBlank = 13,
  kAckDisabled = 14,
  kQueryAuthDisabled = 16,
  kHealthy = 17,
};

/// HTTP status and Splunk's text for a code (unknown codes: 500 "Internal server error").
int http_status(int code);
std::string_view text(int code);

/// `{"text":…,"code":…}` plus "invalid-event-number" and "ackId" when given.
std::string response_body(int code, std::optional<size_t> invalid_event_number = std::nullopt,
                          std::optional<uint64_t> ack_id = std::nullopt);

/// One parsed HEC envelope. Missing metadata stays nullopt; `raw` views the envelope text in the body.
struct Envelope {
  nlohmann::json event;  ///< string or any non-blank JSON value
  std::optional<double> time;  ///< epoch seconds
  std::optional<std::string> host, source, sourcetype, index;
  nlohmann::json fields;  ///< object, or null when absent
  std::string_view raw;
};

/// The envelopes before the first bad one, and what was wrong with it (code 0: none was bad).
struct ParseResult {
  std::vector<Envelope> events;
  int error_code = kSuccess;
  size_t error_index = 0;  ///< 0-based number of the bad envelope (== events.size())
  std::string detail;      ///< for logs
};

/// `body`: JSON objects concatenated (whitespace between them optional, no array). An envelope
/// needs a non-blank `event` (code 12 when missing, 13 when null/empty/whitespace); `time` is a
/// number or numeric string of epoch seconds in [0, 1e11); host/source/sourcetype/index are
/// strings; `fields` an object; anything else is code 6. An envelope nested deeper than 510 levels is code
/// 6: wrapped as a Base Event its event is stored 2 levels deeper, within ocsf::kMaxJsonDepth.
ParseResult parse_events(std::string_view body);

/// One envelope as for_each_envelope() sees it: elements and views into the parser's document and
/// the body, valid only during the callback.
struct DomEnvelope {
  simdjson::dom::element event;  ///< non-blank
  std::optional<double> time;    ///< epoch seconds
  std::optional<std::string_view> host, source, sourcetype, index;
  std::optional<simdjson::dom::element> fields;  ///< an object
  std::string_view raw;  ///< the envelope text
  size_t number = 0;     ///< 0-based position in the body
};

struct WalkError {
  int code = kSuccess;
  size_t index = 0;
  std::string detail;
};

enum class Walk {
  done,      ///< every envelope was handed over
  stopped,   ///< at a bad envelope (`error` says which and why, as parse_events would) or by `fn`
  fallback,  ///< this pass cannot decide as parse_events would (malformed or truncated JSON, a
             ///< repeated envelope key, an envelope over 1 MiB): use parse_events for the body
};

/// The envelopes of `body` in one simdjson pass (the thread's parser, no copy of the body), each
/// handed to `fn` in order; `fn` returns false to stop. `body` must be followed by
/// simdjson::SIMDJSON_PADDING readable bytes. Accepts and rejects exactly what parse_events
/// does, or says fallback — possibly after envelopes were already handed over, which the caller
/// then discards.
Walk for_each_envelope(std::string_view body, const std::function<bool(const DomEnvelope&)>& fn, WalkError& error);

/// parse_events' walk, envelope by envelope, for the bodies for_each_envelope cannot take: each
/// envelope simdjson parses and judges exactly goes to `on_dom` (so it maps as in the fast pass),
/// the rest (a repeated key, a number only nlohmann reads) to `on_json` as parse_events parses it.
/// Never returns fallback. Same padding rule.
Walk for_each_envelope_exact(std::string_view body, const std::function<bool(const DomEnvelope&)>& on_dom,
                             const std::function<bool(Envelope&&)>& on_json, WalkError& error);

/// Non-empty lines of a /raw body ("\r\n" or "\n"; a trailing "\r" is stripped). Blank lines are skipped.
std::vector<std::string_view> split_lines(std::string_view body);

/// Credentials found in a request, before they are compared with the configured tokens.
struct Credentials {
  int error = kSuccess;  ///< kTokenRequired, kInvalidAuthorization, or 0
  std::string token;
  bool from_query = false;
};

/// `Authorization: Splunk <token>` or `Basic base64(<any>:<token>)` (schemes case-insensitive);
/// without the header, `?token=` (from_query). Other schemes and malformed values: code 3; nothing: 2.
Credentials hec_credentials(std::optional<std::string_view> authorization, std::optional<std::string_view> query_token);

/// `Authorization: Bearer <token>` (for /v1/events); also Basic with the token as the password.
/// nullopt when missing or malformed.
std::optional<std::string> bearer_or_basic_token(std::string_view authorization);

/// Splunk channels are GUIDs; we accept 1..128 characters of [A-Za-z0-9-_.].
bool valid_channel(std::string_view channel);

/// `{"acks":[id, …]}` (non-negative integers, at most 10000) → ids; nullopt when malformed.
std::optional<std::vector<uint64_t>> parse_ack_request(std::string_view body);
/// `{"acks":{"<id>":true|false, …}}`
std::string ack_response(const std::vector<std::pair<uint64_t, bool>>& acks);

}  // namespace siemhub::ingest::hec

namespace siemhub::ingest {

/// Query string → decoded key/value pairs (first occurrence wins); nullopt on bad percent-encoding.
std::optional<std::map<std::string, std::string>> parse_query(std::string_view query);

/// RFC 4648 base64 (padding optional); nullopt when malformed.
std::optional<std::string> base64_decode(std::string_view text);

/// Inflates a gzip (or zlib) body. `too_large` is set (and nullopt returned) when the output would
/// exceed `max_size`; nullopt alone means corrupt data.
std::optional<std::string> gunzip_body(std::string_view data, size_t max_size, bool& too_large);

/// Calls `fn(line, line_no)` for each line of an NDJSON body that is not blank (spaces and tabs),
/// without its "\n" or "\r\n"; `line_no` is the 1-based physical line number. Stops early when
/// `fn` returns false.
template <class Fn>
void for_each_ndjson_line(std::string_view body, Fn&& fn) {
  size_t line_no = 0;
  while (!body.empty()) {
    const size_t nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body = nl == std::string_view::npos ? std::string_view{} : body.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    if (!fn(line, line_no)) return;
  }
}

/// NDJSON for /v1/events: each non-blank line one JSON object.
struct NdjsonResult {
  std::vector<nlohmann::json> objects;  ///< the lines before the first bad one
  size_t error_line = 0;                ///< 1-based physical line number of the bad line; 0: none
  std::string error;                    ///< "line N: …"
};
NdjsonResult parse_ndjson_objects(std::string_view body);

}  // namespace siemhub::ingest
