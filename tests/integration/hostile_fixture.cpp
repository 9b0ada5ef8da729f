#include "integration/hostile_fixture.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>
#include <stdexcept>

#include "config/yaml_json.hpp"
#include "fakes/http_fake_server.hpp"

namespace siemhub::testing::hostile {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct FixtureError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void check_keys(const json& obj, const std::set<std::string>& allowed, const std::string& where) {
  if (!obj.is_object()) throw FixtureError(where + " must be a mapping");
  for (const auto& [k, v] : obj.items())
    if (!allowed.count(k)) throw FixtureError(where + ": unknown key \"" + k + "\"");
}

std::optional<std::string> base64_decode(std::string_view in) {
  std::string out;
  unsigned v = 0;
  int bits = 0;
  for (char c : in) {
    int d = -1;
    if (c >= 'A' && c <= 'Z') d = c - 'A';
    else if (c >= 'a' && c <= 'z') d = c - 'a' + 26;
    else if (c >= '0' && c <= '9') d = c - '0' + 52;
    else if (c == '+') d = 62;
    else if (c == '/') d = 63;
    else if (c == '=' || c == '\n' || c == ' ') continue;
    else return std::nullopt;
    v = (v << 6) | static_cast<unsigned>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((v >> bits) & 0xff));
    }
  }
  return out;
}

// Expands ${name} placeholders; ${id} draws the next event id of the case.
class Expander {
 public:
  Expander(const Secrets& secrets, size_t case_no) : secrets_(secrets), case_no_(case_no) {}

  std::string operator()(std::string_view text, std::vector<std::string>& ids) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
      const size_t at = text.find("${", i);
      if (at == std::string_view::npos) {
        out.append(text.substr(i));
        break;
      }
      out.append(text.substr(i, at - i));
      const size_t end = text.find('}', at);
      if (end == std::string_view::npos) throw FixtureError("unterminated ${ in \"" + std::string(text.substr(at, 40)) + "\"");
      const std::string name(text.substr(at + 2, end - at - 2));
      if (name == "id") {
        char id[32];  // fixed width (18 bytes), so raw requests can state their lengths
        std::snprintf(id, sizeof id, "hostile-%04zu-%05zu", case_no_ % 10000, next_id_++ % 100000);
        ids.emplace_back(id);
        out += ids.back();
      } else if (name == "n" && repetition) {
        out += std::to_string(*repetition);
      } else if (name == "length") {
        out += "${length}";  // filled in once the whole raw request is known
      } else if (auto it = secrets_.find(name); it != secrets_.end()) {
        out += it->second;
      } else {
        throw FixtureError("unknown placeholder ${" + name + "}");
      }
      i = end + 1;
    }
    return out;
  }

 private:
  const Secrets& secrets_;
  size_t case_no_;
  size_t next_id_ = 1;

 public:
  std::optional<size_t> repetition;  ///< ${n} inside a repeat part
};

// body: a string, or a list of parts: a string, {repeat: s, times: n}, {base64: s}, {gzip: body}.
std::string build_body(const json& body, Expander& expand, std::vector<std::string>& ids) {
  if (body.is_null()) return {};
  if (body.is_string()) return expand(body.get<std::string>(), ids);
  if (!body.is_array()) throw FixtureError("body must be a string or a list of parts");
  std::string out;
  for (const auto& part : body) {
    if (part.is_string()) {
      out += expand(part.get<std::string>(), ids);
    } else if (part.is_object() && part.contains("repeat")) {
      check_keys(part, {"repeat", "times"}, "a repeat part");
      const std::string unit = part.at("repeat").get<std::string>();
      const auto times = part.at("times").get<size_t>();
      if (unit.find("${") == std::string::npos) {
        out.reserve(out.size() + unit.size() * times);
        for (size_t i = 0; i < times; ++i) out += unit;
      } else {
        for (size_t i = 0; i < times; ++i) {
          expand.repetition = i;
          out += expand(unit, ids);
        }
        expand.repetition.reset();
      }
    } else if (part.is_object() && part.contains("gzip")) {  // one gzip member of its own parts
      check_keys(part, {"gzip"}, "a gzip part");
      out += gzip(build_body(part.at("gzip"), expand, ids));
    } else if (part.is_object() && part.contains("base64")) {
      check_keys(part, {"base64"}, "a base64 part");
      auto bytes = base64_decode(part.at("base64").get<std::string>());
      if (!bytes) throw FixtureError("a base64 part is not base64");
      out += *bytes;
    } else {
      throw FixtureError("a body part must be a string, {repeat, times}, {base64} or {gzip}");
    }
  }
  return out;
}

// A header value: a string or a list of parts, as a body.
std::vector<std::pair<std::string, std::string>> headers_of(const json& h, Expander& expand) {
  std::vector<std::pair<std::string, std::string>> out;
  std::vector<std::string> no_ids;
  if (h.is_null()) return out;
  if (h.is_object()) {
    for (const auto& [k, v] : h.items()) out.emplace_back(k, build_body(v, expand, no_ids));
  } else if (h.is_array()) {  // [[name, value], …]: repeats allowed
    for (const auto& pair : h) {
      if (!pair.is_array() || pair.size() != 2) throw FixtureError("headers as a list hold [name, value] pairs");
      out.emplace_back(pair[0].get<std::string>(), build_body(pair[1], expand, no_ids));
    }
  } else {
    throw FixtureError("headers must be a mapping or a list of [name, value] pairs");
  }
  if (!no_ids.empty()) throw FixtureError("${id} belongs in bodies, not headers");
  return out;
}

bool has_header(const std::vector<std::pair<std::string, std::string>>& hs, std::string_view name) {
  return std::any_of(hs.begin(), hs.end(), [&](const auto& kv) {
    return std::equal(kv.first.begin(), kv.first.end(), name.begin(), name.end(),
                      [](char a, char b) { return std::tolower(a) == std::tolower(b); });
  });
}

std::string path_only(std::string target) { return target.substr(0, target.find('?')); }

const std::map<std::string, std::string> kAuth = {
    {"splunk", "Splunk ${token}"}, {"bearer", "Bearer ${token}"}, {"apikey", "ApiKey ${token}"},
    {"admin", "Bearer ${admin_token}"}};

WireRequest structured(const json& r, Expander& expand) {
  check_keys(r, {"method", "path", "version", "auth", "headers", "body", "gzip", "chunked", "chunk_size", "content_length"},
             "request");
  WireRequest w;
  std::vector<std::string> no_ids;
  w.method = r.value("method", "POST");
  const std::string target = build_body(r.at("path"), expand, no_ids);
  w.path = path_only(target);
  auto headers = headers_of(r.value("headers", json()), expand);
  if (r.contains("auth")) {
    const auto it = kAuth.find(r.at("auth").get<std::string>());
    if (it == kAuth.end()) throw FixtureError("auth must be splunk, bearer, apikey or admin");
    headers.insert(headers.begin(), std::pair<std::string, std::string>("Authorization", expand(it->second, no_ids)));
  }
  std::string body = build_body(r.value("body", json()), expand, w.ids);
  if (r.value("gzip", false)) {
    body = gzip(body);
    headers.emplace_back("Content-Encoding", "gzip");
  }
  const bool chunked = r.value("chunked", false);
  if (chunked) {
    const size_t size = r.value("chunk_size", size_t{4096});
    std::string out;
    char hex[32];
    for (size_t at = 0; at < body.size(); at += size) {
      const size_t n = std::min(size, body.size() - at);
      std::snprintf(hex, sizeof hex, "%zx\r\n", n);
      out += hex;
      out.append(body, at, n);
      out += "\r\n";
    }
    body = out + "0\r\n\r\n";
    headers.emplace_back("Transfer-Encoding", "chunked");
  }
  if (!has_header(headers, "host")) headers.insert(headers.begin(), std::pair<std::string, std::string>("Host", "hub"));
  const bool length = r.value("content_length", true) && !chunked && !has_header(headers, "content-length") &&
                      (!body.empty() || (w.method != "GET" && w.method != "HEAD"));
  if (length) headers.emplace_back("Content-Length", std::to_string(body.size()));
  w.bytes = w.method + " " + target + " HTTP/" + r.value("version", "1.1") + "\r\n";
  for (const auto& [k, v] : headers) w.bytes += k + ": " + v + "\r\n";
  w.bytes += "\r\n" + body;
  return w;
}

WireRequest raw(const std::string& text, Expander& expand) {
  WireRequest w;
  w.bytes = expand(text, w.ids);
  if (w.bytes.find("${length}") != std::string::npos) {
    const size_t head_end = w.bytes.find("\r\n\r\n");
    if (head_end == std::string::npos) throw FixtureError("${length} in a raw request without an end of header");
    const std::string length = std::to_string(w.bytes.size() - head_end - 4);
    for (size_t at = w.bytes.find("${length}"); at != std::string::npos; at = w.bytes.find("${length}", at)) {
      if (at > head_end) throw FixtureError("${length} belongs in the header");
      w.bytes.replace(at, 9, length);
    }
  }
  const size_t sp1 = w.bytes.find(' '), sp2 = w.bytes.find(' ', sp1 + 1);
  w.method = w.bytes.substr(0, sp1);
  if (sp1 != std::string::npos && sp2 != std::string::npos) w.path = path_only(w.bytes.substr(sp1 + 1, sp2 - sp1 - 1));
  return w;
}

ExpectedStatus status_of(const json& s) {
  ExpectedStatus e;
  if (s.is_number_integer()) {
    e.code = s.get<int>();
  } else if (s.is_string() && s.get<std::string>() == "none") {
    e.none = true;
  } else if (s.is_string() && s.get<std::string>().size() == 3 && s.get<std::string>().substr(1) == "xx") {
    e.klass = s.get<std::string>()[0] - '0';
  } else {
    throw FixtureError("status must be a code, a class such as 4xx, or none");
  }
  return e;
}

std::vector<std::string> strings_of(const json& v) {
  if (v.is_null()) return {};
  if (v.is_string()) return {v.get<std::string>()};
  return v.get<std::vector<std::string>>();
}

Case load_case(const json& c, const std::string& file, size_t case_no, const Secrets& secrets) {
  Case out;
  out.file = file;
  out.name = c.is_object() ? c.value("name", "") : "";
  if (out.name.empty()) throw FixtureError("case " + std::to_string(case_no) + " has no name");
  check_keys(c, {"name", "why", "target", "request", "requests", "raw", "drip_ms", "drip_bytes", "expect"}, out.name);
  const std::string target = c.value("target", "ingest");
  if (target != "ingest" && target != "admin") throw FixtureError(out.name + ": target must be ingest or admin");
  out.admin = target == "admin";
  Expander expand(secrets, case_no);
  const int forms = c.contains("request") + c.contains("requests") + c.contains("raw");
  if (forms != 1) throw FixtureError(out.name + ": give exactly one of request, requests, raw");
  if (c.contains("request")) out.requests.push_back(structured(c.at("request"), expand));
  if (c.contains("requests"))
    for (const auto& r : c.at("requests")) out.requests.push_back(structured(r, expand));
  if (c.contains("raw")) {
    for (const auto& r : c.at("raw").is_array() ? c.at("raw") : json::array({c.at("raw")}))
      out.requests.push_back(raw(r.get<std::string>(), expand));
  }
  out.drip_ms = c.value("drip_ms", 0);
  out.drip_bytes = c.value("drip_bytes", size_t{1});
  const json& e = c.at("expect");
  check_keys(e, {"status", "body_contains", "body_lacks", "head_lacks", "stored", "closed", "wait_ms"}, out.name + " expect");
  for (const auto& s : e.at("status").is_array() ? e.at("status") : json::array({e.at("status")}))
    out.statuses.push_back(status_of(s));
  for (size_t i = 0; i + 1 < out.statuses.size(); ++i)
    if (out.statuses[i].none) throw FixtureError(out.name + ": status none can only be the last answer");
  std::vector<std::string> no_ids;
  for (auto [field, list] : {std::pair{"body_contains", &out.body_contains}, std::pair{"body_lacks", &out.body_lacks},
                             std::pair{"head_lacks", &out.head_lacks}})
    for (const auto& s : strings_of(e.value(field, json()))) list->push_back(expand(s, no_ids));
  if (!no_ids.empty()) throw FixtureError(out.name + ": ${id} belongs in bodies");
  out.stored = e.value("stored", size_t{0});
  out.closed = e.value("closed", false);
  out.wait_ms = e.value("wait_ms", 5000);
  return out;
}

enum class Kind { hec, events, bulk, other };

Kind kind_of(const std::string& path) {
  if (path.rfind("/services/collector", 0) == 0 && path.find("/ack") == std::string::npos &&
      path.find("/health") == std::string::npos)
    return Kind::hec;
  if (path == "/v1/events") return Kind::events;
  if (path.size() >= 6 && path.compare(path.size() - 6, 6, "/_bulk") == 0) return Kind::bulk;
  return Kind::other;
}

}  // namespace

std::string ExpectedStatus::text() const {
  if (none) return "none";
  if (klass) return std::to_string(klass) + "xx";
  return std::to_string(code);
}

bool ExpectedStatus::matches(int status) const {
  if (none) return false;
  if (klass) return status / 100 == klass;
  return status == code;
}

std::string base64(std::string_view in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned v = 0;
  int bits = 0;
  for (unsigned char c : in) {
    v = (v << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(t[(v >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(t[(v << (6 - bits)) & 63]);
  while (out.size() % 4) out.push_back('=');
  return out;
}

std::vector<Case> load_cases(const fs::path& dir, const Secrets& secrets) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".yaml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<Case> cases;
  std::set<std::string> names;
  for (const auto& f : files) {
    std::vector<config::ConfigError> errors;
    const auto doc = config::parse_yaml_file(f, errors);
    if (!doc || !errors.empty() || !doc->value.is_array())
      throw std::runtime_error(f.string() + ": not a YAML list of cases" +
                               (errors.empty() ? "" : " (" + errors.front().message + ")"));
    for (const auto& c : doc->value) {
      try {
        cases.push_back(load_case(c, f.filename().string(), cases.size() + 1, secrets));
      } catch (const std::exception& e) {
        throw std::runtime_error(f.string() + ": " + e.what());
      }
      if (!names.insert(cases.back().name).second)
        throw std::runtime_error(f.string() + ": two cases are named \"" + cases.back().name + "\"");
    }
  }
  return cases;
}

std::vector<std::string> acknowledged(const WireRequest& request, int status, const std::string& body, std::string& error) {
  const json j = json::parse(body, nullptr, false);
  std::vector<size_t> indexes;  // of the request's events
  switch (kind_of(request.path)) {
    case Kind::hec:
      if (!j.is_object()) break;
      if (status == 200 && j.value("code", -1) == 0) {
        for (size_t i = 0; i < request.ids.size(); ++i) indexes.push_back(i);
      } else if (status == 400 && j.contains("invalid-event-number")) {
        for (size_t i = 0; i < j.at("invalid-event-number").get<size_t>(); ++i) indexes.push_back(i);
      }
      break;
    case Kind::events: {
      if (!j.is_object() || !j.contains("accepted")) break;
      const auto accepted = j.at("accepted").get<size_t>();
      std::set<size_t> refused;
      for (const auto& r : j.value("refused", json::array())) refused.insert(r.at("index").get<size_t>());
      for (size_t i = 0; i < accepted + refused.size(); ++i)
        if (!refused.count(i)) indexes.push_back(i);
      if (indexes.size() != accepted) error = "the refused indexes and accepted do not add up";
      break;
    }
    case Kind::bulk: {
      if (status != 200 || !j.is_object() || !j.contains("items")) break;
      const auto& items = j.at("items");
      for (size_t i = 0; i < items.size(); ++i) {
        const auto& item = items[i];
        if (item.is_object() && !item.empty() && item.begin()->value("status", 0) / 100 == 2) indexes.push_back(i);
      }
      break;
    }
    case Kind::other: break;
  }
  std::vector<std::string> ids;
  for (size_t i : indexes) {
    if (i >= request.ids.size()) {
      error = "the answer acknowledges event " + std::to_string(i) + " but the request has only " +
              std::to_string(request.ids.size()) + " ids";
      break;
    }
    ids.push_back(request.ids[i]);
  }
  return ids;
}

}  // namespace siemhub::testing::hostile
