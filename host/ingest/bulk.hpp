// The Elasticsearch `_bulk` protocol as pure functions (no I/O): the HTTP server hands over the
// request body and gets back items to journal and the response text. Shippers (Beats, Logstash,
// Fluent Bit, Vector, the Go/Python clients) point at the hub unchanged.
//
// What follows Elasticsearch (8.x BulkRequestParser / BulkRequest.validate):
//   - whole-request 400s: empty body ("request body is required"), a body not ending in "\n", a
//     malformed action/metadata line (not JSON -> x_content_parse_exception; wrong shape, unknown
//     action, unknown parameter, bad op_type -> illegal_argument_exception), and validation errors
//     ("Validation Failed: 1: index is missing;" — no _index and no /{index}/_bulk, empty or
//     over-long _id, "no requests added");
//   - blank action lines are skipped; an action at the end of the body without its source line is
//     dropped (ES does the same: the item does not appear in the response);
//   - per-item 400s: a source that is not a JSON object (document_parsing_exception, the 8.8+ name of
//     mapper_parsing_exception), an invalid index name (invalid_index_name_exception), and (hub
//     choice) a document the OCSF normalizer refuses (document_parsing_exception with the reason);
//   - the line numbers in reasons count every line of the body, 1-based, as ES does.
// Hub choices (ES would execute these): `delete` and `update` are answered per item with 400
// illegal_argument_exception; `_type` is accepted and ignored (ES 8 rejects it unless compatible-with=7).
//
// Backpressure: when the journal is at its cap the server answers the WHOLE request with
// 429 error_response(busy_error()) — what ES does when a node rejects a request; clients resend the
// batch. When only some admitted items could not be stored, respond() with a 429 override for those
// items gives ES's per-item es_rejected_execution_exception inside a 200, and clients resend those.
//
// Every response the server sends to an ES client should carry `X-Elastic-Product: Elasticsearch`
// (product_header): the official clients >= 7.14 refuse servers without it.
#pragma once

#include "ocsf/normalize.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace siemhub::ingest::bulk {

inline constexpr std::string_view product_header_name = "X-Elastic-Product";
inline constexpr std::string_view product_header_value = "Elasticsearch";
/// The version GET / reports unless configured otherwise.
inline constexpr std::string_view default_version = "8.11.0";

enum class Action { index, create, update, delete_ };
/// "index", "create", "update", "delete" — the key of the item in the response.
std::string_view action_name(Action a);

/// An Elasticsearch error: a whole-request one (error_response) or an item's.
struct Error {
  int status = 400;
  std::string type;
  std::string reason;
  bool operator==(const Error&) const = default;
};

struct Item {
  Action action = Action::index;
  std::string index;
  std::string id;             // as given, or generated (20 chars, base64url) when absent
  bool id_generated = false;  // true when `id` was derived from the document
  std::string document;       // the source line, a trailing CR removed; empty for delete
  std::size_t line = 0;       // 1-based line of the action in the body
  std::optional<Error> error;  // nullopt: ok to ingest
  bool ok() const { return !error.has_value(); }
};

struct ParseResult {
  std::optional<Error> error;  // set: answer error_response(*error) with error->status, no items
  std::vector<Item> items;     // in request order; respond() answers them in the same order
  bool ok() const { return !error.has_value(); }
  std::size_t accepted() const;  // items that are ok to ingest
};

/// Parses a `_bulk` body. `path_index` is the {index} of POST /{index}/_bulk (empty for /_bulk); an
/// action's `_index` wins over it. Never throws for any input.
ParseResult parse(std::string_view body, std::string_view path_index = {});

/// The id ES-style clients get back for a document sent without `_id`: 20 base64url characters of
/// SHA-256 over the document text, so a resent document gets the same id.
std::string generated_id(std::string_view document);

/// Content types ES accepts for _bulk: application/x-ndjson, application/json, and
/// application/vnd.elasticsearch+x-ndjson / +json with compatible-with=8 or 9 (case-insensitive,
/// optional charset=utf-8). Anything else (or a missing header, "") is refused.
bool acceptable_content_type(std::string_view content_type);
/// The body ES sends with 406 for a refused content type.
std::string content_type_error(std::string_view content_type);

/// The journal event text for an ok item. A JSON object with an integer class_uid (metadata absent
/// or an object, its labels absent or an array) is taken as an OCSF event and passes through with
/// metadata.labels gaining "receiver:bulk" and "token:<token_name>" (not repeated; key order kept,
/// numbers re-serialised). Anything else is wrapped as an OCSF Base Event
/// (class_uid 0) with raw_data = the document, unmapped.bulk = {index, id, action}, and time from
/// the document's @timestamp (RFC 3339 or epoch millis) or else `now_ms`. Never throws.
std::string to_event(const Item& item, std::string_view token_name, std::int64_t now_ms);

/// to_event() normalized (OCSF completion and validation, the event id): nullopt and `out` filled,
/// or why normalize refuses the event. An OCSF document is labelled and normalized from one
/// simdjson parse; anything else goes through to_event().
std::optional<std::string> normalize_item(const Item& item, std::string_view token_name, std::int64_t now_ms,
                                          ocsf::NormalizedEvent& out);

/// The item error for a document normalize refused (`why`): 400 document_parsing_exception.
Error refused_error(std::string_view why);

/// RFC 3339 / ISO 8601 date-time ("2022-03-19T02:48:12.634Z", "+02:00" offsets, date only) to
/// epoch milliseconds; nullopt when it is not one.
std::optional<std::int64_t> parse_timestamp_ms(std::string_view text);

/// The 200 body for a parsed request. statuses_override: empty, or one entry per item — 0 keeps
/// the item's own outcome, 2xx confirms it, 429 answers es_rejected_execution_exception (hub busy),
/// another status an error of that status. Overrides never turn a rejected item into a success.
/// Successful items get _seq_no first_seq_no, first_seq_no + 1, ... in order.
std::string respond(const std::vector<Item>& items, std::chrono::milliseconds took,
                    const std::vector<int>& statuses_override = {}, std::int64_t first_seq_no = 0);

/// {"error":{"root_cause":[{type,reason}],"type":..,"reason":..},"status":N}
std::string error_response(const Error& error);
/// The 429 the server answers the whole request with when the journal is at its cap.
Error busy_error();

/// GET / — what clients read to decide they talk to Elasticsearch `version`.
std::string root_document(std::string_view version = default_version);
/// GET /_license — a basic, active licence.
std::string license_document();

/// The calls shippers make before `_bulk` (template, ILM policy, ingest pipeline installation,
/// version/licence/xpack/health checks). `path` may carry a query string.
///   GET|HEAD /                          200 root_document (HEAD: no body)
///   GET /_license, /_xpack, /_cluster/health            200
///   PUT|POST /_index_template/N, /_template/N, /_component_template/N, /_ilm/policy/N,
///            /_ingest/pipeline/N         200 {"acknowledged":true}
///   GET|HEAD of those same resources     404 (so the shipper installs them; PUT always succeeds)
///   HEAD /N (alias/index check)          404;  PUT /N (bootstrap index) 200 acknowledged
bool is_setup_call(std::string_view method, std::string_view path);

struct SetupReply {
  int status = 200;
  std::string body;  // empty for HEAD
};
SetupReply setup_response(std::string_view method, std::string_view path,
                          std::string_view version = default_version);

}  // namespace siemhub::ingest::bulk
