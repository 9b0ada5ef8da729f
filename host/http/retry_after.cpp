#include "retry_after.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <limits>
#include <string>

namespace siemhub::http {
namespace {

constexpr uint64_t max_ms = std::numeric_limits<uint32_t>::max();

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty()
           && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
        s.remove_suffix(1);
    }
    return s;
}

} // namespace

uint32_t parse_retry_after_ms(std::string_view value, std::chrono::system_clock::time_point now) {
    value = trim(value);
    if (value.empty()) {
        return 0;
    }
    if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        uint64_t seconds = 0;
        for (const char c : value) {
            seconds = seconds * 10 + static_cast<uint64_t>(c - '0');
            if (seconds > max_ms / 1000) {
                return static_cast<uint32_t>(max_ms);
            }
        }
        return static_cast<uint32_t>(seconds * 1000);
    }
    const std::string text(value);
    const time_t when = curl_getdate(text.c_str(), nullptr);
    if (when == -1) {
        return 0;
    }
    const auto delta = std::chrono::system_clock::from_time_t(when) - now;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(delta).count();
    if (ms <= 0) {
        return 0;
    }
    return static_cast<uint32_t>(std::min<uint64_t>(static_cast<uint64_t>(ms), max_ms));
}

} // namespace siemhub::http
