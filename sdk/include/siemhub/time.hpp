// siemhub SDK helpers — timestamps as epoch milliseconds (UTC), header-only.
//
//   parse_rfc3339_ms("2024-02-29T23:59:59.123456+01:00")  -> {1709247599123, nullptr}
//   format_rfc3339_ms(1709247599123)                       -> "2024-02-29T22:59:59.123Z"
//   parse_http_date_ms("Sun, 06 Nov 1994 08:49:37 GMT")    -> {784111777000, nullptr}
//
// Follows RFC 3339 §5.6 (the ISO 8601 profile used by REST APIs) and RFC 9110 §5.6.7 (HTTP-date:
// IMF-fixdate, RFC 850 and asctime forms). Pure arithmetic on the proleptic Gregorian calendar
// (H. Hinnant's days_from_civil): nothing reads the process time zone, the locale or the clock.
// Nothing here throws or allocates, except format_rfc3339_ms's std::string.
#ifndef SIEMHUB_TIME_HPP
#define SIEMHUB_TIME_HPP

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace siemhub::sdk {

/// A parsed time: `ms` since 1970-01-01T00:00:00Z when `error` is null, else `error` names what
/// is wrong ("day out of range for the month"). A static string: nothing to free.
struct TimeResult {
  int64_t ms = 0;
  const char* error = nullptr;
  bool ok() const { return error == nullptr; }
  explicit operator bool() const { return ok(); }
};

/// A UTC calendar time broken down (month 1..12, weekday 0 = Sunday).
struct CivilTime {
  int64_t year = 1970;
  int month = 1, day = 1, hour = 0, minute = 0, second = 0, millisecond = 0, weekday = 4;
};

/// Days since 1970-01-01 of a proleptic Gregorian date (month 1..12).
constexpr int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

constexpr bool is_leap_year(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

constexpr int days_in_month(int64_t y, int m) {
  constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap_year(y) ? 29 : days[m - 1];
}

/// The UTC calendar fields of an epoch-ms instant (negative instants included).
constexpr CivilTime civil_from_ms(int64_t ms) {
  int64_t days = ms / 86'400'000;
  int64_t rest = ms % 86'400'000;
  if (rest < 0) rest += 86'400'000, --days;
  CivilTime t;
  t.weekday = static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday (4)
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  t.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  t.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  t.year = yoe + era * 400 + (t.month <= 2);
  t.hour = static_cast<int>(rest / 3'600'000);
  t.minute = static_cast<int>(rest / 60'000 % 60);
  t.second = static_cast<int>(rest / 1000 % 60);
  t.millisecond = static_cast<int>(rest % 1000);
  return t;
}

namespace detail {

// Reads exactly `n` digits at `pos`; -1 when they are not all digits.
constexpr int64_t digits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return -1;
  int64_t v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

constexpr const char* check_fields(int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi, int64_t s) {
  if (mo < 1 || mo > 12) return "month out of range (01..12)";
  if (d < 1 || d > days_in_month(y, static_cast<int>(mo))) return "day out of range for the month";
  if (h > 23) return "hour out of range (00..23)";
  if (mi > 59) return "minute out of range (00..59)";
  if (s > 60) return "second out of range (00..60)";
  return nullptr;
}

constexpr int64_t to_ms(int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi, int64_t s) {
  return ((days_from_civil(y, static_cast<int>(mo), static_cast<int>(d)) * 24 + h) * 60 + mi) * 60'000 + s * 1000;
}

constexpr char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// The month (1..12) of a three-letter English abbreviation, case-insensitive; 0 if none.
constexpr int month_of(std::string_view s) {
  constexpr std::string_view names = "janfebmaraprmayjunjulaugsepoctnovdec";
  if (s.size() != 3) return 0;
  for (int m = 0; m < 12; ++m) {
    const std::string_view n = names.substr(static_cast<size_t>(m) * 3, 3);
    if (lower(s[0]) == n[0] && lower(s[1]) == n[1] && lower(s[2]) == n[2]) return m + 1;
  }
  return 0;
}

}  // namespace detail

/// Parses an RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`. Accepts `t`/`z` in lower
/// case and a space for `T` (RFC 3339 §5.6 note), a fraction of any length (truncated to ms),
/// ISO 8601 offsets `±HHMM` and `±HH`, and second 60 (a leap second, counted as the next
/// second's start). Without an offset the text is refused ("missing time zone offset") unless
/// `assume_utc` is set: a local time cannot be placed without guessing a zone.
constexpr TimeResult parse_rfc3339_ms(std::string_view s, bool assume_utc = false) {
  using detail::digits;
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  const int64_t y = digits(s, 0, 4);
  if (y < 0) return {0, "expected a 4-digit year"};
  if (s.size() < 5 || s[4] != '-') return {0, "expected '-' after the year"};
  const int64_t mo = digits(s, 5, 2);
  if (mo < 0 || s.size() < 8 || s[7] != '-') return {0, "expected a 2-digit month and '-'"};
  const int64_t d = digits(s, 8, 2);
  if (d < 0) return {0, "expected a 2-digit day"};
  if (s.size() == 10) return {0, "missing time (a date alone is not an instant)"};
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return {0, "expected 'T' between date and time"};
  const int64_t h = digits(s, 11, 2);
  if (h < 0 || s.size() < 14 || s[13] != ':') return {0, "expected a 2-digit hour and ':'"};
  const int64_t mi = digits(s, 14, 2);
  if (mi < 0 || s.size() < 17 || s[16] != ':') return {0, "expected a 2-digit minute and ':'"};
  const int64_t sec = digits(s, 17, 2);
  if (sec < 0) return {0, "expected 2-digit seconds"};
  if (const char* e = detail::check_fields(y, mo, d, h, mi, sec)) return {0, e};
  size_t pos = 19;
  int64_t frac_ms = 0;
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {  // ISO 8601 allows a decimal comma
    size_t n = 0;
    for (++pos; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos, ++n)
      if (n < 3) frac_ms = frac_ms * 10 + (s[pos] - '0');
    if (n == 0) return {0, "expected digits after the decimal point"};
    for (; n < 3; ++n) frac_ms *= 10;
  }
  int64_t offset_min = 0;
  if (pos == s.size()) {
    if (!assume_utc) return {0, "missing time zone offset (Z or +HH:MM)"};
  } else if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    const int sign = s[pos] == '-' ? -1 : 1;
    const int64_t oh = digits(s, pos + 1, 2);
    if (oh < 0) return {0, "expected a 2-digit offset hour"};
    pos += 3;
    int64_t om = 0;
    if (pos < s.size()) {
      if (s[pos] == ':') ++pos;
      om = digits(s, pos, 2);
      if (om < 0) return {0, "expected a 2-digit offset minute"};
      pos += 2;
    }
    if (oh > 23 || om > 59) return {0, "time zone offset out of range"};
    offset_min = sign * (oh * 60 + om);
  } else {
    return {0, "expected Z or an offset after the time"};
  }
  if (pos != s.size()) return {0, "unexpected text after the time zone offset"};
  return {detail::to_ms(y, mo, d, h, mi, sec) + frac_ms - offset_min * 60'000, nullptr};
}

/// Writes `ms` as `YYYY-MM-DDTHH:MM:SS.mmmZ` (24 characters, UTC, millisecond precision) into
/// `out`; returns the length, or 0 when the year is outside 0000..9999 (RFC 3339's range).
inline size_t format_rfc3339_ms(int64_t ms, char (&out)[32]) {
  const CivilTime t = civil_from_ms(ms);
  if (t.year < 0 || t.year > 9999) return 0;
  auto put = [&out](size_t at, int64_t v, int width) {
    for (int i = width - 1; i >= 0; --i, v /= 10) out[at + static_cast<size_t>(i)] = static_cast<char>('0' + v % 10);
  };
  put(0, t.year, 4), put(5, t.month, 2), put(8, t.day, 2), put(11, t.hour, 2), put(14, t.minute, 2);
  put(17, t.second, 2), put(20, t.millisecond, 3);
  out[4] = out[7] = '-', out[10] = 'T', out[13] = out[16] = ':', out[19] = '.', out[23] = 'Z', out[24] = '\0';
  return 24;
}

/// `ms` as `YYYY-MM-DDTHH:MM:SS.mmmZ`; empty when the year is outside 0000..9999.
inline std::string format_rfc3339_ms(int64_t ms) {
  char buf[32];
  return std::string(buf, format_rfc3339_ms(ms, buf));
}

/// Parses an HTTP-date (RFC 9110 §5.6.7): IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, the
/// obsolete RFC 850 `Sunday, 06-Nov-94 08:49:37 GMT` (two-digit years 70..99 are 19xx, else
/// 20xx, per §5.6.7's 50-year rule simplified) and asctime `Sun Nov  6 08:49:37 1994`.
/// The weekday is not checked against the date (recipients are told to be lenient).
constexpr TimeResult parse_http_date_ms(std::string_view s) {
  using detail::digits;
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  const size_t comma = s.find(',');
  int64_t y = 0, d = 0;
  int mo = 0;
  size_t t = 0;  // where HH:MM:SS starts
  if (comma == std::string_view::npos) {  // asctime: "Sun Nov  6 08:49:37 1994"
    if (s.size() != 24 || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' || s[19] != ' ')
      return {0, "not an HTTP-date (IMF-fixdate, RFC 850 or asctime)"};
    mo = detail::month_of(s.substr(4, 3));
    d = s[8] == ' ' ? digits(s, 9, 1) : digits(s, 8, 2);
    y = digits(s, 20, 4);
    t = 11;
  } else {
    std::string_view rest = s.substr(comma + 1);
    if (rest.empty() || rest[0] != ' ') return {0, "expected a space after the weekday"};
    rest.remove_prefix(1);
    t = s.size() - rest.size();
    if (rest.size() == 24 && rest[2] == ' ' && rest[6] == ' ') {  // "06 Nov 1994 08:49:37 GMT"
      d = digits(rest, 0, 2);
      mo = detail::month_of(rest.substr(3, 3));
      y = digits(rest, 7, 4);
      t += 12;
    } else if (rest.size() == 22 && rest[2] == '-' && rest[6] == '-') {  // "06-Nov-94 08:49:37 GMT"
      d = digits(rest, 0, 2);
      mo = detail::month_of(rest.substr(3, 3));
      y = digits(rest, 7, 2);
      if (y >= 0) y += y >= 70 ? 1900 : 2000;
      t += 10;
    } else {
      return {0, "not an HTTP-date (IMF-fixdate, RFC 850 or asctime)"};
    }
    if (s.substr(s.size() - 4) != " GMT") return {0, "an HTTP-date must end in GMT"};
  }
  if (mo == 0) return {0, "unknown month name"};
  if (d < 0 || y < 0) return {0, "expected digits for day and year"};
  const int64_t h = digits(s, t, 2), mi = digits(s, t + 3, 2), sec = digits(s, t + 6, 2);
  if (h < 0 || mi < 0 || sec < 0 || s[t + 2] != ':' || s[t + 5] != ':') return {0, "expected HH:MM:SS"};
  if (const char* e = detail::check_fields(y, mo, d, h, mi, sec)) return {0, e};
  return {detail::to_ms(y, mo, d, h, mi, sec), nullptr};
}

}  // namespace siemhub::sdk

#endif  // SIEMHUB_TIME_HPP
