#include "admin/server.hpp"
#include "core/url.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <functional>
#include <limits>
#include <list>
#include <mutex>
#include <optional>
#include <utility>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "core/json_depth.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"
#include "core/transfer_coding.hpp"

namespace siemhub::admin {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace fs = std::filesystem;
using local = net::local::stream_protocol;
using Strand = net::strand<net::io_context::executor_type>;
using Stream = beast::basic_stream<local, Strand>;
using json = nlohmann::json;

namespace {

constexpr std::string_view kComponent = "admin";
constexpr uint32_t kMaxListLimit = 1000;

struct Reply {
  http::status status = http::status::ok;
  json body;
  std::string allow;  // for 405
};

Reply error_reply(http::status status, std::string_view code, std::string message) {
  Reply r;
  r.status = status;
  r.body = json{{"error", code}, {"message", std::move(message)}};
  return r;
}

Reply method_not_allowed(std::string allow) {
  Reply r = error_reply(http::status::method_not_allowed, "method_not_allowed", "use " + allow + " for this route");
  r.allow = std::move(allow);
  return r;
}

std::optional<uint64_t> parse_u64(std::string_view s) {
  uint64_t v = 0;
  if (s.empty() || s.size() > 20) return std::nullopt;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

using core::percent_decode;

// "Bearer <token>" (scheme case-insensitive), compared in constant time.
bool authorized(const http::request<http::string_body>& req, const std::string& token) {
  const auto it = req.find(http::field::authorization);
  if (it == req.end()) return false;
  std::string_view v(it->value().data(), it->value().size());
  constexpr std::string_view kScheme = "bearer ";
  if (v.size() <= kScheme.size()) return false;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(v[i])) != kScheme[i]) return false;
  }
  v.remove_prefix(kScheme.size());
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return constant_time_equal(v, token);
}

// --- request bodies -------------------------------------------------------------------------------

struct DlqBody {
  std::vector<uint64_t> ids;
  std::string sink;
  std::string to_sink;
  bool all = false;
};

// A body as JSON, refused with 400 when it is not JSON or nested deeper than core::kMaxJsonDepth
// (what is read is copied into the calls, and copies recurse once per level).
std::optional<Reply> read_body_json(const std::string& text, json& out) {
  bool too_deep = false;
  out = core::parse_json(text, &too_deep);
  if (too_deep) return error_reply(http::status::bad_request, "bad_json", "the request body is " + core::too_deep_message());
  if (out.is_discarded()) return error_reply(http::status::bad_request, "bad_json", "the request body is not valid JSON");
  return std::nullopt;
}

std::optional<Reply> parse_dlq_body(const std::string& text, bool allow_to_sink, DlqBody& out) {
  json j;
  if (auto bad = read_body_json(text, j)) return bad;
  if (!j.is_object()) return error_reply(http::status::bad_request, "bad_request", "the request body must be a JSON object");
  for (const auto& [key, value] : j.items()) {
    if (key == "ids") {
      if (!value.is_array()) return error_reply(http::status::bad_request, "bad_request", "\"ids\" must be an array of ids");
      for (const auto& id : value) {
        if (!id.is_number_unsigned() && !(id.is_number_integer() && id.get<int64_t>() >= 0)) {
          return error_reply(http::status::bad_request, "bad_request", "\"ids\" must hold non-negative integers");
        }
        out.ids.push_back(id.get<uint64_t>());
      }
    } else if (key == "sink" || (allow_to_sink && key == "to_sink")) {
      if (!value.is_string()) return error_reply(http::status::bad_request, "bad_request", "\"" + key + "\" must be a string");
      (key == "sink" ? out.sink : out.to_sink) = value.get<std::string>();
    } else if (key == "all") {
      if (!value.is_boolean()) return error_reply(http::status::bad_request, "bad_request", "\"all\" must be true or false");
      out.all = value.get<bool>();
    } else {
      return error_reply(http::status::bad_request, "bad_request", "unknown field \"" + key + "\"");
    }
  }
  return std::nullopt;
}

std::optional<Reply> parse_action_body(const std::string& text, ActionCallRequest& out) {
  json j;
  if (auto bad = read_body_json(text, j)) return bad;
  if (!j.is_object()) return error_reply(http::status::bad_request, "bad_request", "the request body must be a JSON object");
  auto bad = [](const std::string& m) { return error_reply(http::status::bad_request, "bad_request", m); };
  for (const auto& [key, value] : j.items()) {
    if (key == "connector" || key == "action" || key == "idempotency_key") {
      if (!value.is_string()) return bad("\"" + key + "\" must be a string");
      (key == "connector" ? out.connector : key == "action" ? out.action : out.idempotency_key) = value.get<std::string>();
    } else if (key == "params") {
      if (!value.is_object()) {
        return error_reply(http::status::bad_request, "invalid_params", "\"params\" must be a JSON object");
      }
      out.params = value;
      out.params_given = true;
    } else if (key == "prior") {
      out.prior = value;
    } else if (key == "simulate" || key == "confirm") {
      if (!value.is_boolean()) return bad("\"" + key + "\" must be true or false");
      (key == "simulate" ? out.simulate : out.confirm) = value.get<bool>();
    } else {
      return bad("unknown field \"" + key +
                 "\" (connector, action, params, idempotency_key, prior, simulate, confirm)");
    }
  }
  if (out.connector.empty() || out.action.empty()) return bad("\"connector\" and \"action\" are required");
  return std::nullopt;
}

Reply refusal_reply(const ActionRefusal& r) {
  Reply reply = error_reply(r.code == "not_found" ? http::status::not_found : http::status::bad_request, r.code, r.message);
  if (r.details.is_object()) {
    for (const auto& [key, value] : r.details.items())
      if (key != "error" && key != "message") reply.body[key] = value;
  }
  return reply;
}

// The answer to a request that completes later (an action call), given exactly once: a completion
// dropped without being called still answers (500) instead of leaving the client waiting.
using Later = std::function<void(Reply)>;
class LaterReply {
 public:
  explicit LaterReply(Later send) : send_(std::move(send)) {}
  ~LaterReply() {
    if (send_) {
      send_(error_reply(http::status::internal_server_error, "internal", "the hub dropped the call without an answer"));
    }
  }
  LaterReply(const LaterReply&) = delete;
  LaterReply& operator=(const LaterReply&) = delete;
  void operator()(Reply r) {
    if (auto send = std::exchange(send_, nullptr)) send(std::move(r));
  }
  void disarm() { send_ = nullptr; }

 private:
  Later send_;
};

// POST /v1/actions/execute|status: checked and started on the control strand, answered when the
// plugin completes or the action's deadline passes (never blocking a thread meanwhile).
std::optional<Reply> start_action(HubControl& control, bool status_call, const std::string& body, const Later& later) {
  ActionCallRequest request;
  if (auto bad = parse_action_body(body, request)) return bad;
  auto once = std::make_shared<LaterReply>(later);
  ActionDone done = [once](json outcome) { (*once)(Reply{http::status::ok, std::move(outcome), {}}); };
  std::optional<ActionRefusal> refused;
  try {
    refused = status_call ? control.action_status(std::move(request), std::move(done))
                          : control.action_execute(std::move(request), std::move(done));
  } catch (...) {
    once->disarm();  // the caller answers 500
    throw;
  }
  if (!refused) return std::nullopt;
  once->disarm();
  return refusal_reply(*refused);
}

// --- routing --------------------------------------------------------------------------------------

// The reply, or nullopt when `later` will get it.
std::optional<Reply> route(HubControl& control, const http::request<http::string_body>& req, const Later& later) {
  const std::string_view target(req.target().data(), req.target().size());
  const size_t q = target.find('?');
  const std::string_view path = target.substr(0, q);
  const std::string_view query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  const auto method = req.method();

  if (path == "/v1/status") {
    if (method != http::verb::get) return method_not_allowed("GET");
    if (!query.empty()) return error_reply(http::status::bad_request, "bad_request", "/v1/status takes no parameters");
    return Reply{http::status::ok, control.status(), {}};
  }

  if (path == "/v1/dlq") {
    if (method != http::verb::get) return method_not_allowed("GET");
    DlqFilter filter;
    std::string_view rest = query;
    while (!rest.empty()) {
      const size_t amp = rest.find('&');
      const std::string_view pair = rest.substr(0, amp);
      rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
      if (pair.empty()) continue;
      const size_t eq = pair.find('=');
      const std::string_view key = pair.substr(0, eq);
      const auto value = percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
      if (!value) return error_reply(http::status::bad_request, "bad_request", "malformed percent-encoding in the query");
      if (key == "sink") {
        filter.sink = *value;
      } else if (key == "after") {
        const auto v = parse_u64(*value);
        if (!v) return error_reply(http::status::bad_request, "bad_request", "\"after\" must be a dead-letter id");
        filter.after_id = *v;
      } else if (key == "limit") {
        const auto v = parse_u64(*value);
        if (!v || *v == 0 || *v > kMaxListLimit) {
          return error_reply(http::status::bad_request, "bad_request",
                             "\"limit\" must be between 1 and " + std::to_string(kMaxListLimit));
        }
        filter.limit = static_cast<uint32_t>(*v);
      } else {
        return error_reply(http::status::bad_request, "bad_request",
                           "unknown query parameter \"" + std::string(key) + "\" (sink, after, limit)");
      }
    }
    json entries = control.dlq_list(filter);
    json next_after = nullptr;
    if (entries.is_array() && entries.size() >= filter.limit && !entries.empty()) {
      const json& last = entries.back();
      if (last.is_object() && last.contains("id")) next_after = last["id"];
    }
    return Reply{http::status::ok, json{{"entries", std::move(entries)}, {"next_after", std::move(next_after)}}, {}};
  }

  if (path == "/v1/dlq/replay" || path == "/v1/dlq/purge") {
    const bool replay = path == "/v1/dlq/replay";
    if (method != http::verb::post) return method_not_allowed("POST");
    DlqBody body;
    if (auto bad = parse_dlq_body(req.body(), replay, body)) return std::move(*bad);
    if (replay) {
      if (body.ids.empty() && (body.sink.empty() || !body.all)) {
        return error_reply(http::status::bad_request, "bad_request",
                           "give \"ids\", or a \"sink\" with \"all\": true to replay all of its entries");
      }
      return Reply{http::status::ok, control.dlq_replay(body.ids, body.sink, body.to_sink), {}};
    }
    if (body.ids.empty() && !body.all) {
      return error_reply(http::status::bad_request, "bad_request",
                         "give \"ids\", or \"all\": true (with or without a \"sink\") to purge whole sinks");
    }
    return Reply{http::status::ok, control.dlq_purge(body.ids, body.sink), {}};
  }

  if (path == "/v1/actions") {
    if (method != http::verb::get) return method_not_allowed("GET");
    if (!query.empty()) return error_reply(http::status::bad_request, "bad_request", "/v1/actions takes no parameters");
    return Reply{http::status::ok, control.actions_list(), {}};
  }

  if (path == "/v1/actions/execute" || path == "/v1/actions/status") {
    if (method != http::verb::post) return method_not_allowed("POST");
    return start_action(control, path == "/v1/actions/status", req.body(), later);
  }

  // /v1/cursors/NAME (GET) and /v1/cursors/NAME/reset (POST {"cursor": "…"}; absent: from the start)
  constexpr std::string_view kCursorPrefix = "/v1/cursors/";
  if (path.substr(0, kCursorPrefix.size()) == kCursorPrefix && path.size() > kCursorPrefix.size()) {
    std::string_view rest = path.substr(kCursorPrefix.size());
    constexpr std::string_view kReset = "/reset";
    const bool reset = rest.size() > kReset.size() && rest.substr(rest.size() - kReset.size()) == kReset;
    if (reset) rest.remove_suffix(kReset.size());
    const auto name = percent_decode(rest);
    if (!name || name->empty() || name->find('/') != std::string::npos)
      return error_reply(http::status::not_found, "not_found", "no such route: " + std::string(path));
    if (!reset) {
      if (method != http::verb::get) return method_not_allowed("GET");
      return Reply{http::status::ok, control.cursor_show(*name), {}};
    }
    if (method != http::verb::post) return method_not_allowed("POST");
    std::string value;
    if (!req.body().empty()) {
      json body;
      if (auto bad = read_body_json(req.body(), body)) return bad;
      if (!body.is_object())
        return error_reply(http::status::bad_request, "bad_request", "the request body must be a JSON object");
      for (const auto& [key, v] : body.items()) {
        if (key != "cursor")
          return error_reply(http::status::bad_request, "bad_request", "unknown field \"" + key + "\" (cursor)");
        if (!v.is_string()) return error_reply(http::status::bad_request, "bad_request", "\"cursor\" must be a string");
        value = v.get<std::string>();
      }
    }
    // Answered once the source has taken it (after its poll in flight): the control strand is free meanwhile.
    auto once = std::make_shared<LaterReply>(later);
    try {
      control.cursor_reset(*name, value, [once](json result, std::string error) {
        if (!error.empty()) {
          (*once)(error_reply(http::status::internal_server_error, "internal", core::redact(error)));
          return;
        }
        (*once)(Reply{http::status::ok, std::move(result), {}});
      });
    } catch (...) {
      once->disarm();  // NotFound: 404; anything else: 500
      throw;
    }
    return std::nullopt;
  }

  constexpr std::string_view kEntryPrefix = "/v1/dlq/";
  if (path.substr(0, kEntryPrefix.size()) == kEntryPrefix && path.size() > kEntryPrefix.size()) {
    const std::string_view id_text = path.substr(kEntryPrefix.size());
    const auto id = parse_u64(id_text);
    if (!id) return error_reply(http::status::not_found, "not_found", "no such route (dead-letter ids are numbers)");
    if (method != http::verb::get) return method_not_allowed("GET");
    auto entry = control.dlq_show(*id);
    if (!entry) return error_reply(http::status::not_found, "not_found", "no dead letter with id " + std::to_string(*id));
    return Reply{http::status::ok, std::move(*entry), {}};
  }

  return error_reply(http::status::not_found, "not_found", "no such route: " + std::string(path));
}

}  // namespace

// --- shared state and sessions --------------------------------------------------------------------

class Session;

namespace detail {
struct AdminServerState {
  AdminServerState(net::io_context& io_in, std::string token_in, HubControl& control_in, AdminServerOptions options_in)
      : io(io_in),
        token(std::move(token_in)),
        control(control_in),
        options(options_in),
        acceptor(net::make_strand(io_in)),
        control_strand(net::make_strand(io_in)) {}

  net::io_context& io;
  const std::string token;
  HubControl& control;
  const AdminServerOptions options;
  local::acceptor acceptor;
  Strand control_strand;

  std::mutex mu;
  bool stopped = false;
  std::list<std::weak_ptr<Session>> sessions;  // guarded by mu
  std::atomic<std::size_t> open{0};

  // The socket file we bound (so stop() never removes a successor's socket).
  dev_t sock_dev = 0;
  ino_t sock_ino = 0;
};
}  // namespace detail

class Session : public std::enable_shared_from_this<Session> {
 public:
  using StatePtr = std::shared_ptr<detail::AdminServerState>;

  Session(StatePtr state, net::basic_stream_socket<local, Strand>&& socket)
      : state_(std::move(state)), stream_(std::move(socket)) {
    ++state_->open;
  }
  ~Session() { --state_->open; }

  void start() { read_header(); }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(local::socket::shutdown_both, ec);
    stream_.close();
  }

  Strand executor() { return stream_.get_executor(); }

 private:
  void read_header() {
    parser_.emplace();
    parser_->header_limit(16 * 1024);
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());  // checked after authentication
    stream_.expires_after(state_->options.read_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::operation_aborted ||
        ec == net::error::connection_reset || ec == net::error::bad_descriptor) {
      return close();
    }
    // basic_stream has already closed the socket on a timeout: nothing can be answered.
    if (ec == beast::error::timeout) return close();
    if (ec) return send(error_reply(http::status::bad_request, "bad_request", "malformed HTTP request"), false);

    const auto& req = parser_->get();
    method_ = std::string(req.method_string());
    target_ = std::string(req.target());
    if (req.find(http::field::transfer_encoding) != req.end()) {
      std::string te, why;
      for (auto [it, end] = req.equal_range(http::field::transfer_encoding); it != end; ++it)
        te += (te.empty() ? "" : ",") + std::string(it->value());
      if (const auto status = core::refuse_transfer_coding(te, why))
        return send(error_reply(static_cast<http::status>(*status), *status == 501 ? "not_implemented" : "bad_request", why),
                    false);
    }
    if (!authorized(req, state_->token)) {
      core::Log::write(core::LogLevel::warn, kComponent,
                       "refused an admin request without a valid bearer token: " + method_ + " " + path_only());
      Reply r = error_reply(http::status::unauthorized, "unauthorized",
                            "a valid \"Authorization: Bearer <token>\" header is required (the token is in admin.token "
                            "in the data directory)");
      return send(std::move(r), false, /*unauthorized=*/true);
    }
    const auto length = parser_->content_length();
    if (length && *length > state_->options.body_limit) return too_large();
    parser_->body_limit(state_->options.body_limit);
    if (parser_->is_done()) return dispatch();
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code e, std::size_t) { self->on_body(e); });
  }

  void on_body(beast::error_code ec) {
    if (ec == http::error::body_limit) return too_large();
    if (ec == beast::error::timeout) return close();  // the stream closed the socket already
    if (ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::operation_aborted ||
        ec == net::error::connection_reset) {
      return close();
    }
    if (ec) return send(error_reply(http::status::bad_request, "bad_request", "malformed HTTP request body"), false);
    dispatch();
  }

  void too_large() {
    send(error_reply(http::status::payload_too_large, "too_large",
                     "the request body is larger than " + std::to_string(state_->options.body_limit) + " bytes"),
         false);
  }

  // One HubControl call at a time, on the control strand; the reply goes back to this session's strand
  // (an action call's reply once the action completes: the strand is free meanwhile).
  void dispatch() {
    auto req = std::make_shared<http::request<http::string_body>>(parser_->release());
    const bool keep_alive = req->keep_alive();
    stream_.expires_never();
    net::post(state_->control_strand, [self = shared_from_this(), req, keep_alive]() {
      auto answer = [self, keep_alive](Reply reply) {
        net::post(self->executor(), [self, reply = std::move(reply), keep_alive]() mutable {
          self->send(std::move(reply), keep_alive);
        });
      };
      std::optional<Reply> reply;
      try {
        reply = route(self->state_->control, *req, answer);
      } catch (const NotFound& e) {
        reply = error_reply(http::status::not_found, "not_found", core::redact(e.what()));
      } catch (const std::exception& e) {
        const std::string msg = core::redact(e.what());
        core::Log::write(core::LogLevel::error, kComponent, self->method_ + " " + self->path_only() + " failed: " + msg);
        reply = error_reply(http::status::internal_server_error, "internal", msg);
      }
      if (reply) answer(std::move(*reply));
    });
  }

  void send(Reply reply, bool keep_alive, bool unauthorized = false) {
    {
      std::lock_guard lock(state_->mu);
      if (state_->stopped) keep_alive = false;
    }
    auto res = std::make_shared<http::response<http::string_body>>(reply.status, 11);
    res->set(http::field::server, "siemhub-admin");
    res->set(http::field::content_type, "application/json");
    res->set(http::field::cache_control, "no-store");
    if (!reply.allow.empty()) res->set(http::field::allow, reply.allow);
    if (unauthorized) res->set(http::field::www_authenticate, "Bearer");
    res->body() = reply.body.dump(-1, ' ', false, json::error_handler_t::replace);
    res->body().push_back('\n');
    res->keep_alive(keep_alive);
    res->prepare_payload();
    if (!method_.empty()) {
      core::Log::write(core::LogLevel::debug, kComponent,
                       method_ + " " + path_only() + " -> " + std::to_string(static_cast<unsigned>(reply.status)));
    }
    stream_.expires_after(state_->options.read_timeout);
    http::async_write(stream_, *res, [self = shared_from_this(), res, keep_alive](beast::error_code ec, std::size_t) {
      if (ec || !keep_alive) return self->close();
      self->method_.clear();
      self->target_.clear();
      self->read_header();
    });
  }

  std::string path_only() const { return target_.substr(0, target_.find('?')); }

  StatePtr state_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string method_;
  std::string target_;
};

namespace {

void do_accept(const std::shared_ptr<detail::AdminServerState>& state) {
  state->acceptor.async_accept(
      net::make_strand(state->io),
      [state](beast::error_code ec, net::basic_stream_socket<local, Strand> socket) {
        if (ec == net::error::operation_aborted || ec == net::error::bad_descriptor) return;
        if (ec) {
          core::Log::write(core::LogLevel::warn, kComponent, "accept failed: " + ec.message());
        } else if (state->open.load() >= state->options.max_connections) {
          core::Log::write(core::LogLevel::warn, kComponent, "too many admin connections; closing a new one");
          beast::error_code ignored;
          socket.close(ignored);
        } else {
          auto session = std::make_shared<Session>(state, std::move(socket));
          std::lock_guard lock(state->mu);
          if (state->stopped) return;  // the session closes as it is destroyed
          state->sessions.remove_if([](const std::weak_ptr<Session>& w) { return w.expired(); });
          state->sessions.push_back(session);
          net::post(session->executor(), [session] { session->start(); });
        }
        {
          std::lock_guard lock(state->mu);
          if (state->stopped) return;
        }
        do_accept(state);
      });
}

std::string errno_text(int err) { return std::strerror(err); }

// Is anyone listening on `path`? Non-blocking, so a hung listener with a full backlog counts as alive.
// Returns true (alive), false (stale: nobody accepts); throws on anything unexpected.
bool someone_answers(const fs::path& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw AdminError("cannot create a socket: " + errno_text(errno));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.native().size());
  const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  const int err = errno;
  ::close(fd);
  if (rc == 0 || err == EAGAIN || err == EINPROGRESS) return true;
  if (err == ECONNREFUSED || err == ENOENT) return false;
  throw AdminError("cannot check the existing admin socket " + path.string() + ": " + errno_text(err));
}

}  // namespace

// --- AdminServer ----------------------------------------------------------------------------------

AdminServer::AdminServer(net::io_context& io, fs::path socket_path, std::string token, HubControl& control,
                         AdminServerOptions options)
    : io_(io),
      path_(std::move(socket_path)),
      state_(std::make_shared<detail::AdminServerState>(io, std::move(token), control, options)) {
  if (state_->token.empty()) throw AdminError("the admin token must not be empty");
}

AdminServer::~AdminServer() { stop(); }

void AdminServer::start() {
  if (started_) throw AdminError("the admin server is already started");
  constexpr size_t kMaxPath = sizeof(sockaddr_un::sun_path) - 1;
  if (path_.native().size() > kMaxPath) {
    throw AdminError("the admin socket path " + path_.string() + " is too long (" +
                     std::to_string(path_.native().size()) + " bytes; Unix sockets allow " + std::to_string(kMaxPath) +
                     "): use a shorter data directory");
  }

  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      throw AdminError(path_.string() + " exists and is not a socket; refusing to replace it (remove it by hand)");
    }
    if (someone_answers(path_)) {
      throw AdminError("another hub is answering on " + path_.string() + "; refusing to start a second admin server");
    }
    if (::unlink(path_.c_str()) != 0 && errno != ENOENT) {
      throw AdminError("cannot remove the stale admin socket " + path_.string() + ": " + errno_text(errno));
    }
    core::Log::write(core::LogLevel::info, kComponent, "removed a stale admin socket " + path_.string());
  } else if (errno != ENOENT) {
    throw AdminError("cannot check " + path_.string() + ": " + errno_text(errno));
  }

  const local::endpoint endpoint(path_.string());
  auto& acceptor = state_->acceptor;
  beast::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (ec) throw AdminError("cannot create the admin socket: " + ec.message());
  // Linux applies the socket inode's mode at bind(): 0600 from the first moment (the data directory
  // is 0700 too); chmod after bind covers systems that ignore it.
  (void)::fchmod(acceptor.native_handle(), 0600);
  acceptor.bind(endpoint, ec);
  if (ec) {
    acceptor.close(ec);
    throw AdminError("cannot bind the admin socket " + path_.string() + ": " + ec.message());
  }
  if (::chmod(path_.c_str(), 0600) != 0 || ::lstat(path_.c_str(), &st) != 0) {
    const int err = errno;
    acceptor.close(ec);
    ::unlink(path_.c_str());
    throw AdminError("cannot restrict the admin socket " + path_.string() + " to mode 0600: " + errno_text(err));
  }
  state_->sock_dev = st.st_dev;
  state_->sock_ino = st.st_ino;
  acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    acceptor.close(ec);
    ::unlink(path_.c_str());
    throw AdminError("cannot listen on the admin socket " + path_.string() + ": " + ec.message());
  }
  started_ = true;
  net::post(acceptor.get_executor(), [state = state_] { do_accept(state); });
  core::Log::write(core::LogLevel::info, kComponent, "admin API listening on " + path_.string());
}

void AdminServer::stop() {
  std::list<std::weak_ptr<Session>> sessions;
  {
    std::lock_guard lock(state_->mu);
    if (state_->stopped) return;
    state_->stopped = true;
    sessions.swap(state_->sessions);
  }
  if (!started_) return;
  // Remove the socket file first so no new client reaches us, but only if it is still ours.
  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0 && st.st_dev == state_->sock_dev && st.st_ino == state_->sock_ino) {
    ::unlink(path_.c_str());
  }
  net::post(state_->acceptor.get_executor(), [state = state_] {
    beast::error_code ec;
    state->acceptor.close(ec);
  });
  for (auto& weak : sessions) {
    if (auto session = weak.lock()) net::post(session->executor(), [session] { session->close(); });
  }
}

}  // namespace siemhub::admin
