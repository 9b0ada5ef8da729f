// RAII access to one SQLite database file: connection, prepared statements, transactions.
//
// Rules this API enforces:
//   * SQL text is a compile-time constant (`Sql` has a consteval constructor), so values can only
//     reach SQLite through bound parameters — there is no way to run SQL assembled at run time.
//   * Errors are `StoreError`s that name the SQLite code, SQLite's message and the statement's
//     *purpose*; never a bound value (values may be secrets or event payloads).
//
// Thread model: a Database (and its statements) is used by one thread at a time. Components that
// are shared across threads own their own connection and a mutex (see SqliteKvStore); a background
// WAL checkpointer opens its own connection to the same file.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace siemhub::store {

/// Any failure of the storage layer. For SQLite failures `sqlite_code()` is SQLite's extended
/// result code; for the store's own refusals (schema too new, data directory locked, ...) it is 0.
class StoreError : public std::runtime_error {
 public:
  /// `sqlite_code`: extended result code; `sys_errno`: sqlite3_system_errno() (0 if none);
  /// `purpose`: what the statement was for ("save cursor"); `detail`: SQLite's message;
  /// `file`: the database file (may be empty).
  StoreError(int sqlite_code, int sys_errno, std::string purpose, std::string detail, std::string file);
  /// A refusal not coming from SQLite; `message` is used as is.
  explicit StoreError(const std::string& message);

  int sqlite_code() const noexcept { return code_; }
  /// The primary result code (sqlite_code() & 0xff), e.g. SQLITE_FULL.
  int primary_code() const noexcept { return code_ & 0xff; }
  int sys_errno() const noexcept { return errno_; }
  const std::string& purpose() const noexcept { return purpose_; }
  const std::string& detail() const noexcept { return detail_; }

  /// SQLITE_FULL, or an I/O error whose OS cause was ENOSPC/EDQUOT: the disk (or quota) is full.
  /// Callers turn this into backpressure rather than a crash.
  bool is_disk_full() const noexcept;
  /// Any other SQLITE_IOERR: the storage itself is failing.
  bool is_io_error() const noexcept;
  /// SQLITE_BUSY / SQLITE_LOCKED after the busy timeout.
  bool is_busy() const noexcept;
  bool is_constraint() const noexcept;

 private:
  int code_ = 0;
  int errno_ = 0;
  std::string purpose_;
  std::string detail_;
};

/// Opening refused because the file's schema is newer than this build knows.
class SchemaTooNewError : public StoreError {
 public:
  SchemaTooNewError(const std::filesystem::path& file, int file_version, int known_version);
  int file_version() const noexcept { return file_version_; }
  int known_version() const noexcept { return known_version_; }

 private:
  int file_version_;
  int known_version_;
};

/// SQL text known at compile time. Only string literals (or other constant expressions) convert
/// to Sql, so values can never be spliced into statements: they must be bound.
class Sql {
 public:
  // NOLINTNEXTLINE(google-explicit-constructor): implicit so call sites read db.prepare("...").
  consteval Sql(const char* text) : text_(text) {}
  constexpr std::string_view text() const noexcept { return text_; }

 private:
  std::string_view text_;
};

enum class Synchronous {
  Full,    ///< fsync the WAL on every commit: nothing committed is lost (the default).
  Normal,  ///< fsync only at checkpoints: a power loss may drop the last commits (non-critical files).
};

enum class CheckpointMode {
  Passive,   ///< copy what it can without waiting for readers/writers.
  Truncate,  ///< wait (busy timeout) for writers, copy everything, truncate the WAL to zero bytes.
};

struct DatabaseOptions {
  Synchronous synchronous = Synchronous::Full;
  std::chrono::milliseconds busy_timeout{5000};
  /// false sets wal_autocheckpoint=0: commits never checkpoint; call checkpoint() elsewhere
  /// (typically a background thread with its own connection).
  bool auto_checkpoint = true;
  /// Create the file when missing.
  bool create = true;
  /// 64 KiB pages (instead of SQLite's 4 KiB) when this connection creates the file; an existing
  /// file keeps its page size. For hub.db: a journal record is one ~0.5 MB blob, and every page
  /// is one WAL frame (one write) at commit, so big pages cut a commit's writes 16-fold.
  bool large_pages = false;
};

struct CheckpointResult {
  bool busy = false;       ///< the checkpoint could not complete (readers/writers in the way)
  int wal_frames = 0;      ///< frames in the WAL (-1 when unknown)
  int checkpointed = 0;    ///< frames copied back into the database (-1 when unknown)
};

class Database;

/// One prepared statement. Obtained from Database::prepare(), which caches it per SQL text and
/// hands it out reset with no bindings. Parameter and column indexes follow SQLite: parameters
/// start at 1, columns at 0.
class Statement {
 public:
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind_int64(int index, int64_t value);
  Statement& bind_double(int index, double value);
  /// Text copied by SQLite (SQLITE_TRANSIENT).
  Statement& bind_text(int index, std::string_view value);
  /// Text not copied (SQLITE_STATIC): `value` must stay valid until reset() or rebinding.
  Statement& bind_text_static(int index, std::string_view value);
  /// Blob copied by SQLite. An empty view binds an empty blob, not NULL.
  Statement& bind_blob(int index, std::string_view bytes);
  /// Blob not copied: `bytes` must stay valid until reset() or rebinding.
  Statement& bind_blob_static(int index, std::string_view bytes);
  Statement& bind_null(int index);

  /// Runs one step: true when a row is available, false when done. Throws StoreError (after
  /// resetting the statement, so it stays usable and holds no locks).
  bool step();
  /// Steps until done (for INSERT/UPDATE/DELETE/DDL); rows, if any, are discarded.
  void run();

  int column_count() const;
  bool column_is_null(int col) const;
  int64_t column_int64(int col) const;
  double column_double(int col) const;
  /// Views are valid until the next step(), reset() or column access of another type.
  std::string_view column_text(int col) const;
  std::string_view column_blob(int col) const;
  std::string column_string(int col) const { return std::string(column_blob(col)); }

  /// Resets the statement and clears its bindings (no value outlives its use).
  void reset() noexcept;

  std::string_view sql() const noexcept { return sql_; }
  const std::string& purpose() const noexcept { return purpose_; }
  sqlite3_stmt* handle() const noexcept { return stmt_; }

 private:
  friend class Database;
  Statement(Database& db, sqlite3_stmt* stmt, std::string_view sql);
  [[noreturn]] void fail(int rc) const;
  void check_bind(int rc, int index) const;

  Database* db_;
  sqlite3_stmt* stmt_;
  std::string_view sql_;  // points at the Sql literal (static storage)
  std::string purpose_;
};

/// Resets a statement when leaving a scope, so partially read queries release their read lock.
class StatementReset {
 public:
  explicit StatementReset(Statement& s) noexcept : s_(s) {}
  ~StatementReset() { s_.reset(); }
  StatementReset(const StatementReset&) = delete;
  StatementReset& operator=(const StatementReset&) = delete;

 private:
  Statement& s_;
};

class Database {
 public:
  /// Opens (creating by default) `path` in WAL mode with the given durability settings.
  explicit Database(std::filesystem::path path, const DatabaseOptions& options = {});
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  /// The cached statement for `sql`, reset and without bindings. Compiling happens once per
  /// distinct text. The same Statement object is returned for the same text: finish with one use
  /// before preparing the same SQL again. `purpose` names the statement in errors.
  Statement& prepare(Sql sql, std::string_view purpose);

  /// Runs a constant script (one or more statements without parameters): DDL, migrations.
  void exec(Sql sql, std::string_view purpose);

  /// Runs a WAL checkpoint on this connection. Busy is reported, not thrown.
  CheckpointResult checkpoint(CheckpointMode mode);

  /// True while a transaction is open on this connection.
  bool in_transaction() const noexcept;
  int64_t last_insert_rowid() const noexcept;
  /// Rows changed by the most recent INSERT/UPDATE/DELETE.
  int64_t changes() const noexcept;
  /// Number of cached prepared statements.
  std::size_t cached_statements() const noexcept { return cache_.size(); }

  const std::filesystem::path& path() const noexcept { return path_; }
  const DatabaseOptions& options() const noexcept { return options_; }
  sqlite3* handle() const noexcept { return db_; }

  /// Throws the StoreError for the connection's last error `rc`.
  [[noreturn]] void fail(int rc, std::string_view purpose) const;

 private:
  std::filesystem::path path_;
  DatabaseOptions options_;
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string_view, std::unique_ptr<Statement>> cache_;
};

/// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless commit() succeeded.
/// IMMEDIATE takes the write lock up front, so the busy timeout applies and no deadlock-by-upgrade
/// can happen later in the transaction.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  /// COMMIT. On failure throws; the destructor then rolls back whatever is left.
  void commit();
  /// ROLLBACK now (idempotent).
  void rollback();
  bool active() const noexcept { return active_; }
  Database& db() const noexcept { return db_; }

 private:
  Database& db_;
  bool active_ = false;
};

}  // namespace siemhub::store
