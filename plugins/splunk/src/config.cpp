#include "config.hpp"

#include <algorithm>
#include <cctype>

#include "siemhub/plugin.hpp"

namespace siemhub::plugins::splunk {



namespace {

[[noreturn]] void config_error(const std::string& message) {
  throw sdk::Error(sdk::Category::config, message);
}

std::string trim_slash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

bool http_url(const std::string& url) {
  std::string scheme = url.substr(0, url.find("://"));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
  return url.find("://") != std::string::npos && (scheme == "http" || scheme == "https");
}

template <class T>
void take(const nlohmann::json& j, const char* key, T& into) {
  if (auto it = j.find(key); it != j.end() && !it->is_null()) into = it->get<T>();
}

}  // namespace

void from_json(const nlohmann::json& j, Config& c) {
  if (!j.is_object()) config_error("the splunk connector config must be an object");
  if (auto h = j.find("hec"); h != j.end()) {
    HecConfig x;
    take(*h, "url", x.url);
    take(*h, "token", x.token);
    using Field = std::pair<const char*, std::string*>;
    for (const Field& f : std::initializer_list<Field>{
             {"index", &x.index}, {"source", &x.source}, {"sourcetype", &x.sourcetype}, {"host", &x.host},
             {"index_field", &x.index_field}, {"source_field", &x.source_field},
             {"sourcetype_field", &x.sourcetype_field}, {"host_field", &x.host_field}, {"id_field", &x.id_field}})
      take(*h, f.first, *f.second);
    take(*h, "fields", x.fields);
    take(*h, "batch_max_events", x.batch_max_events);
    take(*h, "batch_max_bytes", x.batch_max_bytes);
    take(*h, "gzip_level", x.gzip_level);
    take(*h, "timeout_ms", x.timeout_ms);
    if (auto a = h->find("ack"); a != h->end()) {
      take(*a, "enabled", x.ack.enabled);
      take(*a, "channel", x.ack.channel);
      take(*a, "poll_interval_ms", x.ack.poll_interval_ms);
      take(*a, "timeout_ms", x.ack.timeout_ms);
      take(*a, "hold_ms", x.ack.hold_ms);
    }
    x.url = trim_slash(x.url);
    if (!http_url(x.url)) config_error("hec.url must be an absolute http:// or https:// URL");
    if (x.token.empty()) config_error("hec.token must not be empty");
    if (x.batch_max_events == 0 || x.batch_max_bytes < 1024) config_error("hec.batch_max_events/bytes too small");
    if (x.gzip_level < 0 || x.gzip_level > 9) config_error("hec.gzip_level must be 0..9");
    c.hec = std::move(x);
  }
  if (auto r = j.find("rest"); r != j.end()) {
    RestConfig x;
    take(*r, "url", x.url);
    if (auto a = r->find("auth"); a != r->end()) {
      take(*a, "type", x.auth_type);
      take(*a, "token", x.token);
      take(*a, "username", x.username);
      take(*a, "password", x.password);
    }
    take(*r, "app", x.app);
    take(*r, "user", x.user);
    take(*r, "timeout_ms", x.timeout_ms);
    x.url = trim_slash(x.url);
    if (!http_url(x.url)) config_error("rest.url must be an absolute http:// or https:// URL");
    if (x.auth_type != "bearer" && x.auth_type != "session" && x.auth_type != "basic")
      config_error("rest.auth.type must be bearer, session or basic");
    if (x.auth_type == "basic" ? (x.username.empty() || x.password.empty()) : x.token.empty())
      config_error(x.auth_type == "basic" ? "rest.auth: basic needs username and password"
                                          : "rest.auth.token must not be empty for " + x.auth_type + " auth");
    if (x.app.empty() != x.user.empty()) config_error("rest: app and user go together (servicesNS/<user>/<app>)");
    c.rest = std::move(x);
  }
  if (auto s = j.find("search"); s != j.end()) {
    SearchConfig x;
    take(*s, "query", x.query);
    take(*s, "mapping", x.mapping);
    take(*s, "start_s", x.start_s);
    take(*s, "overlap_s", x.overlap_s);
    take(*s, "window_s", x.window_s);
    take(*s, "interval_s", x.interval_s);
    take(*s, "keep_raw", x.keep_raw);
    take(*s, "product_name", x.product_name);
    const auto first = x.query.find_first_not_of(" \t\r\n");
    if (first == std::string::npos || (x.query.compare(first, 6, "search") != 0 && x.query[first] != '|'))
      config_error("search.query must start with 'search' or '|'");
    if (x.mapping != "auto" && x.mapping != "notable" && x.mapping != "event")
      config_error("search.mapping must be auto, notable or event");
    if (x.window_s < 1 || x.interval_s < 1 || x.overlap_s < 0 || x.start_s < 0)
      config_error("search: start_s, overlap_s, window_s and interval_s must be positive");
    if (!c.rest) config_error("search needs the rest section (URL and credentials of the REST API)");
    c.search = std::move(x);
  }
  if (!c.hec && !c.rest) config_error("configure at least one of hec (sink) or rest (search source, notable actions)");
}

}  // namespace siemhub::plugins::splunk
