// Per-connector HTTP metrics, updated lock-free by the HTTP worker thread.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace siemhub::http {

/// Upper bounds (ms) of the latency histogram buckets; one more bucket catches the rest (+Inf).
inline constexpr std::array<uint32_t, 10> latency_bounds_ms{5,   10,  25,   50,   100,
                                                            250, 500, 1000, 2500, 5000};
inline constexpr std::size_t latency_bucket_count = latency_bounds_ms.size() + 1;

/// Plain copy of RequestMetrics. Buckets are NOT cumulative: latency_buckets[i] counts
/// observations in (bound[i-1], bound[i]]; the last one counts those above 5000 ms.
struct MetricsSnapshot {
    uint64_t requests = 0;
    uint64_t responses_2xx = 0;
    uint64_t responses_3xx = 0;
    uint64_t responses_4xx = 0;
    uint64_t responses_5xx = 0;
    uint64_t transport_errors = 0; ///< no response: connect/reset/DNS/TLS failures
    uint64_t timeouts = 0;
    uint64_t denied = 0;    ///< refused before connecting: egress allow-list, bad URL/request
    uint64_t cancelled = 0; ///< cancel(), shutdown, or on_chunk abort
    uint64_t bytes_out = 0; ///< request body bytes sent (after gzip)
    uint64_t bytes_in = 0;  ///< response body bytes delivered (after decompression)
    std::array<uint64_t, latency_bucket_count> latency_buckets{};
    uint64_t latency_sum_ms = 0;
    uint64_t latency_count = 0;
};

/// One per connector instance; the owner keeps it alive as long as requests referencing it
/// may complete. `requests` counts every submit; each request then lands in exactly one of
/// responses_Nxx (or none for 1xx), transport_errors, timeouts, denied, cancelled. Latency is
/// observed for requests that reached libcurl and finished (response, error or timeout).
struct RequestMetrics {
    std::atomic<uint64_t> requests{0};
    std::atomic<uint64_t> responses_2xx{0};
    std::atomic<uint64_t> responses_3xx{0};
    std::atomic<uint64_t> responses_4xx{0};
    std::atomic<uint64_t> responses_5xx{0};
    std::atomic<uint64_t> transport_errors{0};
    std::atomic<uint64_t> timeouts{0};
    std::atomic<uint64_t> denied{0};
    std::atomic<uint64_t> cancelled{0};
    std::atomic<uint64_t> bytes_out{0};
    std::atomic<uint64_t> bytes_in{0};
    std::array<std::atomic<uint64_t>, latency_bucket_count> latency_buckets{};
    std::atomic<uint64_t> latency_sum_ms{0};
    std::atomic<uint64_t> latency_count{0};

    void observe_latency(uint32_t ms) noexcept;
    void count_status(int status) noexcept;
    MetricsSnapshot snapshot() const noexcept;
};

} // namespace siemhub::http
