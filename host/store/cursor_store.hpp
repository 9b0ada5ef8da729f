// Source cursors in hub.db's `cursors` table, committed by the host.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "store/database.hpp"

namespace siemhub::store {

struct CursorEntry {
  std::string connector;
  std::string cursor;
  int64_t updated_at_ms = 0;
};

/// Not thread-safe: uses the caller's connection (the one checkpoints are written on), so a
/// cursor can be committed in the same transaction as the checkpoint that covers its events.
class CursorStore {
 public:
  explicit CursorStore(Database& db, const core::Clock& clock = core::SystemClock::instance());

  std::optional<std::string> get(std::string_view connector);
  /// Writes and commits at once (its own transaction).
  void put(std::string_view connector, std::string_view cursor);
  /// Writes inside `tx` (which must be active on this store's database); durable when tx commits.
  void put(Transaction& tx, std::string_view connector, std::string_view cursor);
  void erase(std::string_view connector);
  /// All cursors, ordered by connector.
  std::vector<CursorEntry> list();

 private:
  void write(std::string_view connector, std::string_view cursor);

  Database& db_;
  const core::Clock& clock_;
};

}  // namespace siemhub::store
