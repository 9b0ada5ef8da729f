// What the search source and the notable actions share of Splunk's REST API (vendor-apis.md §1.2):
// the auth header (Bearer token, `Splunk <sessionKey>`, or Basic), the /services or
// /servicesNS/<user>/<app> prefix, form encoding, and the reading of REST error bodies
// ({"messages":[{"type":…,"text":…}]}) into a categorised error.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config.hpp"
#include "siemhub/plugin.hpp"

namespace siemhub::plugins::splunk {

using Form = std::vector<std::pair<std::string, std::string>>;

/// application/x-www-form-urlencoded body of `form`.
std::string form_encode(const Form& form);
std::string base64(std::string_view data);

class Rest {
 public:
  explicit Rest(RestConfig cfg);
  const RestConfig& config() const { return cfg_; }
  /// A POST of `form` to `endpoint` ("search/jobs/export"), under the namespace when configured.
  sdk::HttpRequest post(std::string_view endpoint, const Form& form) const;
  /// A POST to a path that lives outside the namespace ("/services/notable_update").
  sdk::HttpRequest post_path(std::string_view path, const Form& form) const;
  /// The error of a non-2xx answer: 401/403 AUTH, 429 RATE_LIMIT, 5xx/408 TRANSIENT, 404 without a
  /// Splunk body TRANSIENT (a proxy), other 4xx PERMANENT; the message carries Splunk's text.
  static sdk::Error error_of(const sdk::HttpResponse& resp, std::string_view what);
  /// The same from a status and a body captured separately (a streamed answer).
  static sdk::Error error_of(int status, std::string_view body, uint32_t retry_after_ms, std::string_view what);

 private:
  RestConfig cfg_;
  std::string auth_;
};

}  // namespace siemhub::plugins::splunk
