#include "pipeline/source_retry.hpp"

#include <algorithm>

namespace siemhub::pipeline {

SourceRetry::SourceRetry(SourceRetryPolicy policy, uint64_t seed) : policy_(policy), rng_(seed) {}

// base × 2^(attempts - 1), at most cap (attempts counts the failure being answered).
uint64_t SourceRetry::doubled(uint64_t base, uint64_t cap) const {
  const uint32_t shift = std::min<uint32_t>(attempts_ - 1, 30);
  return std::min<uint64_t>(cap, base << shift);
}

uint64_t SourceRetry::on_failure(uint32_t category, uint64_t retry_after_ms) {
  ++attempts_;
  if (category == SIEMHUB_CAT_RATE_LIMIT && retry_after_ms > 0) return retry_after_ms;
  if (needs_attention(category)) {
    const auto d = static_cast<double>(doubled(policy_.slow_base_ms, policy_.slow_max_ms));
    std::uniform_real_distribution<double> jitter(-policy_.slow_jitter, policy_.slow_jitter);
    return std::max<uint64_t>(retry_after_ms, static_cast<uint64_t>(d * (1.0 + jitter(rng_))));
  }
  // Full jitter (a random point up to the doubled delay), floored at the base so a failing peer is
  // never polled in a tight loop.
  std::uniform_int_distribution<uint64_t> full(0, doubled(policy_.base_ms, policy_.max_ms));
  return std::max({policy_.base_ms, retry_after_ms, full(rng_)});
}

}  // namespace siemhub::pipeline
