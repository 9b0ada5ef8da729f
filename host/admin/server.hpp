// The admin API server: HTTP/1.1 (Boost.Beast) over a Unix domain socket in the data directory
// (`<data_dir>/admin.sock`, mode 0600). Every request carries `Authorization: Bearer <token>`
// (compared in constant time); JSON in, JSON out. Routes (docs/operations.md):
//   GET  /v1/status                         HubControl::status()
//   GET  /v1/dlq?sink=&after=&limit=        HubControl::dlq_list()      -> {"entries":[…],"next_after":id|null}
//   GET  /v1/dlq/{id}                       HubControl::dlq_show()      (404 when absent)
//   POST /v1/dlq/replay {"ids":[…],"sink":"","to_sink":"","all":bool}   HubControl::dlq_replay()
//   POST /v1/dlq/purge  {"ids":[…],"sink":"","all":bool}                HubControl::dlq_purge()
//   GET  /v1/actions                        HubControl::actions_list()
//   POST /v1/actions/execute {"connector","action","params":{…},"idempotency_key","prior","simulate","confirm"}
//   POST /v1/actions/status  (the same body)  HubControl::action_execute() / action_status(): a refusal
//        is answered 404 (not_found) or 400 with {"error":code,"message",…}; an accepted call is answered
//        200 with the outcome ({"ok":true|false,…}) when the plugin completes or the deadline passes.
// With "ids" empty, replay and purge act on a whole sink (purge: on every sink when "sink" is empty
// too) and then require "all": true, so an empty body never empties the DLQ.
// Errors: {"error":"<code>","message":"…"} with 400, 401, 404, 405, 413, 500. A request (header and
// body) not received within read_timeout, or an idle keep-alive connection, is closed without an answer.
// HubControl calls are serialized on one strand and run on the io_context's threads; an action call
// only starts there (its completion arrives later from the connector's strand), so none blocks a thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "admin/control.hpp"
#include "admin/token.hpp"

namespace siemhub::admin {

namespace detail {
struct AdminServerState;
}

struct AdminServerOptions {
  std::size_t body_limit = 1024 * 1024;                   ///< larger bodies get 413
  std::chrono::milliseconds read_timeout{10'000};         ///< per request (header + body) and per response
  std::size_t max_connections = 32;                       ///< more are closed at once
};

class AdminServer {
 public:
  /// Does nothing until start(). `control` and `io` must outlive every handler the server posts:
  /// stop() the server, stop or drain the io_context, then destroy the server before the
  /// io_context, and the control last.
  AdminServer(boost::asio::io_context& io, std::filesystem::path socket_path, std::string token,
              HubControl& control, AdminServerOptions options = {});
  ~AdminServer();  ///< calls stop()
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  /// Binds the socket (mode 0600) and starts accepting. A stale socket file (nobody answers) is
  /// replaced; throws AdminError when another process answers on it, when the path exists and is
  /// not a socket, or when binding fails. Call once.
  void start();
  /// Stops accepting, closes open connections and removes the socket file. Idempotent; any thread.
  void stop();

  const std::filesystem::path& socket_path() const noexcept { return path_; }

 private:
  boost::asio::io_context& io_;
  std::filesystem::path path_;
  std::shared_ptr<detail::AdminServerState> state_;
  bool started_ = false;
};

}  // namespace siemhub::admin
