// The host's HTTP client service: every plugin HTTP call goes through here, so the host owns
// proxy, CA bundle, TLS policy, timeouts, the egress allow-list and request metrics.
//
// THREADING: one HttpService per process owns ONE libcurl multi handle driven by ONE worker
// thread (curl_multi_poll + curl_multi_wakeup); connections are pooled and reused across
// requests and connectors. submit() and cancel() are thread-safe and never block on I/O.
// Completions and on_chunk callbacks run ON THE WORKER THREAD: keep them short and non-blocking
// (re-post onto your own executor / the instance strand). They may call submit() and cancel()
// but must not destroy the HttpService. Exceptions thrown by a completion are swallowed.
#pragma once

#include "egress_policy.hpp"
#include "request_metrics.hpp"

#include <siemhub/plugin.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace siemhub::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

/// Case-insensitive lookup of the first header called `name`.
std::optional<std::string_view> find_header(const Headers& headers, std::string_view name);

/// Network policy of one connector instance.
struct ConnectorPolicy {
    std::string connector_id;
    bool verify_tls = true; ///< verify peer certificate and host name
    std::string ca_file;    ///< optional CA bundle (PEM); empty = system bundle
    std::string proxy;      ///< optional proxy URL; empty = no proxy (environment ignored)
    std::vector<std::string> egress_allow;    ///< EgressRule patterns; empty denies all; "*" all
    std::chrono::milliseconds timeout{30000}; ///< whole request; 0 = none
    std::chrono::milliseconds connect_timeout{10000}; ///< 0 = libcurl default
};

struct Request {
    std::string method = "GET";
    std::string url; ///< absolute http(s) URL
    Headers headers; ///< values are never logged nor echoed in failure messages
    std::string body;
    bool gzip_body = false; ///< gzip `body` and send Content-Encoding: gzip
    bool decompress = true; ///< advertise and decode gzip/deflate; false = body as received
    std::chrono::milliseconds timeout{0}; ///< 0 = ConnectorPolicy::timeout
    /// Optional: receives the (decoded) response body piece by piece, on the worker thread,
    /// whatever the status; Response::body then stays empty. Return false to abort: the
    /// completion then reports SIEMHUB_CAT_CANCELLED.
    std::function<bool(std::string_view)> on_chunk;
};

struct Response {
    int status = 0;
    Headers headers; ///< of the final response, in order received
    std::string body;
    uint32_t retry_after_ms = 0; ///< parsed Retry-After (seconds or HTTP-date), 0 if absent
    uint32_t elapsed_ms = 0;     ///< submit to completion

    std::optional<std::string_view> header(std::string_view name) const {
        return find_header(headers, name);
    }
};

struct Failure {
    uint32_t category = SIEMHUB_CAT_INTERNAL; ///< SIEMHUB_CAT_*
    std::string message;                      ///< never contains header values or the URL
};

/// Exactly one of the two is set. Any HTTP status, 4xx/5xx included, is a Response.
using Completion = std::function<void(std::optional<Response>, std::optional<Failure>)>;

class HttpService {
public:
    explicit HttpService(std::string user_agent = "siemhub/0.1");
    /// Completes everything still pending with SIEMHUB_CAT_CANCELLED (on the worker thread),
    /// then joins it. Must not be called from a completion.
    ~HttpService();
    HttpService(const HttpService&) = delete;
    HttpService& operator=(const HttpService&) = delete;
    HttpService(HttpService&&) = delete;
    HttpService& operator=(HttpService&&) = delete;

    /// Queues a request; `done` runs exactly once on the worker thread. The policy is copied;
    /// `metrics` (may be null) must outlive the completion. Returns an id > 0 for cancel().
    /// Failures (all through `done`): CONFIG for a URL outside the allow-list, a non-http(s)
    /// URL, an invalid request or a TLS verification failure; TRANSIENT for DNS, refused or
    /// reset connections; TIMEOUT; CANCELLED.
    uint64_t submit(const ConnectorPolicy& policy, RequestMetrics* metrics, Request request,
                    Completion done);

    /// Completes a pending request with SIEMHUB_CAT_CANCELLED (asynchronously, on the worker);
    /// no-op when it already completed or the id is unknown.
    void cancel(uint64_t id);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// SIEMHUB_CAT_* for a libcurl transfer error (exposed for tests and plugins' adapters).
uint32_t category_for_curl_code(int curl_code);

} // namespace siemhub::http
