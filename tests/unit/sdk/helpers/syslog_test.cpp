// siemhub/syslog.hpp: RFC 5424 and RFC 3164 messages and RFC 6587 framing.
#include <catch2/catch.hpp>

#include <string>

#include "siemhub/syslog.hpp"

using namespace siemhub::sdk;  // NOLINT(google-build-using-namespace): test file

namespace {
constexpr int64_t t0 = 1'768'734'473'520;  // 2026-01-18T11:07:53.520Z
}

TEST_CASE("PRI is facility times eight plus severity and out-of-range values are refused") {
  CHECK(syslog_pri(0, 0) == 0);
  CHECK(syslog_pri(4, 2) == 34);
  CHECK(syslog_pri(23, 7) == 191);
  CHECK_FALSE(syslog_pri(24, 0));
  CHECK_FALSE(syslog_pri(1, 8));
  CHECK_FALSE(syslog_pri(-1, 0));
  SyslogMessage m;
  m.facility = 30;
  CHECK(format_rfc5424(m).empty());
  CHECK(format_rfc3164(m).empty());
  std::string out = "kept";
  CHECK_FALSE(append_rfc5424(out, m));
  CHECK(out == "kept");
}

TEST_CASE("formats an RFC 5424 message with every header field") {
  SyslogMessage m;
  m.facility = 4;
  m.severity = 5;
  m.time_ms = t0;
  m.hostname = "hub01";
  m.app_name = "siemhub";
  m.procid = "4242";
  m.msgid = "ID47";
  m.msg = "An application event";
  CHECK(format_rfc5424(m) == "<37>1 2026-01-18T11:07:53.520Z hub01 siemhub 4242 ID47 - An application event");
}

TEST_CASE("empty RFC 5424 fields are the NILVALUE and no message means no trailing space") {
  SyslogMessage m;
  CHECK(format_rfc5424(m) == "<13>1 - - - - - -");
}

TEST_CASE("structured data escapes quote backslash and closing bracket in values only") {
  SyslogMessage m;
  m.time_ms = t0;
  m.hostname = "h";
  m.sd = {{"exampleSDID@32473", {{"iut", "3"}, {"eventSource", R"(App "x" \ [y])"}}}, {"meta", {}}};
  m.msg = "x";
  CHECK(format_rfc5424(m) ==
        R"(<13>1 2026-01-18T11:07:53.520Z h - - - [exampleSDID@32473 iut="3" eventSource="App \"x\" \\ [y\]"][meta] x)");
}

TEST_CASE("SD names drop the characters RFC 5424 forbids and header fields are cut and kept printable") {
  SyslogMessage m;
  m.sd = {{"bad id]", {{"k=v", "1"}}}};
  m.hostname = "host name\twith spaces";
  m.app_name = std::string_view("an-application-name-that-is-longer-than-forty-eight-characters");
  const std::string s = format_rfc5424(m);
  CHECK_THAT(s, Catch::Contains("[bad_id_ k_v=\"1\"]"));
  CHECK_THAT(s, Catch::Contains(" host_name_with_spaces "));
  CHECK_THAT(s, Catch::Contains(" an-application-name-that-is-longer-than-forty-ei "));
}

TEST_CASE("an RFC 5424 message can start with a UTF-8 BOM") {
  SyslogMessage m;
  m.msg = "über";
  m.msg_bom = true;
  CHECK(format_rfc5424(m) == "<13>1 - - - - - - \xEF\xBB\xBF\xC3\xBC" "ber");
}

TEST_CASE("formats an RFC 3164 message with a space-padded day in UTC") {
  SyslogMessage m;
  m.facility = 1;
  m.severity = 5;
  m.time_ms = 1'767'265'200'000;  // 2026-01-01T11:00:00Z
  m.hostname = "192.168.1.1";
  m.app_name = "siemhub";
  m.procid = "77";
  m.msg = "LEEF:2.0|Acme|Hub|1|x|^|src=1.2.3.4";
  CHECK(format_rfc3164(m) == "<13>Jan  1 11:00:00 192.168.1.1 siemhub[77]: LEEF:2.0|Acme|Hub|1|x|^|src=1.2.3.4");
  m.time_ms = t0;
  m.procid = {};
  m.app_name = "bad:tag[x]";
  CHECK(format_rfc3164(m) == "<13>Jan 18 11:07:53 192.168.1.1 bad_tag_x_: LEEF:2.0|Acme|Hub|1|x|^|src=1.2.3.4");
}

TEST_CASE("octet-counting counts the message octets without the separating space") {
  std::string wire;
  append_octet_counted(wire, "<13>1 - - - - - - hi");
  append_octet_counted(wire, "line\nbreak");
  CHECK(wire == "20 <13>1 - - - - - - hi10 line\nbreak");
  std::string utf8;
  append_octet_counted(utf8, "é");
  CHECK(utf8 == "2 é");
}

TEST_CASE("LF framing ends each message with LF and flattens embedded line breaks") {
  std::string wire;
  append_lf_framed(wire, "first");
  append_lf_framed(wire, "multi\nline\r\nstack");
  CHECK(wire == "first\nmulti line  stack\n");
}
