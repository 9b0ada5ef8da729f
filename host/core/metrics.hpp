// In-process metrics: counters, gauges and histograms identified by name + labels, updated
// lock-free through handles, rendered as Prometheus text.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace siemhub::core {

enum class MetricType { counter, gauge, histogram };

using Labels = std::vector<std::pair<std::string, std::string>>;

class Metric {
 public:
  Metric(std::string name, std::string help, MetricType type, Labels labels);
  void add(double v);      ///< counter
  void set(double v);      ///< gauge
  void observe(double v);  ///< histogram
  /// counter: add, gauge: set, histogram: observe.
  void record(double v);
  double value() const { return value_.load(); }
  uint64_t count() const { return count_.load(); }
  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  MetricType type() const { return type_; }
  const Labels& labels() const { return labels_; }
  static const std::vector<double>& bucket_bounds();
  uint64_t bucket(size_t i) const { return buckets_[i].load(); }

 private:
  std::string name_, help_;
  MetricType type_;
  Labels labels_;
  std::atomic<double> value_{0};  // counter/gauge value, histogram sum
  std::atomic<uint64_t> count_{0};
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
};

class MetricsRegistry {
 public:
  /// Returns the metric for (name, labels), creating it. The pointer lives as long as the registry.
  Metric* get(const std::string& name, const std::string& help, MetricType type, const Labels& labels = {});
  /// Prometheus text exposition format (0.0.4).
  std::string render_prometheus() const;
  std::vector<const Metric*> all() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Metric>> metrics_;  // key: name{labels}
};

/// Valid metric/label name: [a-zA-Z_][a-zA-Z0-9_]*
bool valid_metric_name(const std::string& name);

}  // namespace siemhub::core
