#include <catch2/catch.hpp>

#include "pipeline/source_retry.hpp"

using siemhub::pipeline::SourceRetry;

TEST_CASE("a source refused for its credentials polls again after 60 then 120 then 240 s within the jitter", "[source][retry]") {
  SourceRetry r({}, 42);
  uint64_t at = 0;
  const uint64_t expected[] = {60000, 180000, 420000, 900000, 1800000, 2700000};  // then the 15 min cap
  for (const uint64_t want : expected) {
    at += r.on_failure(SIEMHUB_CAT_AUTH, 0);
    INFO("attempt " << r.attempts());
    CHECK(static_cast<double>(at) == Approx(static_cast<double>(want)).epsilon(0.05));
  }
  CHECK(SourceRetry::needs_attention(SIEMHUB_CAT_AUTH));
  CHECK(SourceRetry::needs_attention(SIEMHUB_CAT_CONFIG));
  CHECK_FALSE(SourceRetry::needs_attention(SIEMHUB_CAT_TRANSIENT));
}

TEST_CASE("a rate-limited source waits exactly what the peer asked", "[source][retry]") {
  SourceRetry r({}, 7);
  CHECK(r.on_failure(SIEMHUB_CAT_RATE_LIMIT, 7000) == 7000);
  CHECK(r.on_failure(SIEMHUB_CAT_RATE_LIMIT, 7000) == 7000);  // not doubled
  const uint64_t no_hint = r.on_failure(SIEMHUB_CAT_RATE_LIMIT, 0);
  CHECK(no_hint >= 1000);  // without Retry-After: as a transient failure
}

TEST_CASE("transient failures back off with full jitter from 1 s to a 5 min cap and never sooner than retry_after", "[source][retry]") {
  SourceRetry r({}, 1);
  uint64_t largest = 0;
  for (int i = 1; i <= 40; ++i) {
    const uint64_t d = r.on_failure(SIEMHUB_CAT_TRANSIENT, 0);
    CHECK(d >= 1000);
    CHECK(d <= 300000);
    if (i <= 3) CHECK(d <= 1000u << (i - 1));
    largest = std::max(largest, d);
  }
  CHECK(largest > 150000);  // the cap is reached: 30 draws near it cannot all stay low
  CHECK(r.on_failure(SIEMHUB_CAT_TIMEOUT, 400000) == 400000);
  r.on_success();
  CHECK(r.attempts() == 0);
  CHECK(r.on_failure(SIEMHUB_CAT_INTERNAL, 0) == 1000);  // first attempt again: the floor
}
