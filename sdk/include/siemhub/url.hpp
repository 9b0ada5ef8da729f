// siemhub SDK helpers — URLs: percent-encoding, a query builder, origins and reference resolution.
//
//   std::string url = base + "/users/" + encode_path_segment(user_id);
//   url = with_query(url, Query().add("filter", "eventType eq \"user.session.start\"").add("limit", 200));
//   if (!same_origin(next, base)) ...;                  // RFC 6454 §4: scheme, host, port
//   resolve_url("https://a.example/v1/logs?x=1", "/v1/logs?after=42")  -> "https://a.example/v1/logs?after=42"
//
// Follows RFC 3986: §2.3 unreserved characters (ALPHA DIGIT - . _ ~) are never encoded, every
// other octet is written %XX in upper case (§2.1); appendix B splits a URI; §5.2 resolves a
// reference (with §5.2.4 remove_dot_segments). Origins follow RFC 6454 with the default ports of
// http (80) and https (443). Nothing throws; parsing functions return std::optional.
#ifndef SIEMHUB_URL_HPP
#define SIEMHUB_URL_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace siemhub::sdk {

namespace detail {
constexpr bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}
inline void append_encoded(std::string& out, std::string_view s) {
  constexpr char hex[] = "0123456789ABCDEF";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (unreserved(c)) {
      out += ch;
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
}
constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
}  // namespace detail

/// Encodes one path segment: everything but the unreserved set, so `/`, `?`, `#`, `%` and
/// spaces inside a value can never change the path ("a/b c" -> "a%2Fb%20c").
inline std::string encode_path_segment(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  detail::append_encoded(out, s);
  return out;
}

/// Encodes a query name or value: everything but the unreserved set, so `&`, `=`, `+`, `#`
/// and spaces are data (space is `%20`, never `+`, which some servers read as a plus).
inline std::string encode_query_component(std::string_view s) { return encode_path_segment(s); }

/// Decodes %XX escapes (and nothing else: `+` stays `+`); nullopt on a malformed escape.
inline std::optional<std::string> percent_decode(std::string_view s) {
  auto hexval = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

/// Builds `name=value&name=value` with both sides encoded, in the order added.
class Query {
 public:
  Query& add(std::string_view name, std::string_view value) {
    if (!text_.empty()) text_ += '&';
    detail::append_encoded(text_, name);
    text_ += '=';
    detail::append_encoded(text_, value);
    return *this;
  }
  Query& add(std::string_view name, const char* value) { return add(name, std::string_view(value)); }
  template <class N, std::enable_if_t<std::is_integral_v<N> && !std::is_same_v<N, bool>, int> = 0>
  Query& add(std::string_view name, N value) {
    return add(name, std::string_view(std::to_string(value)));
  }
  Query& add(std::string_view name, bool value) { return add(name, value ? "true" : "false"); }
  /// Adds the pair only when `value` is set.
  template <class V>
  Query& add_if(std::string_view name, const std::optional<V>& value) {
    return value ? add(name, *value) : *this;
  }
  bool empty() const { return text_.empty(); }
  const std::string& str() const { return text_; }

 private:
  std::string text_;
};

/// `url` with the query appended (after `?`, or `&` when it already has a query; before any
/// `#fragment`).
inline std::string with_query(std::string_view url, const Query& q) {
  if (q.empty()) return std::string(url);
  const size_t hash = url.find('#');
  const std::string_view head = url.substr(0, hash);
  std::string out(head);
  if (head.find('?') == std::string_view::npos) out += '?';
  else if (head.back() != '?' && head.back() != '&') out += '&';
  out += q.str();
  if (hash != std::string_view::npos) out += url.substr(hash);
  return out;
}

/// The five components of a URI reference (RFC 3986 appendix B); `has_*` tells an empty
/// component ("?" alone) from an absent one.
struct UrlParts {
  std::string_view scheme, authority, path, query, fragment;
  bool has_scheme = false, has_authority = false, has_query = false, has_fragment = false;
};

inline UrlParts split_url(std::string_view s) {
  UrlParts p;
  const size_t colon = s.find(':');
  const size_t first_delim = s.find_first_of("/?#");
  if (colon != std::string_view::npos && colon > 0 && (first_delim == std::string_view::npos || colon < first_delim)) {
    p.scheme = s.substr(0, colon);
    p.has_scheme = true;
    s.remove_prefix(colon + 1);
  }
  if (s.substr(0, 2) == "//") {
    s.remove_prefix(2);
    const size_t end = s.find_first_of("/?#");
    p.authority = s.substr(0, end);
    p.has_authority = true;
    s = end == std::string_view::npos ? std::string_view{} : s.substr(end);
  }
  const size_t hash = s.find('#');
  if (hash != std::string_view::npos) {
    p.fragment = s.substr(hash + 1);
    p.has_fragment = true;
    s = s.substr(0, hash);
  }
  const size_t q = s.find('?');
  if (q != std::string_view::npos) {
    p.query = s.substr(q + 1);
    p.has_query = true;
    s = s.substr(0, q);
  }
  p.path = s;
  return p;
}

/// RFC 3986 §5.2.4: removes `.` and `..` segments.
inline std::string remove_dot_segments(std::string_view in) {
  std::string out;
  while (!in.empty()) {
    if (in.substr(0, 3) == "../") in.remove_prefix(3);
    else if (in.substr(0, 2) == "./") in.remove_prefix(2);
    else if (in.substr(0, 3) == "/./") in.remove_prefix(2);
    else if (in == "/.") in = "/";
    else if (in.substr(0, 4) == "/../" || in == "/..") {
      in = in.size() == 3 ? std::string_view("/") : in.substr(3);
      const size_t slash = out.rfind('/');
      out.erase(slash == std::string::npos ? 0 : slash);
    } else if (in == "." || in == "..") {
      in = {};
    } else {
      const size_t next = in.find('/', in[0] == '/' ? 1 : 0);
      out += in.substr(0, next);
      in = next == std::string_view::npos ? std::string_view{} : in.substr(next);
    }
  }
  return out;
}

/// Resolves a reference against an absolute base URL (RFC 3986 §5.2.2), e.g. a relative `Link`
/// target against the request URL. An absolute reference is returned as it is (dot segments
/// removed).
inline std::string resolve_url(std::string_view base, std::string_view ref) {
  const UrlParts b = split_url(base), r = split_url(ref);
  std::string_view scheme = b.scheme, authority = b.authority, query;
  std::string path;
  bool has_authority = b.has_authority, has_query = false;
  if (r.has_scheme) {
    scheme = r.scheme, authority = r.authority, has_authority = r.has_authority;
    path = remove_dot_segments(r.path), query = r.query, has_query = r.has_query;
  } else if (r.has_authority) {
    authority = r.authority, has_authority = true;
    path = remove_dot_segments(r.path), query = r.query, has_query = r.has_query;
  } else if (r.path.empty()) {
    path = std::string(b.path);
    query = r.has_query ? r.query : b.query, has_query = r.has_query || b.has_query;
  } else {
    if (r.path[0] == '/') {
      path = remove_dot_segments(r.path);
    } else {  // §5.2.3 merge
      std::string merged;
      if (b.has_authority && b.path.empty()) merged = "/";
      else merged = std::string(b.path.substr(0, b.path.rfind('/') + 1));
      merged += r.path;
      path = remove_dot_segments(merged);
    }
    query = r.query, has_query = r.has_query;
  }
  std::string out;
  out.reserve(base.size() + ref.size());
  if (!scheme.empty()) out.append(scheme).append(":");
  if (has_authority) out.append("//").append(authority);
  out += path;
  if (has_query) out.append("?").append(query);
  if (r.has_fragment) out.append("#").append(r.fragment);
  return out;
}

/// Scheme, host and port of a URL (RFC 6454 §4): scheme and host in lower case, IPv6 hosts
/// with their brackets, the port explicit or the scheme's default (http 80, https 443).
struct Origin {
  std::string scheme, host;
  uint16_t port = 0;
  bool operator==(const Origin&) const = default;
  /// `https://api.example.com:8443`, the default port left out.
  std::string str() const {
    const bool dflt = (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
    return scheme + "://" + host + (dflt ? std::string() : ":" + std::to_string(port));
  }
};

/// The origin of an absolute URL; nullopt when it has no scheme or host, a bad port, or a scheme
/// without a known default port and no explicit one.
inline std::optional<Origin> parse_origin(std::string_view url) {
  const UrlParts p = split_url(url);
  if (!p.has_scheme || !p.has_authority) return std::nullopt;
  std::string_view auth = p.authority;
  if (const size_t at = auth.rfind('@'); at != std::string_view::npos) auth.remove_prefix(at + 1);  // userinfo
  Origin o;
  for (const char c : p.scheme) o.scheme += detail::ascii_lower(c);
  std::string_view host = auth, port;
  if (!auth.empty() && auth[0] == '[') {
    const size_t close = auth.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = auth.substr(0, close + 1);
    if (close + 1 < auth.size()) {
      if (auth[close + 1] != ':') return std::nullopt;
      port = auth.substr(close + 2);
    }
  } else if (const size_t colon = auth.rfind(':'); colon != std::string_view::npos) {
    host = auth.substr(0, colon);
    port = auth.substr(colon + 1);
  }
  if (host.empty()) return std::nullopt;
  for (const char c : host) o.host += detail::ascii_lower(c);
  if (port.empty()) {
    if (o.scheme == "http") o.port = 80;
    else if (o.scheme == "https") o.port = 443;
    else return std::nullopt;
  } else {
    uint32_t v = 0;
    for (const char c : port) {
      if (c < '0' || c > '9' || v > 65535) return std::nullopt;
      v = v * 10 + static_cast<uint32_t>(c - '0');
    }
    if (v == 0 || v > 65535) return std::nullopt;
    o.port = static_cast<uint16_t>(v);
  }
  return o;
}

/// True when both URLs parse and have the same origin.
inline bool same_origin(std::string_view a, std::string_view b) {
  const auto x = parse_origin(a), y = parse_origin(b);
  return x && y && *x == *y;
}

}  // namespace siemhub::sdk

#endif  // SIEMHUB_URL_HPP
