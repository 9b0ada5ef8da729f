// Helpers for the ingest server tests: a fake IngestFn, a server running on its own threads, and
// a small synchronous Beast HTTP(S) client that keeps its connection alive.
#pragma once

#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <nlohmann/json.hpp>

#include "ingest/ingest.hpp"

namespace siemhub::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

/// Records admitted batches; can say busy; `hold` keeps `durable` until release().
class FakeIngest {
 public:
  ingest::IngestFn fn() {
    return [this](ingest::Batch batch, ingest::DurableFn durable) {
      std::unique_lock lock(mu_);
      ++calls_;
      if (busy_) return ingest::Admit::busy;
      batches_.push_back(std::move(batch));
      if (hold_) {
        pending_.push_back(std::move(durable));
        cv_.notify_all();
        return ingest::Admit::accepted;
      }
      lock.unlock();
      durable(ingest::Stored::yes, "");
      return ingest::Admit::accepted;
    };
  }
  void set_busy(bool b) {
    std::lock_guard lock(mu_);
    busy_ = b;
  }
  void set_hold(bool h) {
    std::lock_guard lock(mu_);
    hold_ = h;
  }
  /// Completes every held batch (from this thread, like a journal thread would).
  void release(ingest::Stored result = ingest::Stored::yes) {
    std::vector<ingest::DurableFn> p;
    {
      std::lock_guard lock(mu_);
      p.swap(pending_);
    }
    for (auto& d : p) d(result, result == ingest::Stored::yes ? "" : "disk full");
  }
  bool wait_pending(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return pending_.size() >= n; });
  }
  std::vector<ingest::Batch> batches() const {
    std::lock_guard lock(mu_);
    return batches_;
  }
  /// Every admitted event to store, in order (the refused ones are in batches()).
  std::vector<nlohmann::json> events() const {
    std::vector<nlohmann::json> out;
    for (const auto& b : batches())
      for (const auto& e : b.events) out.push_back(nlohmann::json::parse(e.json));
    return out;
  }
  size_t calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool busy_ = false, hold_ = false;
  size_t calls_ = 0;
  std::vector<ingest::Batch> batches_;
  std::vector<ingest::DurableFn> pending_;
};

inline constexpr const char* kMainToken = "11111111-2222-3333-4444-555555555555";
inline constexpr const char* kQueryToken = "query-token-0123456789";

inline ingest::ServerOptions default_options() {
  ingest::ServerOptions o;
  o.listen = "127.0.0.1:0";
  o.request_timeout = std::chrono::seconds(5);
  ingest::TokenConfig main;
  main.name = "main";
  main.token = kMainToken;
  main.allowed_indexes = {"main", "security"};
  main.default_index = "main";
  main.default_sourcetype = "hub:test";
  main.default_host = "default-host";
  ingest::TokenConfig query;
  query.name = "query";
  query.token = kQueryToken;
  query.allow_query_token = true;
  o.tokens = {main, query};
  return o;
}

/// The server on two threads; stops and joins in the destructor.
struct ServerFixture {
  explicit ServerFixture(ingest::ServerOptions o = default_options()) {
    server = std::make_unique<ingest::IngestServer>(
        io, std::move(o), fake.fn(), ingest::HealthFn{[this] { return ready.load(); }, [] {
                                                        return nlohmann::json{{"journal", "ok"}};
                                                      }},
        metrics);
    server->start();
    for (int i = 0; i < 2; ++i) threads.emplace_back([this] { io.run(); });
  }
  ~ServerFixture() {
    server->stop();
    fake.release(ingest::Stored::failed);
    guard.reset();
    io.stop();
    for (auto& t : threads) t.join();
    server.reset();
  }
  uint16_t port() const { return server->port(); }

  // Declared before the io_context so it outlives it: sessions still queued on the context
  // when it is destroyed update their connection gauge as they go.
  core::MetricsRegistry metrics;
  net::io_context io;
  FakeIngest fake;
  std::atomic<bool> ready{true};
  std::unique_ptr<ingest::IngestServer> server;
  net::executor_work_guard<net::io_context::executor_type> guard{io.get_executor()};
  std::vector<std::thread> threads;
};

struct Response {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  nlohmann::json json() const { return nlohmann::json::parse(body); }
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string{} : it->second;
  }
};

using Headers = std::vector<std::pair<std::string, std::string>>;

/// One connection (plain, or TLS verified against `ca`), reused for every request.
class Client {
 public:
  explicit Client(uint16_t port, std::optional<std::filesystem::path> ca = std::nullopt) {
    net::ip::tcp::endpoint ep(net::ip::make_address("127.0.0.1"), port);
    if (ca) {
      ctx_.emplace(net::ssl::context::tls_client);
      ctx_->load_verify_file(ca->string());
      ctx_->set_verify_mode(net::ssl::verify_peer);
      tls_ = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(io_, *ctx_);
      beast::get_lowest_layer(*tls_).socket().connect(ep);
      set_timeout(beast::get_lowest_layer(*tls_).socket());
      SSL_set_tlsext_host_name(tls_->native_handle(), "localhost");
      tls_->set_verify_callback(net::ssl::host_name_verification("localhost"));
      tls_->handshake(net::ssl::stream_base::client);
    } else {
      plain_ = std::make_unique<beast::tcp_stream>(io_);
      plain_->socket().connect(ep);
      set_timeout(plain_->socket());
    }
  }

  Response request(http::verb method, const std::string& target, const std::string& body = {},
                   const Headers& headers = {}) {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    if (method != http::verb::get || !body.empty()) req.prepare_payload();
    return tls_ ? exchange(*tls_, req) : exchange(*plain_, req);
  }

  Response post(const std::string& target, const std::string& body, const Headers& headers = {}) {
    return request(http::verb::post, target, body, headers);
  }
  Response get(const std::string& target, const Headers& headers = {}) {
    return request(http::verb::get, target, {}, headers);
  }

  /// True when the server has closed the connection (reads EOF without blocking long).
  bool server_closed() {
    auto& sock = tls_ ? beast::get_lowest_layer(*tls_).socket() : plain_->socket();
    timeval tv{2, 0};
    ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char c;
    const ssize_t n = ::recv(sock.native_handle(), &c, 1, 0);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }

 private:
  static void set_timeout(net::ip::tcp::socket& s) {
    timeval tv{10, 0};
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }

  template <class Stream>
  Response exchange(Stream& stream, http::request<http::string_body>& req) {
    http::write(stream, req);
    http::response<http::string_body> res;
    http::read(stream, buffer_, res);
    Response out;
    out.status = static_cast<int>(res.result_int());
    out.body = res.body();
    for (const auto& f : res) {
      std::string name(f.name_string().data(), f.name_string().size());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(f.value().data(), f.value().size());
    }
    return out;
  }

  net::io_context io_;
  std::optional<net::ssl::context> ctx_;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls_;
  std::unique_ptr<beast::tcp_stream> plain_;
  beast::flat_buffer buffer_;
};

inline Headers splunk_auth(const std::string& token = kMainToken) { return {{"Authorization", "Splunk " + token}}; }

}  // namespace siemhub::testing
