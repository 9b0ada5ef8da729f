#include "http_service.hpp"

#include "transfer.hpp"

#include <curl/curl.h>

#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>

namespace siemhub::http {
namespace {

void curl_global_once() {
    static std::once_flag once;
    static CURLcode result = CURLE_OK;
    std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
    if (result != CURLE_OK) {
        throw std::runtime_error(std::string("curl_global_init failed: ")
                                 + curl_easy_strerror(result));
    }
}

void deliver(Completion& done, std::optional<Response> response, std::optional<Failure> failure) {
    if (!done) {
        return;
    }
    try {
        done(std::move(response), std::move(failure));
    } catch (...) { // NOLINT(bugprone-empty-catch): completions must not throw; keep serving
    }
}

void count(RequestMetrics* metrics, std::atomic<uint64_t> RequestMetrics::*counter) {
    if (metrics != nullptr) {
        (metrics->*counter).fetch_add(1, std::memory_order_relaxed);
    }
}

} // namespace

struct HttpService::Impl {
    struct Pending {
        std::unique_ptr<detail::Transfer> transfer;
        ConnectorPolicy policy;
    };

    std::string user_agent;
    CURLM* multi = nullptr;
    std::atomic<uint64_t> next_id{1};

    std::mutex mutex; // guards the three below
    std::vector<Pending> incoming;
    std::vector<uint64_t> cancels;
    bool stopping = false;

    // Worker thread only.
    std::unordered_map<uint64_t, std::unique_ptr<detail::Transfer>> active;
    std::thread worker;

    void run();
    void start(Pending pending);
    void cancel_active(uint64_t id);
    void drain_finished();
    void shut_down();
    static void cancelled(detail::Transfer& t, const char* why);
};

void HttpService::Impl::cancelled(detail::Transfer& t, const char* why) {
    count(t.metrics, &RequestMetrics::cancelled);
    deliver(t.done, std::nullopt, Failure{SIEMHUB_CAT_CANCELLED, why});
}

void HttpService::Impl::start(Pending pending) {
    auto& t = *pending.transfer;
    if (auto failure = detail::prepare(t, pending.policy, user_agent)) {
        count(t.metrics, &RequestMetrics::denied);
        deliver(t.done, std::nullopt, std::move(failure));
        return;
    }
    if (const CURLMcode rc = curl_multi_add_handle(multi, t.easy); rc != CURLM_OK) {
        count(t.metrics, &RequestMetrics::transport_errors);
        deliver(t.done, std::nullopt, Failure{SIEMHUB_CAT_INTERNAL, curl_multi_strerror(rc)});
        return;
    }
    active.emplace(t.id, std::move(pending.transfer));
}

void HttpService::Impl::cancel_active(uint64_t id) {
    const auto it = active.find(id);
    if (it == active.end()) {
        return; // already completed (or never existed)
    }
    auto transfer = std::move(it->second);
    active.erase(it);
    curl_multi_remove_handle(multi, transfer->easy);
    cancelled(*transfer, "request cancelled");
}

void HttpService::Impl::drain_finished() {
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
        if (msg->msg != CURLMSG_DONE) {
            continue;
        }
        const CURLcode rc = msg->data.result; // read before remove_handle invalidates msg
        CURL* easy = msg->easy_handle;
        void* priv = nullptr;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
        const auto it = active.find(static_cast<detail::Transfer*>(priv)->id);
        curl_multi_remove_handle(multi, easy);
        if (it == active.end()) {
            continue;
        }
        auto transfer = std::move(it->second);
        active.erase(it);

        auto outcome = detail::conclude(*transfer, rc);
        RequestMetrics* metrics = transfer->metrics;
        if (auto* response = std::get_if<Response>(&outcome)) {
            if (metrics != nullptr) {
                metrics->count_status(response->status);
                metrics->observe_latency(response->elapsed_ms);
            }
            deliver(transfer->done, std::move(*response), std::nullopt);
        } else {
            auto& failure = std::get<Failure>(outcome);
            if (failure.category == SIEMHUB_CAT_CANCELLED) {
                count(metrics, &RequestMetrics::cancelled);
            } else {
                count(metrics, failure.category == SIEMHUB_CAT_TIMEOUT
                                   ? &RequestMetrics::timeouts
                                   : &RequestMetrics::transport_errors);
                if (metrics != nullptr) {
                    metrics->observe_latency(transfer->elapsed_ms());
                }
            }
            deliver(transfer->done, std::nullopt, std::move(failure));
        }
        // Transfer (easy handle, URL, header list) is freed here, after the completion.
    }
}

void HttpService::Impl::shut_down() {
    auto in_flight = std::move(active);
    active.clear();
    for (auto& [id, transfer] : in_flight) {
        curl_multi_remove_handle(multi, transfer->easy);
        cancelled(*transfer, "HTTP service shutting down");
    }
    // Completions above may have submitted more: cancel until nothing is left.
    for (;;) {
        std::vector<Pending> fresh;
        {
            std::lock_guard lock(mutex);
            fresh.swap(incoming);
            cancels.clear();
        }
        if (fresh.empty()) {
            return;
        }
        for (auto& pending : fresh) {
            cancelled(*pending.transfer, "HTTP service shutting down");
        }
    }
}

void HttpService::Impl::run() {
    for (;;) {
        std::vector<Pending> fresh;
        std::vector<uint64_t> to_cancel;
        {
            std::lock_guard lock(mutex);
            if (stopping) {
                break;
            }
            fresh.swap(incoming);
            to_cancel.swap(cancels);
        }
        for (auto& pending : fresh) {
            start(std::move(pending));
        }
        for (const uint64_t id : to_cancel) {
            cancel_active(id);
        }
        int running = 0;
        curl_multi_perform(multi, &running);
        drain_finished();
        curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
    }
    shut_down();
}

HttpService::HttpService(std::string user_agent) : impl_(std::make_unique<Impl>()) {
    curl_global_once();
    impl_->user_agent = std::move(user_agent);
    impl_->multi = curl_multi_init();
    if (impl_->multi == nullptr) {
        throw std::runtime_error("curl_multi_init failed");
    }
    impl_->worker = std::thread([impl = impl_.get()] { impl->run(); });
}

HttpService::~HttpService() {
    {
        std::lock_guard lock(impl_->mutex);
        impl_->stopping = true;
    }
    curl_multi_wakeup(impl_->multi);
    impl_->worker.join();
    curl_multi_cleanup(impl_->multi);
}

uint64_t HttpService::submit(const ConnectorPolicy& policy, RequestMetrics* metrics,
                             Request request, Completion done) {
    auto transfer = std::make_unique<detail::Transfer>();
    transfer->id = impl_->next_id.fetch_add(1, std::memory_order_relaxed);
    transfer->metrics = metrics;
    transfer->request = std::move(request);
    transfer->done = std::move(done);
    transfer->submitted = std::chrono::steady_clock::now();
    count(metrics, &RequestMetrics::requests);
    const uint64_t id = transfer->id;
    {
        std::lock_guard lock(impl_->mutex);
        impl_->incoming.push_back(Impl::Pending{std::move(transfer), policy});
    }
    curl_multi_wakeup(impl_->multi);
    return id;
}

void HttpService::cancel(uint64_t id) {
    {
        std::lock_guard lock(impl_->mutex);
        impl_->cancels.push_back(id);
    }
    curl_multi_wakeup(impl_->multi);
}

} // namespace siemhub::http
