// Dead letters: events a sink rejected permanently (stage "sink", with the reason and the sink's
// answer) and events a source handed over that normalize refused (stage "source", with the reason
// and the original text), kept until an operator replays or purges them (`siemhub dlq ...`).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"

namespace siemhub::store {
class Database;
}

namespace siemhub::pipeline {

struct DeadLetter {
  static constexpr const char* kSinkStage = "sink";
  static constexpr const char* kSourceStage = "source";

  uint64_t id = 0;
  std::string sink;  // the connector: the sink that rejected it, or the source whose event was refused
  std::string event_id;
  uint64_t journal_seq = 0;  // 0 for stage "source" (never journaled)
  std::string reason;
  std::string response;
  std::string event;  // the JSON text (stage "source": as the source sent it)
  int64_t created_ms = 0;
  std::string stage = kSinkStage;
};

class DeadLetters {
 public:
  DeadLetters(const std::filesystem::path& hub_db, const core::Clock& clock);
  ~DeadLetters();

  void add(const DeadLetter& d);
  /// Entries of `sink` (all sinks when empty) with id > after_id, oldest first, without payloads.
  std::vector<DeadLetter> list(const std::string& sink, uint64_t after_id, uint32_t limit);
  std::optional<DeadLetter> get(uint64_t id);
  /// Entries by id, or every entry of `sink` when ids is empty (every entry when sink is empty too).
  std::vector<DeadLetter> select(const std::vector<uint64_t>& ids, const std::string& sink);
  uint64_t erase(const std::vector<uint64_t>& ids, const std::string& sink);
  uint64_t count();

 private:
  const core::Clock& clock_;
  std::mutex mu_;
  std::unique_ptr<store::Database> db_;
};

}  // namespace siemhub::pipeline
