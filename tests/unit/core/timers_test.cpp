// core::Timers: ManualTimers runs what is due, in due order, when the test moves the clock;
// AsioTimers runs on the strand after the delay and not at all once cancelled.
#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <mutex>
#include <vector>

#include "core/runtime.hpp"
#include "core/timers.hpp"

using namespace siemhub::core;

namespace {
struct Recorder {
  std::mutex mu;
  std::vector<std::pair<int, int64_t>> ran;  // (tag, clock ms when it ran)
  void add(int tag, int64_t at) {
    std::lock_guard lock(mu);
    ran.emplace_back(tag, at);
  }
  std::size_t size() {
    std::lock_guard lock(mu);
    return ran.size();
  }
};
bool wait_for(Recorder& r, std::size_t n) {
  for (int i = 0; i < 2000 && r.size() < n; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return r.size() >= n;
}
}  // namespace

TEST_CASE("Manual timers run in due order at their due time only when the clock reaches it") {
  Runtime rt(1);
  rt.start();
  ManualClock clock(1000);
  ManualTimers timers(clock);
  Recorder r;
  auto strand = rt.make_strand();
  timers.after(strand, 300, [&] { r.add(3, clock.now_ms()); });
  timers.after(strand, 100, [&] { r.add(1, clock.now_ms()); });
  const uint64_t cancelled = timers.after(strand, 200, [&] { r.add(2, clock.now_ms()); });
  CHECK(timers.pending() == 3);
  CHECK(*timers.next_due() == 1100);
  timers.cancel(cancelled);
  timers.advance(99);
  CHECK(clock.now_ms() == 1099);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(r.size() == 0);
  timers.advance(1);
  REQUIRE(wait_for(r, 1));
  REQUIRE(timers.run_next());
  REQUIRE(wait_for(r, 2));
  CHECK_FALSE(timers.run_next());
  CHECK(r.ran == std::vector<std::pair<int, int64_t>>{{1, 1100}, {3, 1300}});
  CHECK(clock.now_ms() == 1300);
  rt.stop();
}

TEST_CASE("Asio timers run on their strand after the delay and never once cancelled") {
  Runtime rt(2);
  rt.start();
  Recorder r;
  auto strand = rt.make_strand();
  {
    AsioTimers timers;
    const auto t0 = std::chrono::steady_clock::now();
    std::promise<long> fired;
    timers.after(strand, 30, [&] {
      fired.set_value(static_cast<long>(
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count()));
    });
    const uint64_t id = timers.after(strand, 10, [&] { r.add(1, 0); });
    timers.cancel(id);
    const long waited = fired.get_future().get();
    CHECK(waited >= 30);
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    CHECK(r.size() == 0);
    // One left pending when the timers go: it never runs.
    timers.after(strand, 20, [&] { r.add(2, 0); });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  CHECK(r.size() == 0);
  rt.stop();
}
