// audit_log_source.cpp: a paged, rate-limited REST poller with a cursor (siemhub SDK helpers).
//
// GETs {base_url}/api/v1/logs?limit=N&since=T (an Okta-style System Log: a JSON array per page,
// the next page in a `Link: <...>; rel="next"` header), follows the pages on the same origin,
// stops early when the API says no requests are left, and lets the host store the next link as
// the cursor: a restart resumes there. A 429 fails the poll RATE_LIMIT with the API's wait.
// Sign-ins map to OCSF Authentication (3002), everything else to API Activity (6003).
#include <siemhub/config.hpp>
#include <siemhub/paging.hpp>
#include <siemhub/rate_limit.hpp>
#include <siemhub/time.hpp>
#include <siemhub/url.hpp>

#include <string>
#include <vector>

using nlohmann::json;
namespace sdk = siemhub::sdk;

class AuditLogSource {
 public:
  static constexpr char id[] = "com.example.audit-log-source";
  static constexpr char version[] = "1.0.0";
  static constexpr const char* vendor = "Example Corp";
  static constexpr const char* description = "Polls a paged REST audit log (Link headers, 429) into OCSF";
  static constexpr const char* license = "Apache-2.0";
  static constexpr const char* ocsf_classes = "[3002, 6003]";
  static constexpr const char* config_schema = R"({
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object", "additionalProperties": false, "required": ["base_url", "token"],
    "properties": {
      "base_url": {"type": "string", "pattern": "^https?://", "description": "e.g. https://example.okta.com"},
      "token": {"type": "string", "minLength": 1, "x-siemhub-secret": true},
      "page_size": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
      "max_pages": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10},
      "lookback_minutes": {"type": "integer", "minimum": 0, "default": 60,
                           "description": "where the first poll starts, without a cursor"}
    }})";

  struct Config {
    std::string base_url, token;
    uint32_t page_size = 0, max_pages = 0;
    int64_t lookback_ms = 0;
    friend void from_json(const json& j, Config& c) {
      const sdk::ConfigReader r(config_schema, j);  // checks the schema: no hand-written checks
      c.base_url = r.get<std::string>("/base_url");
      c.token = r.get<std::string>("/token");
      c.page_size = r.get<uint32_t>("/page_size");
      c.max_pages = r.get<uint32_t>("/max_pages");
      c.lookback_ms = r.get<int64_t>("/lookback_minutes") * 60'000;
    }
  };

  AuditLogSource(sdk::Host host, Config c)
      : host_(host), cfg_(std::move(c)), events_(host.counter("audit_log_events_total", "Audit log entries emitted")),
        skipped_(host.counter("audit_log_skipped_total", "Audit log entries without a usable time")) {
    while (!cfg_.base_url.empty() && cfg_.base_url.back() == '/') cfg_.base_url.pop_back();
  }

  void poll(sdk::PullOp& op) {
    sdk::PagedGetOptions o;
    const std::string since = sdk::format_rfc3339_ms(host_.now_ms() - cfg_.lookback_ms);
    o.first_url = sdk::with_query(cfg_.base_url + "/api/v1/logs",
                                  sdk::Query().add("limit", cfg_.page_size).add("since", since));
    o.headers = {{"Authorization", "SSWS " + cfg_.token}, {"Accept", "application/json"}};
    o.max_pages = cfg_.max_pages;
    sdk::paged_get(host_, op, std::move(o), [this](sdk::Page& page) {
      const json entries = json::parse(page.response.body, nullptr, false);
      if (!entries.is_array())
        throw sdk::Error(sdk::Category::permanent, "GET " + sdk::url_for_message(page.url) + ": not a JSON array");
      std::vector<std::string> out;
      for (const json& e : entries)
        if (auto ev = map(e)) out.push_back(ev->dump());
      page.op.emit(out);
      events_.record(static_cast<double>(out.size()));
      // Out of requests for this window: leave the rest to the next poll (the cursor moves on).
      if (sdk::rate_limit_wait(page.response, host_.now_ms()).limited) page.stop();
    });
  }

 private:
  // One log entry as an OCSF event, or nullopt (counted) when it has no usable time.
  std::optional<json> map(const json& e) {
    const sdk::TimeResult t = sdk::parse_rfc3339_ms(e.is_object() ? e.value("published", "") : "");
    if (t.error != nullptr) {
      skipped_.record(1);
      host_.debug(std::string("audit log entry skipped: published: ") + t.error);
      return std::nullopt;
    }
    const std::string type = e.value("eventType", "");
    const json actor = e.value("actor", json::object());
    const json user = {{"name", actor.value("alternateId", "unknown")}, {"uid", actor.value("id", "")}};
    const std::string ip = e.value("/client/ipAddress"_json_pointer, "");
    const bool ok = e.value("/outcome/result"_json_pointer, "") == "SUCCESS";
    json ev = {{"time", t.ms},
               {"message", e.value("displayMessage", type)},
               {"metadata", {{"product", {{"name", "Example Audit Log"}, {"vendor_name", "Example Corp"}}},
                             {"uid", e.value("uuid", "")}}},
               {"status_id", ok ? 1 : 2},
               {"unmapped", {{"eventType", type}}}};
    if (type.rfind("user.session.", 0) == 0 || type.rfind("user.authentication.", 0) == 0) {
      ev["class_uid"] = 3002;  // Authentication: 1 Logon, 2 Logoff
      ev["activity_id"] = type == "user.session.end" ? 2 : 1;
      ev["user"] = user;
      if (!ip.empty()) ev["src_endpoint"] = {{"ip", ip}};
    } else {
      ev["class_uid"] = 6003;  // API Activity: 1 Create, 2 Read, 3 Update, 4 Delete, 99 Other
      const auto verb = type.substr(type.rfind('.') + 1);
      ev["activity_id"] = verb == "create" ? 1 : verb == "read" ? 2 : verb == "update" ? 3 : verb == "delete" ? 4 : 99;
      ev["actor"] = {{"user", user}};
      ev["api"] = {{"operation", type}};
      ev["src_endpoint"] = ip.empty() ? json{{"name", "unknown"}} : json{{"ip", ip}};
    }
    return ev;
  }

  sdk::Host host_;
  Config cfg_;
  sdk::Metric events_, skipped_;
};

SIEMHUB_PLUGIN(AuditLogSource)
