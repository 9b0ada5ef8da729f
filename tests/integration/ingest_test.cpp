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
