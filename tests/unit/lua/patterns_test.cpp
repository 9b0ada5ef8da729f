#include "lua/patterns.hpp"

#include <catch2/catch.hpp>

#include <cstring>

using siemhub::lua::analyse_pattern;

namespace {
int compounding(const char* p) { return analyse_pattern(p, std::strlen(p)).unbounded; }
}  // namespace

TEST_CASE("pattern analysis counts quantifiers that can compound") {
  CHECK(compounding("a*a*a*a*a*a*a*a*a*a*a*a*c") == 11);  // the final c pins one
  CHECK(compounding(".-x.-y") == 2);      // "." also matches the x: no separation
  CHECK(compounding(".*a*x") == 2);
}

TEST_CASE("pattern analysis lets a literal that no quantifier matches separate runs") {
  CHECK(compounding("%d+%.%d+%.%d+%.%d+") == 1);
  CHECK(compounding("(%w+)=(%w+)") == 1);
  CHECK(compounding("^[%a_][%w_]*$") == 1);
  CHECK(compounding("hello") == 0);
  CHECK_FALSE(analyse_pattern("hello", 5).special);
  CHECK(analyse_pattern("^ab", 3).anchored);
}
