#include "http_fake_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <condition_variable>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility> // before Asio (GCC 12)

namespace siemhub::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using Tcp = boost::asio::ip::tcp;

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return beast::iequals(beast::string_view(a.data(), a.size()),
                          beast::string_view(b.data(), b.size()));
}

struct SessionBase {
    SessionBase() = default;
    SessionBase(const SessionBase&) = delete;
    SessionBase& operator=(const SessionBase&) = delete;
    SessionBase(SessionBase&&) = delete;
    SessionBase& operator=(SessionBase&&) = delete;
    virtual ~SessionBase() = default;
    virtual void close() = 0;
};

constexpr std::size_t max_request_body = std::size_t{64} << 20;
constexpr std::size_t read_buffer_size = std::size_t{64} << 10;

} // namespace

std::optional<std::string> RecordedRequest::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (iequals(key, name)) {
            return value;
        }
    }
    return std::nullopt;
}

namespace {

struct ServerCore {
    std::optional<ssl::context> tls; // outlives the io_context (sessions reference it)
    net::io_context ioc;
    Tcp::acceptor acceptor{ioc};
    uint16_t port = 0;
    std::thread thread;

    mutable std::mutex mutex;
    mutable std::condition_variable recorded_cv;
    std::vector<RecordedRequest> recorded;
    std::size_t request_count = 0;
    bool record_requests = true;
    FakeHandler handler;
    std::atomic<uint64_t> connections{0};

    std::vector<std::weak_ptr<SessionBase>> sessions; // io thread only

    void accept();
    void close_all();
    FakeResponse on_request(const RecordedRequest& request);
};

} // namespace

struct FakeHttpServer::Impl : ServerCore {};

namespace {

template <class Stream>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
public:
    static constexpr bool is_tls = !std::is_same_v<Stream, Tcp::socket>;

    Session(ServerCore& server, Stream stream, uint64_t number)
        : server_(server), stream_(std::move(stream)), timer_(server.ioc), number_(number) {
        // Beast reads max(512, free capacity) bytes per call: without room it would take a
        // 600 KB body in 512-byte recv calls, capping a benchmark far below HEC's rate.
        buffer_.reserve(read_buffer_size);
    }

    void start() {
        if constexpr (is_tls) {
            stream_.async_handshake(ssl::stream_base::server,
                                    [self = this->shared_from_this()](beast::error_code ec) {
                                        if (ec) {
                                            self->close();
                                            return;
                                        }
                                        self->read();
                                    });
        } else {
            read();
        }
    }

    void close() override {
        beast::error_code ec;
        auto& socket = beast::get_lowest_layer(stream_);
        socket.shutdown(Tcp::socket::shutdown_both, ec);
        socket.close(ec);
        timer_.cancel();
    }

private:
    void read() {
        parser_.emplace();
        parser_->body_limit(max_request_body);
        bhttp::async_read(stream_, buffer_, *parser_,
                          [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              self->on_read(ec);
                          });
    }

    void on_read(beast::error_code ec) {
        if (ec) {
            close();
            return;
        }
        auto request = parser_->release();
        keep_alive_ = request.keep_alive();
        RecordedRequest record;
        record.method = std::string(request.method_string());
        record.target = std::string(request.target());
        for (const auto& field : request) {
            record.headers.emplace_back(std::string(field.name_string()),
                                        std::string(field.value()));
        }
        record.raw_body = std::move(request.body());
        record.body = record.raw_body;
        if (const auto encoding = record.header("Content-Encoding");
            encoding && iequals(*encoding, "gzip")) {
            if (auto plain = gunzip(record.raw_body)) {
                record.body = std::move(*plain);
            }
        }
        record.connection = number_;
        response_ = server_.on_request(record);
        if (response_.delay.count() > 0) {
            timer_.expires_after(response_.delay);
            timer_.async_wait([self = this->shared_from_this()](beast::error_code wait_ec) {
                if (!wait_ec) {
                    self->answer();
                }
            });
        } else {
            answer();
        }
    }

    void answer() {
        if (response_.close_without_response) {
            close();
            return;
        }
        if (!response_.chunks.empty()) {
            answer_chunked();
            return;
        }
        message_ = std::make_unique<bhttp::response<bhttp::string_body>>();
        auto& res = *message_;
        res.version(11);
        res.result(static_cast<unsigned>(response_.status));
        fill_headers(res);
        res.body() = response_.body;
        res.keep_alive(keep_alive_);
        res.prepare_payload();
        bhttp::async_write(stream_, res,
                           [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                               self->after_response(ec);
                           });
    }

    void answer_chunked() {
        header_ = std::make_unique<bhttp::response<bhttp::empty_body>>();
        auto& res = *header_;
        res.version(11);
        res.result(static_cast<unsigned>(response_.status));
        fill_headers(res);
        res.keep_alive(keep_alive_);
        res.chunked(true);
        serializer_ = std::make_unique<bhttp::response_serializer<bhttp::empty_body>>(res);
        next_chunk_ = 0;
        bhttp::async_write_header(
            stream_, *serializer_,
            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                if (ec) {
                    self->close();
                    return;
                }
                self->write_chunk();
            });
    }

    void write_chunk() {
        if (next_chunk_ == response_.chunks.size()) {
            net::async_write(stream_, bhttp::make_chunk_last(),
                             [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                                 self->after_response(ec);
                             });
            return;
        }
        const std::string& piece = response_.chunks[next_chunk_++];
        net::async_write(stream_, bhttp::make_chunk(net::buffer(piece)),
                         [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                             if (ec) {
                                 self->close();
                                 return;
                             }
                             if (self->response_.close_after_chunks
                                 && self->next_chunk_ == self->response_.chunks.size()) {
                                 self->close();
                                 return;
                             }
                             self->timer_.expires_after(self->response_.chunk_pause);
                             self->timer_.async_wait([self](beast::error_code wait_ec) {
                                 if (!wait_ec) {
                                     self->write_chunk();
                                 }
                             });
                         });
    }

    template <class Message>
    void fill_headers(Message& res) const {
        res.set(bhttp::field::server, "siemhub-fake");
        bool has_type = false;
        for (const auto& [name, value] : response_.headers) {
            has_type = has_type || iequals(name, "Content-Type");
            res.insert(name, value);
        }
        if (!has_type) {
            res.set(bhttp::field::content_type, "application/json");
        }
    }

    void after_response(beast::error_code ec) {
        if (ec || !keep_alive_) {
            close();
            return;
        }
        message_.reset();
        serializer_.reset();
        header_.reset();
        read();
    }

    ServerCore& server_;
    Stream stream_;
    net::steady_timer timer_;
    uint64_t number_;
    beast::flat_buffer buffer_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    bool keep_alive_ = true;
    FakeResponse response_;
    std::unique_ptr<bhttp::response<bhttp::string_body>> message_;
    std::unique_ptr<bhttp::response<bhttp::empty_body>> header_;
    std::unique_ptr<bhttp::response_serializer<bhttp::empty_body>> serializer_;
    std::size_t next_chunk_ = 0;
};

} // namespace

void ServerCore::accept() {
    acceptor.async_accept(ioc, [this](beast::error_code ec, Tcp::socket socket) {
        if (ec == net::error::operation_aborted || !acceptor.is_open()) {
            return;
        }
        if (!ec) {
            const uint64_t number = connections.fetch_add(1) + 1;
            std::erase_if(sessions, [](const auto& weak) { return weak.expired(); });
            std::shared_ptr<SessionBase> base;
            if (tls) {
                auto session = std::make_shared<Session<ssl::stream<Tcp::socket>>>(
                    *this, ssl::stream<Tcp::socket>(std::move(socket), *tls), number);
                session->start();
                base = session;
            } else {
                auto session =
                    std::make_shared<Session<Tcp::socket>>(*this, std::move(socket), number);
                session->start();
                base = session;
            }
            sessions.push_back(base);
        }
        accept();
    });
}

void ServerCore::close_all() {
    beast::error_code ec;
    acceptor.close(ec);
    for (const auto& weak : sessions) {
        if (auto session = weak.lock()) {
            session->close();
        }
    }
}

FakeResponse ServerCore::on_request(const RecordedRequest& request) {
    FakeHandler current;
    {
        std::lock_guard lock(mutex);
        ++request_count;
        if (record_requests) {
            recorded.push_back(request);
        }
        current = handler;
    }
    recorded_cv.notify_all();
    if (!current) {
        return FakeResponse{};
    }
    try {
        return current(request);
    } catch (const std::exception& e) {
        FakeResponse failed;
        failed.status = 500;
        failed.body = std::string("fake handler threw: ") + e.what();
        return failed;
    }
}

FakeHttpServer::FakeHttpServer(const FakeServerOptions& options) : impl_(std::make_unique<Impl>()) {
    impl_->record_requests = options.record_requests;
    if (!options.tls_cert.empty() && !options.tls_key.empty()) {
        impl_->tls.emplace(ssl::context::tls_server);
        impl_->tls->use_certificate_chain_file(options.tls_cert.string());
        impl_->tls->use_private_key_file(options.tls_key.string(), ssl::context::pem);
    }
    const Tcp::endpoint endpoint(net::ip::make_address_v4("127.0.0.1"), 0);
    impl_->acceptor.open(endpoint.protocol());
    impl_->acceptor.set_option(Tcp::acceptor::reuse_address(true));
    impl_->acceptor.bind(endpoint);
    impl_->acceptor.listen(net::socket_base::max_listen_connections);
    impl_->port = impl_->acceptor.local_endpoint().port();
    impl_->accept();
    impl_->thread = std::thread([impl = impl_.get()] {
        for (;;) {
            try {
                impl->ioc.run();
                return;
            } catch (...) { // NOLINT(bugprone-empty-catch): keep serving after a bad session
            }
        }
    });
}

FakeHttpServer::~FakeHttpServer() {
    net::post(impl_->ioc, [impl = impl_.get()] {
        impl->close_all();
        impl->ioc.stop();
    });
    impl_->thread.join();
}

uint16_t FakeHttpServer::port() const {
    return impl_->port;
}

std::string FakeHttpServer::url(std::string_view path) const {
    return std::string(impl_->tls ? "https" : "http")
           + "://127.0.0.1:" + std::to_string(impl_->port) + std::string(path);
}

void FakeHttpServer::set_handler(FakeHandler handler) {
    std::lock_guard lock(impl_->mutex);
    impl_->handler = std::move(handler);
}

std::vector<RecordedRequest> FakeHttpServer::requests() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->recorded;
}

std::size_t FakeHttpServer::request_count() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->request_count;
}

uint64_t FakeHttpServer::connections_accepted() const {
    return impl_->connections.load();
}

bool FakeHttpServer::wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(impl_->mutex);
    return impl_->recorded_cv.wait_for(lock, timeout, [&] { return impl_->request_count >= n; });
}

uint16_t unused_loopback_port() {
    net::io_context ioc;
    Tcp::acceptor acceptor(ioc, Tcp::endpoint(net::ip::make_address_v4("127.0.0.1"), 0));
    const uint16_t port = acceptor.local_endpoint().port();
    acceptor.close();
    return port;
}

} // namespace siemhub::testing
