// Tests of the Splunk fake itself, over real loopback HTTP with a tiny blocking Beast client.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility> // before Asio (GCC 12)
#include <vector>

#include "splunk_fake.hpp"

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using Tcp = boost::asio::ip::tcp;
using nlohmann::json;
using siemhub::testing::FakeHeaders;
using namespace siemhub::testing::splunk;

const std::string channel_a = "11111111-2222-3333-4444-555555555555";
const std::string channel_b = "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE";

struct Reply {
    int status = 0;
    FakeHeaders headers;
    std::string body;
    bool complete = false; ///< false: the server closed before the end of the message

    std::optional<std::string> header(std::string_view name) const {
        for (const auto& [key, value] : headers) {
            if (beast::iequals(key, beast::string_view(name.data(), name.size()))) {
                return value;
            }
        }
        return std::nullopt;
    }
    json json_body() const { return json::parse(body); }
};

/// One keep-alive connection to the fake; each call sends a request and reads the answer.
class Client {
public:
    explicit Client(uint16_t port) : socket_(ioc_) {
        socket_.connect(Tcp::endpoint(net::ip::make_address_v4("127.0.0.1"), port));
    }

    Reply send(bhttp::verb method, const std::string& target, const std::string& body = {},
               const FakeHeaders& headers = {}) {
        bhttp::request<bhttp::string_body> request{method, target, 11};
        request.set(bhttp::field::host, "127.0.0.1");
        for (const auto& [name, value] : headers) {
            request.set(name, value);
        }
        request.body() = body;
        request.prepare_payload();
        bhttp::write(socket_, request);
        return read();
    }

    Reply post(const std::string& target, const std::string& body, const FakeHeaders& headers = {}) {
        return send(bhttp::verb::post, target, body, headers);
    }

    /// Sends pre-serialized request bytes (the benchmark), then reads one answer.
    Reply send_raw(const std::string& bytes) {
        net::write(socket_, net::buffer(bytes));
        return read();
    }

private:
    Reply read() {
        bhttp::response_parser<bhttp::string_body> parser;
        parser.body_limit(std::size_t{64} << 20);
        beast::error_code ec;
        bhttp::read(socket_, buffer_, parser, ec);
        Reply reply;
        reply.complete = !ec;
        if (!parser.is_header_done()) {
            return reply; // status 0: closed without an answer
        }
        const auto& message = parser.get();
        reply.status = static_cast<int>(message.result_int());
        for (const auto& f : message) {
            reply.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
        }
        reply.body = message.body();
        return reply;
    }

    net::io_context ioc_;
    Tcp::socket socket_;
    beast::flat_buffer buffer_;
};

FakeHeaders splunk_auth(const std::string& token, FakeHeaders more = {}) {
    more.emplace_back("Authorization", "Splunk " + token);
    return more;
}

std::string basic(const std::string& user, const std::string& password) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const std::string plain = user + ":" + password;
    std::string out;
    for (size_t i = 0; i < plain.size(); i += 3) {
        uint32_t n = static_cast<uint32_t>(static_cast<unsigned char>(plain[i])) << 16;
        if (i + 1 < plain.size()) {
            n |= static_cast<uint32_t>(static_cast<unsigned char>(plain[i + 1])) << 8;
        }
        if (i + 2 < plain.size()) {
            n |= static_cast<unsigned char>(plain[i + 2]);
        }
        out += alphabet[(n >> 18) & 63U];
        out += alphabet[(n >> 12) & 63U];
        out += i + 1 < plain.size() ? alphabet[(n >> 6) & 63U] : '=';
        out += i + 2 < plain.size() ? alphabet[n & 63U] : '=';
    }
    return "Basic " + out;
}

std::string envelope(int i, const std::string& extra = {}) {
    return R"({"time":1769509500.)" + std::to_string(i % 1000) + R"(,"host":"h","sourcetype":"st","event":{"n":)"
           + std::to_string(i) + "}" + extra + "}";
}

std::string batch(int n) {
    std::string body;
    for (int i = 0; i < n; ++i) {
        body += envelope(i) + "\n";
    }
    return body;
}

/// Tokens "tok" (any index), "acktok" (ack), "off" (disabled), "narrow" (index web only).
void add_tokens(SplunkFake& fake) {
    auto token = [](std::string value, std::string name) {
        HecToken t;
        t.token = std::move(value);
        t.name = std::move(name);
        return t;
    };
    fake.add_hec_token(token("tok", "plain"));
    HecToken acked = token("acktok", "acked");
    acked.use_ack = true;
    fake.add_hec_token(acked);
    HecToken off = token("off", "disabled");
    off.enabled = false;
    fake.add_hec_token(off);
    HecToken narrow = token("narrow", "narrow");
    narrow.indexes = {"web"};
    narrow.default_index = "web";
    fake.add_hec_token(narrow);
}

void check_hec(const Reply& reply, int status, int code) {
    INFO(reply.body);
    CHECK(reply.status == status);
    CHECK(reply.json_body().at("code") == code);
}

void check_partial(const Reply& reply, int code, int k) {
    INFO(reply.body);
    REQUIRE(reply.status == 400);
    const json body = reply.json_body();
    CHECK(body.at("code") == code);
    CHECK(body.at("invalid-event-number") == k);
}

std::vector<int> event_numbers(const SplunkFake& fake) {
    std::vector<int> out;
    for (const auto& e : fake.events()) {
        out.push_back(e.envelope.at("event").at("n").get<int>());
    }
    return out;
}

std::string form_escape(const std::string& text) {
    std::string out;
    for (const char c : text) {
        if (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.') {
            out.push_back(c);
        } else if (c == ' ') {
            out.push_back('+');
        } else {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
            out += buf;
        }
    }
    return out;
}

std::string form(const std::vector<std::pair<std::string, std::string>>& fields) {
    std::string out;
    for (const auto& [key, value] : fields) {
        out += (out.empty() ? "" : "&") + form_escape(key) + "=" + form_escape(value);
    }
    return out;
}

std::vector<json> lines_of(const std::string& body) {
    std::vector<json> out;
    size_t start = 0;
    while (start < body.size()) {
        size_t end = body.find('\n', start);
        if (end == std::string::npos) {
            end = body.size();
        }
        if (end > start) {
            out.push_back(json::parse(body.substr(start, end - start)));
        }
        start = end + 1;
    }
    return out;
}

const FakeHeaders bearer{{"Authorization", "Bearer rest-token"}};

} // namespace

TEST_CASE("HEC accepts the Splunk scheme and Basic with the token as password, and nothing else",
          "[splunk_fake][hec]") {
    SplunkFake fake;
    add_tokens(fake);
    Client client(fake.port());
    const std::string body = envelope(1);

    check_hec(client.post("/services/collector/event", body, splunk_auth("tok")), 200, 0);
    check_hec(client.post("/services/collector/event", body, {{"Authorization", basic("anyone", "tok")}}), 200, 0);
    check_hec(client.post("/services/collector/event", body), 401, 2);
    check_hec(client.post("/services/collector/event", body, {{"Authorization", "Bearer tok"}}), 401, 3);
    check_hec(client.post("/services/collector/event", body, {{"Authorization", "Splunk"}}), 401, 3);
    check_hec(client.post("/services/collector/event", body, {{"Authorization", "Basic !!!"}}), 401, 3);
    check_hec(client.post("/services/collector/event", body, splunk_auth("nope")), 403, 4);
    check_hec(client.post("/services/collector/event", body, splunk_auth("off")), 403, 1);
    check_hec(client.post("/services/collector/event?token=tok", body), 400, 16);
    CHECK(client.post("/services/collector/event", body, splunk_auth("tok")).body
          == R"({"text":"Success","code":0})");
    CHECK(fake.event_count() == 3);
    CHECK(fake.hec_requests() == 10);
    const auto events = fake.events();
    REQUIRE(events.size() == 3);
    CHECK(events[0].token_name == "plain");
    CHECK(events[0].index == "main");
    CHECK(events[0].request == 1);
    CHECK(events[2].request == 10);
}

TEST_CASE("HEC serves /services/collector, /event/1.0 and answers 404 elsewhere", "[splunk_fake][hec]") {
    SplunkFake fake;
    add_tokens(fake);
    Client client(fake.port());
    check_hec(client.post("/services/collector", envelope(1), splunk_auth("tok")), 200, 0);
    check_hec(client.post("/services/collector/event/1.0", envelope(2), splunk_auth("tok")), 200, 0);
    CHECK(client.post("/services/collector/nothing", envelope(3), splunk_auth("tok")).status == 404);
    CHECK(fake.event_count() == 2);
}

TEST_CASE("a malformed envelope k keeps exactly the events before it (code 6, 12, 13, 15, 7)",
          "[splunk_fake][hec]") {
    SplunkFake fake;
    add_tokens(fake);
    Client client(fake.port());
    const std::string good = envelope(0) + envelope(1); // no separator: concatenation is enough

    SECTION("invalid JSON is code 6") {
        check_partial(client.post("/services/collector/event", good + R"({"event":)" + envelope(3),
                                  splunk_auth("tok")), 6, 2);
    }
    SECTION("a JSON array is code 6") {
        check_partial(client.post("/services/collector/event", good + "[" + envelope(3) + "]",
                                  splunk_auth("tok")), 6, 2);
    }
    SECTION("a missing event field is code 12") {
        check_partial(client.post("/services/collector/event", good + R"({"host":"x"})" + envelope(3),
                                  splunk_auth("tok")), 12, 2);
    }
    SECTION("a blank event is code 13") {
        check_partial(client.post("/services/collector/event", good + R"({"event":"  "})" + envelope(3),
                                  splunk_auth("tok")), 13, 2);
    }
    SECTION("nested indexed fields are code 15") {
        check_partial(client.post("/services/collector/event",
                                  good + R"({"event":"x","fields":{"a":{"b":1}}})", splunk_auth("tok")),
                      15, 2);
    }
    SECTION("an index the token may not write is code 7") {
        const std::string web = envelope(0, R"(,"index":"web")") + envelope(1, R"(,"index":"web")");
        const Reply reply = client.post("/services/collector/event",
                                        web + envelope(2, R"(,"index":"main")"), splunk_auth("narrow"));
        check_partial(reply, 7, 2);
        CHECK(reply.json_body().at("text") == "Incorrect index");
        CHECK(fake.events().at(0).index == "web");
    }
    CHECK(event_numbers(fake) == std::vector<int>{0, 1});
}

TEST_CASE("reject switches answer code 6 at the chosen event and keep those before",
          "[splunk_fake][hec]") {
    SplunkFake fake;
    add_tokens(fake);
    Client client(fake.port());
    fake.reject_event_at(3);
    check_partial(client.post("/services/collector/event", batch(5), splunk_auth("tok")), 6, 3);
    check_hec(client.post("/services/collector/event", batch(5), splunk_auth("tok")), 200, 0);
    CHECK(fake.event_count() == 8);

    fake.reject_events_matching(R"("n":2})");
    check_partial(client.post("/services/collector/event", batch(5), splunk_auth("tok")), 6, 2);
    check_partial(client.post("/services/collector/event", batch(5), splunk_auth("tok")), 6, 2);
    fake.reject_events_matching("");
    check_hec(client.post("/services/collector/event", batch(5), splunk_auth("tok")), 200, 0);
    CHECK(fake.event_count() == 17);
}

TEST_CASE("gzip bodies are inflated, deflate is 415 and broken gzip is code 6", "[splunk_fake][hec]") {
    SplunkFake fake;
    add_tokens(fake);
    Client client(fake.port());
    check_hec(client.post("/services/collector/event", siemhub::testing::gzip(batch(3)),
                          splunk_auth("tok", {{"Content-Encoding", "gzip"}})), 200, 0);
    CHECK(client.post("/services/collector/event", batch(3),
                      splunk_auth("tok", {{"Content-Encoding", "deflate"}})).status == 415);
    check_partial(client.post("/services/collector/event", "not gzip at all",
                              splunk_auth("tok", {{"Content-Encoding", "gzip"}})), 6, 0);
    CHECK(event_numbers(fake) == std::vector<int>{0, 1, 2});
}

TEST_CASE("a body over max_content_length is 413 and keeps nothing and an empty one is code 5",
          "[splunk_fake][hec]") {
    SplunkFakeOptions options;
    options.max_content_length = 1000;
    SplunkFake fake(options);
    add_tokens(fake);
    Client client(fake.port());
    const std::string big = batch(40);
    REQUIRE(big.size() > 1000);
    CHECK(client.post("/services/collector/event", big, splunk_auth("tok")).status == 413);
    // The limit applies to the inflated body.
    CHECK(client.post("/services/collector/event", siemhub::testing::gzip(big),
                      splunk_auth("tok", {{"Content-Encoding", "gzip"}})).status == 413);
    check_hec(client.post("/services/collector/event", "", splunk_auth("tok")), 400, 5);
    check_hec(client.post("/services/collector/event", " \n ", splunk_auth("tok")), 400, 5);
    CHECK(fake.event_count() == 0);
    check_hec(client.post("/services/collector/event", batch(2), splunk_auth("tok")), 200, 0);
}

TEST_CASE("ack tokens need a GUID channel and get ackIds counting per channel", "[splunk_fake][ack]") {
    SplunkFake fake;
    add_tokens(fake);
    Client client(fake.port());
    check_hec(client.post("/services/collector/event", envelope(0), splunk_auth("acktok")), 400, 10);
    check_hec(client.post("/services/collector/event", envelope(0),
                          splunk_auth("acktok", {{"X-Splunk-Request-Channel", "not-a-guid"}})), 400, 11);
    const auto a0 = client.post("/services/collector/event", envelope(0),
                                splunk_auth("acktok", {{"X-Splunk-Request-Channel", channel_a}}));
    CHECK(a0.body == R"({"text":"Success","code":0,"ackId":0})");
    const auto a1 = client.post("/services/collector/event?channel=" + channel_a, envelope(1),
                                splunk_auth("acktok"));
    CHECK(a1.json_body().at("ackId") == 1);
    const auto b0 = client.post("/services/collector/event", envelope(2),
                                splunk_auth("acktok", {{"X-Splunk-Request-Channel", channel_b}}));
    CHECK(b0.json_body().at("ackId") == 0);
    const auto events = fake.events();
    REQUIRE(events.size() == 3);
    CHECK(events[1].ack_id == 1);
    CHECK(events[1].channel == channel_a);
    CHECK(events[2].ack_id == 0);
}

TEST_CASE("ack polls are read-once and unknown ids are false", "[splunk_fake][ack]") {
    SplunkFake fake;
    add_tokens(fake);
    Client client(fake.port());
    const auto headers = splunk_auth("acktok", {{"X-Splunk-Request-Channel", channel_a}});
    client.post("/services/collector/event", envelope(0), headers);
    client.post("/services/collector/event", envelope(1), headers);
    const auto first = client.post("/services/collector/ack", R"({"acks":[0,1,7]})", headers);
    CHECK(first.body == R"({"acks":{"0":true,"1":true,"7":false}})");
    const auto again = client.post("/services/collector/ack?channel=" + channel_a, R"({"acks":[0,1]})",
                                   splunk_auth("acktok"));
    CHECK(again.body == R"({"acks":{"0":false,"1":false}})");
    CHECK(fake.ack_polls() == 2);
}

TEST_CASE("ack mode never stays false and after_polls turns true on the n-th poll", "[splunk_fake][ack]") {
    SplunkFake fake;
    add_tokens(fake);
    Client client(fake.port());
    const auto headers = splunk_auth("acktok", {{"X-Splunk-Request-Channel", channel_a}});
    client.post("/services/collector/event", envelope(0), headers);
    fake.set_ack_mode(AckMode::never);
    for (int i = 0; i < 3; ++i) {
        CHECK(client.post("/services/collector/ack", R"({"acks":[0]})", headers).body
              == R"({"acks":{"0":false}})");
    }
    client.post("/services/collector/event", envelope(1), headers);
    fake.set_ack_after_polls(3);
    CHECK(client.post("/services/collector/ack", R"({"acks":[1]})", headers).json_body()["acks"]["1"] == false);
    CHECK(client.post("/services/collector/ack", R"({"acks":[1]})", headers).json_body()["acks"]["1"] == false);
    CHECK(client.post("/services/collector/ack", R"({"acks":[1]})", headers).json_body()["acks"]["1"] == true);
    CHECK(client.post("/services/collector/ack", R"({"acks":[1]})", headers).json_body()["acks"]["1"] == false);
}

TEST_CASE("an ackId polls false until the indexing delay has passed on the fake's clock", "[splunk_fake][ack]") {
    SplunkFake fake;
    add_tokens(fake);
    fake.set_now(1769509500.0);
    fake.set_indexing_delay(45);
    Client client(fake.port());
    const auto headers = splunk_auth("acktok", {{"X-Splunk-Request-Channel", channel_a}});
    check_hec(client.post("/services/collector/event", envelope(0), headers), 200, 0);
    CHECK(fake.event_count() == 1);  // received at once, acknowledged only once indexed
    fake.set_now(1769509544.0);
    CHECK(client.post("/services/collector/ack", R"({"acks":[0]})", headers).body == R"({"acks":{"0":false}})");
    fake.set_now(1769509545.0);
    CHECK(client.post("/services/collector/ack", R"({"acks":[0]})", headers).body == R"({"acks":{"0":true}})");
}

TEST_CASE("an ack channel idle past its max idle time is removed with its pending ids", "[splunk_fake][ack]") {
    SplunkFakeOptions options;
    options.ack_channel_max_idle_s = 600;  // Splunk's maxIdleTime default
    SplunkFake fake(options);
    add_tokens(fake);
    fake.set_now(1769509500.0);
    fake.set_ack_mode(AckMode::never);
    Client client(fake.port());
    const auto headers = splunk_auth("acktok", {{"X-Splunk-Request-Channel", channel_a}});
    client.post("/services/collector/event", envelope(0), headers);
    client.post("/services/collector/event", envelope(1), headers);
    // A poll within the idle time keeps the channel: 599 s after it, it is still there.
    fake.set_now(1769509500.0 + 599);
    CHECK(client.post("/services/collector/ack", R"({"acks":[0,1]})", headers).status == 200);
    fake.set_now(1769509500.0 + 599 + 601);
    fake.set_ack_mode(AckMode::normal);
    check_hec(client.post("/services/collector/ack", R"({"acks":[0,1]})", headers), 400, 11);
    // A send starts the channel afresh: ackIds from 0 again, the old ones are gone.
    const auto again = client.post("/services/collector/event", envelope(2), headers);
    CHECK(again.json_body().at("ackId") == 0);
}

TEST_CASE("a channel at its cap of pending ackIds refuses the send with 503 code 9 and keeps nothing", "[splunk_fake][ack]") {
    SplunkFakeOptions options;
    options.max_pending_acks_per_channel = 2;
    SplunkFake fake(options);
    add_tokens(fake);
    fake.set_ack_mode(AckMode::never);
    Client client(fake.port());
    const auto headers = splunk_auth("acktok", {{"X-Splunk-Request-Channel", channel_a}});
    check_hec(client.post("/services/collector/event", envelope(0), headers), 200, 0);
    check_hec(client.post("/services/collector/event", envelope(1), headers), 200, 0);
    check_hec(client.post("/services/collector/event", envelope(2), headers), 503, 9);
    CHECK(fake.event_count() == 2);
    // Another channel has its own cap; reading an id true frees a slot.
    check_hec(client.post("/services/collector/event", envelope(3),
                          splunk_auth("acktok", {{"X-Splunk-Request-Channel", channel_b}})), 200, 0);
    fake.set_ack_mode(AckMode::normal);
    CHECK(client.post("/services/collector/ack", R"({"acks":[0]})", headers).body == R"({"acks":{"0":true}})");
    CHECK(client.post("/services/collector/event", envelope(4), headers).json_body().at("ackId") == 2);
}

TEST_CASE("the ack endpoint answers codes 14, 10 and 11 and checks the token", "[splunk_fake][ack]") {
    SplunkFake fake;
    add_tokens(fake);
    Client client(fake.port());
    const FakeHeaders channel{{"X-Splunk-Request-Channel", channel_a}};
    check_hec(client.post("/services/collector/ack", R"({"acks":[0]})", splunk_auth("tok", channel)), 400, 14);
    check_hec(client.post("/services/collector/ack", R"({"acks":[0]})", splunk_auth("acktok")), 400, 10);
    check_hec(client.post("/services/collector/ack", R"({"acks":[0]})", splunk_auth("acktok", channel)), 400, 11);
    check_hec(client.post("/services/collector/ack", R"({"acks":[0]})", splunk_auth("nope", channel)), 403, 4);
    check_hec(client.post("/services/collector/ack", R"({"acks":[0]})", channel), 401, 2);
}

TEST_CASE("busy HEC answers 503 code 9 and an unhealthy health check until cleared",
          "[splunk_fake][hec]") {
    SplunkFake fake;
    add_tokens(fake);
    Client client(fake.port());
    check_hec(client.send(bhttp::verb::get, "/services/collector/health"), 200, 17);
    fake.set_hec_busy(true);
    check_hec(client.post("/services/collector/event", envelope(0), splunk_auth("tok")), 503, 9);
    check_hec(client.send(bhttp::verb::get, "/services/collector/health"), 503, 18);
    fake.set_hec_busy(false);
    check_hec(client.post("/services/collector/event", envelope(0), splunk_auth("tok")), 200, 0);
    CHECK(fake.event_count() == 1);
}

TEST_CASE("the health check answers 400 code 21 or 22 for a bad optional token", "[splunk_fake][hec]") {
    SplunkFake fake;
    add_tokens(fake);
    Client client(fake.port());
    check_hec(client.send(bhttp::verb::get, "/services/collector/health?token=tok"), 200, 17);
    check_hec(client.send(bhttp::verb::get, "/services/collector/health/1.0", {}, splunk_auth("tok")), 200, 17);
    check_hec(client.send(bhttp::verb::get, "/services/collector/health?token=nope"), 400, 21);
    check_hec(client.send(bhttp::verb::get, "/services/collector/health", {}, splunk_auth("off")), 400, 22);
}

TEST_CASE("fail_hec_next answers the next n posts verbatim, Retry-After included", "[splunk_fake][hec]") {
    SplunkFake fake;
    add_tokens(fake);
    Client client(fake.port());
    fake.fail_hec_next(2, 503, R"({"text":"Server is busy","code":9})", {{"Retry-After", "7"}});
    for (int i = 0; i < 2; ++i) {
        const Reply reply = client.post("/services/collector/event", envelope(i), splunk_auth("tok"));
        CHECK(reply.status == 503);
        CHECK(reply.body == R"({"text":"Server is busy","code":9})");
        CHECK(reply.header("Retry-After") == "7");
    }
    fake.fail_hec_next(1, 502, "<html><body>Bad Gateway</body></html>");
    const Reply proxy = client.post("/services/collector/event", envelope(2), splunk_auth("tok"));
    CHECK(proxy.status == 502);
    CHECK(proxy.header("Content-Type") == "text/html");
    check_hec(client.post("/services/collector/event", envelope(3), splunk_auth("tok")), 200, 0);
    CHECK(event_numbers(fake) == std::vector<int>{3});
    CHECK(fake.hec_requests() == 4);
}

TEST_CASE("dropped HEC connections close without an answer", "[splunk_fake][hec]") {
    SplunkFake fake;
    add_tokens(fake);
    fake.drop_next_hec_connections(1);
    {
        Client client(fake.port());
        const Reply reply = client.post("/services/collector/event", envelope(0), splunk_auth("tok"));
        CHECK(reply.status == 0);
        CHECK_FALSE(reply.complete);
    }
    Client client(fake.port());
    check_hec(client.post("/services/collector/event", envelope(1), splunk_auth("tok")), 200, 0);
    CHECK(fake.event_count() == 1);
    CHECK(fake.hec_requests() == 2);
}

TEST_CASE("the raw endpoint makes one event per line with metadata from the query", "[splunk_fake][hec]") {
    SplunkFake fake;
    add_tokens(fake);
    Client client(fake.port());
    check_hec(client.post("/services/collector/raw?sourcetype=syslog&host=fw1&index=web",
                          "line one\r\n\nline two\n", splunk_auth("narrow")), 200, 0);
    check_partial(client.post("/services/collector/raw?index=main", "x\n", splunk_auth("narrow")), 7, 0);
    const auto events = fake.events();
    REQUIRE(events.size() == 2);
    CHECK(events[0].envelope == json{{"event", "line one"}, {"sourcetype", "syslog"}, {"host", "fw1"}, {"index", "web"}});
    CHECK(events[1].envelope.at("event") == "line two");
    CHECK(events[1].index == "web");
}

TEST_CASE("store_events=false and record_requests=false keep counters only", "[splunk_fake][hec]") {
    SplunkFakeOptions options;
    options.record_requests = false;
    options.store_events = false;
    SplunkFake fake(options);
    add_tokens(fake);
    Client client(fake.port());
    check_hec(client.post("/services/collector/event", batch(10), splunk_auth("tok")), 200, 0);
    CHECK(fake.event_count() == 10);
    CHECK(fake.events().empty());
    CHECK(fake.requests().empty());
    CHECK(fake.hec_requests() == 1);
}

TEST_CASE("requests are recorded and can be cleared", "[splunk_fake]") {
    SplunkFake fake;
    add_tokens(fake);
    Client client(fake.port());
    client.post("/services/collector/event", siemhub::testing::gzip(envelope(0)),
                splunk_auth("tok", {{"Content-Encoding", "gzip"}}));
    const auto requests = fake.requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].method == "POST");
    CHECK(requests[0].target == "/services/collector/event");
    CHECK(requests[0].body == envelope(0));
    CHECK(requests[0].header("authorization") == "Splunk tok");
    fake.clear_requests();
    CHECK(fake.requests().empty());
}

TEST_CASE("HEC over TLS is served with a certificate usable as the CA file", "[splunk_fake][tls]") {
    SplunkFakeOptions options;
    options.tls = true;
    SplunkFake fake(options);
    add_tokens(fake);
    CHECK(fake.url().starts_with("https://127.0.0.1:"));
    net::io_context ioc;
    net::ssl::context ctx(net::ssl::context::tls_client);
    ctx.load_verify_file(fake.cert_path().string());
    ctx.set_verify_mode(net::ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
    beast::get_lowest_layer(stream).connect(Tcp::endpoint(net::ip::make_address_v4("127.0.0.1"), fake.port()));
    stream.handshake(net::ssl::stream_base::client);
    bhttp::request<bhttp::string_body> request{bhttp::verb::post, "/services/collector/event", 11};
    request.set(bhttp::field::authorization, "Splunk tok");
    request.body() = envelope(0);
    request.prepare_payload();
    bhttp::write(stream, request);
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> response;
    bhttp::read(stream, buffer, response);
    CHECK(response.result_int() == 200);
    CHECK(fake.event_count() == 1);
}

// --- REST

namespace {

void add_results(SplunkFake& fake) {
    // _time values out of order on purpose; the export sorts them newest first.
    fake.add_result({{"_time", "1700000200"}, {"_indextime", "1700000210"}, {"_raw", "b"}, {"index", "notable"},
                     {"event_id", "EV-B"}, {"status", "1"}, {"owner", "unassigned"}, {"urgency", "low"}, {"rule_name", "B"}});
    fake.add_result({{"_time", "2023-11-14T23:15:00.000+01:00"}, {"_indextime", 1700000100}, {"_raw", "a"},
                     {"index", "notable"}, {"event_id", "EV-A"}, {"status", "1"}, {"owner", "unassigned"},
                     {"urgency", "high"}, {"rule_name", "A"}});
    fake.add_result({{"_time", "1700000300.5"}, {"_indextime", "1700000300"}, {"_raw", "c"}, {"index", "notable"},
                     {"event_id", "EV-C"}, {"status", "2"}, {"owner", "bob"}, {"urgency", "medium"}, {"rule_name", "C"}});
    fake.add_result({{"_time", "1700000250"}, {"_indextime", "1700000250"}, {"_raw", "other"}});
}

Reply export_search(Client& client, const std::vector<std::pair<std::string, std::string>>& fields,
                    const FakeHeaders& headers = bearer) {
    return client.post("/services/search/jobs/export", form(fields),
                       [&] {
                           FakeHeaders h = headers;
                           h.emplace_back("Content-Type", "application/x-www-form-urlencoded");
                           return h;
                       }());
}

std::vector<std::string> raws(const std::vector<json>& rows) {
    std::vector<std::string> out;
    for (const auto& r : rows) {
        out.push_back(r.at("result").at("_raw").get<std::string>());
    }
    return out;
}

} // namespace

TEST_CASE("export streams chunked rows newest first with offsets and lastrow on the last", "[splunk_fake][rest]") {
    SplunkFake fake;
    fake.add_bearer_token("rest-token");
    add_results(fake);
    Client client(fake.port());
    const Reply reply = export_search(client, {{"search", "search index=notable"}, {"output_mode", "json"}});
    REQUIRE(reply.status == 200);
    CHECK(reply.header("Transfer-Encoding") == "chunked");
    const auto rows = lines_of(reply.body);
    REQUIRE(rows.size() == 3);
    CHECK(raws(rows) == std::vector<std::string>{"c", "b", "a"});
    for (size_t i = 0; i < rows.size(); ++i) {
        CHECK(rows[i].at("preview") == false);
        CHECK(rows[i].at("offset") == i);
        CHECK(rows[i].contains("lastrow") == (i == 2));
    }
    CHECK(rows[2].at("result").at("_indextime") == "1700000100"); // values are strings, as Splunk's
    CHECK(reply.body.starts_with(R"({"preview":false,"offset":0,"result":{)"));
    CHECK(fake.export_requests() == 1);
}

TEST_CASE("export filters on _indextime with inclusive index_earliest and exclusive index_latest",
          "[splunk_fake][rest]") {
    SplunkFake fake;
    fake.add_bearer_token("rest-token");
    add_results(fake);
    Client client(fake.port());
    const Reply reply = export_search(client, {{"search", "search index=notable"}, {"output_mode", "json"},
                                               {"index_earliest", "1700000100"}, {"index_latest", "1700000300"}});
    CHECK(raws(lines_of(reply.body)) == std::vector<std::string>{"b", "a"});
    const Reply all = export_search(client, {{"search", "search"}, {"output_mode", "json"},
                                             {"index_earliest", "1700000250.000"}});
    CHECK(raws(lines_of(all.body)) == std::vector<std::string>{"c", "other"});
}

TEST_CASE("export filters on _time with epoch and relative bounds and on event_id", "[splunk_fake][rest]") {
    SplunkFake fake;
    fake.add_bearer_token("rest-token");
    add_results(fake);
    fake.set_now(1700000300.0);
    Client client(fake.port());
    const Reply relative = export_search(client, {{"search", "search index=notable"}, {"output_mode", "json"},
                                                  {"earliest_time", "-2m"}, {"latest_time", "now"}});
    CHECK(raws(lines_of(relative.body)) == std::vector<std::string>{"b"}); // c is at now + 0.5
    const Reply by_id = export_search(client, {{"search", R"(search index=notable event_id="EV-A" | head 1)"},
                                               {"output_mode", "json"}, {"earliest_time", "0"}});
    CHECK(raws(lines_of(by_id.body)) == std::vector<std::string>{"a"});
    const Reply none = export_search(client, {{"search", "search index=notable event_id=nothing"},
                                              {"output_mode", "json"}});
    CHECK(none.status == 200);
    CHECK(none.body.empty());
    const Reply bad = export_search(client, {{"search", "search"}, {"output_mode", "json"},
                                             {"earliest_time", "yesterday"}});
    CHECK(bad.status == 400);
}

TEST_CASE("export interleaves preview rows when asked, before the final rows", "[splunk_fake][rest]") {
    SplunkFake fake;
    fake.add_bearer_token("rest-token");
    add_results(fake);
    fake.set_export_preview_rows(true);
    Client client(fake.port());
    const auto rows = lines_of(export_search(client, {{"search", "search index=notable"}, {"output_mode", "json"}}).body);
    std::vector<json> final_rows;
    size_t previews = 0;
    for (const auto& r : rows) {
        if (r.at("preview") == true) {
            ++previews;
        } else {
            final_rows.push_back(r);
        }
    }
    CHECK(previews == 2);
    CHECK(raws(final_rows) == std::vector<std::string>{"c", "b", "a"});
    CHECK(final_rows.back().at("lastrow") == true);
}

TEST_CASE("export drop closes the stream after n rows without a lastrow", "[splunk_fake][rest]") {
    SplunkFake fake;
    fake.add_bearer_token("rest-token");
    add_results(fake);
    fake.set_export_drop_after(2);
    {
        Client client(fake.port());
        const Reply cut = export_search(client, {{"search", "search index=notable"}, {"output_mode", "json"}});
        CHECK(cut.status == 200);
        CHECK_FALSE(cut.complete);
        const auto rows = lines_of(cut.body);
        CHECK(raws(rows) == std::vector<std::string>{"c", "b"});
        for (const auto& r : rows) {
            CHECK_FALSE(r.contains("lastrow"));
        }
    }
    Client client(fake.port());
    const Reply whole = export_search(client, {{"search", "search index=notable"}, {"output_mode", "json"}});
    CHECK(whole.complete);
    CHECK(lines_of(whole.body).size() == 3);
}

TEST_CASE("export refuses a search without a leading command and a non-json output_mode",
          "[splunk_fake][rest]") {
    SplunkFake fake;
    fake.add_bearer_token("rest-token");
    Client client(fake.port());
    const Reply command = export_search(client, {{"search", "index=notable"}, {"output_mode", "json"}});
    CHECK(command.status == 400);
    CHECK(command.json_body().at("messages").at(0).at("type") == "FATAL");
    CHECK(export_search(client, {{"search", "search index=notable"}}).status == 400);
    CHECK(export_search(client, {{"search", "| makeresults"}, {"output_mode", "json"}}).status == 200);
    const Reply ns = client.post("/servicesNS/admin/search/search/jobs/export",
                                 form({{"search", "search *"}, {"output_mode", "json"}}), bearer);
    CHECK(ns.status == 200);
}

TEST_CASE("REST calls without valid credentials get 401 call not properly authenticated", "[splunk_fake][rest]") {
    SplunkFake fake;
    fake.add_bearer_token("rest-token");
    fake.add_user("admin", "changeme");
    fake.add_session_key("sess-1");
    Client client(fake.port());
    const std::vector<std::pair<std::string, std::string>> search{{"search", "search"}, {"output_mode", "json"}};
    for (const FakeHeaders& headers : std::vector<FakeHeaders>{
             {}, {{"Authorization", "Bearer wrong"}}, {{"Authorization", "Splunk rest-token"}},
             {{"Authorization", basic("admin", "wrong")}}, {{"Authorization", "Splunk tok"}}}) {
        const Reply reply = export_search(client, search, headers);
        CHECK(reply.status == 401);
        CHECK(reply.body == R"({"messages":[{"type":"WARN","text":"call not properly authenticated"}]})");
    }
    CHECK(export_search(client, search, {{"Authorization", basic("admin", "changeme")}}).status == 200);
    CHECK(export_search(client, search, {{"Authorization", "Splunk sess-1"}}).status == 200);
    CHECK(client.post("/services/nothing", "", bearer).status == 404);
}

TEST_CASE("auth/login returns a session key usable as Splunk <key>, XML unless json asked",
          "[splunk_fake][rest]") {
    SplunkFake fake;
    fake.add_user("admin", "p@ss word");
    Client client(fake.port());
    const Reply xml = client.post("/services/auth/login", form({{"username", "admin"}, {"password", "p@ss word"}}));
    CHECK(xml.status == 200);
    CHECK(xml.body.find("<response>") != std::string::npos);
    CHECK(xml.body.find("<sessionKey>") != std::string::npos);
    const Reply login = client.post("/services/auth/login",
                                    form({{"username", "admin"}, {"password", "p@ss word"}, {"output_mode", "json"}}));
    REQUIRE(login.status == 200);
    const std::string key = login.json_body().at("sessionKey");
    CHECK(export_search(client, {{"search", "search"}, {"output_mode", "json"}},
                        {{"Authorization", "Splunk " + key}}).status == 200);
    CHECK(client.post("/services/auth/login", form({{"username", "admin"}, {"password", "bad"}})).status == 401);
}

TEST_CASE("notable_update changes status and owner that a later search and notable() show",
          "[splunk_fake][rest]") {
    SplunkFake fake;
    fake.add_bearer_token("rest-token");
    add_results(fake);
    Client client(fake.port());
    const Reply update = client.post("/services/notable_update",
                                     form({{"ruleUIDs", "EV-A"}, {"ruleUIDs", "EV-B"}, {"ruleUIDs", "EV-ZZ"},
                                           {"status", "5"}, {"newOwner", "alice"}, {"comment", "closed by hub"}}),
                                     bearer);
    REQUIRE(update.status == 200);
    CHECK(update.body == R"({"success":true,"message":"2 event(s) updated successfully","details":{},"failure_count":1})");
    const auto a = fake.notable("EV-A");
    REQUIRE(a);
    CHECK(a->at("status") == "5");
    CHECK(a->at("owner") == "alice");
    CHECK(a->at("comments") == json::array({"closed by hub"}));
    CHECK(fake.notable("EV-C")->at("status") == "2");
    const auto rows = lines_of(export_search(client, {{"search", "search `notable` | search event_id=EV-B"},
                                                      {"output_mode", "json"}}).body);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].at("result").at("status") == "5");
    // As in ES, the indexed notable itself is unchanged: only the macro joins the review state.
    const auto raw = lines_of(export_search(client, {{"search", "search index=notable event_id=EV-B"},
                                                     {"output_mode", "json"}}).body);
    REQUIRE(raw.size() == 1);
    CHECK(raw[0].at("result").at("status") == "1");
}

TEST_CASE("notable_update refuses empty updates and reports unknown ids", "[splunk_fake][rest]") {
    SplunkFake fake;
    fake.add_bearer_token("rest-token");
    add_results(fake);
    Client client(fake.port());
    const Reply nothing = client.post("/services/notable_update", form({{"ruleUIDs", "EV-A"}}), bearer);
    CHECK(nothing.status == 400);
    CHECK(nothing.json_body().at("success") == false);
    CHECK(client.post("/services/notable_update", form({{"ruleUIDs", "EV-A"}, {"status", "9"}}), bearer).status == 400);
    const Reply unknown = client.post("/services/notable_update", form({{"ruleUIDs", "EV-ZZ"}, {"urgency", "high"}}), bearer);
    CHECK(unknown.json_body().at("success") == false);
    CHECK(unknown.json_body().at("failure_count") == 1);
    CHECK(client.post("/services/notable_update", form({{"ruleUIDs", "EV-A"}, {"status", "2"}})).status == 401);
    CHECK(fake.notable("EV-A")->at("status") == "1");
}

TEST_CASE("set_rest_fail_next answers the next n REST calls verbatim", "[splunk_fake][rest]") {
    SplunkFake fake;
    fake.add_bearer_token("rest-token");
    add_results(fake);
    fake.set_rest_fail_next(1, 503, R"({"messages":[{"type":"ERROR","text":"Search head is busy"}]})");
    Client client(fake.port());
    const std::vector<std::pair<std::string, std::string>> search{{"search", "search"}, {"output_mode", "json"}};
    const Reply failed = export_search(client, search);
    CHECK(failed.status == 503);
    CHECK(failed.json_body().at("messages").at(0).at("text") == "Search head is busy");
    CHECK(export_search(client, search).status == 200);
    CHECK(fake.export_requests() == 2);
}

TEST_CASE("add_result refuses results without _time or _indextime", "[splunk_fake][rest]") {
    SplunkFake fake;
    CHECK_THROWS_AS(fake.add_result({{"_time", "1700000000"}}), std::invalid_argument);
    CHECK_THROWS_AS(fake.add_result({{"_indextime", "1700000000"}, {"_time", "soon"}}), std::invalid_argument);
    CHECK_NOTHROW(fake.add_result({{"_indextime", "1700000000"}, {"_time", "1700000000"}}));
}

// Hidden: `splunk_fake_test "[.bench]"` prints the fake's HEC throughput, against the bare
// base server (trivial handler) on the same requests for comparison.
namespace {

double cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
           + static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

std::string bench_request() {
    std::string body;
    const std::string padding(480, 'x');
    for (int i = 0; i < 1000; ++i) {
        body += R"({"time":1769509500.123,"host":"web-01.example.com","source":"siemhub","sourcetype":"_json","index":"main","event":{"n":)"
                + std::to_string(i) + R"(,"msg":")" + padding + R"("},"fields":{"tenant":"acme"}})" + "\n";
    }
    bhttp::request<bhttp::string_body> request{bhttp::verb::post, "/services/collector/event", 11};
    request.set(bhttp::field::host, "127.0.0.1");
    request.set(bhttp::field::authorization, "Splunk tok");
    request.body() = body;
    request.prepare_payload();
    std::ostringstream wire;
    wire << request;
    return wire.str();
}

void run_bench(const char* what, uint16_t port, const std::string& bytes, int requests) {
    Client client(port);
    const double cpu_start = cpu_seconds();
    const auto start = std::chrono::steady_clock::now();
    for (int r = 0; r < requests; ++r) {
        REQUIRE(client.send_raw(bytes).status == 200);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double cpu = cpu_seconds() - cpu_start;
    const double events = requests * 1000.0;
    std::printf("%s: %d requests of %zu bytes: %.0f events/s wall, %.0f events per CPU second "
                "(process, client included)\n",
                what, requests, bytes.size(), events / seconds, events / cpu);
}

} // namespace

TEST_CASE("HEC throughput of the fake with recording and storing off", "[.bench]") {
    constexpr int requests = 300;
    const std::string bytes = bench_request();
    {
        siemhub::testing::FakeServerOptions bare_options;
        bare_options.record_requests = false;
        siemhub::testing::FakeHttpServer bare(bare_options);
        run_bench("bare FakeHttpServer", bare.port(), bytes, requests);
    }
    SplunkFakeOptions options;
    options.record_requests = false;
    options.store_events = false;
    SplunkFake fake(options);
    add_tokens(fake);
    run_bench("SplunkFake HEC", fake.port(), bytes, requests);
    CHECK(fake.event_count() == static_cast<size_t>(requests) * 1000);
}
