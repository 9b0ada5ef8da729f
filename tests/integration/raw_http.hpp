// Raw HTTP/1.1 over a blocking socket (TCP to 127.0.0.1, or a Unix socket) for tests that must send
// what no client library would: malformed request lines, duplicated headers, NUL bytes, pipelined
// requests, bodies that never end. Every read waits at most until a deadline.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

namespace siemhub::testing {

/// One response as read from the wire.
struct RawResponse {
  int status = 0;
  std::string head;  ///< the status line and the headers
  std::string body;
};

class RawConnection {
 public:
  static RawConnection tcp(uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      if (fd >= 0) ::close(fd);
      throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
    }
    return RawConnection(fd);
  }
  static RawConnection unix_socket(const std::string& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      if (fd >= 0) ::close(fd);
      throw std::runtime_error("cannot connect to " + path);
    }
    return RawConnection(fd);
  }
  RawConnection(RawConnection&& o) noexcept : fd_(o.fd_), in_(std::move(o.in_)) { o.fd_ = -1; }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }

  /// Writes everything; false when the peer closed (or reset) first.
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  /// The next final response (1xx interim answers are skipped); nullopt when the connection ended
  /// or the deadline passed first (`timed_out` says which). `head_request`: no body follows.
  std::optional<RawResponse> read_response(std::chrono::steady_clock::time_point deadline, bool head_request,
                                           bool& timed_out) {
    while (true) {
      timed_out = false;
      const size_t end = fill_until([this] { return in_.find("\r\n\r\n"); }, deadline, timed_out);
      if (end == std::string::npos) return std::nullopt;
      RawResponse r;
      r.head = in_.substr(0, end);
      in_.erase(0, end + 4);
      if (r.head.size() < 12 || r.head.compare(0, 5, "HTTP/") != 0) return std::nullopt;
      r.status = std::atoi(r.head.c_str() + 9);
      if (r.status >= 100 && r.status < 200) continue;
      const size_t length = head_request ? 0 : content_length(r.head);
      if (fill_until([&] { return in_.size() >= length ? length : std::string::npos; }, deadline, timed_out) ==
          std::string::npos)
        return std::nullopt;
      r.body = in_.substr(0, length);
      in_.erase(0, length);
      return r;
    }
  }

  /// True when the peer sends something (or closes) within `wait`; nothing is consumed.
  bool readable_within(std::chrono::milliseconds wait) { return wait_readable(std::chrono::steady_clock::now() + wait); }

  /// True once the peer has closed its side (what it still sends is discarded) before `deadline`.
  bool closed_by_peer(std::chrono::steady_clock::time_point deadline) {
    char buf[16 * 1024];
    while (wait_readable(deadline)) {
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return true;
    }
    return false;
  }

 private:
  explicit RawConnection(int fd) : fd_(fd) {}

  bool wait_readable(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(left.count())) > 0;
  }

  // Reads until `found()` is not npos; npos at end of stream or deadline.
  template <class Found>
  size_t fill_until(Found found, std::chrono::steady_clock::time_point deadline, bool& timed_out) {
    char buf[64 * 1024];
    for (size_t at = found(); at == std::string::npos; at = found()) {
      if (!wait_readable(deadline)) {
        timed_out = true;
        return std::string::npos;
      }
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return std::string::npos;
      in_.append(buf, static_cast<size_t>(n));
    }
    return found();
  }

  static size_t content_length(const std::string& head) {
    std::string lower(head);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const size_t at = lower.find("\r\ncontent-length:");
    return at == std::string::npos ? 0 : std::strtoull(lower.c_str() + at + 17, nullptr, 10);
  }

  int fd_ = -1;
  std::string in_;
};

}  // namespace siemhub::testing
