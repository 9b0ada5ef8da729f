#include "ingest/hec_protocol.hpp"
#include "core/url.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include <simdjson.h>

namespace siemhub::ingest::hec {

using json = nlohmann::json;

namespace {

constexpr size_t kMaxDepth = 512;
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
      if (++depth > kMaxDepth) {
        code = kInvalidDataFormat;
        detail = "nested too deeply";
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

// The nlohmann parse of one envelope (the reference semantics).
int slow_envelope(std::string_view raw, Envelope& e, std::string& detail) {
  json j = json::parse(raw, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    detail = "invalid JSON";
    return kInvalidDataFormat;
  }
  return to_envelope(std::move(j), raw, e, detail);
}

// --- a walker over JSON text simdjson has already validated: member spans, raw keys.

size_t skip_ws(std::string_view s, size_t i) {
  while (i < s.size() && is_ws(s[i])) ++i;
  return i;
}

// i at the opening quote; returns the index after the closing one.
size_t skip_string(std::string_view s, size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return s.size();
}

// i at the first character of a value; returns the index after it.
size_t skip_value(std::string_view s, size_t i) {
  if (i >= s.size()) return i;
  if (s[i] == '"') return skip_string(s, i);
  if (s[i] == '{' || s[i] == '[') {
    size_t depth = 0;
    for (; i < s.size(); ++i) {
      const char c = s[i];
      if (c == '"') {
        i = skip_string(s, i) - 1;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (--depth == 0) return i + 1;
      }
    }
    return s.size();
  }
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && !is_ws(s[i])) ++i;
  return i;
}

struct Member {
  std::string_view key;    // raw (between the quotes)
  std::string_view value;  // raw value text
};

// The members of one nested object, walked in the same pass as its parent's (see members()).
struct Nested {
  std::string_view key;  // which member's object to walk
  std::vector<Member> members;
  size_t close = 0;  // offset of its closing brace within its own text
  bool walked = false, ok = true;
};

// Members of the object whose text is `obj` ('{' ... '}'), in order. `close` gets the index of the
// closing brace. False when a key has an escape (the raw key is then not the key). When `nested`
// is given, the object value of its key is walked too (into nested->members) instead of skipped.
bool members(std::string_view obj, std::vector<Member>& out, size_t& close, Nested* nested = nullptr) {
  out.clear();
  size_t i = skip_ws(obj, 1);
  while (i < obj.size() && obj[i] == '"') {
    const size_t kend = skip_string(obj, i);
    const std::string_view key = obj.substr(i + 1, kend - i - 2);
    if (key.find('\\') != std::string_view::npos) return false;
    i = skip_ws(obj, kend);
    i = skip_ws(obj, i + 1);  // ':'
    size_t vend = 0;
    if (nested && !nested->walked && i < obj.size() && obj[i] == '{' && key == nested->key) {
      nested->walked = true;
      nested->ok = members(obj.substr(i), nested->members, nested->close);
      if (!nested->ok) return false;
      vend = i + nested->close + 1;
    } else {
      vend = skip_value(obj, i);
    }
    out.push_back({key, obj.substr(i, vend - i)});
    i = skip_ws(obj, vend);
    if (i < obj.size() && obj[i] == ',') i = skip_ws(obj, i + 1);
  }
  close = i;
  return true;
}

const Member* find_unique(const std::vector<Member>& ms, std::string_view key, bool& duplicate) {
  const Member* found = nullptr;
  for (const auto& m : ms) {
    if (m.key != key) continue;
    if (found) duplicate = true;
    found = &m;
  }
  return found;
}

// Newlines or tabs (valid JSON has them only between tokens).
bool has_line_ws(std::string_view s) {
  bool any = false;
  for (const char c : s) any |= (c == '\n') | (c == '\r') | (c == '\t');
  return any;
}

simdjson::dom::parser& envelope_parser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

enum class Fast { ok, error, slow };

std::optional<double> dom_time(simdjson::dom::element t) {
  double v = 0;
  if (t.is_number()) {
    if (t.get_double().get(v) != simdjson::SUCCESS) return std::nullopt;
    return checked_time(v);
  }
  if (t.is_string()) return time_from_text(std::string_view(t.get_string().value_unsafe()));
  return std::nullopt;
}

// Fills the OCSF passthrough fields of `e` (labels stays wrap when the event is not OCSF or cannot
// be labelled). Slow when a key the decision depends on is escaped or repeated.
Fast ocsf_labels(simdjson::dom::element ev, RawEnvelope& e, std::string_view receiver_lit,
                 std::string_view token_lit, const Nested& walked) {
  if (!walked.walked || !walked.ok) return Fast::slow;
  const std::vector<Member>& ms = walked.members;
  const size_t close = walked.close;
  bool dup = false;
  const Member* cls = find_unique(ms, "class_uid", dup);
  const Member* md = find_unique(ms, "metadata", dup);
  if (dup) return Fast::slow;
  if (!cls) return Fast::ok;
  simdjson::dom::element c;
  if (ev.get_object().value_unsafe().at_key("class_uid").get(c) != simdjson::SUCCESS) return Fast::slow;
  const auto type = c.type();
  if (type != simdjson::dom::element_type::INT64 && type != simdjson::dom::element_type::UINT64) return Fast::ok;
  if (!md) {
    e.labels = RawEnvelope::Labels::no_metadata;
    e.insert_at = close;
    e.need_comma = !ms.empty();
    return Fast::ok;
  }
  if (md->value.empty() || md->value.front() != '{') return Fast::ok;  // wrapped
  const size_t md_off = static_cast<size_t>(md->value.data() - e.event.data());
  std::vector<Member> mms;
  size_t md_close = 0;
  if (!members(md->value, mms, md_close)) return Fast::slow;
  const Member* labels = find_unique(mms, "labels", dup);
  if (dup) return Fast::slow;
  if (!labels) {
    e.labels = RawEnvelope::Labels::no_labels;
    e.insert_at = md_off + md_close;
    e.need_comma = !mms.empty();
    return Fast::ok;
  }
  const std::string_view arr = labels->value;
  if (arr.empty() || arr.front() != '[') return Fast::ok;  // wrapped
  // Labels are plain strings in practice; anything escaped or nested takes the exact path.
  if (arr.find_first_of("\\{", 1) != std::string_view::npos || arr.find('[', 1) != std::string_view::npos ||
      receiver_lit.find('\\') != std::string_view::npos || token_lit.find('\\') != std::string_view::npos)
    return Fast::slow;
  e.labels = RawEnvelope::Labels::append;
  const size_t end = arr.size() - 1;  // the ']'
  e.insert_at = static_cast<size_t>(arr.data() - e.event.data()) + end;
  e.need_comma = skip_ws(arr, 1) != end;
  e.has_receiver_label = arr.find(receiver_lit) != std::string_view::npos;
  e.has_token_label = arr.find(token_lit) != std::string_view::npos;
  return Fast::ok;
}

Fast fast_envelope(std::string_view raw, RawEnvelope& e, int& code, std::string& detail,
                   std::string_view receiver_lit, std::string_view token_lit, std::vector<Member>& ms,
                   Nested& event_members) {
  code = kInvalidDataFormat;
  simdjson::dom::element root;
  if (envelope_parser().parse(raw.data(), raw.size(), true).get(root) != simdjson::SUCCESS) return Fast::slow;
  simdjson::dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) {
    detail = "not a JSON object";
    return Fast::error;
  }
  size_t close = 0;
  event_members.walked = false;
  event_members.ok = true;
  if (!members(raw, ms, close, &event_members)) return Fast::slow;
  bool dup = false;
  const Member* ev = find_unique(ms, "event", dup);
  const Member* fields = find_unique(ms, "fields", dup);
  const Member* time = find_unique(ms, "time", dup);
  const Member* host = find_unique(ms, "host", dup);
  const Member* index = find_unique(ms, "index", dup);
  const Member* source = find_unique(ms, "source", dup);
  const Member* sourcetype = find_unique(ms, "sourcetype", dup);
  if (dup) return Fast::slow;
  if (!ev) {
    code = kEventFieldRequired;
    detail = "\"event\" is missing";
    return Fast::error;
  }
  simdjson::dom::element event = obj.at_key("event").value_unsafe();
  if (event.is_null() || (event.is_string() && trim(std::string_view(event.get_string().value_unsafe())).empty())) {
    code = kEventFieldBlank;
    detail = "\"event\" is blank";
    return Fast::error;
  }
  // The checks in the order the nlohmann path meets the keys (sorted).
  if (fields) {
    const simdjson::dom::element f = obj.at_key("fields").value_unsafe();
    if (!f.is_null()) {
      if (!f.is_object()) {
        detail = "\"fields\" must be an object";
        return Fast::error;
      }
      e.fields = fields->value;
    }
  }
  const auto string_slot = [&](const Member* m, std::string_view key, std::optional<std::string>& slot) {
    if (!m) return true;
    const simdjson::dom::element v = obj.at_key(key).value_unsafe();
    if (v.is_null()) return true;
    if (!v.is_string()) {
      detail = "\"" + std::string(key) + "\" must be a string";
      return false;
    }
    slot.emplace(v.get_string().value_unsafe());
    return true;
  };
  if (!string_slot(host, "host", e.host) || !string_slot(index, "index", e.index) ||
      !string_slot(source, "source", e.source) || !string_slot(sourcetype, "sourcetype", e.sourcetype))
    return Fast::error;
  if (time) {
    const simdjson::dom::element t = obj.at_key("time").value_unsafe();
    if (!t.is_null()) {
      e.time = dom_time(t);
      if (!e.time) {
        detail = "\"time\" must be epoch seconds (number or numeric string)";
        return Fast::error;
      }
    }
  }
  e.raw = raw;
  e.event = ev->value;
  e.needs_minify = has_line_ws(e.event) || has_line_ws(e.fields);
  if (event.is_string()) {
    e.kind = RawEnvelope::Kind::string;
  } else if (event.is_object()) {
    e.kind = RawEnvelope::Kind::object;
    return ocsf_labels(event, e, receiver_lit, token_lit, event_members);
  }
  return Fast::ok;
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

RawParseResult parse_events_raw(std::string_view body, std::string_view receiver_label, std::string_view token_label) {
  RawParseResult r;
  const std::string receiver_lit = json(receiver_label).dump(-1, ' ', false, json::error_handler_t::replace);
  const std::string token_lit = json(token_label).dump(-1, ' ', false, json::error_handler_t::replace);
  // ~500-byte envelopes are the common case; a guess that avoids most reallocation.
  r.events.reserve(std::min<size_t>(body.size() / 256 + 1, 16384));
  std::vector<Member> scratch;
  Nested event_members;
  event_members.key = "event";
  size_t pos = 0;
  std::string_view raw;
  for (;;) {
    int code = kSuccess;
    std::string detail;
    if (!next_envelope(body, pos, raw, code, detail)) break;
    RawEnvelope& e = r.events.emplace_back();
    if (code == kSuccess) {
      int fast_code = kSuccess;
      switch (fast_envelope(raw, e, fast_code, detail, receiver_lit, token_lit, scratch, event_members)) {
        case Fast::ok: break;
        case Fast::error: code = fast_code; break;
        case Fast::slow:
          e = RawEnvelope{};
          e.raw = raw;
          e.slow.emplace();
          code = slow_envelope(raw, *e.slow, detail);
          break;
      }
    }
    if (code != kSuccess) {
      r.events.pop_back();
      r.error_code = code;
      r.error_index = r.events.size();
      r.detail = "event " + std::to_string(r.error_index) + ": " + std::move(detail);
      break;
    }
  }
  return r;
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
  const json j = json::parse(body, nullptr, false);
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
  size_t line_no = 0;
  while (!body.empty()) {
    const size_t nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body = nl == std::string_view::npos ? std::string_view{} : body.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    bool blank = true;
    for (char c : line) blank = blank && (c == ' ' || c == '\t');
    if (blank) continue;
    json j = json::parse(line, nullptr, false);
    std::string problem;
    if (j.is_discarded()) {
      problem = "invalid JSON";
    } else if (!j.is_object()) {
      problem = "not a JSON object";
    }
    if (!problem.empty()) {
      r.error_line = line_no;
      r.error = "line " + std::to_string(line_no) + ": " + problem;
      break;
    }
    r.objects.push_back(std::move(j));
  }
  return r;
}

}  // namespace siemhub::ingest
