// The hub's HTTP ingest server (docs/ingest.md): Splunk HEC (/services/collector/...), NDJSON of
// OCSF events (/v1/events), Elasticsearch `_bulk`, health (/healthz, /readyz, HEC health) and
// Prometheus metrics (/metrics). Every push answers success only once its batch is durable (or, in
// HEC indexer-acknowledgement mode, returns an ackId that /services/collector/ack reports true only
// once durable). At the cap (IngestFn says busy, or too many connections) HEC answers 503 code 9,
// `_bulk` 429, the rest 503 — connections are answered, never dropped.
//
// /healthz, /readyz and /metrics need no token: bind `listen` to loopback, or keep these paths off
// any reverse proxy that exposes the port.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "core/metrics.hpp"
#include "ocsf/normalize.hpp"

namespace siemhub::ingest {

/// One request's events, normalized by the receiver, which answers the client from exactly this:
/// `events` are stored (once durable), `refused` are not (they go to the dead letters).
struct Batch {
  std::string receiver;                       ///< "hec" | "bulk" | "events"
  std::string token_name;                     ///< which configured token authenticated it
  std::vector<ocsf::NormalizedEvent> events;  ///< journaled in this order
  std::vector<ocsf::Refusal> refused;         ///< events normalize refused, with the reason
};

enum class Admit { accepted, busy };

/// How an admitted batch ended: stored (fsync'd); busy (the journal could not take it for lack of
/// space — a full disk — answered as at the cap, clients retry); or failed.
enum class Stored { yes, busy, failed };

/// Called on a server thread (never concurrently for one connection). When it returns `accepted`,
/// `durable(result, error)` must be called exactly once, from any thread, when the batch is
/// fsync'd or has not been stored. When it returns `busy`, nothing was admitted and `durable`
/// must not be called. (A `durable` destroyed without being called counts as failed; a second
/// call is ignored.)
using DurableFn = std::function<void(Stored result, const std::string& error)>;
using IngestFn = std::function<Admit(Batch, DurableFn durable)>;

/// Both optional: a missing `ready` means ready, a missing `details` means `{}`.
struct HealthFn {
  std::function<bool()> ready;
  std::function<nlohmann::json()> details;
};

struct TokenConfig {
  std::string name, token;
  std::vector<std::string> allowed_indexes;  ///< empty: any index; default_index is always allowed
  std::string default_index, default_source, default_sourcetype, default_host;
  bool allow_query_token = false;  ///< accept `?token=` for this token (HEC only)
};

struct ServerOptions {
  std::string listen = "127.0.0.1:8088";  ///< host:port, [v6]:port or :port (all interfaces); port 0 = ephemeral
  std::string tls_cert, tls_key;          ///< PEM paths; both set = HTTPS only
  size_t max_body_bytes = 10 << 20;       ///< request body as received; larger → 413
  std::chrono::milliseconds request_timeout{30000};  ///< header + body of one request; also TLS handshake
  size_t max_connections = 1024;  ///< more are answered busy and closed (see docs/ingest.md)
  bool hec_ack = false;           ///< HEC indexer acknowledgement (channels, ackId, /ack)
  std::vector<TokenConfig> tokens;
  // Additions beyond the lead's sketch (defaults keep the sketch's behaviour):
  std::chrono::milliseconds idle_timeout{60000};  ///< keep-alive wait for the next request
  size_t max_decoded_bytes = 64 << 20;            ///< gzip bodies inflated beyond this → 413
};

/// Configuration or start-up failure (bad listen address, TLS files, bind).
class IngestError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
struct ServerState;
}

class IngestServer {
 public:
  /// Does nothing until start(). `io`, `metrics` and the functions must outlive every handler the
  /// server posts, and the hub must call (or destroy) every `durable` before `io` is destroyed.
  /// Throws IngestError when a token is empty or two tokens share a name or value.
  IngestServer(boost::asio::io_context& io, ServerOptions options, IngestFn ingest, HealthFn health,
               core::MetricsRegistry& metrics);
  ~IngestServer();  ///< calls stop()
  IngestServer(const IngestServer&) = delete;
  IngestServer& operator=(const IngestServer&) = delete;

  /// Loads TLS files, binds and starts accepting. Throws IngestError. Call once.
  void start();
  /// Stops accepting and closes every connection (answers still waiting for durability are lost;
  /// clients retry). Idempotent; any thread.
  void stop();
  /// The bound port (after start(); useful with port 0).
  uint16_t port() const;

 private:
  boost::asio::io_context& io_;
  std::shared_ptr<detail::ServerState> state_;
  bool started_ = false;
  uint16_t port_ = 0;
};

}  // namespace siemhub::ingest
