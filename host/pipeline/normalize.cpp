#include "pipeline/normalize.hpp"

#include <cstdio>

#include "core/hash.hpp"
#include "ocsf/complete.hpp"
#include "ocsf/event.hpp"
#include "ocsf/validate.hpp"

namespace siemhub::pipeline {

std::string event_id(std::string_view json, std::string_view metadata_uid) {
  if (!metadata_uid.empty()) return std::string(metadata_uid);
  uint64_t h = core::text_hash(json);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');  // "%016llx"
  for (int i = 15; i >= 0; --i, h >>= 4) out[static_cast<size_t>(i)] = kHex[h & 0xf];
  return out;
}

Normalizer make_normalizer() {
  return [](const std::string&, std::string raw, Event& out) -> std::optional<std::string> {
    // Parse once (simdjson), fill the derivable base attributes, validate against OCSF 1.8.0.
    ocsf::Parser& parser = ocsf::thread_parser();
    // One document (tape and string buffer) per thread, reused from event to event.
    thread_local std::unique_ptr<simdjson::dom::document> spare;
    ocsf::Event ev = parser.parse(std::move(raw), std::move(spare));
    struct Recycle {
      ocsf::Event& ev;
      ~Recycle() {
        if (auto doc = ev.release_document()) spare = std::move(doc);
      }
    } recycle{ev};
    if (!ev.ok()) return std::string("not valid JSON: ") + simdjson::error_message(ev.error());
    ocsf::complete(ev, parser);
    const auto violations = ocsf::validate(ev);
    if (!violations.empty()) {
      std::string why;
      for (size_t i = 0; i < violations.size() && i < 3; ++i) why += (i ? "; " : "") + violations[i].to_string();
      if (violations.size() > 3) why += "; and " + std::to_string(violations.size() - 3) + " more";
      return why;
    }
    out.id = event_id(ev.text(), ev.get_string("metadata.uid").value_or(std::string_view{}));
    if (auto doc = ev.release_document()) spare = std::move(doc);
    out.json = std::move(ev).take_text();
    return std::nullopt;
  };
}

}  // namespace siemhub::pipeline
