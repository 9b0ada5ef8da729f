// Turns one OCSF event (JSON text) into one HEC event envelope (vendor-apis.md §1.1):
//   {"time":<epoch s.mmm>,"host":…,"source":…,"sourcetype":…,"index":…,"event":<the event>,"fields":{…}}
// The event text is embedded byte for byte; `time` comes from OCSF `time` (ms); host, source,
// sourcetype and index are the configured constants unless a configured OCSF path has a value;
// `fields` are the configured indexed fields plus the event id. One simdjson DOM parse per
// event reads only the paths asked for, so building an envelope costs well under a microsecond
// plus the copy.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config.hpp"

namespace siemhub::plugins::splunk {

class EnvelopeBuilder {
 public:
  explicit EnvelopeBuilder(const HecConfig& cfg);
  ~EnvelopeBuilder();
  EnvelopeBuilder(const EnvelopeBuilder&) = delete;
  EnvelopeBuilder& operator=(const EnvelopeBuilder&) = delete;

  /// Appends the envelope of `event` (with deterministic id `id`, may be empty) to `out`.
  void append(std::string& out, std::string_view event, std::string_view id);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// `s` as a JSON string literal (quotes included), escaping what JSON requires.
void append_json_string(std::string& out, std::string_view s);

/// "a.b.c" -> "/a/b/c" (JSON pointer, with ~ and / escaped).
std::string to_pointer(std::string_view dotted);

}  // namespace siemhub::plugins::splunk
