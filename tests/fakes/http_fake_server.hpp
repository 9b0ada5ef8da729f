// A loopback HTTP/1.1 server for tests (Boost.Beast): binds 127.0.0.1 on an ephemeral port,
// serves on its own thread, keeps connections alive, optionally speaks TLS, records every
// request and answers from a handler the test sets. Base for vendor fakes (Splunk HEC,
// Elasticsearch...): give it a handler that routes on method and target.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "temp_dir.hpp"

namespace siemhub::testing {

using FakeHeaders = std::vector<std::pair<std::string, std::string>>;

struct RecordedRequest {
    std::string method;
    std::string target; ///< path and query, as sent
    FakeHeaders headers;
    std::string body;        ///< gunzipped when Content-Encoding: gzip (raw if it does not inflate)
    std::string raw_body;    ///< as received
    uint64_t connection = 0; ///< 1-based number of the connection it arrived on

    std::optional<std::string> header(std::string_view name) const; ///< case-insensitive
};

struct FakeResponse {
    int status = 200;
    FakeHeaders headers; ///< Content-Type defaults to application/json
    std::string body = "{}";
    std::chrono::milliseconds delay{0}; ///< wait (timer, not blocking) before answering
    std::vector<std::string> chunks;    ///< non-empty: chunked body in these pieces (body ignored)
    std::chrono::milliseconds chunk_pause{10};
    bool close_without_response = false; ///< read the request, then drop the connection
    /// With chunks: drop the connection after the last piece instead of ending the body
    /// (a stream cut mid-way, e.g. an export search losing its indexer).
    bool close_after_chunks = false;
};

using FakeHandler = std::function<FakeResponse(const RecordedRequest&)>;

struct FakeServerOptions {
    std::filesystem::path tls_cert; ///< PEM; both set = HTTPS
    std::filesystem::path tls_key;
    /// false: requests are only counted (request_count, wait_for_requests), not stored, so a
    /// benchmark at hundreds of thousands of events per second does not copy every body.
    bool record_requests = true;
};

class FakeHttpServer {
public:
    explicit FakeHttpServer(const FakeServerOptions& options = {});
    ~FakeHttpServer(); ///< closes every connection and joins the server thread
    FakeHttpServer(const FakeHttpServer&) = delete;
    FakeHttpServer& operator=(const FakeHttpServer&) = delete;
    FakeHttpServer(FakeHttpServer&&) = delete;
    FakeHttpServer& operator=(FakeHttpServer&&) = delete;

    uint16_t port() const;
    /// "http://127.0.0.1:<port>" + path (https when TLS).
    std::string url(std::string_view path = "/") const;

    /// Called on the server thread, one request at a time. Default: 200 "{}". A throwing
    /// handler yields a 500.
    void set_handler(FakeHandler handler);

    std::vector<RecordedRequest> requests() const; ///< empty when record_requests is false
    std::size_t request_count() const;              ///< counted also when not recorded
    uint64_t connections_accepted() const;
    /// Blocks until at least `n` requests were recorded or `timeout` passed; returns success.
    bool wait_for_requests(std::size_t n,
                           std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// gzip helpers for tests (zlib), independent of the code under test.
std::string gzip(std::string_view data);
std::optional<std::string> gunzip(std::string_view data);

struct CertFiles {
    std::filesystem::path cert; ///< self-signed certificate, PEM (also usable as the CA file)
    std::filesystem::path key;  ///< private key, PEM
};

/// Generates a self-signed EC P-256 certificate (CN "localhost", SAN DNS:localhost and
/// IP:127.0.0.1, valid for a day) and its key into `dir` (OpenSSL 3). Throws on failure.
CertFiles generate_self_signed_cert(const std::filesystem::path& dir);

/// A loopback TCP port nobody listens on (bound then released): connecting is refused.
uint16_t unused_loopback_port();

} // namespace siemhub::testing
