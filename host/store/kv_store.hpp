// core::KvStore on hub.db's `kv` table.
#pragma once

#include <memory>
#include <mutex>

#include "core/clock.hpp"
#include "core/kv.hpp"
#include "store/database.hpp"

namespace siemhub::store {

/// Thread-safe: owns one connection (typically DataDir::connect_hub()) guarded by a mutex.
/// Every put/erase is its own durable (autocommit) transaction. Errors throw StoreError; the
/// plugin host services turn them into an error status.
class SqliteKvStore final : public core::KvStore {
 public:
  explicit SqliteKvStore(std::unique_ptr<Database> db, const core::Clock& clock = core::SystemClock::instance());

  std::optional<std::string> get(const std::string& connector, const std::string& key) override;
  void put(const std::string& connector, const std::string& key, std::string_view value) override;
  void erase(const std::string& connector, const std::string& key) override;

 private:
  std::mutex mu_;
  std::unique_ptr<Database> db_;
  const core::Clock& clock_;
};

}  // namespace siemhub::store
