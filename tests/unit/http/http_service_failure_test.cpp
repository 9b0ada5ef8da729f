// HttpService failure paths: timeouts, refused connections, TLS policy, cancellation.
#include "http_fake_server.hpp"
#include "http_test_util.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <memory>

using namespace siemhub::http;       // NOLINT(google-build-using-namespace): test file
using namespace siemhub::http::test; // NOLINT(google-build-using-namespace): test file
using siemhub::testing::FakeHttpServer;
using siemhub::testing::FakeResponse;
using siemhub::testing::RecordedRequest;

namespace {
FakeResponse slow(std::chrono::milliseconds delay) {
    FakeResponse res;
    res.delay = delay;
    return res;
}
} // namespace

TEST_CASE("times out a slow server as TIMEOUT") {
    FakeHttpServer fake;
    fake.set_handler([](const RecordedRequest&) { return slow(std::chrono::seconds(5)); });
    HttpService service;
    RequestMetrics metrics;
    auto req = get(fake.url("/"));
    req.timeout = std::chrono::milliseconds(200);
    const auto out = fetch(service, loopback_policy(), req, &metrics);
    REQUIRE(out.failure);
    CHECK(out.failure->category == SIEMHUB_CAT_TIMEOUT);
    CHECK(metrics.snapshot().timeouts == 1);
    CHECK(metrics.snapshot().latency_count == 1);
}

TEST_CASE("uses the connector timeout when the request sets none") {
    FakeHttpServer fake;
    fake.set_handler([](const RecordedRequest&) { return slow(std::chrono::seconds(5)); });
    HttpService service;
    auto policy = loopback_policy();
    policy.timeout = std::chrono::milliseconds(150);
    const auto out = fetch(service, policy, get(fake.url("/")));
    REQUIRE(out.failure);
    CHECK(out.failure->category == SIEMHUB_CAT_TIMEOUT);
}

TEST_CASE("reports connection refused on a closed port as TRANSIENT") {
    HttpService service;
    RequestMetrics metrics;
    const auto port = siemhub::testing::unused_loopback_port();
    const auto out = fetch(service, loopback_policy(),
                           get("http://127.0.0.1:" + std::to_string(port) + "/"), &metrics);
    REQUIRE(out.failure);
    CHECK(out.failure->category == SIEMHUB_CAT_TRANSIENT);
    CHECK_FALSE(out.failure->message.empty());
    CHECK(metrics.snapshot().transport_errors == 1);
}

TEST_CASE("reports a connection dropped without response as TRANSIENT") {
    FakeHttpServer fake;
    fake.set_handler([](const RecordedRequest&) {
        FakeResponse res;
        res.close_without_response = true;
        return res;
    });
    HttpService service;
    const auto out = fetch(service, loopback_policy(), get(fake.url("/")));
    REQUIRE(out.failure);
    CHECK(out.failure->category == SIEMHUB_CAT_TRANSIENT);
}

TEST_CASE("rejects a self-signed TLS server by default and accepts it with ca_file") {
    siemhub::testing::TempDir dir;
    const auto cert = siemhub::testing::generate_self_signed_cert(dir.path());
    FakeHttpServer fake({cert.cert, cert.key});
    REQUIRE(fake.url("/").rfind("https://", 0) == 0);
    HttpService service;
    auto policy = loopback_policy();

    const auto rejected = fetch(service, policy, get(fake.url("/")));
    REQUIRE(rejected.failure);
    CHECK(rejected.failure->category == SIEMHUB_CAT_CONFIG);
    CHECK_THAT(rejected.failure->message, Catch::Contains("certificate"));

    policy.ca_file = cert.cert.string();
    const auto accepted = fetch(service, policy, get(fake.url("/")));
    REQUIRE(accepted.response);
    CHECK(accepted.response->status == 200);

    auto insecure = loopback_policy();
    insecure.verify_tls = false;
    const auto unverified = fetch(service, insecure, get(fake.url("/")));
    REQUIRE(unverified.response);
    CHECK(unverified.response->status == 200);
}

TEST_CASE("reports a missing CA file as CONFIG") {
    siemhub::testing::TempDir dir;
    const auto cert = siemhub::testing::generate_self_signed_cert(dir.path());
    FakeHttpServer fake({cert.cert, cert.key});
    HttpService service;
    auto policy = loopback_policy();
    policy.ca_file = (dir.path() / "missing.pem").string();
    const auto out = fetch(service, policy, get(fake.url("/")));
    REQUIRE(out.failure);
    CHECK(out.failure->category == SIEMHUB_CAT_CONFIG);
}

TEST_CASE("cancel of a pending request completes it with CANCELLED") {
    FakeHttpServer fake;
    fake.set_handler([](const RecordedRequest&) { return slow(std::chrono::seconds(30)); });
    HttpService service;
    RequestMetrics metrics;
    uint64_t id = 0;
    auto future = submit_async(service, loopback_policy(), get(fake.url("/")), &metrics, &id);
    CHECK(id > 0);
    REQUIRE(fake.wait_for_requests(1));
    service.cancel(id);
    const auto out = wait(future, std::chrono::seconds(5));
    REQUIRE(out.failure);
    CHECK(out.failure->category == SIEMHUB_CAT_CANCELLED);
    CHECK(metrics.snapshot().cancelled == 1);
    service.cancel(id); // already completed: no-op
    service.cancel(987654321);
}

TEST_CASE("cancel right after submit completes with CANCELLED or a result exactly once") {
    FakeHttpServer fake;
    HttpService service;
    std::atomic<int> calls{0};
    std::promise<void> done;
    const auto id =
        service.submit(loopback_policy(), nullptr, get(fake.url("/")),
                       [&](const std::optional<Response>& r, const std::optional<Failure>& f) {
                           CHECK((r.has_value() != f.has_value()));
                           if (f) {
                               CHECK(f->category == SIEMHUB_CAT_CANCELLED);
                           }
                           if (calls.fetch_add(1) == 0) {
                               done.set_value();
                           }
                       });
    service.cancel(id);
    REQUIRE(done.get_future().wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    service.cancel(id);
    CHECK(calls.load() == 1);
}

TEST_CASE("destroying the service with pending requests completes them with CANCELLED") {
    FakeHttpServer fake;
    fake.set_handler([](const RecordedRequest&) { return slow(std::chrono::seconds(30)); });
    RequestMetrics metrics;
    std::atomic<int> cancelled{0};
    std::atomic<int> other{0};
    {
        HttpService service;
        for (int i = 0; i < 3; ++i) {
            service.submit(loopback_policy(), &metrics, get(fake.url("/")),
                           [&](const std::optional<Response>&, const std::optional<Failure>& f) {
                               if (f && f->category == SIEMHUB_CAT_CANCELLED) {
                                   ++cancelled;
                               } else {
                                   ++other;
                               }
                           });
        }
        REQUIRE(fake.wait_for_requests(3));
        // One more that the worker may not even have started yet.
        service.submit(loopback_policy(), &metrics, get(fake.url("/")),
                       [&](const std::optional<Response>&, const std::optional<Failure>& f) {
                           if (f && f->category == SIEMHUB_CAT_CANCELLED) {
                               ++cancelled;
                           } else {
                               ++other;
                           }
                       });
    }
    CHECK(cancelled.load() == 4);
    CHECK(other.load() == 0);
    CHECK(metrics.snapshot().cancelled == 4);
}
