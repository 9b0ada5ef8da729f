// siemhub/paging.hpp through the SDK test kit: a pull source built on paged_get, driven by the
// fake host's scripted HTTP replies.
#include <catch2/catch.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "siemhub/paging.hpp"
#include "siemhub/plugin.hpp"
#include "siemhub/testing/fake_host.hpp"
#include "siemhub/testing/loader.hpp"

using namespace siemhub;  // NOLINT(google-build-using-namespace): test file
using testing::FakeHost;
using testing::HttpReply;

namespace {

// Pages are {"events":[...], "last":"id", "stop":bool, "throw":bool}.
class Pager {
 public:
  static constexpr char id[] = "test.pager";
  static constexpr char version[] = "1.0.0";
  Pager(sdk::Host host, const nlohmann::json& cfg)
      : host_(host),
        first_(cfg.value("first_url", "")),
        max_pages_(cfg.value("max_pages", 10u)),
        token_(cfg.value("token_cursor", false)) {}
  void poll(sdk::PullOp& op) {
    sdk::PagedGetOptions o;
    o.first_url = first_;
    o.max_pages = max_pages_;
    o.headers = {{"Authorization", "SSWS test-token"}};
    if (token_) o.url_of_cursor = [first = first_](const std::string& c) { return first + "?after=" + c; };
    sdk::paged_get(host_, op, std::move(o), [this](sdk::Page& p) {
      const auto j = nlohmann::json::parse(p.response.body);
      std::vector<std::string> evs;
      for (const auto& e : j.value("events", nlohmann::json::array())) evs.push_back(e.dump());
      p.op.emit(evs);
      if (token_ && j.contains("last")) p.set_cursor(j["last"].get<std::string>());
      if (j.value("throw", false)) throw std::runtime_error("mapping failed on page " + std::to_string(p.index));
      if (j.value("stop", false)) p.stop();
    });
  }

 private:
  sdk::Host host_;
  std::string first_;
  uint32_t max_pages_;
  bool token_;
};

std::string page(int first_event, int count, const std::string& extra = {}) {
  nlohmann::json evs = nlohmann::json::array();
  for (int i = 0; i < count; ++i) evs.push_back({{"n", first_event + i}});
  return R"({"events":)" + evs.dump() + extra + "}";
}
testing::Headers next(const std::string& url) { return {{"Link", "<" + url + ">; rel=\"next\""}}; }

struct Rig {
  FakeHost host;
  std::unique_ptr<testing::Plugin> plugin = testing::Plugin::wrap(sdk::descriptor_of<Pager>(), "pager");
  std::unique_ptr<testing::Instance> inst;
  explicit Rig(const std::string& config) {
    REQUIRE(plugin->init(host).ok());
    testing::CallResult cr;
    inst = testing::Instance::create(*plugin, host, config, &cr);
    INFO(cr.describe());
    REQUIRE(inst);
    REQUIRE(inst->start().ok());
  }
  testing::FakeOp& poll(std::optional<std::string> cursor = std::nullopt) {
    testing::FakeOp& op = inst->poll(std::move(cursor));
    REQUIRE(inst->wait(op));
    return op;
  }
  std::vector<std::string> urls() const {
    std::vector<std::string> out;
    for (const auto& r : host.http_requests()) out.push_back(r.url);
    return out;
  }
};

const std::string kBase = "https://acme.okta.com/api/v1/logs";
const std::string kConfig = R"({"first_url":"https://acme.okta.com/api/v1/logs","max_pages":2})";

}  // namespace

TEST_CASE("paged GET follows next links on the same origin and stops at the page limit with the next URL as cursor") {
  Rig rig(kConfig);
  rig.host.script(HttpReply::ok(page(0, 2), 200, next(kBase + "?after=2")));
  rig.host.script(HttpReply::ok(page(2, 2), 200, next(kBase + "?after=4")));
  rig.host.script(HttpReply::ok(page(4, 1), 200, next(kBase + "?after=5")));
  testing::FakeOp& op = rig.poll();
  INFO(op.describe());
  REQUIRE(op.succeeded());
  CHECK(op.events.size() == 4);
  CHECK(op.cursor == kBase + "?after=4");
  CHECK(rig.urls() == std::vector<std::string>{kBase, kBase + "?after=2"});
  for (const auto& r : rig.host.http_requests()) CHECK(r.header("Authorization") == std::string("SSWS test-token"));

  // A restart: the next poll starts from the stored cursor.
  testing::FakeOp& again = rig.poll(*op.cursor);
  REQUIRE(again.succeeded());
  CHECK(rig.urls().at(2) == kBase + "?after=4");
  CHECK(again.events == std::vector<std::string>{R"({"n":4})"});
}

TEST_CASE("paged GET reads the next link from the second of two Link headers and resolves it") {
  Rig rig(kConfig);
  rig.host.script(HttpReply::ok(page(0, 1), 200,
                                {{"link", "<" + kBase + "?limit=1>; rel=\"self\""},
                                 {"link", "</api/v1/logs?after=1&limit=1>; rel=\"next\""}}));
  rig.host.script(HttpReply::ok(page(1, 1)));
  testing::FakeOp& op = rig.poll();
  REQUIRE(op.succeeded());
  CHECK(rig.urls() == std::vector<std::string>{kBase, kBase + "?after=1&limit=1"});
  CHECK(op.events.size() == 2);
}

TEST_CASE("paged GET never follows a next link to another origin and fails naming both origins") {
  Rig rig(kConfig);
  rig.host.script(HttpReply::ok(page(0, 1), 200, next("https://collector.evil.test/steal?after=1")));
  testing::FakeOp& op = rig.poll();
  CHECK(op.category() == SIEMHUB_CAT_PERMANENT);
  CHECK_THAT(op.message(), Catch::Contains("https://collector.evil.test") && Catch::Contains("https://acme.okta.com") &&
                               Catch::Contains("not followed"));
  CHECK(rig.host.http_requests().size() == 1);
}

TEST_CASE("paged GET refuses a next link on another port or scheme of the same host") {
  Rig rig(kConfig);
  rig.host.script(HttpReply::ok(page(0, 1), 200, next("http://acme.okta.com/api/v1/logs?after=1")));
  CHECK(rig.poll().category() == SIEMHUB_CAT_PERMANENT);
  rig.host.script(HttpReply::ok(page(0, 1), 200, next("https://acme.okta.com:8443/api/v1/logs?after=1")));
  CHECK(rig.poll().category() == SIEMHUB_CAT_PERMANENT);
  CHECK(rig.host.http_requests().size() == 2);
}

TEST_CASE("paged GET keeps the last page URL as cursor when the last page has no next link") {
  Rig rig(kConfig);
  rig.host.script(HttpReply::ok(page(0, 1), 200, next(kBase + "?after=1")));
  rig.host.script(HttpReply::ok(page(1, 1)));
  testing::FakeOp& op = rig.poll();
  REQUIRE(op.succeeded());
  CHECK(op.cursor == kBase + "?after=1");
}

TEST_CASE("paged GET stores the handler's token as cursor and turns it back into a URL on resume") {
  Rig rig(R"({"first_url":"https://acme.okta.com/api/v1/logs","max_pages":5,"token_cursor":true})");
  rig.host.script(HttpReply::ok(page(0, 1, R"(,"last":"e1")"), 200, next(kBase + "?after=opaque1")));
  rig.host.script(HttpReply::ok(page(1, 1, R"(,"last":"e2")")));
  testing::FakeOp& op = rig.poll();
  REQUIRE(op.succeeded());
  CHECK(op.cursor == std::string("e2"));
  rig.host.script(HttpReply::ok(page(2, 1, R"(,"last":"e3")")));
  REQUIRE(rig.poll("e2").succeeded());
  CHECK(rig.urls().back() == kBase + "?after=e2");
}

TEST_CASE("paged GET stops when the handler says so and the cursor moves past that page") {
  Rig rig(kConfig);
  rig.host.script(HttpReply::ok(page(0, 1, R"(,"stop":true)"), 200, next(kBase + "?after=1")));
  testing::FakeOp& op = rig.poll();
  REQUIRE(op.succeeded());
  CHECK(rig.host.http_requests().size() == 1);
  CHECK(op.cursor == kBase + "?after=1");
}

TEST_CASE("a 429 on the first page fails the poll as a rate limit with the wait from X-Rate-Limit-Reset") {
  Rig rig(kConfig);
  const int64_t reset_s = FakeHost::kDefaultStartMs / 1000 + 30;
  rig.host.script(HttpReply::ok(R"({"errorCode":"E0000047"})", 429,
                                {{"X-Rate-Limit-Remaining", "0"}, {"X-Rate-Limit-Reset", std::to_string(reset_s)}}));
  testing::FakeOp& op = rig.poll();
  CHECK(op.category() == SIEMHUB_CAT_RATE_LIMIT);
  const int64_t waited = rig.host.now_ms() - FakeHost::kDefaultStartMs;
  CHECK(op.final_status().retry_after_ms <= 30'000);
  CHECK(op.final_status().retry_after_ms >= 30'000 - waited);
  CHECK(op.message() == "GET " + kBase + ": HTTP 429");
}

TEST_CASE("an error on a later page keeps the pages read and resumes from the page that failed") {
  Rig rig(kConfig);
  rig.host.script(HttpReply::ok(page(0, 2), 200, next(kBase + "?after=2&token=secret")));
  rig.host.script(HttpReply::ok("{}", 503));
  testing::FakeOp& op = rig.poll();
  INFO(op.describe());
  REQUIRE(op.succeeded());
  CHECK(op.events.size() == 2);
  CHECK(op.cursor == kBase + "?after=2&token=secret");
  CHECK(rig.host.logged("HTTP 503 after 1 page(s)", SIEMHUB_LOG_WARN));
  CHECK_FALSE(rig.host.logged("secret"));
}

TEST_CASE("a transport failure on the first page fails the poll with its category") {
  Rig rig(kConfig);
  rig.host.script(HttpReply::failure(SIEMHUB_CAT_TIMEOUT, "timed out after 30000 ms"));
  testing::FakeOp& op = rig.poll();
  CHECK(op.category() == SIEMHUB_CAT_TIMEOUT);
  CHECK(op.message() == "timed out after 30000 ms");
}

TEST_CASE("an exception in the page handler fails the poll as internal with its text") {
  Rig rig(kConfig);
  rig.host.script(HttpReply::ok(page(0, 1), 200, next(kBase + "?after=1")));
  rig.host.script(HttpReply::ok(page(1, 1, R"(,"throw":true)")));
  testing::FakeOp& op = rig.poll();
  CHECK(op.category() == SIEMHUB_CAT_INTERNAL);
  CHECK_THAT(op.message(), Catch::Contains("mapping failed on page 1"));
  CHECK_FALSE(op.threw);
  CHECK(op.complete_calls == 1);
}

TEST_CASE("a URL outside the egress allow-list fails the poll as a config error") {
  Rig rig(kConfig);
  rig.host.allow_egress({"other.example"});
  testing::FakeOp& op = rig.poll();
  CHECK(op.category() == SIEMHUB_CAT_CONFIG);
  CHECK_THAT(op.message(), Catch::Contains("egress not allowed"));
  CHECK(op.complete_calls == 1);
}

TEST_CASE("a stored cursor on another origin is not requested and the poll starts from first_url") {
  Rig rig(kConfig);
  rig.host.script(HttpReply::ok(page(0, 1)));
  testing::FakeOp& op = rig.poll("https://old-tenant.okta.com/api/v1/logs?after=9");
  REQUIRE(op.succeeded());
  CHECK(rig.urls() == std::vector<std::string>{kBase});
  CHECK(rig.host.logged("the stored cursor is not on https://acme.okta.com", SIEMHUB_LOG_WARN));
}

TEST_CASE("a first_url that is not absolute fails the poll as a config error") {
  Rig rig(R"({"first_url":"/api/v1/logs"})");
  testing::FakeOp& op = rig.poll();
  CHECK(op.category() == SIEMHUB_CAT_CONFIG);
  CHECK(op.complete_calls == 1);
}
