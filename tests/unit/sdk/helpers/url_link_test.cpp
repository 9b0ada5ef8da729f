// siemhub/url.hpp and siemhub/link.hpp: encoding, queries, origins, reference resolution, and
// RFC 8288 Link headers over repeated response headers.
#include <catch2/catch.hpp>

#include <string>

#include "siemhub/link.hpp"
#include "siemhub/url.hpp"
#include "unit/sdk/helpers/response.hpp"

using namespace siemhub::sdk;  // NOLINT(google-build-using-namespace): test file
using siemhub::sdk::test::FakeResponse;

TEST_CASE("percent-encodes everything but the RFC 3986 unreserved set in upper-case hex") {
  CHECK(encode_path_segment("AZaz09-._~") == "AZaz09-._~");
  CHECK(encode_path_segment("a/b c?d#e%f") == "a%2Fb%20c%3Fd%23e%25f");
  CHECK(encode_query_component("x=1&y=2+3") == "x%3D1%26y%3D2%2B3");
  CHECK(encode_query_component("é") == "%C3%A9");
  CHECK(encode_query_component(std::string("\0\xff", 2)) == "%00%FF");
}

TEST_CASE("percent-decoding reverses encoding and refuses broken escapes") {
  const std::string s = "eventType eq \"user.session.start\" / 100%";
  CHECK(percent_decode(encode_query_component(s)) == s);
  CHECK(percent_decode("a+b") == std::string("a+b"));
  CHECK_FALSE(percent_decode("%4"));
  CHECK_FALSE(percent_decode("%zz"));
  CHECK_FALSE(percent_decode("abc%"));
}

TEST_CASE("a query builder encodes names and values in the order added") {
  Query q;
  q.add("filter", "eventType eq \"a&b\"").add("limit", 200).add("desc", true).add_if("after", std::optional<std::string>{});
  CHECK(q.str() == "filter=eventType%20eq%20%22a%26b%22&limit=200&desc=true");
  CHECK(with_query("https://x.example/api", q) == "https://x.example/api?" + q.str());
  CHECK(with_query("https://x.example/api?a=1", Query().add("b", "2")) == "https://x.example/api?a=1&b=2");
  CHECK(with_query("https://x.example/api?", Query().add("b", "2")) == "https://x.example/api?b=2");
  CHECK(with_query("https://x.example/api#frag", Query().add("b", "2")) == "https://x.example/api?b=2#frag");
  CHECK(with_query("https://x.example/api", Query()) == "https://x.example/api");
}

TEST_CASE("parses origins with default ports and lower-cased scheme and host") {
  const auto o = parse_origin("HTTPS://API.Example.COM/v1?x=1");
  REQUIRE(o);
  CHECK(o->scheme == "https");
  CHECK(o->host == "api.example.com");
  CHECK(o->port == 443);
  CHECK(parse_origin("http://a.example")->port == 80);
  CHECK(parse_origin("http://user:pw@a.example:8080/x")->host == "a.example");
  CHECK(parse_origin("http://user:pw@a.example:8080/x")->port == 8080);
  CHECK(parse_origin("https://[::1]:8443/")->host == "[::1]");
  CHECK(parse_origin("https://[::1]/")->port == 443);
  CHECK(parse_origin("https://a.example:8443")->str() == "https://a.example:8443");
  CHECK(parse_origin("https://a.example:443")->str() == "https://a.example");
  CHECK_FALSE(parse_origin("/relative/path"));
  CHECK_FALSE(parse_origin("https://a.example:99999/"));
  CHECK_FALSE(parse_origin("https://a.example:0/"));
  CHECK_FALSE(parse_origin("https://a.example:8x/"));
  CHECK_FALSE(parse_origin("ftp://a.example/"));
  CHECK(parse_origin("ftp://a.example:21/"));
}

TEST_CASE("same origin compares scheme host and port only") {
  CHECK(same_origin("https://a.example/x?y", "https://A.EXAMPLE:443/other"));
  CHECK_FALSE(same_origin("https://a.example/", "http://a.example/"));
  CHECK_FALSE(same_origin("https://a.example/", "https://a.example:8443/"));
  CHECK_FALSE(same_origin("https://a.example/", "https://a.example.evil.test/"));
  CHECK_FALSE(same_origin("https://a.example/", "https://evil.test/?https://a.example/"));
  CHECK_FALSE(same_origin("https://a.example/", "not a url"));
}

TEST_CASE("resolves references as in the examples of RFC 3986 section 5.4") {
  const std::string base = "http://a/b/c/d;p?q";
  const std::pair<const char*, const char*> cases[] = {
      {"g:h", "g:h"},        {"g", "http://a/b/c/g"},       {"./g", "http://a/b/c/g"},
      {"g/", "http://a/b/c/g/"}, {"/g", "http://a/g"},       {"//g", "http://g"},
      {"?y", "http://a/b/c/d;p?y"}, {"g?y", "http://a/b/c/g?y"}, {"#s", "http://a/b/c/d;p?q#s"},
      {"g#s", "http://a/b/c/g#s"}, {";x", "http://a/b/c/;x"}, {"", "http://a/b/c/d;p?q"},
      {".", "http://a/b/c/"},   {"./", "http://a/b/c/"},     {"..", "http://a/b/"},
      {"../", "http://a/b/"},   {"../g", "http://a/b/g"},    {"../..", "http://a/"},
      {"../../g", "http://a/g"}, {"../../../g", "http://a/g"}, {"/./g", "http://a/g"},
      {"/../g", "http://a/g"},  {"g.", "http://a/b/c/g."},   {"g..", "http://a/b/c/g.."},
      {"./../g", "http://a/b/g"}, {"g/./h", "http://a/b/c/g/h"}, {"g/../h", "http://a/b/c/h"},
  };
  for (const auto& [ref, want] : cases) {
    INFO(ref);
    CHECK(resolve_url(base, ref) == want);
  }
}

TEST_CASE("parses several links in one header with quoted and unquoted params") {
  const auto ls = parse_links(
      R"(<https://x.example/a?p=1>; rel="next"; title="Page, \"two\"", <https://x.example/a?p=0>;rel=prev;type=text/html)");
  REQUIRE(ls.size() == 2);
  CHECK(ls[0].target == "https://x.example/a?p=1");
  CHECK(ls[0].has_rel("next"));
  CHECK(ls[0].param("title") == std::string_view("Page, \"two\""));
  CHECK(ls[1].target == "https://x.example/a?p=0");
  CHECK(ls[1].has_rel("prev"));
  CHECK(ls[1].param("type") == std::string_view("text/html"));
}

TEST_CASE("a rel with several space-separated types matches each case-insensitively") {
  const auto ls = parse_links(R"(<https://x.example/n>; REL="Next  Last")");
  REQUIRE(ls.size() == 1);
  CHECK(ls[0].rels == std::vector<std::string>{"next", "last"});
  CHECK(ls[0].has_rel("NEXT"));
  CHECK(ls[0].has_rel("last"));
  CHECK_FALSE(ls[0].has_rel("prev"));
}

TEST_CASE("only the first rel parameter of a link counts") {
  const auto ls = parse_links(R"(<https://x.example/n>; rel=self; rel=next)");
  REQUIRE(ls.size() == 1);
  CHECK(ls[0].has_rel("self"));
  CHECK_FALSE(ls[0].has_rel("next"));
}

TEST_CASE("relative link targets are resolved against the request URL") {
  const auto ls = parse_links(R"(</api/v1/logs?after=42>; rel="next", <?page=3>; rel="last")",
                              "https://x.example/api/v1/logs?since=1");
  REQUIRE(ls.size() == 2);
  CHECK(ls[0].target == "https://x.example/api/v1/logs?after=42");
  CHECK(ls[1].target == "https://x.example/api/v1/logs?page=3");
}

TEST_CASE("a malformed link is skipped and the links after it are kept") {
  const auto ls = parse_links(R"(garbage; rel=next, <https://x.example/a,b>; rel="next" junk, <https://x.example/ok>; rel=next)");
  REQUIRE(ls.size() == 1);
  CHECK(ls[0].target == "https://x.example/ok");
  CHECK(parse_links("").empty());
  CHECK(parse_links("<unterminated; rel=next").empty());
  CHECK(parse_links(R"(<https://x.example/>; title="open)").empty());
}

TEST_CASE("a response's repeated headers are all returned in order") {
  FakeResponse r(200, {{"Link", "<https://x.example/self>; rel=\"self\""},
                       {"Content-Type", "application/json"},
                       {"link", "<https://x.example/next>; rel=\"next\""}});
  CHECK(r.resp.header("LINK") == std::string_view("<https://x.example/self>; rel=\"self\""));
  const auto all = r.resp.headers("Link");
  REQUIRE(all.size() == 2);
  CHECK(all[1] == "<https://x.example/next>; rel=\"next\"");
  CHECK(r.resp.headers("X-Missing").empty());
}

TEST_CASE("next link is found in the second of two Link headers as Okta sends them") {
  FakeResponse r(200, {{"link", "<https://x.okta.com/api/v1/logs?limit=2>; rel=\"self\""},
                       {"link", "<https://x.okta.com/api/v1/logs?after=1700&limit=2>; rel=\"next\""}});
  CHECK(next_link(r.resp, "https://x.okta.com/api/v1/logs?limit=2") ==
        std::string("https://x.okta.com/api/v1/logs?after=1700&limit=2"));
  CHECK(links(r.resp, "").size() == 2);
  CHECK_FALSE(next_link(r.resp, "", "prev"));
}

TEST_CASE("a next link with an anchor is not taken as the next page") {
  FakeResponse r(200, {{"Link", "<https://x.example/other-next>; rel=next; anchor=\"https://x.example/other\""}});
  CHECK_FALSE(next_link(r.resp, "https://x.example/"));
}
