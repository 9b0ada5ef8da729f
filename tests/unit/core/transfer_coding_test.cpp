#include <catch2/catch.hpp>

#include "core/transfer_coding.hpp"

using siemhub::core::refuse_transfer_coding;

namespace {
std::optional<unsigned> refusal(std::string_view te) {
  std::string why;
  return refuse_transfer_coding(te, why);
}
}  // namespace

TEST_CASE("chunked alone is the only transfer coding a request may use", "[core][http]") {
  CHECK_FALSE(refusal("chunked"));
  CHECK_FALSE(refusal(" Chunked "));
  CHECK_FALSE(refusal("chunked,"));
  CHECK(refusal("gzip, chunked") == 501u);
  CHECK(refusal("chunked, chunked") == 501u);
}

TEST_CASE("a transfer coding list that does not end in chunked is 400 with why", "[core][http]") {
  CHECK(refusal("gzip") == 400u);
  CHECK(refusal("identity") == 400u);
  CHECK(refusal("chunked, gzip") == 400u);
  CHECK(refusal("") == 400u);
  std::string why;
  refuse_transfer_coding("gzip", why);
  CHECK_THAT(why, Catch::Contains("\"gzip\" does not end in chunked"));
}
