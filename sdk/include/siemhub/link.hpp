// siemhub SDK helpers — RFC 8288 `Link` headers (web linking), as used for paging by Okta,
// GitHub, and most REST APIs that page with `rel="next"`.
//
//   // Okta sends two headers: Link: <https://x.okta.com/api/v1/logs?limit=2>; rel="self"
//   //                         Link: <https://x.okta.com/api/v1/logs?after=1&limit=2>; rel="next"
//   if (auto next = next_link(resp, request_url)) fetch(*next);
//
// Follows RFC 8288 §3: `Link = #link-value`, `link-value = "<" URI-Reference ">" *( OWS ";" OWS
// link-param )`, `link-param = token BWS [ "=" BWS ( token / quoted-string ) ]`. Several links per
// header and several headers are read in order; parameter names are lower-cased (§3: they are
// case-insensitive); `rel` holds one or more space-separated relation types, compared
// case-insensitively (§2.1.1), and only its first occurrence counts (§3.3); a target is resolved
// against the request URL (§3.1, RFC 3986 §5). A malformed link-value is skipped up to the next
// top-level comma, as the RFC 8288 appendix B parsing algorithm is lenient. Nothing throws.
#ifndef SIEMHUB_LINK_HPP
#define SIEMHUB_LINK_HPP

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "siemhub/plugin.hpp"
#include "siemhub/url.hpp"

namespace siemhub::sdk {

/// One link: its resolved target, its relation types (lower case) and the other parameters
/// (names lower case, values unquoted).
struct Link {
  std::string target;
  std::vector<std::string> rels;
  std::vector<std::pair<std::string, std::string>> params;
  bool has_rel(std::string_view rel) const {
    for (const auto& r : rels)
      if (r.size() == rel.size() &&
          std::equal(r.begin(), r.end(), rel.begin(), [](char a, char b) { return a == detail::ascii_lower(b); }))
        return true;
    return false;
  }
  /// The value of a parameter (`title`, `type`, `anchor`...), if present.
  std::optional<std::string_view> param(std::string_view name) const {
    for (const auto& [n, v] : params)
      if (n == name) return std::string_view(v);
    return std::nullopt;
  }
};

namespace detail {
constexpr bool link_ows(char c) { return c == ' ' || c == '\t'; }
// RFC 9110 §5.6.2 tchar.
constexpr bool tchar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}
// Skips to just after the next comma outside quotes and angle brackets (or to the end).
inline size_t skip_link_value(std::string_view s, size_t i) {
  bool quoted = false, angle = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (quoted) {
      if (c == '\\') ++i;
      else if (c == '"') quoted = false;
    } else if (angle) {
      angle = c != '>';
    } else if (c == '"') {
      quoted = true;
    } else if (c == '<') {
      angle = true;
    } else if (c == ',') {
      return i + 1;
    }
  }
  return s.size();
}
// Parses one link-value at i; false when malformed (i is then left anywhere).
inline bool parse_link_value(std::string_view s, size_t& i, std::string_view base, Link& out) {
  if (i >= s.size() || s[i] != '<') return false;
  const size_t close = s.find('>', i + 1);
  if (close == std::string_view::npos) return false;
  std::string_view target = s.substr(i + 1, close - i - 1);
  while (!target.empty() && link_ows(target.front())) target.remove_prefix(1);
  while (!target.empty() && link_ows(target.back())) target.remove_suffix(1);
  out.target = base.empty() ? std::string(target) : resolve_url(base, target);
  bool rel_seen = false;
  for (i = close + 1;;) {
    while (i < s.size() && link_ows(s[i])) ++i;
    if (i >= s.size() || s[i] == ',') return true;
    if (s[i] != ';') return false;
    ++i;
    while (i < s.size() && link_ows(s[i])) ++i;
    if (i < s.size() && (s[i] == ';' || s[i] == ',')) continue;  // empty parameter: tolerated
    std::string name;
    for (; i < s.size() && tchar(s[i]); ++i) name += ascii_lower(s[i]);
    if (name.empty()) return false;
    while (i < s.size() && link_ows(s[i])) ++i;
    std::string value;
    if (i < s.size() && s[i] == '=') {
      ++i;
      while (i < s.size() && link_ows(s[i])) ++i;
      if (i < s.size() && s[i] == '"') {
        bool closed = false;
        for (++i; i < s.size(); ++i) {
          if (s[i] == '\\' && i + 1 < s.size()) value += s[++i];
          else if (s[i] == '"') {
            closed = true;
            ++i;
            break;
          } else value += s[i];
        }
        if (!closed) return false;
      } else {  // a token; leniently anything up to `;`, `,` or space (`type=text/html` is common)
        for (; i < s.size() && s[i] != ';' && s[i] != ',' && !link_ows(s[i]); ++i) value += s[i];
      }
    }
    if (name == "rel") {
      if (std::exchange(rel_seen, true)) continue;  // §3.3: later occurrences are ignored
      for (size_t p = 0; p < value.size();) {
        while (p < value.size() && (value[p] == ' ' || value[p] == '\t')) ++p;
        size_t e = p;
        while (e < value.size() && value[e] != ' ' && value[e] != '\t') ++e;
        if (e > p) {
          std::string r;
          for (size_t k = p; k < e; ++k) r += ascii_lower(value[k]);
          out.rels.push_back(std::move(r));
        }
        p = e;
      }
    } else {
      out.params.emplace_back(std::move(name), std::move(value));
    }
  }
}
}  // namespace detail

/// Appends the links of one `Link` header value to `out`, targets resolved against `base`
/// (the request URL; empty = keep them as written).
inline void parse_links(std::string_view value, std::string_view base, std::vector<Link>& out) {
  for (size_t i = 0; i < value.size();) {
    while (i < value.size() && (detail::link_ows(value[i]) || value[i] == ',')) ++i;
    if (i >= value.size()) break;
    Link l;
    const size_t start = i;
    if (detail::parse_link_value(value, i, base, l)) {
      out.push_back(std::move(l));
      if (i < value.size() && value[i] == ',') ++i;
    } else {
      i = detail::skip_link_value(value, start);
    }
  }
}

inline std::vector<Link> parse_links(std::string_view value, std::string_view base = {}) {
  std::vector<Link> out;
  parse_links(value, base, out);
  return out;
}

/// Every link of every `Link` header of a response, in order.
inline std::vector<Link> links(const HttpResponse& resp, std::string_view request_url) {
  std::vector<Link> out;
  for (const std::string_view v : resp.headers("Link")) parse_links(v, request_url, out);
  return out;
}

/// The target of the first link with relation `rel` (default "next") and no `anchor` (a link
/// with an anchor is about another resource, RFC 8288 §3.2), resolved against the request URL.
inline std::optional<std::string> next_link(const HttpResponse& resp, std::string_view request_url,
                                            std::string_view rel = "next") {
  for (Link& l : links(resp, request_url))
    if (l.has_rel(rel) && !l.param("anchor")) return std::move(l.target);
  return std::nullopt;
}

}  // namespace siemhub::sdk

#endif  // SIEMHUB_LINK_HPP
