#include "core/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>

namespace siemhub::core {

namespace {

std::string escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string label_text(const Labels& labels, const std::string& extra = {}) {
  std::string s;
  for (const auto& [k, v] : labels) s += (s.empty() ? "" : ",") + k + "=\"" + escape_label(v) + "\"";
  if (!extra.empty()) s += (s.empty() ? "" : ",") + extra;
  return s.empty() ? "" : "{" + s + "}";
}

// Shortest text that reads back as the same double (0.005, not 0.0050000000000000001).
std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

}  // namespace

bool valid_metric_name(const std::string& name) {
  if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

const std::vector<double>& Metric::bucket_bounds() {
  static const std::vector<double> b{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return b;
}

Metric::Metric(std::string name, std::string help, MetricType type, Labels labels)
    : name_(std::move(name)), help_(std::move(help)), type_(type), labels_(std::move(labels)) {
  if (type_ == MetricType::histogram) {
    buckets_ = std::make_unique<std::atomic<uint64_t>[]>(bucket_bounds().size());
    for (size_t i = 0; i < bucket_bounds().size(); ++i) buckets_[i] = 0;
  }
}

void Metric::add(double v) {
  double cur = value_.load();
  while (!value_.compare_exchange_weak(cur, cur + v)) {
  }
}
void Metric::set(double v) { value_ = v; }
void Metric::observe(double v) {
  add(v);
  ++count_;
  const auto& b = bucket_bounds();
  for (size_t i = 0; i < b.size(); ++i)
    if (v <= b[i]) ++buckets_[i];
}
void Metric::record(double v) {
  switch (type_) {
    case MetricType::counter:
      if (v >= 0) add(v);
      break;
    case MetricType::gauge: set(v); break;
    case MetricType::histogram: observe(v); break;
  }
}

Metric* MetricsRegistry::get(const std::string& name, const std::string& help, MetricType type, const Labels& labels) {
  const std::string key = name + label_text(labels);
  std::lock_guard lock(mu_);
  auto& slot = metrics_[key];
  if (!slot) slot = std::make_unique<Metric>(name, help, type, labels);
  return slot.get();
}

std::vector<const Metric*> MetricsRegistry::all() const {
  std::lock_guard lock(mu_);
  std::vector<const Metric*> out;
  for (const auto& [k, m] : metrics_) out.push_back(m.get());
  return out;
}

std::string MetricsRegistry::render_prometheus() const {
  std::lock_guard lock(mu_);
  // Group series by metric name: HELP/TYPE once per family.
  std::map<std::string, std::vector<const Metric*>> families;
  for (const auto& [k, m] : metrics_) families[m->name()].push_back(m.get());
  std::string out;
  for (const auto& [name, series] : families) {
    const Metric* first = series.front();
    const char* type = first->type() == MetricType::counter ? "counter" : first->type() == MetricType::gauge ? "gauge" : "histogram";
    out += "# HELP " + name + " " + first->help() + "\n# TYPE " + name + " " + type + "\n";
    for (const Metric* m : series) {
      if (m->type() != MetricType::histogram) {
        out += name + label_text(m->labels()) + " " + number(m->value()) + "\n";
        continue;
      }
      const auto& b = Metric::bucket_bounds();
      for (size_t i = 0; i < b.size(); ++i)
        out += name + "_bucket" + label_text(m->labels(), "le=\"" + number(b[i]) + "\"") + " " + std::to_string(m->bucket(i)) + "\n";
      out += name + "_bucket" + label_text(m->labels(), "le=\"+Inf\"") + " " + std::to_string(m->count()) + "\n";
      out += name + "_sum" + label_text(m->labels()) + " " + number(m->value()) + "\n";
      out += name + "_count" + label_text(m->labels()) + " " + std::to_string(m->count()) + "\n";
    }
  }
  return out;
}

}  // namespace siemhub::core
