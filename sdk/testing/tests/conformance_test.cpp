// Tests of the loader and the conformance checks: good and deliberately bad plugins, in process
// (descriptors from plugin.hpp classes or hand-written C descriptors) and from files.
#include <catch2/catch.hpp>

#include <siemhub/plugin.hpp>
#include <siemhub/testing/conformance.hpp>

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>

using siemhub::testing::check_descriptor;
using siemhub::testing::check_plugin;
using siemhub::testing::FakeHost;
using siemhub::testing::Instance;
using siemhub::testing::Plugin;

namespace {

std::string failures(const siemhub::testing::ConformanceReport& r) {
  std::string s;
  for (const auto& c : r.checks)
    if (!c.pass) s += c.name + ": " + c.reason + "\n";
  return s;
}

bool failed(const siemhub::testing::ConformanceReport& r, const std::string& name) {
  const auto* c = r.find(name);
  return c != nullptr && !c->pass;
}

// A well-behaved pull source that defers each poll and completes it from a timer.
class DeferredSource {
 public:
  static constexpr char id[] = "test.deferred-source";
  static constexpr char version[] = "0.1.0";
  static constexpr const char* config_schema =
      R"({"type":"object","additionalProperties":false,"properties":{"n":{"type":"integer"}}})";
  struct Config {
    int n = 2;
    friend void from_json(const nlohmann::json& j, Config& c) {
      for (const auto& [k, v] : j.items())
        if (k != "n") throw siemhub::sdk::Error(siemhub::sdk::Category::config, "unknown key " + k);
      c.n = j.value("n", 2);
    }
  };
  DeferredSource(siemhub::sdk::Host host, Config c) : host_(host), n_(c.n) {}
  void poll(siemhub::sdk::PullOp& op) {
    auto later = op.defer();
    host_.timer(50, false, [later, n = n_] {
      std::vector<std::string> evs(static_cast<size_t>(n), R"({"class_uid":3002})");
      later.emit(evs);
      later.set_cursor(std::to_string(n));
      later.complete();
    });
  }

 private:
  siemhub::sdk::Host host_;
  int n_;
};

// Throws from a capability method: plugin.hpp must turn it into an error status.
class Thrower {
 public:
  static constexpr char id[] = "test.thrower";
  static constexpr char version[] = "0.1.0";
  Thrower(siemhub::sdk::Host, const nlohmann::json&) {}
  void poll(siemhub::sdk::PullOp&) { throw std::runtime_error("boom"); }
};

// Completes its deferred op twice.
class DoubleCompleter {
 public:
  static constexpr char id[] = "test.double";
  static constexpr char version[] = "0.1.0";
  DoubleCompleter(siemhub::sdk::Host, const nlohmann::json&) {}
  void write(siemhub::sdk::SinkOp& op, const siemhub::sdk::Batch& b) {
    auto later = op.defer();
    later.deliver(0, static_cast<uint32_t>(b.size()));
    later.complete();
    // plugin.hpp makes a second complete() a no-op, so go around it to the raw C call, as a
    // hand-written C plugin could.
    siemhub::sdk::detail::host_api()->op_complete(later.raw(), nullptr);
  }
};

// Ignores its config entirely, although the schema forbids unknown keys.
class Permissive {
 public:
  static constexpr char id[] = "test.permissive";
  static constexpr char version[] = "0.1.0";
  static constexpr const char* config_schema = R"({"type":"object","additionalProperties":false})";
  Permissive(siemhub::sdk::Host, const nlohmann::json&) {}
  void write(siemhub::sdk::SinkOp& op, const siemhub::sdk::Batch& b) { op.deliver(0, static_cast<uint32_t>(b.size())); }
};

using siemhub::sdk::descriptor_of;

// A hand-written C-style plugin whose poll lets a C++ exception cross the ABI boundary.
siemhub_rc raw_init(const siemhub_host_api*, siemhub_status*) { return SIEMHUB_RC_OK; }
siemhub_rc raw_create(siemhub_host_ctx*, const char* cfg, size_t, void** out, siemhub_status* st) {
  if (std::string(cfg).find("__not_a_key__") != std::string::npos) {
    st->category = SIEMHUB_CAT_CONFIG;
    std::snprintf(st->message, sizeof st->message, "unknown key");
    return SIEMHUB_RC_ERROR;
  }
  static int dummy;
  *out = &dummy;
  return SIEMHUB_RC_OK;
}
siemhub_rc raw_start(void*, siemhub_status*) { return SIEMHUB_RC_OK; }
siemhub_rc raw_stop(void*, int64_t, siemhub_status*) { return SIEMHUB_RC_OK; }
void raw_destroy(void*) {}
siemhub_rc raw_poll_throws(void*, siemhub_op*, const siemhub_poll_request*, siemhub_status*) {
  throw std::logic_error("escaped");
}
const siemhub_source_pull_vtable raw_pull{sizeof(siemhub_source_pull_vtable), 1000, &raw_poll_throws};

siemhub_plugin_descriptor raw_descriptor() {
  siemhub_plugin_descriptor d{};
  d.struct_size = sizeof d;
  d.abi_major = SIEMHUB_ABI_MAJOR;
  d.abi_minor = SIEMHUB_ABI_MINOR;
  d.id = "test.raw";
  d.version = "1.0.0";
  d.capabilities = SIEMHUB_CAP_SOURCE_PULL;
  d.config_schema = R"({"type":"object","additionalProperties":false})";
  d.ocsf_classes = "[]";
  d.init = &raw_init;
  d.create_instance = &raw_create;
  d.start = &raw_start;
  d.stop = &raw_stop;
  d.destroy_instance = &raw_destroy;
  d.source_pull = &raw_pull;
  return d;
}

}  // namespace

TEST_CASE("A well-behaved C++ plugin with deferred polls passes every conformance check") {
  auto plugin = Plugin::wrap(descriptor_of<DeferredSource>());
  const auto report = check_plugin(*plugin, {});
  INFO(failures(report));
  CHECK(report.passed());
  REQUIRE(report.find("ops.complete_once") != nullptr);
  CHECK(report.find("ops.complete_once")->reason.find("deferred") != std::string::npos);
  CHECK(report.find("lifecycle.invalid_config.wrong_type") != nullptr);
}

TEST_CASE("The loader drives a deferred poll to completion on the fake clock") {
  FakeHost host;
  auto plugin = Plugin::wrap(descriptor_of<DeferredSource>());
  REQUIRE(plugin->init(host).ok());
  siemhub::testing::CallResult cr;
  auto inst = Instance::create(*plugin, host, R"({"n":3})", &cr);
  REQUIRE(inst);
  REQUIRE(inst->start().ok());
  auto& op = inst->poll();
  CHECK(op.pending());
  host.advance(49);
  CHECK(op.pending());
  host.advance(1);
  CHECK(op.succeeded());
  CHECK(op.events.size() == 3);
  CHECK(op.cursor == "3");
  CHECK(op.complete_calls == 1);
  CHECK(inst->stop().ok());
}

TEST_CASE("A declared SINK with a NULL sink vtable is flagged") {
  siemhub_plugin_descriptor d = *descriptor_of<DeferredSource>();
  d.capabilities |= SIEMHUB_CAP_SINK;
  d.sink = nullptr;
  const auto report = check_descriptor(&d);
  CHECK(failed(report, "descriptor.sink"));
  CHECK(report.find("descriptor.sink")->reason.find("NULL") != std::string::npos);
  CHECK_FALSE(report.passed());

  auto plugin = Plugin::wrap(&d);  // the lifecycle still runs, without calling through NULL
  const auto full = check_plugin(*plugin, {});
  CHECK(failed(full, "descriptor.sink"));
  CHECK_FALSE(failed(full, "lifecycle.round1.poll"));
}

TEST_CASE("A vtable without its capability bit and a bad id version and schema are flagged") {
  siemhub_plugin_descriptor d = raw_descriptor();
  static const siemhub_sink_vtable sink{sizeof(siemhub_sink_vtable), 0, 0, nullptr};
  d.sink = &sink;
  d.id = "Bad Id";
  d.version = "";
  d.config_schema = R"({"type":"array")";
  d.ocsf_classes = R"(["3002"])";
  const auto report = check_descriptor(&d);
  CHECK(failed(report, "descriptor.sink"));
  CHECK(failed(report, "descriptor.id"));
  CHECK(failed(report, "descriptor.version"));
  CHECK(failed(report, "schema.config"));
  CHECK(failed(report, "schema.ocsf_classes"));
}

TEST_CASE("An action manifest with an unknown inverse and a broken params schema is flagged") {
  siemhub_plugin_descriptor d = raw_descriptor();
  static const siemhub_action_def contain{sizeof(siemhub_action_def), "contain", "Contain", "", "{}", "release", 0, 1000, 0,
                                          nullptr, SIEMHUB_TARGET_NONE, SIEMHUB_OCSF_REMEDIATION_ACTIVITY};
  static const siemhub_action_def broken{sizeof(siemhub_action_def), "broken", "", "", "{not json", nullptr, 0, 1000, 0,
                                         nullptr, SIEMHUB_TARGET_NONE, SIEMHUB_OCSF_REMEDIATION_ACTIVITY};
  static const siemhub_action_def* defs[] = {&contain, &broken};
  static const siemhub_action_vtable action{sizeof(siemhub_action_vtable), 2, defs,
                                            [](void*, siemhub_op*, const siemhub_action_request*, siemhub_status*) {
                                              return SIEMHUB_RC_OK;
                                            },
                                            [](void*, siemhub_op*, const siemhub_action_request*, siemhub_status*) {
                                              return SIEMHUB_RC_OK;
                                            }};
  d.capabilities |= SIEMHUB_CAP_ACTION;
  d.action = &action;
  const auto report = check_descriptor(&d);
  CHECK(failed(report, "actions.contain"));
  CHECK(report.find("actions.contain")->reason.find("inverse") != std::string::npos);
  CHECK(failed(report, "actions.broken"));
}

TEST_CASE("An exception thrown in a C++ plugin method becomes an INTERNAL error status") {
  FakeHost host;
  auto plugin = Plugin::wrap(descriptor_of<Thrower>());
  REQUIRE(plugin->init(host).ok());
  auto inst = Instance::create(*plugin, host, "{}");
  REQUIRE(inst);
  auto& op = inst->poll();
  CHECK_FALSE(op.threw);
  CHECK(op.rc == SIEMHUB_RC_ERROR);
  CHECK(op.category() == SIEMHUB_CAT_INTERNAL);
  CHECK(op.message() == "boom");

  const auto report = check_plugin(*plugin, {});
  CHECK_FALSE(failed(report, "lifecycle.round1.poll"));  // a clean failure is conformant
  CHECK_FALSE(failed(report, "ops.no_exception"));
}

TEST_CASE("An exception crossing the C boundary is caught at the call site and reported as a failure") {
  const siemhub_plugin_descriptor d = raw_descriptor();
  auto plugin = Plugin::wrap(&d);
  const auto report = check_plugin(*plugin, {});
  CHECK(failed(report, "lifecycle.round1.poll"));
  CHECK(failed(report, "ops.no_exception"));
  CHECK(report.find("ops.no_exception")->reason.find("escaped") != std::string::npos);
}

TEST_CASE("Completing a deferred op twice fails the exactly-once check") {
  auto plugin = Plugin::wrap(descriptor_of<DoubleCompleter>());
  const auto report = check_plugin(*plugin, {});
  CHECK(failed(report, "ops.complete_once"));
  CHECK(report.find("ops.complete_once")->reason.find("2 times") != std::string::npos);
}

TEST_CASE("A plugin that accepts a configuration its schema refuses fails the invalid config check") {
  auto plugin = Plugin::wrap(descriptor_of<Permissive>());
  const auto report = check_plugin(*plugin, {});
  CHECK(failed(report, "lifecycle.invalid_config.unknown_key"));
  CHECK_FALSE(failed(report, "lifecycle.round1.write"));
}

TEST_CASE("The in-tree build of the C example passes every check from its file") {
  siemhub::testing::ConformanceOptions opt;
  opt.config_json = R"({"batch_size": 5, "user": "bob"})";
  const auto report = siemhub::testing::check_file(SIEMHUB_TESTKIT_EXAMPLE_C, opt);
  INFO(failures(report));
  CHECK(report.passed());
  CHECK(report.find("elf.exports")->pass);
}

TEST_CASE("The C example resumes from the cursor it is given") {
  FakeHost host;
  std::string err;
  auto plugin = Plugin::load(SIEMHUB_TESTKIT_EXAMPLE_C, &err);
  REQUIRE(plugin);
  REQUIRE(plugin->init(host).ok());
  auto inst = Instance::create(*plugin, host, R"({"batch_size": 3, "user": "carol"})");
  REQUIRE(inst);
  auto& op = inst->poll(std::string("41"));
  REQUIRE(op.succeeded());
  REQUIRE(op.events.size() == 3);
  CHECK(nlohmann::json::parse(op.events[0])["metadata"]["sequence"] == 41);
  CHECK(nlohmann::json::parse(op.events[2])["user"]["name"] == "carol");
  CHECK(op.cursor == "44");
  CHECK(host.metric_value("counter_events_total") == 3);
}

TEST_CASE("The C++ sink example delivers JSON objects and rejects other events") {
  const std::string path = std::string(SIEMHUB_TESTKIT_EXAMPLE_SINK) + ".test-output.ndjson";
  std::remove(path.c_str());
  FakeHost host;
  std::string err;
  auto plugin = Plugin::load(SIEMHUB_TESTKIT_EXAMPLE_SINK, &err);
  REQUIRE(plugin);
  REQUIRE(plugin->init(host).ok());
  auto inst = Instance::create(*plugin, host, nlohmann::json{{"path", path}}.dump());
  REQUIRE(inst);
  REQUIRE(inst->start().ok());
  auto& op = inst->write({R"({"class_uid":3002})", R"([1,2])", "not json"});
  CHECK(op.pending());
  REQUIRE(inst->wait(op));
  CHECK(op.succeeded());
  CHECK(op.results[0].outcome == SIEMHUB_OUTCOME_DELIVERED);
  CHECK(op.results[1].outcome == SIEMHUB_OUTCOME_REJECTED);
  CHECK(op.results[2].outcome == SIEMHUB_OUTCOME_REJECTED);
  CHECK(op.results[1].reason == "not a JSON object");
  std::ifstream in(path);
  std::string line, all;
  while (std::getline(in, line)) all += line + "\n";
  CHECK(all == "{\"class_uid\":3002}\n");
  const auto h = inst->health();
  REQUIRE(h);
  CHECK(h->state == SIEMHUB_HEALTH_OK);
  CHECK(inst->stop().ok());
  std::remove(path.c_str());
}
