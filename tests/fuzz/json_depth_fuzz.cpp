// libFuzzer target: deep nesting on every ingest endpoint's path. The input describes one nesting
// (bytes 0-2: its depth, up to 131 070 levels or, with bit 0 of byte 2, 505-520 around the limit;
// the rest: '[' or '{"k":' per level and what sits at the bottom), which the target puts where each
// receiver reads JSON: a HEC envelope's event and its fields, a /raw line, a /v1/events line, a
// _bulk document and action line, an ack request and a plain event for the normalizer. Deeper than
// ocsf::kMaxJsonDepth levels must be refused with the limit's message (the simdjson and nlohmann paths
// alike); nothing may crash — at these depths a recursive reader overflows the stack. Built as a
// fuzzer with clang (-DSIEMHUB_FUZZ=ON); json_depth_fuzz_replay_test runs tests/fuzz/corpus/depth/.
//
//   ninja -C build-fuzz json_depth_fuzz
//   build-fuzz/tests/fuzz/json_depth_fuzz -max_total_time=30 tests/fuzz/corpus/depth
#include "ingest/bulk.hpp"
#include "ingest/hec_mapping.hpp"
#include "ingest/hec_protocol.hpp"
#include "ocsf/json_depth.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

using namespace siemhub::ingest;
using siemhub::ocsf::kMaxJsonDepth;

namespace {

void check(bool invariant) {
  if (!invariant) __builtin_trap();
}

bool says_too_deep(std::string_view text) { return text.find("nested deeper than ") != std::string_view::npos; }

// simdjson reads up to SIMDJSON_PADDING bytes past the end (the server reserves them too).
void pad(std::string& text) { text.reserve(text.size() + simdjson::SIMDJSON_PADDING); }

// `depth` containers, the kinds taken in turn from `kinds`, with `bottom` inside the last one.
std::string nest(std::size_t depth, std::string_view kinds, std::string_view bottom) {
  std::string open, close;
  for (std::size_t i = 0; i < depth; ++i) {
    const bool array = kinds.empty() || (static_cast<unsigned char>(kinds[i % kinds.size()]) & 1) == 0;
    open += array ? "[" : R"({"k":)";
    close += array ? ']' : '}';
  }
  return open + std::string(bottom) + std::string(close.rbegin(), close.rend());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const std::size_t depth = (data[2] & 1) ? 505 + data[0] % 16 : ((std::size_t{data[0]} << 8) | data[1]) * 2;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 3, size - 3);
  const std::string_view kinds = rest.substr(0, rest.size() / 2);
  const std::string_view bottom = rest.substr(rest.size() / 2);
  std::string value = nest(depth, kinds, "1");
  const std::size_t levels = depth + 1;  // the value at the bottom is one level below the deepest container
  // A string at the bottom when the bytes make a valid one (the limit, not the lexer, must refuse).
  const bool plain = std::all_of(bottom.begin(), bottom.end(), [](char ch) {
    return static_cast<unsigned char>(ch) >= 0x20 && ch != '"' && ch != '\\';
  });
  if (!bottom.empty() && plain && simdjson::validate_utf8(bottom.data(), bottom.size())) {
    value = nest(depth, kinds, "\"" + std::string(bottom) + "\"");
  }

  // HEC /event: the envelope adds a level around the event and two around fields; envelopes hold two
  // levels less than the limit (their event is stored that much deeper when wrapped).
  const std::pair<std::string, std::size_t> envelopes[] = {{R"({"event":)" + value + "}", 1},
                                                           {R"({"event":"x","fields":{"f":)" + value + "}}", 2}};
  for (const auto& [body, around] : envelopes) {
    std::string b = body;
    pad(b);
    const hec::ParseResult r = hec::parse_events(b);
    const MappedBody m = map_hec_body(b, "fuzz", HecMeta{}, [](std::string_view) { return true; }, 0);
    check(m.error_code == r.error_code && m.error_index == r.error_index);
    if (levels + around > kMaxJsonDepth - 2) {
      check(r.error_code == hec::kInvalidDataFormat && r.events.empty() && m.events.empty() && says_too_deep(r.detail));
    }
  }
  // HEC /raw: a line is a string, stored whatever it holds.
  std::string raw = value;
  pad(raw);
  check(map_hec_lines(hec::split_lines(raw), HecEvent{}, "fuzz", 0).events.size() == 1);

  // /v1/events: the line itself is the document.
  std::string line = value + "\n";
  pad(line);
  const MappedLines lines = map_ndjson_body(line, "fuzz");
  const NdjsonResult nd = parse_ndjson_objects(line);
  check(lines.error_line == nd.error_line && lines.error == nd.error);
  if (levels > kMaxJsonDepth) check(lines.error_line == 1 && says_too_deep(lines.error) && lines.events.empty());

  // _bulk: a deep document is refused per item, a deep action line refuses the request.
  const bulk::ParseResult doc = bulk::parse("{\"index\":{\"_index\":\"i\"}}\n" + value + "\n");
  check(doc.ok() && doc.items.size() == 1);
  const bulk::Item& item = doc.items[0];
  if (levels > kMaxJsonDepth) check(item.error && says_too_deep(item.error->reason));
  if (item.ok()) {
    siemhub::ocsf::NormalizedEvent n;
    (void)bulk::normalize_item(item, "fuzz", 0, n);
  }
  bulk::Item deep = item;
  deep.error.reset();
  (void)bulk::to_event(deep, "fuzz", 0);  // wraps a document it cannot read
  const bulk::ParseResult action = bulk::parse(value + "\n{}\n");
  if (levels > kMaxJsonDepth) check(!action.ok() && says_too_deep(action.error->reason));

  // The ack request and the normalizer.
  const auto acks = hec::parse_ack_request(R"({"acks":)" + value + "}");
  if (levels + 1 > kMaxJsonDepth) check(!acks);
  siemhub::ocsf::NormalizedEvent n;
  const auto why = siemhub::ocsf::normalize(value, n);
  if (levels > kMaxJsonDepth) check(why && says_too_deep(*why) && n.json == value);
  return 0;
}
