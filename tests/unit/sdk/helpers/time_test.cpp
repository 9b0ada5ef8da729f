// siemhub/time.hpp: RFC 3339 and HTTP-date parsing, UTC formatting, calendar arithmetic.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <ctime>
#include <string>

#include "siemhub/time.hpp"

using siemhub::sdk::format_rfc3339_ms;
using siemhub::sdk::parse_http_date_ms;
using siemhub::sdk::parse_rfc3339_ms;

namespace {
int64_t ms(std::string_view s) {
  const auto r = parse_rfc3339_ms(s);
  INFO(s << ": " << (r.error ? r.error : "ok"));
  REQUIRE(r.ok());
  return r.ms;
}
std::string error_of(std::string_view s) {
  const auto r = parse_rfc3339_ms(s);
  return r.error ? r.error : "ok";
}
}  // namespace

TEST_CASE("parses RFC 3339 times with Z and offsets to the same instant") {
  CHECK(ms("1970-01-01T00:00:00Z") == 0);
  CHECK(ms("2023-11-14T22:13:20Z") == 1'700'000'000'000);
  CHECK(ms("2023-11-14T23:13:20+01:00") == 1'700'000'000'000);
  CHECK(ms("2023-11-14T17:43:20-04:30") == 1'700'000'000'000);
  CHECK(ms("2023-11-14T22:13:20+00:00") == 1'700'000'000'000);
  CHECK(ms("2023-11-14T23:13:20+0100") == 1'700'000'000'000);
  CHECK(ms("2023-11-14T23:13:20+01") == 1'700'000'000'000);
}

TEST_CASE("accepts lower-case t and z and a space between date and time") {
  CHECK(ms("2023-11-14t22:13:20z") == 1'700'000'000'000);
  CHECK(ms("2023-11-14 22:13:20Z") == 1'700'000'000'000);
}

TEST_CASE("keeps milliseconds from fractions of any length and truncates the rest") {
  CHECK(ms("2023-11-14T22:13:20.1Z") == 1'700'000'000'100);
  CHECK(ms("2023-11-14T22:13:20.12Z") == 1'700'000'000'120);
  CHECK(ms("2023-11-14T22:13:20.123Z") == 1'700'000'000'123);
  CHECK(ms("2023-11-14T22:13:20.123999999Z") == 1'700'000'000'123);
  CHECK(ms("2023-11-14T22:13:20,5Z") == 1'700'000'000'500);
}

TEST_CASE("handles dates before 1970 and leap days") {
  CHECK(ms("1969-12-31T23:59:59.999Z") == -1);
  CHECK(ms("2024-02-29T00:00:00Z") == 1'709'164'800'000);
  CHECK(ms("2000-02-29T00:00:00Z") == 951'782'400'000);
  CHECK(error_of("2023-02-29T00:00:00Z") == "day out of range for the month");
  CHECK(error_of("1900-02-29T00:00:00Z") == "day out of range for the month");
  CHECK(error_of("2023-04-31T00:00:00Z") == "day out of range for the month");
}

TEST_CASE("names what is wrong with a malformed time") {
  CHECK(error_of("2023-13-01T00:00:00Z") == "month out of range (01..12)");
  CHECK(error_of("2023-00-01T00:00:00Z") == "month out of range (01..12)");
  CHECK(error_of("2023-01-01T24:00:00Z") == "hour out of range (00..23)");
  CHECK(error_of("2023-01-01T23:60:00Z") == "minute out of range (00..59)");
  CHECK(error_of("2023-01-01T23:59:61Z") == "second out of range (00..60)");
  CHECK(error_of("2023-01-01T00:00:00") == "missing time zone offset (Z or +HH:MM)");
  CHECK(error_of("2023-01-01") == "missing time (a date alone is not an instant)");
  CHECK(error_of("2023-01-01T00:00:00.Z") == "expected digits after the decimal point");
  CHECK(error_of("2023-01-01T00:00:00+24:00") == "time zone offset out of range");
  CHECK(error_of("2023-01-01T00:00:00Zjunk") == "unexpected text after the time zone offset");
  CHECK(error_of("23-01-01T00:00:00Z") == "expected a 4-digit year");
  CHECK(error_of("") == "expected a 4-digit year");
}

TEST_CASE("reads a time without an offset as UTC only when asked") {
  const auto r = parse_rfc3339_ms("2023-11-14T22:13:20.5", true);
  REQUIRE(r.ok());
  CHECK(r.ms == 1'700'000'000'500);
}

TEST_CASE("counts a leap second as the start of the next second") {
  CHECK(ms("2016-12-31T23:59:60Z") == ms("2017-01-01T00:00:00Z"));
}

TEST_CASE("formats epoch milliseconds in UTC with millisecond precision") {
  CHECK(format_rfc3339_ms(0) == "1970-01-01T00:00:00.000Z");
  CHECK(format_rfc3339_ms(1'700'000'000'123) == "2023-11-14T22:13:20.123Z");
  CHECK(format_rfc3339_ms(-1) == "1969-12-31T23:59:59.999Z");
  CHECK(format_rfc3339_ms(1'709'164'800'000) == "2024-02-29T00:00:00.000Z");
  CHECK(format_rfc3339_ms(253'402'300'800'000).empty());  // year 10000
}

TEST_CASE("formatting and parsing round-trip over many instants") {
  for (int64_t t = -62'135'596'800'000; t < 253'402'300'799'000; t += 86'400'000LL * 997 + 12'345'678) {
    const std::string s = format_rfc3339_ms(t);
    REQUIRE(s.size() == 24);
    REQUIRE(ms(s) == t);
  }
}

TEST_CASE("does not depend on the process time zone") {
  const char* old = std::getenv("TZ");
  const std::string saved = old ? old : "";
  setenv("TZ", "America/St_Johns", 1);
  tzset();
  CHECK(format_rfc3339_ms(1'700'000'000'000) == "2023-11-14T22:13:20.000Z");
  CHECK(ms("2023-11-14T22:13:20Z") == 1'700'000'000'000);
  if (old) setenv("TZ", saved.c_str(), 1);
  else unsetenv("TZ");
  tzset();
}

TEST_CASE("parses the three HTTP-date forms of RFC 9110") {
  constexpr int64_t want = 784'111'777'000;  // 1994-11-06T08:49:37Z
  CHECK(parse_http_date_ms("Sun, 06 Nov 1994 08:49:37 GMT").ms == want);
  CHECK(parse_http_date_ms("Sunday, 06-Nov-94 08:49:37 GMT").ms == want);
  CHECK(parse_http_date_ms("Sun Nov  6 08:49:37 1994").ms == want);
  CHECK(parse_http_date_ms("Sun, 06 nov 1994 08:49:37 GMT").ms == want);
  CHECK(parse_http_date_ms("Thursday, 01-Jan-26 00:00:00 GMT").ms == ms("2026-01-01T00:00:00Z"));
}

TEST_CASE("refuses malformed HTTP-dates naming the fault") {
  CHECK(std::string(parse_http_date_ms("Sun, 06 Foo 1994 08:49:37 GMT").error) == "unknown month name");
  CHECK(std::string(parse_http_date_ms("Sun, 06 Nov 1994 08:49:37 UTC").error) == "an HTTP-date must end in GMT");
  CHECK(std::string(parse_http_date_ms("Sun, 31 Nov 1994 08:49:37 GMT").error) == "day out of range for the month");
  CHECK(std::string(parse_http_date_ms("120").error) == "not an HTTP-date (IMF-fixdate, RFC 850 or asctime)");
  CHECK_FALSE(parse_http_date_ms("Sun, 06 Nov 1994 08:4x:37 GMT").ok());
}

TEST_CASE("breaks instants into UTC calendar fields with the weekday") {
  const auto t = siemhub::sdk::civil_from_ms(784'111'777'000);
  CHECK(t.year == 1994);
  CHECK(t.month == 11);
  CHECK(t.day == 6);
  CHECK(t.hour == 8);
  CHECK(t.weekday == 0);  // Sunday
  CHECK(siemhub::sdk::civil_from_ms(-86'400'000).weekday == 3);  // 1969-12-31, a Wednesday
}
