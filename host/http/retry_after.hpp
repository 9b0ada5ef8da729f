// Retry-After (RFC 9110 10.2.3): delta-seconds or an HTTP-date.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

namespace siemhub::http {

/// Milliseconds to wait, from a Retry-After value: "120" -> 120000, an HTTP-date -> the time
/// from `now` until then (0 if past). 0 when absent or unparseable; saturates at UINT32_MAX.
uint32_t
parse_retry_after_ms(std::string_view value,
                     std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

} // namespace siemhub::http
