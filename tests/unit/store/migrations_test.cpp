#include <catch2/catch.hpp>

#include "core/clock.hpp"
#include "store/hub_schema.hpp"
#include "store/migrations.hpp"
#include "store_test_util.hpp"

using namespace siemhub;
using namespace siemhub::store;
using siemhub::testing::StoreTempDir;

namespace {

Migrations two_steps() {
  return Migrations({
      {1, "create a", "CREATE TABLE a(x INTEGER)"},
      {2, "create b", "CREATE TABLE b(y INTEGER); CREATE INDEX b_y ON b(y)"},
  });
}

int64_t recorded_steps(Database& db) {
  Statement& s = db.prepare("SELECT count(*) FROM schema_migrations", "count migrations");
  StatementReset done(s);
  s.step();
  return s.column_int64(0);
}

}  // namespace

TEST_CASE("migrations apply once and record their versions", "[store][migrations]") {
  StoreTempDir dir;
  core::ManualClock clock(1'700'000'000'000);
  Database db(dir / "m.db");
  CHECK(Migrations::current_version(db) == 0);

  const auto first = two_steps().apply(db, clock);
  CHECK(first.from_version == 0);
  CHECK(first.to_version == 2);
  CHECK(first.applied == std::vector<int>{1, 2});
  CHECK(Migrations::current_version(db) == 2);

  Statement& s = db.prepare("SELECT version, name, applied_at FROM schema_migrations ORDER BY version", "history");
  {
    StatementReset done(s);
    REQUIRE(s.step());
    CHECK(s.column_int64(0) == 1);
    CHECK(s.column_text(1) == "create a");
    CHECK(s.column_int64(2) == 1'700'000'000'000);
    REQUIRE(s.step());
    CHECK(s.column_int64(0) == 2);
    CHECK(s.column_text(1) == "create b");
    CHECK_FALSE(s.step());
  }

  const auto second = two_steps().apply(db, clock);  // would fail with "table a already exists" if re-run
  CHECK(second.applied.empty());
  CHECK(second.from_version == 2);
  CHECK(second.to_version == 2);
  CHECK(recorded_steps(db) == 2);
}

TEST_CASE("appended migrations apply only the new steps", "[store][migrations]") {
  StoreTempDir dir;
  Database db(dir / "m.db");
  Migrations({{1, "create a", "CREATE TABLE a(x INTEGER)"}}).apply(db);
  const auto r = two_steps().apply(db);
  CHECK(r.from_version == 1);
  CHECK(r.applied == std::vector<int>{2});
  CHECK(recorded_steps(db) == 2);
}

TEST_CASE("a failing migration leaves the database at its previous version", "[store][migrations]") {
  StoreTempDir dir;
  Database db(dir / "m.db");
  const Migrations broken({
      {1, "create a", "CREATE TABLE a(x INTEGER)"},
      {2, "broken", "CREATE TABLE c(z INTEGER); CREATE TABLE a(x INTEGER)"},
  });
  CHECK_THROWS_WITH(broken.apply(db), Catch::Contains("apply migration 2 (broken)"));
  CHECK_FALSE(db.in_transaction());
  CHECK(Migrations::current_version(db) == 0);
}

TEST_CASE("a database with a newer schema version is refused naming the file and both versions",
          "[store][migrations]") {
  StoreTempDir dir;
  {
    Database db(dir / "new.db");
    two_steps().apply(db);
  }
  Database db(dir / "new.db");
  const Migrations older({{1, "create a", "CREATE TABLE a(x INTEGER)"}});
  try {
    older.apply(db);
    FAIL("a newer schema was accepted");
  } catch (const SchemaTooNewError& e) {
    CHECK(e.file_version() == 2);
    CHECK(e.known_version() == 1);
    const std::string msg = e.what();
    CHECK_THAT(msg, Catch::Contains((dir / "new.db").string()));
    CHECK_THAT(msg, Catch::Contains("schema version 2"));
    CHECK_THAT(msg, Catch::Contains("up to 1"));
  }
  CHECK_FALSE(db.in_transaction());
  CHECK(Migrations::current_version(db) == 2);
}

TEST_CASE("a recorded migration whose name differs from the code is refused", "[store][migrations]") {
  StoreTempDir dir;
  Database db(dir / "m.db");
  Migrations({{1, "create a", "CREATE TABLE a(x INTEGER)"}}).apply(db);
  const Migrations renamed({{1, "create alpha", "CREATE TABLE a(x INTEGER)"}});
  CHECK_THROWS_WITH(renamed.apply(db), Catch::Contains("'create a'"));
}

TEST_CASE("migration versions must run from 1 without gaps", "[store][migrations]") {
  CHECK_THROWS_AS(Migrations({{2, "two", "SELECT 1"}}), std::invalid_argument);
  CHECK_THROWS_AS(Migrations({{1, "one", "SELECT 1"}, {3, "three", "SELECT 1"}}), std::invalid_argument);
  CHECK(Migrations({}).latest() == 0);
}

TEST_CASE("the hub schema creates the state journal outbox checkpoint and dead letter tables", "[store][migrations]") {
  StoreTempDir dir;
  Database db(dir / "hub.db");
  const auto r = hub_migrations().apply(db);
  CHECK(r.to_version == hub_migrations().latest());
  CHECK(hub_migrations().latest() >= 1);
  Statement& s = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name", "list tables");
  StatementReset done(s);
  std::vector<std::string> tables;
  while (s.step()) tables.emplace_back(s.column_text(0));
  CHECK(tables == std::vector<std::string>{"checkpoints", "cursors", "dead_letters", "journal", "kv", "outboxes",
                                           "schema_migrations", "sqlite_sequence"});
}
