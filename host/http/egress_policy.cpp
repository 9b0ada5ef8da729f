#include "egress_policy.hpp"

#include <algorithm>
#include <charconv>

namespace siemhub::http {
namespace {

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool valid_host_chars(std::string_view host) {
    return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
               || c == ':' || c == '%';
    });
}

std::optional<uint16_t> parse_port(std::string_view text) {
    unsigned value = 0;
    const auto* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end || value == 0 || value > 65535) {
        return std::nullopt;
    }
    return static_cast<uint16_t>(value);
}

} // namespace

std::string normalize_host(std::string_view host) {
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    if (host.size() > 1 && host.back() == '.') {
        host.remove_suffix(1);
    }
    std::string out(host);
    std::transform(out.begin(), out.end(), out.begin(), lower);
    return out;
}

namespace {

struct HostPort {
    std::string_view host;
    std::string_view port;
    bool has_port = false;
};

/// "host", "host:port", "[v6]", "[v6]:port"; an unbracketed multi-colon string is a v6 host.
std::optional<HostPort> split_host_port(std::string_view pattern) {
    HostPort out{pattern, {}, false};
    if (!pattern.empty() && pattern.front() == '[') {
        const auto close = pattern.find(']');
        if (close == std::string_view::npos) {
            return std::nullopt;
        }
        out.host = pattern.substr(0, close + 1);
        const auto rest = pattern.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') {
                return std::nullopt;
            }
            out.port = rest.substr(1);
            out.has_port = true;
        }
    } else if (const auto colon = pattern.rfind(':');
               colon != std::string_view::npos && pattern.find(':') == colon) {
        out.host = pattern.substr(0, colon);
        out.port = pattern.substr(colon + 1);
        out.has_port = true;
    }
    return out;
}

/// "*" alone, a leading "*." label followed by a plain host, or a plain host.
bool valid_host_pattern(const std::string& host) {
    if (host.find('*') == std::string::npos) {
        return valid_host_chars(host);
    }
    if (host == "*") {
        return true;
    }
    return host.size() > 2 && host.compare(0, 2, "*.") == 0
           && host.find('*', 1) == std::string::npos
           && valid_host_chars(std::string_view(host).substr(2));
}

} // namespace

std::optional<EgressRule> EgressRule::parse(std::string_view pattern) {
    const auto parts = split_host_port(pattern);
    if (!parts) {
        return std::nullopt;
    }
    const auto [host, port, has_port] = *parts;
    EgressRule rule;
    rule.host = normalize_host(host);
    if (!valid_host_pattern(rule.host)) {
        return std::nullopt;
    }

    if (has_port) {
        if (port == "*") {
            rule.any_port = true;
        } else {
            rule.port = parse_port(port);
            if (!rule.port) {
                return std::nullopt;
            }
        }
    } else if (rule.host == "*") {
        rule.any_port = true; // "*" = anything
    }
    return rule;
}

bool EgressRule::matches(const UrlTarget& target) const {
    if (!any_port) {
        if (port) {
            if (*port != target.port) {
                return false;
            }
        } else {
            const uint16_t default_port = target.scheme == "https" ? 443 : 80;
            if (target.port != default_port) {
                return false;
            }
        }
    }
    const std::string want = normalize_host(target.host);
    if (host == "*") {
        return true;
    }
    if (host.size() > 2 && host[0] == '*') {
        const std::string_view suffix = std::string_view(host).substr(1); // ".example.com"
        return want.size() > suffix.size()
               && want.compare(want.size() - suffix.size(), suffix.size(), suffix) == 0;
    }
    return want == host;
}

bool egress_allowed(const std::vector<std::string>& allow, const UrlTarget& target) {
    return std::any_of(allow.begin(), allow.end(), [&](const std::string& pattern) {
        const auto rule = EgressRule::parse(pattern);
        return rule && rule->matches(target);
    });
}

std::vector<std::string> invalid_egress_rules(const std::vector<std::string>& allow) {
    std::vector<std::string> bad;
    for (const auto& pattern : allow) {
        if (!EgressRule::parse(pattern)) {
            bad.push_back(pattern);
        }
    }
    return bad;
}

} // namespace siemhub::http
