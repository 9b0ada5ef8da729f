// Issue 13: the hostile HTTP requests of tests/data/hostile/requests/ replayed against the real
// `siemhub run` (one hub, port 0, three ingest tokens, a file sink). Each answer is checked against
// its case; after every case the hub must still answer /healthz; at the end the sink holds exactly
// the events the answers acknowledged (each once, by id) and the hub's log holds no token.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <map>
#include <regex>
#include <set>

#include "fakes/temp_dir.hpp"
#include "integration/hostile_fixture.hpp"
#include "integration/process.hpp"
#include "integration/raw_http.hpp"

using namespace siemhub::testing;
namespace fs = std::filesystem;
namespace hostile = siemhub::testing::hostile;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kToken = "hostile-main-7f3a9c21e8d45b60", kOtherToken = "hostile-limited-2b8e41d7c9a03f56",
                  kQueryToken = "hostile-query-5d1c8e3a7b9f2046";
constexpr int kRequestTimeoutMs = 1000;
constexpr size_t kMaxBodyBytes = 1 << 20;

std::string hub_config(const fs::path& out) {
  return "data_dir: data\nlimits: {min_free_disk_bytes: 0}\n"
         "ingest:\n  listen: 127.0.0.1:0\n  max_body_bytes: " + std::to_string(kMaxBodyBytes) +
         "\n  request_timeout_ms: " + std::to_string(kRequestTimeoutMs) +
         "\n  tokens:\n"
         "    - {name: main, token: \"" + kToken + "\"}\n"
         "    - {name: limited, token: \"" + kOtherToken + "\", allowed_indexes: [allowed], default_index: allowed}\n"
         "    - {name: query, token: \"" + kQueryToken + "\", allow_query_token: true}\n"
         "connectors:\n  out:\n    plugin: file\n    config: {path: " + out.string() + "}\n"
         "routes:\n  - from: [ingest]\n    to: [out]\n";
}

bool healthz(uint16_t port) {
  try {
    auto c = RawConnection::tcp(port);
    if (!c.send("GET /healthz HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n")) return false;
    bool timed_out = false;
    const auto r = c.read_response(Clock::now() + std::chrono::seconds(3), false, timed_out);
    return r && r->status == 200 && r->body.find("\"ok\"") != std::string::npos;
  } catch (const std::exception&) {
    return false;
  }
}

void send_case(RawConnection& c, const hostile::Case& k) {
  for (const auto& r : k.requests) {
    if (k.drip_ms == 0) {
      c.send(r.bytes);
      continue;
    }
    // Slowloris: a few bytes at a time until sent or the hub has closed (or answered).
    for (size_t at = 0; at < r.bytes.size(); at += k.drip_bytes) {
      if (!c.send(std::string_view(r.bytes).substr(at, k.drip_bytes))) return;
      if (c.readable_within(std::chrono::milliseconds(k.drip_ms))) return;
    }
  }
}

// Replays one case; returns what went wrong (empty: as expected) and adds what it acknowledged.
std::string run_case(const hostile::Case& k, uint16_t port, const fs::path& admin_socket,
                     std::vector<std::string>& acked) {
  auto c = k.admin ? RawConnection::unix_socket(admin_socket.string()) : RawConnection::tcp(port);
  send_case(c, k);
  const auto deadline = Clock::now() + std::chrono::milliseconds(k.wait_ms);
  std::string bodies, heads, problems;
  size_t stored = 0;
  for (size_t i = 0; i < k.statuses.size(); ++i) {
    const auto& want = k.statuses[i];
    const bool head = i < k.requests.size() && k.requests[i].method == "HEAD";
    bool timed_out = false;
    const auto r = c.read_response(deadline, head, timed_out);
    if (want.none) {
      if (r) return "answered " + std::to_string(r->status) + " " + r->body.substr(0, 300) + " where no answer was expected";
      if (timed_out || !c.closed_by_peer(deadline)) return "the connection was still open after " + std::to_string(k.wait_ms) + " ms";
      break;
    }
    if (!r) return "answer " + std::to_string(i + 1) + " never came (" + (timed_out ? "timed out" : "connection closed") + ")";
    if (!want.matches(r->status))
      problems += "answer " + std::to_string(i + 1) + " is " + std::to_string(r->status) + " (expected " + want.text() +
                  "): " + r->body.substr(0, 300) + "\n";
    if (std::getenv("SIEMHUB_HOSTILE_TRACE")) std::fprintf(stderr, "%s: %d %.200s\n", k.name.c_str(), r->status, r->body.c_str());
    bodies += r->body;
    heads += r->head;
    if (i < k.requests.size()) {
      std::string error;
      const auto ids = hostile::acknowledged(k.requests[i], r->status, r->body, error);
      if (!error.empty()) problems += error + "\n";
      stored += ids.size();
      acked.insert(acked.end(), ids.begin(), ids.end());
    }
  }
  for (const auto& s : k.body_contains)
    if (bodies.find(s) == std::string::npos) problems += "no \"" + s + "\" in the answer: " + bodies.substr(0, 300) + "\n";
  for (const auto& s : k.body_lacks)
    if (bodies.find(s) != std::string::npos) problems += "the answer holds \"" + s + "\"\n";
  for (const auto& s : k.head_lacks)
    if (heads.find(s) != std::string::npos) problems += "the answer's header holds \"" + s + "\"\n";
  if (stored != k.stored)
    problems += "the answers acknowledged " + std::to_string(stored) + " events (expected " + std::to_string(k.stored) + ")\n";
  if (k.closed && !c.closed_by_peer(deadline)) problems += "the hub kept the connection open\n";
  return problems;
}

// Event id -> how many sink lines carry it; lines with no id or more than one are counted apart.
struct SinkIds {
  std::map<std::string, size_t> ids;
  size_t lines = 0, unattributed = 0, ambiguous = 0;
};

SinkIds sink_ids(const fs::path& p) {
  SinkIds s;
  static const std::regex re("hostile-[0-9]+-[0-9]+");
  std::istringstream in(read_file(p));
  for (std::string l; std::getline(in, l);) {
    if (l.empty()) continue;
    ++s.lines;
    std::set<std::string> found;
    for (auto it = std::sregex_iterator(l.begin(), l.end(), re); it != std::sregex_iterator(); ++it) found.insert(it->str());
    if (found.empty()) ++s.unattributed;
    else if (found.size() > 1) ++s.ambiguous;
    else ++s.ids[*found.begin()];
  }
  return s;
}

}  // namespace

TEST_CASE("the real hub answers every hostile request of the fixture set as expected and stays up "
          "and its sink holds exactly the acknowledged events",
          "[ingest][hostile]") {
  TempDir dir;
  const fs::path out = dir / "out.ndjson", data = dir / "data";
  std::ofstream(dir / "hub.yaml") << hub_config(out);
  Process hub({siemhub_binary().string(), "--log-level", "debug", "run", "-c", (dir / "hub.yaml").string(),
               "--summary-every", "0"},
              dir.path());
  const uint16_t port = logged_ingest_port(hub);
  if (port == 0) FAIL("the hub logged no ingest port:\n" << hub.err());
  const fs::path admin_socket = data / "admin.sock";
  std::string admin_token;
  REQUIRE(eventually([&] {
    admin_token = read_file(data / "admin.token");
    while (!admin_token.empty() && std::isspace(static_cast<unsigned char>(admin_token.back()))) admin_token.pop_back();
    return !admin_token.empty() && fs::exists(admin_socket);
  }));

  const hostile::Secrets secrets = {
      {"token", kToken},
      {"other_token", kOtherToken},
      {"query_token", kQueryToken},
      {"admin_token", admin_token},
      {"basic_token", hostile::base64("x:" + kToken)},
      {"apikey_encoded", hostile::base64("key-id:" + kToken)},
      {"max_body_bytes", std::to_string(kMaxBodyBytes)},
  };
  const auto cases = hostile::load_cases(SIEMHUB_HOSTILE_REQUESTS_DIR, secrets);
  REQUIRE(cases.size() >= 145);

  std::vector<std::string> acked;
  const auto started = Clock::now();
  for (const auto& k : cases) {
    const auto t0 = Clock::now();
    const std::string problems = run_case(k, port, admin_socket, acked);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
    if (!problems.empty()) FAIL_CHECK(k.file << ": " << k.name << " (" << took << " ms):\n" << problems);
    const bool up = hub.wait(std::chrono::milliseconds(0)) == 999 && healthz(port);
    if (!up) {
      const std::string log = hub.err();
      FAIL(k.file << ": after " << k.name << " the hub no longer answers /healthz; its log ends:\n"
                  << log.substr(log.size() > 3000 ? log.size() - 3000 : 0));
    }
  }
  const auto replay_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  INFO(cases.size() << " cases in " << replay_ms << " ms");

  // Every acknowledged event reaches the sink; then nothing else is there, and nothing twice.
  const std::set<std::string> expected(acked.begin(), acked.end());
  REQUIRE(expected.size() == acked.size());
  CHECK(eventually([&] { return sink_ids(out).ids.size() >= expected.size(); }, std::chrono::seconds(20)));
  hub.signal(SIGTERM);
  CHECK(hub.wait(std::chrono::seconds(20)) == 0);
  const SinkIds s = sink_ids(out);
  CHECK(s.unattributed == 0);
  CHECK(s.ambiguous == 0);
  std::set<std::string> got;
  for (const auto& [id, n] : s.ids) {
    got.insert(id);
    if (n != 1) FAIL_CHECK(id << " is in the sink " << n << " times");
    if (!expected.count(id)) FAIL_CHECK(id << " is in the sink but no answer acknowledged it");
  }
  for (const auto& id : expected)
    if (!got.count(id)) FAIL_CHECK(id << " was acknowledged but is not in the sink");
  CHECK(s.lines == expected.size());

  // No secret in what the hub wrote.
  const std::string log = hub.err() + hub.out();
  for (const auto& secret : {kToken, kOtherToken, kQueryToken, admin_token}) {
    INFO("secret " << secret.substr(0, 8) << "…");
    CHECK(log.find(secret) == std::string::npos);
  }
}
