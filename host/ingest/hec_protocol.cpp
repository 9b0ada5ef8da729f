#include "ingest/hec_protocol.hpp"
#include "core/url.hpp"
#include "ocsf/json_depth.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include <simdjson.h>
#include <functional>

namespace siemhub::ingest::hec {

using json = nlohmann::json;

namespace {

// An envelope's event and fields are journaled two levels deeper than they arrive when wrapped as a
// Base Event (unmapped.hec.event): envelopes get two levels less, so every event fits the limit.
constexpr size_t kMaxDepth = ocsf::kMaxJsonDepth - 2;
constexpr size_t kMaxAckIds = 10000;

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ws(s.back())) s.remove_suffix(1);
  return s;
}

// Splits "Scheme value" → (lowercase scheme, trimmed value).
std::pair<std::string, std::string_view> split_scheme(std::string_view header) {
  header = trim(header);
  const size_t sp = header.find_first_of(" \t");
  std::string scheme(header.substr(0, sp));
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string_view value = sp == std::string_view::npos ? std::string_view{} : trim(header.substr(sp + 1));
  return {std::move(scheme), value};
}

std::optional<std::string> basic_password(std::string_view value) {
  auto decoded = base64_decode(value);
  if (!decoded) return std::nullopt;
  const size_t colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  std::string password = decoded->substr(colon + 1);
  if (password.empty()) return std::nullopt;
  return password;
}

// HEC `time`: epoch seconds (with a fraction) as a number or a string; both parsers use these.
std::optional<double> checked_time(double v) {
  if (!std::isfinite(v) || v < 0 || v >= 1e11) return std::nullopt;
  return v;
}

std::optional<double> time_from_text(std::string_view text) {
  const std::string_view sv = trim(text);
  double v = 0;
  if (sv.empty()) return std::nullopt;
  const auto [p, ec] = std::from_chars(sv.data(), sv.data() + sv.size(), v);
  if (ec != std::errc() || p != sv.data() + sv.size()) return std::nullopt;
  return checked_time(v);
}

std::optional<double> parse_time(const json& t) {
  if (t.is_number()) return checked_time(t.get<double>());
  if (t.is_string()) return time_from_text(t.get_ref<const std::string&>());
  return std::nullopt;
}

bool blank_event(const json& e) {
  if (e.is_null()) return true;
  if (e.is_string()) return trim(e.get_ref<const std::string&>()).empty();
  return false;
}

// Validates one parsed envelope; returns the HEC code (0 = fine).
int to_envelope(json&& j, std::string_view raw, Envelope& out, std::string& detail) {
  if (!j.is_object()) {
    detail = "not a JSON object";
    return kInvalidDataFormat;
  }
  auto ev = j.find("event");
  if (ev == j.end()) {
    detail = "\"event\" is missing";
    return kEventFieldRequired;
  }
  if (blank_event(*ev)) {
    detail = "\"event\" is blank";
    return kEventFieldBlank;
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    json& value = it.value();
    if (key == "event") {
      out.event = std::move(value);
    } else if (key == "time") {
      if (value.is_null()) continue;
      out.time = parse_time(value);
      if (!out.time) {
        detail = "\"time\" must be epoch seconds (number or numeric string)";
        return kInvalidDataFormat;
      }
    } else if (key == "host" || key == "source" || key == "sourcetype" || key == "index") {
      if (value.is_null()) continue;
      if (!value.is_string()) {
        detail = "\"" + key + "\" must be a string";
        return kInvalidDataFormat;
      }
      auto& slot = key == "host" ? out.host : key == "source" ? out.source : key == "sourcetype" ? out.sourcetype : out.index;
      slot = value.get<std::string>();
    } else if (key == "fields") {
      if (value.is_null()) continue;
      if (!value.is_object()) {
        detail = "\"fields\" must be an object";
        return kInvalidDataFormat;
      }
      out.fields = std::move(value);
    }
    // Other keys (e.g. "id") are ignored, as Splunk does; they stay in raw_data.
  }
  out.raw = raw;
  return kSuccess;
}

}  // namespace

int http_status(int code) {
  switch (code) {
    case kSuccess:
    case kHealthy: return 200;
    case kTokenRequired:
    case kInvalidAuthorization: return 401;
    case kInvalidToken: return 403;
    case kNoData:
    case kInvalidDataFormat:
    case kIncorrectIndex:
    case kChannelMissing:
    case kInvalidChannel:
    case kEventFieldRequired:
    case kEventFieldBlank:
    case kAckDisabled:
    case kQueryAuthDisabled: return 400;
    case kServerBusy: return 503;
    default: return 500;
  }
}

std::string_view text(int code) {
  switch (code) {
    case kSuccess: return "Success";
    case kTokenRequired: return "Token is required";
    case kInvalidAuthorization: return "Invalid authorization";
    case kInvalidToken: return "Invalid token";
    case kNoData: return "No data";
    case kInvalidDataFormat: return "Invalid data format";
    case kIncorrectIndex: return "Incorrect index";
    case kServerBusy: return "Server is busy";
    case kChannelMissing: return "Data channel is missing";
    case kInvalidChannel: return "Invalid data channel";
    case kEventFieldRequired: return "Event field is required";
    case kEventFieldBlank: return "Event field cannot be blank";
    case kAckDisabled: return "ACK is disabled";
    case kQueryAuthDisabled: return "Query string authorization is not enabled";
    case kHealthy: return "HEC is healthy";
    default: return "Internal server error";
  }
}

std::string response_body(int code, std::optional<size_t> invalid_event_number, std::optional<uint64_t> ack_id) {
  json j = json::object();
  j["text"] = text(code);
  j["code"] = code;
  if (invalid_event_number) j["invalid-event-number"] = *invalid_event_number;
  if (ack_id) j["ackId"] = *ack_id;
  return j.dump();
}

namespace {

// Finds the next envelope in body[pos..): brackets outside strings (the strict parse checks the
// rest). Returns false at the end of the body; sets `code`/`detail` when the text is bad.
bool next_envelope(std::string_view body, size_t& pos, std::string_view& raw, int& code, std::string& detail) {
  const size_t n = body.size();
  while (pos < n && is_ws(body[pos])) ++pos;
  if (pos >= n) return false;
  if (body[pos] != '{') {
    code = kInvalidDataFormat;
    detail = "not a JSON object";
    return true;
  }
  const size_t start = pos;
  size_t depth = 0, end = std::string_view::npos;
  const char* const p = body.data();
  for (; pos < n; ++pos) {
    const char c = p[pos];
    if (c == '"') {
      // To the closing quote (an escape skips the character after the backslash).
      for (++pos; pos < n; ++pos) {
        const char s = p[pos];
        if (s == '\\') {
          ++pos;
        } else if (s == '"') {
          break;
        }
      }
      if (pos >= n) break;
    } else if (c == '{' || c == '[') {
      // An early way out for the deepest bodies; slow_envelope() applies the exact limit.
      if (++depth > kMaxDepth) {
        code = kInvalidDataFormat;
        detail = ocsf::too_deep_message(kMaxDepth);
        return true;
      }
    } else if (c == '}' || c == ']') {
      if (--depth == 0) {
        end = ++pos;
        break;
      }
    }
  }
  if (end == std::string_view::npos) {
    code = kInvalidDataFormat;
    detail = "truncated JSON object";
    return true;
  }
  raw = body.substr(start, end - start);
  return true;
}

// The nlohmann parse of one envelope (the reference semantics), with the depth limit.
int slow_envelope(std::string_view raw, Envelope& e, std::string& detail) {
  bool too_deep = false;
  json j = ocsf::parse_json(raw, &too_deep, kMaxDepth);
  if (j.is_discarded()) {
    detail = too_deep ? ocsf::too_deep_message(kMaxDepth) : "invalid JSON";
    return kInvalidDataFormat;
  }
  return to_envelope(std::move(j), raw, e, detail);
}

simdjson::dom::parser& envelope_parser() {
  thread_local simdjson::dom::parser parser = [] {
    simdjson::dom::parser p;
    (void)ocsf::limit_depth(p, kMaxDepth);  // a failed allocation fails the first parse instead
    p.threaded = false;  // no look-ahead thread per body: the hub's own threads do the work
    return p;
  }();
  return parser;
}

std::optional<double> dom_time(simdjson::dom::element t) {
  double v = 0;
  if (t.is_number()) {
    if (t.get_double().get(v) != simdjson::SUCCESS) return std::nullopt;
    return checked_time(v);
  }
  if (t.is_string()) return time_from_text(std::string_view(t.get_string().value_unsafe()));
  return std::nullopt;
}

enum class Check { ok, error, fallback };

// The envelope checks of to_envelope() on simdjson's DOM, in the same order (event first, then
// the members in nlohmann's sorted key order). Fallback when a key repeats (nlohmann keeps the
// last one, the DOM all of them).
Check dom_envelope(simdjson::dom::element root, DomEnvelope& e, int& code, std::string& detail) {
  code = kInvalidDataFormat;
  if (!root.is_object()) {
    detail = "not a JSON object";
    return Check::error;
  }
  std::optional<simdjson::dom::element> event, fields, time, host, index, source, sourcetype;
  for (const auto field : simdjson::dom::object(root)) {
    const std::string_view k = field.key;
    std::optional<simdjson::dom::element>* slot = nullptr;
    if (k == "event") slot = &event;
    else if (k == "fields") slot = &fields;
    else if (k == "time") slot = &time;
    else if (k == "host") slot = &host;
    else if (k == "index") slot = &index;
    else if (k == "source") slot = &source;
    else if (k == "sourcetype") slot = &sourcetype;
    if (!slot) continue;  // other keys (e.g. "id") are ignored, as Splunk does
    if (*slot) return Check::fallback;
    *slot = field.value;
  }
  if (!event) {
    code = kEventFieldRequired;
    detail = "\"event\" is missing";
    return Check::error;
  }
  if (event->is_null() || (event->is_string() && trim(std::string_view(event->get_string().value_unsafe())).empty())) {
    code = kEventFieldBlank;
    detail = "\"event\" is blank";
    return Check::error;
  }
  e.event = *event;
  if (fields && !fields->is_null()) {
    if (!fields->is_object()) {
      detail = "\"fields\" must be an object";
      return Check::error;
    }
    e.fields = *fields;
  }
  const auto string_slot = [&](const std::optional<simdjson::dom::element>& v, std::string_view key,
                               std::optional<std::string_view>& out) {
    if (!v || v->is_null()) return true;
    if (!v->is_string()) {
      detail = "\"" + std::string(key) + "\" must be a string";
      return false;
    }
    out = std::string_view(v->get_string().value_unsafe());
    return true;
  };
  if (!string_slot(host, "host", e.host) || !string_slot(index, "index", e.index) ||
      !string_slot(source, "source", e.source) || !string_slot(sourcetype, "sourcetype", e.sourcetype))
    return Check::error;
  if (time && !time->is_null()) {
    e.time = dom_time(*time);
    if (!e.time) {
      detail = "\"time\" must be epoch seconds (number or numeric string)";
      return Check::error;
    }
  }
  return Check::ok;
}

}  // namespace

ParseResult parse_events(std::string_view body) {
  ParseResult r;
  size_t pos = 0;
  std::string_view raw;
  for (;;) {
    int code = kSuccess;
    std::string detail;
    if (!next_envelope(body, pos, raw, code, detail)) break;
    Envelope e;
    if (code == kSuccess) code = slow_envelope(raw, e, detail);
    if (code != kSuccess) {
      r.error_code = code;
      r.error_index = r.events.size();
      r.detail = "event " + std::to_string(r.error_index) + ": " + std::move(detail);
      break;
    }
    r.events.push_back(std::move(e));
  }
  return r;
}

Walk for_each_envelope(std::string_view body, const std::function<bool(const DomEnvelope&)>& fn, WalkError& error) {
  // Envelopes larger than a batch, or nested deeper than the reference parse allows, fail here
  // and are decided by parse_events().
  constexpr size_t kBatch = 1 << 20;
  auto& parser = envelope_parser();
  if (parser.capacity() < kBatch && parser.allocate(kBatch, kMaxDepth) != simdjson::SUCCESS) return Walk::fallback;
  simdjson::dom::document_stream docs;
  if (parser.parse_many(body.data(), body.size(), kBatch).get(docs) != simdjson::SUCCESS) return Walk::fallback;
  size_t n = 0;
  for (auto it = docs.begin(); it != docs.end(); ++it) {
    simdjson::dom::element root;
    if ((*it).get(root) != simdjson::SUCCESS) return Walk::fallback;
    DomEnvelope e;
    int code = kSuccess;
    std::string detail;
    switch (dom_envelope(root, e, code, detail)) {
      case Check::ok: break;
      case Check::fallback: return Walk::fallback;
      case Check::error:
        error.code = code;
        error.index = n;
        error.detail = "event " + std::to_string(n) + ": " + detail;
        return Walk::stopped;
    }
    e.raw = it.source();
    e.number = n++;
    if (!fn(e)) return Walk::stopped;
  }
  // Bytes after the last whole document (a truncated envelope) are the reference parse's to judge.
  if (docs.truncated_bytes() != 0) return Walk::fallback;
  return Walk::done;
}

Walk for_each_envelope_exact(std::string_view body, const std::function<bool(const DomEnvelope&)>& on_dom,
                             const std::function<bool(Envelope&&)>& on_json, WalkError& error) {
  size_t pos = 0, n = 0;
  std::string_view raw;
  auto& parser = envelope_parser();
  const auto stop = [&](int code, std::string detail) {
    error.code = code;
    error.index = n;
    error.detail = "event " + std::to_string(n) + ": " + std::move(detail);
    return Walk::stopped;
  };
  for (;; ++n) {
    int code = kSuccess;
    std::string detail;
    if (!next_envelope(body, pos, raw, code, detail)) return Walk::done;
    if (code != kSuccess) return stop(code, std::move(detail));
    // The envelope alone through simdjson (the body after it, or its padding, covers the
    // read-ahead); what simdjson cannot judge as nlohmann would goes the nlohmann way.
    simdjson::dom::element root;
    if (parser.parse(raw.data(), raw.size(), false).get(root) == simdjson::SUCCESS) {
      DomEnvelope e;
      switch (dom_envelope(root, e, code, detail)) {
        case Check::ok:
          e.raw = raw;
          e.number = n;
          if (!on_dom(e)) return Walk::stopped;
          continue;
        case Check::error: return stop(code, std::move(detail));
        case Check::fallback: break;
      }
    }
    Envelope e;
    code = slow_envelope(raw, e, detail);
    if (code != kSuccess) return stop(code, std::move(detail));
    if (!on_json(std::move(e))) return Walk::stopped;
  }
}

std::vector<std::string_view> split_lines(std::string_view body) {
  std::vector<std::string_view> out;
  while (!body.empty()) {
    const size_t nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body = nl == std::string_view::npos ? std::string_view{} : body.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!trim(line).empty()) out.push_back(line);
  }
  return out;
}

Credentials hec_credentials(std::optional<std::string_view> authorization, std::optional<std::string_view> query_token) {
  Credentials c;
  if (authorization) {
    auto [scheme, value] = split_scheme(*authorization);
    if (value.empty()) {
      c.error = kInvalidAuthorization;
    } else if (scheme == "splunk") {
      c.token = std::string(value);
    } else if (scheme == "basic") {
      auto password = basic_password(value);
      if (password) {
        c.token = std::move(*password);
      } else {
        c.error = kInvalidAuthorization;
      }
    } else {
      c.error = kInvalidAuthorization;
    }
    return c;
  }
  if (query_token && !query_token->empty()) {
    c.token = std::string(*query_token);
    c.from_query = true;
    return c;
  }
  c.error = kTokenRequired;
  return c;
}

std::optional<std::string> bearer_or_basic_token(std::string_view authorization) {
  auto [scheme, value] = split_scheme(authorization);
  if (value.empty()) return std::nullopt;
  if (scheme == "bearer") return std::string(value);
  if (scheme == "basic") return basic_password(value);
  return std::nullopt;
}

bool valid_channel(std::string_view channel) {
  if (channel.empty() || channel.size() > 128) return false;
  for (char c : channel) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  }
  return true;
}

std::optional<std::vector<uint64_t>> parse_ack_request(std::string_view body) {
  const json j = ocsf::parse_json(body);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  const auto it = j.find("acks");
  if (it == j.end() || !it->is_array() || it->size() > kMaxAckIds) return std::nullopt;
  std::vector<uint64_t> ids;
  ids.reserve(it->size());
  for (const auto& v : *it) {
    if (v.is_number_unsigned()) {
      ids.push_back(v.get<uint64_t>());
    } else if (v.is_number_integer() && v.get<int64_t>() >= 0) {
      ids.push_back(static_cast<uint64_t>(v.get<int64_t>()));
    } else {
      return std::nullopt;
    }
  }
  return ids;
}

std::string ack_response(const std::vector<std::pair<uint64_t, bool>>& acks) {
  json m = json::object();
  for (const auto& [id, done] : acks) m[std::to_string(id)] = done;
  return json{{"acks", std::move(m)}}.dump();
}

}  // namespace siemhub::ingest::hec

namespace siemhub::ingest {

using json = nlohmann::json;

namespace {

using core::percent_decode;

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

}  // namespace

std::optional<std::map<std::string, std::string>> parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq));
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    if (!key || !value) return std::nullopt;
    out.emplace(std::move(*key), std::move(*value));
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int v = base64_value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFFu));
    }
  }
  return out;
}

std::optional<std::string> gunzip_body(std::string_view data, size_t max_size, bool& too_large) {
  too_large = false;
  if (data.size() > std::numeric_limits<uInt>::max()) return std::nullopt;
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return std::nullopt;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out;
  std::array<char, 16384> buf{};
  bool ok = false;
  for (;;) {
    zs.next_out = reinterpret_cast<Bytef*>(buf.data());
    zs.avail_out = static_cast<uInt>(buf.size());
    const int rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out.append(buf.data(), buf.size() - zs.avail_out);
    if (out.size() > max_size) {
      too_large = true;
      break;
    }
    if (rc == Z_STREAM_END) {
      // Concatenated gzip members (RFC 1952 §2.2) continue; trailing whitespace is tolerated.
      while (zs.avail_in > 0 && (*zs.next_in == 0 || *zs.next_in == '\n')) {
        ++zs.next_in;
        --zs.avail_in;
      }
      if (zs.avail_in == 0) {
        ok = true;
        break;
      }
      if (inflateReset(&zs) != Z_OK) break;
      continue;
    }
    if (zs.avail_in == 0 && zs.avail_out != 0) break;  // truncated
  }
  inflateEnd(&zs);
  if (!ok) return std::nullopt;
  return out;
}

NdjsonResult parse_ndjson_objects(std::string_view body) {
  NdjsonResult r;
  for_each_ndjson_line(body, [&r](std::string_view line, size_t line_no) {
    bool too_deep = false;
    json j = ocsf::parse_json(line, &too_deep);
    std::string problem;
    if (too_deep) {
      problem = ocsf::too_deep_message();
    } else if (j.is_discarded()) {
      problem = "invalid JSON";
    } else if (!j.is_object()) {
      problem = "not a JSON object";
    }
    if (!problem.empty()) {
      r.error_line = line_no;
      r.error = "line " + std::to_string(line_no) + ": " + problem;
      return false;
    }
    r.objects.push_back(std::move(j));
    return true;
  });
  return r;
}

}  // namespace siemhub::ingest
