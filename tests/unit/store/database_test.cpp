#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <cerrno>
#include <string>
#include <type_traits>

#include "store/database.hpp"
#include "store_test_util.hpp"

using namespace siemhub::store;
using siemhub::testing::StoreTempDir;

static_assert(!std::is_constructible_v<Sql, std::string>, "SQL text must not come from run-time strings");
static_assert(!std::is_constructible_v<Sql, std::string_view>, "SQL text must not come from run-time strings");

namespace {

std::string pragma_text(Database& db, Sql sql) {
  Statement& s = db.prepare(sql, "read pragma");
  StatementReset done(s);
  REQUIRE(s.step());
  return std::string(s.column_text(0));
}

int64_t count_rows(Database& db) {
  Statement& s = db.prepare("SELECT count(*) FROM t", "count rows");
  StatementReset done(s);
  REQUIRE(s.step());
  return s.column_int64(0);
}

}  // namespace

TEST_CASE("opening a database creates the file in WAL mode with synchronous FULL and foreign keys on", "[store]") {
  StoreTempDir dir;
  Database db(dir / "a.db");
  CHECK(std::filesystem::exists(dir / "a.db"));
  CHECK(pragma_text(db, "PRAGMA journal_mode") == "wal");
  CHECK(pragma_text(db, "PRAGMA synchronous") == "2");  // FULL
  CHECK(pragma_text(db, "PRAGMA foreign_keys") == "1");
  CHECK(pragma_text(db, "PRAGMA wal_autocheckpoint") == "1000");
}

TEST_CASE("synchronous NORMAL and disabled autocheckpoint are applied on request", "[store]") {
  StoreTempDir dir;
  DatabaseOptions o;
  o.synchronous = Synchronous::Normal;
  o.auto_checkpoint = false;
  Database db(dir / "b.db", o);
  CHECK(pragma_text(db, "PRAGMA synchronous") == "1");
  CHECK(pragma_text(db, "PRAGMA wal_autocheckpoint") == "0");
}

TEST_CASE("opening a missing file without create fails naming the file", "[store]") {
  StoreTempDir dir;
  DatabaseOptions o;
  o.create = false;
  try {
    Database db(dir / "missing.db", o);
    FAIL("opened a missing file");
  } catch (const StoreError& e) {
    CHECK(e.primary_code() == SQLITE_CANTOPEN);
    CHECK_THAT(e.what(), Catch::Contains("missing.db"));
    CHECK_THAT(e.what(), Catch::Contains("open database"));
  }
}

TEST_CASE("the prepared statement cache returns the same statement reset and unbound", "[store]") {
  StoreTempDir dir;
  Database db(dir / "c.db");
  db.exec("CREATE TABLE t(x INTEGER)", "create t");
  Statement& a = db.prepare("SELECT ?1", "echo");
  a.bind_int64(1, 7);
  REQUIRE(a.step());
  CHECK(a.column_int64(0) == 7);
  const auto cached = db.cached_statements();
  Statement& b = db.prepare("SELECT ?1", "echo again");
  CHECK(&a == &b);
  CHECK(a.handle() == b.handle());
  CHECK(db.cached_statements() == cached);
  CHECK(b.purpose() == "echo again");
  REQUIRE(b.step());  // reset: runs again from the start, with the old binding cleared
  CHECK(b.column_is_null(0));
  Statement& other = db.prepare("SELECT ?1 + 1", "other");
  CHECK(&other != &a);
}

TEST_CASE("statements bind and read back every value type", "[store]") {
  StoreTempDir dir;
  Database db(dir / "d.db");
  db.exec("CREATE TABLE v(i INTEGER, d REAL, t TEXT, b BLOB, n BLOB, e BLOB, s TEXT)", "create v");
  const std::string binary("a\0b", 3);
  const std::string stat = "static text";
  db.prepare("INSERT INTO v VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", "insert v")
      .bind_int64(1, INT64_MIN)
      .bind_double(2, 2.5)
      .bind_text(3, "héllo")
      .bind_blob(4, binary)
      .bind_null(5)
      .bind_blob(6, std::string_view())
      .bind_text_static(7, stat)
      .run();
  CHECK(db.changes() == 1);
  Statement& s = db.prepare("SELECT i, d, t, b, n, e, typeof(e), s FROM v", "read v");
  StatementReset done(s);
  REQUIRE(s.step());
  CHECK(s.column_count() == 8);
  CHECK(s.column_int64(0) == INT64_MIN);
  CHECK(s.column_double(1) == 2.5);
  CHECK(s.column_text(2) == "héllo");
  CHECK(s.column_string(3) == binary);
  CHECK(s.column_is_null(4));
  CHECK(s.column_blob(5).empty());
  CHECK(s.column_text(6) == "blob");  // an empty view binds an empty blob, not NULL
  CHECK(s.column_text(7) == stat);
  CHECK_FALSE(s.step());
}

TEST_CASE("a transaction rolls back when not committed", "[store]") {
  StoreTempDir dir;
  Database db(dir / "e.db");
  db.exec("CREATE TABLE t(x INTEGER)", "create t");
  {
    Transaction tx(db);
    CHECK(db.in_transaction());
    db.prepare("INSERT INTO t VALUES (?1)", "insert").bind_int64(1, 1).run();
    CHECK(count_rows(db) == 1);
  }
  CHECK_FALSE(db.in_transaction());
  CHECK(count_rows(db) == 0);
  {
    Transaction tx(db);
    db.prepare("INSERT INTO t VALUES (?1)", "insert").bind_int64(1, 2).run();
    tx.commit();
    CHECK_FALSE(tx.active());
  }
  CHECK(count_rows(db) == 1);
}

TEST_CASE("a transaction cannot be nested on one connection", "[store]") {
  StoreTempDir dir;
  Database db(dir / "f.db");
  Transaction outer(db);
  CHECK_THROWS_WITH(Transaction{db}, Catch::Contains("begin transaction"));
  CHECK(outer.active());
  CHECK(db.in_transaction());
}

TEST_CASE("statement errors name the purpose but not the bound values", "[store]") {
  StoreTempDir dir;
  Database db(dir / "g.db");
  db.exec("CREATE TABLE creds(name TEXT NOT NULL UNIQUE, token TEXT CHECK (length(token) < 8))", "create creds");
  const std::string secret = "sk_live_SUPERSECRET_0123456789";
  try {
    db.prepare("INSERT INTO creds(name, token) VALUES (?1, ?2)", "store connector credential")
        .bind_text(1, "splunk")
        .bind_text(2, secret)
        .run();
    FAIL("insert succeeded");
  } catch (const StoreError& e) {
    const std::string msg = e.what();
    CHECK(e.is_constraint());
    CHECK(e.purpose() == "store connector credential");
    CHECK_THAT(msg, Catch::Contains("store connector credential"));
    CHECK_THAT(msg, Catch::Contains("CHECK constraint failed"));
    CHECK_THAT(msg, Catch::Contains("g.db"));
    CHECK(msg.find(secret) == std::string::npos);
    CHECK(msg.find("SUPERSECRET") == std::string::npos);
    CHECK(msg.find("splunk") == std::string::npos);
  }
  // The failed statement was reset: usable again, bindings gone.
  db.prepare("INSERT INTO creds(name, token) VALUES (?1, ?2)", "store connector credential")
      .bind_text(1, "ok")
      .bind_text(2, "short")
      .run();
  CHECK(db.changes() == 1);
}

TEST_CASE("prepare refuses text with more than one statement", "[store]") {
  StoreTempDir dir;
  Database db(dir / "h.db");
  CHECK_THROWS_WITH(db.prepare("SELECT 1; SELECT 2", "two"), Catch::Contains("one statement"));
  CHECK_NOTHROW(db.prepare("SELECT 1;  ", "one with trailing semicolon"));
  CHECK_THROWS_AS(db.prepare("SELEKT 1", "typo"), StoreError);
}

TEST_CASE("a full database is reported as disk full", "[store]") {
  StoreTempDir dir;
  Database db(dir / "full.db");
  db.exec("CREATE TABLE t(x BLOB)", "create t");
  // Freeze the file at its current size: the next pages that need allocating fail with SQLITE_FULL.
  db.exec("PRAGMA max_page_count = 8", "cap page count");
  const std::string payload(16 * 1024, 'x');
  try {
    Transaction tx(db);
    for (int i = 0; i < 100; ++i) db.prepare("INSERT INTO t VALUES (?1)", "append journal batch").bind_blob(1, payload).run();
    tx.commit();
    FAIL("100 x 16 KiB fit in 8 pages");
  } catch (const StoreError& e) {
    CHECK(e.primary_code() == SQLITE_FULL);
    CHECK(e.is_disk_full());
    CHECK_FALSE(e.is_io_error());
    CHECK_THAT(e.what(), Catch::Contains("append journal batch"));
  }
  CHECK_FALSE(db.in_transaction());
  CHECK_NOTHROW(db.prepare("INSERT INTO t VALUES (?1)", "small").bind_blob(1, "y").run());
}

TEST_CASE("an I/O error caused by ENOSPC counts as disk full but other I/O errors do not", "[store]") {
  const StoreError enospc(SQLITE_IOERR_WRITE, ENOSPC, "append", "disk I/O error", "/d/hub.db");
  CHECK(enospc.is_disk_full());
  CHECK_FALSE(enospc.is_io_error());
  CHECK_THAT(enospc.what(), Catch::Contains("errno"));
  const StoreError quota(SQLITE_IOERR_FSYNC, EDQUOT, "append", "disk I/O error", "/d/hub.db");
  CHECK(quota.is_disk_full());
  const StoreError eio(SQLITE_IOERR_WRITE, EIO, "append", "disk I/O error", "/d/hub.db");
  CHECK_FALSE(eio.is_disk_full());
  CHECK(eio.is_io_error());
  const StoreError busy(SQLITE_BUSY, 0, "append", "database is locked", "/d/hub.db");
  CHECK(busy.is_busy());
  CHECK_FALSE(busy.is_disk_full());
}

TEST_CASE("a checkpoint from a second connection truncates the WAL when autocheckpoint is off", "[store]") {
  StoreTempDir dir;
  DatabaseOptions o;
  o.auto_checkpoint = false;
  Database writer(dir / "w.db", o);
  writer.exec("CREATE TABLE t(x BLOB)", "create t");
  const std::string payload(4096, 'p');
  {
    Transaction tx(writer);  // one commit: 1200 fsync'd commits would take seconds
    for (int i = 0; i < 1200; ++i) writer.prepare("INSERT INTO t VALUES (?1)", "insert").bind_blob(1, payload).run();
    tx.commit();
  }
  const auto wal = dir / "w.db-wal";
  // Without autocheckpoint the WAL grows past the default 1000-page threshold.
  CHECK(std::filesystem::file_size(wal) > 1000u * 4096u);

  Database checkpointer(dir / "w.db", o);
  const auto passive = checkpointer.checkpoint(CheckpointMode::Passive);
  CHECK_FALSE(passive.busy);
  CHECK(passive.wal_frames > 1000);
  CHECK(passive.checkpointed == passive.wal_frames);
  const auto truncated = checkpointer.checkpoint(CheckpointMode::Truncate);
  CHECK_FALSE(truncated.busy);
  CHECK(std::filesystem::file_size(wal) == 0u);
  CHECK(count_rows(writer) == 1200);
}
