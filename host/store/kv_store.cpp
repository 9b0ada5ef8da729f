#include "store/kv_store.hpp"

#include <stdexcept>

namespace siemhub::store {

SqliteKvStore::SqliteKvStore(std::unique_ptr<Database> db, const core::Clock& clock)
    : db_(std::move(db)), clock_(clock) {
  if (!db_) throw std::invalid_argument("SqliteKvStore needs a database");
}

std::optional<std::string> SqliteKvStore::get(const std::string& connector, const std::string& key) {
  std::lock_guard lock(mu_);
  Statement& s = db_->prepare("SELECT value FROM kv WHERE connector = ?1 AND key = ?2", "read kv entry");
  StatementReset done(s);
  s.bind_text_static(1, connector).bind_text_static(2, key);
  if (!s.step()) return std::nullopt;
  return s.column_string(0);
}

void SqliteKvStore::put(const std::string& connector, const std::string& key, std::string_view value) {
  std::lock_guard lock(mu_);
  Statement& s = db_->prepare(
      "INSERT INTO kv(connector, key, value, updated_at) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT(connector, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
      "write kv entry");
  StatementReset done(s);
  s.bind_text_static(1, connector).bind_text_static(2, key).bind_blob_static(3, value).bind_int64(4, clock_.now_ms());
  s.run();
}

void SqliteKvStore::erase(const std::string& connector, const std::string& key) {
  std::lock_guard lock(mu_);
  Statement& s = db_->prepare("DELETE FROM kv WHERE connector = ?1 AND key = ?2", "delete kv entry");
  StatementReset done(s);
  s.bind_text_static(1, connector).bind_text_static(2, key);
  s.run();
}

}  // namespace siemhub::store
