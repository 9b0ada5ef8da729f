// HttpService against the loopback fake: happy paths, encodings, policy, streaming, metrics.
#include "http_fake_server.hpp"
#include "http_test_util.hpp"

#include <catch2/catch.hpp>

#include <condition_variable>
#include <ctime>
#include <map>
#include <mutex>
#include <thread>

using namespace siemhub::http;       // NOLINT(google-build-using-namespace): test file
using namespace siemhub::http::test; // NOLINT(google-build-using-namespace): test file
using siemhub::testing::FakeHttpServer;
using siemhub::testing::FakeResponse;
using siemhub::testing::RecordedRequest;

TEST_CASE("reuses one connection for sequential requests to the same host") {
    FakeHttpServer fake;
    HttpService service;
    const auto policy = loopback_policy();
    for (int i = 0; i < 3; ++i) {
        const auto out = fetch(service, policy, get(fake.url("/n/" + std::to_string(i))));
        REQUIRE(out.response);
        CHECK(out.response->status == 200);
        CHECK(out.response->body == "{}");
    }
    CHECK(fake.request_count() == 3);
    CHECK(fake.connections_accepted() == 1);
}

TEST_CASE("sends method headers and body and returns status headers and body") {
    FakeHttpServer fake;
    fake.set_handler([](const RecordedRequest& req) {
        FakeResponse res;
        res.status = 201;
        res.headers = {{"X-Echo", req.method + " " + req.target}};
        res.body = "got:" + req.body;
        return res;
    });
    HttpService service;
    Request req;
    req.method = "PUT";
    req.url = fake.url("/items?x=1");
    req.headers = {{"Authorization", "Splunk secret-token"}, {"X-Empty", ""}};
    req.body = "payload";
    const auto out = fetch(service, loopback_policy(), req);
    REQUIRE(out.response);
    CHECK(out.response->status == 201);
    CHECK(out.response->body == "got:payload");
    CHECK(out.response->header("x-echo") == std::string_view("PUT /items?x=1"));
    const auto seen = fake.requests().at(0);
    CHECK(seen.header("Authorization") == std::string("Splunk secret-token"));
    CHECK(seen.header("X-Empty") == std::string(""));
    CHECK(seen.header("User-Agent") == std::string("siemhub/0.1"));
    CHECK_FALSE(seen.header("Expect"));
}

TEST_CASE("refuses a URL outside the allow-list without connecting") {
    FakeHttpServer fake;
    HttpService service;
    RequestMetrics metrics;
    auto policy = loopback_policy("splunk-prod");
    policy.egress_allow = {"example.com", "127.0.0.1:1"};
    const auto out = fetch(service, policy, get(fake.url("/")), &metrics);
    REQUIRE(out.failure);
    CHECK_FALSE(out.response);
    CHECK(out.failure->category == SIEMHUB_CAT_CONFIG);
    CHECK(out.failure->message
          == "egress to 127.0.0.1:" + std::to_string(fake.port())
                 + " not allowed for connector splunk-prod");
    CHECK(fake.connections_accepted() == 0);
    CHECK(metrics.snapshot().denied == 1);
}

TEST_CASE("an empty allow-list denies all") {
    FakeHttpServer fake;
    HttpService service;
    auto policy = loopback_policy();
    policy.egress_allow.clear();
    const auto out = fetch(service, policy, get(fake.url("/")));
    REQUIRE(out.failure);
    CHECK(out.failure->category == SIEMHUB_CAT_CONFIG);
    CHECK(fake.connections_accepted() == 0);
}

TEST_CASE("refuses non-http schemes even when everything is allowed") {
    HttpService service;
    auto policy = loopback_policy();
    policy.egress_allow = {"*"};
    for (const char* url : {"file:///etc/passwd", "ftp://127.0.0.1/x", "not a url"}) {
        const auto out = fetch(service, policy, get(url));
        REQUIRE(out.failure);
        CHECK(out.failure->category == SIEMHUB_CAT_CONFIG);
        CHECK(out.failure->message.find("passwd") == std::string::npos);
    }
}

TEST_CASE("does not follow redirects so the allow-list cannot be bypassed") {
    FakeHttpServer fake;
    fake.set_handler([](const RecordedRequest&) {
        FakeResponse res;
        res.status = 302;
        res.headers = {{"Location", "http://169.254.169.254/latest/meta-data"}};
        return res;
    });
    HttpService service;
    const auto out = fetch(service, loopback_policy(), get(fake.url("/")));
    REQUIRE(out.response);
    CHECK(out.response->status == 302);
    CHECK(fake.request_count() == 1);
}

TEST_CASE("rejects header values with line breaks without echoing them") {
    FakeHttpServer fake;
    HttpService service;
    auto req = get(fake.url("/"));
    req.headers = {{"Authorization", "secret\r\nX-Injected: 1"}};
    const auto out = fetch(service, loopback_policy(), req);
    REQUIRE(out.failure);
    CHECK(out.failure->category == SIEMHUB_CAT_CONFIG);
    CHECK(out.failure->message.find("secret") == std::string::npos);
    CHECK(fake.connections_accepted() == 0);
}

TEST_CASE("gzips request bodies when asked and the server receives the original after gunzip") {
    FakeHttpServer fake;
    HttpService service;
    std::string original;
    for (int i = 0; i < 500; ++i) {
        original += R"({"event":"login failed","user":"alice","n":)" + std::to_string(i) + "}\n";
    }
    Request req;
    req.method = "POST";
    req.url = fake.url("/services/collector/event");
    req.body = original;
    req.gzip_body = true;
    const auto out = fetch(service, loopback_policy(), req);
    REQUIRE(out.response);
    const auto seen = fake.requests().at(0);
    CHECK(seen.header("Content-Encoding") == std::string("gzip"));
    CHECK(seen.body == original);
    CHECK(seen.raw_body.size() < original.size() / 4);
}

TEST_CASE("decompresses gzip responses and passes them raw when decompress is off") {
    const std::string original(20000, 'a');
    FakeHttpServer fake;
    fake.set_handler([&](const RecordedRequest& req) {
        FakeResponse res;
        if (req.header("Accept-Encoding").value_or("").find("gzip") != std::string::npos) {
            res.headers = {{"Content-Encoding", "gzip"}};
            res.body = siemhub::testing::gzip(original);
        } else {
            res.body = "identity";
        }
        return res;
    });
    HttpService service;
    const auto decoded = fetch(service, loopback_policy(), get(fake.url("/")));
    REQUIRE(decoded.response);
    CHECK(decoded.response->body == original);

    auto raw_req = get(fake.url("/"));
    raw_req.decompress = false;
    raw_req.headers = {{"Accept-Encoding", "gzip"}};
    const auto raw = fetch(service, loopback_policy(), raw_req);
    REQUIRE(raw.response);
    REQUIRE(raw.response->body.size() > 2);
    CHECK(static_cast<unsigned char>(raw.response->body[0]) == 0x1f);
    CHECK(static_cast<unsigned char>(raw.response->body[1]) == 0x8b);
    CHECK(siemhub::testing::gunzip(raw.response->body) == original);
}

TEST_CASE("reports 503 with Retry-After seconds as retry_after_ms") {
    FakeHttpServer fake;
    fake.set_handler([](const RecordedRequest&) {
        FakeResponse res;
        res.status = 503;
        res.headers = {{"Retry-After", "7"}};
        res.body = R"({"text":"Server is busy","code":9})";
        return res;
    });
    HttpService service;
    const auto out = fetch(service, loopback_policy(), get(fake.url("/")));
    REQUIRE(out.response);
    CHECK(out.response->status == 503);
    CHECK(out.response->retry_after_ms == 7000);
}

TEST_CASE("reports 503 with a Retry-After HTTP date as retry_after_ms") {
    const std::time_t when = std::time(nullptr) + 30;
    std::tm tm{};
    gmtime_r(&when, &tm);
    char date[64];
    std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    FakeHttpServer fake;
    fake.set_handler([&](const RecordedRequest&) {
        FakeResponse res;
        res.status = 503;
        res.headers = {{"Retry-After", date}};
        return res;
    });
    HttpService service;
    const auto out = fetch(service, loopback_policy(), get(fake.url("/")));
    REQUIRE(out.response);
    CHECK(out.response->status == 503);
    CHECK(out.response->retry_after_ms > 27000);
    CHECK(out.response->retry_after_ms <= 30000);
}

TEST_CASE("streams a chunked body through on_chunk") {
    FakeHttpServer fake;
    fake.set_handler([](const RecordedRequest&) {
        FakeResponse res;
        res.chunks = {R"({"result":1})"
                      "\n",
                      R"({"result":2})"
                      "\n",
                      R"({"result":3})"
                      "\n"};
        res.chunk_pause = std::chrono::milliseconds(20);
        return res;
    });
    HttpService service;
    std::string streamed;
    int calls = 0;
    auto req = get(fake.url("/services/search/jobs/export"));
    req.on_chunk = [&](std::string_view piece) {
        streamed.append(piece);
        ++calls;
        return true;
    };
    const auto out = fetch(service, loopback_policy(), req);
    REQUIRE(out.response);
    CHECK(out.response->status == 200);
    CHECK(out.response->body.empty());
    CHECK(streamed == "{\"result\":1}\n{\"result\":2}\n{\"result\":3}\n");
    CHECK(calls >= 2);
}

TEST_CASE("aborting from on_chunk gives CANCELLED") {
    FakeHttpServer fake;
    fake.set_handler([](const RecordedRequest&) {
        FakeResponse res;
        res.chunks = {"first", "second", "third"};
        return res;
    });
    HttpService service;
    RequestMetrics metrics;
    auto req = get(fake.url("/"));
    req.on_chunk = [](std::string_view) {
        return false;
    };
    const auto out = fetch(service, loopback_policy(), req, &metrics);
    REQUIRE(out.failure);
    CHECK(out.failure->category == SIEMHUB_CAT_CANCELLED);
    CHECK(metrics.snapshot().cancelled == 1);
}

TEST_CASE("counts metrics per connector") {
    FakeHttpServer fake;
    fake.set_handler([](const RecordedRequest& req) {
        FakeResponse res;
        res.status = req.target == "/fail" ? 503 : 200;
        res.body = "0123456789";
        return res;
    });
    HttpService service;
    RequestMetrics splunk;
    RequestMetrics elastic;
    Request post;
    post.method = "POST";
    post.url = fake.url("/ok");
    post.body = "abcde";
    REQUIRE(fetch(service, loopback_policy("splunk"), post, &splunk).response);
    REQUIRE(fetch(service, loopback_policy("splunk"), post, &splunk).response);
    REQUIRE(fetch(service, loopback_policy("elastic"), get(fake.url("/fail")), &elastic).response);

    const auto s = splunk.snapshot();
    CHECK(s.requests == 2);
    CHECK(s.responses_2xx == 2);
    CHECK(s.responses_5xx == 0);
    CHECK(s.bytes_out == 10);
    CHECK(s.bytes_in == 20);
    CHECK(s.latency_count == 2);
    uint64_t bucketed = 0;
    for (const auto n : s.latency_buckets) {
        bucketed += n;
    }
    CHECK(bucketed == 2);

    const auto e = elastic.snapshot();
    CHECK(e.requests == 1);
    CHECK(e.responses_2xx == 0);
    CHECK(e.responses_5xx == 1);
    CHECK(e.bytes_in == 10);
    CHECK(e.latency_count == 1);
}

TEST_CASE("many concurrent requests all complete exactly once") {
    constexpr int total = 200;
    FakeHttpServer fake;
    RequestMetrics metrics;
    std::mutex mutex;
    std::condition_variable cv;
    std::map<uint64_t, int> completions;
    int ok = 0;
    {
        HttpService service;
        const auto policy = loopback_policy();
        std::vector<std::thread> submitters;
        submitters.reserve(4);
        for (int t = 0; t < 4; ++t) {
            submitters.emplace_back([&, t] {
                for (int i = 0; i < total / 4; ++i) {
                    const auto key =
                        static_cast<uint64_t>(t) * (total / 4) + static_cast<uint64_t>(i);
                    service.submit(policy, &metrics, get(fake.url("/")),
                                   [&, key](const std::optional<Response>& response,
                                            const std::optional<Failure>&) {
                                       std::lock_guard lock(mutex);
                                       ++completions[key];
                                       ok += (response && response->status == 200) ? 1 : 0;
                                       cv.notify_all();
                                   });
                }
            });
        }
        for (auto& t : submitters) {
            t.join();
        }
        std::unique_lock lock(mutex);
        REQUIRE(cv.wait_for(lock, std::chrono::seconds(60),
                            [&] { return completions.size() == total; }));
    } // destroying the service must not complete anything a second time
    CHECK(completions.size() == static_cast<std::size_t>(total));
    for (const auto& [key, n] : completions) {
        CHECK(n == 1);
    }
    CHECK(ok == total);
    CHECK(metrics.snapshot().responses_2xx == static_cast<uint64_t>(total));
    CHECK(fake.request_count() == static_cast<std::size_t>(total));
}

TEST_CASE("a completion may submit the next request") {
    FakeHttpServer fake;
    HttpService service;
    const auto policy = loopback_policy();
    std::promise<int> second;
    service.submit(policy, nullptr, get(fake.url("/1")),
                   [&](const std::optional<Response>&, const std::optional<Failure>&) {
                       service.submit(
                           policy, nullptr, get(fake.url("/2")),
                           [&](const std::optional<Response>& r, const std::optional<Failure>&) {
                               second.set_value(r ? r->status : -1);
                           });
                   });
    auto f = second.get_future();
    REQUIRE(f.wait_for(std::chrono::seconds(20)) == std::future_status::ready);
    CHECK(f.get() == 200);
}
