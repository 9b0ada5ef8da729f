#include "admin/client.hpp"

#include <sys/un.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace siemhub::admin {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace fs = std::filesystem;
using local = net::local::stream_protocol;

std::string AdminResponse::error_message() const {
  if (body.is_object()) {
    if (body.contains("message") && body["message"].is_string()) return body["message"].get<std::string>();
    if (body.contains("error") && body["error"].is_string()) return body["error"].get<std::string>();
  }
  return raw.empty() ? "HTTP status " + std::to_string(status) : raw;
}

AdminClient::AdminClient(fs::path socket_path, std::string token, std::chrono::milliseconds timeout)
    : path_(std::move(socket_path)), token_(std::move(token)), timeout_(timeout) {}

AdminResponse AdminClient::get(const std::string& target) const { return request(false, target, {}); }

AdminResponse AdminClient::post(const std::string& target, const nlohmann::json& body) const {
  return request(true, target, body.dump());
}

namespace {

void connect(beast::basic_stream<local>& stream, const fs::path& path_, std::chrono::milliseconds timeout_) {
  const std::string data_dir = path_.parent_path().string();
  std::error_code fec;
  if (!fs::exists(fs::symlink_status(path_, fec))) {
    throw HubNotRunningError("no hub is running on " + data_dir + " (" + path_.filename().string() + " absent)");
  }
  if (path_.native().size() >= sizeof(sockaddr_un::sun_path)) {
    throw AdminError("the admin socket path " + path_.string() + " is too long for a Unix socket");
  }
  auto& io = static_cast<net::io_context&>(stream.get_executor().context());
  beast::error_code ec;
  stream.expires_after(timeout_);
  stream.async_connect(local::endpoint(path_.string()), [&ec](beast::error_code e) { ec = e; });
  io.run();
  io.restart();
  if (ec == net::error::connection_refused || ec == net::error::not_found ||
      ec == beast::error_code(ENOENT, beast::system_category())) {
    throw HubNotRunningError("no hub is running on " + data_dir + " (connection refused on " +
                             path_.filename().string() + ": a stale socket file)");
  }
  if (ec == net::error::access_denied || ec == beast::error_code(EPERM, beast::system_category())) {
    throw AdminError("permission denied on " + path_.string() + ": run as the hub's user (e.g. sudo -u siemhub)");
  }
  if (ec == beast::error::timeout) throw AdminError("the hub did not accept a connection on " + path_.string() + " in time");
  if (ec) throw AdminError("cannot connect to " + path_.string() + ": " + ec.message());
}

}  // namespace

void AdminClient::probe() const {
  net::io_context io;
  beast::basic_stream<local> stream(io);
  connect(stream, path_, timeout_);
  beast::error_code ignored;
  stream.socket().shutdown(local::socket::shutdown_both, ignored);
}

AdminResponse AdminClient::request(bool is_post, const std::string& target, const std::string& body) const {
  net::io_context io;
  beast::basic_stream<local> stream(io);
  connect(stream, path_, timeout_);
  beast::error_code ec;
  auto run = [&io] {
    io.run();
    io.restart();
  };

  http::request<http::string_body> req{is_post ? http::verb::post : http::verb::get, target, 11};
  req.set(http::field::host, "localhost");
  req.set(http::field::user_agent, "siemhub-cli");
  req.set(http::field::accept, "application/json");
  if (!token_.empty()) req.set(http::field::authorization, "Bearer " + token_);
  if (is_post) {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
  }
  req.keep_alive(false);
  req.prepare_payload();

  beast::error_code write_ec;
  stream.expires_after(timeout_);
  http::async_write(stream, req, [&write_ec](beast::error_code e, std::size_t) { write_ec = e; });
  run();
  if (write_ec == beast::error::timeout) throw AdminError("timed out sending the request to the hub");
  // On another write error (the hub may answer early, e.g. 413, and close) try to read the answer.

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  stream.expires_after(timeout_);
  http::async_read(stream, buffer, parser, [&ec](beast::error_code e, std::size_t) { ec = e; });
  run();
  if (ec == beast::error::timeout) throw AdminError("timed out waiting for the hub's answer on " + path_.string());
  if (ec) {
    throw AdminError("the hub closed the connection without an answer: " +
                     (write_ec ? write_ec.message() : ec.message()));
  }
  beast::error_code ignored;
  stream.socket().shutdown(local::socket::shutdown_both, ignored);

  auto res = parser.release();
  AdminResponse out;
  out.status = static_cast<unsigned>(res.result_int());
  out.raw = std::move(res.body());
  out.body = nlohmann::json::parse(out.raw, nullptr, /*allow_exceptions=*/false);
  if (out.body.is_discarded()) out.body = nullptr;
  return out;
}

std::string url_encode(const std::string& value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : value) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

}  // namespace siemhub::admin
