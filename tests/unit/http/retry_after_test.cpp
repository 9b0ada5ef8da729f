#include "gzip.hpp"
#include "retry_after.hpp"

#include <catch2/catch.hpp>

#include <limits>

using siemhub::http::parse_retry_after_ms;

namespace {
const auto epoch_1994 =
    std::chrono::system_clock::from_time_t(784111777); // Sun, 06 Nov 1994 08:49:37 GMT
}

TEST_CASE("Retry-After delta seconds become milliseconds") {
    CHECK(parse_retry_after_ms("120") == 120000u);
    CHECK(parse_retry_after_ms(" 0 ") == 0u);
    CHECK(parse_retry_after_ms("99999999999") == std::numeric_limits<uint32_t>::max());
}

TEST_CASE("Retry-After HTTP dates count from now and never go negative") {
    CHECK(parse_retry_after_ms("Sun, 06 Nov 1994 08:50:07 GMT", epoch_1994) == 30000u);
    CHECK(parse_retry_after_ms("Sunday, 06-Nov-94 08:50:07 GMT", epoch_1994) == 30000u);
    CHECK(parse_retry_after_ms("Sun, 06 Nov 1994 08:49:00 GMT", epoch_1994) == 0u);
}

TEST_CASE("Retry-After garbage or empty yields zero") {
    CHECK(parse_retry_after_ms("") == 0u);
    CHECK(parse_retry_after_ms("soon") == 0u);
    CHECK(parse_retry_after_ms("-5") == 0u);
}

TEST_CASE("gzip helpers round-trip and reject garbage") {
    const std::string text(10000, 'x');
    const auto packed = siemhub::http::gzip_compress(text);
    REQUIRE(packed);
    CHECK(packed->size() < text.size());
    CHECK(siemhub::http::gzip_decompress(*packed) == text);
    CHECK_FALSE(siemhub::http::gzip_decompress("not gzip"));
    CHECK_FALSE(siemhub::http::gzip_decompress(packed->substr(0, packed->size() / 2)));
    CHECK_FALSE(siemhub::http::gzip_decompress(*packed, 100));
}
