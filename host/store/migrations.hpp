// Versioned, append-only schema migrations recorded in `schema_migrations`.
//
// Rule: a migration that has shipped is never edited, renumbered or removed — add a new one.
// Each database file has its own list; versions are 1, 2, 3, ... without gaps.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "store/database.hpp"

namespace siemhub::store {

struct Migration {
  int version;
  std::string_view name;  ///< recorded; a recorded name that differs from the code's is refused
  Sql sql;                ///< one or more statements; must be valid inside a transaction
};

struct MigrationReport {
  int from_version = 0;
  int to_version = 0;
  std::vector<int> applied;  ///< versions applied by this call
};

class Migrations {
 public:
  /// Throws std::invalid_argument unless versions run 1..N in order.
  explicit Migrations(std::vector<Migration> steps);

  /// The newest version this build knows.
  int latest() const noexcept { return steps_.empty() ? 0 : steps_.back().version; }
  const std::vector<Migration>& steps() const noexcept { return steps_; }

  /// The highest recorded version of `db` (0 for a fresh file).
  static int current_version(Database& db);

  /// Brings `db` to latest() in one IMMEDIATE transaction (all pending steps or none), recording
  /// each step with `clock`'s time in ms. Throws SchemaTooNewError when the file is newer than
  /// latest(), and StoreError when a recorded step's name differs from the code's.
  MigrationReport apply(Database& db, const core::Clock& clock = core::SystemClock::instance()) const;

 private:
  std::vector<Migration> steps_;
};

}  // namespace siemhub::store
