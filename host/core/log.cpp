#include "core/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include <nlohmann/json.hpp>

#include "core/redact.hpp"

namespace siemhub::core {
namespace {

std::atomic<LogLevel> g_level{LogLevel::info};
std::mutex g_mu;
std::function<void(const LogRecord&, const std::string&)> g_sink;

std::string timestamp() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::time_t t = system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

}  // namespace

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::trace: return "trace";
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
  }
  return "info";
}

bool parse_log_level(std::string_view text, LogLevel& out) {
  for (auto l : {LogLevel::trace, LogLevel::debug, LogLevel::info, LogLevel::warn, LogLevel::error}) {
    if (to_string(l) == text) {
      out = l;
      return true;
    }
  }
  return false;
}

void Log::set_level(LogLevel level) { g_level = level; }
LogLevel Log::level() { return g_level.load(); }

void Log::set_sink(std::function<void(const LogRecord&, const std::string&)> sink) {
  std::lock_guard lock(g_mu);
  g_sink = std::move(sink);
}

void Log::reset_sink() { set_sink(nullptr); }

void Log::write(LogLevel level, std::string_view component, std::string_view message, std::string_view connector) {
  if (!enabled(level)) return;
  const std::string clean = redact(message);
  nlohmann::json j;
  j["ts"] = timestamp();
  j["level"] = to_string(level);
  j["component"] = component;
  if (!connector.empty()) j["connector"] = connector;
  j["msg"] = clean;
  const std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::lock_guard lock(g_mu);
  if (g_sink) {
    g_sink(LogRecord{level, component, connector, clean}, line);
    return;
  }
  std::fprintf(stderr, "%s\n", line.c_str());
}

}  // namespace siemhub::core
