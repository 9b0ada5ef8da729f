// The one nesting limit: simdjson's parsers and the nlohmann reader refuse the same depth, and
// what is refused is never built (so nothing recursive runs over it).
#include "ocsf/json_depth.hpp"

#include "ocsf/event.hpp"
#include "ocsf/normalize.hpp"

#include <catch2/catch.hpp>

#include <utility>

using namespace siemhub::ocsf;

namespace {

std::string arrays(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }
std::string objects(size_t depth) {
  std::string s;
  for (size_t i = 0; i < depth; ++i) s += R"({"k":)";
  return s + "1" + std::string(depth, '}');
}

}  // namespace

TEST_CASE("both JSON readers take 512 levels and refuse 513 with the same message", "[ocsf][depth]") {
  // 512 empty arrays: the innermost is level 512. 511 objects around a number: the number is 512.
  const std::pair<std::string, std::string> cases[] = {{arrays(512), arrays(513)}, {objects(511), objects(512)}};
  for (const auto& [fits, deeper] : cases) {
    INFO(fits.substr(0, 20));
    bool deep = true;
    CHECK_FALSE(parse_json(fits, &deep).is_discarded());
    CHECK_FALSE(deep);
    CHECK(parse_json(deeper, &deep).is_discarded());
    CHECK(deep);
    CHECK(Event::parse(fits).ok());
    const Event refused = Event::parse(deeper);
    CHECK(refused.error() == simdjson::DEPTH_ERROR);
    CHECK(json_error_text(refused.error()) == "nested deeper than 512 levels");
  }
  // Invalid JSON is discarded without being called too deep.
  bool deep = true;
  CHECK(parse_json("[1,", &deep).is_discarded());
  CHECK_FALSE(deep);
}

TEST_CASE("a 100000-deep document is refused by both readers and by normalize which gives its text back",
          "[ocsf][depth]") {
  const std::string text = arrays(100000);
  bool deep = false;
  CHECK(parse_json(text, &deep).is_discarded());
  CHECK(deep);
  CHECK(parse_json<nlohmann::ordered_json>(objects(100000)).is_discarded());
  NormalizedEvent out;
  const auto why = normalize(text, out);
  REQUIRE(why);
  CHECK(*why == "not valid JSON: nested deeper than 512 levels");
  CHECK(out.json == text);  // for the dead letters, without a copy
}
