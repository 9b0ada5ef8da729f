#include "store/hub_schema.hpp"

namespace siemhub::store {

const Migrations& hub_migrations() {
  // APPEND ONLY. Never edit, renumber or remove a step that has shipped: existing data directories
  // have already run it. Each step runs inside the migration transaction (no VACUUM, no
  // journal_mode changes). Add the next step as {2, "name", R"sql(...)sql"}.
  static const Migrations migrations({
      {1, "kv and cursors", R"sql(
        -- Durable per-connector key/value state (the plugins' kv_* host services).
        CREATE TABLE kv(
          connector  TEXT NOT NULL,
          key        TEXT NOT NULL,
          value      BLOB,
          updated_at INTEGER,
          PRIMARY KEY (connector, key)
        ) WITHOUT ROWID;

        -- Source cursors, committed by the host (later together with the checkpoint that covers
        -- their events).
        CREATE TABLE cursors(
          connector  TEXT PRIMARY KEY,
          cursor     BLOB NOT NULL,
          updated_at INTEGER
        );
      )sql"},
  });
  return migrations;
}

}  // namespace siemhub::store
