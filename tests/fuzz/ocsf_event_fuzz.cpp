// libFuzzer target for the OCSF event model: parse + validate + complete + path lookups on
// arbitrary bytes, and the normalize stage itself (ocsf::normalize, what the pipeline and the
// receivers run): whatever it accepts is valid OCSF text with an id. Built as a fuzzer with clang (-DSIEMHUB_FUZZ=ON); under every compiler
// ocsf_corpus_replay_test.cpp runs the same entry over tests/fuzz/corpus/ocsf/.
//
//   CC=clang-16 CXX=clang++-16 cmake -S . -B build-fuzz -G Ninja -DSIEMHUB_FUZZ=ON
//   ninja -C build-fuzz ocsf_event_fuzz
//   build-fuzz/tests/fuzz/ocsf_event_fuzz -max_total_time=60 tests/fuzz/corpus/ocsf
#include "ocsf/complete.hpp"
#include "ocsf/normalize.hpp"
#include "ocsf/schema.hpp"
#include "ocsf/validate.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

using namespace siemhub::ocsf;

namespace {

void check(bool invariant) {
  if (!invariant) __builtin_trap();
}

void lookups(const Event& e, std::string_view data) {
  (void)e.get_string("metadata.product.name");
  (void)e.get_int("class_uid");
  (void)e.get_double("time");
  (void)e.get_bool("is_mfa");
  (void)e.get_element("observables[0].value");
  (void)e.get_element("observables.0.value");
  // A path made of the input's own first bytes, to reach odd separators and indexes.
  (void)e.get_element(data.substr(0, 24));
  if (const auto uid = e.get_int("class_uid")) {
    if (const ClassInfo* c = class_info(*uid)) (void)c->attribute(data.substr(0, 16));
  }
  if (const ObjectInfo* o = object_info(data.substr(0, 12))) (void)o->attribute(data.substr(0, 16));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const Event event = Event::parse(text);
  check(event.text() == text);
  const auto violations = validate(event);
  for (const auto& v : violations) (void)v.to_string();
  check(event.ok() || (violations.size() == 1 && violations[0].problem == Problem::parse_error));
  lookups(event, text);
  if (!event.ok()) return 0;

  nlohmann::json j = event.to_json();
  complete(j);
  (void)j.dump();  // strings came through simdjson's UTF-8 validation, so dump cannot throw

  Event completed = Event::parse(text);
  const bool changed = complete(completed);
  // Completing a parsed object must leave parseable JSON whose derived attributes are present.
  check(completed.ok());
  if (changed) {
    check(completed.get_element("severity_id").has_value());
    check(completed.get_element("metadata").has_value());
  }
  (void)validate(completed);
  lookups(completed, text);

  NormalizedEvent normalized;
  if (!normalize(text, normalized)) {
    const Event again = Event::parse(normalized.json);
    check(again.ok() && validate(again).empty() && normalized.id.size() > 0);
  }
  return 0;
}
