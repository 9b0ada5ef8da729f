// siemhub SDK helpers — QRadar LEEF 1.0/2.0 and ArcSight CEF event lines, escaped.
//
//   Leef l(2, {"Acme", "SIEMHub", "1.0", "detection.bruteforce"}, '^');
//   l.dev_time_ms(event_ms).attr("src", "10.0.1.8").attr("sev", 7).attr("usrName", "joe");
//   // LEEF:2.0|Acme|SIEMHub|1.0|detection.bruteforce|^|devTime=1768734473520^src=10.0.1.8^sev=7^usrName=joe
//   Cef c({"Acme", "SIEMHub", "1.0", "100", "Brute force", 7});
//   c.ext("src", "10.0.1.8").ext("msg", "line one\nline two");
//   // CEF:0|Acme|SIEMHub|1.0|100|Brute force|7|src=10.0.1.8 msg=line one\nline two
//
// LEEF: IBM "LEEF event components" (https://www.ibm.com/support/knowledgecenter/SS42VS_DSM/
// com.ibm.dsm.doc/c_LEEF_Format_Guide_LEEFeventcomps.html) and /work/shared/reference/
// vendor-apis.md §3.1: header `LEEF:1.0|Vendor|Product|Version|EventID|` with TAB-separated
// attributes, or `LEEF:2.0|...|EventID|Delim|` where Delim is one character or its hex form
// `x5E`/`0x5E`; `devTime` as epoch milliseconds needs no `devTimeFormat`, any other text needs
// one (Java SimpleDateFormat). LEEF defines no escape character: IBM says to keep the pipe out of
// the header and the delimiter out of attributes, so here a `|` in a header field, and the
// delimiter, CR or LF in a value, become a space (a lossy but parseable choice); a key holding
// `=`, whitespace, `|` or the delimiter is refused.
// CEF: Micro Focus "ArcSight Common Event Format (CEF) Implementation Standard" (chapter 1, "What
// is CEF"; rules summarised in /work/shared/reference/intel-sigma-syslog-nats.md §3.1): header
// `CEF:0|Device Vendor|Device Product|Device Version|Signature ID|Name|Severity|` escaping `\` as
// `\\` and `|` as `\|`; extension `key=value` pairs separated by spaces, values escaping `\` as
// `\\`, `=` as `\=`, newline as `\n` and CR as `\r` (a `|` stays as it is); keys are alphanumeric.
// Nothing throws: a refused key or an out-of-range value is left out or clamped and named by
// error() (the first problem), so a sender can log it and still send the line.
#ifndef SIEMHUB_LEEF_CEF_HPP
#define SIEMHUB_LEEF_CEF_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "siemhub/time.hpp"

namespace siemhub::sdk {

/// The header fields shared by LEEF's five.
struct LeefHeader {
  std::string_view vendor, product, version, event_id;
};

/// A LEEF 2.0 delimiter field ("^", "x5E", "0x5E", "x09") as the character; nullopt when not
/// one character nor 1–4 hex digits after `x`/`0x` that fit in one byte.
constexpr std::optional<char> parse_leef_delimiter(std::string_view f) {
  if (f.size() == 1) return f[0];
  if (f.substr(0, 2) == "0x" || f.substr(0, 2) == "0X") f.remove_prefix(2);
  else if (!f.empty() && (f[0] == 'x' || f[0] == 'X')) f.remove_prefix(1);
  else return std::nullopt;
  if (f.empty() || f.size() > 4) return std::nullopt;
  unsigned v = 0;
  for (const char c : f) {
    const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (d < 0) return std::nullopt;
    v = v * 16 + static_cast<unsigned>(d);
  }
  if (v == 0 || v > 0x7f) return std::nullopt;  // one ASCII character: what receivers split on
  return static_cast<char>(v);
}

/// One LEEF event line (without a syslog header: put it in SyslogMessage::msg).
class Leef {
 public:
  /// `version` 1 (TAB-delimited, no delimiter field) or 2; a LEEF 1.0 delimiter other than TAB
  /// is refused (error()) and TAB is used.
  Leef(int version, const LeefHeader& h, char delimiter = '\t') : delim_(delimiter) {
    if (version != 2 && delimiter != '\t') {
      note("LEEF 1.0 attributes are TAB-delimited");
      delim_ = '\t';
    }
    if (delim_ == '=' || delim_ == '|' || delim_ == '\n' || delim_ == '\r' || delim_ == '\0') {
      note("the LEEF delimiter cannot be '=', '|', CR, LF or NUL; TAB used");
      delim_ = '\t';
    }
    line_ = version == 2 ? "LEEF:2.0|" : "LEEF:1.0|";
    for (const std::string_view f : {h.vendor, h.product, h.version, h.event_id}) {
      for (const char c : f) line_ += c == '|' || c == '\n' || c == '\r' ? ' ' : c;
      line_ += '|';
    }
    if (version == 2) {
      const auto c = static_cast<unsigned char>(delim_);
      if (c > 32 && c < 127) {
        line_ += delim_;
      } else {  // TAB and other non-printables are written in the hex form, e.g. x09
        constexpr char hex[] = "0123456789abcdef";
        line_ += 'x';
        line_ += hex[c >> 4];
        line_ += hex[c & 15];
      }
      line_ += '|';
    }
    header_size_ = line_.size();
  }

  Leef& attr(std::string_view key, std::string_view value) {
    if (!key_ok(key)) {
      note("refused LEEF attribute key (empty, or holding '=', whitespace, '|' or the delimiter)");
      return *this;
    }
    if (line_.size() > header_size_) line_ += delim_;
    line_ += key;
    line_ += '=';
    for (const char c : value) line_ += c == delim_ || c == '\n' || c == '\r' ? ' ' : c;
    return *this;
  }
  Leef& attr(std::string_view key, const char* value) { return attr(key, std::string_view(value)); }
  Leef& attr(std::string_view key, int64_t value) { return attr(key, std::string_view(std::to_string(value))); }
  Leef& attr(std::string_view key, int value) { return attr(key, static_cast<int64_t>(value)); }

  /// `devTime` as epoch milliseconds (13 digits: QRadar needs no devTimeFormat for it).
  Leef& dev_time_ms(int64_t ms) { return attr("devTime", ms); }
  /// `devTime` as text with its Java SimpleDateFormat, e.g. ("Jan 18 2026 11:07:53.520 GMT",
  /// "MMM dd yyyy HH:mm:ss.SSS z").
  Leef& dev_time(std::string_view text, std::string_view format) {
    return attr("devTime", text).attr("devTimeFormat", format);
  }
  /// `devTime` written `MMM dd yyyy HH:mm:ss.SSS z` in GMT, with that devTimeFormat.
  Leef& dev_time_text(int64_t ms) {
    constexpr std::string_view months = "JanFebMarAprMayJunJulAugSepOctNovDec";
    const CivilTime t = civil_from_ms(ms);
    char b[40];
    auto two = [&b](size_t at, int v) {
      b[at] = static_cast<char>('0' + v / 10);
      b[at + 1] = static_cast<char>('0' + v % 10);
    };
    const std::string_view mon = months.substr(static_cast<size_t>(t.month - 1) * 3, 3);
    b[0] = mon[0], b[1] = mon[1], b[2] = mon[2], b[3] = ' ';
    two(4, t.day);
    b[6] = ' ';
    int64_t y = t.year < 0 ? 0 : t.year > 9999 ? 9999 : t.year;
    for (int i = 3; i >= 0; --i, y /= 10) b[7 + i] = static_cast<char>('0' + y % 10);
    b[11] = ' ';
    two(12, t.hour), b[14] = ':', two(15, t.minute), b[17] = ':', two(18, t.second), b[20] = '.';
    b[21] = static_cast<char>('0' + t.millisecond / 100), two(22, t.millisecond % 100);
    return dev_time(std::string(b, 24) + " GMT", "MMM dd yyyy HH:mm:ss.SSS z");
  }

  const std::string& str() const { return line_; }
  char delimiter() const { return delim_; }
  /// The first problem met (a refused key...), or null.
  const char* error() const { return error_; }

 private:
  bool key_ok(std::string_view k) const {
    if (k.empty()) return false;
    for (const char c : k)
      if (c == '=' || c == '|' || c == delim_ || static_cast<unsigned char>(c) <= 32 || c == 127) return false;
    return true;
  }
  void note(const char* e) {
    if (error_ == nullptr) error_ = e;
  }
  std::string line_;
  size_t header_size_ = 0;
  char delim_;
  const char* error_ = nullptr;
};

/// The seven CEF header fields after `CEF:0`.
struct CefHeader {
  std::string_view vendor, product, version, signature_id, name;
  int severity = 0;  ///< 0..10 (clamped, error() says so)
};

/// One CEF line (without a syslog header).
class Cef {
 public:
  explicit Cef(const CefHeader& h) {
    line_ = "CEF:0|";
    for (const std::string_view f : {h.vendor, h.product, h.version, h.signature_id, h.name}) {
      for (const char c : f) {
        if (c == '\\' || c == '|') line_ += '\\';
        line_ += c == '\n' || c == '\r' ? ' ' : c;  // the header is one line
      }
      line_ += '|';
    }
    int sev = h.severity;
    if (sev < 0 || sev > 10) {
      note("CEF severity out of range 0..10; clamped");
      sev = sev < 0 ? 0 : 10;
    }
    line_ += std::to_string(sev);
    line_ += '|';
    header_size_ = line_.size();
  }

  Cef& ext(std::string_view key, std::string_view value) {
    if (key.empty() || !alnum(key)) {
      note("refused CEF extension key (keys are alphanumeric)");
      return *this;
    }
    if (line_.size() > header_size_) line_ += ' ';
    line_ += key;
    line_ += '=';
    for (const char c : value) {
      if (c == '\\' || c == '=') line_ += '\\', line_ += c;
      else if (c == '\n') line_ += "\\n";
      else if (c == '\r') line_ += "\\r";
      else line_ += c;
    }
    return *this;
  }
  Cef& ext(std::string_view key, const char* value) { return ext(key, std::string_view(value)); }
  Cef& ext(std::string_view key, int64_t value) { return ext(key, std::string_view(std::to_string(value))); }
  Cef& ext(std::string_view key, int value) { return ext(key, static_cast<int64_t>(value)); }
  /// `rt` (receipt time) as epoch milliseconds, one of the standard's accepted forms.
  Cef& rt_ms(int64_t ms) { return ext("rt", ms); }

  const std::string& str() const { return line_; }
  const char* error() const { return error_; }

 private:
  static bool alnum(std::string_view k) {
    for (const char c : k)
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
    return true;
  }
  void note(const char* e) {
    if (error_ == nullptr) error_ = e;
  }
  std::string line_;
  size_t header_size_ = 0;
  const char* error_ = nullptr;
};

}  // namespace siemhub::sdk

#endif  // SIEMHUB_LEEF_CEF_HPP
