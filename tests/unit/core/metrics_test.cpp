#include <catch2/catch.hpp>

#include "core/metrics.hpp"
#include "unit/core/prometheus_text.hpp"

using siemhub::core::MetricsRegistry;
using siemhub::core::MetricType;

TEST_CASE("the metrics registry renders valid Prometheus text with escaped labels and histograms", "[metrics]") {
  MetricsRegistry r;
  r.get("siemhub_events_total", "Events", MetricType::counter, {{"connector", "a\"b\\c\nd"}})->add(3);
  r.get("siemhub_events_total", "Events", MetricType::counter, {{"connector", "other"}})->add(1);
  r.get("siemhub_queue_bytes", "Queue", MetricType::gauge)->set(42.5);
  auto* h = r.get("siemhub_ack_latency_seconds", "Ack latency", MetricType::histogram, {{"endpoint", "hec"}});
  h->observe(0.003);
  h->observe(0.2);
  h->observe(12);
  const std::string text = r.render_prometheus();
  const auto problems = siemhub::testing::check_prometheus_text(text);
  INFO(text);
  for (const auto& p : problems) FAIL_CHECK(p);
  CHECK_THAT(text, Catch::Contains(R"(siemhub_events_total{connector="a\"b\\c\nd"} 3)"));
  CHECK_THAT(text, Catch::Contains(R"(siemhub_ack_latency_seconds_bucket{endpoint="hec",le="+Inf"} 3)"));
  CHECK_THAT(text, Catch::Contains(R"(siemhub_ack_latency_seconds_bucket{endpoint="hec",le="0.005"} 1)"));
  CHECK_THAT(text, Catch::Contains(R"(siemhub_ack_latency_seconds_count{endpoint="hec"} 3)"));
}

TEST_CASE("the Prometheus checker rejects malformed exposition text", "[metrics]") {
  CHECK_FALSE(siemhub::testing::check_prometheus_text("bad metric name{} 1\n").empty());
  CHECK_FALSE(siemhub::testing::check_prometheus_text("m{l=unquoted} 1\n").empty());
  CHECK_FALSE(siemhub::testing::check_prometheus_text("# TYPE m counter\n# TYPE m gauge\nm 1\n").empty());
  CHECK_FALSE(siemhub::testing::check_prometheus_text("m one\n").empty());
  CHECK(siemhub::testing::check_prometheus_text("# HELP m x\n# TYPE m counter\nm 1\n").empty());
}
