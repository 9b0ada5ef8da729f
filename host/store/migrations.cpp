#include "store/migrations.hpp"

#include <algorithm>
#include <stdexcept>

namespace siemhub::store {

namespace {

void ensure_table(Database& db) {
  db.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations("
      "  version INTEGER PRIMARY KEY,"
      "  name TEXT NOT NULL,"
      "  applied_at INTEGER NOT NULL)",
      "create schema_migrations");
}

bool has_table(Database& db) {
  Statement& s = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'",
                            "look up schema_migrations");
  StatementReset done(s);
  return s.step();
}

}  // namespace

Migrations::Migrations(std::vector<Migration> steps) : steps_(std::move(steps)) {
  for (std::size_t i = 0; i < steps_.size(); ++i) {
    if (steps_[i].version != static_cast<int>(i) + 1) {
      throw std::invalid_argument("store: migration versions must run 1, 2, 3, ... in order; position " +
                                  std::to_string(i + 1) + " has version " + std::to_string(steps_[i].version));
    }
  }
}

int Migrations::current_version(Database& db) {
  if (!has_table(db)) return 0;
  Statement& s = db.prepare("SELECT coalesce(max(version), 0) FROM schema_migrations", "read schema version");
  StatementReset done(s);
  s.step();
  return static_cast<int>(s.column_int64(0));
}

MigrationReport Migrations::apply(Database& db, const core::Clock& clock) const {
  MigrationReport report;
  Transaction tx(db);  // the write lock first, so the version read below cannot go stale
  ensure_table(db);
  report.from_version = current_version(db);
  if (report.from_version > latest()) throw SchemaTooNewError(db.path(), report.from_version, latest());

  // Applied steps must still be the ones this code knows (an edited or foreign history is refused).
  {
    Statement& s = db.prepare("SELECT version, name FROM schema_migrations ORDER BY version", "read schema history");
    StatementReset done(s);
    while (s.step()) {
      const auto v = s.column_int64(0);
      const auto name = s.column_text(1);
      if (v < 1 || v > latest() || steps_[static_cast<std::size_t>(v - 1)].name != name) {
        throw StoreError("store: " + db.path().string() + " records migration " + std::to_string(v) + " '" +
                         std::string(name) + "', which this siemhub does not know by that name; refusing to open it");
      }
    }
  }

  for (const Migration& m : steps_) {
    if (m.version <= report.from_version) continue;
    db.exec(m.sql, "apply migration " + std::to_string(m.version) + " (" + std::string(m.name) + ")");
    Statement& rec = db.prepare("INSERT INTO schema_migrations(version, name, applied_at) VALUES (?1, ?2, ?3)",
                                "record migration");
    StatementReset done(rec);
    rec.bind_int64(1, m.version).bind_text(2, m.name).bind_int64(3, clock.now_ms());
    rec.run();
    report.applied.push_back(m.version);
  }
  tx.commit();
  report.to_version = std::max(report.from_version, latest());
  return report;
}

}  // namespace siemhub::store
