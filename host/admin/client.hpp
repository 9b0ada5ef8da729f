// A synchronous client of the admin API (for the CLI): one HTTP/1.1 request per connection over the
// hub's Unix socket, with a timeout.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "admin/token.hpp"

namespace siemhub::admin {

/// Nobody answers on the socket: it is absent, or nothing listens on it (a stale file).
class HubNotRunningError : public AdminError {
 public:
  using AdminError::AdminError;
};

struct AdminResponse {
  unsigned status = 0;
  nlohmann::json body;  ///< null when the body is not JSON (`raw` has it)
  std::string raw;
  bool ok() const noexcept { return status >= 200 && status < 300; }
  /// The server's "message" (or "error", or the raw body) for an error response.
  std::string error_message() const;
};

class AdminClient {
 public:
  /// An empty token sends no Authorization header.
  AdminClient(std::filesystem::path socket_path, std::string token,
              std::chrono::milliseconds timeout = std::chrono::seconds(30));

  /// Throw HubNotRunningError ("no hub is running on <data_dir> (…)") or AdminError (timeout,
  /// broken connection, malformed response). HTTP error statuses are returned, not thrown.
  AdminResponse get(const std::string& target) const;
  AdminResponse post(const std::string& target, const nlohmann::json& body) const;

  /// Connects and disconnects without a request: throws HubNotRunningError when nobody answers.
  void probe() const;

  const std::filesystem::path& socket_path() const noexcept { return path_; }

 private:
  AdminResponse request(bool is_post, const std::string& target, const std::string& body) const;

  std::filesystem::path path_;
  std::string token_;
  std::chrono::milliseconds timeout_;
};

/// Percent-encodes a query value.
std::string url_encode(const std::string& value);

}  // namespace siemhub::admin
