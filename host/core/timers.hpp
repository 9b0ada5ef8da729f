// Delayed work on a strand, on a clock tests can drive. AsioTimers waits on the steady clock (what
// the hub runs with); ManualTimers runs what is due when a test moves its ManualClock, so a test can
// check a schedule of minutes (a source's retries after 401s, a Retry-After) in milliseconds.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "core/clock.hpp"
#include "core/runtime.hpp"

namespace siemhub::core {

class Timers {
 public:
  virtual ~Timers() = default;
  /// Runs `fn` on `strand` once `delay_ms` have passed. Returns an id for cancel() (never 0).
  virtual uint64_t after(Strand strand, uint64_t delay_ms, std::function<void()> fn) = 0;
  /// `fn` of timer `id` will not run (no effect once it ran, or is queued to run, or for id 0).
  virtual void cancel(uint64_t id) = 0;
};

/// Boost.Asio steady timers.
class AsioTimers final : public Timers {
 public:
  AsioTimers();
  ~AsioTimers() override;
  uint64_t after(Strand strand, uint64_t delay_ms, std::function<void()> fn) override;
  void cancel(uint64_t id) override;

  struct Entry;
  struct State;  // shared with the handlers, which may run after this is gone

 private:
  std::shared_ptr<State> state_;
};

/// Timers on a ManualClock: nothing runs until the test calls run_next() (or advance()).
class ManualTimers final : public Timers {
 public:
  explicit ManualTimers(ManualClock& clock) : clock_(clock) {}
  uint64_t after(Strand strand, uint64_t delay_ms, std::function<void()> fn) override;
  void cancel(uint64_t id) override;

  /// How many timers wait.
  std::size_t pending() const;
  /// When the earliest one is due (clock ms), if any.
  std::optional<int64_t> next_due() const;
  /// Moves the clock to the earliest due time (never back) and queues that timer's fn on its
  /// strand. False when none waits.
  bool run_next();
  /// Moves the clock by `ms`, queueing every timer due by then in due order.
  void advance(int64_t ms);

 private:
  struct Entry {
    int64_t due = 0;
    Strand strand;
    std::function<void()> fn;
  };
  ManualClock& clock_;
  mutable std::mutex mu_;
  uint64_t next_ = 0;
  std::map<uint64_t, Entry> pending_;  // id order = creation order: ties run in that order
};

}  // namespace siemhub::core
