// Scripted HTTP exchanges: the fixture parser and the replaying handler (see http_script.hpp).
#include "siemhub/testing/http_script.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace siemhub::testing {

namespace {

using json = nlohmann::json;

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

[[noreturn]] void bad(const std::string& where, const std::string& what) { throw std::runtime_error(where + ": " + what); }

std::string str_at(const json& j, const char* key, const std::string& where, std::string fallback = {}) {
  if (!j.contains(key)) return fallback;
  if (!j[key].is_string()) bad(where + "." + key, "expected a string");
  return j[key].get<std::string>();
}

Headers headers_at(const json& j, const std::string& where) {
  Headers out;
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      if (!v.is_string()) bad(where + "." + k, "expected a string");
      out.emplace_back(k, v.get<std::string>());
    }
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) {
      const json& p = j[i];
      if (!p.is_array() || p.size() != 2 || !p[0].is_string() || !p[1].is_string())
        bad(where + "[" + std::to_string(i) + "]", "expected a [name, value] pair of strings");
      out.emplace_back(p[0].get<std::string>(), p[1].get<std::string>());
    }
  } else {
    bad(where, "expected an object or an array of [name, value] pairs");
  }
  return out;
}

std::optional<siemhub_category> category_of(std::string_view name) {
  for (int c = SIEMHUB_CAT_NONE + 1; c <= SIEMHUB_CAT_INTERNAL; ++c)
    if (iequal(category_name(static_cast<siemhub_category>(c)), name)) return static_cast<siemhub_category>(c);
  return std::nullopt;
}

ExpectedRequest request_of(const json& j, const std::string& where) {
  if (!j.is_object()) bad(where, "expected an object");
  ExpectedRequest r;
  r.method = str_at(j, "method", where, "GET");
  const bool has_url = j.contains("url"), has_pattern = j.contains("url_pattern");
  if (has_url == has_pattern) bad(where, "give exactly one of url and url_pattern");
  r.url = str_at(j, has_url ? "url" : "url_pattern", where);
  r.pattern = has_pattern;
  if (j.contains("headers")) r.headers = headers_at(j["headers"], where + ".headers");
  if (j.contains("body_contains")) {
    const json& b = j["body_contains"];
    if (b.is_string()) {
      r.body_contains.push_back(b.get<std::string>());
    } else if (b.is_array() && std::all_of(b.begin(), b.end(), [](const json& x) { return x.is_string(); })) {
      for (const auto& x : b) r.body_contains.push_back(x.get<std::string>());
    } else {
      bad(where + ".body_contains", "expected a string or an array of strings");
    }
  }
  for (const auto& [k, v] : j.items())
    if (k != "method" && k != "url" && k != "url_pattern" && k != "headers" && k != "body_contains")
      bad(where + "." + k, "unknown key");
  return r;
}

HttpReply response_of(const json& j, const std::string& where) {
  if (!j.is_object()) bad(where, "expected an object");
  HttpReply r;
  for (const auto& [k, v] : j.items())
    if (k != "status" && k != "headers" && k != "body" && k != "latency_ms" && k != "retry_after_ms" && k != "error" &&
        k != "message")
      bad(where + "." + k, "unknown key");
  if (j.contains("error")) {
    const auto c = j["error"].is_string() ? category_of(j["error"].get<std::string>()) : std::nullopt;
    if (!c) bad(where + ".error", "expected a category name (TRANSIENT, TIMEOUT, AUTH...)");
    r = HttpReply::failure(*c, str_at(j, "message", where, "scripted transport failure"));
  }
  auto uint_at = [&](const char* key) -> uint32_t {
    const json& v = j[key];
    if (!v.is_number_unsigned() || v.get<uint64_t>() > UINT32_MAX) bad(where + "." + key, "expected a non-negative integer");
    return v.get<uint32_t>();
  };
  if (j.contains("latency_ms")) r.latency_ms = uint_at("latency_ms");
  if (r.error != SIEMHUB_CAT_NONE) return r;
  if (j.contains("status")) {
    const json& s = j["status"];
    if (!s.is_number_integer() || s.get<int64_t>() < 100 || s.get<int64_t>() > 599)
      bad(where + ".status", "expected an integer 100..599");
    r.status = s.get<int>();
  }
  if (j.contains("headers")) r.headers = headers_at(j["headers"], where + ".headers");
  if (j.contains("body")) r.body = j["body"].is_string() ? j["body"].get<std::string>() : j["body"].dump();
  if (j.contains("retry_after_ms")) {
    r.retry_after_ms = uint_at("retry_after_ms");
  } else {
    // As the real host does: a delta-seconds Retry-After is also given as retry_after_ms.
    for (const auto& [n, v] : r.headers)
      if (iequal(n, "Retry-After") && !v.empty() && v.size() < 9 &&
          std::all_of(v.begin(), v.end(), [](unsigned char c) { return std::isdigit(c) != 0; }))
        r.retry_after_ms = static_cast<uint32_t>(std::stoul(v) * 1000);
  }
  return r;
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::string ExpectedRequest::describe() const { return method + " " + url; }

std::string ExpectedRequest::mismatch(const HttpRecord& r) const {
  if (!iequal(r.method, method)) return "method " + r.method + " differs from the expected " + method;
  if (pattern ? !glob_match(url, r.url) : r.url != url)
    return "URL " + r.url + (pattern ? " does not match the pattern " : " differs from the expected ") + url;
  for (const auto& [name, value] : headers) {
    const auto got = r.header(name);
    if (!got) return "header " + name + " is missing";
    if (value != "*" && *got != value) return "header " + name + " has another value than the expected one";
  }
  for (const auto& needle : body_contains)
    if (r.body.find(needle) == std::string::npos) return "the body does not contain " + needle;
  return {};
}

HttpScript HttpScript::parse(std::string_view json_text) {
  json j;
  try {
    j = json::parse(json_text);
  } catch (const std::exception& e) {
    bad("http script", std::string("not JSON: ") + e.what());
  }
  if (!j.is_object()) bad("http script", "expected an object with \"exchanges\"");
  HttpScript s;
  for (const auto& [k, v] : j.items())
    if (k != "description" && k != "exchanges" && k != "expect") bad(k, "unknown key");
  s.description = str_at(j, "description", "http script");
  if (!j.contains("exchanges") || !j["exchanges"].is_array()) bad("exchanges", "expected an array");
  for (size_t i = 0; i < j["exchanges"].size(); ++i) {
    const std::string where = "exchanges[" + std::to_string(i) + "]";
    const json& x = j["exchanges"][i];
    if (!x.is_object() || !x.contains("request") || !x.contains("response"))
      bad(where, "expected an object with request and response");
    s.exchanges.push_back({request_of(x["request"], where + ".request"), response_of(x["response"], where + ".response")});
  }
  if (j.contains("expect")) {
    const json& e = j["expect"];
    if (!e.is_object()) bad("expect", "expected an object");
    for (const auto& [k, v] : e.items()) {
      if (k == "min_events" && v.is_number_unsigned()) s.expect.min_events = v.get<size_t>();
      else if (k == "cursor" && v.is_boolean()) s.expect.cursor = v.get<bool>();
      else if (k == "max_polls" && v.is_number_unsigned() && v.get<uint64_t>() >= 1 && v.get<uint64_t>() <= 10000)
        s.expect.max_polls = v.get<uint32_t>();
      else bad("expect." + k, "unknown key or wrong type (min_events: integer, cursor: boolean, max_polls: 1..10000)");
    }
  }
  return s;
}

HttpScript HttpScript::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("http script " + path + ": cannot be read");
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return parse(ss.str());
  } catch (const std::exception& e) {
    throw std::runtime_error("http script " + path + ": " + e.what());
  }
}

struct ScriptedHttp::State {
  std::mutex mu;
  HttpScript script;
  size_t next = 0;
  std::vector<std::string> mismatches;
};

ScriptedHttp::ScriptedHttp(FakeHost& host, HttpScript script) : host_(host), state_(std::make_shared<State>()) {
  state_->script = std::move(script);
  std::weak_ptr<State> weak = state_;
  FakeHost* h = &host_;
  host_.on_http([weak, h](const HttpRecord& r) -> HttpReply {
    const auto s = weak.lock();
    if (!s) return HttpReply::failure(SIEMHUB_CAT_PERMANENT, "scripted HTTP: the script is gone");
    std::string problem;
    {
      std::lock_guard lk(s->mu);
      const std::string req = "request " + std::to_string(r.id) + " " + r.method + " " + r.url;
      if (s->next >= s->script.exchanges.size()) {
        problem = "scripted HTTP: " + req + " was made after the last of the " +
                  std::to_string(s->script.exchanges.size()) + " exchanges";
      } else {
        const HttpExchange& x = s->script.exchanges[s->next];
        const std::string why = x.request.mismatch(r);
        if (why.empty()) return s->script.exchanges[s->next++].response;
        problem = "scripted HTTP: " + req + " does not match exchange " + std::to_string(s->next) + " (" +
                  x.request.describe() + "): " + why;
      }
      s->mismatches.push_back(problem);
    }
    h->add_violation(problem);
    return HttpReply::failure(SIEMHUB_CAT_PERMANENT, "unexpected request: " + problem);
  });
}

ScriptedHttp::~ScriptedHttp() { host_.on_http(nullptr); }

const HttpScript& ScriptedHttp::script() const { return state_->script; }

size_t ScriptedHttp::answered() const {
  std::lock_guard lk(state_->mu);
  return state_->next;
}

bool ScriptedHttp::consumed() const {
  std::lock_guard lk(state_->mu);
  return state_->next == state_->script.exchanges.size();
}

std::vector<std::string> ScriptedHttp::mismatches() const {
  std::lock_guard lk(state_->mu);
  return state_->mismatches;
}

}  // namespace siemhub::testing
