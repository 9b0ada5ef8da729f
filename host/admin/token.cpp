#include "admin/token.hpp"

#include "core/hash.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>

namespace siemhub::admin {
namespace fs = std::filesystem;

namespace {

constexpr size_t kRandomBytes = 32;
constexpr size_t kMinTokenLength = 16;
constexpr size_t kMaxTokenLength = 1024;

std::string errno_text(int err) { return std::strerror(err); }

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const noexcept { return fd_; }
  int release() noexcept { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

std::string mode_text(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// Reads and checks the token file; nullopt-like "" with found=false when it does not exist.
std::string read_checked(const fs::path& file, bool allow_root_reader, bool& found) {
  found = false;
  Fd fd(::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) {
    const int err = errno;
    if (err == ENOENT) return {};
    if (err == ELOOP) throw AdminError(file.string() + " is a symbolic link; refusing to use it as the admin token");
    throw AdminError("cannot open the admin token " + file.string() + ": " + errno_text(err));
  }
  found = true;
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw AdminError("cannot stat " + file.string() + ": " + errno_text(errno));
  if (!S_ISREG(st.st_mode)) throw AdminError(file.string() + " is not a regular file; refusing to use it as the admin token");
  const uid_t me = ::geteuid();
  if (st.st_uid != me && !(allow_root_reader && me == 0)) {
    throw AdminError(file.string() + " is owned by uid " + std::to_string(st.st_uid) + ", not by this user (uid " +
                     std::to_string(me) + "); refusing to use it as the admin token");
  }
  if ((st.st_mode & 077) != 0) {
    throw AdminError(file.string() + " has mode " + mode_text(st.st_mode) +
                     " (group or others may access it); refusing to use it as the admin token. Fix it with: chmod 600 " +
                     file.string() + " (and consider deleting it so the hub creates a new token)");
  }
  std::string text;
  char buf[512];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw AdminError("cannot read " + file.string() + ": " + errno_text(errno));
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > kMaxTokenLength + 2) break;
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' || text.back() == '\t')) {
    text.pop_back();
  }
  bool printable = true;
  for (const char c : text) printable = printable && c > 0x20 && c < 0x7f;
  if (text.size() < kMinTokenLength || text.size() > kMaxTokenLength || !printable) {
    throw AdminError(file.string() + " does not hold a valid admin token (one line of " +
                     std::to_string(kMinTokenLength) + " to " + std::to_string(kMaxTokenLength) +
                     " printable characters); delete it and the hub creates a new one");
  }
  return text;
}

std::string random_token() { return random_hex(kRandomBytes); }

void write_all(int fd, const std::string& data, const fs::path& file) {
  size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw AdminError("cannot write " + file.string() + ": " + errno_text(errno));
    }
    off += static_cast<size_t>(n);
  }
}

}  // namespace

std::string load_or_create_token(const fs::path& data_dir) {
  const fs::path file = data_dir / kTokenFile;
  bool found = false;
  std::string token = read_checked(file, /*allow_root_reader=*/false, found);
  if (found) return token;

  // Write a temporary file (0600 from the start), fsync it, then link it into place: a crash never
  // leaves a partial token, and a concurrent creator's token is never replaced.
  token = random_token();
  const fs::path tmp = data_dir / (".admin.token." + std::to_string(::getpid()) + ".tmp");
  ::unlink(tmp.c_str());
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (fd.get() < 0) throw AdminError("cannot create the admin token " + file.string() + ": " + errno_text(errno));
    try {
      if (::fchmod(fd.get(), 0600) != 0) throw AdminError("cannot chmod " + tmp.string() + ": " + errno_text(errno));
      write_all(fd.get(), token + "\n", tmp);
      if (::fsync(fd.get()) != 0) throw AdminError("cannot fsync " + tmp.string() + ": " + errno_text(errno));
    } catch (...) {
      ::unlink(tmp.c_str());
      throw;
    }
  }
  const int rc = ::link(tmp.c_str(), file.c_str());
  const int err = errno;
  ::unlink(tmp.c_str());
  if (rc != 0) {
    if (err != EEXIST) throw AdminError("cannot create the admin token " + file.string() + ": " + errno_text(err));
    token = read_checked(file, false, found);  // someone else created it first: use theirs
    if (!found) throw AdminError("the admin token " + file.string() + " vanished while it was created");
    return token;
  }
  Fd dir(::open(data_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() >= 0) ::fsync(dir.get());
  return token;
}

std::string read_token(const fs::path& data_dir) {
  const fs::path file = data_dir / kTokenFile;
  bool found = false;
  std::string token = read_checked(file, /*allow_root_reader=*/true, found);
  if (!found) throw AdminError("no admin token at " + file.string() + " (is a hub running on " + data_dir.string() + "?)");
  return token;
}

std::string random_hex(std::size_t count) {
  std::vector<unsigned char> bytes(count);
  if (count > 0 && RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw AdminError("cannot generate random bytes: the system random generator failed");
  }
  std::string out =
      core::to_hex(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size() || a.empty()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace siemhub::admin
