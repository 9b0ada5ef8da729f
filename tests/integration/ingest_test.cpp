#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <regex>
#include <set>

#include "fakes/http_fake_server.hpp"
#include "integration/process.hpp"
#include "integration/sync_http.hpp"
#include "unit/core/prometheus_text.hpp"

using namespace siemhub::testing;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string kToken = "integration-token-42";


std::string auth_event(int i) {
  return R"({"class_uid":3002,"activity_id":1,"severity_id":1,"time":1700000000000,"user":{"name":"u"},)"
         R"("metadata":{"product":{"name":"t"},"version":"1.8.0","uid":"h)" +
         std::to_string(i) + R"("}})";
}

std::string hec(int i) { return R"({"event":)" + auth_event(i) + "}"; }

// Starts the hub with `config` and returns the ingest port it logged.
uint16_t ingest_port(Process& hub) {
  const uint16_t port = logged_ingest_port(hub);
  REQUIRE(port != 0);
  return port;
}

std::set<std::string> uids_in(const fs::path& p) {
  std::set<std::string> out;
  std::istringstream in(read_file(p));
  for (std::string l; std::getline(in, l);) {
    const auto j = json::parse(l, nullptr, false);
    if (j.is_object()) out.insert(j["metadata"].value("uid", ""));
  }
  return out;
}

}  // namespace

TEST_CASE("the real hub answers HEC code 6 keeping exactly the events before the bad one and serves valid metrics",
          "[ingest]") {
  TempDir dir;
  const fs::path out = dir / "out.ndjson";
  std::ofstream(dir / "hub.yaml") << "data_dir: data\nlimits: {min_free_disk_bytes: 0}\n"
                                     "ingest:\n  listen: 127.0.0.1:0\n  tokens: [{name: ci, token: \"" + kToken + "\"}]\n"
                                     "connectors:\n  out:\n    plugin: file\n    config: {path: " + out.string() + "}\n"
                                     "routes:\n  - from: [ingest]\n    to: [out]\n";
  Process hub({siemhub_binary().string(), "run", "-c", (dir / "hub.yaml").string(), "--summary-every", "0"}, dir.path());
  const std::string base = "http://127.0.0.1:" + std::to_string(ingest_port(hub));
  SyncHttp c;
  const auto r = c.send("POST", base + "/services/collector/event", hec(1) + hec(2) + R"({"event": nope})" + hec(4),
                        {{"Authorization", "Splunk " + kToken}});
  CHECK(r.status == 400);
  const auto body = json::parse(r.body);
  CHECK(body["code"] == 6);
  CHECK(body["invalid-event-number"] == 2);
  REQUIRE(eventually([&] { return uids_in(out).size() >= 2; }));

  // _bulk with a valid and an invalid item: the response says which.
  const auto b = c.send("POST", base + "/events/_bulk",
                        "{\"index\":{}}\n" + auth_event(10) + "\n{\"create\":{}}\nnot json\n{\"index\":{}}\n" +
                            auth_event(11) + "\n",
                        {{"Authorization", "ApiKey " + kToken}, {"Content-Type", "application/x-ndjson"}});
  CHECK(b.status == 200);
  const auto items = json::parse(b.body)["items"];
  REQUIRE(items.size() == 3);
  CHECK(items[0]["index"]["status"] == 201);
  CHECK(items[1]["create"]["status"] == 400);
  CHECK(items[2]["index"]["status"] == 201);
  REQUIRE(eventually([&] { return uids_in(out).size() >= 4; }));

  const auto m = c.send("GET", base + "/metrics", "");
  CHECK(m.status == 200);
  const auto problems = check_prometheus_text(m.body);
  for (const auto& p : problems) FAIL_CHECK(p);
  CHECK_THAT(m.body, Catch::Contains("siemhub_connector_events_out_total"));
  CHECK_THAT(m.body, Catch::Contains(R"(siemhub_connector_bytes_in_total{connector="ingest"})"));
  CHECK_THAT(m.body, Catch::Contains(R"(siemhub_connector_bytes_out_total{connector="out"})"));
  CHECK_THAT(m.body, Catch::Contains("siemhub_outbox_bytes"));
  CHECK_THAT(m.body, Catch::Contains("siemhub_breaker_open"));

  hub.signal(SIGTERM);
  REQUIRE(hub.wait() == 0);
  CHECK(uids_in(out) == std::set<std::string>{"h1", "h2", "h10", "h11"});
}

TEST_CASE("at the cap the real hub answers HEC 503 code 9 and _bulk 429 then accepts again and loses nothing acknowledged",
          "[ingest]") {
  TempDir dir;
  FakeHttpServer sink;
  std::atomic<bool> down{true};
  sink.set_handler([&](const RecordedRequest&) {
    FakeResponse r;
    r.status = down ? 503 : 200;
    return r;
  });
  std::ofstream(dir / "hub.yaml")
      << "data_dir: data\nlimits: {min_free_disk_bytes: 0, outbox_max_bytes: 65536, checkpoint_interval_ms: 100}\n"
         "ingest:\n  listen: 127.0.0.1:0\n  tokens: [{name: ci, token: \"" + kToken + "\"}]\n"
         "connectors:\n  web:\n    plugin: http\n    config: {url: \"" + sink.url("/in") + "\"}\n"
         "    http: {egress_allow: [\"127.0.0.1:*\"]}\n    retry: {base_ms: 20, max_ms: 100}\n"
         "    breaker: {failures: 1000, open_ms: 100}\n"
         "routes:\n  - from: [ingest]\n    to: [web]\n";
  Process hub({siemhub_binary().string(), "run", "-c", (dir / "hub.yaml").string(), "--summary-every", "0"}, dir.path());
  const std::string base = "http://127.0.0.1:" + std::to_string(ingest_port(hub));
  SyncHttp c;
  std::set<std::string> acked;
  int next = 0;
  bool hec_busy = false;
  // Push 50-event requests until the hub says busy (the sink is down: the outbox fills).
  for (int k = 0; k < 200 && !hec_busy; ++k) {
    std::string body;
    std::vector<std::string> ids;
    for (int i = 0; i < 50; ++i, ++next) {
      body += hec(next);
      ids.push_back("h" + std::to_string(next));
    }
    const auto r = c.send("POST", base + "/services/collector/event", body, {{"Authorization", "Splunk " + kToken}});
    if (r.status == 200) acked.insert(ids.begin(), ids.end());
    else if (r.status == 503 && json::parse(r.body)["code"] == 9) hec_busy = true;
  }
  CHECK(hec_busy);
  const auto bulk = c.send("POST", base + "/_bulk", "{\"index\":{\"_index\":\"x\"}}\n" + auth_event(99999) + "\n",
                           {{"Authorization", "ApiKey " + kToken}, {"Content-Type", "application/x-ndjson"}});
  CHECK(bulk.status == 429);

  down = false;  // the sink recovers: the outbox drains and ingest opens again
  REQUIRE(eventually([&] {
    const auto r = c.send("POST", base + "/services/collector/event", hec(100000), {{"Authorization", "Splunk " + kToken}});
    if (r.status == 200) acked.insert("h100000");
    return r.status == 200;
  }, std::chrono::seconds(30)));
  REQUIRE(eventually([&] {
    std::set<std::string> got;
    for (const auto& req : sink.requests()) {
      const auto arr = json::parse(req.body, nullptr, false);
      if (!arr.is_array()) continue;
      for (const auto& e : arr) got.insert(e["metadata"].value("uid", ""));
    }
    for (const auto& id : acked)
      if (!got.count(id)) return false;
    return true;
  }, std::chrono::seconds(30)));
  hub.signal(SIGTERM);
  CHECK(hub.wait() == 0);
  CHECK(acked.size() > 50);
}

namespace {

std::string refused_event(int i) {
  return R"({"class_uid":3002,"activity_id":"nope","severity_id":1,"time":1700000000000,"user":{"name":"u"},)"
         R"("metadata":{"product":{"name":"t"},"version":"1.8.0","uid":"bad)" +
         std::to_string(i) + R"("}})";
}

// A hub with the ingest server and one file sink; `ingest_extra` joins its ingest section.
struct PushHub {
  TempDir dir;
  fs::path out = dir / "out.ndjson";
  std::unique_ptr<Process> hub;
  std::string base;

  explicit PushHub(const std::string& ingest_extra = "") {
    std::ofstream(dir / "hub.yaml") << "data_dir: data\nlimits: {min_free_disk_bytes: 0}\n"
                                       "ingest:\n  listen: 127.0.0.1:0\n  tokens: [{name: ci, token: \"" + kToken + "\"}]\n" +
                                           ingest_extra +
                                           "connectors:\n  out:\n    plugin: file\n    config: {path: " + out.string() + "}\n"
                                       "routes:\n  - from: [ingest]\n    to: [out]\n";
    hub = std::make_unique<Process>(
        std::vector<std::string>{siemhub_binary().string(), "run", "-c", (dir / "hub.yaml").string(), "--summary-every", "0"},
        dir.path());
    base = "http://127.0.0.1:" + std::to_string(ingest_port(*hub));
  }
};

}  // namespace

TEST_CASE("every push endpoint's answer for a mixed batch matches event by event what the file sink received",
          "[ingest]") {
  PushHub h;
  SyncHttp c;
  // HEC: the events before the first refused one (number 2) are stored, nothing from it on.
  const auto r = c.send("POST", h.base + "/services/collector/event",
                        hec(1) + hec(2) + R"({"event":)" + refused_event(3) + "}" + hec(4),
                        {{"Authorization", "Splunk " + kToken}});
  CHECK(r.status == 400);
  CHECK(json::parse(r.body) == json{{"text", "Invalid data format"}, {"code", 6}, {"invalid-event-number", 2}});
  // _bulk: per item, the refused one 400 with why.
  const auto b = c.send("POST", h.base + "/_bulk",
                        "{\"index\":{\"_index\":\"x\"}}\n" + auth_event(10) + "\n{\"index\":{\"_index\":\"x\"}}\n" +
                            refused_event(11) + "\n{\"create\":{\"_index\":\"x\"}}\n" + auth_event(12) + "\n",
                        {{"Authorization", "ApiKey " + kToken}, {"Content-Type", "application/x-ndjson"}});
  REQUIRE(b.status == 200);
  const auto items = json::parse(b.body)["items"];
  REQUIRE(items.size() == 3);
  CHECK(items[0]["index"]["status"] == 201);
  CHECK(items[1]["index"]["status"] == 400);
  CHECK_THAT(items[1]["index"]["error"]["reason"].get<std::string>(), Catch::Contains("activity_id"));
  CHECK(items[2]["create"]["status"] == 201);
  // /v1/events: the indexes, lines and reasons of the refused lines.
  const auto e = c.send("POST", h.base + "/v1/events",
                        auth_event(20) + "\n" + refused_event(21) + "\n" + refused_event(22) + "\n" + auth_event(23) + "\n",
                        {{"Authorization", "Bearer " + kToken}});
  CHECK(e.status == 400);
  const auto answer = json::parse(e.body);
  CHECK(answer["accepted"] == 2);
  REQUIRE(answer["refused"].size() == 2);
  CHECK(answer["refused"][0]["index"] == 1);
  CHECK(answer["refused"][1]["index"] == 2);
  CHECK(answer["refused"][1]["line"] == 3);

  // What the answers say was stored is exactly what the sink gets.
  const std::set<std::string> stored{"h1", "h2", "h10", "h12", "h20", "h23"};
  REQUIRE(eventually([&] { return uids_in(h.out).size() >= stored.size(); }));
  // The refused ones are in the dead letters, with the connector, the reason and the text as sent.
  const auto dlq = run_siemhub({"dlq", "list", "-d", (h.dir / "data").string(), "--json"}, h.dir.path());
  REQUIRE(dlq.code == 0);
  const auto entries = json::parse(dlq.out)["entries"];
  REQUIRE(entries.size() == 4);
  for (const auto& d : entries) {
    CHECK(d["sink"] == "ingest");
    CHECK(d["stage"] == "source");
    CHECK_THAT(d["reason"].get<std::string>(), Catch::Contains("activity_id"));
  }
  const auto shown = run_siemhub({"dlq", "show", std::to_string(entries[0]["id"].get<int>()), "-d",
                                  (h.dir / "data").string(), "--json"}, h.dir.path());
  REQUIRE(shown.code == 0);
  CHECK(json::parse(shown.out)["event"] == json::parse(R"({"event":)" + refused_event(3) + "}"));  // the envelope as sent
  const auto table = run_siemhub({"dlq", "list", "-d", (h.dir / "data").string()}, h.dir.path());
  CHECK_THAT(table.out, Catch::Contains("STAGE") && Catch::Contains("source"));
  h.hub->signal(SIGTERM);
  REQUIRE(h.hub->wait() == 0);
  CHECK(uids_in(h.out) == stored);
}

TEST_CASE("the real hub answers a 100000-deep body on every endpoint with a clear error and keeps serving", "[ingest]") {
  PushHub h;
  SyncHttp c;
  // An object around the arrays: the shape the nlohmann fallback used to read and then dump recursively.
  const std::string deep = R"({"k":)" + std::string(100000, '[') + std::string(100000, ']') + "}";
  const auto r = c.send("POST", h.base + "/services/collector/event", R"({"event":)" + deep + "}",
                        {{"Authorization", "Splunk " + kToken}});
  CHECK(r.status == 400);
  CHECK(json::parse(r.body) == json{{"text", "Invalid data format"}, {"code", 6}, {"invalid-event-number", 0}});
  const auto e = c.send("POST", h.base + "/v1/events", deep + "\n", {{"Authorization", "Bearer " + kToken}});
  CHECK(e.status == 400);
  CHECK(json::parse(e.body)["error"] == "line 1: nested deeper than 512 levels");
  const auto b = c.send("POST", h.base + "/_bulk", "{\"index\":{\"_index\":\"x\"}}\n" + deep + "\n",
                        {{"Authorization", "ApiKey " + kToken}, {"Content-Type", "application/x-ndjson"}});
  REQUIRE(b.status == 200);
  CHECK_THAT(json::parse(b.body)["items"][0]["index"]["error"]["reason"].get<std::string>(),
             Catch::Contains("nested deeper than 512 levels"));
  const auto a = c.send("POST", h.base + "/_bulk", deep + "\n{}\n",
                        {{"Authorization", "ApiKey " + kToken}, {"Content-Type", "application/x-ndjson"}});
  CHECK(a.status == 400);

  // Alive and serving: a normal request on each endpoint is stored.
  CHECK(c.send("POST", h.base + "/services/collector/event", hec(1), {{"Authorization", "Splunk " + kToken}}).status == 200);
  CHECK(c.send("POST", h.base + "/v1/events", auth_event(2) + "\n", {{"Authorization", "Bearer " + kToken}}).status == 200);
  CHECK(c.send("POST", h.base + "/_bulk", "{\"index\":{\"_index\":\"x\"}}\n" + auth_event(3) + "\n",
               {{"Authorization", "ApiKey " + kToken}, {"Content-Type", "application/x-ndjson"}})
            .status == 200);
  REQUIRE(eventually([&] { return uids_in(h.out).size() >= 3; }));
  h.hub->signal(SIGTERM);
  REQUIRE(h.hub->wait() == 0);
  CHECK(uids_in(h.out) == std::set<std::string>{"h1", "h2", "h3"});
}

TEST_CASE("with ingest.dead_letter_refused false a refused event is answered and counted but not dead-lettered",
          "[ingest]") {
  PushHub h("  dead_letter_refused: false\n");
  SyncHttp c;
  const auto r = c.send("POST", h.base + "/services/collector/event", R"({"event":)" + refused_event(1) + "}" + hec(2),
                        {{"Authorization", "Splunk " + kToken}});
  CHECK(json::parse(r.body) == json{{"text", "Invalid data format"}, {"code", 6}, {"invalid-event-number", 0}});
  REQUIRE(eventually([&] {
    return c.get(h.base + "/metrics").body.find(R"(siemhub_connector_events_invalid_total{connector="ingest",reason="wrong_type"} 1)") !=
           std::string::npos;
  }));
  const auto dlq = run_siemhub({"dlq", "list", "-d", (h.dir / "data").string(), "--json"}, h.dir.path());
  REQUIRE(dlq.code == 0);
  CHECK(json::parse(dlq.out)["entries"].empty());
  h.hub->signal(SIGTERM);
  REQUIRE(h.hub->wait() == 0);
  CHECK(uids_in(h.out).empty());
}

TEST_CASE("/readyz and HEC health say not ready while the free-space reserve refuses every push", "[ingest]") {
  TempDir dir;
  // A reserve no disk has: from the start every push is refused, and readiness says so.
  std::ofstream(dir / "hub.yaml") << "data_dir: data\nlimits: {min_free_disk_bytes: 1152921504606846976}\n"
                                     "ingest:\n  listen: 127.0.0.1:0\n  tokens: [{name: ci, token: \"" + kToken + "\"}]\n"
                                     "connectors:\n  out:\n    plugin: file\n    config: {path: " + (dir / "o").string() + "}\n"
                                     "routes:\n  - from: [ingest]\n    to: [out]\n";
  Process hub({siemhub_binary().string(), "run", "-c", (dir / "hub.yaml").string(), "--summary-every", "0"}, dir.path());
  const std::string base = "http://127.0.0.1:" + std::to_string(ingest_port(hub));
  SyncHttp c;
  const auto ready = c.get(base + "/readyz");
  CHECK(ready.status == 503);
  CHECK(json::parse(ready.body)["status"] == "not ready");
  const auto health = c.get(base + "/services/collector/health");
  CHECK(health.status == 503);
  CHECK(json::parse(health.body)["code"] == 9);
  const auto push = c.send("POST", base + "/services/collector/event", hec(1), {{"Authorization", "Splunk " + kToken}});
  CHECK(push.status == 503);
  CHECK(json::parse(push.body)["code"] == 9);
  hub.signal(SIGTERM);
  CHECK(hub.wait() == 0);
}

TEST_CASE("an event a pull source hands over that normalize refuses is in the dead letters under the source's name",
          "[ingest]") {
  TempDir dir;
  const fs::path out = dir / "out.ndjson";
  std::ofstream(dir / "in.ndjson") << auth_event(1) << "\n" << refused_event(2) << "\n" << auth_event(3) << "\n";
  std::ofstream(dir / "hub.yaml") << "data_dir: data\nlimits: {min_free_disk_bytes: 0}\n"
                                     "connectors:\n  in:\n    plugin: file\n    config: {path: " + (dir / "in.ndjson").string() +
                                         "}\n  out:\n    plugin: file\n    config: {path: " + out.string() + "}\n"
                                         "routes:\n  - from: [in]\n    to: [out]\n";
  Process hub({siemhub_binary().string(), "run", "-c", (dir / "hub.yaml").string(), "--summary-every", "0"}, dir.path());
  REQUIRE(eventually([&] { return uids_in(out).size() >= 2; }));
  json entries;
  REQUIRE(eventually([&] {
    const auto dlq = run_siemhub({"dlq", "list", "-d", (dir / "data").string(), "--json"}, dir.path());
    if (dlq.code != 0) return false;
    entries = json::parse(dlq.out)["entries"];
    return !entries.empty();
  }));
  REQUIRE(entries.size() == 1);
  CHECK(entries[0]["sink"] == "in");
  CHECK(entries[0]["stage"] == "source");
  CHECK_THAT(entries[0]["reason"].get<std::string>(), Catch::Contains("activity_id"));
  const auto shown = run_siemhub({"dlq", "show", std::to_string(entries[0]["id"].get<int>()), "-d",
                                  (dir / "data").string(), "--json"}, dir.path());
  CHECK(json::parse(shown.out)["event"] == json::parse(refused_event(2)));
  hub.signal(SIGTERM);
  REQUIRE(hub.wait() == 0);
  CHECK(uids_in(out) == std::set<std::string>{"h1", "h3"});
}
