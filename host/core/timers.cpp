#include "core/timers.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>

namespace siemhub::core {

namespace asio = boost::asio;

struct AsioTimers::Entry {
  explicit Entry(Strand s) : timer(s) {}
  asio::steady_timer timer;
};

struct AsioTimers::State {
  std::mutex mu;
  uint64_t next = 0;
  std::map<uint64_t, std::shared_ptr<Entry>> pending;
};

AsioTimers::AsioTimers() : state_(std::make_shared<State>()) {}

AsioTimers::~AsioTimers() {
  std::map<uint64_t, std::shared_ptr<Entry>> left;
  {
    std::lock_guard lock(state_->mu);
    left.swap(state_->pending);
  }
  for (auto& [id, entry] : left) asio::post(entry->timer.get_executor(), [entry] { entry->timer.cancel(); });
}

uint64_t AsioTimers::after(Strand strand, uint64_t delay_ms, std::function<void()> fn) {
  auto entry = std::make_shared<Entry>(strand);
  uint64_t id = 0;
  {
    std::lock_guard lock(state_->mu);
    id = ++state_->next;
    state_->pending[id] = entry;
  }
  // The timer is touched only on its strand (steady_timer is not thread-safe).
  asio::post(strand, [state = state_, id, entry, delay_ms, fn = std::move(fn)]() mutable {
    {
      std::lock_guard lock(state->mu);
      if (!state->pending.count(id)) return;  // cancelled before it was armed
    }
    entry->timer.expires_after(std::chrono::milliseconds(delay_ms));
    entry->timer.async_wait([state, id, entry, fn = std::move(fn)](const boost::system::error_code& ec) {
      {
        std::lock_guard lock(state->mu);
        if (!state->pending.erase(id)) return;  // cancelled
      }
      if (!ec) fn();
    });
  });
  return id;
}

void AsioTimers::cancel(uint64_t id) {
  std::shared_ptr<Entry> entry;
  {
    std::lock_guard lock(state_->mu);
    auto it = state_->pending.find(id);
    if (it == state_->pending.end()) return;
    entry = std::move(it->second);
    state_->pending.erase(it);
  }
  asio::post(entry->timer.get_executor(), [entry] { entry->timer.cancel(); });
}

uint64_t ManualTimers::after(Strand strand, uint64_t delay_ms, std::function<void()> fn) {
  std::lock_guard lock(mu_);
  const uint64_t id = ++next_;
  pending_.emplace(id, Entry{clock_.now_ms() + static_cast<int64_t>(delay_ms), strand, std::move(fn)});
  return id;
}

void ManualTimers::cancel(uint64_t id) {
  std::lock_guard lock(mu_);
  pending_.erase(id);
}

std::size_t ManualTimers::pending() const {
  std::lock_guard lock(mu_);
  return pending_.size();
}

std::optional<int64_t> ManualTimers::next_due() const {
  std::lock_guard lock(mu_);
  std::optional<int64_t> due;
  for (const auto& [id, e] : pending_)
    if (!due || e.due < *due) due = e.due;
  return due;
}

bool ManualTimers::run_next() {
  std::optional<Entry> entry;
  {
    std::lock_guard lock(mu_);
    auto first = std::min_element(pending_.begin(), pending_.end(),
                                  [](const auto& a, const auto& b) { return a.second.due < b.second.due; });
    if (first == pending_.end()) return false;
    entry.emplace(std::move(first->second));
    pending_.erase(first);
    if (entry->due > clock_.now_ms()) clock_.set(entry->due);
  }
  asio::post(entry->strand, std::move(entry->fn));
  return true;
}

void ManualTimers::advance(int64_t ms) {
  const int64_t until = clock_.now_ms() + ms;
  for (;;) {
    auto due = next_due();
    if (!due || *due > until) break;
    run_next();
  }
  if (clock_.now_ms() < until) clock_.set(until);
}

}  // namespace siemhub::core
