#include "builtin/http_sink.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>

namespace siemhub::builtin {

namespace {

constexpr size_t kEvidenceMax = 2048;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

[[noreturn]] void config_error(const std::string& message) { throw sdk::Error(sdk::Category::config, message); }

bool has_crlf(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

bool valid_header_name(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char ch) {
    const auto u = static_cast<unsigned char>(ch);
    return std::isalnum(u) || std::strchr("!#$%&'*+-.^_`|~", ch) != nullptr;
  });
}

// Cuts `s` to at most `max` bytes without splitting a UTF-8 sequence.
std::string truncate_utf8(std::string s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0u) == 0x80u) --n;
  s.resize(n);
  return s;
}

// ------------------------------------------------------------------------------- SHA-256

struct Sha256 {
  std::array<uint32_t, 8> h{0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
                            0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};
  std::array<unsigned char, 64> buf{};
  size_t used = 0;
  uint64_t bits = 0;

  static uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

  void block(const unsigned char* p) {
    static constexpr std::array<uint32_t, 64> k{
        0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
        0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
        0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
        0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
        0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
        0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
        0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
        0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u};
    std::array<uint32_t, 64> w{};
    for (size_t i = 0; i < 16; ++i)
      w[i] = (uint32_t{p[4 * i]} << 24) | (uint32_t{p[4 * i + 1]} << 16) | (uint32_t{p[4 * i + 2]} << 8) |
             uint32_t{p[4 * i + 3]};
    for (size_t i = 16; i < 64; ++i) {
      const uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      const uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (size_t i = 0; i < 64; ++i) {
      const uint32_t t1 = hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
      const uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      hh = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
  }

  void update(std::string_view data) {
    bits += uint64_t{data.size()} * 8;
    for (char ch : data) {
      buf[used++] = static_cast<unsigned char>(ch);
      if (used == 64) {
        block(buf.data());
        used = 0;
      }
    }
  }

  std::string hex() {
    const uint64_t total = bits;
    const char pad = static_cast<char>(0x80);
    update(std::string_view(&pad, 1));
    const char zero = 0;
    while (used != 56) update(std::string_view(&zero, 1));
    for (int i = 7; i >= 0; --i) {
      buf[used++] = static_cast<unsigned char>(total >> (8 * i));
    }
    block(buf.data());
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(64);
    for (uint32_t v : h)
      for (int i = 7; i >= 0; --i) out += digits[(v >> (4 * i)) & 0xFu];
    return out;
  }
};

}  // namespace

std::string sha256_hex(std::string_view data) {
  Sha256 s;
  s.update(data);
  return s.hex();
}

std::string base64(std::string_view data) {
  static constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const uint32_t v = (uint32_t{static_cast<unsigned char>(data[i])} << 16) |
                       (uint32_t{static_cast<unsigned char>(data[i + 1])} << 8) |
                       uint32_t{static_cast<unsigned char>(data[i + 2])};
    out += table[(v >> 18) & 63u];
    out += table[(v >> 12) & 63u];
    out += table[(v >> 6) & 63u];
    out += table[v & 63u];
  }
  if (i < data.size()) {
    uint32_t v = uint32_t{static_cast<unsigned char>(data[i])} << 16;
    if (i + 1 < data.size()) v |= uint32_t{static_cast<unsigned char>(data[i + 1])} << 8;
    out += table[(v >> 18) & 63u];
    out += table[(v >> 12) & 63u];
    out += i + 1 < data.size() ? table[(v >> 6) & 63u] : '=';
    out += '=';
  }
  return out;
}

// ------------------------------------------------------------------------------- config

void from_json(const nlohmann::json& j, HttpSinkConfig& c) {
  if (!j.is_object()) config_error("the http sink config must be an object");
  c.url = j.at("url").get<std::string>();
  c.method = j.value("method", c.method);
  c.format = j.value("format", c.format);
  c.headers.clear();
  if (auto h = j.find("headers"); h != j.end()) {
    if (!h->is_object()) config_error("headers must be an object of strings");
    for (const auto& [name, value] : h->items()) {
      if (!value.is_string()) config_error("headers." + name + " must be a string");
      c.headers.emplace_back(name, value.get<std::string>());
    }
  }
  if (auto a = j.find("auth"); a != j.end()) {
    if (!a->is_object()) config_error("auth must be an object");
    c.auth_type = a->value("type", c.auth_type);
    c.token = a->value("token", c.token);
    c.username = a->value("username", c.username);
    c.password = a->value("password", c.password);
    c.header_name = a->value("header_name", c.header_name);
  }
  c.gzip = j.value("gzip", c.gzip);
  c.max_batch_events = j.value("max_batch_events", c.max_batch_events);
  c.max_batch_bytes = j.value("max_batch_bytes", c.max_batch_bytes);
  c.timeout_ms = j.value("timeout_ms", c.timeout_ms);
  c.permanent_statuses = j.value("permanent_statuses", c.permanent_statuses);

  // The host validated against the schema already; these checks keep the class safe on its own
  // (tests, other hosts) and never echo a secret.
  const std::string scheme = lower(c.url.substr(0, c.url.find("://")));
  if (c.url.find("://") == std::string::npos || (scheme != "http" && scheme != "https"))
    config_error("url must be an absolute http:// or https:// URL");
  if (c.method != "POST" && c.method != "PUT") config_error("method must be POST or PUT");
  if (c.format != "json_array" && c.format != "ndjson") config_error("format must be json_array or ndjson");
  if (c.max_batch_events == 0) config_error("max_batch_events must be at least 1");
  if (c.max_batch_bytes == 0) config_error("max_batch_bytes must be at least 1");
  for (int s : c.permanent_statuses)
    if (s < 400 || s > 599) config_error("permanent_statuses holds " + std::to_string(s) + ", not a 4xx/5xx status");
  const std::string& t = c.auth_type;
  if (t != "none" && t != "bearer" && t != "basic" && t != "header")
    config_error("auth.type must be none, bearer, basic or header");
  if ((t == "bearer" || t == "header") && c.token.empty()) config_error("auth.token is required for auth.type " + t);
  if (t == "basic" && c.username.empty()) config_error("auth.username is required for auth.type basic");
  if (t == "basic" && c.username.find(':') != std::string::npos) config_error("auth.username may not contain ':'");
  if (t == "header" && !valid_header_name(c.header_name))
    config_error("auth.header_name must be a valid header name for auth.type header");
  if (has_crlf(c.token) || has_crlf(c.username) || has_crlf(c.password))
    config_error("auth credentials may not contain CR or LF");
  const std::string auth_header = t == "header" ? c.header_name : (t == "none" ? "" : "Authorization");
  for (const auto& [name, value] : c.headers) {
    if (!valid_header_name(name)) config_error("headers: '" + name + "' is not a valid header name");
    if (has_crlf(value)) config_error("headers." + name + " may not contain CR or LF");
    for (const char* reserved :
         {"Content-Length", "Content-Encoding", "Transfer-Encoding", "Host", "Idempotency-Key", "Connection"})
      if (iequals(name, reserved)) config_error("headers may not set " + std::string(reserved) + " (the sink or host sets it)");
    if (!auth_header.empty() && iequals(name, auth_header))
      config_error("headers may not set " + name + ": auth sets it");
  }
}

// ------------------------------------------------------------------------------- the sink

struct HttpSink::Write {
  explicit Write(const sdk::SinkOp& o) : op(o) {}
  sdk::SinkOp op;
  std::vector<std::string> events;
  std::vector<std::string> ids;
  bool deferred = false;  // at least one request went out: the op completes from a callback
  bool in_write = true;   // write() has not returned yet
  uint32_t pending = 0;   // requests in flight
  // what is left to retry, for the op's own status
  uint32_t retried = 0;
  sdk::Category category = sdk::Category::none;
  uint32_t retry_after_ms = 0;
  std::string reason;
};

namespace {

int severity(sdk::Category c) {
  switch (c) {
    case sdk::Category::config: return 5;
    case sdk::Category::auth: return 4;
    case sdk::Category::rate_limit: return 3;
    case sdk::Category::transient: return 2;
    case sdk::Category::none: return 0;
    default: return 1;
  }
}

// scheme://host:port of a URL (no user info, path or query), for messages.
std::string display_target(const std::string& url) {
  const size_t sep = url.find("://");
  const std::string scheme = lower(url.substr(0, sep));
  std::string authority = url.substr(sep + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (const size_t at = authority.rfind('@'); at != std::string::npos) authority = authority.substr(at + 1);
  const size_t colon = authority.rfind(':');
  const size_t bracket = authority.rfind(']');
  const bool has_port = colon != std::string::npos && (bracket == std::string::npos || colon > bracket);
  if (!has_port) authority += scheme == "https" ? ":443" : ":80";
  return scheme + "://" + lower(authority);
}

}  // namespace

HttpSink::HttpSink(sdk::Host host, Config cfg)
    : host_(host),
      cfg_(std::move(cfg)),
      target_(display_target(cfg_.url)),
      m_{host_.counter("http_sink_requests_total", "Requests sent by the http sink"),
         host_.counter("http_sink_responses_2xx_total", "2xx responses"),
         host_.counter("http_sink_responses_3xx_total", "3xx responses (redirects are not followed)"),
         host_.counter("http_sink_responses_4xx_total", "4xx responses"),
         host_.counter("http_sink_responses_5xx_total", "5xx responses"),
         host_.counter("http_sink_transport_errors_total", "Requests without a response (network, timeout, refused)"),
         host_.counter("http_sink_events_delivered_total", "Events confirmed by a 2xx"),
         host_.counter("http_sink_events_rejected_total", "Events rejected to dead letters"),
         host_.counter("http_sink_events_retried_total", "Events handed back to the host for a retry")} {
  headers_.emplace_back("Content-Type", cfg_.format == "ndjson" ? "application/x-ndjson" : "application/json");
  for (const auto& [name, value] : cfg_.headers) {
    if (iequals(name, "Content-Type")) {
      headers_.front().second = value;
      continue;
    }
    headers_.emplace_back(name, value);
  }
  if (cfg_.auth_type == "bearer") {
    headers_.emplace_back("Authorization", "Bearer " + cfg_.token);
  } else if (cfg_.auth_type == "basic") {
    const std::string cred = base64(cfg_.username + ":" + cfg_.password);
    headers_.emplace_back("Authorization", "Basic " + cred);
    secrets_.push_back(cred);
  } else if (cfg_.auth_type == "header") {
    headers_.emplace_back(cfg_.header_name, cfg_.token);
  }
  // Everything that could give a credential away in evidence, longest first.
  for (const std::string* s : {&cfg_.token, &cfg_.password})
    if (!s->empty()) secrets_.push_back(*s);
  if (const size_t sep = cfg_.url.find("://"); sep != std::string::npos) {
    const std::string authority = cfg_.url.substr(sep + 3, cfg_.url.find_first_of("/?#", sep + 3) - sep - 3);
    if (const size_t at = authority.rfind('@'); at != std::string::npos && at > 0) secrets_.push_back(authority.substr(0, at));
  }
  std::sort(secrets_.begin(), secrets_.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

std::string HttpSink::redact(std::string text) const {
  for (const std::string& s : secrets_) {
    if (s.size() < 4) continue;  // too short to search without mangling ordinary text
    for (size_t at = text.find(s); at != std::string::npos; at = text.find(s, at + 3)) text.replace(at, s.size(), "***");
  }
  return text;
}

std::string HttpSink::body_of(const Write& w, uint32_t first, uint32_t count) const {
  std::string body;
  size_t size = 2;
  for (uint32_t i = first; i < first + count; ++i) size += w.events[i].size() + 1;
  body.reserve(size);
  if (cfg_.format == "ndjson") {
    for (uint32_t i = first; i < first + count; ++i) {
      const size_t at = body.size();
      body += w.events[i];
      // Raw CR/LF can only be insignificant whitespace in a valid JSON text: keep one event a line.
      std::replace_if(body.begin() + static_cast<std::ptrdiff_t>(at), body.end(),
                      [](char ch) { return ch == '\n' || ch == '\r'; }, ' ');
      body += '\n';
    }
  } else {
    body += '[';
    for (uint32_t i = first; i < first + count; ++i) {
      if (i != first) body += ',';
      body += w.events[i];
    }
    body += ']';
  }
  return body;
}

void HttpSink::write(sdk::SinkOp& op, const sdk::Batch& batch) {
  auto w = std::make_shared<Write>(op);
  const auto n = static_cast<uint32_t>(batch.size());
  w->events.reserve(n);
  w->ids.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {  // the batch is borrowed: copy it
    w->events.emplace_back(batch[i].data);
    w->ids.emplace_back(batch[i].id);
  }
  // Greedy split by event count and body bytes; an event larger than the byte limit goes alone.
  const size_t overhead = cfg_.format == "ndjson" ? 0 : 2;
  uint32_t first = 0;
  size_t bytes = overhead;
  for (uint32_t i = 0; i < n; ++i) {
    const size_t add = w->events[i].size() + (cfg_.format == "ndjson" || i > first ? 1 : 0);
    if (i > first && (i - first >= cfg_.max_batch_events || bytes + add > cfg_.max_batch_bytes)) {
      send(w, first, i - first);
      first = i;
      bytes = overhead + w->events[i].size() + (cfg_.format == "ndjson" ? 1 : 0);
    } else {
      bytes += add;
    }
  }
  if (n > first) send(w, first, n - first);
  w->in_write = false;
  if (w->deferred) return;  // completions run on the strand after this returns
  // Nothing went out (the host refused every request at once): results are set, finish now.
  if (w->retried > 0) throw sdk::Error(w->category, w->reason, 0, w->retry_after_ms);
}

void HttpSink::send(const std::shared_ptr<Write>& w, uint32_t first, uint32_t count) {
  sdk::HttpRequest req;
  req.method = cfg_.method;
  req.url = cfg_.url;
  req.headers = headers_;
  std::string key_material;
  for (uint32_t i = first; i < first + count; ++i) {
    const std::string& event_id = w->ids[i];
    key_material += event_id.empty() ? "d:" + sha256_hex(w->events[i]) : "i:" + event_id;
    key_material += '\n';
  }
  req.headers.emplace_back("Idempotency-Key", sha256_hex(key_material));
  req.body = body_of(*w, first, count);
  req.timeout_ms = cfg_.timeout_ms;
  req.flags = cfg_.gzip ? SIEMHUB_HTTP_GZIP_BODY : 0u;
  m_.requests.record(1);
  try {
    host_.http(std::move(req), [this, w, first, count](const sdk::HttpResponse* resp, const sdk::Error* err) {
      on_response(w, first, count, resp, err);
    });
  } catch (const sdk::Error& e) {
    m_.transport_errors.record(1);
    const bool config = e.category() == sdk::Category::config;
    if (config) set_health(SIEMHUB_HEALTH_DOWN, std::string("request to ") + target_ + " refused by the host: " + e.what());
    retry(w, first, count, config ? sdk::Category::config : sdk::Category::transient, e.retry_after_ms(),
          std::string("request refused by the host: ") + e.what());
    return;
  }
  ++w->pending;
  if (!w->deferred) {
    w->op.defer();
    w->deferred = true;
  }
}

void HttpSink::retry(const std::shared_ptr<Write>& w, uint32_t first, uint32_t count, sdk::Category c,
                     uint32_t retry_after_ms, const std::string& reason) {
  w->op.retry(first, count, c, retry_after_ms, reason.c_str());
  m_.retried.record(count);
  w->retried += count;
  w->retry_after_ms = std::max(w->retry_after_ms, retry_after_ms);
  if (severity(c) > severity(w->category)) {
    w->category = c;
    w->reason = reason;
  }
}

void HttpSink::set_health(int32_t state, const std::string& reason) {
  if (state == SIEMHUB_HEALTH_OK) {
    if (health_ == SIEMHUB_HEALTH_OK) return;
    host_.info("http sink to " + target_ + " is delivering again");
  } else {
    if (state < health_) return;  // keep the worse view until a success clears it
    if (state != health_) host_.warn(reason);
  }
  health_ = state;
  host_.report_health(state, reason);
}

void HttpSink::on_response(const std::shared_ptr<Write>& w, uint32_t first, uint32_t count,
                           const sdk::HttpResponse* resp, const sdk::Error* err) {
  const auto finish = [&] {
    if (--w->pending > 0 || w->in_write) return;
    if (w->retried == 0) {
      w->op.complete();
    } else {
      const std::string msg = std::to_string(w->retried) + " of " + std::to_string(w->events.size()) +
                              " events to retry: " + w->reason;
      w->op.fail(sdk::Error(w->category, msg, 0, w->retry_after_ms));
    }
  };

  if (resp == nullptr) {
    m_.transport_errors.record(1);
    const sdk::Category c = err ? err->category() : sdk::Category::transient;
    const std::string what = err ? err->what() : "no response";
    if (c == sdk::Category::config) {
      // Egress outside the allow-list, a TLS verification failure: fix the config; keep the events.
      set_health(SIEMHUB_HEALTH_DOWN, "request to " + target_ + " refused by the host: " + what);
      retry(w, first, count, sdk::Category::config, 0, "request refused by the host: " + what);
    } else {
      const char* kind = c == sdk::Category::timeout ? "timeout" : c == sdk::Category::cancelled ? "cancelled" : "transport error";
      retry(w, first, count, sdk::Category::transient, err ? err->retry_after_ms() : 0,
            std::string(kind) + " sending to " + target_ + ": " + what);
    }
    finish();
    return;
  }

  const int s = resp->status;
  const std::string http_s = "HTTP " + std::to_string(s);
  if (s >= 200 && s < 300) m_.r2xx.record(1);
  else if (s >= 300 && s < 400) m_.r3xx.record(1);
  else if (s >= 400 && s < 500) m_.r4xx.record(1);
  else if (s >= 500 && s < 600) m_.r5xx.record(1);

  const bool permanent = std::find(cfg_.permanent_statuses.begin(), cfg_.permanent_statuses.end(), s) !=
                         cfg_.permanent_statuses.end();
  const uint32_t ra = resp->retry_after_ms;
  if (s >= 200 && s < 300) {
    w->op.deliver(first, count);
    m_.delivered.record(count);
    set_health(SIEMHUB_HEALTH_OK, "");
  } else if (s == 401 || s == 403) {
    set_health(SIEMHUB_HEALTH_DOWN, http_s + " from " + target_ + ": credentials refused (events kept for retry)");
    retry(w, first, count, sdk::Category::auth, ra, http_s + ": credentials refused");
  } else if (s == 429) {
    retry(w, first, count, sdk::Category::rate_limit, ra, http_s + ": rate limited");
  } else if (s == 413 && count > 1) {
    // Too large for the receiver: split in halves and send both now, within this write.
    const uint32_t half = count / 2;
    send(w, first, half);
    send(w, first + half, count - half);
  } else if (s == 413 || permanent) {
    const std::string evidence = truncate_utf8(redact(std::string(resp->body)), kEvidenceMax);
    const std::string reason = s == 413 ? "payload too large" : http_s;
    for (uint32_t i = first; i < first + count; ++i) w->op.reject(i, reason, evidence);
    m_.rejected.record(count);
  } else if (s >= 300 && s < 400) {
    const auto loc = resp->header("Location");
    std::string where = loc ? std::string(*loc) : "";
    if (where.find("://") != std::string::npos) where = display_target(where);
    retry(w, first, count, sdk::Category::transient, ra,
          http_s + ": redirect" + (where.empty() ? "" : " to " + where) + " refused (redirects are not followed)");
  } else if (s >= 400 && s < 500 && s != 408) {
    set_health(SIEMHUB_HEALTH_DEGRADED, http_s + " from " + target_ + " (not in permanent_statuses: retried)");
    retry(w, first, count, sdk::Category::transient, ra, http_s + " (not in permanent_statuses: retried)");
  } else {  // 5xx, 408, anything else
    retry(w, first, count, sdk::Category::transient, ra, http_s + " from " + target_);
  }
  finish();
}

}  // namespace siemhub::builtin
