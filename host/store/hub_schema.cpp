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
      {2, "journal, outboxes, checkpoints, dead letters", R"sql(
        -- The ingest journal: one record per accepted batch of normalized events. Events and their
        -- ids are length-prefixed (4-byte little-endian) concatenations. AUTOINCREMENT keeps seq
        -- strictly increasing even after the oldest records are deleted.
        CREATE TABLE journal(
          seq         INTEGER PRIMARY KEY AUTOINCREMENT,
          source      TEXT NOT NULL,
          received_ms INTEGER NOT NULL,
          count       INTEGER NOT NULL,
          bytes       INTEGER NOT NULL,
          events      BLOB NOT NULL,
          ids         BLOB NOT NULL
        );

        -- One outbox per sink: a cursor into the journal. Every routed event at or before
        -- acked_seq was confirmed by the sink (or dead-lettered).
        CREATE TABLE outboxes(
          sink       TEXT PRIMARY KEY,
          acked_seq  INTEGER NOT NULL,
          updated_ms INTEGER NOT NULL
        );

        -- The pipeline checkpoint: journal position and the correlation state slot.
        CREATE TABLE checkpoints(
          id          INTEGER PRIMARY KEY CHECK (id = 1),
          journal_seq INTEGER NOT NULL,
          correlation BLOB,
          written_ms  INTEGER NOT NULL
        );

        -- Events a sink rejected permanently, with the reason and the sink's answer.
        CREATE TABLE dead_letters(
          id          INTEGER PRIMARY KEY AUTOINCREMENT,
          sink        TEXT NOT NULL,
          event_id    TEXT NOT NULL,
          journal_seq INTEGER NOT NULL,
          reason      TEXT NOT NULL,
          response    TEXT NOT NULL,
          event       BLOB NOT NULL,
          created_ms  INTEGER NOT NULL
        );
        CREATE INDEX dead_letters_by_sink ON dead_letters(sink, id);
      )sql"},
      {3, "journal in segment files", R"sql(
        -- The journal's records moved to segment files (<data dir>/journal/*.seg); the journal
        -- table stays for older data directories, whose rows the hub moves out at start. How far
        -- the checkpoint let the journal drop records: a segment a crash kept past that point is
        -- removed at start instead of being delivered again.
        ALTER TABLE checkpoints ADD COLUMN deleted_through INTEGER NOT NULL DEFAULT 0;
      )sql"},
      {4, "source-side dead letters", R"sql(
        -- Dead letters now also hold events a source handed over that normalize refused
        -- (stage 'source': sink names the source connector, journal_seq is 0, event the original text).
        ALTER TABLE dead_letters ADD COLUMN stage TEXT NOT NULL DEFAULT 'sink';
      )sql"},
  });
  return migrations;
}

}  // namespace siemhub::store
