// When a pull source polls again after a failed poll, by the failure's category (plugin.h):
//   transient, timeout, internal, unknown: exponential backoff with full jitter, 1 s doubling to a
//     5 min cap, never sooner than the peer's retry_after;
//   rate limit: exactly retry_after (as transient when the peer gave none);
//   auth, config: the connector is unhealthy; 60 s doubling to a 15 min cap with a small jitter, so
//     a token that is fixed recovers by itself without hammering the vendor with 401s.
// A successful poll resets it. Pure arithmetic on a seeded generator: tests pin every delay.
#pragma once

#include <cstdint>
#include <random>

#include "siemhub/plugin.h"

namespace siemhub::pipeline {

struct SourceRetryPolicy {
  uint64_t base_ms = 1000;
  uint64_t max_ms = 300000;
  uint64_t slow_base_ms = 60000;   // auth and config
  uint64_t slow_max_ms = 900000;
  double slow_jitter = 0.05;       // ± this share of the slow delay
};

class SourceRetry {
 public:
  explicit SourceRetry(SourceRetryPolicy policy = {}, uint64_t seed = std::random_device{}());

  /// The delay before the next poll after a failure of `category` (SIEMHUB_CAT_*).
  uint64_t on_failure(uint32_t category, uint64_t retry_after_ms);
  void on_success() { attempts_ = 0; }
  /// Failed polls since the last success.
  uint32_t attempts() const { return attempts_; }
  /// Whether a failure of `category` makes the connector unhealthy (it needs a person).
  static bool needs_attention(uint32_t category) {
    return category == SIEMHUB_CAT_AUTH || category == SIEMHUB_CAT_CONFIG;
  }

 private:
  uint64_t doubled(uint64_t base, uint64_t cap) const;

  SourceRetryPolicy policy_;
  std::mt19937_64 rng_;
  uint32_t attempts_ = 0;
};

}  // namespace siemhub::pipeline
