// Throughput of the Lua correlation engine on one core: one `count` rule, then 100 rules of which
// the class_uid pre-filter leaves 20 per event (native match tables, no Lua on the hot path),
// then one custom on_event rule (a Lua call per event). Prints events/s.
#include "lua/engine.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

using namespace siemhub;

namespace {

std::vector<std::string> make_events(std::size_t n) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) {
    nlohmann::json e = {{"class_uid", 3002}, {"category_uid", 3}, {"activity_id", 1}, {"type_uid", 300201},
                        {"severity_id", 1}, {"time", 1767225600000 + static_cast<std::int64_t>(i) * 10},
                        {"status_id", i % 7 == 0 ? 1 : 2}, {"user", {{"name", "u" + std::to_string(i % 5000)}}},
                        {"src_endpoint", {{"ip", "10.0." + std::to_string(i % 200) + ".1"}}},
                        {"metadata", {{"product", {{"name", "bench"}}}, {"version", "1.8.0"}, {"uid", std::to_string(i)}}}};
    out.push_back(e.dump());
  }
  return out;
}

void run(const char* name, const std::string& rules, const std::vector<std::string>& texts) {
  std::string error;
  auto engine = lua::Engine::load(std::vector<lua::Source>{{"bench.lua", rules, {}}}, {}, &error);
  if (!engine) {
    std::fprintf(stderr, "%s: %s\n", name, error.c_str());
    return;
  }
  ocsf::Batch batch;
  std::size_t findings = 0;
  double seconds = 0;
  for (std::size_t start = 0; start < texts.size(); start += 1000) {
    batch.clear();
    for (std::size_t i = start; i < start + 1000 && i < texts.size(); ++i) batch.add(texts[i]);
    std::vector<lua::EventRef> refs;
    for (const auto& e : batch) refs.push_back({&e, "id"});
    const auto t0 = std::chrono::steady_clock::now();
    findings += engine->process(refs).size();
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  std::printf("%-28s %9.0f events/s  (%zu events, %zu findings)\n", name, static_cast<double>(texts.size()) / seconds, texts.size(), findings);
}

}  // namespace

int main() {
  const auto texts = make_events(300'000);
  run("one count rule, no fires", R"(rule { id = "c", from = { class_uid = 3002, status_id = 2 },
    by = { "user.name" }, window = { span = "10m" }, count = { gte = 50 } })", texts);
  run("one count rule, 1 fire/12 ev", R"(rule { id = "c", from = { class_uid = 3002, status_id = 2 }, by = { "user.name" },
    window = { span = "10m" }, count = { gte = 10 } })", texts);
  std::string many;
  for (int i = 0; i < 100; ++i)
    many += "rule { id = \"r" + std::to_string(i) + "\", from = { class_uid = " + std::to_string(3001 + i % 5) +
            ", [\"user.name|startswith\"] = \"u" + std::to_string(i) + "\" }, by = { \"src_endpoint.ip\" }, " +
            "window = { span = \"5m\" }, count = { gte = 1000 } }\n";
  run("100 rules (20 per class)", many, texts);
  run("one on_event rule", R"(rule { id = "l", from = { class_uid = 3002 }, by = { "user.name" },
    on_event = function(e, ctx) local s = ctx.state; s.n = (s.n or 0) + 1
      if e.status_id == 1 and s.n > 100 then s.n = 0 end end })", texts);
  return 0;
}
