// `siemhub action list|run|status` against a real `siemhub run` hosting the test action plugin
// (tests/plugins/action_plugin.cpp: test.actions, a fake firewall plus fail/throw/hang actions).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <sstream>

#include "integration/process.hpp"
#include "unit/plugins/test_dirs.hpp"

using namespace siemhub::testing;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// A hub running generator -> file plus connector `fw` of the test action plugin (in no route).
struct ActionHub {
  TempDir dir;
  fs::path data = dir / "data";
  std::unique_ptr<Process> hub;

  ActionHub() {
    const fs::path plugins = dir / "plugins";
    fs::create_directories(plugins);
    fs::permissions(plugins, fs::perms(0755));
    install_test_plugin(plugins, "actions");
    const fs::path cfg = dir / "hub.yaml";
    std::ofstream(cfg) << "data_dir: " << data.string() << "\n"
                       << "plugins:\n  dirs: [" << plugins.string() << "]\n"
                       << "connectors:\n"
                          "  gen:\n"
                          "    plugin: generator\n"
                          "    config: {seed: 1, batch_size: 5, interval_ms: 200}\n"
                          "  out:\n"
                          "    plugin: file\n"
                          "    config: {path: " << (dir / "out.ndjson").string() << "}\n"
                       << "  fw:\n"
                          "    plugin: test.actions\n"
                          "    http: {egress_allow: [\"127.0.0.1:*\"]}\n"
                          "routes:\n"
                          "  - from: [gen]\n"
                          "    to: [out]\n";
    hub = std::make_unique<Process>(
        std::vector<std::string>{siemhub_binary().string(), "run", "-c", cfg.string(), "--summary-every", "0"},
        dir.path());
    const bool ready = eventually([&] { return run({"status"}).code == 0; }, std::chrono::seconds(20));
    if (!ready) FAIL("the hub did not start: " << hub->err());
  }
  ~ActionHub() {
    hub->signal(SIGTERM);
    hub->wait(std::chrono::seconds(20));
  }

  // `siemhub ARGS... -d DATA`.
  RunResult run(std::vector<std::string> args) const {
    args.push_back("-d");
    args.push_back(data.string());
    return run_siemhub(args, dir.path());
  }
  RunResult action(std::vector<std::string> args) const {
    args.insert(args.begin(), "action");
    return run(std::move(args));
  }
};

json parse(const std::string& text) {
  const json j = json::parse(text, nullptr, false);
  INFO(text);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

const std::string kIp = R"({"ip":"10.9.8.7"})";

}  // namespace

TEST_CASE("action list shows every action of the plugin with its flags and timeout", "[action]") {
  ActionHub h;
  const auto text = h.action({"list"});
  INFO(text.err);
  REQUIRE(text.code == 0);
  CHECK_THAT(text.out, Catch::Contains("CONNECTOR") && Catch::Contains("unblock_ip") &&
                           Catch::Contains("idempotent,simulate,destructive") && Catch::Contains("300 ms"));
  const auto listed = h.action({"list", "--json"});
  REQUIRE(listed.code == 0);
  const json j = parse(listed.out);
  REQUIRE(j["connectors"].size() == 1);
  const json& fw = j["connectors"][0];
  CHECK(fw["connector"] == "fw");
  CHECK(fw["plugin"] == "test.actions");
  std::vector<std::string> names;
  for (const auto& a : fw["actions"]) names.push_back(a["name"].get<std::string>());
  CHECK(names == std::vector<std::string>{"block_ip", "unblock_ip", "fail", "throw", "hang", "throw_in_completion"});
  const json& block = fw["actions"][0];
  CHECK(block["flags"] == json({"idempotent", "simulate", "destructive"}));
  CHECK(block["inverse"] == "unblock_ip");
  CHECK(block["timeout_ms"] == 2000);
  CHECK(block["params_schema"]["required"] == json({"ip"}));
  CHECK(fw["actions"][4]["timeout_ms"] == 300);
  CHECK(fw["actions"][1]["inverse"].is_null());
}

TEST_CASE("action list shows each action's target kind and parameter and its OCSF class", "[action][abi11]") {
  ActionHub h;
  const auto listed = h.action({"list", "--json"});
  REQUIRE(listed.code == 0);
  const json list = parse(listed.out);
  const json& actions = list["connectors"][0]["actions"];
  CHECK(actions[0]["target"] == json({{"kind", "ip"}, {"param", "ip"}}));
  CHECK(actions[0]["ocsf_class_uid"] == 7004);
  CHECK(actions[2]["target"] == json({{"kind", "none"}, {"param", nullptr}}));
  CHECK(actions[2]["ocsf_class_uid"] == 7001);
  CHECK(actions[5]["target"] == json({{"kind", "url"}, {"param", "url"}}));
  const auto text = h.action({"list"});
  REQUIRE(text.code == 0);
  CHECK_THAT(text.out, Catch::Contains("TARGET") && Catch::Contains("CLASS") && Catch::Contains("ip:ip") &&
                           Catch::Contains("7004") && Catch::Contains("url:url"));
}

TEST_CASE("status reports outcome done for a key that acted and not_found for one that never did", "[action][abi11]") {
  ActionHub h;
  REQUIRE(h.action({"run", "fw", "block_ip", "--params", kIp, "--idempotency-key", "o-1", "--yes"}).code == 0);
  const auto done = h.action({"status", "fw", "block_ip", "--idempotency-key", "o-1", "--json"});
  INFO(done.err);
  REQUIRE(done.code == 0);
  CHECK(parse(done.out)["outcome"] == "done");
  const auto plain = h.action({"status", "fw", "block_ip", "--idempotency-key", "o-1"});
  CHECK_THAT(plain.err, Catch::Contains("ok: fw/block_ip status, outcome done in"));

  const auto never = h.action({"status", "fw", "block_ip", "--idempotency-key", "never-ran", "--json"});
  REQUIRE(never.code == 0);
  const json answer = parse(never.out);
  CHECK(answer["ok"] == true);
  CHECK(answer["outcome"] == "not_found");
  CHECK(answer["result"]["state"] == "unknown");
  REQUIRE(eventually([&] { return h.hub->err().find("idempotency_key=never-ran: ok (outcome not_found)") != std::string::npos; },
                     std::chrono::seconds(5)));
}

TEST_CASE("an action whose HTTP completion throws fails at once with the exception's text in the hub log", "[action][abi11]") {
  ActionHub h;
  // Nothing listens on port 1: the request fails at once and the plugin's completion throws.
  const auto r = h.action({"run", "fw", "throw_in_completion", "--params", R"({"url":"http://127.0.0.1:1/"})", "--json"});
  INFO(r.err);
  CHECK(r.code == kExitFailure);
  const json answer = parse(r.out);
  CHECK(answer["error"]["category"] == "internal");
  CHECK(answer["error"]["message"] == "the HTTP completion threw: the firewall answer could not be parsed");
  CHECK(answer["elapsed_ms"].get<int64_t>() < 4000);  // not at the 5 s deadline
  REQUIRE(eventually([&] { return h.hub->err().find("exception in a callback") != std::string::npos; },
                     std::chrono::seconds(5)));
  // One JSON line: level error, the plugin's connector, the op and the text.
  std::string line;
  std::istringstream lines(h.hub->err());
  while (std::getline(lines, line) && line.find("exception in a callback") == std::string::npos) {
  }
  const json rec = parse(line);
  CHECK(rec["level"] == "error");
  CHECK(rec["connector"] == "fw");
  CHECK(rec["msg"] == "exception in a callback: the HTTP completion of execute threw: the firewall answer "
                      "could not be parsed (execute fails with INTERNAL)");
  CHECK(h.run({"status"}).code == 0);
}

TEST_CASE("a block is reflected by status and undone by its inverse given the block's result as prior", "[action]") {
  ActionHub h;
  const auto blocked = h.action({"run", "fw", "block_ip", "--params", kIp, "--idempotency-key", "k-1", "--yes"});
  INFO(blocked.err);
  REQUIRE(blocked.code == 0);
  const json result = parse(blocked.out);
  CHECK(result["ip"] == "10.9.8.7");
  CHECK(result["blocked"] == true);
  CHECK_THAT(blocked.err, Catch::Contains("ok: fw/block_ip") && Catch::Contains("idempotency key k-1"));

  auto status = h.action({"status", "fw", "block_ip", "--idempotency-key", "k-1"});
  INFO(status.err);
  REQUIRE(status.code == 0);
  CHECK(parse(status.out)["state"] == "blocked");

  const auto undone = h.action({"run", "fw", "unblock_ip", "--prior", blocked.out});
  INFO(undone.err);
  REQUIRE(undone.code == 0);
  CHECK(parse(undone.out)["rule_id"] == result["rule_id"]);

  status = h.action({"status", "fw", "block_ip", "--idempotency-key", "k-1", "--json"});
  REQUIRE(status.code == 0);
  const json answer = parse(status.out);
  CHECK(answer["ok"] == true);
  CHECK(answer["result"]["state"] == "unblocked");
  CHECK(answer["idempotency_key"] == "k-1");
}

TEST_CASE("a simulated block changes nothing and needs no confirmation", "[action]") {
  ActionHub h;
  const auto sim = h.action({"run", "fw", "block_ip", "--params", kIp, "--simulate", "--json"});
  INFO(sim.err);
  REQUIRE(sim.code == 0);
  const json answer = parse(sim.out);
  CHECK(answer["ok"] == true);
  CHECK(answer["simulate"] == true);
  CHECK(answer["result"]["simulated"] == true);
  const std::string key = answer["idempotency_key"];
  CHECK(key.size() == 32);  // 128 random bits, hex
  const auto status = h.action({"status", "fw", "block_ip", "--idempotency-key", key});
  REQUIRE(status.code == 0);
  CHECK(parse(status.out)["state"] == "unknown");
  // The first real block after the simulation is rule 1: the simulation took no rule.
  const auto real = h.action({"run", "fw", "block_ip", "--params", kIp, "--yes"});
  REQUIRE(real.code == 0);
  CHECK(parse(real.out)["rule_id"] == "rule-1");
}

TEST_CASE("the same idempotency key replays the first result instead of blocking twice", "[action]") {
  ActionHub h;
  const auto first = h.action({"run", "fw", "block_ip", "--params", kIp, "--idempotency-key", "same", "--yes"});
  REQUIRE(first.code == 0);
  const auto again = h.action({"run", "fw", "block_ip", "--params", kIp, "--idempotency-key", "same", "--yes"});
  REQUIRE(again.code == 0);
  CHECK(parse(again.out) == parse(first.out));
  const auto other = h.action({"run", "fw", "block_ip", "--params", kIp, "--idempotency-key", "other", "--yes"});
  REQUIRE(other.code == 0);
  CHECK(parse(first.out)["rule_id"] == "rule-1");
  CHECK(parse(other.out)["rule_id"] == "rule-2");
}

TEST_CASE("unknown connectors and actions and invalid params exit 2 with the reason", "[action]") {
  ActionHub h;
  auto r = h.action({"run", "nope", "block_ip", "--params", kIp});
  CHECK(r.code == kExitUsage);
  CHECK_THAT(r.err, Catch::Contains("no connector named 'nope'") && Catch::Contains("fw"));

  r = h.action({"run", "fw", "nuke", "--params", kIp});
  CHECK(r.code == kExitUsage);
  CHECK_THAT(r.err, Catch::Contains("no action 'nuke'") && Catch::Contains("block_ip, unblock_ip"));

  r = h.action({"run", "gen", "block_ip"});
  CHECK(r.code == kExitUsage);
  CHECK_THAT(r.err, Catch::Contains("connector gen (plugin generator) has no actions"));

  r = h.action({"run", "fw", "block_ip", "--params", R"({"ip":"not-an-ip"})", "--yes"});
  CHECK(r.code == kExitUsage);
  CHECK_THAT(r.err, Catch::Contains("invalid params") && Catch::Contains("params.ip"));

  r = h.action({"run", "fw", "block_ip", "--params", "{}", "--yes"});
  CHECK(r.code == kExitUsage);
  CHECK_THAT(r.err, Catch::Contains("missing required key 'ip'"));

  r = h.action({"run", "fw", "block_ip", "--params", "{\"ip\":", "--yes"});
  CHECK(r.code == kExitUsage);
  CHECK_THAT(r.err, Catch::Contains("--params: not valid JSON"));

  r = h.action({"run", "fw", "fail", "--simulate"});
  CHECK(r.code == kExitUsage);
  CHECK_THAT(r.err, Catch::Contains("does not support simulate"));
}

TEST_CASE("a destructive action without --yes is refused with exit 2 and nothing is blocked", "[action]") {
  ActionHub h;
  const auto r = h.action({"run", "fw", "block_ip", "--params", kIp, "--idempotency-key", "k-9"});
  CHECK(r.code == kExitUsage);
  CHECK_THAT(r.err, Catch::Contains("action block_ip is destructive: pass --yes"));
  const auto status = h.action({"status", "fw", "block_ip", "--idempotency-key", "k-9"});
  REQUIRE(status.code == 0);
  CHECK(parse(status.out)["state"] == "unknown");
}

TEST_CASE("an action that fails or throws exits 1 with its category and message and the hub stays up", "[action]") {
  ActionHub h;
  auto r = h.action({"run", "fw", "fail"});
  CHECK(r.code == kExitFailure);
  CHECK_THAT(r.err, Catch::Contains("fw/fail failed: auth (code 401): the firewall refused the API key"));

  r = h.action({"run", "fw", "fail", "--json"});
  CHECK(r.code == kExitFailure);
  const json answer = parse(r.out);
  CHECK(answer["ok"] == false);
  CHECK(answer["error"]["category"] == "auth");
  CHECK(answer["error"]["code"] == 401);

  r = h.action({"run", "fw", "throw"});
  CHECK(r.code == kExitFailure);
  CHECK_THAT(r.err, Catch::Contains("internal") && Catch::Contains("the firewall client crashed"));

  CHECK(h.run({"status"}).code == 0);
  CHECK(h.action({"run", "fw", "block_ip", "--params", kIp, "--yes"}).code == 0);
}

TEST_CASE("a hanging action is answered with a timeout at its deadline and the hub stays up", "[action]") {
  ActionHub h;
  const auto started = std::chrono::steady_clock::now();
  const auto r = h.action({"run", "fw", "hang", "--json"});
  const auto took = std::chrono::steady_clock::now() - started;
  INFO(r.err);
  CHECK(r.code == kExitFailure);
  const json answer = parse(r.out);
  CHECK(answer["error"]["category"] == "timeout");
  CHECK(answer["error"]["message"] == "action hang did not complete within its deadline of 300 ms");
  CHECK(answer["elapsed_ms"].get<int64_t>() >= 300);
  CHECK(answer["elapsed_ms"].get<int64_t>() < 1500);
  CHECK(took >= std::chrono::milliseconds(300));
  CHECK(took < std::chrono::seconds(5));  // the CLI's own start and connection included

  CHECK(h.run({"status"}).code == 0);
  CHECK(h.action({"run", "fw", "block_ip", "--params", kIp, "--yes"}).code == 0);
}

TEST_CASE("the hub logs one line per action call without its params or result", "[action]") {
  ActionHub h;
  REQUIRE(h.action({"run", "fw", "block_ip", "--params", kIp, "--idempotency-key", "log-1", "--yes"}).code == 0);
  REQUIRE(h.action({"run", "fw", "fail"}).code == kExitFailure);
  REQUIRE(eventually([&] { return h.hub->err().find("action execute fail") != std::string::npos; },
                     std::chrono::seconds(5)));
  const std::string log = h.hub->err();
  CHECK_THAT(log, Catch::Contains("action execute block_ip idempotency_key=log-1: ok in"));
  CHECK_THAT(log, Catch::Contains("failed (auth 401)"));
  CHECK_THAT(log, !Catch::Contains("10.9.8.7") && !Catch::Contains("rule-1"));
}

TEST_CASE("the action commands exit 1 when no hub runs on the data directory", "[action]") {
  TempDir dir;
  const auto r = run_siemhub({"action", "list", "-d", (dir / "none").string()}, dir.path());
  CHECK(r.code == kExitFailure);
  CHECK_THAT(r.err, Catch::Contains("no hub is running"));
}
