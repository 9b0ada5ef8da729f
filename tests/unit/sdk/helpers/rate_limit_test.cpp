// siemhub/rate_limit.hpp: Retry-After, RateLimit(-Reset) and X-Rate-Limit-Reset style headers,
// with the current time passed in.
#include <catch2/catch.hpp>

#include "siemhub/paging.hpp"
#include "siemhub/rate_limit.hpp"
#include "unit/sdk/helpers/response.hpp"

using namespace siemhub::sdk;  // NOLINT(google-build-using-namespace): test file
using siemhub::sdk::test::FakeResponse;

namespace {
constexpr int64_t now = 1'700'000'000'000;  // 2023-11-14T22:13:20Z
}

TEST_CASE("Retry-After delta-seconds and HTTP-dates give an instant from the time passed in") {
  CHECK(retry_after_until_ms("120", now) == now + 120'000);
  CHECK(retry_after_until_ms(" 0 ", now) == now);
  CHECK(retry_after_until_ms("Tue, 14 Nov 2023 22:14:20 GMT", now) == now + 60'000);
  CHECK(retry_after_until_ms("Tue, 14 Nov 2023 22:00:00 GMT", now) == now);  // past: now
  CHECK_FALSE(retry_after_until_ms("soon", now));
  CHECK_FALSE(retry_after_until_ms("-5", now));
  CHECK_FALSE(retry_after_until_ms("", now));
}

TEST_CASE("a reset header's unit is decided by magnitude") {
  CHECK(reset_header_until_ms("30", now) == now + 30'000);                  // delta-seconds
  CHECK(reset_header_until_ms("1.5", now) == now + 1'500);                  // fractional delta
  CHECK(reset_header_until_ms("1700000060", now) == now + 60'000);          // epoch seconds (Okta, GitHub)
  CHECK(reset_header_until_ms("1700000060.250", now) == now + 60'250);      // fractional epoch (Discord)
  CHECK(reset_header_until_ms("1700000060000", now) == now + 60'000);       // epoch milliseconds
  CHECK(reset_header_until_ms("1699999999", now) == now);                   // a reset in the past: now
  CHECK(reset_header_until_ms("999999999", now) == now + 999'999'999'000);  // below 10^9: delta
  CHECK_FALSE(reset_header_until_ms("abc", now));
  CHECK_FALSE(reset_header_until_ms("99999999999999999999999", now));
}

TEST_CASE("an Okta 429 with X-Rate-Limit-Reset waits until the reset") {
  FakeResponse r(429, {{"X-Rate-Limit-Limit", "600"}, {"X-Rate-Limit-Remaining", "0"}, {"X-Rate-Limit-Reset", "1700000042"}});
  const RateLimitWait w = rate_limit_wait(r.resp, now);
  CHECK(w.limited);
  CHECK(w.until_ms == now + 42'000);
  CHECK(w.source == "X-Rate-Limit-Reset");
  CHECK(w.delay_ms(now) == 42'000);
  CHECK(w.delay_ms(now + 50'000) == 0);
}

TEST_CASE("Retry-After wins over the reset headers") {
  FakeResponse r(429, {{"X-RateLimit-Reset", "1700000100"}, {"Retry-After", "5"}});
  const RateLimitWait w = rate_limit_wait(r.resp, now);
  CHECK(w.until_ms == now + 5'000);
  CHECK(w.source == "Retry-After");
}

TEST_CASE("the IETF draft RateLimit-Reset and structured RateLimit fields are read") {
  FakeResponse old_draft(429, {{"RateLimit-Limit", "10"}, {"RateLimit-Remaining", "0"}, {"RateLimit-Reset", "7"}});
  CHECK(rate_limit_wait(old_draft.resp, now).until_ms == now + 7'000);
  FakeResponse new_draft(200, {{"RateLimit-Policy", "\"default\";q=100;w=60"}, {"RateLimit", "\"default\";r=0;t=12"}});
  const RateLimitWait w = rate_limit_wait(new_draft.resp, now);
  CHECK(w.limited);  // r=0: nothing left, though the status is 200
  CHECK(w.until_ms == now + 12'000);
  CHECK(w.source == "RateLimit");
}

TEST_CASE("a successful response with requests left is not limited but tells when the window resets") {
  FakeResponse r(200, {{"X-Rate-Limit-Remaining", "17"}, {"X-Rate-Limit-Reset", "1700000030"}});
  const RateLimitWait w = rate_limit_wait(r.resp, now);
  CHECK_FALSE(w.limited);
  CHECK(w.until_ms == now + 30'000);
}

TEST_CASE("a 429 without any header is limited with no known end") {
  FakeResponse r(429);
  const RateLimitWait w = rate_limit_wait(r.resp, now);
  CHECK(w.limited);
  CHECK_FALSE(w.until_ms);
  CHECK(w.delay_ms(now) == 0);
  FakeResponse unavailable(503, {{"Retry-After", "Tue, 14 Nov 2023 22:13:50 GMT"}});
  CHECK(rate_limit_wait(unavailable.resp, now).limited);
  CHECK(rate_limit_wait(unavailable.resp, now).delay_ms(now) == 30'000);
}

TEST_CASE("status errors carry the category and the wait the response asked for") {
  FakeResponse limited(429, {{"X-Rate-Limit-Reset", "1700000009"}});
  const Error e = status_error(limited.resp, "GET /api/v1/logs", now);
  CHECK(e.category() == Category::rate_limit);
  CHECK(e.retry_after_ms() == 9'000);
  CHECK(e.code() == 429);
  CHECK(std::string(e.what()) == "GET /api/v1/logs: HTTP 429");
  FakeResponse denied(401), gone(404), down(502), slow(408), moved(302);
  CHECK(status_error(denied.resp, "x", now).category() == Category::auth);
  CHECK(status_error(gone.resp, "x", now).category() == Category::permanent);
  CHECK(status_error(down.resp, "x", now).category() == Category::transient);
  CHECK(status_error(slow.resp, "x", now).category() == Category::timeout);
  CHECK(std::string(status_error(moved.resp, "x", now).what()) == "x: HTTP 302 (redirects are not followed)");
}
