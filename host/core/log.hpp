// Structured logging: one JSON object per line on stderr (or a test sink), with level,
// component (e.g. "loader", "connector") and optional connector id. Thread-safe; every message is
// redacted (core/redact.hpp) before it is written.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace siemhub::core {

enum class LogLevel { trace = 0, debug = 1, info = 2, warn = 3, error = 4 };

std::string_view to_string(LogLevel level);
bool parse_log_level(std::string_view text, LogLevel& out);

struct LogRecord {
  LogLevel level;
  std::string_view component;
  std::string_view connector;  // empty when not about one connector
  std::string_view message;
};

class Log {
 public:
  static void set_level(LogLevel level);
  static LogLevel level();
  static bool enabled(LogLevel level) { return level >= Log::level(); }
  /// Replaces the output (stderr JSON lines) — for tests and the CLI's human format.
  static void set_sink(std::function<void(const LogRecord&, const std::string& line)> sink);
  static void reset_sink();
  static void write(LogLevel level, std::string_view component, std::string_view message,
                    std::string_view connector = {});
};

inline void log_debug(std::string_view c, std::string_view m) { Log::write(LogLevel::debug, c, m); }
inline void log_info(std::string_view c, std::string_view m) { Log::write(LogLevel::info, c, m); }
inline void log_warn(std::string_view c, std::string_view m) { Log::write(LogLevel::warn, c, m); }
inline void log_error(std::string_view c, std::string_view m) { Log::write(LogLevel::error, c, m); }

}  // namespace siemhub::core
