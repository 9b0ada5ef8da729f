#include "request_metrics.hpp"

namespace siemhub::http {

namespace {
constexpr auto relaxed = std::memory_order_relaxed;
}

void RequestMetrics::observe_latency(uint32_t ms) noexcept {
    std::size_t bucket = 0;
    while (bucket < latency_bounds_ms.size() && ms > latency_bounds_ms[bucket]) {
        ++bucket;
    }
    latency_buckets[bucket].fetch_add(1, relaxed);
    latency_sum_ms.fetch_add(ms, relaxed);
    latency_count.fetch_add(1, relaxed);
}

void RequestMetrics::count_status(int status) noexcept {
    if (status >= 200 && status < 300) {
        responses_2xx.fetch_add(1, relaxed);
    } else if (status >= 300 && status < 400) {
        responses_3xx.fetch_add(1, relaxed);
    } else if (status >= 400 && status < 500) {
        responses_4xx.fetch_add(1, relaxed);
    } else if (status >= 500 && status < 600) {
        responses_5xx.fetch_add(1, relaxed);
    }
}

MetricsSnapshot RequestMetrics::snapshot() const noexcept {
    MetricsSnapshot s;
    s.requests = requests.load(relaxed);
    s.responses_2xx = responses_2xx.load(relaxed);
    s.responses_3xx = responses_3xx.load(relaxed);
    s.responses_4xx = responses_4xx.load(relaxed);
    s.responses_5xx = responses_5xx.load(relaxed);
    s.transport_errors = transport_errors.load(relaxed);
    s.timeouts = timeouts.load(relaxed);
    s.denied = denied.load(relaxed);
    s.cancelled = cancelled.load(relaxed);
    s.bytes_out = bytes_out.load(relaxed);
    s.bytes_in = bytes_in.load(relaxed);
    for (std::size_t i = 0; i < latency_bucket_count; ++i) {
        s.latency_buckets[i] = latency_buckets[i].load(relaxed);
    }
    s.latency_sum_ms = latency_sum_ms.load(relaxed);
    s.latency_count = latency_count.load(relaxed);
    return s;
}

} // namespace siemhub::http
