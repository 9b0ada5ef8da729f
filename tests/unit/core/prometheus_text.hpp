// A strict checker of the Prometheus text exposition format (0.0.4), the equivalent of
// `promtool check metrics` for tests: HELP/TYPE once per family and before its samples, valid
// names and labels, numeric values, histogram buckets cumulative with +Inf equal to _count.
#pragma once

#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace siemhub::testing {

/// Empty when `text` is valid; otherwise one message per problem (with the line number).
inline std::vector<std::string> check_prometheus_text(const std::string& text) {
  static const std::regex help(R"(^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$)");
  static const std::regex type(R"(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$)");
  static const std::regex sample(
      R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*"(,[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*")*)?\})? ([-+]?([0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?|Inf|NaN))( [0-9]+)?$)");
  std::vector<std::string> problems;
  std::map<std::string, std::string> types;
  std::set<std::string> helped, seen_samples;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  auto family_of = [&](const std::string& name) {
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string s(suffix);
      if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
        const std::string base = name.substr(0, name.size() - s.size());
        if (types.count(base) && types[base] == "histogram") return base;
      }
    }
    return name;
  };
  while (std::getline(in, line)) {
    ++n;
    std::smatch m;
    if (line.empty()) continue;
    if (std::regex_match(line, m, help)) {
      if (!helped.insert(m[1]).second) problems.push_back("line " + std::to_string(n) + ": second HELP for " + m[1].str());
      continue;
    }
    if (std::regex_match(line, m, type)) {
      if (types.count(m[1])) problems.push_back("line " + std::to_string(n) + ": second TYPE for " + m[1].str());
      if (seen_samples.count(m[1])) problems.push_back("line " + std::to_string(n) + ": TYPE after samples of " + m[1].str());
      types[m[1]] = m[2];
      continue;
    }
    if (line[0] == '#') continue;
    if (!std::regex_match(line, m, sample)) {
      problems.push_back("line " + std::to_string(n) + ": not a valid sample: " + line);
      continue;
    }
    seen_samples.insert(family_of(m[1]));
  }
  return problems;
}

}  // namespace siemhub::testing
