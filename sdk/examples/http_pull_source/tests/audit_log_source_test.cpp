// Fixture-driven test of audit_log_source.so with the SDK test kit (no test framework needed):
//   audit_log_source_test build/audit_log_source.so tests/two_pages_429_resume.json
// Two pages via Link rel="next", a 429 on the third page (the two pages are kept, the cursor
// points at the third), a restart that resumes from the cursor and meets the 429 again
// (RATE_LIMIT with the Retry-After wait), then the rest.
#include <siemhub/testing/conformance.hpp>

#include <cstdlib>
#include <iostream>
#include <set>
#include <string>

using namespace siemhub::testing;

namespace {
int failures = 0;
void expect(bool ok, const std::string& what) {
  std::cout << (ok ? "ok   " : "FAIL ") << what << std::endl;
  if (!ok) ++failures;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: audit_log_source_test PLUGIN.so SCRIPT.json\n";
    return 2;
  }
  FakeHost host;
  ScriptedHttp http(host, HttpScript::load(argv[2]));
  std::string err;
  auto plugin = Plugin::load(argv[1], &err);
  if (!plugin || !plugin->init(host).ok()) {
    std::cerr << "cannot load " << argv[1] << ": " << err << "\n";
    return 1;
  }
  const std::string config = R"({"base_url": "https://api.example.com/", "token": "test-token", "page_size": 2})";

  auto first = Instance::create(*plugin, host, config);
  expect(first && first->start().ok(), "the instance starts");
  if (!first) return 1;
  FakeOp& p1 = first->poll();
  first->wait(p1);
  expect(p1.succeeded() && p1.events.size() == 4, "the first poll keeps both pages before the 429: " + p1.describe());
  expect(p1.cursor.value_or("").ends_with("after=p3"), "its cursor is the page that was rate limited");
  std::set<int> classes;
  for (const auto& e : p1.events) classes.insert(nlohmann::json::parse(e).value("class_uid", 0));
  expect(classes == std::set<int>{3002, 6003}, "sign-ins map to Authentication, the rest to API Activity");
  const auto e0 = nlohmann::json::parse(p1.events.at(0));
  expect(e0["user"]["name"] == "alice@example.com" && e0["time"] == 1699996800000 && e0["src_endpoint"]["ip"] == "198.51.100.7",
         "the user, the time and the client address are mapped");
  first->stop();
  first->destroy();

  // A restart: a new instance resumes from the stored cursor.
  auto second = Instance::create(*plugin, host, config);
  expect(second && second->start().ok(), "a new instance starts");
  if (!second) return 1;
  FakeOp& p2 = second->poll(p1.cursor);
  second->wait(p2);
  expect(host.http_requests().size() == 4 && host.http_requests().back().url == p1.cursor,
         "the new instance asks for the page at the cursor");
  expect(p2.category() == SIEMHUB_CAT_RATE_LIMIT && p2.final_status().retry_after_ms == 29000,
         "a 429 on the first page fails the poll RATE_LIMIT with the Retry-After wait: " + p2.describe());
  host.advance(29000);
  FakeOp& p3 = second->poll(p1.cursor);
  second->wait(p3);
  expect(p3.succeeded() && p3.events.size() == 1, "after the wait the rest arrives: " + p3.describe());
  expect(p3.cursor.value_or("").ends_with("after=p4"), "the cursor moves on to the next link");
  expect(http.consumed() && http.mismatches().empty(), "every scripted exchange was requested, in order");
  for (const auto& m : http.mismatches()) std::cout << "     " << m << "\n";
  second->stop();
  second->destroy();
  plugin->shutdown();
  std::cout << (failures ? "FAILED" : "PASSED") << std::endl;
  std::_Exit(failures ? 1 : 0);
}
