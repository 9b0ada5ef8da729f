// Watches the plugin calls of a set of connectors from the host's own threads: every interval it
// asks each connector whether a call runs past its deadline (Connector::check_calls). The
// connectors' strands run on the plugin threads, so a plugin that blocks or spins cannot keep
// this from running.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "plugins/connector.hpp"

namespace siemhub::plugins {

class Watchdog {
 public:
  Watchdog(boost::asio::io_context& io, std::chrono::milliseconds interval = std::chrono::milliseconds(250));
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  void watch(const std::shared_ptr<Connector>& connector);
  void start();
  /// Stops the checks; waits for none (the timer's handler holds nothing of the connectors).
  void stop();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace siemhub::plugins
