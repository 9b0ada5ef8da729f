// siemhub/leef_cef.hpp: LEEF 1.0/2.0 and CEF lines with their escaping rules.
#include <catch2/catch.hpp>

#include <string>

#include "siemhub/leef_cef.hpp"

using namespace siemhub::sdk;  // NOLINT(google-build-using-namespace): test file

TEST_CASE("writes the LEEF 2.0 example of the QRadar notes with a caret delimiter") {
  Leef l(2, {"Acme", "SIEMHub", "1.0", "detection.bruteforce"}, '^');
  l.dev_time_ms(1'768'734'473'520).attr("src", "10.0.1.8").attr("dst", "10.0.0.5").attr("sev", 7);
  l.attr("cat", "Authentication").attr("usrName", "joe");
  CHECK(l.str() ==
        "LEEF:2.0|Acme|SIEMHub|1.0|detection.bruteforce|^|devTime=1768734473520^src=10.0.1.8^dst=10.0.0.5^sev=7"
        "^cat=Authentication^usrName=joe");
  CHECK(l.error() == nullptr);
}

TEST_CASE("LEEF 1.0 separates attributes with TAB and has no delimiter field") {
  Leef l(1, {"Microsoft", "MSExchange", "4.0 SP1", "15345"});
  l.attr("src", "10.50.1.1").attr("dst", "2.10.20.20");
  CHECK(l.str() == "LEEF:1.0|Microsoft|MSExchange|4.0 SP1|15345|src=10.50.1.1\tdst=2.10.20.20");
  Leef caret(1, {"V", "P", "1", "E"}, '^');
  CHECK(caret.delimiter() == '\t');
  CHECK(std::string(caret.error()) == "LEEF 1.0 attributes are TAB-delimited");
}

TEST_CASE("a LEEF 2.0 TAB delimiter is written in its hex form") {
  Leef l(2, {"V", "P", "1", "E"}, '\t');
  l.attr("a", "1").attr("b", "2");
  CHECK(l.str() == "LEEF:2.0|V|P|1|E|x09|a=1\tb=2");
}

TEST_CASE("LEEF delimiter fields parse in character and hex forms") {
  CHECK(parse_leef_delimiter("^") == '^');
  CHECK(parse_leef_delimiter("x5E") == '^');
  CHECK(parse_leef_delimiter("0x5e") == '^');
  CHECK(parse_leef_delimiter("x09") == '\t');
  CHECK(parse_leef_delimiter("x0009") == '\t');
  CHECK(parse_leef_delimiter("x") == 'x');  // one character is the character itself
  CHECK_FALSE(parse_leef_delimiter("0x"));
  CHECK_FALSE(parse_leef_delimiter("x5G"));
  CHECK_FALSE(parse_leef_delimiter("^^"));
  CHECK_FALSE(parse_leef_delimiter("x00"));
  CHECK_FALSE(parse_leef_delimiter("x100"));
}

TEST_CASE("LEEF keeps the pipe out of the header and the delimiter and newlines out of values") {
  Leef l(2, {"Ac|me", "Prod\nuct", "1", "E"}, '^');
  l.attr("msg", "a^b\nc\rd=e|f");
  CHECK(l.str() == "LEEF:2.0|Ac me|Prod uct|1|E|^|msg=a b c d=e|f");
}

TEST_CASE("LEEF refuses keys holding the delimiter an equals sign or whitespace and names the fault") {
  Leef l(2, {"V", "P", "1", "E"}, '^');
  l.attr("bad key", "x").attr("a=b", "x").attr("c^d", "x").attr("", "x").attr("ok", "1");
  CHECK(l.str() == "LEEF:2.0|V|P|1|E|^|ok=1");
  REQUIRE(l.error() != nullptr);
  CHECK_THAT(l.error(), Catch::Contains("refused LEEF attribute key"));
}

TEST_CASE("LEEF devTime as text carries its devTimeFormat") {
  Leef l(2, {"V", "P", "1", "E"}, '^');
  l.dev_time_text(1'768'734'473'520);
  CHECK(l.str() == "LEEF:2.0|V|P|1|E|^|devTime=Jan 18 2026 11:07:53.520 GMT^devTimeFormat=MMM dd yyyy HH:mm:ss.SSS z");
}

TEST_CASE("CEF escapes backslash and pipe in the header") {
  Cef c({R"(Ac\me)", "Prod|uct", "1.0", "100", "Login | failed", 5});
  CHECK(c.str() == R"(CEF:0|Ac\\me|Prod\|uct|1.0|100|Login \| failed|5|)");
}

TEST_CASE("CEF escapes equals backslash and newlines in extension values but not pipes") {
  Cef c({"Acme", "Hub", "1", "100", "Brute force", 7});
  c.ext("src", "10.0.1.8").ext("msg", "a=b \\ c|d\nnext\rline").ext("cnt", 3);
  CHECK(c.str() == R"(CEF:0|Acme|Hub|1|100|Brute force|7|src=10.0.1.8 msg=a\=b \\ c|d\nnext\rline cnt=3)");
  CHECK(c.error() == nullptr);
}

TEST_CASE("CEF refuses non-alphanumeric keys and clamps the severity naming each fault") {
  Cef c({"A", "B", "1", "1", "n", 12});
  CHECK_THAT(c.str(), Catch::EndsWith("|n|10|"));
  CHECK(std::string(c.error()) == "CEF severity out of range 0..10; clamped");
  Cef k({"A", "B", "1", "1", "n", 3});
  k.ext("bad key", "x").ext("cs1Label", "User").rt_ms(1'768'734'473'520);
  CHECK(k.str() == "CEF:0|A|B|1|1|n|3|cs1Label=User rt=1768734473520");
  CHECK(std::string(k.error()) == "refused CEF extension key (keys are alphanumeric)");
}
