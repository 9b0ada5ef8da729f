// The data directory: the hub's only state. Holds the lock file and hub.db (see README.md).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>

#include "core/clock.hpp"
#include "store/database.hpp"

namespace siemhub::store {

/// Another process (or another DataDir in this one) holds the data directory.
class DataDirLockedError : public StoreError {
 public:
  DataDirLockedError(const std::filesystem::path& dir, std::optional<long> holder_pid);
  std::optional<long> holder_pid() const noexcept { return pid_; }

 private:
  std::optional<long> pid_;
};

struct DataDirOptions {
  DatabaseOptions hub_db = [] {  ///< options for hub.db's main connection
    DatabaseOptions o;
    o.large_pages = true;  // the journal's big blobs (see DatabaseOptions::large_pages)
    return o;
  }();
};

class DataDir {
 public:
  static constexpr std::string_view kLockFile = "siemhub.lock";
  static constexpr std::string_view kHubDb = "hub.db";

  /// Creates `dir` (mode 0700) when missing, takes the exclusive lock (flock on siemhub.lock,
  /// writing our pid into it), opens hub.db and migrates it. Throws DataDirLockedError when
  /// another hub holds the directory, SchemaTooNewError when hub.db is newer than this build,
  /// StoreError for anything else (including a group/world-writable directory).
  explicit DataDir(std::filesystem::path dir, const DataDirOptions& options = {},
                   const core::Clock& clock = core::SystemClock::instance());
  ~DataDir();
  DataDir(const DataDir&) = delete;
  DataDir& operator=(const DataDir&) = delete;

  const std::filesystem::path& path() const noexcept { return dir_; }
  /// The path of a file inside the data directory.
  std::filesystem::path file(std::string_view name) const { return dir_ / name; }

  /// hub.db's main connection (migrated). Single-thread use, like every Database.
  Database& hub() noexcept { return *hub_; }
  /// Another connection to hub.db, for a component with its own thread (kv store, WAL
  /// checkpointer). Runs no migrations: the constructor already did.
  std::unique_ptr<Database> connect_hub(const DatabaseOptions& options) const;
  std::unique_ptr<Database> connect_hub() const { return connect_hub(options_.hub_db); }

  int schema_version() const noexcept { return schema_version_; }

 private:
  std::filesystem::path dir_;
  DataDirOptions options_;
  int lock_fd_ = -1;               // released last: declared before hub_
  std::unique_ptr<Database> hub_;
  int schema_version_ = 0;
};

}  // namespace siemhub::store
