// A borrowed siemhub_http_response built from test headers, as the host hands one to a completion.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "siemhub/plugin.hpp"

namespace siemhub::sdk::test {

struct FakeResponse {
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::vector<siemhub_http_header> raw_headers;
  siemhub_http_response raw{};
  HttpResponse resp;

  explicit FakeResponse(int status, std::vector<std::pair<std::string, std::string>> hs = {}, std::string b = {})
      : headers(std::move(hs)), body(std::move(b)) {
    for (const auto& [n, v] : headers) raw_headers.push_back({n.c_str(), v.c_str()});
    raw.struct_size = sizeof raw;
    raw.status = status;
    raw.headers = raw_headers.data();
    raw.header_count = static_cast<uint32_t>(raw_headers.size());
    raw.body = body.data();
    raw.body_size = body.size();
    resp = HttpResponse{status, &raw, body, 0};
  }
  FakeResponse(const FakeResponse&) = delete;
  FakeResponse& operator=(const FakeResponse&) = delete;
};

}  // namespace siemhub::sdk::test
