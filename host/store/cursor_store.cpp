#include "store/cursor_store.hpp"

namespace siemhub::store {

CursorStore::CursorStore(Database& db, const core::Clock& clock) : db_(db), clock_(clock) {}

std::optional<std::string> CursorStore::get(std::string_view connector) {
  Statement& s = db_.prepare("SELECT cursor FROM cursors WHERE connector = ?1", "read cursor");
  StatementReset done(s);
  s.bind_text_static(1, connector);
  if (!s.step()) return std::nullopt;
  return s.column_string(0);
}

void CursorStore::write(std::string_view connector, std::string_view cursor) {
  Statement& s = db_.prepare(
      "INSERT INTO cursors(connector, cursor, updated_at) VALUES (?1, ?2, ?3) "
      "ON CONFLICT(connector) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at",
      "save cursor");
  StatementReset done(s);
  s.bind_text_static(1, connector).bind_blob_static(2, cursor).bind_int64(3, clock_.now_ms());
  s.run();
}

void CursorStore::put(std::string_view connector, std::string_view cursor) { write(connector, cursor); }

void CursorStore::put(Transaction& tx, std::string_view connector, std::string_view cursor) {
  if (&tx.db() != &db_) throw StoreError("store: save cursor: the transaction belongs to another database connection");
  if (!tx.active()) throw StoreError("store: save cursor: the transaction is no longer active");
  write(connector, cursor);
}

void CursorStore::erase(std::string_view connector) {
  Statement& s = db_.prepare("DELETE FROM cursors WHERE connector = ?1", "delete cursor");
  StatementReset done(s);
  s.bind_text_static(1, connector);
  s.run();
}

std::vector<CursorEntry> CursorStore::list() {
  Statement& s = db_.prepare("SELECT connector, cursor, updated_at FROM cursors ORDER BY connector", "list cursors");
  StatementReset done(s);
  std::vector<CursorEntry> out;
  while (s.step()) {
    out.push_back({std::string(s.column_text(0)), s.column_string(1), s.column_int64(2)});
  }
  return out;
}

}  // namespace siemhub::store
