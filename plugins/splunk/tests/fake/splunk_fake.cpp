// SplunkFake: state, switches and routing. HEC lives in hec.cpp, REST in rest.cpp.
#include <chrono>
#include <stdexcept>

#include "splunk_fake_impl.hpp"

namespace siemhub::testing::splunk {

namespace {

/// Splunk returns every field value as a string (multi-value fields as arrays of strings).
void stringify_scalars(nlohmann::json& value) {
    if (value.is_number() || value.is_boolean()) {
        value = value.dump();
    } else if (value.is_structured()) {
        for (auto& item : value) {
            stringify_scalars(item);
        }
    }
}

} // namespace

FakeResponse SplunkFake::Impl::handle(const RecordedRequest& request) {
    std::lock_guard lock(mutex);
    if (options.record_requests) {
        recorded.push_back(request);
    }
    const Target target = parse_target(request.target);
    // One port for both APIs: real Splunk serves HEC on 8088 and REST on 8089.
    if (target.path.starts_with("/services/collector")) {
        return handle_hec(*this, request, target);
    }
    return handle_rest(*this, request, target);
}

double SplunkFake::Impl::current_time() const {
    if (now) {
        return *now;
    }
    // The fake stands in for a remote server with its own clock; tests that care pin it.
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

SplunkFake::SplunkFake(SplunkFakeOptions options) : impl_(std::make_unique<Impl>()) {
    impl_->options = options;
    FakeServerOptions server_options;
    server_options.record_requests = false; // the fake records (and clears) itself
    if (options.tls) {
        impl_->cert_dir.emplace();
        impl_->cert = generate_self_signed_cert(impl_->cert_dir->path());
        server_options.tls_cert = impl_->cert.cert;
        server_options.tls_key = impl_->cert.key;
    }
    impl_->server = std::make_unique<FakeHttpServer>(server_options);
    impl_->server->set_handler([impl = impl_.get()](const RecordedRequest& request) {
        return impl->handle(request);
    });
}

SplunkFake::~SplunkFake() {
    impl_->server.reset(); // joins the server thread before the state goes
}

std::string SplunkFake::url() const {
    std::string base = impl_->server->url("/");
    base.pop_back();
    return base;
}

uint16_t SplunkFake::port() const {
    return impl_->server->port();
}

std::filesystem::path SplunkFake::cert_path() const {
    return impl_->cert.cert;
}

void SplunkFake::add_hec_token(HecToken t) {
    std::lock_guard lock(impl_->mutex);
    std::string key = t.token;
    impl_->hec_tokens.insert_or_assign(std::move(key), std::move(t));
}

void SplunkFake::add_bearer_token(std::string token) {
    std::lock_guard lock(impl_->mutex);
    impl_->bearer_tokens.insert(std::move(token));
}

void SplunkFake::add_session_key(std::string key) {
    std::lock_guard lock(impl_->mutex);
    impl_->session_keys.insert(std::move(key));
}

void SplunkFake::add_user(std::string user, std::string password) {
    std::lock_guard lock(impl_->mutex);
    impl_->users.insert_or_assign(std::move(user), std::move(password));
}

void SplunkFake::fail_hec_next(int n, int http_status, std::string body,
                               std::vector<std::pair<std::string, std::string>> headers) {
    std::lock_guard lock(impl_->mutex);
    impl_->hec_fail = {n, http_status, std::move(body), std::move(headers)};
}

void SplunkFake::set_hec_busy(bool busy) {
    std::lock_guard lock(impl_->mutex);
    impl_->hec_busy = busy;
}

void SplunkFake::reject_event_at(int index_in_request) {
    std::lock_guard lock(impl_->mutex);
    impl_->reject_at = index_in_request;
}

void SplunkFake::reject_events_matching(std::string substring) {
    std::lock_guard lock(impl_->mutex);
    impl_->reject_matching = std::move(substring);
}

void SplunkFake::set_ack_mode(AckMode m) {
    std::lock_guard lock(impl_->mutex);
    impl_->ack_mode = m;
}

void SplunkFake::set_ack_after_polls(int n) {
    std::lock_guard lock(impl_->mutex);
    impl_->ack_mode = AckMode::after_polls;
    impl_->ack_after_polls = n;
}

void SplunkFake::set_indexing_delay(double seconds) {
    std::lock_guard lock(impl_->mutex);
    impl_->indexing_delay_s = seconds;
}

void SplunkFake::drop_next_hec_connections(int n) {
    std::lock_guard lock(impl_->mutex);
    impl_->drop_hec = n;
}

void SplunkFake::set_rest_fail_next(int n, int http_status, std::string body) {
    std::lock_guard lock(impl_->mutex);
    impl_->rest_fail = {n, http_status, std::move(body), {}};
}

void SplunkFake::set_export_drop_after(int results) {
    std::lock_guard lock(impl_->mutex);
    impl_->export_drop_after = results;
}

void SplunkFake::set_export_preview_rows(bool on) {
    std::lock_guard lock(impl_->mutex);
    impl_->export_preview = on;
}

void SplunkFake::set_now(std::optional<double> epoch_seconds) {
    std::lock_guard lock(impl_->mutex);
    impl_->now = epoch_seconds;
}

std::vector<HecEvent> SplunkFake::events() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->events;
}

size_t SplunkFake::event_count() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->event_count;
}

uint64_t SplunkFake::hec_requests() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->hec_requests;
}

uint64_t SplunkFake::ack_polls() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->ack_polls;
}

std::vector<RecordedRequest> SplunkFake::requests() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->recorded;
}

bool SplunkFake::wait_for_events(size_t n, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(impl_->mutex);
    return impl_->events_cv.wait_for(lock, timeout, [&] { return impl_->event_count >= n; });
}

void SplunkFake::add_result(nlohmann::json result) {
    if (!result.is_object()) {
        throw std::invalid_argument("SplunkFake::add_result: a result is a JSON object");
    }
    stringify_scalars(result);
    for (const char* key : {"_indextime", "_time"}) {
        if (!result.contains(key) || !result[key].is_string()
            || !parse_splunk_time(result[key].get<std::string>())) {
            throw std::invalid_argument(std::string("SplunkFake::add_result: needs a valid ") + key);
        }
    }
    if (!result.contains("index")) {
        result["index"] = "main";
    }
    std::lock_guard lock(impl_->mutex);
    impl_->results.push_back(std::move(result));
}

std::optional<nlohmann::json> SplunkFake::notable(const std::string& event_id) const {
    std::lock_guard lock(impl_->mutex);
    for (const auto& result : impl_->results) {
        if (result.value("index", "") == "notable" && result.value("event_id", "") == event_id) {
            return with_review(*impl_, result);  // as `notable` shows it
        }
    }
    return std::nullopt;
}

uint64_t SplunkFake::export_requests() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->export_requests;
}

void SplunkFake::clear_requests() {
    std::lock_guard lock(impl_->mutex);
    impl_->recorded.clear();
}

} // namespace siemhub::testing::splunk
