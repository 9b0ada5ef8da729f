// The ingest HTTP server (Boost.Beast; ingest.hpp, docs/ingest.md). One session per connection on
// its own strand; the template parameter picks plain TCP or TLS.
//
// Request flow: read header (request_timeout, or idle_timeout when waiting on a kept-alive
// connection) → route and authenticate → Content-Length check → `100 Continue` when asked → read the
// body (max_body_bytes) → decode gzip → parse → IngestFn → answer once durable (or at once with an
// ackId in HEC ack mode). An answer given before the body was read (auth failure, 413, busy over the
// connection limit) closes the connection after a short lingering drain, so the client reads it
// instead of a reset.
#include <algorithm>
#include <array>
#include <atomic>
#include <limits>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "admin/token.hpp"
#include "core/bytes.hpp"
#include "core/log.hpp"
#include "core/transfer_coding.hpp"
#include "ingest/ack_tracker.hpp"
#include "ingest/bulk.hpp"
#include "ingest/hec_mapping.hpp"
#include "ingest/hec_protocol.hpp"
#include "ingest/ingest.hpp"

#include <simdjson.h>

namespace siemhub::ingest {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::string_view kComponent = "ingest";
constexpr auto kLinger = std::chrono::seconds(2);

enum class Endpoint { hec_event, hec_raw, hec_ack, hec_health, events, bulk, bulk_setup, healthz, readyz, metrics, not_found };
enum class Family { hec, bulk, plain };

Family family_of(Endpoint e) {
  switch (e) {
    case Endpoint::hec_event:
    case Endpoint::hec_raw:
    case Endpoint::hec_ack:
    case Endpoint::hec_health: return Family::hec;
    case Endpoint::bulk:
    case Endpoint::bulk_setup: return Family::bulk;
    default: return Family::plain;
  }
}

std::string_view endpoint_label(Endpoint e) {
  switch (e) {
    case Endpoint::hec_event: return "hec_event";
    case Endpoint::hec_raw: return "hec_raw";
    case Endpoint::hec_ack: return "hec_ack";
    case Endpoint::hec_health: return "hec_health";
    case Endpoint::events: return "events";
    case Endpoint::bulk: return "bulk";
    case Endpoint::bulk_setup: return "bulk_setup";
    case Endpoint::healthz: return "healthz";
    case Endpoint::readyz: return "readyz";
    case Endpoint::metrics: return "metrics";
    default: return "other";
  }
}

std::string_view receiver_of(Endpoint e) {
  switch (family_of(e)) {
    case Family::hec: return "hec";
    case Family::bulk: return "bulk";
    default: return "events";
  }
}

Endpoint classify(std::string_view path) {
  if (path == "/services/collector" || path == "/services/collector/event" || path == "/services/collector/event/1.0")
    return Endpoint::hec_event;
  if (path == "/services/collector/raw" || path == "/services/collector/raw/1.0") return Endpoint::hec_raw;
  if (path == "/services/collector/ack" || path == "/services/collector/ack/1.0") return Endpoint::hec_ack;
  if (path == "/services/collector/health" || path == "/services/collector/health/1.0") return Endpoint::hec_health;
  if (path == "/v1/events") return Endpoint::events;
  if (path == "/healthz") return Endpoint::healthz;
  if (path == "/readyz") return Endpoint::readyz;
  if (path == "/metrics") return Endpoint::metrics;
  if (path == "/_bulk") return Endpoint::bulk;
  constexpr std::string_view kBulk = "/_bulk";
  if (path.size() > kBulk.size() + 1 && path.substr(path.size() - kBulk.size()) == kBulk &&
      path.find('/', 1) == path.size() - kBulk.size()) {
    return Endpoint::bulk;  // /{index}/_bulk
  }
  return Endpoint::not_found;
}

struct Reply {
  http::status status = http::status::ok;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<http::field, std::string>> headers;
};

Reply hec_reply(int code, std::optional<size_t> invalid = std::nullopt, std::optional<uint64_t> ack = std::nullopt) {
  Reply r;
  r.status = static_cast<http::status>(hec::http_status(code));
  r.body = hec::response_body(code, invalid, ack);
  if (code == hec::kServerBusy) r.headers.emplace_back(http::field::retry_after, "1");
  if (code == hec::kTokenRequired || code == hec::kInvalidAuthorization)
    r.headers.emplace_back(http::field::www_authenticate, "Splunk");
  return r;
}

Reply plain_error(http::status status, std::string message, json extra = json::object()) {
  Reply r;
  r.status = status;
  extra["error"] = std::move(message);
  r.body = extra.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

Reply bulk_error(http::status status, std::string_view type, std::string reason) {
  Reply r;
  r.status = status;
  json cause{{"type", type}, {"reason", reason}};
  r.body = json{{"error", {{"root_cause", json::array({cause})}, {"type", type}, {"reason", reason}}},
                {"status", static_cast<unsigned>(status)}}
               .dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

Reply busy_reply(Family f) {
  Reply r;
  switch (f) {
    case Family::hec: return hec_reply(hec::kServerBusy);
    case Family::bulk:
      r.status = http::status::too_many_requests;
      r.body = bulk::error_response(bulk::busy_error());
      break;
    default: r = plain_error(http::status::service_unavailable, "server is busy; retry later"); break;
  }
  r.headers.emplace_back(http::field::retry_after, "1");
  return r;
}

Reply generic_error(Family f, http::status status, std::string message) {
  if (f == Family::bulk) {
    const std::string_view type = status == http::status::payload_too_large ? "content_too_long_exception"
                                  : status == http::status::unauthorized    ? "security_exception"
                                                                            : "illegal_argument_exception";
    return bulk_error(status, type, std::move(message));
  }
  return plain_error(status, std::move(message));
}

// For HEC, a failed durable write is code 8 (500): clients retry it.
Reply internal_error(Family f, const std::string& error) {
  if (f == Family::hec) return hec_reply(hec::kInternalError);
  return generic_error(f, http::status::internal_server_error, "the batch could not be stored: " + error);
}

// A batch that was admitted but not stored: a journal that ran out of space (a full disk) is
// answered as the cap is (busy, retry later); any other failure as an internal error.
Reply stored_error(Family f, Stored result) {
  return result == Stored::busy ? busy_reply(f) : internal_error(f, "durable write failed");
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The request body as read: bytes copied from the connection's buffer into memory that is never
// zero-filled first (string_body resizes a std::string, which memsets every byte it then copies
// over: ~3 % of the HEC path), with simdjson::SIMDJSON_PADDING bytes of room after the end, so
// the parsers read the body in place.
struct RequestBody {
  struct value_type {
    core::Bytes bytes;
    std::string_view view() const { return bytes.view(); }
  };
  static std::uint64_t size(const value_type& v) { return v.bytes.size(); }

  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(http::header<isRequest, Fields>&, value_type& body) : body_(body) {}
    void init(const boost::optional<std::uint64_t>& length, beast::error_code& ec) {
      body_.bytes.clear();
      if (length) body_.bytes.reserve(static_cast<size_t>(*length) + simdjson::SIMDJSON_PADDING);
      ec = {};
    }
    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, beast::error_code& ec) {
      const std::size_t n = net::buffer_size(buffers);
      net::buffer_copy(net::buffer(body_.bytes.grow(n), n), buffers);
      ec = {};
      return n;
    }
    void finish(beast::error_code& ec) {
      body_.bytes.reserve(body_.bytes.size() + simdjson::SIMDJSON_PADDING);
      ec = {};
    }

   private:
    value_type& body_;
  };
};

using Request = http::request<RequestBody>;

std::optional<std::string_view> header_value(const Request& req, std::string_view name) {
  const auto it = req.find(beast::string_view(name.data(), name.size()));
  if (it == req.end()) return std::nullopt;
  return std::string_view(it->value().data(), it->value().size());
}

std::optional<std::string_view> header_value(const Request& req, http::field f) {
  const auto it = req.find(f);
  if (it == req.end()) return std::nullopt;
  return std::string_view(it->value().data(), it->value().size());
}

// Every value of a header that may repeat, joined with "," (RFC 9110 section 5.3).
std::string joined(const Request& req, http::field f) {
  std::string out;
  for (auto [it, end] = req.equal_range(f); it != end; ++it) {
    if (!out.empty()) out += ',';
    out.append(it->value().data(), it->value().size());
  }
  return out;
}

tcp::endpoint parse_listen(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) throw IngestError("ingest listen \"" + listen + "\" must be host:port");
  std::string host = listen.substr(0, colon);
  const std::string port_text = listen.substr(colon + 1);
  unsigned long port = 0;
  try {
    size_t used = 0;
    port = std::stoul(port_text, &used);
    if (used != port_text.size() || port > 65535) throw std::out_of_range("port");
  } catch (const std::exception&) {
    throw IngestError("ingest listen \"" + listen + "\": bad port");
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  net::ip::address addr;
  if (host.empty() || host == "*") {
    addr = net::ip::address_v6::any();
  } else if (host == "localhost") {
    addr = net::ip::address_v4::loopback();
  } else {
    beast::error_code ec;
    addr = net::ip::make_address(host, ec);
    if (ec) throw IngestError("ingest listen \"" + listen + "\": \"" + host + "\" is not an IP address");
  }
  return {addr, static_cast<uint16_t>(port)};
}

}  // namespace

// --- shared state -----------------------------------------------------------------------------------

struct SessionHandle {
  virtual ~SessionHandle() = default;
  virtual void launch() = 0;  // posts start() to the session's strand
  virtual void shut() = 0;    // posts close to the session's strand (stop())
};

namespace detail {
struct ServerState {
  ServerState(net::io_context& io_in, ServerOptions options_in, IngestFn ingest_in, HealthFn health_in,
              core::MetricsRegistry& metrics_in)
      : io(io_in),
        options(std::move(options_in)),
        ingest(std::move(ingest_in)),
        health(std::move(health_in)),
        metrics(metrics_in),
        acceptor(net::make_strand(io_in)) {
    connections = metrics.get("siemhub_ingest_connections", "Open ingest connections (including those answered busy)",
                              core::MetricType::gauge);
  }

  net::io_context& io;
  const ServerOptions options;
  IngestFn ingest;
  HealthFn health;
  core::MetricsRegistry& metrics;
  std::optional<ssl::context> tls;
  tcp::acceptor acceptor;
  AckTracker acks;

  std::mutex mu;
  bool stopped = false;
  std::list<std::weak_ptr<SessionHandle>> sessions;  // guarded by mu
  std::atomic<size_t> open{0};      // sessions served normally
  std::atomic<size_t> overflow{0};  // sessions over max_connections, answered busy
  core::Metric* connections = nullptr;

  bool is_stopped() {
    std::lock_guard lock(mu);
    return stopped;
  }

  // Constant time against every configured token (no early exit).
  const TokenConfig* find_token(std::string_view token) const {
    const TokenConfig* found = nullptr;
    for (const auto& t : options.tokens) {
      if (admin::constant_time_equal(token, t.token) && found == nullptr) found = &t;
    }
    return found;
  }

  void count_request(Endpoint e, unsigned status) {
    metrics
        .get("siemhub_ingest_requests_total", "Ingest HTTP requests by endpoint and status code",
             core::MetricType::counter, {{"endpoint", std::string(endpoint_label(e))}, {"code", std::to_string(status)}})
        ->add(1);
  }
  void count_busy(std::string_view receiver, std::string_view reason) {
    metrics
        .get("siemhub_ingest_busy_total", "Ingest requests answered busy (503 / 429)", core::MetricType::counter,
             {{"receiver", std::string(receiver)}, {"reason", std::string(reason)}})
        ->add(1);
  }
  void count_bytes(std::string_view receiver, size_t n) {
    metrics
        .get("siemhub_ingest_bytes_total", "Request body bytes received by the ingest server", core::MetricType::counter,
             {{"receiver", std::string(receiver)}})
        ->add(static_cast<double>(n));
  }
  void count_durable(std::string_view receiver, size_t events, Clock::time_point received) {
    metrics
        .get("siemhub_ingest_events_total", "Events accepted (durable) by the ingest server", core::MetricType::counter,
             {{"receiver", std::string(receiver)}})
        ->add(static_cast<double>(events));
    metrics
        .get("siemhub_ingest_ack_latency_seconds", "Seconds from request received to batch durable",
             core::MetricType::histogram, {{"receiver", std::string(receiver)}})
        ->observe(std::chrono::duration<double>(Clock::now() - received).count());
  }
  void update_connections() { connections->set(static_cast<double>(open.load() + overflow.load())); }
};
}  // namespace detail

using detail::ServerState;

// Calls `fn` exactly once: on the first fire(), or with a failure when dropped unfired.
class DurableOnce {
 public:
  explicit DurableOnce(DurableFn fn) : fn_(std::move(fn)) {}
  ~DurableOnce() {
    if (!fired_.exchange(true)) fn_(Stored::failed, "the batch was dropped without being stored");
  }
  DurableOnce(const DurableOnce&) = delete;
  DurableOnce& operator=(const DurableOnce&) = delete;
  void fire(Stored result, const std::string& error) {
    if (!fired_.exchange(true)) fn_(result, error);
  }
  bool disarm() { return !fired_.exchange(true); }

 private:
  DurableFn fn_;
  std::atomic<bool> fired_{false};
};

// --- sessions ---------------------------------------------------------------------------------------

template <bool Tls>
class Session : public SessionHandle, public std::enable_shared_from_this<Session<Tls>> {
 public:
  using Stream = std::conditional_t<Tls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;
  using StatePtr = std::shared_ptr<ServerState>;

  Session(StatePtr state, tcp::socket&& socket, bool overflow)
      : state_(std::move(state)), stream_(make_stream(std::move(socket))), overflow_(overflow) {
    (overflow_ ? state_->overflow : state_->open)++;
    state_->update_connections();
  }
  ~Session() override {
    (overflow_ ? state_->overflow : state_->open)--;
    state_->update_connections();
  }

  void start() {
    if constexpr (Tls) {
      lowest().expires_after(state_->options.request_timeout);
      stream_.async_handshake(ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
        if (ec) return self->close_now();
        self->read_header(true);
      });
    } else {
      read_header(true);
    }
  }

  void launch() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] { self->start(); });
  }

  void shut() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] { self->close_now(); });
  }

 private:
  Stream make_stream(tcp::socket&& socket) {
    if constexpr (Tls) {
      return Stream(std::move(socket), *state_->tls);
    } else {
      return Stream(std::move(socket));
    }
  }
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  // --- reading ---

  void read_header(bool first) {
    parser_.emplace();
    parser_->header_limit(16 * 1024);
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());  // checked once routed
    lowest().expires_after(first ? state_->options.request_timeout : state_->options.idle_timeout);
    http::async_read_header(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
      self->on_header(ec);
    });
  }

  static bool is_disconnect(beast::error_code ec) {
    return ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::operation_aborted ||
           ec == net::error::connection_reset || ec == net::error::bad_descriptor || ec == beast::error::timeout ||
           ec == net::ssl::error::stream_truncated;
  }

  void on_header(beast::error_code ec) {
    if (is_disconnect(ec)) return close_now();
    if (ec == http::error::header_limit) {
      return finish_early(generic_error(Family::plain, http::status::request_header_fields_too_large,
                                        "request header larger than 16 KiB"));
    }
    if (ec) return finish_early(generic_error(Family::plain, http::status::bad_request, "malformed HTTP request"));

    received_ = Clock::now();
    const auto& req = parser_->get();
    const std::string_view target(req.target().data(), req.target().size());
    const size_t q = target.find('?');
    path_ = std::string(target.substr(0, q));
    query_text_ = q == std::string_view::npos ? std::string{} : std::string(target.substr(q + 1));
    endpoint_ = classify(path_);
    family_ = family_of(endpoint_);
    lowest().expires_after(state_->options.request_timeout);

    if (req.find(http::field::transfer_encoding) != req.end()) {
      std::string why;
      if (const auto status = core::refuse_transfer_coding(joined(req, http::field::transfer_encoding), why))
        return finish_early(generic_error(family_, static_cast<http::status>(*status), why));
    }
    if (overflow_) {
      state_->count_busy(receiver_of(endpoint_), "connections");
      core::Log::write(core::LogLevel::warn, kComponent, "connection limit reached; answering busy");
      return finish_early(busy_reply(family_));
    }
    const std::string method_text(req.method_string().data(), req.method_string().size());
    if (endpoint_ == Endpoint::not_found && bulk::is_setup_call(method_text, target)) {
      endpoint_ = Endpoint::bulk_setup;  // what ES shippers call before _bulk (GET /, templates, …)
      family_ = Family::bulk;
    }
    if (endpoint_ == Endpoint::not_found) {
      return finish_or_read(generic_error(Family::plain, http::status::not_found, "no such endpoint: " + path_));
    }
    const auto method = req.method();
    head_ = method == http::verb::head;
    const bool any_method = endpoint_ == Endpoint::bulk_setup;
    const bool is_get = endpoint_ == Endpoint::hec_health || endpoint_ == Endpoint::healthz ||
                        endpoint_ == Endpoint::readyz || endpoint_ == Endpoint::metrics;
    if (!any_method && (is_get ? (method != http::verb::get && method != http::verb::head) : method != http::verb::post)) {
      Reply r = generic_error(family_, http::status::method_not_allowed,
                              std::string("use ") + (is_get ? "GET" : "POST") + " for " + path_);
      r.headers.emplace_back(http::field::allow, is_get ? "GET, HEAD" : "POST");
      return finish_or_read(std::move(r));
    }
    auto query = parse_query(query_text_);
    if (!query) return finish_or_read(generic_error(family_, http::status::bad_request, "malformed query string"));
    query_ = std::move(*query);

    if (auto denied = authenticate(req)) return finish_or_read(std::move(*denied));

    const auto length = parser_->content_length();
    if (length && *length > state_->options.max_body_bytes) return too_large();
    read_body();
  }

  // A cheap error we can answer while keeping the connection: read (and ignore) a small body first.
  void finish_or_read(Reply r) {
    const auto length = parser_->content_length();
    if (parser_->is_done() || (length && *length <= 64 * 1024 && !expects_continue())) {
      pending_ = std::move(r);
      return read_body();
    }
    finish_early(std::move(r));
  }

  bool expects_continue() const {
    const auto& req = parser_->get();
    const auto it = req.find(http::field::expect);
    return it != req.end() && beast::iequals(it->value(), "100-continue");
  }

  void read_body() {
    parser_->body_limit(state_->options.max_body_bytes);
    if (parser_->is_done()) return dispatch();
    if (expects_continue() && !pending_) {
      auto res = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
      http::async_write(stream_, *res, [self = this->shared_from_this(), res](beast::error_code ec, size_t) {
        if (ec) return self->close_now();
        self->read_rest();
      });
      return;
    }
    read_rest();
  }

  void read_rest() {
    // Beast reads max(512, free capacity) bytes at a time: without room, a 0.5 MB HEC body takes
    // ~1000 recv calls (and as many handler round trips). Room for 64 KiB while the body is read;
    // given back afterwards so idle keep-alive connections stay small.
    constexpr size_t kReadRoom = 64 * 1024;
    const auto length = parser_->content_length();
    const bool big = !length || *length > 4096;
    if (big && buffer_.capacity() - buffer_.size() < kReadRoom) buffer_.reserve(buffer_.size() + kReadRoom);
    http::async_read(stream_, buffer_, *parser_, [self = this->shared_from_this(), big](beast::error_code ec, size_t) {
      if (big) self->buffer_.shrink_to_fit();
      if (ec == http::error::body_limit) return self->too_large();
      if (is_disconnect(ec)) return self->close_now();
      if (ec) return self->finish_early(generic_error(self->family_, http::status::bad_request, "malformed HTTP request body"));
      self->dispatch();
    });
  }

  void too_large() {
    finish_early(generic_error(family_, http::status::payload_too_large,
                               "request body larger than " + std::to_string(state_->options.max_body_bytes) + " bytes"));
  }

  // --- authentication ---

  std::optional<Reply> authenticate(const Request& req) {
    switch (endpoint_) {
      case Endpoint::hec_event:
      case Endpoint::hec_raw:
      case Endpoint::hec_ack: {
        const auto it = query_.find("token");
        std::optional<std::string_view> qt;
        if (it != query_.end()) qt = it->second;
        const auto creds = hec::hec_credentials(header_value(req, http::field::authorization), qt);
        if (creds.error != hec::kSuccess) return hec_reply(creds.error);
        token_ = state_->find_token(creds.token);
        if (token_ == nullptr) return hec_reply(hec::kInvalidToken);
        if (creds.from_query && !token_->allow_query_token) return hec_reply(hec::kQueryAuthDisabled);
        return std::nullopt;
      }
      case Endpoint::events:
      case Endpoint::bulk:
      case Endpoint::bulk_setup: {
        const auto auth = header_value(req, http::field::authorization);
        std::optional<std::string> token;
        if (auth) token = family_ == Family::bulk ? es_token(*auth) : hec::bearer_or_basic_token(*auth);
        Reply r;
        if (!token) {
          r = generic_error(family_, http::status::unauthorized,
                            auth ? "malformed Authorization header (use Bearer <token>)" : "an Authorization header is required");
        } else {
          token_ = state_->find_token(*token);
          if (token_ != nullptr) return std::nullopt;
          r = generic_error(family_, http::status::forbidden, "invalid token");
        }
        if (r.status == http::status::unauthorized) r.headers.emplace_back(http::field::www_authenticate, "Bearer");
        return r;
      }
      default: return std::nullopt;
    }
  }

  // --- dispatch ---

  void dispatch() {
    lowest().expires_never();
    req_ = parser_->release();
    parser_.reset();
    keep_alive_ = req_.keep_alive();
    if (pending_) {
      Reply r = std::move(*pending_);
      pending_.reset();
      return send(std::move(r));
    }
    try {
      switch (endpoint_) {
        case Endpoint::hec_event:
        case Endpoint::hec_raw: return handle_hec(endpoint_ == Endpoint::hec_raw);
        case Endpoint::hec_ack: return handle_ack();
        case Endpoint::events: return handle_events();
        case Endpoint::bulk: return handle_bulk();
        case Endpoint::bulk_setup: {
          const auto sr = bulk::setup_response(std::string(req_.method_string().data(), req_.method_string().size()),
                                               std::string(req_.target().data(), req_.target().size()));
          Reply r;
          r.status = static_cast<http::status>(sr.status);
          r.body = sr.body;
          return send(std::move(r));
        }
        case Endpoint::hec_health: return handle_hec_health();
        case Endpoint::healthz: {
          Reply r;
          r.body = R"({"status":"ok"})";
          return send(std::move(r));
        }
        case Endpoint::readyz: return handle_readyz();
        case Endpoint::metrics: {
          Reply r;
          r.body = state_->metrics.render_prometheus();
          r.content_type = "text/plain; version=0.0.4; charset=utf-8";
          return send(std::move(r));
        }
        default: return send(generic_error(Family::plain, http::status::not_found, "no such endpoint"));
      }
    } catch (const std::exception& e) {
      core::Log::write(core::LogLevel::error, kComponent, path_ + " failed: " + e.what());
      return send(internal_error(family_, e.what()));
    }
  }

  bool ready() const { return !state_->health.ready || state_->health.ready(); }

  void handle_hec_health() {
    if (ready()) return send(hec_reply(hec::kHealthy));
    return send(hec_reply(hec::kServerBusy));
  }

  void handle_readyz() {
    const bool ok = ready();
    json details = state_->health.details ? state_->health.details() : json::object();
    Reply r;
    r.status = ok ? http::status::ok : http::status::service_unavailable;
    r.body = json{{"status", ok ? "ready" : "not ready"}, {"details", std::move(details)}}.dump(
        -1, ' ', false, json::error_handler_t::replace);
    send(std::move(r));
  }

  // The body (followed by SIMDJSON_PADDING readable bytes), gunzipped when Content-Encoding says
  // gzip; it stays valid until the next request. nullopt: the reply is already sent.
  std::optional<std::string_view> decoded_body() {
    const std::string_view raw = req_.body().view();
    state_->count_bytes(receiver_of(endpoint_), raw.size());
    const auto enc_header = header_value(req_, http::field::content_encoding);
    const beast::string_view enc = enc_header ? beast::string_view(enc_header->data(), enc_header->size())
                                              : beast::string_view();
    if (enc.empty() || beast::iequals(enc, "identity")) return raw;
    if (!beast::iequals(enc, "gzip") && !beast::iequals(enc, "x-gzip")) {
      send(generic_error(family_, http::status::unsupported_media_type,
                         "unsupported Content-Encoding \"" + std::string(*enc_header) + "\" (use gzip)"));
      return std::nullopt;
    }
    bool too_big = false;
    auto out = gunzip_body(raw, state_->options.max_decoded_bytes, too_big);
    if (!out) {
      if (too_big) {
        send(generic_error(family_, http::status::payload_too_large,
                           "gzip body inflates beyond " + std::to_string(state_->options.max_decoded_bytes) + " bytes"));
      } else if (family_ == Family::hec) {
        send(hec_reply(hec::kInvalidDataFormat));
      } else {
        send(generic_error(family_, http::status::bad_request, "the body is not valid gzip"));
      }
      return std::nullopt;
    }
    inflated_ = std::move(*out);
    inflated_.reserve(inflated_.size() + simdjson::SIMDJSON_PADDING);
    return std::string_view(inflated_);
  }

  std::string query_param(const char* key) const {
    const auto it = query_.find(key);
    return it == query_.end() ? std::string{} : it->second;
  }

  // Channel for ack mode: header, else ?channel=. Empty string: missing.
  std::string channel() const {
    if (auto h = header_value(req_, "X-Splunk-Request-Channel")) return std::string(*h);
    return query_param("channel");
  }

  bool index_allowed(std::string_view index) const {
    if (token_->allowed_indexes.empty() || index.empty() || index == token_->default_index) return true;
    for (const auto& i : token_->allowed_indexes)
      if (i == index) return true;
    return false;
  }

  void handle_hec(bool raw) {
    std::string ack_key;
    if (state_->options.hec_ack) {
      const std::string ch = channel();
      if (ch.empty()) return send(hec_reply(hec::kChannelMissing));
      if (!hec::valid_channel(ch)) return send(hec_reply(hec::kInvalidChannel));
      ack_key = token_->name + '\n' + ch;
    }
    auto body_opt = decoded_body();
    if (!body_opt) return;
    body_ = *body_opt;

    // Envelope > query parameter > token default.
    auto pick = [&](const std::optional<std::string>& v, const char* key, const std::string& dflt) {
      if (v) return *v;
      std::string qv = query_param(key);
      return qv.empty() ? dflt : qv;
    };
    const TokenConfig& t = *token_;
    const int64_t now = now_ms();
    MappedBody mapped;
    if (raw) {
      const auto lines = hec::split_lines(body_);
      if (lines.empty()) return send(hec_reply(hec::kNoData));
      HecEvent meta;
      meta.index = pick(std::nullopt, "index", t.default_index);
      if (!index_allowed(meta.index)) return send(hec_reply(hec::kIncorrectIndex));
      meta.source = pick(std::nullopt, "source", t.default_source);
      meta.sourcetype = pick(std::nullopt, "sourcetype", t.default_sourcetype);
      meta.host = pick(std::nullopt, "host", t.default_host);
      mapped = map_hec_lines(lines, std::move(meta), t.name, now);
    } else {
      // Envelope > query parameter > token default; the query and token parts are the same for
      // every envelope, so they are looked up once.
      const HecMeta defaults{pick(std::nullopt, "host", t.default_host), pick(std::nullopt, "source", t.default_source),
                             pick(std::nullopt, "sourcetype", t.default_sourcetype),
                             pick(std::nullopt, "index", t.default_index)};
      mapped = map_hec_body(
          body_, t.name, defaults, [this](std::string_view index) { return index_allowed(index); }, now);
    }
    const int error = mapped.error_code;
    const size_t error_index = mapped.error_index;
    if (error != hec::kSuccess) {
      core::Log::write(core::LogLevel::debug, kComponent, "HEC request from token " + t.name + " rejected at " + mapped.detail);
    }
    if (mapped.events.empty() && !mapped.refused) {
      return send(error == hec::kSuccess ? hec_reply(hec::kNoData) : hec_reply(error, error_index));
    }
    Batch batch{"hec", t.name, std::move(mapped.events), {}};
    if (mapped.refused) batch.refused.push_back(std::move(*mapped.refused));
    // The answer names the first envelope not stored; the client sends again from there.
    submit(std::move(batch), std::move(ack_key), [error, error_index](Stored result, std::optional<uint64_t> ack) {
      if (result != Stored::yes) return stored_error(Family::hec, result);
      if (error != hec::kSuccess) return hec_reply(error, error_index, ack);
      return hec_reply(hec::kSuccess, std::nullopt, ack);
    });
  }

  void handle_ack() {
    if (!state_->options.hec_ack) return send(hec_reply(hec::kAckDisabled));
    const std::string ch = channel();
    if (ch.empty()) return send(hec_reply(hec::kChannelMissing));
    if (!hec::valid_channel(ch)) return send(hec_reply(hec::kInvalidChannel));
    auto body = decoded_body();
    if (!body) return;
    const auto ids = hec::parse_ack_request(*body);
    if (!ids) return send(hec_reply(hec::kInvalidDataFormat));
    Reply r;
    r.body = hec::ack_response(state_->acks.query(token_->name + '\n' + ch, *ids));
    send(std::move(r));
  }

  void handle_events() {
    auto body = decoded_body();
    if (!body) return;
    body_ = *body;
    MappedLines mapped = map_ndjson_body(body_, token_->name);
    if (mapped.objects == 0 && mapped.error_line == 0) {
      return send(plain_error(http::status::bad_request, "no events in the body"));
    }
    // The answer says what was stored: `accepted` events, and for every line that was not, its
    // index among the events, its line and why; lines after a bad one are not read.
    const size_t stored = mapped.events.size();
    json refused = json::array();
    for (const auto& r : mapped.refused)
      refused.push_back({{"index", r.index}, {"line", r.line}, {"reason", r.refusal.reason}});
    std::string error = std::move(mapped.error);
    if (error.empty() && !mapped.refused.empty())
      error = std::to_string(mapped.refused.size()) + " of " + std::to_string(mapped.objects) +
              " events were refused and not stored";
    const auto answer = [stored, error, refused] {
      if (error.empty()) return Reply{http::status::ok, json{{"accepted", stored}}.dump(), "application/json", {}};
      json extra{{"accepted", stored}};
      if (!refused.empty()) extra["refused"] = refused;
      return plain_error(http::status::bad_request, error, std::move(extra));
    };
    if (mapped.objects == 0) return send(answer());
    Batch batch{"events", token_->name, std::move(mapped.events), {}};
    for (auto& r : mapped.refused) batch.refused.push_back(std::move(r.refusal));
    submit(std::move(batch), {}, [answer](Stored result, std::optional<uint64_t>) {
      if (result != Stored::yes) return stored_error(Family::plain, result);
      return answer();
    });
  }

  // Elasticsearch tokens: Bearer, Basic (token as password), or ApiKey with either the token
  // itself or base64(<id>:<token>) (the "encoded" form clients send).
  std::optional<std::string> es_token(std::string_view auth) const {
    if (auto t = hec::bearer_or_basic_token(auth)) return t;
    const size_t sp = auth.find(' ');
    if (sp == std::string_view::npos || !beast::iequals(beast::string_view(auth.data(), sp), "apikey")) return std::nullopt;
    std::string_view value = auth.substr(sp + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    if (value.empty()) return std::nullopt;
    if (state_->find_token(value) != nullptr) return std::string(value);
    if (auto decoded = base64_decode(value)) {
      const size_t colon = decoded->find(':');
      if (colon != std::string::npos && colon + 1 < decoded->size()) return decoded->substr(colon + 1);
    }
    return std::string(value);
  }

  void handle_bulk() {
    const auto ct = header_value(req_, http::field::content_type);
    if (!bulk::acceptable_content_type(ct ? *ct : std::string_view{})) {
      Reply r;
      r.status = http::status::not_acceptable;
      r.body = bulk::content_type_error(ct ? *ct : std::string_view{});
      return send(std::move(r));
    }
    auto body_opt = decoded_body();
    if (!body_opt) return;
    body_ = *body_opt;
    const std::string path_index = path_ == "/_bulk" ? std::string{} : path_.substr(1, path_.size() - 1 - 6);
    auto parsed = std::make_shared<bulk::ParseResult>(bulk::parse(body_, path_index));
    if (!parsed->ok()) {
      Reply r;
      r.status = static_cast<http::status>(parsed->error->status);
      r.body = bulk::error_response(*parsed->error);
      return send(std::move(r));
    }
    const auto started = received_;
    auto took = [started] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
    };
    Batch batch{"bulk", token_->name, {}, {}};
    const int64_t now = now_ms();
    for (auto& item : parsed->items) {
      if (!item.ok()) continue;
      ocsf::NormalizedEvent n;
      if (auto why = bulk::normalize_item(item, token_->name, now, n)) {
        // Answered per item, as ES answers a document its mapping refuses; not stored.
        item.error = bulk::refused_error(*why);
        batch.refused.push_back({std::move(*why), item.document});
      } else {
        batch.events.push_back(std::move(n));
      }
    }
    if (batch.events.empty() && batch.refused.empty()) {
      Reply r;
      r.body = bulk::respond(parsed->items, took());
      return send(std::move(r));
    }
    submit(std::move(batch), {}, [parsed, took](Stored result, std::optional<uint64_t>) {
      if (result == Stored::busy) return busy_reply(Family::bulk);  // the whole request, as at the cap
      std::vector<int> overrides;
      if (result == Stored::failed) {  // every admitted item is rejected (429, clients resend them)
        for (const auto& item : parsed->items) overrides.push_back(item.ok() ? 429 : 0);
      }
      Reply r;
      r.body = bulk::respond(parsed->items, took(), overrides);
      return r;
    });
  }

  // Hands the batch to the hub. Without an ack key the reply waits for durability; with one it is
  // sent as soon as the batch is admitted, carrying the ackId.
  void submit(Batch batch, std::string ack_key, std::function<Reply(Stored result, std::optional<uint64_t> ack)> make_reply) {
    const std::string receiver = batch.receiver;
    const size_t n = batch.events.size();  // the refused ones are not counted as accepted
    const bool ack_mode = !ack_key.empty();
    std::optional<uint64_t> ack_id;
    if (ack_mode) ack_id = state_->acks.begin(ack_key);

    auto self = this->shared_from_this();
    auto state = state_;
    const auto received = received_;
    auto once = std::make_shared<DurableOnce>(
        [self, state, receiver, n, received, ack_key, ack_id, make_reply](Stored result, const std::string& err) {
          const bool ok = result == Stored::yes;
          if (result == Stored::busy) state->count_busy(receiver, "disk_full");
          if (ok) {
            state->count_durable(receiver, n, received);
          } else {
            core::Log::write(core::LogLevel::warn, kComponent, "a " + receiver + " batch failed to store: " + err);
          }
          if (ack_id) {
            state->acks.complete(ack_key, *ack_id, ok);
            return;
          }
          net::post(self->stream_.get_executor(), [self, result, make_reply] { self->send(make_reply(result, std::nullopt)); });
        });

    Admit admit = Admit::busy;
    try {
      admit = state_->ingest(std::move(batch), [once](Stored result, const std::string& err) { once->fire(result, err); });
    } catch (const std::exception& e) {
      if (once->disarm()) {
        if (ack_id) state_->acks.cancel(ack_key, *ack_id);
        core::Log::write(core::LogLevel::error, kComponent, "ingest failed: " + std::string(e.what()));
        return send(internal_error(family_, e.what()));
      }
      core::Log::write(core::LogLevel::error, kComponent, "ingest threw after completing: " + std::string(e.what()));
      if (ack_id) return send(make_reply(Stored::yes, ack_id));
      return;
    }
    if (admit == Admit::busy) {
      if (!once->disarm()) {
        core::Log::write(core::LogLevel::error, kComponent, "IngestFn said busy but completed the batch");
        if (ack_id) return send(make_reply(Stored::yes, ack_id));
        return;  // the durable reply is on its way
      }
      if (ack_id) state_->acks.cancel(ack_key, *ack_id);
      state_->count_busy(receiver, "ingest");
      return send(busy_reply(family_));
    }
    if (ack_id) send(make_reply(Stored::yes, ack_id));
  }

  // --- writing ---

  void send(Reply reply) {
    if (state_->is_stopped()) keep_alive_ = false;
    write(std::move(reply), keep_alive_, false);
  }

  // An answer before (all of) the body was read: the connection cannot be reused.
  void finish_early(Reply reply) { write(std::move(reply), false, true); }

  void write(Reply reply, bool keep_alive, bool linger) {
    state_->count_request(endpoint_, static_cast<unsigned>(reply.status));
    auto res = std::make_shared<http::response<http::string_body>>(reply.status, 11);
    res->set(http::field::server, "siemhub");
    res->set(http::field::content_type, reply.content_type);
    res->set(http::field::cache_control, "no-store");
    for (auto& [f, v] : reply.headers) res->set(f, v);
    if (family_ == Family::bulk) {
      res->set(beast::string_view(bulk::product_header_name.data(), bulk::product_header_name.size()),
               beast::string_view(bulk::product_header_value.data(), bulk::product_header_value.size()));
    }
    res->body() = std::move(reply.body);
    if (reply.content_type == "application/json") res->body().push_back('\n');
    res->keep_alive(keep_alive);
    res->prepare_payload();
    if (head_) res->body().clear();
    if (core::Log::enabled(core::LogLevel::debug)) {
      core::Log::write(core::LogLevel::debug, kComponent,
                       path_ + " -> " + std::to_string(static_cast<unsigned>(res->result_int())));
    }
    lowest().expires_after(state_->options.request_timeout);
    http::async_write(stream_, *res, [self = this->shared_from_this(), res, keep_alive, linger](beast::error_code ec, size_t) {
      if (ec) return self->close_now();
      if (linger) return self->linger_close();
      if (!keep_alive) return self->graceful_close();
      self->reset_request();
      self->read_header(false);
    });
  }

  void reset_request() {
    req_ = {};
    body_ = {};
    inflated_.clear();
    query_.clear();
    token_ = nullptr;
    endpoint_ = Endpoint::not_found;
    family_ = Family::plain;
    head_ = false;
  }

  // --- closing ---

  void close_now() {
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().close();
  }

  void graceful_close() {
    if constexpr (Tls) {
      lowest().expires_after(kLinger);
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->close_now(); });
    } else {
      beast::error_code ec;
      lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
      linger_close();
    }
  }

  // Reads and discards what the client still sends (the rest of a body we refused) for a moment,
  // so closing does not reset the connection under the answer it has not read yet.
  void linger_close() {
    if constexpr (!Tls) {
      beast::error_code ec;
      lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
    }
    lowest().expires_after(kLinger);
    drain();
  }

  void drain() {
    stream_.async_read_some(net::buffer(scratch_), [self = this->shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->close_now();
      self->drain();
    });
  }

  StatePtr state_;
  Stream stream_;
  const bool overflow_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<RequestBody>> parser_;
  Request req_;
  std::string_view body_;   // the decoded body: req_'s, or inflated_
  std::string inflated_;
  std::string path_, query_text_;
  std::map<std::string, std::string> query_;
  Endpoint endpoint_ = Endpoint::not_found;
  Family family_ = Family::plain;
  const TokenConfig* token_ = nullptr;
  bool keep_alive_ = false;
  bool head_ = false;
  std::optional<Reply> pending_;
  Clock::time_point received_{};
  std::array<char, 16 * 1024> scratch_{};
};

// --- accepting --------------------------------------------------------------------------------------

namespace {

size_t overflow_cap(const ServerOptions& o) { return std::max<size_t>(64, o.max_connections / 4); }

void do_accept(const std::shared_ptr<ServerState>& state) {
  state->acceptor.async_accept(net::make_strand(state->io), [state](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || ec == net::error::bad_descriptor) return;
    if (ec) {
      core::Log::write(core::LogLevel::warn, kComponent, "accept failed: " + ec.message());
    } else {
      const bool overflow = state->open.load() >= state->options.max_connections;
      if (overflow && state->overflow.load() >= overflow_cap(state->options)) {
        // Far beyond the limit: even busy answers would exhaust descriptors.
        beast::error_code ignored;
        socket.close(ignored);
        state->count_busy("any", "connections_dropped");
      } else {
        std::shared_ptr<SessionHandle> handle;
        if (state->tls) {
          handle = std::make_shared<Session<true>>(state, std::move(socket), overflow);
        } else {
          handle = std::make_shared<Session<false>>(state, std::move(socket), overflow);
        }
        std::lock_guard lock(state->mu);
        if (state->stopped) return;
        state->sessions.remove_if([](const std::weak_ptr<SessionHandle>& w) { return w.expired(); });
        state->sessions.push_back(handle);
        handle->launch();
      }
    }
    if (state->is_stopped()) return;
    do_accept(state);
  });
}

}  // namespace

// --- IngestServer -----------------------------------------------------------------------------------

IngestServer::IngestServer(net::io_context& io, ServerOptions options, IngestFn ingest, HealthFn health,
                           core::MetricsRegistry& metrics)
    : io_(io) {
  if (!ingest) throw IngestError("the ingest server needs an IngestFn");
  for (size_t i = 0; i < options.tokens.size(); ++i) {
    const auto& t = options.tokens[i];
    if (t.token.empty()) throw IngestError("ingest token \"" + t.name + "\" has an empty value");
    if (t.name.empty()) throw IngestError("every ingest token needs a name");
    for (size_t j = 0; j < i; ++j) {
      if (options.tokens[j].name == t.name) throw IngestError("two ingest tokens are named \"" + t.name + "\"");
      if (options.tokens[j].token == t.token)
        throw IngestError("ingest tokens \"" + options.tokens[j].name + "\" and \"" + t.name + "\" share a value");
    }
  }
  if (options.tls_cert.empty() != options.tls_key.empty())
    throw IngestError("ingest TLS needs both tls_cert and tls_key");
  if (options.max_connections == 0) throw IngestError("ingest max_connections must be at least 1");
  state_ = std::make_shared<ServerState>(io, std::move(options), std::move(ingest), std::move(health), metrics);
}

IngestServer::~IngestServer() { stop(); }

void IngestServer::start() {
  if (started_) throw IngestError("the ingest server is already started");
  auto& o = state_->options;
  if (!o.tls_cert.empty()) {
    try {
      ssl::context ctx(ssl::context::tls_server);
      ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                      ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
      ctx.use_certificate_chain_file(o.tls_cert);
      ctx.use_private_key_file(o.tls_key, ssl::context::pem);
      state_->tls.emplace(std::move(ctx));
    } catch (const std::exception& e) {
      throw IngestError("cannot load the ingest TLS certificate/key (" + o.tls_cert + ", " + o.tls_key + "): " + e.what());
    }
  }
  const tcp::endpoint ep = parse_listen(o.listen);
  auto& acceptor = state_->acceptor;
  beast::error_code ec;
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec && ep.address().is_v6()) acceptor.set_option(net::ip::v6_only(false), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    acceptor.close(ignored);
    throw IngestError("cannot listen on " + o.listen + ": " + ec.message());
  }
  port_ = acceptor.local_endpoint().port();
  started_ = true;
  net::post(acceptor.get_executor(), [state = state_] { do_accept(state); });
  core::Log::write(core::LogLevel::info, kComponent,
                   std::string("ingest server listening on ") + (state_->tls ? "https://" : "http://") +
                       ep.address().to_string() + ":" + std::to_string(port_));
}

void IngestServer::stop() {
  std::list<std::weak_ptr<SessionHandle>> sessions;
  {
    std::lock_guard lock(state_->mu);
    if (state_->stopped) return;
    state_->stopped = true;
    sessions.swap(state_->sessions);
  }
  if (!started_) return;
  net::post(state_->acceptor.get_executor(), [state = state_] {
    beast::error_code ec;
    state->acceptor.close(ec);
  });
  for (auto& weak : sessions) {
    if (auto s = weak.lock()) s->shut();
  }
}

uint16_t IngestServer::port() const { return port_; }

}  // namespace siemhub::ingest
