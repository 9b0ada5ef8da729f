// Helpers shared by the HTTP service tests.
#pragma once

#include "http_service.hpp"

#include <chrono>
#include <future>
#include <optional>
#include <stdexcept>

namespace siemhub::http::test {

struct Outcome {
    std::optional<Response> response;
    std::optional<Failure> failure;
};

/// Completions as futures (completions run on the service worker thread).
inline std::future<Outcome> submit_async(HttpService& service, const ConnectorPolicy& policy,
                                         Request request, RequestMetrics* metrics = nullptr,
                                         uint64_t* id = nullptr) {
    auto promise = std::make_shared<std::promise<Outcome>>();
    auto future = promise->get_future();
    const uint64_t submitted =
        service.submit(policy, metrics, std::move(request),
                       [promise](std::optional<Response> response, std::optional<Failure> failure) {
                           promise->set_value(Outcome{std::move(response), std::move(failure)});
                       });
    if (id != nullptr) {
        *id = submitted;
    }
    return future;
}

inline Outcome wait(std::future<Outcome>& future,
                    std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    if (future.wait_for(limit) != std::future_status::ready) {
        throw std::runtime_error("request did not complete in time");
    }
    return future.get();
}

inline Outcome fetch(HttpService& service, const ConnectorPolicy& policy, Request request,
                     RequestMetrics* metrics = nullptr) {
    auto future = submit_async(service, policy, std::move(request), metrics);
    return wait(future);
}

inline Request get(std::string url) {
    Request request;
    request.url = std::move(url);
    return request;
}

inline ConnectorPolicy loopback_policy(std::string id = "c1") {
    ConnectorPolicy policy;
    policy.connector_id = std::move(id);
    policy.egress_allow = {"127.0.0.1:*"};
    return policy;
}

} // namespace siemhub::http::test
