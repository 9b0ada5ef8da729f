#include "ingest/ack_tracker.hpp"

#include <algorithm>

namespace siemhub::ingest {

uint64_t AckTracker::begin(const std::string& channel) {
  std::lock_guard lock(mu_);
  auto it = channels_.find(channel);
  if (it == channels_.end()) {
    if (channels_.size() >= max_channels_ && !channels_.empty()) {
      auto oldest = std::min_element(channels_.begin(), channels_.end(),
                                     [](const auto& a, const auto& b) { return a.second.used < b.second.used; });
      channels_.erase(oldest);
    }
    it = channels_.emplace(channel, Channel{}).first;
  }
  Channel& c = it->second;
  c.used = std::chrono::steady_clock::now();
  const uint64_t id = c.next++;
  c.ids.emplace(id, State::pending);
  while (c.ids.size() > max_ids_) c.ids.erase(c.ids.begin());
  return id;
}

void AckTracker::complete(const std::string& channel, uint64_t id, bool ok) {
  std::lock_guard lock(mu_);
  auto it = channels_.find(channel);
  if (it == channels_.end()) return;
  auto e = it->second.ids.find(id);
  if (e != it->second.ids.end()) e->second = ok ? State::durable : State::failed;
}

void AckTracker::cancel(const std::string& channel, uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = channels_.find(channel);
  if (it != channels_.end()) it->second.ids.erase(id);
}

std::vector<std::pair<uint64_t, bool>> AckTracker::query(const std::string& channel, const std::vector<uint64_t>& ids) {
  std::vector<std::pair<uint64_t, bool>> out;
  out.reserve(ids.size());
  std::lock_guard lock(mu_);
  auto it = channels_.find(channel);
  for (uint64_t id : ids) {
    bool done = false;
    if (it != channels_.end()) {
      auto e = it->second.ids.find(id);
      if (e != it->second.ids.end() && e->second != State::pending) {
        done = e->second == State::durable;
        it->second.ids.erase(e);
      }
    }
    out.emplace_back(id, done);
  }
  if (it != channels_.end()) it->second.used = std::chrono::steady_clock::now();
  return out;
}

size_t AckTracker::channel_count() const {
  std::lock_guard lock(mu_);
  return channels_.size();
}

}  // namespace siemhub::ingest
