#include "core/redact.hpp"

#include <algorithm>
#include <mutex>
#include <shared_mutex>
#include <vector>

namespace siemhub::core {
namespace {

struct Secrets {
  std::shared_mutex mu;
  std::vector<std::string> values;  // longest first, so a secret containing another is masked whole
};

Secrets& secrets() {
  static Secrets s;
  return s;
}

}  // namespace

void register_secret(std::string_view value) {
  if (value.size() < 4) return;
  auto& s = secrets();
  std::unique_lock lock(s.mu);
  if (std::find(s.values.begin(), s.values.end(), value) != s.values.end()) return;
  s.values.emplace_back(value);
  std::sort(s.values.begin(), s.values.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

std::string redact(std::string_view text) {
  std::string out(text);
  auto& s = secrets();
  std::shared_lock lock(s.mu);
  for (const auto& v : s.values) {
    for (size_t pos = out.find(v); pos != std::string::npos; pos = out.find(v, pos + 3))
      out.replace(pos, v.size(), "***");
  }
  return out;
}

void clear_secrets_for_testing() {
  auto& s = secrets();
  std::unique_lock lock(s.mu);
  s.values.clear();
}

}  // namespace siemhub::core
