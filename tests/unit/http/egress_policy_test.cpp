#include "egress_policy.hpp"

#include <catch2/catch.hpp>

using siemhub::http::egress_allowed;
using siemhub::http::EgressRule;
using siemhub::http::invalid_egress_rules;
using siemhub::http::UrlTarget;

namespace {
UrlTarget target(const char* scheme, const char* host, uint16_t port) {
    return UrlTarget{scheme, host, port};
}
} // namespace

TEST_CASE("an empty allow-list denies everything") {
    CHECK_FALSE(egress_allowed({}, target("https", "example.com", 443)));
}

TEST_CASE("a star alone allows any host and port") {
    CHECK(egress_allowed({"*"}, target("https", "example.com", 443)));
    CHECK(egress_allowed({"*"}, target("http", "10.0.0.1", 8080)));
}

TEST_CASE("a bare host allows only the default port of the scheme") {
    const std::vector<std::string> allow{"example.com"};
    CHECK(egress_allowed(allow, target("https", "example.com", 443)));
    CHECK(egress_allowed(allow, target("http", "EXAMPLE.com", 80)));
    CHECK_FALSE(egress_allowed(allow, target("https", "example.com", 8443)));
    CHECK_FALSE(egress_allowed(allow, target("http", "example.com", 443)));
    CHECK_FALSE(egress_allowed(allow, target("https", "www.example.com", 443)));
}

TEST_CASE("a wildcard host matches subdomains but not the apex nor look-alike domains") {
    const std::vector<std::string> allow{"*.splunkcloud.com:8088"};
    CHECK(egress_allowed(allow, target("https", "acme.splunkcloud.com", 8088)));
    CHECK(egress_allowed(allow, target("https", "http-inputs.acme.splunkcloud.com", 8088)));
    CHECK_FALSE(egress_allowed(allow, target("https", "splunkcloud.com", 8088)));
    CHECK_FALSE(egress_allowed(allow, target("https", "evilsplunkcloud.com", 8088)));
    CHECK_FALSE(egress_allowed(allow, target("https", "acme.splunkcloud.com", 443)));
}

TEST_CASE("a port star allows every port of that host") {
    const std::vector<std::string> allow{"127.0.0.1:*"};
    CHECK(egress_allowed(allow, target("http", "127.0.0.1", 1234)));
    CHECK_FALSE(egress_allowed(allow, target("http", "127.0.0.2", 1234)));
}

TEST_CASE("IPv6 literals are matched with or without brackets") {
    const std::vector<std::string> allow{"[::1]:9200"};
    CHECK(egress_allowed(allow, target("http", "[::1]", 9200)));
    CHECK(egress_allowed(allow, target("http", "::1", 9200)));
    CHECK_FALSE(egress_allowed(allow, target("http", "::1", 9201)));
}

TEST_CASE("malformed patterns are reported and match nothing") {
    const std::vector<std::string> allow{"", "a*b.com", "host:0", "host:99999", "host:x", "[::1"};
    CHECK(invalid_egress_rules(allow) == allow);
    CHECK_FALSE(egress_allowed(allow, target("https", "host", 443)));
    CHECK(invalid_egress_rules({"*", "*.a.com", "a.com:1", "[::1]", "*:443"}).empty());
}

TEST_CASE("a parsed rule keeps port semantics") {
    const auto any = EgressRule::parse("*:443");
    REQUIRE(any);
    CHECK(any->host == "*");
    CHECK(any->port == uint16_t{443});
    const auto plain = EgressRule::parse("Example.COM.");
    REQUIRE(plain);
    CHECK(plain->host == "example.com");
    CHECK_FALSE(plain->port);
    CHECK_FALSE(plain->any_port);
}
