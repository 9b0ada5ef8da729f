#include "plugins/watchdog.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

namespace siemhub::plugins {

struct Watchdog::State : std::enable_shared_from_this<State> {
  State(boost::asio::io_context& io, std::chrono::milliseconds every)
      : timer(boost::asio::make_strand(io)), interval(every) {}

  // On the timer's strand only.

  void arm() {
    timer.expires_after(interval);
    timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->tick();
    });
  }

  void tick() {
    std::vector<std::shared_ptr<Connector>> now;
    {
      std::lock_guard lock(mu);
      if (stopped) return;
      for (const auto& w : watched)
        if (auto c = w.lock()) now.push_back(std::move(c));
    }
    for (const auto& c : now) c->check_calls();
    std::lock_guard lock(mu);
    if (!stopped) arm();
  }

  boost::asio::steady_timer timer;
  std::chrono::milliseconds interval;
  std::mutex mu;
  std::vector<std::weak_ptr<Connector>> watched;
  bool stopped = false;
};

Watchdog::Watchdog(boost::asio::io_context& io, std::chrono::milliseconds interval)
    : state_(std::make_shared<State>(io, interval)) {}

Watchdog::~Watchdog() { stop(); }

void Watchdog::watch(const std::shared_ptr<Connector>& connector) {
  std::lock_guard lock(state_->mu);
  state_->watched.push_back(connector);
}

void Watchdog::start() {
  {
    std::lock_guard lock(state_->mu);
    state_->stopped = false;
  }
  boost::asio::post(state_->timer.get_executor(), [s = state_] { s->arm(); });
}

void Watchdog::stop() {
  {
    std::lock_guard lock(state_->mu);
    state_->stopped = true;
  }
  boost::asio::post(state_->timer.get_executor(), [s = state_] { s->timer.cancel(); });
}

}  // namespace siemhub::plugins
