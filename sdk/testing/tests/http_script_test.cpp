// Scripted HTTP exchanges (http_script.hpp) and the script.* conformance checks.
#include <catch2/catch.hpp>

#include <siemhub/paging.hpp>
#include <siemhub/plugin.hpp>
#include <siemhub/testing/conformance.hpp>

#include <string>

using siemhub::testing::check_script;
using siemhub::testing::FakeHost;
using siemhub::testing::HttpScript;
using siemhub::testing::Instance;
using siemhub::testing::Plugin;
using siemhub::testing::ScriptedHttp;

namespace {

// Two pages linked by rel="next", a 429 on the second (twice), then the second page and an
// empty last one.
const char* kTwoPages = R"({
  "exchanges": [
    {"request": {"url": "https://api.example.com/v1/items", "headers": {"Authorization": "Bearer t"}},
     "response": {"headers": [["Link", "<https://api.example.com/v1/items?p=1>; rel=\"self\""],
                              ["Link", "<https://api.example.com/v1/items?p=2>; rel=\"next\""]],
                  "body": [{"n": 1}, {"n": 2}]}},
    {"request": {"url_pattern": "https://api.example.com/v1/items?p=*"},
     "response": {"status": 429, "headers": [["Retry-After", "7"]]}},
    {"request": {"url_pattern": "https://api.example.com/v1/items?p=*"},
     "response": {"status": 429, "headers": [["Retry-After", "3"]]}},
    {"request": {"url": "https://api.example.com/v1/items?p=2"},
     "response": {"headers": [["Link", "<https://api.example.com/v1/items?p=3>; rel=\"next\""]], "body": [{"n": 3}]}},
    {"request": {"url": "https://api.example.com/v1/items?p=3"}, "response": {"body": []}}
  ],
  "expect": {"min_events": 3, "max_polls": 6}
})";

// A pull source on paged_get; `Flavor` picks a way to misbehave.
enum class Flavor { good, no_cursor, wrong_url };
template <Flavor F>
class PagedSource {
 public:
  static constexpr char id[] = "test.paged-source";
  static constexpr char version[] = "0.1.0";
  PagedSource(siemhub::sdk::Host host, const nlohmann::json&) : host_(host) {}
  void poll(siemhub::sdk::PullOp& op) {
    siemhub::sdk::PagedGetOptions o;
    o.first_url = F == Flavor::wrong_url ? "https://api.example.com/v2/items" : "https://api.example.com/v1/items";
    o.headers = {{"Authorization", "Bearer t"}};
    if (F == Flavor::no_cursor) o.url_of_cursor = [](const std::string&) { return "https://api.example.com/v1/items?p=2"; };
    siemhub::sdk::paged_get(host_, op, std::move(o), [](siemhub::sdk::Page& page) {
      const auto items = nlohmann::json::parse(page.response.body);
      std::vector<std::string> evs;
      for (const auto& i : items) evs.push_back(nlohmann::json{{"class_uid", 6003}, {"n", i["n"]}}.dump());
      page.op.emit(evs);
      if (F == Flavor::no_cursor) page.set_cursor("same");
    });
  }

 private:
  siemhub::sdk::Host host_;
};

class Sink {
 public:
  static constexpr char id[] = "test.sink";
  static constexpr char version[] = "0.1.0";
  Sink(siemhub::sdk::Host, const nlohmann::json&) {}
  void write(siemhub::sdk::SinkOp& op, const siemhub::sdk::Batch& b) { op.deliver(0, static_cast<uint32_t>(b.size())); }
};

std::string failures(const siemhub::testing::ConformanceReport& r) {
  std::string s;
  for (const auto& c : r.checks)
    if (!c.pass) s += c.name + ": " + c.reason + "\n";
  return s;
}

}  // namespace

TEST_CASE("a script parses requests patterns repeated headers and bodies") {
  const HttpScript s = HttpScript::parse(kTwoPages);
  REQUIRE(s.exchanges.size() == 5);
  CHECK(s.exchanges[0].request.method == "GET");
  CHECK(s.exchanges[0].response.headers.size() == 2);
  CHECK(s.exchanges[0].response.headers[1].second == "<https://api.example.com/v1/items?p=2>; rel=\"next\"");
  CHECK(s.exchanges[0].response.body == R"([{"n":1},{"n":2}])");
  CHECK(s.exchanges[1].request.pattern);
  CHECK(s.exchanges[1].response.status == 429);
  CHECK(s.exchanges[1].response.retry_after_ms == 7000);
  CHECK(s.expect.min_events == 3);
  CHECK(s.expect.max_polls == 6);
}

TEST_CASE("a malformed script is refused naming the place") {
  auto error_of = [](const std::string& text) {
    try {
      HttpScript::parse(text);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK_THAT(error_of(R"({"exchanges": [{"request": {"url": "u"}, "response": {"status": 42}}]})"),
             Catch::Contains("exchanges[0].response.status: expected an integer 100..599"));
  CHECK_THAT(error_of(R"({"exchanges": [{"request": {}, "response": {}}]})"),
             Catch::Contains("exchanges[0].request: give exactly one of url and url_pattern"));
  CHECK_THAT(error_of(R"({"exchanges": [{"request": {"url": "u", "verb": "GET"}, "response": {}}]})"),
             Catch::Contains("exchanges[0].request.verb: unknown key"));
  CHECK_THAT(error_of(R"({"exchanges": [{"request": {"url": "u"}, "response": {"error": "NOPE"}}]})"),
             Catch::Contains("exchanges[0].response.error: expected a category name"));
  CHECK_THAT(error_of("[1]"), Catch::Contains("expected an object"));
  CHECK_THAT(error_of("{"), Catch::Contains("not JSON"));
}

TEST_CASE("glob patterns match any run of characters") {
  using siemhub::testing::glob_match;
  CHECK(glob_match("https://x/*", "https://x/a?b=c"));
  CHECK(glob_match("a*c*e", "abcde"));
  CHECK(glob_match("a*", "a"));
  CHECK_FALSE(glob_match("a*c", "abd"));
  CHECK_FALSE(glob_match("abc", "abcd"));
}

TEST_CASE("the fake host answers scripted requests in order and records a stray one as a violation") {
  FakeHost host;
  ScriptedHttp http(host, HttpScript::parse(kTwoPages));
  auto plugin = Plugin::wrap(siemhub::sdk::descriptor_of<PagedSource<Flavor::wrong_url>>());
  REQUIRE(plugin->init(host).ok());
  auto inst = Instance::create(*plugin, host, "{}");
  REQUIRE(inst);
  auto& op = inst->poll();
  inst->wait(op);
  CHECK_FALSE(op.succeeded());
  CHECK(op.category() == SIEMHUB_CAT_PERMANENT);
  CHECK(http.answered() == 0);
  CHECK_FALSE(http.consumed());
  REQUIRE(http.mismatches().size() == 1);
  CHECK_THAT(http.mismatches()[0], Catch::Contains("URL https://api.example.com/v2/items differs from the expected "
                                                   "https://api.example.com/v1/items"));
  CHECK_THAT(host.violations().back(), Catch::Contains("scripted HTTP: request 1 GET https://api.example.com/v2/items"));
}

TEST_CASE("check_script passes a paged source through pages a 429 and a restart from the cursor") {
  auto plugin = Plugin::wrap(siemhub::sdk::descriptor_of<PagedSource<Flavor::good>>());
  const auto report = check_script(*plugin, HttpScript::parse(kTwoPages));
  INFO(failures(report));
  CHECK(report.passed());
  for (const char* name : {"script.exchanges", "script.polls", "script.events", "script.cursor", "script.contract"})
    CHECK(report.find(name) != nullptr);
  CHECK_THAT(report.find("script.cursor")->reason, Catch::Contains("a new instance resumed from"));
  CHECK_THAT(report.find("script.polls")->reason, Catch::Contains("RATE_LIMIT"));
}

TEST_CASE("check_script fails a source whose cursor does not move") {
  auto plugin = Plugin::wrap(siemhub::sdk::descriptor_of<PagedSource<Flavor::no_cursor>>());
  const auto report = check_script(*plugin, HttpScript::parse(kTwoPages));
  REQUIRE(report.find("script.cursor") != nullptr);
  CHECK_FALSE(report.find("script.cursor")->pass);
  CHECK_THAT(report.find("script.cursor")->reason, Catch::Contains("left the cursor where it was"));
}

TEST_CASE("check_script fails a source that requests what the script does not expect") {
  auto plugin = Plugin::wrap(siemhub::sdk::descriptor_of<PagedSource<Flavor::wrong_url>>());
  const auto report = check_script(*plugin, HttpScript::parse(kTwoPages));
  CHECK_FALSE(report.passed());
  CHECK_FALSE(report.find("script.exchanges")->pass);
  CHECK_THAT(report.find("script.exchanges")->reason, Catch::Contains("does not match exchange 0"));
  CHECK_FALSE(report.find("script.events")->pass);
}

TEST_CASE("check_script refuses a plugin that is not a pull source") {
  auto plugin = Plugin::wrap(siemhub::sdk::descriptor_of<Sink>());
  const auto report = check_script(*plugin, HttpScript::parse(kTwoPages));
  REQUIRE(report.checks.size() == 1);
  CHECK_FALSE(report.checks[0].pass);
  CHECK_THAT(report.checks[0].reason, Catch::Contains("needs a pull source"));
}
