// A pull source that GETs `url` once per poll, as a vendor poller does: 200 with NDJSON lines →
// those events and the cursor "page=N+1" (sent as `?cursor=`); 401/403 → an auth failure; 429 → a
// rate limit with the host's Retry-After; anything else → transient. For the source retry and
// cursor tests (tests/integration/source_retry_test.cpp).
#include <string>
#include <vector>

#include "siemhub/plugin.hpp"

namespace {

struct Config {
  std::string url;
};
void from_json(const nlohmann::json& j, Config& c) { c.url = j.at("url").get<std::string>(); }

using siemhub::sdk::Category;
using siemhub::sdk::Error;

class HttpPollPlugin {
 public:
  static constexpr char id[] = "test.http-poll";
  static constexpr char version[] = "1.0.0";
  static constexpr const char* vendor = "siemhub tests";
  static constexpr const char* description = "GETs a URL per poll and maps its status to a failure category";
  static constexpr const char* config_schema =
      R"({"type":"object","required":["url"],"properties":{"url":{"type":"string"}},"additionalProperties":false})";
  static constexpr const char* ocsf_classes = "[3002]";
  using Config = ::Config;

  HttpPollPlugin(siemhub::sdk::Host host, Config cfg) : host_(host), cfg_(std::move(cfg)) {}

  void poll(siemhub::sdk::PullOp& op) {
    siemhub::sdk::HttpRequest req;
    req.method = "GET";
    req.url = cfg_.url + (op.cursor().empty() ? "" : "?cursor=" + op.cursor());
    const long page = op.cursor().empty() ? 0 : std::stol(op.cursor().substr(op.cursor().find('=') + 1));
    auto later = op.defer();
    host_.http(std::move(req), [later, page](const siemhub::sdk::HttpResponse* resp, const Error* err) {
      if (err) return later.fail(*err);
      if (resp->status == 401 || resp->status == 403)
        return later.fail(Error(Category::auth, "HTTP " + std::to_string(resp->status) + ": token refused", resp->status));
      if (resp->status == 429)
        return later.fail(Error(Category::rate_limit, "HTTP 429: slow down", 429, resp->retry_after_ms));
      if (resp->status != 200)
        return later.fail(Error(Category::transient, "HTTP " + std::to_string(resp->status), resp->status));
      std::vector<std::string> events;
      std::string_view body = resp->body;
      while (!body.empty()) {
        const auto nl = body.find('\n');
        const auto line = body.substr(0, nl);
        if (!line.empty()) events.emplace_back(line);
        body = nl == std::string_view::npos ? std::string_view{} : body.substr(nl + 1);
      }
      later.emit(events);
      if (!events.empty()) later.set_cursor("page=" + std::to_string(page + 1));
      later.complete();
    });
  }

 private:
  siemhub::sdk::Host host_;
  Config cfg_;
};

}  // namespace

SIEMHUB_PLUGIN(HttpPollPlugin)
