#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "store/cursor_store.hpp"
#include "store/data_dir.hpp"
#include "store/kv_store.hpp"
#include "store_test_util.hpp"

using namespace siemhub;
using namespace siemhub::store;
using siemhub::testing::StoreTempDir;

TEST_CASE("kv put get and erase survive reopening the data directory", "[store][kv]") {
  StoreTempDir tmp;
  const std::string binary("\x00\x01\xff payload", 11);
  {
    DataDir dir(tmp.path());
    SqliteKvStore kv(dir.connect_hub());
    CHECK_FALSE(kv.get("okta", "token").has_value());
    kv.put("okta", "token", "first");
    kv.put("okta", "token", "second");  // overwrite
    kv.put("okta", "gone", "x");
    kv.put("crowdstrike", "token", binary);
    kv.put("okta", "empty", "");
    kv.erase("okta", "gone");
    kv.erase("okta", "never-existed");
    CHECK(kv.get("okta", "token") == "second");
  }
  DataDir dir(tmp.path());
  SqliteKvStore kv(dir.connect_hub());
  CHECK(kv.get("okta", "token") == "second");
  CHECK(kv.get("crowdstrike", "token") == binary);
  CHECK_FALSE(kv.get("okta", "gone").has_value());
  const auto empty = kv.get("okta", "empty");
  REQUIRE(empty.has_value());  // an empty value is a value, not a missing key
  CHECK(empty->empty());
  CHECK_FALSE(kv.get("crowdstrike", "empty").has_value());  // keys are per connector
}

TEST_CASE("kv records the update time from the clock", "[store][kv]") {
  StoreTempDir tmp;
  DataDir dir(tmp.path());
  core::ManualClock clock(1'234);
  SqliteKvStore kv(dir.connect_hub(), clock);
  kv.put("c", "k", "v");
  Statement& s = dir.hub().prepare("SELECT updated_at FROM kv WHERE connector = ?1", "read updated_at");
  StatementReset done(s);
  s.bind_text(1, "c");
  REQUIRE(s.step());
  CHECK(s.column_int64(0) == 1'234);
}

TEST_CASE("the sqlite kv store is safe to use from several threads", "[store][kv]") {
  StoreTempDir tmp;
  DataDir dir(tmp.path(), DataDirOptions{{.synchronous = Synchronous::Normal}});
  SqliteKvStore kv(dir.connect_hub());
  std::atomic<int> mismatches{0};  // Catch assertions are not thread-safe: count, check after join
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&kv, &mismatches, t] {
      const std::string connector = "c" + std::to_string(t);
      for (int i = 0; i < 50; ++i) {
        kv.put(connector, "k" + std::to_string(i), std::to_string(i * t));
        if (kv.get(connector, "k" + std::to_string(i)) != std::to_string(i * t)) ++mismatches;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(mismatches == 0);
  for (int t = 0; t < 4; ++t) {
    for (int i = 0; i < 50; ++i) CHECK(kv.get("c" + std::to_string(t), "k" + std::to_string(i)) == std::to_string(i * t));
  }
}

TEST_CASE("cursors survive reopening the data directory", "[store][cursors]") {
  StoreTempDir tmp;
  core::ManualClock clock(5'000);
  {
    DataDir dir(tmp.path());
    CursorStore cursors(dir.hub(), clock);
    CHECK_FALSE(cursors.get("okta").has_value());
    cursors.put("okta", "2024-01-01T00:00:00Z");
    cursors.put("okta", "2024-01-02T00:00:00Z");
    cursors.put("azure", std::string("\x00page=7", 7));
    cursors.put("tmp", "x");
    cursors.erase("tmp");
  }
  DataDir dir(tmp.path());
  CursorStore cursors(dir.hub(), clock);
  CHECK(cursors.get("okta") == "2024-01-02T00:00:00Z");
  CHECK(cursors.get("azure") == std::string("\x00page=7", 7));
  CHECK_FALSE(cursors.get("tmp").has_value());
  const auto all = cursors.list();
  REQUIRE(all.size() == 2);
  CHECK(all[0].connector == "azure");
  CHECK(all[1].connector == "okta");
  CHECK(all[1].cursor == "2024-01-02T00:00:00Z");
  CHECK(all[1].updated_at_ms == 5'000);
}

TEST_CASE("a cursor put in the caller's transaction is saved only when it commits", "[store][cursors]") {
  StoreTempDir tmp;
  DataDir dir(tmp.path());
  CursorStore cursors(dir.hub());
  cursors.put("okta", "old");
  {
    Transaction tx(dir.hub());
    cursors.put(tx, "okta", "new");
    CHECK(cursors.get("okta") == "new");  // visible inside the transaction
  }  // not committed: rolled back
  CHECK(cursors.get("okta") == "old");
  {
    Transaction tx(dir.hub());
    cursors.put(tx, "okta", "new");
    tx.commit();
  }
  CHECK(cursors.get("okta") == "new");
}

TEST_CASE("a cursor put refuses a transaction of another connection", "[store][cursors]") {
  StoreTempDir tmp;
  DataDir dir(tmp.path());
  CursorStore cursors(dir.hub());
  auto other = dir.connect_hub();
  Transaction tx(*other);
  CHECK_THROWS_WITH(cursors.put(tx, "okta", "x"), Catch::Contains("another database connection"));
}
