// HEC hot path on one thread, on 1000-event bodies of ~500-byte OCSF events (the shape of
// tests/bench/hec_bench.sh) and of short text events: map_hec_body (one simdjson pass over the
// body, mapping, OCSF completion and validation, event ids) — what the hub does to a request
// before the journal — and, for reference, the nlohmann path it falls back to for bodies the
// simdjson pass cannot judge. Prints µs per event.
//
//   siemhub_hec_path_bench [iterations=50] [fast]   ("fast": skip the nlohmann path, for profiling)
#include "core/memory.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "ingest/hec_mapping.hpp"
#include "ingest/hec_protocol.hpp"

using namespace siemhub;
using Clock = std::chrono::steady_clock;

namespace {
double us_since(Clock::time_point t0) { return std::chrono::duration<double, std::micro>(Clock::now() - t0).count(); }
}  // namespace

int main(int argc, char** argv) {
  siemhub::core::keep_freed_memory();  // as the hub does (core/memory.hpp)
  const int iterations = argc > 1 ? std::atoi(argv[1]) : 50;
  const bool fast_only = argc > 2 && std::string(argv[2]) == "fast";
  const std::string event =
      R"({"time":1700000000.123,"sourcetype":"ocsf","event":{"class_uid":3002,"category_uid":3,)"
      R"("activity_id":1,"type_uid":300201,"severity_id":1,"time":1700000000123,"status_id":2,)"
      R"("message":"Logon failed: bad password","user":{"name":"alice","uid":"alice@corp.example"},)"
      R"("src_endpoint":{"ip":"203.0.113.66","port":51514},"dst_endpoint":{"hostname":"srv-db-01","ip":"10.1.2.3"},)"
      R"("auth_protocol":"Kerberos","auth_protocol_id":2,"logon_type_id":3,"is_mfa":false,)"
      R"("metadata":{"version":"1.8.0","product":{"name":"bench","vendor_name":"siemhub"}}}})";
  const std::string text_event = R"({"time":1700000000.123,"host":"web-1","event":"GET /index.html 200 512 \"Mozilla/5.0\""})";
  const ingest::HecMeta defaults{"", "", "", ""};
  const auto any_index = [](std::string_view) { return true; };

  for (const auto* shape : {&event, &text_event}) {
    std::string body;
    for (int i = 0; i < 1000; ++i) body.append(*shape).append("\n");
    body.reserve(body.size() + 64);  // simdjson's read-ahead (the server reserves it too)
    double t_fast = 0, t_slow = 0;
    size_t n = 0, out_bytes = 0;
    for (int it = 0; it < iterations; ++it) {
      auto t0 = Clock::now();
      const auto mapped = ingest::map_hec_body(body, "bench", defaults, any_index, 0);
      t_fast += us_since(t0);
      if (mapped.events.size() != 1000 || mapped.refused) {
        std::fprintf(stderr, "unexpected: %zu events, stopped at %zu\n", mapped.events.size(), mapped.error_index);
        return 1;
      }
      n += mapped.events.size();
      for (const auto& e : mapped.events) out_bytes += e.json.size();
      if (fast_only) continue;
      // The reference path: nlohmann parse, mapping, then normalize's own parse.
      t0 = Clock::now();
      const auto parsed = ingest::hec::parse_events(body);
      std::vector<ocsf::NormalizedEvent> slow;
      for (const auto& env : parsed.events) {
        ingest::HecEvent e;
        e.event = env.event;
        e.time = env.time;
        e.raw = env.raw;
        ocsf::NormalizedEvent out;
        if (!ocsf::normalize(ingest::map_hec_event(e, "bench", 0), out)) slow.push_back(std::move(out));
      }
      t_slow += us_since(t0);
    }
    const double k = static_cast<double>(n);
    std::printf("%s events (%zu bytes each in, %zu journal bytes each):\n", shape == &event ? "OCSF" : "text",
                shape->size(), out_bytes / n);
    std::printf("  map_hec_body (simdjson, normalized): %.3f us/event\n", t_fast / k);
    if (!fast_only) std::printf("  nlohmann reference path:            %.3f us/event\n", t_slow / k);
  }
  return 0;
}
