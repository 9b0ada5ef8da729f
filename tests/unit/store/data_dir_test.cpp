#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "store/data_dir.hpp"
#include "store/hub_schema.hpp"
#include "store_test_util.hpp"

using namespace siemhub::store;
using siemhub::testing::StoreTempDir;

TEST_CASE("a new data directory is created with mode 0700 and holds hub.db and the lock file", "[store][datadir]") {
  StoreTempDir tmp;
  const auto path = tmp / "nested" / "data";
  DataDir dir(path);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  CHECK(std::filesystem::exists(path / "hub.db"));
  CHECK(std::filesystem::exists(path / "siemhub.lock"));
  CHECK(dir.schema_version() == hub_migrations().latest());
  CHECK(Migrations::current_version(dir.hub()) == hub_migrations().latest());
}

TEST_CASE("a second DataDir on the same directory is refused naming the lock holder pid", "[store][datadir]") {
  StoreTempDir tmp;
  DataDir first(tmp.path());
  try {
    DataDir second(tmp.path());
    FAIL("two DataDirs share one directory");
  } catch (const DataDirLockedError& e) {
    REQUIRE(e.holder_pid());
    CHECK(*e.holder_pid() == static_cast<long>(::getpid()));
    const std::string msg = e.what();
    CHECK_THAT(msg, Catch::Contains(tmp.path().string()));
    CHECK_THAT(msg, Catch::Contains("pid " + std::to_string(::getpid())));
  }
  // The refused attempt did not disturb the holder.
  CHECK_NOTHROW(first.hub().exec("SELECT 1", "probe"));
}

TEST_CASE("the data directory can be reopened once its DataDir is closed", "[store][datadir]") {
  StoreTempDir tmp;
  { DataDir first(tmp.path()); }
  CHECK_NOTHROW(DataDir{tmp.path()});
}

TEST_CASE("a group-writable data directory is refused", "[store][datadir]") {
  StoreTempDir tmp;
  const auto path = tmp / "shared";
  std::filesystem::create_directory(path);
  ::chmod(path.c_str(), 0770);
  CHECK_THROWS_WITH(DataDir{path}, Catch::Contains("writable by other users"));
}

TEST_CASE("a data directory whose hub.db is newer than this build is refused", "[store][datadir]") {
  StoreTempDir tmp;
  { DataDir first(tmp.path()); }
  {
    Database db(tmp / "hub.db");
    const int future = hub_migrations().latest() + 1;
    db.prepare("INSERT INTO schema_migrations(version, name, applied_at) VALUES (?1, 'from the future', 0)", "fake")
        .bind_int64(1, future)
        .run();
  }
  CHECK_THROWS_AS(DataDir{tmp.path()}, SchemaTooNewError);
  // The refusal released the lock.
  std::filesystem::remove(tmp / "hub.db");
  std::filesystem::remove(tmp / "hub.db-wal");
  std::filesystem::remove(tmp / "hub.db-shm");
  CHECK_NOTHROW(DataDir{tmp.path()});
}
