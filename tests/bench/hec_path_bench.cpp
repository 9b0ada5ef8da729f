// HEC hot path, stage by stage, on 1000-event bodies of ~500-byte OCSF events (the shape of
// tests/bench/hec_bench.sh): envelope parse -> mapping to journal text -> normalize -> journal
// encoding. Prints µs per event for each stage (old nlohmann path and the simdjson fast path).
//
//   siemhub_hec_path_bench [iterations=50] [fast]   ("fast": skip the nlohmann path, for profiling)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/memory.hpp"
#include "ingest/hec_mapping.hpp"
#include "ingest/hec_protocol.hpp"
#include "pipeline/journal.hpp"
#include "pipeline/normalize.hpp"

using namespace siemhub;
using Clock = std::chrono::steady_clock;

namespace {
double us_since(Clock::time_point t0) { return std::chrono::duration<double, std::micro>(Clock::now() - t0).count(); }
}  // namespace

int main(int argc, char** argv) {
  siemhub::core::keep_freed_memory();  // as the hub does (core/memory.hpp)
  const int iterations = argc > 1 ? std::atoi(argv[1]) : 50;
  const bool fast_only = argc > 2 && std::string(argv[2]) == "fast";  // for profiling the new path
  const std::string event =
      R"({"time":1700000000.123,"sourcetype":"ocsf","event":{"class_uid":3002,"category_uid":3,)"
      R"("activity_id":1,"type_uid":300201,"severity_id":1,"time":1700000000123,"status_id":2,)"
      R"("message":"Logon failed: bad password","user":{"name":"alice","uid":"alice@corp.example"},)"
      R"("src_endpoint":{"ip":"203.0.113.66","port":51514},"dst_endpoint":{"hostname":"srv-db-01","ip":"10.1.2.3"},)"
      R"("auth_protocol":"Kerberos","auth_protocol_id":2,"logon_type_id":3,"is_mfa":false,)"
      R"("metadata":{"version":"1.8.0","product":{"name":"bench","vendor_name":"siemhub"}}}})";
  const std::string text_event = R"({"time":1700000000.123,"host":"web-1","event":"GET /index.html 200 512 \"Mozilla/5.0\""})";
  const pipeline::Normalizer normalize = pipeline::make_normalizer();

  for (const auto* shape : {&event, &text_event}) {
    std::string body;
    for (int i = 0; i < 1000; ++i) body.append(*shape).append("\n");
    double t_parse = 0, t_map = 0, t_fparse = 0, t_fmap = 0, t_norm = 0, t_enc = 0;
    size_t n = 0, out_bytes = 0;
    for (int it = 0; it < iterations; ++it) {
      auto t0 = Clock::now();
      auto parsed = fast_only ? ingest::hec::ParseResult{} : ingest::hec::parse_events(body);
      t_parse += us_since(t0);
      t0 = Clock::now();
      std::vector<std::string> texts;
      texts.reserve(parsed.events.size());
      for (auto& env : parsed.events) {
        ingest::HecEvent e;
        e.event = std::move(env.event);
        e.time = env.time;
        e.host = env.host.value_or("");
        e.sourcetype = env.sourcetype.value_or("");
        e.fields = std::move(env.fields);
        e.raw = env.raw;
        texts.push_back(ingest::map_hec_event(e, "bench", 0));
      }
      t_map += us_since(t0);

      t0 = Clock::now();
      auto fast = ingest::hec::parse_events_raw(body, "receiver:hec", "token:bench");
      t_fparse += us_since(t0);
      t0 = Clock::now();
      std::vector<std::string> ftexts;
      ftexts.reserve(fast.events.size());
      for (auto& env : fast.events) {
        ingest::HecMeta m;
        m.host = env.host.value_or("");
        m.sourcetype = env.sourcetype.value_or("");
        ftexts.push_back(ingest::map_hec_raw(env, m, "bench", 0));
      }
      t_fmap += us_since(t0);

      t0 = Clock::now();
      std::vector<pipeline::Event> events;
      events.reserve(ftexts.size());
      for (auto& t : ftexts) {
        pipeline::Event e;
        if (!normalize("ingest", std::move(t), e)) events.push_back(std::move(e));
      }
      t_norm += us_since(t0);
      t0 = Clock::now();
      const std::string a = pipeline::encode_events(events, false);
      const std::string b = pipeline::encode_events(events, true);
      t_enc += us_since(t0);
      n += events.size();
      out_bytes += a.size();
    }
    const double k = static_cast<double>(n);
    std::printf("%s events (%zu bytes each, %zu journal bytes/event):\n", shape == &event ? "OCSF" : "text",
                shape->size(), out_bytes / n);
    std::printf("  nlohmann: parse %.3f us/event, map %.3f us/event\n", t_parse / k, t_map / k);
    std::printf("  fast:     parse %.3f us/event, map %.3f us/event\n", t_fparse / k, t_fmap / k);
    std::printf("  normalize %.3f us/event, encode %.3f us/event\n", t_norm / k, t_enc / k);
  }
  return 0;
}
