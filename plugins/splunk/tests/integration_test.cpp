// The real siemhub with the real siemhub_splunk.so against the Splunk fake: a round trip per
// capability and the failure modes of issue 6, including a kill -9 in the middle of a pull.
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "integration/process.hpp"
#include "plugin_dir.hpp"
#include "splunk_fake.hpp"

using namespace siemhub::testing;
using namespace siemhub::testing::splunk;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string kHecToken = "0b9a3e58-hec-token-for-tests";
const std::string kRestToken = "rest-bearer-token-for-tests";

HecToken token(const std::string& name) {
  HecToken t;
  t.token = kHecToken;
  t.name = name;
  return t;
}

std::string ocsf_event(int i) {
  return json{{"class_uid", 3002}, {"category_uid", 3}, {"activity_id", 1}, {"type_uid", 300201},
              {"severity_id", 1}, {"time", int64_t{1769509500000} + i}, {"user", {{"name", "u" + std::to_string(i)}}},
              {"src_endpoint", {{"ip", "10.0.0." + std::to_string(i % 250)}}},
              {"metadata", {{"product", {{"name", "splunk it"}}}, {"version", "1.8.0"}, {"uid", "ev" + std::to_string(i)}}}}
      .dump();
}

// A scratch directory with the plugin copied in (the loader refuses group/other-writable files).
struct Dir {
  TempDir tmp;
  fs::path root = tmp.path();
  Dir() { splunk_test::install_plugin(root); }
  fs::path data() const { return root / "data"; }
  void write_events(int from, int to) const {
    std::ofstream out(root / "in.ndjson", std::ios::app);
    for (int i = from; i < to; ++i) out << ocsf_event(i) << "\n";
  }
  fs::path config(const std::string& connectors, const std::string& routes) const {
    const fs::path p = root / "hub.yaml";
    std::ofstream(p) << "data_dir: " << data().string() << "\n"
                     << "log_level: info\n"
                     << "limits: {min_free_disk_bytes: 0, checkpoint_interval_ms: 100}\n"
                     << "plugins:\n  dirs: [" << (root / "plugins").string() << "]\n"
                     << "connectors:\n" << connectors << "routes:\n" << routes;
    return p;
  }
  std::string file_source() const {
    return "  in:\n    plugin: file\n    config: {path: " + (root / "in.ndjson").string() + "}\n";
  }
  std::string file_sink() const {
    return "  out:\n    plugin: file\n    config: {path: " + (root / "out.ndjson").string() + "}\n";
  }
};

std::string splunk_connector(const std::string& name, const std::string& config, const std::string& http = "") {
  // A short breaker: a recovered HEC is probed again within half a second, not after 30 s.
  return "  " + name + ":\n    plugin: com.siemhub.splunk\n    retry: {base_ms: 50, max_ms: 400}\n" +
         "    breaker: {failures: 5, open_ms: 300}\n" +
         "    http: {egress_allow: ['127.0.0.1:*']" + (http.empty() ? "" : ", " + http) + "}\n    config: " + config + "\n";
}

std::string hec_config(const SplunkFake& fake, const std::string& extra = "") {
  return "{hec: {url: '" + fake.url() + "', token: '" + kHecToken + "', gzip_level: 1" +
         (extra.empty() ? "" : ", " + extra) + "}}";
}

std::unique_ptr<Process> start_hub(const Dir& d, const fs::path& cfg) {
  return std::make_unique<Process>(
      std::vector<std::string>{siemhub_binary().string(), "run", "-c", cfg.string(), "--summary-every", "0"}, d.root);
}

json admin(const Dir& d, const std::vector<std::string>& args) {
  std::vector<std::string> full = args;
  full.insert(full.end(), {"-d", d.data().string(), "--json"});
  const auto r = run_siemhub(full, d.root);
  const auto j = json::parse(r.out, nullptr, false);
  return j.is_discarded() ? json() : j;
}

// The connector's entry of `siemhub status --json` ({} while the hub is not answering).
json connector_status(const Dir& d, const std::string& name) {
  const json s = admin(d, {"status"});
  if (!s.is_object()) return json::object();
  for (const auto& c : s.value("connectors", json::array()))
    if (c.value("name", "") == name) return c;
  return json::object();
}

json dead_letters(const Dir& d) {
  const json r = admin(d, {"dlq", "list"});
  return r.is_object() ? r.value("entries", json::array()) : json();
}

std::string health_state(const Dir& d, const std::string& name) {
  const json c = connector_status(d, name);
  return c.contains("health") ? c["health"].value("state", "") : "";
}

std::multiset<std::string> received_ids(const SplunkFake& fake) {
  std::multiset<std::string> ids;
  for (const auto& e : fake.events()) ids.insert(e.envelope["fields"].value("siemhub_id", ""));
  return ids;
}

std::vector<json> lines_of(const fs::path& p) {
  std::vector<json> out;
  std::istringstream in(read_file(p));
  for (std::string l; std::getline(in, l);) {
    auto j = json::parse(l, nullptr, false);
    if (j.is_object()) out.push_back(j);
  }
  return out;
}

json notable(const std::string& id, int64_t indextime) {
  return {{"event_id", id}, {"_indextime", std::to_string(indextime)}, {"_time", std::to_string(indextime) + ".000"},
          {"index", "notable"}, {"sourcetype", "stash"}, {"rule_name", "Excessive Failed Logins"},
          {"urgency", "high"}, {"status", "1"}, {"owner", "unassigned"}, {"src", "10.9.8.7"}, {"user", "alice"}};
}

}  // namespace

TEST_CASE("events routed to the Splunk sink reach HEC once each, gzipped, with their ids", "[splunk][integration]") {
  Dir d;
  SplunkFake fake;
  fake.add_hec_token(token("siemhub"));
  d.write_events(0, 300);
  auto hub = start_hub(d, d.config(d.file_source() + splunk_connector("splunk", hec_config(fake, "batch_max_events: 100")),
                                   "  - from: [in]\n    to: [splunk]\n"));
  const bool all = fake.wait_for_events(300, std::chrono::seconds(20));
  INFO(hub->err());
  INFO("fake requests: " << fake.requests().size());
  for (const auto& r : fake.requests()) INFO(r.method << " " << r.target);
  REQUIRE(all);
  const auto ids = received_ids(fake);
  CHECK(ids.size() == 300);
  CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == 300);
  CHECK(ids.count("ev0") == 1);
  const auto reqs = fake.requests();
  REQUIRE_FALSE(reqs.empty());
  CHECK(reqs.front().header("Content-Encoding") == "gzip");
  CHECK(reqs.front().header("Authorization") == "Splunk " + kHecToken);
  REQUIRE(eventually([&] { return connector_status(d, "splunk").value("queue_events", 1) == 0; }));
  hub->signal(SIGTERM);
  CHECK(hub->wait() == 0);
  CHECK_THAT(hub->err(), !Catch::Contains(kHecToken));
}

TEST_CASE("with acknowledgement on, events leave the outbox only after the ack says true and are re-sent after the timeout",
          "[splunk][integration][ack]") {
  Dir d;
  SplunkFake fake;
  HecToken t = token("acked");
  t.use_ack = true;
  fake.add_hec_token(t);
  fake.set_ack_mode(AckMode::never);
  d.write_events(0, 50);
  auto hub = start_hub(d, d.config(d.file_source() + splunk_connector("splunk", hec_config(fake, "ack: {enabled: true, poll_interval_ms: 100, timeout_ms: 1500}")),
                                   "  - from: [in]\n    to: [splunk]\n"));
  REQUIRE(fake.wait_for_events(50, std::chrono::seconds(20)));
  // Received by HEC but never acknowledged: still in the outbox.
  REQUIRE(eventually([&] { return fake.ack_polls() >= 3; }));
  CHECK(connector_status(d, "splunk").value("queue_events", 0) == 50);
  // After the ack timeout the same events (same ids) come again.
  REQUIRE(eventually([&] { return fake.event_count() >= 100; }, std::chrono::seconds(20)));
  const auto ids = received_ids(fake);
  CHECK(ids.count("ev7") >= 2);
  CHECK(connector_status(d, "splunk").value("queue_events", 0) == 50);
  // Acknowledging again: the outbox drains; every event id was sent, none is lost.
  fake.set_ack_mode(AckMode::normal);
  REQUIRE(eventually([&] { return connector_status(d, "splunk").value("queue_events", 1) == 0; }, std::chrono::seconds(20)));
  const auto all = received_ids(fake);
  for (int i = 0; i < 50; ++i) CHECK(all.count("ev" + std::to_string(i)) >= 1);
  for (const auto& e : fake.events()) CHECK(e.channel.size() == 36);
  hub->signal(SIGTERM);
  CHECK(hub->wait() == 0);
}

TEST_CASE("the Splunk plugin with ack on pointed at a receiver without ack delivers each event once",
          "[splunk][integration][ack]") {
  Dir d;
  SplunkFake fake;
  fake.add_hec_token(token("no-ack"));  // useACK off: 200 {"text":"Success","code":0}, no ackId
  d.write_events(0, 100);
  // Short ack timings: were the answer taken for "not acknowledged yet", the events would be
  // sent again within a second or two.
  auto hub = start_hub(d, d.config(d.file_source() +
                                       splunk_connector("splunk", hec_config(fake, "batch_max_events: 20, ack: {enabled: true, "
                                                                                   "poll_interval_ms: 100, timeout_ms: 1000, hold_ms: 300}")),
                                   "  - from: [in]\n    to: [splunk]\n"));
  REQUIRE(fake.wait_for_events(100, std::chrono::seconds(20)));
  INFO(hub->err());
  REQUIRE(eventually([&] { return connector_status(d, "splunk").value("queue_events", 1) == 0; }));
  const uint64_t requests = fake.hec_requests();
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // past two ack timeouts
  CHECK(fake.hec_requests() == requests);
  CHECK(fake.event_count() == 100);
  const auto ids = received_ids(fake);
  CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == 100);
  CHECK(fake.ack_polls() == 0);
  const json status = connector_status(d, "splunk");
  CHECK(status["health"].value("state", "") == "degraded");
  CHECK_THAT(status["health"].value("reason", ""), Catch::Contains("without an ackId"));
  CHECK(dead_letters(d) == json::array());
  hub->signal(SIGTERM);
  CHECK(hub->wait() == 0);
}

TEST_CASE("under a slow indexer that acknowledges seconds after the 200 each event reaches HEC once",
          "[splunk][integration][ack]") {
  Dir d;
  SplunkFake fake;
  HecToken t = token("acked");
  t.use_ack = true;
  fake.add_hec_token(t);
  fake.set_indexing_delay(3.0);  // each ackId turns true 3 s after its request: several holds
  d.write_events(0, 50);
  auto hub = start_hub(d, d.config(d.file_source() +
                                       splunk_connector("splunk", hec_config(fake, "batch_max_events: 10, ack: {enabled: true, "
                                                                                   "poll_interval_ms: 200, timeout_ms: 20000, hold_ms: 800}")),
                                   "  - from: [in]\n    to: [splunk]\n"));
  REQUIRE(fake.wait_for_events(50, std::chrono::seconds(20)));
  INFO(hub->err());
  REQUIRE(eventually([&] { return connector_status(d, "splunk").value("queue_events", 1) == 0; }, std::chrono::seconds(20)));
  CHECK(fake.event_count() == 50);
  const auto ids = received_ids(fake);
  CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == 50);
  CHECK(fake.ack_polls() >= 10);
  // The host wrote the events again while they waited, and they were not sent again.
  CHECK(connector_status(d, "splunk").value("retries", 0) > 0);
  CHECK(dead_letters(d) == json::array());
  hub->signal(SIGTERM);
  CHECK(hub->wait() == 0);
}

TEST_CASE("a code 6 answer delivers the events before the bad one, dead-letters it and re-sends the rest",
          "[splunk][integration]") {
  Dir d;
  SplunkFake fake;
  fake.add_hec_token(token("siemhub"));
  fake.reject_events_matching("\"siemhub_id\":\"ev4\"");
  d.write_events(0, 10);
  auto hub = start_hub(d, d.config(d.file_source() + splunk_connector("splunk", hec_config(fake)),
                                   "  - from: [in]\n    to: [splunk]\n"));
  REQUIRE(fake.wait_for_events(9, std::chrono::seconds(20)));
  REQUIRE(eventually([&] { return connector_status(d, "splunk").value("queue_events", 1) == 0; }));
  const auto ids = received_ids(fake);
  CHECK(ids.size() == 9);
  CHECK(ids.count("ev4") == 0);
  CHECK(ids.count("ev3") == 1);
  CHECK(ids.count("ev5") == 1);
  const json dlq = dead_letters(d);
  REQUIRE(dlq.is_array());
  REQUIRE(dlq.size() == 1);
  CHECK(dlq[0]["event_id"] == "ev4");
  CHECK_THAT(dlq[0]["reason"].get<std::string>(), Catch::Contains("code 6"));
  hub->signal(SIGTERM);
  CHECK(hub->wait() == 0);
}

TEST_CASE("a 401 from HEC marks the connector down and keeps every event until HEC takes them", "[splunk][integration]") {
  Dir d;
  SplunkFake fake;
  fake.add_hec_token(token("siemhub"));
  fake.fail_hec_next(1000000, 401, R"({"text":"Token is required","code":2})");
  d.write_events(0, 20);
  auto hub = start_hub(d, d.config(d.file_source() + splunk_connector("splunk", hec_config(fake)),
                                   "  - from: [in]\n    to: [splunk]\n"));
  REQUIRE(eventually([&] { return health_state(d, "splunk") == "down"; }));
  CHECK_THAT(connector_status(d, "splunk")["health"].value("reason", ""), Catch::Contains("code 2"));
  CHECK(fake.event_count() == 0);
  CHECK(connector_status(d, "splunk").value("queue_events", 0) == 20);
  fake.fail_hec_next(0, 200, "");
  REQUIRE(fake.wait_for_events(20, std::chrono::seconds(20)));
  REQUIRE(eventually([&] { return health_state(d, "splunk") == "ok"; }));
  CHECK(dead_letters(d) == json::array());
  hub->signal(SIGTERM);
  CHECK(hub->wait() == 0);
}

TEST_CASE("a proxy's 404 and a busy HEC are retried until HEC takes the events", "[splunk][integration]") {
  Dir d;
  SplunkFake fake;
  fake.add_hec_token(token("siemhub"));
  fake.fail_hec_next(2, 404, "<html><body><h1>404 Not Found</h1></body></html>", {{"Content-Type", "text/html"}});
  fake.fail_hec_next(2, 503, R"({"text":"Server is busy","code":9})", {{"Retry-After", "1"}});
  d.write_events(0, 30);
  auto hub = start_hub(d, d.config(d.file_source() + splunk_connector("splunk", hec_config(fake)),
                                   "  - from: [in]\n    to: [splunk]\n"));
  REQUIRE(fake.wait_for_events(30, std::chrono::seconds(30)));
  CHECK(fake.hec_requests() >= 3);
  CHECK(dead_letters(d) == json::array());
  hub->signal(SIGTERM);
  CHECK(hub->wait() == 0);
}

TEST_CASE("over TLS the sink verifies the fake's certificate with the connector's CA file, and refuses it without",
          "[splunk][integration][tls]") {
  SplunkFakeOptions o;
  o.tls = true;
  SplunkFake fake(o);
  fake.add_hec_token(token("siemhub"));
  {
    Dir d;
    d.write_events(0, 5);
    auto hub = start_hub(d, d.config(d.file_source() + splunk_connector("splunk", hec_config(fake)),
                                     "  - from: [in]\n    to: [splunk]\n"));
    REQUIRE(eventually([&] { return health_state(d, "splunk") == "down"; }));
    CHECK_THAT(connector_status(d, "splunk")["health"].value("reason", ""), Catch::Contains("certificate"));
    CHECK(fake.event_count() == 0);
    CHECK(connector_status(d, "splunk").value("queue_events", 0) == 5);
    hub->signal(SIGTERM);
    CHECK(hub->wait() == 0);
  }
  Dir d;
  d.write_events(0, 5);
  auto hub = start_hub(d, d.config(d.file_source() + splunk_connector("splunk", hec_config(fake), "ca_file: '" + fake.cert_path().string() + "'"),
                                   "  - from: [in]\n    to: [splunk]\n"));
  REQUIRE(fake.wait_for_events(5, std::chrono::seconds(20)));
  hub->signal(SIGTERM);
  CHECK(hub->wait() == 0);
}

TEST_CASE("ES notables pulled through the export search arrive as OCSF Detection Findings", "[splunk][integration][search]") {
  Dir d;
  SplunkFake fake;
  fake.add_bearer_token(kRestToken);
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  for (int i = 0; i < 5; ++i) fake.add_result(notable("N-" + std::to_string(i), now - 100 + i));
  const std::string rest = "{rest: {url: '" + fake.url() + "', auth: {type: bearer, token: '" + kRestToken +
                           "'}}, search: {query: 'search index=notable', start_s: 600, interval_s: 1}}";
  auto hub = start_hub(d, d.config(splunk_connector("notables", rest) + d.file_sink(),
                                   "  - from: [notables]\n    to: [out]\n"));
  REQUIRE(eventually([&] { return lines_of(d.root / "out.ndjson").size() >= 5; }));
  const auto out = lines_of(d.root / "out.ndjson");
  CHECK(out.size() == 5);
  CHECK(out[0]["class_uid"] == 2004);
  CHECK(out[0]["finding_info"]["analytic"]["name"] == "Excessive Failed Logins");
  CHECK(out[0]["severity_id"] == 4);
  std::set<std::string> uids;
  for (const auto& e : out) uids.insert(e["finding_info"]["uid"].get<std::string>());
  CHECK(uids == std::set<std::string>{"N-0", "N-1", "N-2", "N-3", "N-4"});
  hub->signal(SIGTERM);
  CHECK(hub->wait() == 0);
}

TEST_CASE("a pull interrupted by kill -9 resumes with no gap and no duplicate", "[splunk][integration][search]") {
  Dir d;
  SplunkFake fake;
  fake.add_bearer_token(kRestToken);
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  constexpr int kFirst = 3000;
  for (int i = 0; i < kFirst; ++i) fake.add_result(notable("K-" + std::to_string(i), now - 3000 + i));
  // The first export stream breaks off half-way; the hub is killed while it runs.
  fake.set_export_drop_after(1500);
  const std::string rest = "{rest: {url: '" + fake.url() + "', auth: {type: bearer, token: '" + kRestToken +
                           "'}}, search: {start_s: 3600, overlap_s: 120, interval_s: 1}}";
  const auto cfg = d.config(splunk_connector("notables", rest) + d.file_sink(), "  - from: [notables]\n    to: [out]\n");
  const auto out_uids = [&] {
    std::map<std::string, int> seen;
    for (const auto& e : lines_of(d.root / "out.ndjson")) ++seen[e["finding_info"]["uid"].get<std::string>()];
    return seen;
  };
  // Everything the sink wrote is checkpointed (so a kill now cannot make the *sink* repeat). A
  // checkpoint takes the sinks' cursors when it starts and records the journal's end when it is
  // written, so the one written just after the sink caught up may still hold an older cursor:
  // wait for two more checkpoints after the sink was seen caught up.
  const auto settled = [&] {
    const auto caught_up = [&](int64_t& checkpoint_ms) {
      const json s = admin(d, {"status"});
      if (!s.is_object()) return false;
      for (const auto& c : s["connectors"])
        if (c["name"] == "out" && c.value("queue_events", 1) != 0) return false;
      checkpoint_ms = s["checkpoint"].value("last_ms", int64_t{0});
      return s["checkpoint"].value("journal_seq", 0) >= s["journal"].value("last_seq", 1);
    };
    int64_t prev = 0, now = 0;
    if (!caught_up(prev)) return false;
    for (int k = 0; k < 2; ++k) {
      if (!eventually([&] { return caught_up(now) && now > prev; })) return false;
      prev = now;
    }
    return true;
  };
  {
    auto hub = start_hub(d, cfg);
    const bool exported = eventually([&] { return fake.export_requests() >= 1; });
    INFO(hub->err());
    REQUIRE(exported);
    hub->signal(SIGKILL);
    hub->wait();
  }
  CHECK(out_uids().empty());  // nothing of the interrupted window was taken
  auto hub = start_hub(d, cfg);
  REQUIRE(eventually([&] { return out_uids().size() >= kFirst; }, std::chrono::seconds(30)));
  REQUIRE(eventually(settled));
  hub->signal(SIGKILL);
  hub->wait();
  // While the hub is down: a notable indexed before the committed cursor but inside the overlap
  // (indexing lag), and a new one.
  fake.add_result(notable("LATE", static_cast<int64_t>(std::time(nullptr)) - 60));
  fake.add_result(notable("NEW", static_cast<int64_t>(std::time(nullptr))));
  const uint64_t before = fake.export_requests();
  hub = start_hub(d, cfg);
  REQUIRE(eventually([&] { return out_uids().size() >= kFirst + 2; }, std::chrono::seconds(30)));
  REQUIRE(eventually([&] { return fake.export_requests() >= before + 2; }, std::chrono::seconds(30)));
  REQUIRE(eventually(settled));
  const auto seen = out_uids();
  CHECK(seen.size() == kFirst + 2);
  for (int i = 0; i < kFirst; ++i) CHECK(seen.at("K-" + std::to_string(i)) == 1);
  CHECK(seen.at("LATE") == 1);
  CHECK(seen.at("NEW") == 1);
  hub->signal(SIGTERM);
  const int code = hub->wait();
  INFO(hub->err());  // exit 4 once under a loaded ASan run: which stop step ran late is in here
  CHECK(code == 0);
}

TEST_CASE("a notable is updated through siemhub action run and restored by its inverse", "[splunk][integration][action]") {
  Dir d;
  SplunkFake fake;
  fake.add_session_key("session-key-for-tests");
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  fake.add_result(notable("NOTABLE-1", now - 60));
  // A connector with actions only: no route, no search.
  const std::string rest = "{rest: {url: '" + fake.url() + "', auth: {type: session, token: 'session-key-for-tests'}}}";
  auto hub = start_hub(d, d.config(splunk_connector("es", rest) + d.file_source() + d.file_sink(),
                                   "  - from: [in]\n    to: [out]\n"));
  const auto action = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "action");
    args.insert(args.end(), {"-d", d.data().string()});
    return run_siemhub(args, d.root);
  };
  REQUIRE(eventually([&] { return action({"list"}).code == 0; }));
  const auto list = action({"list", "--json"});
  CHECK_THAT(list.out, Catch::Contains("update_notable") && Catch::Contains("restore_notable"));

  const auto update = action({"run", "es", "update_notable", "--params",
                              R"({"event_id":"NOTABLE-1","status":"in_progress","owner":"bob","comment":"triage"})",
                              "--idempotency-key", "upd-1"});
  INFO(update.err);
  REQUIRE(update.code == 0);
  const json result = json::parse(update.out);
  CHECK(result["previous"]["status"] == "1");
  CHECK(fake.notable("NOTABLE-1").value()["status"] == "2");
  CHECK(fake.notable("NOTABLE-1").value()["owner"] == "bob");

  const auto status = action({"status", "es", "update_notable", "--params",
                              R"({"event_id":"NOTABLE-1","status":"in_progress"})", "--idempotency-key", "upd-1"});
  REQUIRE(status.code == 0);
  CHECK(json::parse(status.out)["applied"] == true);

  const auto undo = action({"run", "es", "restore_notable", "--prior", update.out});
  INFO(undo.err);
  REQUIRE(undo.code == 0);
  CHECK(fake.notable("NOTABLE-1").value()["status"] == "1");
  CHECK(fake.notable("NOTABLE-1").value()["owner"] == "unassigned");

  // A notable Splunk does not know: exit 1 with the reason, the hub stays up.
  const auto absent = action({"run", "es", "update_notable", "--params", R"({"event_id":"NOPE","status":"closed"})"});
  CHECK(absent.code == 1);
  CHECK_THAT(absent.out + absent.err, Catch::Contains("no notable with event_id NOPE"));
  CHECK(action({"list"}).code == 0);
  for (const auto& r : fake.requests()) CHECK(r.header("Authorization") == "Splunk session-key-for-tests");
  hub->signal(SIGTERM);
  CHECK(hub->wait() == 0);
}
