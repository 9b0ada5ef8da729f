#include "builtin/generator.hpp"

#include <array>
#include <cstdio>

namespace siemhub::builtin {

void from_json(const nlohmann::json& j, GeneratorConfig& c) {
  c.seed = j.value("seed", c.seed);
  c.batch_size = j.value("batch_size", c.batch_size);
  c.interval_ms = j.value("interval_ms", c.interval_ms);
  c.total = j.value("total", c.total);
  c.start_time_ms = j.value("start_time_ms", c.start_time_ms);
  c.time_step_ms = j.value("time_step_ms", c.time_step_ms);
}

namespace {

// splitmix64: a fast, well-mixed pure function of its input.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

constexpr std::array<const char*, 8> kUsers{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"};
constexpr std::array<const char*, 6> kHosts{"ws-0141", "ws-0207", "ws-0333", "srv-db-01", "srv-web-02", "laptop-17"};
constexpr std::array<const char*, 5> kProcs{"chrome.exe", "outlook.exe", "teams.exe", "svchost.exe", "code.exe"};

// The brute-force burst, the bad-IP connections and the Office child process sit at fixed
// offsets of every 1000-event cycle, so every run of the default pipeline shows them.
constexpr uint64_t kCycle = 1000;
constexpr uint64_t kBurstStart = 100;
constexpr uint64_t kBurstFailures = 12;
constexpr const char* kBurstUser = "admin";
constexpr const char* kBurstIp = "203.0.113.66";
constexpr const char* kBadIp = "198.51.100.23";
constexpr uint64_t kOfficeSpawn = 500;

std::string ip_for(uint64_t r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "10.%u.%u.%u", static_cast<unsigned>((r >> 8) % 4), static_cast<unsigned>((r >> 16) % 250),
                static_cast<unsigned>(1 + (r >> 24) % 250));
  return buf;
}

std::string metadata(uint64_t seed, uint64_t i) {
  return R"("metadata":{"version":"1.8.0","product":{"name":"siemhub generator","vendor_name":"siemhub"},"uid":"gen-)" +
         std::to_string(seed) + "-" + std::to_string(i) + R"("})";
}

std::string logon(uint64_t seed, uint64_t i, int64_t t, const std::string& user, const std::string& src, bool ok,
                  const std::string& host) {
  const int status = ok ? 1 : 2;
  const int severity = ok ? 1 : 2;
  return R"({"class_uid":3002,"category_uid":3,"activity_id":1,"type_uid":300201,"severity_id":)" +
         std::to_string(severity) + R"(,"status_id":)" + std::to_string(status) + R"(,"time":)" + std::to_string(t) +
         R"(,"message":")" + (ok ? "Logon succeeded" : "Logon failed: bad password") + R"(","user":{"name":")" + user +
         R"(","uid":")" + user + R"(@corp.example"},"src_endpoint":{"ip":")" + src + R"("},"dst_endpoint":{"hostname":")" +
         host + R"("},"auth_protocol":"Kerberos","auth_protocol_id":2,"logon_type_id":3,"is_mfa":false,)" +
         metadata(seed, i) + "}";
}

std::string connection(uint64_t seed, uint64_t i, int64_t t, const std::string& src, const std::string& dst,
                       unsigned port, uint64_t r) {
  return R"({"class_uid":4001,"category_uid":4,"activity_id":1,"type_uid":400101,"severity_id":1,"time":)" +
         std::to_string(t) + R"(,"src_endpoint":{"ip":")" + src + R"(","port":)" + std::to_string(49152 + r % 16000) +
         R"(},"dst_endpoint":{"ip":")" + dst + R"(","port":)" + std::to_string(port) +
         R"(},"connection_info":{"protocol_name":"tcp","protocol_num":6,"direction_id":2},"traffic":{"bytes_out":)" +
         std::to_string(200 + r % 5000) + R"(,"bytes_in":)" + std::to_string(500 + (r >> 13) % 90000) + "}," +
         metadata(seed, i) + "}";
}

std::string process(uint64_t seed, uint64_t i, int64_t t, const std::string& host, const std::string& user,
                    const std::string& name, const std::string& cmd, const std::string& parent, uint64_t r) {
  return R"({"class_uid":1007,"category_uid":1,"activity_id":1,"type_uid":100701,"severity_id":1,"time":)" +
         std::to_string(t) + R"(,"device":{"hostname":")" + host + R"(","type_id":2},"actor":{"user":{"name":")" + user +
         R"("}},"process":{"pid":)" + std::to_string(1000 + r % 60000) + R"(,"name":")" + name + R"(","cmd_line":")" + cmd +
         R"(","file":{"name":")" + name + R"(","path":"C:\\Program Files\\)" + name + R"(","type_id":1},"parent_process":{"pid":)" +
         std::to_string(500 + (r >> 20) % 5000) + R"(,"name":")" + parent + R"("}},)" + metadata(seed, i) + "}";
}

}  // namespace

std::string generate_event(uint64_t seed, uint64_t i, int64_t t) {
  const uint64_t r = mix(seed * 0x100000001b3ULL ^ i);
  const uint64_t k = i % kCycle;
  const std::string host = kHosts[r % kHosts.size()];
  const std::string user = kUsers[(r >> 8) % kUsers.size()];
  // Scenario events first.
  if (k >= kBurstStart && k < kBurstStart + kBurstFailures)
    return logon(seed, i, t, kBurstUser, kBurstIp, false, "srv-db-01");
  if (k == kBurstStart + kBurstFailures) return logon(seed, i, t, kBurstUser, kBurstIp, true, "srv-db-01");
  if (k == 300 || k == 700) return connection(seed, i, t, ip_for(r), kBadIp, 443, r);
  if (k == kOfficeSpawn)
    return process(seed, i, t, "ws-0141", "alice", "powershell.exe",
                   "powershell.exe -nop -w hidden -enc SQBFAFgA", "WINWORD.EXE", r);
  // Background traffic.
  switch ((r >> 32) % 10) {
    case 0: case 1: case 2: case 3:
      return logon(seed, i, t, user, ip_for(r >> 3), (r >> 40) % 20 != 0, host);
    case 4: case 5: case 6: {
      char dst[32];
      std::snprintf(dst, sizeof dst, "93.184.%u.%u", static_cast<unsigned>((r >> 41) % 255), static_cast<unsigned>((r >> 49) % 255));
      return connection(seed, i, t, ip_for(r), dst, (r >> 20) % 3 == 0 ? 80 : 443, r);
    }
    default: {
      const std::string name = kProcs[(r >> 44) % kProcs.size()];
      return process(seed, i, t, host, user, name, name, "explorer.exe", r);
    }
  }
}

void Generator::poll(sdk::PullOp& op) {
  const uint64_t next = op.cursor().empty() ? 0 : std::stoull(op.cursor());
  uint64_t count = std::min<uint64_t>(cfg_.batch_size, op.max_events() ? op.max_events() : cfg_.batch_size);
  if (cfg_.total) count = next >= cfg_.total ? 0 : std::min(count, cfg_.total - next);
  if (count == 0) return;  // an idle poll
  auto produce = [this, next, count](const sdk::PullOp& o) {
    const int64_t now = host_.now_ms();
    std::vector<std::string> events;
    events.reserve(count);
    for (uint64_t i = next; i < next + count; ++i) {
      const int64_t t = cfg_.start_time_ms ? cfg_.start_time_ms + static_cast<int64_t>(i * cfg_.time_step_ms) : now;
      events.push_back(generate_event(cfg_.seed, i, t));
    }
    o.emit(events);
    o.set_cursor(std::to_string(next + count));
    last_poll_ms_ = now;
  };
  // Pace the stream: a poll that comes before interval_ms has passed waits on a timer.
  const int64_t wait = last_poll_ms_ ? last_poll_ms_ + cfg_.interval_ms - host_.now_ms() : 0;
  if (wait <= 0) {
    produce(op);
    return;
  }
  auto later = op.defer();
  host_.timer(static_cast<uint32_t>(wait), false, [later, produce] {
    try {
      produce(later);
      later.complete();
    } catch (const sdk::Error& e) {
      later.fail(e);
    }
  });
}

}  // namespace siemhub::builtin
