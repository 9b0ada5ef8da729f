// Egress allow-list: which host:port a connector may reach.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace siemhub::http {

/// Where a URL points, as libcurl will connect to it (scheme and host lower-case, IPv6 without
/// brackets, port always set: the scheme's default when the URL has none).
struct UrlTarget {
    std::string scheme;
    std::string host;
    uint16_t port = 0;
};

/// One allow-list pattern, "host[:port]":
///   "*"                      any host, any port
///   "*:8088"                 any host, port 8088
///   "*.splunkcloud.com:8088" any subdomain (any depth) of splunkcloud.com, not the apex itself
///   "127.0.0.1:*"            that host, any port
///   "example.com"            that host on the URL scheme's default port (443 https, 80 http)
///   "[::1]:9200"             IPv6 literals in brackets
/// Host names compare case-insensitively; a trailing dot is ignored.
struct EgressRule {
    std::string host;             ///< normalised: lower-case, no brackets, no trailing dot
    std::optional<uint16_t> port; ///< nullopt with any_port == false: scheme default port
    bool any_port = false;

    /// nullopt when the pattern is malformed (empty host, bad port, "a*b" wildcards...).
    static std::optional<EgressRule> parse(std::string_view pattern);
    bool matches(const UrlTarget& target) const;
};

/// Lower-case, strip IPv6 brackets and a trailing dot.
std::string normalize_host(std::string_view host);

/// True when one of `allow` (patterns as in EgressRule) matches. An empty list denies
/// everything; malformed patterns match nothing.
bool egress_allowed(const std::vector<std::string>& allow, const UrlTarget& target);

/// The patterns of `allow` that do not parse (for configuration validation).
std::vector<std::string> invalid_egress_rules(const std::vector<std::string>& allow);

} // namespace siemhub::http
