#include "store/database.hpp"

#include <sqlite3.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <climits>
#include <cstring>
#include <utility>

namespace siemhub::store {

namespace {

std::string describe(int code, int sys_errno, const std::string& purpose, const std::string& detail,
                     const std::string& file) {
  std::string msg = "store: " + purpose + " failed: " + detail + " (sqlite " + std::to_string(code) + " " +
                    sqlite3_errstr(code);
  const int primary = code & 0xff;
  if (sys_errno != 0 && (primary == SQLITE_IOERR || primary == SQLITE_FULL || primary == SQLITE_CANTOPEN)) {
    msg += "; errno " + std::to_string(sys_errno) + " " + std::strerror(sys_errno);
  }
  msg += ")";
  if (!file.empty()) msg += " [" + file + "]";
  return msg;
}

int to_int(std::size_t n, std::string_view what) {
  if (n > static_cast<std::size_t>(INT_MAX)) throw StoreError("store: " + std::string(what) + " is larger than 2 GiB");
  return static_cast<int>(n);
}

// A pointer SQLite accepts for an empty text/blob: null would bind NULL instead.
const char* non_null(std::string_view v) { return v.data() != nullptr ? v.data() : ""; }

}  // namespace

// ---------------------------------------------------------------- StoreError

StoreError::StoreError(int sqlite_code, int sys_errno, std::string purpose, std::string detail, std::string file)
    : std::runtime_error(describe(sqlite_code, sys_errno, purpose, detail, file)),
      code_(sqlite_code),
      errno_(sys_errno),
      purpose_(std::move(purpose)),
      detail_(std::move(detail)) {}

StoreError::StoreError(const std::string& message) : std::runtime_error(message) {}

bool StoreError::is_disk_full() const noexcept {
  if (primary_code() == SQLITE_FULL) return true;
  return primary_code() == SQLITE_IOERR && (errno_ == ENOSPC || errno_ == EDQUOT);
}

bool StoreError::is_io_error() const noexcept { return primary_code() == SQLITE_IOERR && !is_disk_full(); }

bool StoreError::is_busy() const noexcept { return primary_code() == SQLITE_BUSY || primary_code() == SQLITE_LOCKED; }

bool StoreError::is_constraint() const noexcept { return primary_code() == SQLITE_CONSTRAINT; }

SchemaTooNewError::SchemaTooNewError(const std::filesystem::path& file, int file_version, int known_version)
    : StoreError("store: " + file.string() + " has schema version " + std::to_string(file_version) +
                 ", but this siemhub knows versions up to " + std::to_string(known_version) +
                 "; refusing to open it (run the siemhub that wrote it, or a newer one)"),
      file_version_(file_version),
      known_version_(known_version) {}

// ---------------------------------------------------------------- Statement

Statement::Statement(Database& db, sqlite3_stmt* stmt, std::string_view sql) : db_(&db), stmt_(stmt), sql_(sql) {}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::fail(int rc) const {
  // Capture the message before reset; reset so the statement holds no lock and stays reusable.
  const int code = sqlite3_extended_errcode(db_->handle());
  const int sys = sqlite3_system_errno(db_->handle());
  std::string detail = sqlite3_errmsg(db_->handle());
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  throw StoreError(code != SQLITE_OK ? code : rc, sys, purpose_, std::move(detail), db_->path().string());
}

void Statement::check_bind(int rc, int index) const {
  if (rc == SQLITE_OK) return;
  // Name the parameter index, never the value.
  throw StoreError(rc, 0, purpose_, "cannot bind parameter " + std::to_string(index) + ": " + sqlite3_errstr(rc),
                   db_->path().string());
}

Statement& Statement::bind_int64(int index, int64_t value) {
  check_bind(sqlite3_bind_int64(stmt_, index, value), index);
  return *this;
}

Statement& Statement::bind_double(int index, double value) {
  check_bind(sqlite3_bind_double(stmt_, index, value), index);
  return *this;
}

Statement& Statement::bind_text(int index, std::string_view value) {
  check_bind(sqlite3_bind_text(stmt_, index, non_null(value), to_int(value.size(), "text value"), SQLITE_TRANSIENT),
             index);
  return *this;
}

Statement& Statement::bind_text_static(int index, std::string_view value) {
  check_bind(sqlite3_bind_text(stmt_, index, non_null(value), to_int(value.size(), "text value"), SQLITE_STATIC),
             index);
  return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
  check_bind(sqlite3_bind_blob(stmt_, index, non_null(bytes), to_int(bytes.size(), "blob value"), SQLITE_TRANSIENT),
             index);
  return *this;
}

Statement& Statement::bind_blob_static(int index, std::string_view bytes) {
  check_bind(sqlite3_bind_blob(stmt_, index, non_null(bytes), to_int(bytes.size(), "blob value"), SQLITE_STATIC),
             index);
  return *this;
}

Statement& Statement::bind_null(int index) {
  check_bind(sqlite3_bind_null(stmt_, index), index);
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(rc);
}

void Statement::run() {
  while (step()) {
  }
}

int Statement::column_count() const { return sqlite3_column_count(stmt_); }

bool Statement::column_is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

int64_t Statement::column_int64(int col) const { return sqlite3_column_int64(stmt_, col); }

double Statement::column_double(int col) const { return sqlite3_column_double(stmt_, col); }

std::string_view Statement::column_text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  const int n = sqlite3_column_bytes(stmt_, col);
  if (p == nullptr) return {};
  return {reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)};
}

std::string_view Statement::column_blob(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  const int n = sqlite3_column_bytes(stmt_, col);
  if (p == nullptr || n <= 0) return {};
  return {static_cast<const char*>(p), static_cast<std::size_t>(n)};
}

void Statement::reset() noexcept {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

// ---------------------------------------------------------------- Database

namespace {

// The database holds events, cursors and dead letters: readable by the service user only. SQLite
// creates a new file with 0644 (less the umask) and gives its -wal and -shm files the mode of the
// database file, so creating the file 0600 first covers all three; files an older build left
// readable by others are tightened (only the permission bits of our own data files change).
void restrict_file_modes(const std::filesystem::path& path, bool create) {
  if (path.empty() || path == ":memory:" || path.string().rfind("file:", 0) == 0) return;  // no file of ours
  if (create) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd >= 0) ::close(fd);
  }
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const std::string file = path.string() + suffix;
    struct stat st {};
    if (::lstat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid()) continue;
    if ((st.st_mode & 077) != 0) ::chmod(file.c_str(), st.st_mode & 0700);
  }
}

}  // namespace

Database::Database(std::filesystem::path path, const DatabaseOptions& options)
    : path_(std::move(path)), options_(options) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (options_.create) flags |= SQLITE_OPEN_CREATE;
#ifdef SQLITE_OPEN_EXRESCODE
  flags |= SQLITE_OPEN_EXRESCODE;
#endif
  restrict_file_modes(path_, options_.create);
  const int rc = sqlite3_open_v2(path_.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string detail = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    const int sys = db_ != nullptr ? sqlite3_system_errno(db_) : 0;
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw StoreError(rc, sys, "open database", std::move(detail), path_.string());
  }
  try {
    sqlite3_extended_result_codes(db_, 1);
    const auto timeout = options_.busy_timeout.count();
    sqlite3_busy_timeout(db_, timeout > INT_MAX ? INT_MAX : static_cast<int>(timeout < 0 ? 0 : timeout));
    // Hardening: no double-quoted string literals, no schema-defined functions with side effects,
    // no writable_schema tricks.
    sqlite3_db_config(db_, SQLITE_DBCONFIG_DQS_DML, 0, nullptr);
    sqlite3_db_config(db_, SQLITE_DBCONFIG_DQS_DDL, 0, nullptr);
    sqlite3_db_config(db_, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
    sqlite3_db_config(db_, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);

    // Only a new, empty file takes a page size, and only before WAL mode is enabled.
    if (options_.large_pages) exec("PRAGMA page_size=65536", "set the page size");
    {
      Statement& wal = prepare("PRAGMA journal_mode=WAL", "enable WAL journal");
      StatementReset done(wal);
      if (!wal.step() || wal.column_text(0) != "wal") {
        throw StoreError("store: cannot enable WAL journal mode (got '" + std::string(wal.column_text(0)) + "') [" +
                         path_.string() + "]");
      }
    }
    if (options_.synchronous == Synchronous::Full) {
      exec("PRAGMA synchronous=FULL", "set synchronous=FULL");
    } else {
      exec("PRAGMA synchronous=NORMAL", "set synchronous=NORMAL");
    }
    exec("PRAGMA foreign_keys=ON", "enable foreign keys");
    if (!options_.auto_checkpoint) sqlite3_wal_autocheckpoint(db_, 0);
    // The pragma statements are not needed again.
    cache_.clear();
  } catch (...) {
    cache_.clear();
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

Database::~Database() {
  cache_.clear();  // finalize statements before closing
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

void Database::fail(int rc, std::string_view purpose) const {
  const int code = sqlite3_extended_errcode(db_);
  throw StoreError(code != SQLITE_OK ? code : rc, sqlite3_system_errno(db_), std::string(purpose), sqlite3_errmsg(db_),
                   path_.string());
}

Statement& Database::prepare(Sql sql, std::string_view purpose) {
  const std::string_view text = sql.text();
  if (auto it = cache_.find(text); it != cache_.end()) {
    Statement& s = *it->second;
    s.reset();
    if (s.purpose_ != purpose) s.purpose_.assign(purpose);
    return s;
  }
  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  const int rc = sqlite3_prepare_v3(db_, text.data(), to_int(text.size(), "SQL text"), SQLITE_PREPARE_PERSISTENT,
                                    &raw, &tail);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(raw);
    fail(rc, purpose);
  }
  if (raw == nullptr) throw StoreError("store: " + std::string(purpose) + ": prepare() was given no SQL statement");
  std::string_view rest(tail, static_cast<std::size_t>(text.data() + text.size() - tail));
  while (!rest.empty() && (rest.front() == ';' || std::isspace(static_cast<unsigned char>(rest.front())) != 0)) {
    rest.remove_prefix(1);
  }
  if (!rest.empty()) {
    sqlite3_finalize(raw);
    throw StoreError("store: " + std::string(purpose) + ": prepare() takes one statement; use exec() for scripts");
  }
  auto stmt = std::unique_ptr<Statement>(new Statement(*this, raw, text));
  stmt->purpose_.assign(purpose);
  Statement& ref = *stmt;
  cache_.emplace(text, std::move(stmt));
  return ref;
}

void Database::exec(Sql sql, std::string_view purpose) {
  const std::string script(sql.text());  // sqlite3_exec needs a terminated string
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, script.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    const int code = sqlite3_extended_errcode(db_);
    std::string detail = err != nullptr ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw StoreError(code != SQLITE_OK ? code : rc, sqlite3_system_errno(db_), std::string(purpose), std::move(detail),
                     path_.string());
  }
}

CheckpointResult Database::checkpoint(CheckpointMode mode) {
  CheckpointResult r;
  const int m = mode == CheckpointMode::Truncate ? SQLITE_CHECKPOINT_TRUNCATE : SQLITE_CHECKPOINT_PASSIVE;
  const int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, m, &r.wal_frames, &r.checkpointed);
  if (rc == SQLITE_BUSY) {
    r.busy = true;
    return r;
  }
  if (rc != SQLITE_OK) fail(rc, mode == CheckpointMode::Truncate ? "WAL checkpoint (truncate)" : "WAL checkpoint");
  return r;
}

bool Database::in_transaction() const noexcept { return sqlite3_get_autocommit(db_) == 0; }

int64_t Database::last_insert_rowid() const noexcept { return sqlite3_last_insert_rowid(db_); }

int64_t Database::changes() const noexcept { return sqlite3_changes64(db_); }

// ---------------------------------------------------------------- Transaction

Transaction::Transaction(Database& db) : db_(db) {
  db_.prepare("BEGIN IMMEDIATE", "begin transaction").run();
  active_ = true;
}

Transaction::~Transaction() {
  try {
    rollback();
  } catch (...) {
    // A failed ROLLBACK leaves nothing better to do; SQLite rolls back on close/next begin.
  }
}

void Transaction::commit() {
  if (!active_) throw StoreError("store: commit on a transaction that is no longer active");
  db_.prepare("COMMIT", "commit transaction").run();
  active_ = false;
}

void Transaction::rollback() {
  if (!active_) return;
  active_ = false;
  // SQLite may already have rolled back by itself (e.g. after SQLITE_FULL or SQLITE_IOERR).
  if (db_.in_transaction()) db_.prepare("ROLLBACK", "roll back transaction").run();
}

}  // namespace siemhub::store
