// Correlation throughput (issue 7): the ~500-byte OCSF Authentication event through what the hub
// does to each event on its way to the rules — normalize (simdjson parse, OCSF completion and
// validation, event id) then the correlator's parse and the rules — on one core, with 1, 10 and
// 100 rules (the 100 are a mix over six OCSF classes and many fields, see rule_mix()). Then the
// rules alone with 1 and 2 workers (ParallelEngine), to show the stateful work shared by both
// cores. Each run feeds 2 x `events` events and times the second half: the first fills the windows
// to their steady size (the event times span 2 x events x 2 ms). Prints events/s; median of
// `runs` runs.
//
// Run: siemhub_lua_bench [events] [runs] [only]   (defaults 300000 and 5; `only`: run just the
// cases whose name contains it, e.g. "100 rules (mix), 1", or, with a leading '=', the case of
// exactly that name, e.g. "=1 count rule" for the through-normalize row alone)
#include "core/memory.hpp"
#include "lua/parallel.hpp"
#include "ocsf/event.hpp"
#include "pipeline/normalize.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace siemhub;

namespace {

// The HEC benchmark's event (tests/bench/hec_bench.lua) with a varying user, source and outcome:
// 5000 users, 400 sources, one success in eight, 2 ms apart (a 10-minute window holds 300k).
std::vector<std::string> make_events(std::size_t n) {
  std::vector<std::string> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const bool ok = i % 8 == 0;
    const std::string user = "user" + std::to_string((i * 7919) % 5000);
    const std::string ip = "203.0." + std::to_string(i % 400 / 200) + "." + std::to_string(i % 200 + 1);
    out.push_back(std::string(R"({"class_uid":3002,"category_uid":3,"activity_id":1,"type_uid":300201,"severity_id":1,)") +
                  R"("time":)" + std::to_string(1767225600000 + static_cast<long long>(i) * 2) + R"(,"status_id":)" +
                  (ok ? "1" : "2") + R"(,"message":")" + (ok ? "Logon succeeded" : "Logon failed: bad password") +
                  R"(","user":{"name":")" + user + R"(","uid":")" + user + R"(@corp.example"},)" +
                  R"("src_endpoint":{"ip":")" + ip + R"(","port":51514},"dst_endpoint":{"hostname":"srv-db-01","ip":"10.1.2.3"},)" +
                  R"("auth_protocol":"Kerberos","auth_protocol_id":2,"logon_type_id":3,"is_mfa":false,)" +
                  R"("metadata":{"version":"1.8.0","product":{"name":"bench","vendor_name":"siemhub"}}})");
  }
  return out;
}

const char* kOneCount = R"(rule { id = "bench.failed_logons", from = { class_uid = 3002, status_id = 2 },
  by = { "user.name" }, window = { span = "10m" }, count = { gte = 100 }, suppress = "10m" })";

// A custom rule (one Lua on_event call per event, batched per 256): a per-user counter.
const char* kOneCustom = R"(rule { id = "bench.custom", from = { class_uid = 3002 }, by = { "user.name" },
  on_event = function(e, ctx) local s = ctx.state; s.n = (s.n or 0) + 1
    if e.status_id == 1 and s.n > 1000 then s.n = 0 end end })";

// 100 rules as a SOC would have them: 25 on authentication, 20 network, 20 process, 15 DNS,
// 10 file, 10 API activity; counts, distincts, match-only detections (count >= 1), custom
// on_event rules, Lua predicates; modifiers eq, startswith, endswith, contains, re, cidr, gt,
// exists, lists. Interleaved so the first 10 are a mix too. Only the 25 authentication rules can
// match the benchmark's events: the class_uid pre-filter skips the other 75 without looking.
std::vector<std::string> rule_mix() {
  std::vector<std::string> auth, net, proc, dns, file, api;
  const auto add = [](std::vector<std::string>& to, const std::string& body) {
    to.push_back(body);
  };
  for (int i = 0; i < 5; ++i) {
    const auto n = std::to_string(i);
    add(auth, R"(from = { class_uid = 3002, status_id = 2, ["user.name|startswith"] = "user)" + n +
                  R"(" }, by = { "user.name" }, window = { span = "10m" }, count = { gte = 50 })");
    add(auth, R"(from = { class_uid = 3002, status_id = 2 }, by = { "src_endpoint.ip" }, window = { span = ")" +
                  std::to_string(5 + i) + R"(m" }, distinct = { field = "user.name", gte = )" + std::to_string(200 + i) +
                  " }");
    add(auth, R"(from = { class_uid = 3002, status_id = 1, ["src_endpoint.ip|cidr"] = { "198.51.100.0/24", "192.0.2.)" + n +
                  R"(/32" } }, by = { "user.name" }, window = { span = "1h" }, count = { gte = 1 })");
    add(auth, R"x(from = { class_uid = 3002, ["user.name|re"] = "^(admin|root|svc_)x" + n +
                  R"x()" }, by = { "user.name", "src_endpoint.ip" }, window = { span = "15m", kind = "tumbling" }, count = { gte = 5 })x");
    add(auth, i % 2 == 0
                  ? R"(from = { class_uid = 3002, logon_type_id = 10, is_mfa = false }, by = { "user.name" }, window = { span = "1d" }, count = { gte = 1 })"
                  : R"(from = { class_uid = 3002, ["dst_endpoint.hostname|endswith"] = "-dc0)" + n +
                        R"(" }, by = { "src_endpoint.ip" }, window = { span = "30m" }, count = { gte = 20 }, suppress = "1h")");
  }
  for (int i = 0; i < 20; ++i) {
    const auto n = std::to_string(i);
    static const char* ports[] = {"22", "3389", "445", "5985", "23"};
    add(net, i % 4 == 0 ? R"(from = { class_uid = 4001, ["dst_endpoint.port"] = )" + std::string(ports[i % 5]) +
                              R"(, ["src_endpoint.ip|cidr"] = "10.0.0.0/8" }, by = { "src_endpoint.ip" }, window = { span = "5m" }, distinct = { field = "dst_endpoint.ip", gte = 30 })"
                 : i % 4 == 1 ? R"(from = { class_uid = 4001, ["traffic.bytes_out|gt"] = )" + std::to_string(100000000 + i) +
                                   R"( }, by = { "src_endpoint.ip" }, window = { span = "1h" }, count = { gte = 1 })"
                 : i % 4 == 2 ? R"(from = { class_uid = 4001, ["dst_endpoint.ip|cidr"] = "185.)" + n +
                                   R"(.0.0/16" }, by = { "src_endpoint.ip" }, window = { span = "10m" }, count = { gte = 1 })"
                              : R"(from = { class_uid = 4001, ["connection_info.protocol_name"] = "udp", ["dst_endpoint.port|gt"] = )" +
                                    std::to_string(30000 + i) + R"( }, by = { "src_endpoint.ip", "dst_endpoint.ip" }, window = { span = "1m" }, count = { gte = 500 })");
    add(proc, i % 4 == 0 ? R"(from = { class_uid = 1007, ["process.file.name|endswith"] = { "powershell.exe", "pwsh.exe" }, ["process.cmd_line|contains"] = { "-enc", "frombase64string" } }, by = { "device.hostname" }, window = { span = "5m" }, count = { gte = 1 })"
                  : i % 4 == 1 ? R"(from = { class_uid = 1007, ["actor.process.file.name"] = { "winword.exe", "excel.exe" }, ["process.file.name"] = "cmd.exe" }, where = function(e) return e["process.cmd_line"] ~= nil end, by = { "device.hostname" }, window = { span = "1m" }, count = { gte = 1 })"
                  : i % 4 == 2 ? R"(from = { class_uid = 1007, ["process.file.path|startswith"] = "c:\\users\\public\\" }, by = { "process.file.name" }, window = { span = "1h" }, distinct = { field = "device.hostname", gte = )" + std::to_string(3 + i) + " }"
                               : R"(from = { class_uid = 1007, ["process.user.name|exists"] = true }, by = { "device.hostname" },
                                    on_event = function(e, ctx) local s = ctx.state; s.n = (s.n or 0) + 1 end)");
  }
  for (int i = 0; i < 15; ++i) {
    const auto n = std::to_string(i);
    add(dns, i % 3 == 0 ? R"(from = { class_uid = 4003, ["query.hostname|re"] = "^[a-z0-9]{)" + std::to_string(20 + i) +
                              R"(,}\\." }, by = { "src_endpoint.ip" }, window = { span = "10m" }, count = { gte = 50 })"
                 : i % 3 == 1 ? R"(from = { class_uid = 4003, ["query.hostname|endswith"] = { ".top", ".xyz", ".zip" }, rcode_id = )" +
                                   std::to_string(i % 4) + R"( }, by = { "src_endpoint.ip" }, window = { span = "1h" }, distinct = { field = "query.hostname", gte = 20 })"
                              : R"(from = { class_uid = 4003, ["query.type"] = "TXT" }, by = { "src_endpoint.ip" }, window = { span = "5m" }, count = { gte = )" +
                                    std::to_string(100 + i) + " }");
  }
  for (int i = 0; i < 10; ++i) {
    add(file, i % 2 == 0 ? R"(from = { class_uid = 1001, activity_id = 4, ["file.name|endswith"] = { ".locked", ".encrypted", ".crypt" } }, by = { "device.hostname" }, window = { span = "1m" }, count = { gte = )" + std::to_string(20 + i) + " }"
                          : R"(from = { class_uid = 1001, ["file.path|contains"] = "\\startup\\" }, by = { "device.hostname" }, window = { span = "1h" }, count = { gte = 1 })");
    add(api, i % 2 == 0 ? R"(from = { class_uid = 6003, ["api.operation"] = { "DeleteTrail", "StopLogging", "PutBucketPolicy", "CreateAccessKey" } }, by = { "actor.user.uid" }, window = { span = "1h" }, count = { gte = 1 })"
                         : R"(from = { class_uid = 6003, status_id = 2, ["api.service.name"] = "iam.amazonaws.com" }, by = { "src_endpoint.ip" }, window = { span = "10m" }, distinct = { field = "api.operation", gte = )" + std::to_string(10 + i) + " }");
  }
  // Interleave: auth, net, proc, dns, file/api, ... so any prefix is a mix.
  std::vector<std::string> out;
  std::vector<std::vector<std::string>*> lists = {&auth, &net, &proc, &dns, &file, &api};
  for (std::size_t k = 0; out.size() < 100; ++k)
    for (auto* l : lists)
      if (k < l->size() && out.size() < 100) out.push_back((*l)[k]);
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = "rule { id = \"mix." + std::to_string(i) + "\", " + out[i] + " }\n";
  return out;
}

std::string first_rules(const std::vector<std::string>& mix, std::size_t n) {
  std::string text;
  for (std::size_t i = 0; i < n && i < mix.size(); ++i) text += mix[i];
  return text;
}

std::unique_ptr<lua::ParallelEngine> load(const std::string& rules, unsigned workers) {
  std::string error;
  auto engine = lua::ParallelEngine::load(std::vector<lua::Source>{{"bench.lua", rules, {}}}, {}, workers, &error);
  if (!engine) {
    std::fprintf(stderr, "rules do not load: %s\n", error.c_str());
    std::exit(1);
  }
  return engine;
}

struct Result {
  double events_per_s;
  std::size_t findings;
};

// Normalize + parse + rules, all on this thread, batches of 1000 like the correlator's, parsed
// like its pump() (host/pipeline/correlator.cpp): its own parser, a Batch cleared per pump.
Result full_path(const std::string& rules, const std::vector<std::string>& raw) {
  auto engine = load(rules, 1);
  const auto normalize = pipeline::make_normalizer();
  ocsf::Parser parser;
  ocsf::Batch parsed(parser);
  std::vector<pipeline::Event> normalized(1000);
  std::vector<lua::EventRef> refs;
  std::size_t findings = 0;
  // The first half fills the windows to their steady size (untimed); the second half is measured.
  const std::size_t warm = raw.size() / 2;
  auto t0 = std::chrono::steady_clock::now();
  for (std::size_t start = 0; start < raw.size(); start += 1000) {
    if (start == warm) t0 = std::chrono::steady_clock::now(), findings = 0;
    const std::size_t n = std::min<std::size_t>(1000, raw.size() - start);
    parsed.clear();
    refs.clear();
    for (std::size_t i = 0; i < n; ++i)
      if (normalize("bench", raw[start + i], normalized[i])) std::abort();  // every event is valid
    for (std::size_t i = 0; i < n; ++i) parsed.add(normalized[i].json);
    for (std::size_t i = 0; i < n; ++i) refs.push_back({&parsed[i], normalized[i].id});
    findings += engine->process(refs).size();
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return {static_cast<double>(raw.size() - warm) / s, findings};
}

// The rules alone on parsed events, with `workers` workers (the timing excludes the parse).
Result rules_only(const std::string& rules, const std::vector<ocsf::Event>& events, unsigned workers) {
  auto engine = load(rules, workers);
  std::vector<lua::EventRef> refs;
  std::size_t findings = 0;
  double seconds = 0;
  const std::size_t warm = events.size() / 2;  // untimed: fills the windows
  std::size_t timed = 0;
  for (std::size_t start = 0; start < events.size(); start += 16'000) {  // the correlator's 16 records
    refs.clear();
    for (std::size_t i = start; i < start + 16'000 && i < events.size(); ++i) refs.push_back({&events[i], "id"});
    const auto t0 = std::chrono::steady_clock::now();
    const std::size_t found = engine->process(refs).size();
    if (start < warm) continue;
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    findings += found;
    timed += refs.size();
  }
  return {static_cast<double>(timed) / seconds, findings};
}

const char* g_only = nullptr;

bool wanted(const std::string& name) {
  if (g_only == nullptr) return true;
  if (g_only[0] == '=') return name == g_only + 1;
  return name.find(g_only) != std::string::npos;
}

template <class F>
void report(const std::string& name, int runs, F&& once) {
  if (!wanted(name)) return;
  std::vector<double> rates;
  std::size_t findings = 0;
  for (int r = 0; r < runs; ++r) {
    const Result res = once();
    rates.push_back(res.events_per_s);
    findings = res.findings;
  }
  std::sort(rates.begin(), rates.end());
  std::printf("%-46s median %9.0f events/s  (min %9.0f, max %9.0f; %zu findings per run)\n", name.c_str(),
              rates[rates.size() / 2], rates.front(), rates.back(), findings);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  siemhub::core::keep_freed_memory();  // as the hub does (core/memory.hpp)
  const std::size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 300'000;
  const int runs = argc > 2 ? std::atoi(argv[2]) : 5;
  if (argc > 3) g_only = argv[3];
  const auto raw = make_events(2 * n);
  const auto mix = rule_mix();
  std::printf("%zu events of %zu bytes (OCSF Authentication 3002) timed after %zu to fill the windows, median of %d runs\n",
              n, raw.front().size(), n, runs);

  std::printf("-- normalize + parse + rules, one core:\n");
  report("normalize + parse only (no rules)", runs, [&] { return full_path("", raw); });
  report("1 count rule", runs, [&] { return full_path(kOneCount, raw); });
  report("10 rules (mix)", runs, [&] { return full_path(first_rules(mix, 10), raw); });
  report("100 rules (mix)", runs, [&] { return full_path(first_rules(mix, 100), raw); });

  std::printf("-- rules only (parsed events), 1 and 2 workers:\n");
  const char* const cases[] = {"1 count rule", "100 rules (mix)", "1 on_event rule"};
  const char* const rules[] = {kOneCount, nullptr, kOneCustom};  // null: the mix
  std::vector<ocsf::Event> parsed;  // 600k events: parsed only when a rules-only case runs
  for (const unsigned w : {1u, 2u}) {
    const std::string suffix = w == 1 ? ", 1 worker" : ", 2 workers";
    for (std::size_t c = 0; c < std::size(cases); ++c) {
      const std::string name = cases[c] + suffix;
      if (!wanted(name)) continue;
      if (parsed.empty()) {
        parsed.reserve(raw.size());
        for (const auto& r : raw) parsed.push_back(ocsf::Event::parse(r));
      }
      const std::string text = rules[c] ? rules[c] : first_rules(mix, 100);
      report(name, runs, [&] { return rules_only(text, parsed, w); });
    }
  }
  return 0;
}
