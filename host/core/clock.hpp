// The only place that reads the wall clock. Everything else takes a Clock so tests control time.
#pragma once

#include <atomic>
#include <cstdint>

namespace siemhub::core {

class Clock {
 public:
  virtual ~Clock() = default;
  /// Milliseconds since the Unix epoch.
  virtual int64_t now_ms() const = 0;
};

/// The real clock.
class SystemClock final : public Clock {
 public:
  int64_t now_ms() const override;
  static SystemClock& instance();
};

/// A clock tests move by hand.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_ms = 1700000000000) : now_(start_ms) {}
  int64_t now_ms() const override { return now_.load(); }
  void advance(int64_t ms) { now_ += ms; }
  void set(int64_t ms) { now_ = ms; }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace siemhub::core
