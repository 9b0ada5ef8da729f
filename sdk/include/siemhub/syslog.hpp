// siemhub SDK helpers — syslog messages (RFC 5424, RFC 3164) and their TCP framing (RFC 6587).
//
//   SyslogMessage m;
//   m.facility = 4; m.severity = 5; m.time_ms = event_ms; m.hostname = "hub01"; m.app_name = "siemhub";
//   m.sd = {{"origin@32473", {{"ip", "10.0.0.1"}}}};
//   m.msg = leef_line;
//   std::string wire;
//   append_octet_counted(wire, format_rfc5424(m));      // "123 <37>1 2026-01-18T11:07:53.520Z hub01 ..."
//
// RFC 5424 §6: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [SP MSG]`, NILVALUE
// `-` for empty fields, header fields PRINTUSASCII cut to their maximum (HOSTNAME 255, APP-NAME 48,
// PROCID 128, MSGID 32, SD-NAME 32), PARAM-VALUE escaping `"`, `\` and `]` (§6.3.3), TIMESTAMP in
// UTC with milliseconds (TIME-SECFRAC ≤ 6 digits). RFC 3164 §4.1: `<PRI>Mmm dd hh:mm:ss HOSTNAME
// TAG[PID]: MSG`, day space-padded, TAG ≤ 32 characters; its time has no zone, and is written in
// UTC here (never the process's zone). The limits are those of
// /work/shared/reference/intel-sigma-syslog-nats.md §3.1 (table "Format and transport semantics").
// A character a field may not hold becomes `_`. Nothing throws; a PRI out of range (facility
// 0..23, severity 0..7) gives an empty message.
#ifndef SIEMHUB_SYSLOG_HPP
#define SIEMHUB_SYSLOG_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "siemhub/time.hpp"

namespace siemhub::sdk {

struct SdParam {
  std::string_view name, value;
};
struct SdElement {
  std::string_view id;  ///< "timeQuality" or a private "name@enterprise-number"
  std::vector<SdParam> params;
};

/// One message; the views must outlive the format call.
struct SyslogMessage {
  int facility = 1;  ///< 0..23 (1 = user-level, 4 = security/authorization, 16..23 = local0..7)
  int severity = 5;  ///< 0..7 (0 = emergency ... 5 = notice, 6 = informational, 7 = debug)
  std::optional<int64_t> time_ms;  ///< epoch ms; unset = NILVALUE (5424) / the epoch (3164)
  std::string_view hostname, app_name, procid, msgid;
  std::vector<SdElement> sd;  ///< RFC 5424 only
  std::string_view msg;
  bool msg_bom = false;  ///< RFC 5424 §6.4: start MSG with a UTF-8 BOM (it is UTF-8)
};

/// PRI = facility * 8 + severity (RFC 5424 §6.2.1); nullopt when either is out of range.
constexpr std::optional<int> syslog_pri(int facility, int severity) {
  if (facility < 0 || facility > 23 || severity < 0 || severity > 7) return std::nullopt;
  return facility * 8 + severity;
}

namespace detail {
// A header field: PRINTUSASCII (33..126) minus `extra`, cut to `max`, `-` when empty.
inline void append_field(std::string& out, std::string_view v, size_t max, std::string_view extra = {}) {
  if (v.empty()) {
    out += '-';
    return;
  }
  for (size_t i = 0; i < v.size() && i < max; ++i) {
    const auto c = static_cast<unsigned char>(v[i]);
    out += c < 33 || c > 126 || extra.find(static_cast<char>(c)) != std::string_view::npos ? '_' : v[i];
  }
}
}  // namespace detail

/// Appends an RFC 5424 message to `out`; false (nothing appended) when the PRI is out of range.
inline bool append_rfc5424(std::string& out, const SyslogMessage& m) {
  const auto pri = syslog_pri(m.facility, m.severity);
  if (!pri) return false;
  out += '<';
  out += std::to_string(*pri);
  out += ">1 ";
  char ts[32];
  const size_t n = m.time_ms ? format_rfc3339_ms(*m.time_ms, ts) : 0;
  out.append(n ? std::string_view(ts, n) : std::string_view("-"));
  out += ' ';
  detail::append_field(out, m.hostname, 255);
  out += ' ';
  detail::append_field(out, m.app_name, 48);
  out += ' ';
  detail::append_field(out, m.procid, 128);
  out += ' ';
  detail::append_field(out, m.msgid, 32);
  out += ' ';
  if (m.sd.empty()) out += '-';
  for (const SdElement& e : m.sd) {  // §6.3: SD-NAME excludes '=', SP, ']' and '"'
    out += '[';
    detail::append_field(out, e.id, 32, "= ]\"");
    for (const SdParam& p : e.params) {
      out += ' ';
      detail::append_field(out, p.name, 32, "= ]\"");
      out += "=\"";
      for (const char c : p.value) {  // §6.3.3: only '"', '\' and ']' are escaped
        if (c == '"' || c == '\\' || c == ']') out += '\\';
        out += c;
      }
      out += '"';
    }
    out += ']';
  }
  if (!m.msg.empty()) {
    out += ' ';
    if (m.msg_bom) out += "\xEF\xBB\xBF";
    out += m.msg;
  }
  return true;
}

/// Appends an RFC 3164 (BSD) message to `out`; false (nothing appended) when the PRI is out of
/// range. TAG is app_name (`[procid]` added when set); `:` ends the tag (§4.1.3), so TAG may
/// not hold `:`, `[`, `]`.
inline bool append_rfc3164(std::string& out, const SyslogMessage& m) {
  const auto pri = syslog_pri(m.facility, m.severity);
  if (!pri) return false;
  constexpr std::string_view months = "JanFebMarAprMayJunJulAugSepOctNovDec";
  const CivilTime t = civil_from_ms(m.time_ms.value_or(0));
  char ts[16];  // "Mmm dd hh:mm:ss"
  const std::string_view mon = months.substr(static_cast<size_t>(t.month - 1) * 3, 3);
  ts[0] = mon[0], ts[1] = mon[1], ts[2] = mon[2], ts[3] = ' ';
  ts[4] = t.day < 10 ? ' ' : static_cast<char>('0' + t.day / 10), ts[5] = static_cast<char>('0' + t.day % 10);
  ts[6] = ' ', ts[7] = static_cast<char>('0' + t.hour / 10), ts[8] = static_cast<char>('0' + t.hour % 10);
  ts[9] = ':', ts[10] = static_cast<char>('0' + t.minute / 10), ts[11] = static_cast<char>('0' + t.minute % 10);
  ts[12] = ':', ts[13] = static_cast<char>('0' + t.second / 10), ts[14] = static_cast<char>('0' + t.second % 10);
  out += '<';
  out += std::to_string(*pri);
  out += '>';
  out.append(ts, 15);
  out += ' ';
  detail::append_field(out, m.hostname, 255);
  out += ' ';
  detail::append_field(out, m.app_name.empty() ? std::string_view("siemhub") : m.app_name, 32, ":[]");
  if (!m.procid.empty()) {
    out += '[';
    detail::append_field(out, m.procid, 128, ":[]");
    out += ']';
  }
  out += ':';
  if (!m.msg.empty()) {
    out += ' ';
    out += m.msg;
  }
  return true;
}

inline std::string format_rfc5424(const SyslogMessage& m) {
  std::string s;
  append_rfc5424(s, m);
  return s;
}
inline std::string format_rfc3164(const SyslogMessage& m) {
  std::string s;
  append_rfc3164(s, m);
  return s;
}

/// RFC 6587 §3.4.1 octet-counting: `MSG-LEN SP SYSLOG-MSG`, MSG-LEN the octets of the message
/// alone (not the SP — the off-by-one senders get wrong, fluentd#2982, reference §3.1). The frame
/// may hold any octet, LF included; RFC 5425 (TLS, port 6514) requires this framing.
inline void append_octet_counted(std::string& out, std::string_view msg) {
  out += std::to_string(msg.size());
  out += ' ';
  out += msg;
}

/// RFC 6587 §3.4.2 non-transparent framing: the message then LF. A LF inside the message would
/// split it into two frames at the receiver (reference §3.2, rsyslog#3484: multi-line payloads
/// merged or split), so an embedded CR or LF is written as a space; use octet-counting to keep
/// them.
inline void append_lf_framed(std::string& out, std::string_view msg) {
  for (const char c : msg) out += c == '\n' || c == '\r' ? ' ' : c;
  out += '\n';
}

}  // namespace siemhub::sdk

#endif  // SIEMHUB_SYSLOG_HPP
