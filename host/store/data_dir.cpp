#include "store/data_dir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <string>

#include "store/hub_schema.hpp"

namespace siemhub::store {

namespace {

std::string errno_text(int e) { return std::to_string(e) + " " + std::strerror(e); }

std::string describe_locked(const std::filesystem::path& dir, std::optional<long> pid) {
  std::string msg = "store: data directory " + dir.string() + " is in use by another siemhub (";
  msg += pid ? "pid " + std::to_string(*pid) : std::string("pid unknown");
  msg += ", lock file " + (dir / DataDir::kLockFile).string() + ")";
  return msg;
}

void prepare_dir(const std::filesystem::path& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      throw StoreError("store: cannot access data directory " + dir.string() + ": errno " + errno_text(errno));
    }
    std::error_code ec;
    if (dir.has_parent_path()) std::filesystem::create_directories(dir.parent_path(), ec);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      throw StoreError("store: cannot create data directory " + dir.string() + ": errno " + errno_text(errno));
    }
    ::chmod(dir.c_str(), 0700);  // mkdir's mode is filtered by the umask
    if (::stat(dir.c_str(), &st) != 0) {
      throw StoreError("store: cannot access data directory " + dir.string() + ": errno " + errno_text(errno));
    }
  }
  if (!S_ISDIR(st.st_mode)) throw StoreError("store: data directory " + dir.string() + " is not a directory");
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    char mode[8];
    auto [end, ec] = std::to_chars(mode, mode + sizeof mode, st.st_mode & 07777, 8);
    (void)ec;
    throw StoreError("store: data directory " + dir.string() + " is writable by other users (mode 0" +
                     std::string(mode, end) + "); make it 0700");
  }
}

std::optional<long> read_pid(int fd) {
  char buf[32] = {};
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return std::nullopt;
  long pid = 0;
  auto [p, ec] = std::from_chars(buf, buf + n, pid);
  if (ec != std::errc() || p == buf || pid <= 0) return std::nullopt;
  return pid;
}

int take_lock(const std::filesystem::path& dir) {
  const auto lock_path = dir / DataDir::kLockFile;
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) throw StoreError("store: cannot open lock file " + lock_path.string() + ": errno " + errno_text(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int e = errno;
    if (e == EWOULDBLOCK) {
      const auto pid = read_pid(fd);
      ::close(fd);
      throw DataDirLockedError(dir, pid);
    }
    ::close(fd);
    throw StoreError("store: cannot lock " + lock_path.string() + ": errno " + errno_text(e));
  }
  // Ours now: record the pid for whoever is refused next. The file itself is never deleted
  // (unlinking a lock file races with a process that has opened but not yet locked it).
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    const int e = errno;
    ::close(fd);
    throw StoreError("store: cannot write lock file " + lock_path.string() + ": errno " + errno_text(e));
  }
  return fd;
}

}  // namespace

DataDirLockedError::DataDirLockedError(const std::filesystem::path& dir, std::optional<long> holder_pid)
    : StoreError(describe_locked(dir, holder_pid)), pid_(holder_pid) {}

DataDir::DataDir(std::filesystem::path dir, const DataDirOptions& options, const core::Clock& clock)
    : dir_(std::move(dir)), options_(options) {
  prepare_dir(dir_);
  lock_fd_ = take_lock(dir_);
  try {
    hub_ = std::make_unique<Database>(file(kHubDb), options_.hub_db);
    schema_version_ = hub_migrations().apply(*hub_, clock).to_version;
  } catch (...) {
    hub_.reset();
    if (::ftruncate(lock_fd_, 0) != 0) {
    }
    ::close(lock_fd_);
    throw;
  }
}

DataDir::~DataDir() {
  hub_.reset();  // close the database before giving up the lock
  if (lock_fd_ >= 0) {
    if (::ftruncate(lock_fd_, 0) != 0) {
      // A stale pid in the file is harmless: only a failed flock reads it.
    }
    ::close(lock_fd_);
  }
}

std::unique_ptr<Database> DataDir::connect_hub(const DatabaseOptions& options) const {
  DatabaseOptions o = options;
  o.create = false;
  return std::make_unique<Database>(file(kHubDb), o);
}

}  // namespace siemhub::store
