// Throughput of the OCSF event model on a ~500-byte Authentication event (DESIGN §11 budget:
// simdjson parse 0.24-0.37 us, nlohmann 10 us). Run: siemhub_ocsf_bench [events-per-round]
#include "core/memory.hpp"
#include "ocsf/complete.hpp"
#include "ocsf/schema.hpp"
#include "ocsf/validate.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace siemhub::ocsf;

namespace {

const std::string kEvent =
    R"({"class_uid":3002,"category_uid":3,"activity_id":1,"type_uid":300201,"severity_id":1,"status_id":1,)"
    R"("time":1700000000000,"message":"Accepted publickey for alice from 203.0.113.7 port 50122 ssh2",)"
    R"("metadata":{"version":"1.8.0","product":{"name":"OpenSSH","vendor_name":"OpenBSD"},)"
    R"("uid":"9b2c6b8e-4b8f-4a53-8c5e-2f9d7d4c1a00"},"user":{"name":"alice","uid":"1000"},)"
    R"("src_endpoint":{"ip":"203.0.113.7","port":50122},"dst_endpoint":{"hostname":"bastion-1","ip":"10.0.0.5",)"
    R"("port":22},"logon_type_id":3,"is_mfa":false,"auth_protocol_id":0})";

template <class F>
void measure(const char* name, std::size_t n, F&& body) {
  body(n / 10);  // warm up allocators and the parser
  const auto start = std::chrono::steady_clock::now();
  const std::size_t sink = body(n);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%-44s %12.0f events/s  %7.3f us/event  (check %zu)\n", name, double(n) / s, s * 1e6 / double(n), sink);
}

}  // namespace

int main(int argc, char** argv) {
  siemhub::core::keep_freed_memory();  // as the hub does (core/memory.hpp)
  const std::size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000'000;
  std::printf("event: %zu bytes (OCSF %s Authentication 3002), %zu events per run\n", kEvent.size(),
              std::string(schema_version()).c_str(), n);
  if (!validate(Event::parse(kEvent)).empty()) {
    std::fprintf(stderr, "bench event does not validate\n");
    return 1;
  }
  const Event parsed = Event::parse(kEvent);

  measure("Event::parse (own document per event)", n, [&](std::size_t k) {
    std::size_t ok = 0;
    for (std::size_t i = 0; i < k; ++i) ok += Event::parse(kEvent).ok();
    return ok;
  });
  measure("validate (parsed event)", n, [&](std::size_t k) {
    std::size_t bad = 0;
    for (std::size_t i = 0; i < k; ++i) bad += validate(parsed).size();
    return bad;
  });
  measure("get_string(\"src_endpoint.ip\")", n, [&](std::size_t k) {
    std::size_t len = 0;
    for (std::size_t i = 0; i < k; ++i) len += parsed.get_string("src_endpoint.ip")->size();
    return len;
  });
  measure("Event::parse + validate", n, [&](std::size_t k) {
    std::size_t bad = 0;
    for (std::size_t i = 0; i < k; ++i) bad += validate(Event::parse(kEvent)).size();
    return bad;
  });
  measure("Batch(1000) add + validate, documents reused", n, [&](std::size_t k) {
    Parser parser;
    Batch batch(parser);
    std::size_t bad = 0;
    for (std::size_t done = 0; done < k; done += 1000) {
      batch.clear();
      for (std::size_t i = 0; i < 1000; ++i) batch.add(kEvent);
      for (const Event& e : batch) bad += validate(e).size();
    }
    return bad;
  });
  measure("parse + complete (type_uid missing, splice)", n / 4, [&](std::size_t k) {
    std::size_t changed = 0;
    std::string text = kEvent;
    text.erase(text.find(",\"type_uid\":300201"), 18);
    for (std::size_t i = 0; i < k; ++i) {
      Event e = Event::parse(text);
      changed += complete(e);
    }
    return changed;
  });
  measure("nlohmann::json::parse (reference)", n / 10, [&](std::size_t k) {
    std::size_t size = 0;
    for (std::size_t i = 0; i < k; ++i) size += nlohmann::json::parse(kEvent).size();
    return size;
  });
  return 0;
}
