// Splunk plugin benchmark (not a test; figures go to docs/performance.md):
//
//   build/tests/bench/siemhub_splunk_bench [EVENTS=500000] [RUNS=3] [RESULTS=200000]
//
// 1. HEC drain: EVENTS ~530-byte OCSF Authentication events are read by the `file` source into the
//    durable journal while the (C++, in-process) HEC fake answers 503 busy, so they pile up in the
//    Splunk sink's outbox; then the fake accepts, and the time until it has counted every event is
//    the drain time. Ack off; gzip off, then gzip level 1. The fake validates every envelope
//    (simdjson) and keeps nothing.
// 2. Export pull: RESULTS ES notables in the fake; the hub's Splunk search source pulls them through
//    one streamed export and the `file` sink writes them; records/s until the last line is written.
// Median of RUNS for each. The real siemhub binary and the real plugin .so are used.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "integration/process.hpp"
#include "plugin_dir.hpp"
#include "splunk_fake.hpp"

using namespace siemhub::testing;
using namespace siemhub::testing::splunk;
namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kToken = "bench-hec-token";

std::string auth_event(size_t i) {
  return json{{"class_uid", 3002}, {"category_uid", 3}, {"activity_id", 1}, {"type_uid", 300201},
              {"severity_id", 1}, {"status_id", 2}, {"status", "Failure"}, {"time", int64_t{1769509500000} + int64_t(i)},
              {"user", {{"name", "user" + std::to_string(i % 5000)}, {"domain", "CORP"}}},
              {"src_endpoint", {{"ip", "10.1." + std::to_string(i % 250) + "." + std::to_string(i % 199)}, {"port", 50000 + i % 10000}}},
              {"dst_endpoint", {{"ip", "10.0.0.5"}, {"hostname", "dc01.corp.example"}}},
              {"auth_protocol", "Kerberos"}, {"logon_type", "Network"}, {"logon_type_id", 3},
              {"message", "An account failed to log on."},
              {"metadata", {{"product", {{"name", "Windows Security"}, {"vendor_name", "Microsoft"}}},
                            {"version", "1.8.0"}, {"uid", "bench-" + std::to_string(i)}}}}
      .dump();
}

struct Dir {
  TempDir tmp;
  fs::path root = tmp.path();
  Dir() { splunk_test::install_plugin(root); }
  fs::path config(const std::string& body) const {
    const fs::path p = root / "hub.yaml";
    std::ofstream(p) << "data_dir: " << (root / "data").string() << "\nlog_level: warn\n"
                     << "limits: {min_free_disk_bytes: 0, outbox_max_bytes: 4294967296, journal_max_bytes: 4294967296, "
                        "max_batch_events: 20000}\n"
                     << "plugins:\n  dirs: [" << (root / "plugins").string() << "]\n"
                     << body;
    return p;
  }
};

size_t lines(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return static_cast<size_t>(std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n'));
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// One HEC drain run; returns events/s.
double drain(size_t events, int gzip_level) {
  Dir d;
  {
    std::ofstream in(d.root / "in.ndjson");
    for (size_t i = 0; i < events; ++i) in << auth_event(i) << '\n';
  }
  SplunkFakeOptions o;
  o.record_requests = false;
  o.store_events = false;
  o.max_content_length = 64u << 20;
  SplunkFake fake(o);
  HecToken t;
  t.token = kToken;
  t.name = "bench";
  fake.add_hec_token(t);
  fake.set_hec_busy(true);
  const auto cfg = d.config(
      "connectors:\n"
      "  in:\n    plugin: file\n    config: {path: " + (d.root / "in.ndjson").string() + "}\n"
      "  splunk:\n    plugin: com.siemhub.splunk\n    retry: {base_ms: 20, max_ms: 20}\n    breaker: {failures: 1000, open_ms: 20}\n"
      "    http: {egress_allow: ['127.0.0.1:*']}\n"
      "    config: {hec: {url: '" + fake.url() + "', token: '" + kToken + "', gzip_level: " + std::to_string(gzip_level) + "}}\n"
      "routes:\n  - from: [in]\n    to: [splunk]\n");
  Process hub({siemhub_binary().string(), "run", "-c", cfg.string(), "--summary-every", "0"}, d.root);
  // Wait until the source has read the whole file into the journal (its status says events_in).
  const bool filled = eventually([&] {
    const auto r = run_siemhub({"status", "-d", (d.root / "data").string(), "--json"}, d.root);
    const auto j = json::parse(r.out, nullptr, false);
    if (!j.is_object()) return false;
    for (const auto& c : j["connectors"])
      if (c["name"] == "in") return c.value("events_in", uint64_t{0}) >= events;
    return false;
  }, std::chrono::seconds(600));
  if (!filled) {
    std::fprintf(stderr, "the outbox did not fill: %s\n", hub.err().c_str());
    return 0;
  }
  const auto t0 = Clock::now();
  fake.set_hec_busy(false);
  const bool drained = eventually([&] { return fake.event_count() >= events; }, std::chrono::seconds(600));
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  hub.signal(SIGTERM);
  hub.wait();
  if (!drained) {
    std::fprintf(stderr, "drain incomplete: %zu of %zu\n", fake.event_count(), events);
    return 0;
  }
  return static_cast<double>(events) / secs;
}

// One export pull run; returns records/s.
double pull(size_t results) {
  Dir d;
  SplunkFakeOptions o;
  o.record_requests = false;
  SplunkFake fake(o);
  fake.add_bearer_token("bench-rest-token");
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  for (size_t i = 0; i < results; ++i)
    fake.add_result({{"event_id", "B-" + std::to_string(i)}, {"_indextime", std::to_string(now - 3000 + int64_t(i % 2900))},
                     {"_time", std::to_string(now - 3000 + int64_t(i % 2900)) + ".000"}, {"index", "notable"},
                     {"sourcetype", "stash"}, {"rule_name", "Excessive Failed Logins"}, {"urgency", "high"},
                     {"status", "1"}, {"owner", "unassigned"}, {"src", "10.9.8.7"}, {"user", "alice"},
                     {"security_domain", "access"}});
  const auto cfg = d.config(
      "connectors:\n"
      "  notables:\n    plugin: com.siemhub.splunk\n    http: {egress_allow: ['127.0.0.1:*'], timeout_ms: 600000}\n"
      "    config: {rest: {url: '" + fake.url() + "', auth: {token: bench-rest-token}, timeout_ms: 600000}, "
      "search: {start_s: 3600, interval_s: 60}}\n"
      "  out:\n    plugin: file\n    config: {path: " + (d.root / "out.ndjson").string() + "}\n"
      "routes:\n  - from: [notables]\n    to: [out]\n");
  const auto t0 = Clock::now();
  Process hub({siemhub_binary().string(), "run", "-c", cfg.string(), "--summary-every", "0"}, d.root);
  const bool done = eventually([&] { return lines(d.root / "out.ndjson") >= results; }, std::chrono::seconds(600));
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  hub.signal(SIGTERM);
  hub.wait();
  if (!done) {
    std::fprintf(stderr, "pull incomplete: %zu of %zu\n%s\n", lines(d.root / "out.ndjson"), results, hub.err().c_str());
    return 0;
  }
  return static_cast<double>(results) / secs;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t events = argc > 1 ? std::stoul(argv[1]) : 500000;
  const int runs = argc > 2 ? std::stoi(argv[2]) : 3;
  const size_t results = argc > 3 ? std::stoul(argv[3]) : 200000;
  std::printf("event: %zu bytes of OCSF JSON\n", auth_event(0).size());
  for (int level : {0, 1}) {
    std::vector<double> r;
    for (int i = 0; i < runs; ++i) {
      r.push_back(drain(events, level));
      std::printf("hec drain, gzip %s, run %d: %.0f events/s\n", level ? "level 1" : "off", i + 1, r.back());
      std::fflush(stdout);
    }
    std::printf("hec drain, gzip %s: median %.0f events/s (%zu events, %d runs)\n", level ? "level 1" : "off", median(r),
                events, runs);
  }
  std::vector<double> p;
  for (int i = 0; i < runs; ++i) {
    p.push_back(pull(results));
    std::printf("export pull, run %d: %.0f records/s\n", i + 1, p.back());
    std::fflush(stdout);
  }
  std::printf("export pull: median %.0f records/s (%zu notables, %d runs, end to end into the file sink)\n", median(p),
              results, runs);
  return 0;
}
