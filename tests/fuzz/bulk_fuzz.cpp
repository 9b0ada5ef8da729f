// libFuzzer target for the Elasticsearch `_bulk` protocol (host/ingest/bulk.hpp): parse + respond +
// to_event on arbitrary bytes, plus the content-type, timestamp and setup-route helpers. Built as a
// fuzzer with clang (-DSIEMHUB_FUZZ=ON); under every compiler bulk_fuzz_replay_test runs the same
// entry over tests/fuzz/corpus/bulk/.
//
//   CC=clang-16 CXX=clang++-16 cmake -S . -B build-fuzz -G Ninja -DSIEMHUB_FUZZ=ON
//   ninja -C build-fuzz bulk_fuzz
//   build-fuzz/tests/fuzz/bulk_fuzz -max_total_time=60 tests/fuzz/corpus/bulk
#include "ingest/bulk.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

using namespace siemhub::ingest::bulk;

namespace {

void check(bool invariant) {
  if (!invariant) __builtin_trap();
}

bool valid_json(const std::string& text) { return nlohmann::json::accept(text); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  // Odd sizes also try a path index made of the input's first bytes (any bytes, even invalid UTF-8).
  const std::string_view path_index = size % 2 ? body.substr(0, body.find('\n') == 0 ? 0 : 12) : std::string_view{};

  const ParseResult r = parse(body, path_index);
  if (!r.ok()) {
    check(r.items.empty());
    check(r.error->status >= 400);
    check(valid_json(error_response(*r.error)));
  } else {
    check(!r.items.empty());
    std::vector<int> overrides;
    for (const Item& item : r.items) {
      check(!item.index.empty());
      check(item.line >= 1);
      if (!item.ok()) check(item.error->status >= 400);
      if (item.action == Action::index || item.action == Action::create) check(!item.id.empty());
      if (item.id_generated) check(item.id.size() == 20);
      overrides.push_back(static_cast<int>(item.line % 3 == 0 ? 429 : 0));
      const std::string event = to_event(item, "fuzz", 1'700'000'000'000);
      check(valid_json(event));
      if (item.ok()) {
        // The source was validated as a JSON object: it either passes through or is wrapped.
        const auto j = nlohmann::json::parse(event);
        check(j.is_object() && j.contains("class_uid") && j.contains("metadata"));
        // The one-parse normalization decides as normalizing to_event's text does.
        siemhub::ocsf::NormalizedEvent fast, slow;
        const auto fast_why = normalize_item(item, "fuzz", 1'700'000'000'000, fast);
        const auto slow_why = siemhub::ocsf::normalize(event, slow);
        check(fast_why.has_value() == slow_why.has_value());
        if (!fast_why) check(nlohmann::json::parse(fast.json) == nlohmann::json::parse(slow.json));
      }
    }
    const std::string response = respond(r.items, std::chrono::milliseconds(size), {}, 0);
    check(valid_json(response));
    const auto j = nlohmann::json::parse(response);
    check(j["items"].size() == r.items.size());
    check(j["errors"].get<bool>() == (r.accepted() != r.items.size()));
    check(valid_json(respond(r.items, std::chrono::milliseconds(0), overrides, 5)));
  }

  (void)acceptable_content_type(body.substr(0, 96));
  (void)parse_timestamp_ms(body.substr(0, 40));
  const std::string_view method = size % 3 == 0 ? "GET" : size % 3 == 1 ? "PUT" : "HEAD";
  const std::string_view path = body.substr(0, body.find('\n'));
  if (is_setup_call(method, path)) {
    const SetupReply reply = setup_response(method, path, "8.11.0");
    check(method == "HEAD" ? reply.body.empty() : valid_json(reply.body));
  }
  return 0;
}
