// HEC indexer acknowledgement state: per (token, channel) an increasing ackId per admitted batch,
// pending until the batch is durable. Querying a durable id answers true once and forgets it (as
// Splunk does); failed or unknown ids answer false. Bounded: the least recently used channel is
// dropped beyond max_channels, the oldest ids of a channel beyond max_ids_per_channel. Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace siemhub::ingest {

class AckTracker {
 public:
  explicit AckTracker(size_t max_channels = 10000, size_t max_ids_per_channel = 100000)
      : max_channels_(max_channels), max_ids_(max_ids_per_channel) {}

  /// A new pending id for `channel` (0, 1, 2, … per channel).
  uint64_t begin(const std::string& channel);
  /// Marks `id` durable (ok) or failed.
  void complete(const std::string& channel, uint64_t id, bool ok);
  /// Forgets a pending id whose batch was not admitted.
  void cancel(const std::string& channel, uint64_t id);
  /// Status of each id; ids reported true (and failed ids) are forgotten.
  std::vector<std::pair<uint64_t, bool>> query(const std::string& channel, const std::vector<uint64_t>& ids);
  size_t channel_count() const;

 private:
  enum class State { pending, durable, failed };
  struct Channel {
    uint64_t next = 0;
    std::map<uint64_t, State> ids;
    std::chrono::steady_clock::time_point used;
  };
  const size_t max_channels_, max_ids_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Channel> channels_;
};

}  // namespace siemhub::ingest
