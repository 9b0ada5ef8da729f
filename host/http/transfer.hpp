// Internal: one in-flight request (a libcurl easy handle and everything it points to).
#pragma once

#include "http_service.hpp"

#include <curl/curl.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace siemhub::http::detail {

struct Transfer {
    uint64_t id = 0;
    RequestMetrics* metrics = nullptr;
    Request request;
    Completion done;
    std::chrono::steady_clock::time_point submitted;

    CURL* easy = nullptr;
    CURLU* url = nullptr;
    curl_slist* header_list = nullptr;
    std::string upload; ///< body as sent (gzipped when asked); libcurl points into it
    Response response;
    std::array<char, CURL_ERROR_SIZE> error_buffer{};
    bool chunk_aborted = false; ///< on_chunk returned false
    bool chunk_threw = false;   ///< on_chunk threw

    Transfer() = default;
    Transfer(const Transfer&) = delete;
    Transfer& operator=(const Transfer&) = delete;
    Transfer(Transfer&&) = delete;
    Transfer& operator=(Transfer&&) = delete;
    ~Transfer(); ///< the easy handle must already be out of the multi handle

    uint32_t elapsed_ms() const;
};

/// Validates the request against the policy and configures `t.easy` (created here).
/// Returns a Failure (nothing connected) when the request must not go out.
std::optional<Failure> prepare(Transfer& t, const ConnectorPolicy& policy,
                               const std::string& user_agent);

/// Outcome of a finished transfer (called after the handle left the multi handle).
std::variant<Response, Failure> conclude(Transfer& t, CURLcode rc);

} // namespace siemhub::http::detail
