// Issue 13, failure 3: the 20 hostile rule files of tests/data/lua/hostile/ loaded into the real
// `siemhub run` beside a native and a Lua control rule. The controls produce every finding across
// a SIGTERM restart, each hostile rule is quarantined with its own reason, and SIGTERM exits
// within the drain time plus 5 s.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <map>
#include <set>

#include "fakes/temp_dir.hpp"
#include "integration/process.hpp"

using namespace siemhub::testing;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// What each hostile file's quarantine reason says, besides its own file name.
const std::map<std::string, std::string> kHostile = {
    {"state_hoarder", "memory limit exceeded"},
    {"endless_loop", "instruction budget exceeded"},
    {"alternating", "fails on every other event"},
    {"huge_string", "memory limit exceeded"},
    {"print_flood", "instruction budget exceeded"},
    {"deep_recursion", ""},  // a stack overflow or the memory cap, whichever comes first
    {"pattern_bomb", "pattern too complex"},
    {"emit_flood", "ctx.emit calls in one on_event call"},
    {"huge_emit", "ctx.emit payload"},
    {"state_key_bloat", "memory limit exceeded"},
    {"global_write", "read-only"},
    {"error_table", "error object is a table value"},
    {"state_function", "function value"},
    {"where_loop", "instruction budget exceeded"},
    {"having_error", "having fails"},
    {"metatable_tamper", "index a boolean value"},
    {"bytecode_load", "binary chunk"},
    {"gc_finalizer", "__gc"},
    {"gsub_amplify", "memory limit exceeded"},
    {"unpack_bomb", "too many results"},
};

// The native control fires on every 2nd failure of a user, the Lua control on every 3rd: with 10
// users and 18 failures each, 90 + 60 = 150 findings.
const char* kNativeControl = R"(
rule { id = "control.native", from = { class_uid = 3002, status_id = 2 }, by = { "user.name" },
       window = { span = "1h" }, count = { gte = 2 } }
)";
const char* kLuaControl = R"(
rule { id = "control.lua", from = { class_uid = 3002, status_id = 2 }, by = { "user.name" },
  on_event = function(e, ctx)
    local s = ctx.state
    s.n = (s.n or 0) + 1
    s.last = e["src_endpoint.ip"] .. "/" .. tostring(ctx.now)
    if s.n % 3 == 0 then ctx.emit { message = "third failure of " .. ctx.by["user.name"] } end
  end }
)";
constexpr size_t kUsers = 10, kPerUser = 18, kEvents = kUsers * kPerUser;
constexpr size_t kNativeFindings = kUsers * (kPerUser / 2), kLuaFindings = kUsers * (kPerUser / 3);

std::string failures(size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < to; ++i)
    out += R"({"class_uid":3002,"category_uid":3,"activity_id":1,"type_uid":300201,"severity_id":3,"status_id":2,"time":)" +
           std::to_string(1700000000000 + static_cast<int64_t>(i) * 1000) + R"(,"user":{"name":"u)" +
           std::to_string(i % kUsers) + R"("},"src_endpoint":{"ip":"10.0.0.)" + std::to_string(i % kUsers) +
           R"("},"metadata":{"product":{"name":"hostile test"},"version":"1.8.0","uid":"h)" + std::to_string(i) +
           "\"}}\n";
  return out;
}

void write(const fs::path& p, const std::string& text, std::ios::openmode mode = std::ios::trunc) {
  std::ofstream(p, std::ios::binary | mode) << text;
}

// finding uid -> rule id, and how many lines were findings.
struct Findings {
  std::map<std::string, std::string> by_uid;
  size_t lines = 0;
  size_t of(const std::string& rule) const {
    size_t n = 0;
    for (const auto& [uid, r] : by_uid) n += r == rule;
    return n;
  }
};

Findings read_findings(const fs::path& p) {
  Findings f;
  std::istringstream in(read_file(p));
  for (std::string l; std::getline(in, l);) {
    const json j = json::parse(l, nullptr, false);
    if (!j.is_object() || j.value("class_uid", 0) != 2004) continue;
    ++f.lines;
    f.by_uid[j.at("finding_info").at("uid").get<std::string>()] =
        j.at("finding_info").at("analytic").at("uid").get<std::string>();
  }
  return f;
}

std::map<std::string, json> rule_status(const fs::path& dir, const fs::path& data) {
  std::map<std::string, json> out;
  const auto st = run_siemhub({"status", "--json", "-d", data.string()}, dir);
  if (st.code != 0) return out;
  const json status = json::parse(st.out, nullptr, false);
  if (!status.is_object() || !status.contains("rules")) return out;
  for (const auto& r : status.at("rules")) out[r.at("id").get<std::string>()] = r;
  return out;
}

bool all_hostile_quarantined(const std::map<std::string, json>& rules) {
  for (const auto& [name, text] : kHostile) {
    const auto it = rules.find("hostile." + name);
    if (it == rules.end() || !it->second.value("quarantined", false)) return false;
  }
  return true;
}

// SIGTERM, then how long the hub took to exit (it must exit 0).
std::chrono::milliseconds stop(Process& hub) {
  const auto t0 = std::chrono::steady_clock::now();
  hub.signal(SIGTERM);
  const int code = hub.wait(std::chrono::seconds(30));
  INFO(hub.err());
  CHECK(code == 0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
}

}  // namespace

TEST_CASE("with 20 hostile rules beside a native and a Lua control rule both controls produce 150 of 150 findings "
          "across a restart and each hostile rule is quarantined with its own reason",
          "[correlation][hostile]") {
  TempDir dir;
  const fs::path in = dir / "in.ndjson", out = dir / "out.ndjson", data = dir / "data";
  fs::create_directories(dir / "rules");
  for (const auto& [name, text] : kHostile)
    fs::copy_file(fs::path(SIEMHUB_HOSTILE_RULES_DIR) / (name + ".lua"), dir / "rules" / (name + ".lua"));
  REQUIRE(kHostile.size() == 20);
  write(dir / "rules" / "control_native.lua", kNativeControl);
  write(dir / "rules" / "control_lua.lua", kLuaControl);
  write(dir / "hub.yaml", "data_dir: data\nlimits: {checkpoint_interval_ms: 100}\n"
                          "rules:\n  dirs: [rules]\n  workers: 2\n  quarantine_after: 3\n"
                          "  instruction_budget: 100000\n  memory_limit_bytes: 4194304\n"
                          "connectors:\n  in:\n    plugin: file\n    config: {path: " + in.string() +
                          "}\n  out:\n    plugin: file\n    config: {path: " + out.string() +
                          "}\nroutes:\n  - from: [in, correlate]\n    to: [out]\n");
  constexpr int64_t kDrainMs = 2000;
  const std::vector<std::string> run = {siemhub_binary().string(), "run", "-c", (dir / "hub.yaml").string(),
                                        "--summary-every", "0", "--drain-ms", std::to_string(kDrainMs)};
  const auto bound = std::chrono::milliseconds(kDrainMs + 5000);

  // The first half: 9 failures per user (4 native and 3 Lua findings each).
  write(in, failures(0, kEvents / 2));
  {
    Process hub(run, dir.path());
    const size_t expected = kUsers * (kPerUser / 2 / 2) + kUsers * (kPerUser / 2 / 3);
    std::map<std::string, json> rules;
    const bool done = eventually(
        [&] {
          if (read_findings(out).by_uid.size() < expected) return false;
          rules = rule_status(dir.path(), data);
          return all_hostile_quarantined(rules);
        },
        std::chrono::seconds(30));
    INFO(hub.err());
    REQUIRE(done);
    for (const auto& [name, text] : kHostile) {
      const std::string reason = rules["hostile." + name].value("quarantine_reason", "");
      INFO(name << ": " << reason);
      CHECK_THAT(reason, Catch::Contains(name + ".lua:") && Catch::Contains(text));
      CHECK(rules["hostile." + name].value("findings", -1) == 0);
    }
    CHECK(rules["control.native"].value("quarantined", true) == false);
    CHECK(rules["control.lua"].value("quarantined", true) == false);
    CHECK(rules["control.lua"].value("faults", -1) == 0);
    const auto text = run_siemhub({"status", "-d", data.string()}, dir.path());
    CHECK_THAT(text.out, Catch::Contains("hostile.huge_emit: quarantined: ") && Catch::Contains("QUARANTINED"));
    const std::string log = hub.err();
    // Fault lines are paced: at most a couple per rule and worker, however many faults there were.
    size_t fault_lines = 0;
    for (size_t at = log.find("fault: "); at != std::string::npos; at = log.find("fault: ", at + 1)) ++fault_lines;
    CHECK(fault_lines <= 2 * 2 * kHostile.size());
    CHECK(log.size() < (1u << 20));  // the print flood did not reach the log
    CHECK(stop(hub) < bound);
  }

  // The rest after a restart: the controls' windows and ctx.state came back with the checkpoint.
  write(in, failures(kEvents / 2, kEvents), std::ios::app);
  Process hub(run, dir.path());
  const bool done = eventually([&] { return read_findings(out).by_uid.size() >= kNativeFindings + kLuaFindings; },
                               std::chrono::seconds(30));
  INFO(hub.err());
  CHECK(done);
  CHECK(eventually([&] { return all_hostile_quarantined(rule_status(dir.path(), data)); }, std::chrono::seconds(20)));
  CHECK(stop(hub) < bound);
  const Findings f = read_findings(out);
  CHECK(f.of("control.native") == kNativeFindings);
  CHECK(f.of("control.lua") == kLuaFindings);
  CHECK(f.by_uid.size() == kNativeFindings + kLuaFindings);  // nothing from a hostile rule
  CHECK(f.lines == f.by_uid.size());                        // and nothing twice
}
