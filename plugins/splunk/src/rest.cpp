#include "rest.hpp"

#include <cctype>

#include <openssl/evp.h>

namespace siemhub::plugins::splunk {

std::string form_encode(const Form& form) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const auto& [k, v] : form) {
    if (!out.empty()) out += '&';
    for (const std::string* s : {&k, &v}) {
      for (const char ch : *s) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
          out += ch;
        } else if (ch == ' ') {
          out += '+';
        } else {
          out += '%';
          out += hex[c >> 4];
          out += hex[c & 0xF];
        }
      }
      if (s == &k) out += '=';
    }
  }
  return out;
}

std::string base64(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

Rest::Rest(RestConfig cfg) : cfg_(std::move(cfg)) {
  // splunk-sdk-python binding.py _auth_headers: Basic, "Bearer <token>" or "Splunk <sessionKey>".
  if (cfg_.auth_type == "basic") auth_ = "Basic " + base64(cfg_.username + ":" + cfg_.password);
  else if (cfg_.auth_type == "session") auth_ = "Splunk " + cfg_.token;
  else auth_ = "Bearer " + cfg_.token;
}

sdk::HttpRequest Rest::post_path(std::string_view path, const Form& form) const {
  sdk::HttpRequest req;
  req.method = "POST";
  req.url = cfg_.url + std::string(path);
  req.headers = {{"Authorization", auth_}, {"Content-Type", "application/x-www-form-urlencoded"}};
  req.body = form_encode(form);
  req.timeout_ms = cfg_.timeout_ms;
  return req;
}

sdk::HttpRequest Rest::post(std::string_view endpoint, const Form& form) const {
  std::string path = cfg_.app.empty() ? "/services/" : "/servicesNS/" + cfg_.user + "/" + cfg_.app + "/";
  return post_path(path + std::string(endpoint), form);
}

sdk::Error Rest::error_of(const sdk::HttpResponse& resp, std::string_view what) {
  return error_of(resp.status, resp.body, resp.retry_after_ms, what);
}

sdk::Error Rest::error_of(int s, std::string_view body, uint32_t retry_after_ms, std::string_view what) {
  std::string text;
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object()) {
    if (auto m = j.find("messages"); m != j.end() && m->is_array())
      for (const auto& msg : *m)
        if (msg.is_object() && msg.contains("text") && msg["text"].is_string()) {
          if (!text.empty()) text += "; ";
          text += msg["text"].get<std::string>();
        }
    if (text.empty() && j.contains("message") && j["message"].is_string()) text = j["message"].get<std::string>();
  }
  std::string message = std::string(what) + ": HTTP " + std::to_string(s);
  if (!text.empty()) message += " (" + text.substr(0, 512) + ")";
  sdk::Category c = sdk::Category::permanent;
  if (s == 401 || s == 403) c = sdk::Category::auth;
  else if (s == 429) c = sdk::Category::rate_limit;
  else if (s >= 500 || s == 408 || s == 0) c = sdk::Category::transient;
  else if (text.empty()) c = sdk::Category::transient;  // no Splunk body: a proxy's or a wrong URL's answer
  return sdk::Error(c, message, s, retry_after_ms);
}

}  // namespace siemhub::plugins::splunk
