#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <map>
#include <random>
#include <set>
#include <thread>
#include <unordered_set>

#include "fakes/http_fake_server.hpp"
#include "integration/process.hpp"
#include "integration/sync_http.hpp"
#include "pipeline/journal.hpp"
#include "store/database.hpp"
#include "unit/plugins/test_dirs.hpp"

using namespace siemhub::testing;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string auth_event(size_t i, const std::string& extra = "") {
  return R"({"class_uid":3002,"activity_id":1,"severity_id":1,"time":1700000000000,"user":{"name":"u)" +
         std::to_string(i % 50) + R"("},"src_endpoint":{"ip":"10.0.0.)" + std::to_string(i % 250) +
         R"("},"metadata":{"product":{"name":"durability test"},"version":"1.8.0","uid":"e)" + std::to_string(i) + "\"}" +
         extra + "}\n";
}

// Ids of the events in an NDJSON file (a torn last line from a kill is ignored).
std::unordered_multiset<std::string> ids_in(const fs::path& p) {
  std::unordered_multiset<std::string> out;
  std::istringstream in(read_file(p));
  for (std::string line; std::getline(in, line);) {
    const auto j = json::parse(line, nullptr, false);
    if (j.is_object()) out.insert(j["metadata"]["uid"].get<std::string>());
  }
  return out;
}

// What the hub's data directory says: the file source's committed byte offset, and the ids of
// every event still retained in the journal (read back through a Journal, which recovers the
// segments the way the next hub start would).
struct DbView {
  uint64_t offset = 0;
  std::set<std::string> journal_ids;
};

DbView read_db(const fs::path& hub_db) {
  DbView v;
  // A hub killed while it starts may leave no database, or one without its tables yet: then it
  // has acknowledged nothing (offset 0, empty journal).
  if (!fs::exists(hub_db)) return v;
  {
    siemhub::store::DatabaseOptions o;
    o.create = false;
    siemhub::store::Database db(hub_db, o);
    // sqlite_master first: preparing a statement on a table that does not exist yet fails.
    auto& has = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
                           "test has migrations");
    const bool has_table = has.step() && has.column_int64(0) == 1;
    has.reset();
    if (!has_table) return v;
    auto& t = db.prepare("SELECT count(*) FROM schema_migrations WHERE version = 3", "test migrated");
    const bool ready = t.step() && t.column_int64(0) == 1;
    t.reset();
    if (!ready) return v;
  }
  siemhub::pipeline::Journal journal(hub_db, siemhub::core::SystemClock::instance());
  if (const auto c = journal.load_cursor("in")) v.offset = json::parse(*c).value("offset", uint64_t{0});
  for (const auto& r : journal.read(0, SIZE_MAX))
    for (const auto& e : *r->events) v.journal_ids.insert(e.id);
  return v;
}

}  // namespace

TEST_CASE("events a source handed over survive kill -9 at random moments and each reaches the sink", "[durability]") {
  TempDir dir;
  const fs::path in = dir / "in.ndjson";
  const fs::path out = dir / "out.ndjson";
  std::ofstream(dir / "hub.yaml") << "data_dir: data\nlimits: {checkpoint_interval_ms: 200}\nconnectors:\n"
                                     "  in:\n    plugin: file\n    config: {path: " + in.string() + "}\n"
                                     "  out:\n    plugin: file\n    config: {path: " + out.string() + "}\n"
                                     "routes:\n  - from: [in]\n    to: [out]\n";
  constexpr size_t kTotal = 200000;
  // The source file grows while the hub is killed and restarted.
  std::atomic<size_t> written{0};
  // A jthread: a failed check that throws out of this test still joins it (no std::terminate).
  std::jthread writer([&] {
    std::ofstream f(in, std::ios::binary | std::ios::app);
    for (size_t i = 0; i < kTotal;) {
      std::string chunk;
      for (size_t k = 0; k < 4000 && i < kTotal; ++k, ++i) chunk += auth_event(i);
      f << chunk << std::flush;
      written = i;
      std::this_thread::sleep_for(std::chrono::milliseconds(15));
    }
  });

  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> delay(150, 1200);
  int kills = 0;
  for (int trial = 0; trial < 6; ++trial) {
    Process hub({siemhub_binary().string(), "run", "-c", (dir / "hub.yaml").string(), "--summary-every", "0"}, dir.path());
    std::this_thread::sleep_for(std::chrono::milliseconds(delay(rng)));
    hub.signal(SIGKILL);
    CHECK(hub.wait() == -SIGKILL);
    ++kills;
    // The cursor never runs ahead of what is durable: every event before the committed offset is
    // in the journal or already delivered.
    const DbView v = read_db(dir / "data" / "hub.db");
    const auto delivered = ids_in(out);
    const std::string input = read_file(in).substr(0, v.offset);
    std::istringstream lines(input);
    size_t missing = 0, checked = 0;
    for (std::string line; std::getline(lines, line); ++checked) {
      const std::string id = json::parse(line)["metadata"]["uid"];
      if (!v.journal_ids.count(id) && !delivered.count(id)) ++missing;
    }
    INFO("trial " << trial << ": offset " << v.offset << ", " << checked << " events before it");
    CHECK(missing == 0);
  }
  writer.join();

  // A last run drains everything.
  Process hub({siemhub_binary().string(), "run", "-c", (dir / "hub.yaml").string(), "--summary-every", "0"}, dir.path());
  REQUIRE(eventually([&] { return ids_in(out).size() >= kTotal; }, std::chrono::seconds(120)));
  hub.signal(SIGTERM);
  CHECK(hub.wait() == 0);

  const auto delivered = ids_in(out);
  size_t lost = 0;
  for (size_t i = 0; i < kTotal; ++i)
    if (!delivered.count("e" + std::to_string(i))) ++lost;
  std::unordered_set<std::string> unique(delivered.begin(), delivered.end());
  INFO(kills << " kills, " << delivered.size() << " deliveries, " << delivered.size() - unique.size() << " duplicates");
  CHECK(lost == 0);
  CHECK(unique.size() == kTotal);
}

TEST_CASE("an http sink outage is retried as paced then recovers with a poison event in dead letters", "[durability]") {
  TempDir dir;
  FakeHttpServer server;
  std::mutex mu;
  std::vector<std::pair<std::chrono::steady_clock::time_point, int>> answers;  // when, status
  std::atomic<int> n{0};
  server.set_handler([&](const RecordedRequest& r) {
    const int k = ++n;
    FakeResponse resp;
    if (k <= 3) {
      resp.status = 503;
      resp.headers.emplace_back("Retry-After", "1");
    } else if (k <= 5) {
      resp.status = 429;
      resp.headers.emplace_back("Retry-After", "1");
    } else if (k <= 9) {
      resp.close_without_response = true;  // the receiver is gone
    } else if (r.body.find("poison") != std::string::npos) {
      resp.status = 400;
      resp.body = R"({"error":"field poison is not allowed"})";
    } else {
      resp.status = 200;
    }
    std::lock_guard lock(mu);
    answers.emplace_back(std::chrono::steady_clock::now(), resp.close_without_response ? 0 : resp.status);
    return resp;
  });

  constexpr size_t kEvents = 400;
  std::string input;
  for (size_t i = 0; i < kEvents; ++i) input += auth_event(i, i == 7 ? R"(,"unmapped":{"poison":true})" : "");
  std::ofstream(dir / "in.ndjson") << input;
  std::ofstream(dir / "hub.yaml")
      << "data_dir: data\nlimits: {max_batch_events: 1, outbox_max_bytes: 65536, checkpoint_interval_ms: 200}\n"
         "connectors:\n  in:\n    plugin: file\n    config: {path: " + (dir / "in.ndjson").string() + "}\n"
         "  web:\n    plugin: http\n    config: {url: \"" + server.url("/ingest") + "\", max_batch_events: 1}\n"
         "    http: {egress_allow: [\"127.0.0.1:*\"]}\n"
         "    retry: {base_ms: 50, max_ms: 400}\n    breaker: {failures: 3, open_ms: 1500}\n"
         "routes:\n  - from: [in]\n    to: [web]\n";

  Process hub({siemhub_binary().string(), "run", "-c", (dir / "hub.yaml").string(), "--summary-every", "1"}, dir.path());
  REQUIRE(eventually([&] { return n.load() >= static_cast<int>(kEvents) + 9; }, std::chrono::seconds(60)));
  hub.signal(SIGTERM);
  REQUIRE(hub.wait() == 0);

  // Pacing: after a 503/429 with Retry-After: 1 the next attempt waits at least ~1 s.
  std::lock_guard lock(mu);
  REQUIRE(answers.size() >= 6);
  for (size_t i = 0; i + 1 < answers.size() && i < 5; ++i) {
    const auto gap = std::chrono::duration_cast<std::chrono::milliseconds>(answers[i + 1].first - answers[i].first);
    INFO("answer " << i << " was " << answers[i].second << ", next after " << gap.count() << " ms");
    CHECK(gap.count() >= 950);
  }
  const std::string err = hub.err();
  CHECK_THAT(err, Catch::Contains("circuit breaker open"));
  CHECK_THAT(err, Catch::Contains("circuit breaker closed"));
  CHECK_THAT(err, Catch::Contains("source paused"));
  CHECK_THAT(err, Catch::Contains("source resumed"));

  // Nothing lost: every event reached the receiver with a 200, except the poison one, which is a
  // dead letter with the receiver's reason and answer.
  std::set<std::string> ok_ids;
  {
    auto reqs = server.requests();
    for (size_t i = 0; i < reqs.size() && i < answers.size(); ++i) {
      if (answers[i].second != 200) continue;
      const auto body = json::parse(reqs[i].body, nullptr, false);
      for (const auto& e : body) ok_ids.insert(e["metadata"]["uid"].get<std::string>());
    }
  }
  for (size_t i = 0; i < kEvents; ++i) {
    if (i == 7) continue;
    INFO("event e" << i);
    CHECK(ok_ids.count("e" + std::to_string(i)) == 1);
  }
  CHECK(ok_ids.count("e7") == 0);
  siemhub::store::DatabaseOptions o;
  o.create = false;
  siemhub::store::Database db(dir / "data" / "hub.db", o);
  auto& s = db.prepare("SELECT sink, event_id, reason, response FROM dead_letters", "test dlq");
  REQUIRE(s.step());
  CHECK(s.column_text(0) == "web");
  CHECK(s.column_text(1) == "e7");
  CHECK_THAT(std::string(s.column_text(2)), Catch::Contains("400"));
  CHECK_THAT(std::string(s.column_text(3)), Catch::Contains("field poison is not allowed"));
  CHECK_FALSE(s.step());
  s.reset();
}

TEST_CASE("a filling disk turns into backpressure and the hub resumes by itself with nothing lost", "[durability]") {
  TempDir dir;
  const fs::path data = dir / "data";
  fs::create_directories(data);
  FakeHttpServer server;
  std::atomic<bool> failing{true};
  server.set_handler([&](const RecordedRequest&) {
    FakeResponse r;
    r.status = failing ? 503 : 200;
    return r;
  });
  std::ofstream(dir / "hub.yaml")
      << "data_dir: " << data.string() << "\n"
      << "limits: {min_free_disk_bytes: 8388608, checkpoint_interval_ms: 200}\n"
         "connectors:\n  gen:\n    plugin: generator\n    config: {seed: 5, batch_size: 500, interval_ms: 0}\n"
         "  web:\n    plugin: http\n    config: {url: \"" + server.url("/in") + "\", max_batch_events: 500}\n"
         "    http: {egress_allow: [\"127.0.0.1:*\"]}\n"
         "    retry: {base_ms: 50, max_ms: 200}\n    breaker: {failures: 1000, open_ms: 100}\n"
         "routes:\n  - from: [gen]\n    to: [web]\n";
  // The data directory is a 16 MiB tmpfs of its own (a mount namespace; no privileges needed).
  const std::string script = "mount -t tmpfs -o size=16m,mode=0700 tmpfs " + data.string() + " && exec " +
                             siemhub_binary().string() + " run -c " + (dir / "hub.yaml").string() + " --summary-every 1";
  Process hub({"/usr/bin/unshare", "-rm", "/bin/sh", "-c", script}, dir.path());
  REQUIRE(eventually([&] { return hub.err().find("free disk space below") != std::string::npos; }, std::chrono::seconds(60)));
  REQUIRE(eventually([&] { return hub.err().find("source paused") != std::string::npos; }, std::chrono::seconds(10)));
  // Held back, not crashed: a while later it is still running and still paused.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(hub.wait(std::chrono::milliseconds(1)) == 999);

  failing = false;  // the receiver comes back: the journal drains and frees its pages
  const bool recovered = eventually([&] { return hub.err().find("free disk space recovered") != std::string::npos; },
                                    std::chrono::seconds(60));
  if (!recovered) {
    const std::string e = hub.err();
    INFO(e.substr(e.size() > 4000 ? e.size() - 4000 : 0));
    CHECK(recovered);
  }
  REQUIRE(eventually([&] { return hub.err().find("free disk space recovered") != std::string::npos; },
                     std::chrono::seconds(60)));
  REQUIRE(eventually([&] { return hub.err().find("source resumed") != std::string::npos; }, std::chrono::seconds(10)));
  auto delivered = [&] {
    std::set<uint64_t> ids;
    for (const auto& r : server.requests()) {
      if (r.method != "POST") continue;
      const auto body = json::parse(r.body, nullptr, false);
      if (!body.is_array()) continue;
      for (const auto& e : body) {
        const std::string uid = e["metadata"]["uid"];
        ids.insert(std::stoull(uid.substr(uid.rfind('-') + 1)));
      }
    }
    return ids;
  };
  // Keep going until more has flowed through than the 16 MiB disk could ever hold at once.
  REQUIRE(eventually([&] { return delivered().size() > 45000; }, std::chrono::seconds(60)));
  hub.signal(SIGTERM);
  REQUIRE(hub.wait(std::chrono::seconds(30)) == 0);

  // Nothing lost: the generator's events arrived without a gap.
  const std::set<uint64_t> seen = delivered();
  REQUIRE(!seen.empty());
  INFO(seen.size() << " events, last " << *seen.rbegin());
  CHECK(*seen.begin() == 0);
  CHECK(*seen.rbegin() + 1 == seen.size());
}

TEST_CASE("a push the journal cannot write for ENOSPC is answered busy code 9 and never 500", "[durability]") {
  TempDir dir;
  const fs::path data = dir / "data";
  fs::create_directories(data);
  FakeHttpServer server;
  server.set_handler([](const RecordedRequest&) {
    FakeResponse r;
    r.status = 503;  // the sink is down: the journal keeps everything until the disk is full
    return r;
  });
  const std::string token = "enospc-token-31";
  // No reserve: the disk fills up and the journal's write fails with ENOSPC under a request.
  std::ofstream(dir / "hub.yaml")
      << "data_dir: " << data.string() << "\n"
      << "limits: {min_free_disk_bytes: 0}\n"
         "ingest:\n  listen: 127.0.0.1:0\n  tokens: [{name: ci, token: " + token + "}]\n"
         "connectors:\n  web:\n    plugin: http\n    config: {url: \"" + server.url("/in") + "\"}\n"
         "    http: {egress_allow: [\"127.0.0.1:*\"]}\n    retry: {base_ms: 1000, max_ms: 1000}\n"
         "routes:\n  - from: [ingest]\n    to: [web]\n";
  const std::string script = "mount -t tmpfs -o size=8m,mode=0700 tmpfs " + data.string() + " && exec " +
                             siemhub_binary().string() + " run -c " + (dir / "hub.yaml").string() + " --summary-every 0";
  Process hub({"/usr/bin/unshare", "-rm", "/bin/sh", "-c", script}, dir.path());
  const std::string base = "http://127.0.0.1:" + std::to_string(logged_ingest_port(hub));
  SyncHttp c;
  std::string body;
  for (size_t i = 0; i < 500; ++i) body += R"({"event":)" + auth_event(i, R"(,"pad":")" + std::string(600, 'x') + "\"") + "}";
  int stored = 0, busy = 0;
  std::map<int, int> others;  // HTTP status -> count
  // Well past the point where 8 MiB is full: every answer is either stored or busy.
  for (int k = 0; k < 60 && busy < 5; ++k) {
    const auto r = c.send("POST", base + "/services/collector/event", body, {{"Authorization", "Splunk " + token}});
    const auto j = json::parse(r.body, nullptr, false);
    if (r.status == 200) ++stored;
    else if (r.status == 503 && j.is_object() && j["code"] == 9) ++busy;
    else ++others[r.status];
  }
  CHECK(stored > 0);
  CHECK(busy >= 5);
  CHECK(others.empty());
  CHECK_THAT(hub.err(), Catch::Contains("disk full"));
  hub.signal(SIGTERM);
  CHECK(hub.wait(std::chrono::seconds(30)) == 0);
}
