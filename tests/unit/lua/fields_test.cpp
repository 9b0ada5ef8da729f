// FieldCache: the one walk of an event's top-level object must give every path exactly what a
// walk from the root (resolve) gives, whatever the shape of the event and of the path.
#include "lua/event_view.hpp"
#include "lua/match.hpp"

#include "helpers.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace siemhub;
using namespace siemhub::lua;

namespace {

std::string text_of(const std::optional<simdjson::dom::element>& e) {
  return e ? simdjson::to_string(*e) : std::string("<none>");
}

}  // namespace

TEST_CASE("a field cache gives every path what a walk from the root gives, whatever the event") {
  const std::vector<std::string> events = {
      R"({"class_uid":3002,"time":1,"user":{"name":"ann","uid":"a1"},"metadata":{"uid":"m1"}})",
      // duplicate keys: the first one counts, at the top and below
      R"({"user":{"name":"first"},"time":2,"user":{"name":"second"},"time":3,"class_uid":1})",
      // a key spelled with an escape is the same key
      R"({"us\u0065r":{"name":"esc"},"time":"4","metadata":{"uid":5}})",
      R"({"arr":[{"v":1},{"v":"two"}],"0":{"x":"zero"},"":{"b":"empty"},"a":{"":{"b":"deep"}}})",
      R"({"user":null,"time":null,"class_uid":[3002]})",
      R"([{"user":{"name":"in an array"}},{"x":1}])",  // the root is not an object
      R"("just a string")",
      R"({})",
  };
  const std::vector<std::string> paths = {
      "",          "time",      "class_uid",    "metadata.uid", "user",      "user.name", "user.uid",
      "user.name.x", "user[0]", "missing",      "missing.x",    "a.",        "a..b",      ".a",
      "[0]",       "[1].x",     "0",            "0.x",          "0.user.name", "arr",     "arr[1].v",
      "arr.1.v",   "arr[9]",    "arr[x]",       "arr[0",        "a.b",       "time.x",    "user..name",
      "arr.1",     "arr.x",     "metadata.uid.x", "0.x.y",
  };
  PathIds ids;
  std::vector<int> id_of;
  for (const auto& p : paths) id_of.push_back(ids.id(p));
  REQUIRE(ids.id("user.name") == id_of[5]);  // numbered once

  FieldCache cache;  // one cache for every event, as an engine keeps it
  for (const auto& json : events) {
    const auto event = ocsf::Event::parse(json);
    REQUIRE(event.ok());
    cache.reset(*event.root(), ids);
    for (int round = 0; round < 2; ++round) {  // the second read comes from the cache
      for (std::size_t i = 0; i < paths.size(); ++i) {
        INFO(json << "  path '" << paths[i] << "' round " << round);
        CHECK(text_of(cache.get(id_of[i], paths[i])) == text_of(resolve(*event.root(), paths[i])));
      }
    }
    CHECK(text_of(cache.get(-1, "user.name")) == text_of(resolve(*event.root(), "user.name")));  // not interned
  }
}

TEST_CASE("cidr conditions of many rules on one field match each event as each rule alone does") {
  // The rules share the field's parsed address within an event; each must still see its own
  // event's address (and no address where the field is not one).
  const char* rules[] = {
      R"(rule { id = "c.a", where = { ["src_endpoint.ip|cidr"] = "10.0.0.0/8" }, window = "1m", count = 1 })",
      R"(rule { id = "c.b", where = { ["src_endpoint.ip|cidr"] = { "10.1.0.0/16", "fd00::/8" } }, window = "1m", count = 1 })",
      R"(rule { id = "c.c", where = { ["src_endpoint.ip|cidr"] = "192.0.2.0/24", status_id = 1 }, window = "1m", count = 1 })",
      R"(rule { id = "c.d", where = { ["not"] = { ["src_endpoint.ip|cidr"] = "10.1.2.3/32" } }, window = "1m", count = 1 })",
  };
  const char* ips[] = {R"("10.1.2.3")", R"("10.2.0.1")", R"("fd00::1")", R"("192.0.2.9")", R"("not an ip")",
                       "17",           R"(["10.1.0.1", "x"])", R"("10.1.2.3 ")", "null"};
  lua::testing::Feed feed;
  for (int round = 0; round < 3; ++round)
    for (std::size_t i = 0; i < std::size(ips); ++i)
      feed.add(std::string(R"({"class_uid":3002,"time":)") + std::to_string(1000 * (round * 10 + i)) +
               R"(,"status_id":)" + (i % 2 ? "1" : "2") + R"(,"src_endpoint":{"ip":)" + ips[i] + "}}");
  std::string all;
  for (const char* r : rules) all += std::string(r) + "\n";
  auto together = lua::testing::load_text(all);
  feed.run(*together);
  for (const char* r : rules) {
    auto alone = lua::testing::load_text(r);
    feed.run(*alone);
    const std::string id = alone->rules().front().id;
    INFO(id);
    CHECK(together->stats(id).matched == alone->stats(id).matched);
    CHECK(together->stats(id).matched > 0);
  }
}
