// siemhub SDK helpers — when may the next request go: rate-limit headers to "wait until epoch ms".
//
//   const RateLimitWait w = rate_limit_wait(*resp, host.now_ms());
//   if (w.limited) return later.fail(Error(Category::rate_limit, "HTTP 429", 429, w.delay_ms(host.now_ms())));
//
// Reads, in this order (the first that gives a time wins):
//   - `Retry-After` (RFC 9110 §10.2.3): delta-seconds or an HTTP-date;
//   - `RateLimit-Reset: 30` (draft-ietf-httpapi-ratelimit-headers up to -06: delta-seconds) and
//     the later drafts' structured `RateLimit: "default";r=0;t=30` (`t` = seconds until reset);
//   - `X-Rate-Limit-Reset` (Okta) / `X-RateLimit-Reset` (GitHub, Twitter, Zendesk...). Vendors
//     disagree on the unit, so it is decided by magnitude: a value of at least 10^12 is epoch
//     milliseconds, at least 10^9 (2001-09-09) epoch seconds, anything smaller delta-seconds
//     (no API resets its window 31 years ahead, and no epoch is that small). Fractions
//     ("1470173023.123", Discord) are kept to the millisecond.
// A response says to wait (`limited`) when it is 429, or 503 with Retry-After, or it reports no
// requests left (`X-Rate-Limit-Remaining: 0`, `X-RateLimit-Remaining: 0`,
// `RateLimit-Remaining: 0`, `r=0`). The current time is passed in, never read here, so tests
// control it. Nothing throws.
#ifndef SIEMHUB_RATE_LIMIT_HPP
#define SIEMHUB_RATE_LIMIT_HPP

#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

#include "siemhub/plugin.hpp"
#include "siemhub/time.hpp"

namespace siemhub::sdk {

namespace detail {
constexpr std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}
// A non-negative decimal number ("30", "1470173023.123") as thousandths; nullopt otherwise.
constexpr std::optional<int64_t> decimal_milli(std::string_view s) {
  s = trim_ows(s);
  if (s.empty()) return std::nullopt;
  int64_t whole = 0, frac = 0;
  size_t i = 0, nfrac = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    if (whole > std::numeric_limits<int64_t>::max() / 100'000) return std::nullopt;  // far beyond any epoch
    whole = whole * 10 + (s[i] - '0');
  }
  if (i == 0) return std::nullopt;
  if (i < s.size() && s[i] == '.') {
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++nfrac)
      if (nfrac < 3) frac = frac * 10 + (s[i] - '0');
    for (size_t n = nfrac; n < 3; ++n) frac *= 10;
  }
  if (i != s.size()) return std::nullopt;
  return whole * 1000 + frac;
}
}  // namespace detail

/// `Retry-After` as an instant: `now + delta` or the HTTP-date (not before `now`).
constexpr std::optional<int64_t> retry_after_until_ms(std::string_view value, int64_t now_ms) {
  value = detail::trim_ows(value);
  if (!value.empty() && value.find_first_not_of("0123456789") == std::string_view::npos) {
    const auto s = detail::decimal_milli(value);
    if (!s) return std::nullopt;
    return now_ms + *s;
  }
  const TimeResult t = parse_http_date_ms(value);
  if (!t) return std::nullopt;
  return t.ms > now_ms ? t.ms : now_ms;
}

/// An `X-Rate-Limit-Reset`-style value as an instant, its unit decided by magnitude (see top).
constexpr std::optional<int64_t> reset_header_until_ms(std::string_view value, int64_t now_ms) {
  const auto milli = detail::decimal_milli(value);  // thousandths of the value
  if (!milli) return std::nullopt;
  int64_t at = 0;
  if (*milli >= 1'000'000'000'000'000) at = *milli / 1000;  // epoch milliseconds
  else if (*milli >= 1'000'000'000'000) at = *milli;        // epoch seconds
  else at = now_ms + *milli;                                // delta-seconds
  return at > now_ms ? at : now_ms;
}

/// The structured `RateLimit` field of the later drafts: the `t` (seconds to reset) and `r`
/// (remaining) parameters of its first item, e.g. `"default";r=50;t=30`.
struct RateLimitField {
  std::optional<int64_t> remaining, reset_s;
};
constexpr RateLimitField parse_ratelimit_field(std::string_view v) {
  RateLimitField f;
  const size_t comma = v.find(',');
  v = v.substr(0, comma);
  for (size_t semi = v.find(';'); semi != std::string_view::npos; semi = v.find(';', semi + 1)) {
    std::string_view p = v.substr(semi + 1, v.find(';', semi + 1) - semi - 1);
    p = detail::trim_ows(p);
    const size_t eq = p.find('=');
    if (eq == std::string_view::npos) continue;
    const auto n = detail::decimal_milli(p.substr(eq + 1));
    if (!n) continue;
    const std::string_view key = detail::trim_ows(p.substr(0, eq));
    if (key == "r") f.remaining = *n / 1000;
    else if (key == "t") f.reset_s = *n / 1000;
  }
  return f;
}

/// What a response says about waiting.
struct RateLimitWait {
  bool limited = false;          ///< the server asked to wait (429, 503 + Retry-After, none left)
  std::optional<int64_t> until_ms;  ///< when the next request may go, if a header said
  std::string_view source;       ///< the header `until_ms` came from ("Retry-After"...)
  /// Milliseconds from `now_ms` until `until_ms` (0 when unknown or past), for
  /// `Error(Category::rate_limit, ..., retry_after_ms)`; saturates at UINT32_MAX.
  uint32_t delay_ms(int64_t now_ms) const {
    if (!until_ms || *until_ms <= now_ms) return 0;
    const int64_t d = *until_ms - now_ms;
    return d > int64_t{std::numeric_limits<uint32_t>::max()} ? std::numeric_limits<uint32_t>::max()
                                                              : static_cast<uint32_t>(d);
  }
};

/// When the response's rate-limit window resets (or when to retry), whether or not it is
/// limited now; see the top of this file for the headers and their order.
inline RateLimitWait rate_limit_wait(const HttpResponse& resp, int64_t now_ms) {
  RateLimitWait w;
  bool none_left = false;
  for (const char* name : {"X-Rate-Limit-Remaining", "X-RateLimit-Remaining", "RateLimit-Remaining"})
    if (auto v = resp.header(name); v && detail::decimal_milli(*v) == 0) none_left = true;
  const auto field = resp.header("RateLimit");
  const RateLimitField rl = field ? parse_ratelimit_field(*field) : RateLimitField{};
  if (rl.remaining == 0) none_left = true;
  auto take = [&](std::string_view name, std::optional<int64_t> at) {
    if (!w.until_ms && at) w.until_ms = at, w.source = name;
  };
  const auto retry_after = resp.header("Retry-After");
  if (retry_after) take("Retry-After", retry_after_until_ms(*retry_after, now_ms));
  if (auto v = resp.header("RateLimit-Reset")) {
    if (auto s = detail::decimal_milli(*v)) take("RateLimit-Reset", now_ms + *s);
  }
  if (rl.reset_s) take("RateLimit", now_ms + *rl.reset_s * 1000);
  for (const char* name : {"X-Rate-Limit-Reset", "X-RateLimit-Reset"})
    if (auto v = resp.header(name)) take(name, reset_header_until_ms(*v, now_ms));
  w.limited = resp.status == 429 || (resp.status == 503 && retry_after) || none_left;
  return w;
}

}  // namespace siemhub::sdk

#endif  // SIEMHUB_RATE_LIMIT_HPP
