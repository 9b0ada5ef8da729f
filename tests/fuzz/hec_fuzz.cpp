// libFuzzer target for the Splunk HEC wire parsing (host/ingest/hec_protocol.hpp): envelopes,
// raw lines, credentials, ack requests, query strings, base64, gzip bodies and /v1/events NDJSON on
// arbitrary bytes. Built as a fuzzer with clang (-DSIEMHUB_FUZZ=ON); under every compiler
// hec_fuzz_replay_test runs the same entry over tests/fuzz/corpus/hec/.
//
//   ninja -C build-fuzz hec_fuzz
//   build-fuzz/tests/fuzz/hec_fuzz -max_total_time=60 tests/fuzz/corpus/hec
#include "ingest/hec_mapping.hpp"
#include "ingest/hec_protocol.hpp"

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

using namespace siemhub::ingest;

namespace {

void check(bool invariant) {
  if (!invariant) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  const hec::ParseResult r = hec::parse_events(body);
  if (r.error_code != hec::kSuccess) check(r.error_index == r.events.size());
  for (const auto& e : r.events) {
    check(!e.raw.empty());
    check(e.raw.data() >= body.data() && e.raw.data() + e.raw.size() <= body.data() + body.size());
    (void)e.event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  // The simdjson path (one pass, normalize on the parsed events) accepts and rejects exactly what
  // the nlohmann path does, and maps and normalizes to the same events: those before the first
  // envelope that is bad or that normalize refuses (code 6 at its number, nothing after it).
  std::string padded(body);
  padded.reserve(padded.size() + simdjson::SIMDJSON_PADDING);
  const HecMeta defaults{"h", "s", "st", ""};
  const auto any_index = [](std::string_view) { return true; };
  const MappedBody m = map_hec_body(padded, "fuzz", defaults, any_index, 0);
  std::vector<siemhub::ocsf::NormalizedEvent> expected;
  int code = r.error_code;
  size_t index = r.error_index;
  bool refused = false;
  for (const auto& env : r.events) {
    const HecEvent e = hec_event_of(env, defaults);
    siemhub::ocsf::NormalizedEvent n;
    if (siemhub::ocsf::normalize(map_hec_event(e, "fuzz", 0), n)) {
      code = hec::kInvalidDataFormat;
      index = expected.size();
      refused = true;
      break;
    }
    expected.push_back(std::move(n));
  }
  check(m.error_code == code && m.error_index == index && m.events.size() == expected.size());
  check(m.refused.has_value() == refused);
  if (m.refused) check(!m.refused->original.empty() && !m.refused->reason.empty());
  for (size_t i = 0; i < expected.size(); ++i) {
    const auto mine = nlohmann::json::parse(m.events[i].json, nullptr, false);
    check(!mine.is_discarded() && mine == nlohmann::json::parse(expected[i].json));
  }
  (void)hec::response_body(r.error_code, r.error_index, size);
  (void)hec::http_status(r.error_code);

  for (const auto line : hec::split_lines(body)) check(!line.empty());

  const std::string_view first = body.substr(0, body.find('\n'));
  (void)hec::hec_credentials(first, std::nullopt);
  (void)hec::hec_credentials(std::nullopt, first);
  (void)hec::bearer_or_basic_token(first);
  (void)hec::valid_channel(first);
  if (const auto acks = hec::parse_ack_request(body)) {
    check(acks->size() <= 10000);
    std::vector<std::pair<std::uint64_t, bool>> answers;
    for (const auto id : *acks) answers.emplace_back(id, id % 2 == 0);
    (void)hec::ack_response(answers);
  }
  (void)parse_query(first);
  (void)base64_decode(first);
  bool too_large = false;
  if (const auto inflated = gunzip_body(body, 1 << 20, too_large)) check(inflated->size() <= (1u << 20) && !too_large);
  const NdjsonResult nd = parse_ndjson_objects(body);
  for (const auto& o : nd.objects) check(o.is_object());
  // /v1/events: the simdjson line reader takes and stops exactly where the nlohmann one does.
  const MappedLines lines = map_ndjson_body(padded, "fuzz");
  check(lines.error_line == nd.error_line && lines.objects == nd.objects.size());
  check(lines.events.size() + lines.refused.size() == lines.objects);
  for (const auto& f : lines.refused) check(f.index < lines.objects && f.line >= 1 && !f.refusal.reason.empty());
  return 0;
}
