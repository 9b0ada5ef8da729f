// Polls a condition another thread makes true (a journal writer, a correlator strand): true as
// soon as it holds, false after `limit`. For waiting on threads, not for waiting on time.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace siemhub::testing {

inline bool eventually(const std::function<bool()>& pred,
                       std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

}  // namespace siemhub::testing
