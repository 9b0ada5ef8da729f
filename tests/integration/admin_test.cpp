// The admin commands against a running hub (the real binary): what `status` says of a sink whose
// writes fail, `dlq replay` to a sink that is not there, and who may read the hub's database.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "fakes/http_fake_server.hpp"
#include "integration/process.hpp"
#include "unit/plugins/test_dirs.hpp"

using namespace siemhub::testing;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string events(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += R"({"class_uid":3002,"activity_id":1,"severity_id":1,"time":1700000000000,"user":{"name":"u"},)"
           R"("metadata":{"product":{"name":"admin test"},"version":"1.8.0","uid":"a)" +
           std::to_string(i) + "\"}}\n";
  }
  return out;
}

// A hub reading `n` events from a file and writing them to an http sink at `url`.
struct Hub {
  TempDir dir;
  std::unique_ptr<Process> process;

  Hub(const std::string& url, size_t n, const std::string& sink_extra = "") {
    std::ofstream(dir / "in.ndjson") << events(n);
    std::ofstream(dir / "hub.yaml")
        << "data_dir: data\n"
           "connectors:\n  in:\n    plugin: file\n    config: {path: " + (dir / "in.ndjson").string() + "}\n"
           "  web:\n    plugin: http\n    config: {url: \"" + url + "\", max_batch_events: 10}\n"
           "    http: {egress_allow: [\"127.0.0.1:*\"]}\n" + sink_extra +
           "routes:\n  - from: [in]\n    to: [web]\n";
    process = std::make_unique<Process>(
        std::vector<std::string>{siemhub_binary().string(), "run", "-c", (dir / "hub.yaml").string()}, dir.path());
  }
  RunResult cli(const std::vector<std::string>& args) {
    std::vector<std::string> full = args;
    full.push_back("-c");
    full.push_back((dir / "hub.yaml").string());
    return run_siemhub(full, dir.path());
  }
  json status() {
    const auto r = cli({"status", "--json"});
    return r.code == 0 ? json::parse(r.out, nullptr, false) : json();
  }
  json connector(const std::string& name) {
    const json s = status();
    if (!s.is_object()) return json();
    for (const auto& c : s.value("connectors", json::array()))
      if (c.value("name", "") == name) return c;
    return json();
  }
  void stop() {
    process->signal(SIGTERM);
    CHECK(process->wait() == 0);
  }
};

}  // namespace

TEST_CASE("a sink whose circuit breaker is open shows degraded in status with the last error", "[admin][integration]") {
  FakeHttpServer server;
  server.set_handler([](const RecordedRequest&) {
    FakeResponse r;
    r.status = 503;
    r.body = R"({"error":"indexer queue full"})";
    return r;
  });
  Hub hub(server.url("/in"), 20, "    retry: {base_ms: 20, max_ms: 50}\n    breaker: {failures: 2, open_ms: 60000}\n");
  json web;
  REQUIRE(eventually([&] {
    web = hub.connector("web");
    return web.is_object() && web.value("breaker", "") == "open";
  }, std::chrono::seconds(30)));
  CHECK(web["health"]["state"] == "degraded");
  CHECK_THAT(web["health"]["reason"].get<std::string>(), Catch::Contains("circuit breaker open"));
  CHECK_THAT(web["health"]["reason"].get<std::string>(), Catch::Contains("503"));
  const auto text = hub.cli({"status"});
  CHECK(text.code == 0);
  CHECK_THAT(text.out, Catch::Contains("degraded"));
  hub.stop();
}

TEST_CASE("dlq replay to a sink the hub does not have exits non-zero names it and keeps the dead letters", "[admin][integration]") {
  FakeHttpServer server;
  server.set_handler([](const RecordedRequest&) {
    FakeResponse r;
    r.status = 400;
    r.body = R"({"error":"mapping conflict"})";
    return r;
  });
  Hub hub(server.url("/in"), 5);
  REQUIRE(eventually([&] {
    const json s = hub.status();
    return s.is_object() && s["dlq"].value("count", 0) == 5;
  }, std::chrono::seconds(30)));

  const auto refused = hub.cli({"dlq", "replay", "--sink", "web", "--to", "no-such-sink"});
  CHECK(refused.code == 1);
  CHECK_THAT(refused.err, Catch::Contains("no sink named \"no-such-sink\""));
  CHECK_THAT(refused.err, Catch::Contains("web"));  // the sinks it does have
  CHECK(hub.status()["dlq"]["count"] == 5);

  const auto replayed = hub.cli({"dlq", "replay", "--sink", "web"});
  CHECK(replayed.code == 0);
  CHECK_THAT(replayed.out, Catch::Contains("replayed 5"));
  hub.stop();
}

TEST_CASE("the hub's database and its WAL are readable by the service user only", "[admin][integration]") {
  FakeHttpServer server;
  Hub hub(server.url("/in"), 5);
  REQUIRE(server.wait_for_requests(1, std::chrono::seconds(30)));
  for (const char* name : {"hub.db", "hub.db-wal", "hub.db-shm"}) {
    const fs::path p = hub.dir / "data" / name;
    struct stat st {};
    INFO(p.string());
    REQUIRE(::stat(p.c_str(), &st) == 0);
    CHECK((st.st_mode & 077) == 0);
  }
  hub.stop();
}
