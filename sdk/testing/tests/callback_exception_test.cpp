// Exceptions in C++ plugin callbacks (plugin.hpp): never swallowed. One escaping an HTTP
// completion, a timer or run_blocking work fails the op it works for at once, INTERNAL with the
// exception's text, logged with the op; the test kit and conformance report it. An op still
// pending after stop() is a violation. And the ABI 1.1 wrappers (outcome, has) on 1.1 and 1.0
// host tables.
#include <catch2/catch.hpp>

#include <siemhub/plugin.hpp>
#include <siemhub/testing/conformance.hpp>

#include <stdexcept>
#include <string>

using siemhub::sdk::descriptor_of;
using siemhub::testing::check_plugin;
using siemhub::testing::FakeHost;
using siemhub::testing::HttpReply;
using siemhub::testing::Instance;
using siemhub::testing::Plugin;
namespace sdk = siemhub::sdk;

namespace {

bool any_contains(const std::vector<std::string>& list, const std::string& needle) {
  for (const auto& s : list)
    if (s.find(needle) != std::string::npos) return true;
  return false;
}

// Its poll GETs a page and its HTTP completion throws (say, a vendor answer it cannot parse).
class ThrowingCompletion {
 public:
  static constexpr char id[] = "test.throwing-completion";
  static constexpr char version[] = "0.1.0";
  ThrowingCompletion(sdk::Host host, const nlohmann::json&) : host_(host) {}
  void poll(sdk::PullOp& op) {
    const sdk::PullOp later = op.defer();
    host_.http({"GET", "https://api.example.com/v1/events", {}, {}, 0, 0, {}},
               [later](const sdk::HttpResponse*, const sdk::Error*) {
                 throw std::runtime_error("unexpected token at offset 17");
               });
  }

 private:
  sdk::Host host_;
};

// Its poll waits on a timer whose callback throws; the second poll hands work to run_blocking
// that throws.
class ThrowingTimerAndWork {
 public:
  static constexpr char id[] = "test.throwing-timer";
  static constexpr char version[] = "0.1.0";
  ThrowingTimerAndWork(sdk::Host host, const nlohmann::json&) : host_(host) {}
  void poll(sdk::PullOp& op) {
    const sdk::PullOp later = op.defer();
    if (op.cursor().empty()) {
      host_.timer(100, false, [] { throw std::logic_error("timer state corrupt"); });
    } else {
      host_.run_blocking([] { throw std::runtime_error("vendor library failed"); },
                         [later, this] { done_ran_ = true; later.complete(); });
    }
  }
  bool done_ran_ = false;

 private:
  sdk::Host host_;
};

// Defers every poll and never completes it, not even when stopped.
class Forgetful {
 public:
  static constexpr char id[] = "test.forgetful";
  static constexpr char version[] = "0.1.0";
  Forgetful(sdk::Host, const nlohmann::json&) {}
  void poll(sdk::PullOp& op) { kept_.push_back(op.defer()); }

 private:
  std::vector<sdk::PullOp> kept_;
};

// Reports action outcomes (ABI 1.1) and says whether the host has the service.
class Reporter {
 public:
  static constexpr char id[] = "test.reporter";
  static constexpr char version[] = "0.1.0";
  static std::vector<sdk::ActionDef> actions() {
    sdk::ActionDef a;
    a.name = "isolate";
    a.params_schema = R"({"type":"object","properties":{"host":{"type":"string"}}})";
    a.target = sdk::Target::host;
    a.target_param = "host";
    a.ocsf_class_uid = SIEMHUB_OCSF_REMEDIATION_ACTIVITY;
    return {a};
  }
  Reporter(sdk::Host host, const nlohmann::json&) : host_(host) {}
  void execute(sdk::ActionOp& op, const sdk::ActionRequest&) { op.result({{"ok", true}}); }
  void status(sdk::ActionOp& op, const sdk::ActionRequest& req) {
    op.result({{"has_outcome_service", host_.has(&siemhub_host_api::op_set_action_outcome)}});
    reported_ = req.idempotency_key == "never" ? op.not_found() : op.outcome(sdk::Outcome::done);
  }
  static inline bool reported_ = false;

 private:
  sdk::Host host_;
};

// Action definitions with a bad, a misplaced and a good target.
struct Bad {
  static constexpr char id[] = "test.bad-target";
  static constexpr char version[] = "0.1.0";
  static std::vector<sdk::ActionDef> actions() {
    sdk::ActionDef unset;
    unset.name = "unset";
    sdk::ActionDef elsewhere;
    elsewhere.name = "elsewhere";
    elsewhere.target = sdk::Target::user;
    elsewhere.target_param = "user";
    elsewhere.ocsf_class_uid = SIEMHUB_OCSF_REMEDIATION_ACTIVITY;
    sdk::ActionDef good;
    good.name = "good";
    good.target = sdk::Target::none;
    good.ocsf_class_uid = SIEMHUB_OCSF_FILE_REMEDIATION_ACTIVITY;
    return {unset, elsewhere, good};
  }
  Bad(sdk::Host, const nlohmann::json&) {}
  void execute(sdk::ActionOp&, const sdk::ActionRequest&) {}
  void status(sdk::ActionOp&, const sdk::ActionRequest&) {}
};

siemhub::testing::ActionCall isolate(std::string key) {
  siemhub::testing::ActionCall c;
  c.action = "isolate";
  c.idempotency_key = std::move(key);
  return c;
}

}  // namespace

TEST_CASE("An HTTP completion that throws fails its poll at once with the text logged and the kit reports it") {
  FakeHost host;
  host.script(HttpReply::ok(R"({"items":[)"));
  auto plugin = Plugin::wrap(descriptor_of<ThrowingCompletion>());
  REQUIRE(plugin->init(host).ok());
  auto inst = Instance::create(*plugin, host, "{}");
  REQUIRE(inst);
  REQUIRE(inst->start().ok());
  auto& op = inst->poll();
  REQUIRE(op.pending());
  host.run_pending();  // delivers the completion: no clock advance, no deadline
  CHECK(op.done());
  CHECK_FALSE(op.threw);
  CHECK(op.category() == SIEMHUB_CAT_INTERNAL);
  CHECK(op.message() == "the HTTP completion threw: unexpected token at offset 17");
  CHECK(host.logged("exception in a callback: the HTTP completion of poll threw: unexpected token at offset 17 "
                    "(poll fails with INTERNAL)",
                    SIEMHUB_LOG_ERROR));
  REQUIRE(host.callback_exceptions().size() == 1);
  CHECK(any_contains(host.violations(), "exception in a plugin callback on " + op.instance +
                                            ": the HTTP completion of poll threw: unexpected token at offset 17"));
  CHECK(inst->stop().ok());
}

TEST_CASE("Conformance reports an exception thrown in an HTTP completion with its text") {
  auto plugin = Plugin::wrap(descriptor_of<ThrowingCompletion>());
  const auto report = check_plugin(*plugin, {});  // unscripted requests fail: the completion still throws
  const auto* c = report.find("ops.no_exception");
  REQUIRE(c != nullptr);
  CHECK_FALSE(c->pass);
  CHECK_THAT(c->reason, Catch::Contains("exception in a callback: the HTTP completion of poll threw: "
                                        "unexpected token at offset 17"));
  // The op itself failed at once and cleanly: not "never completed".
  const auto* once = report.find("ops.complete_once");
  REQUIRE(once != nullptr);
  CHECK(once->pass);
  CHECK_FALSE(report.find("host.contract") == nullptr);
  CHECK(report.find("host.contract")->pass);  // reported once, under ops.no_exception
}

TEST_CASE("A timer callback that throws fails the op that started it") {
  FakeHost host;
  auto plugin = Plugin::wrap(descriptor_of<ThrowingTimerAndWork>());
  REQUIRE(plugin->init(host).ok());
  auto inst = Instance::create(*plugin, host, "{}");
  REQUIRE(inst);
  auto& op = inst->poll();
  REQUIRE(op.pending());
  host.advance(100);
  CHECK(op.done());
  CHECK(op.category() == SIEMHUB_CAT_INTERNAL);
  CHECK(op.message() == "a timer callback threw: timer state corrupt");
  CHECK(host.logged("exception in a callback: a timer callback of poll threw: timer state corrupt", SIEMHUB_LOG_ERROR));
}

TEST_CASE("run_blocking work that throws fails its op and its completion does not run") {
  FakeHost host;
  auto plugin = Plugin::wrap(descriptor_of<ThrowingTimerAndWork>());
  REQUIRE(plugin->init(host).ok());
  auto inst = Instance::create(*plugin, host, "{}");
  REQUIRE(inst);
  auto& op = inst->poll(std::string("blocking"));
  REQUIRE(op.pending());
  host.run_pending();
  CHECK(op.done());
  CHECK(op.message() == "the run_blocking work threw: vendor library failed");
  CHECK(op.complete_calls == 1);
  CHECK(host.logged("the run_blocking work of poll threw: vendor library failed", SIEMHUB_LOG_ERROR));
}

TEST_CASE("An op still pending after stop is a violation of the test kit and of conformance") {
  {
    FakeHost host;
    auto plugin = Plugin::wrap(descriptor_of<Forgetful>());
    REQUIRE(plugin->init(host).ok());
    auto inst = Instance::create(*plugin, host, "{}");
    REQUIRE(inst);
    REQUIRE(inst->start().ok());
    auto& op = inst->poll();
    REQUIRE(op.pending());
    CHECK(host.violations().empty());  // pending while running is fine
    REQUIRE(inst->stop().ok());
    CHECK(any_contains(host.violations(), "poll op: still pending after stop()"));
    inst->stop();  // reported once
    CHECK(op.violations.size() == 1);
  }
  siemhub::testing::ConformanceOptions opt;
  opt.op_timeout_ms = 100;
  auto plugin = Plugin::wrap(descriptor_of<Forgetful>());
  const auto report = check_plugin(*plugin, opt);
  REQUIRE(report.find("ops.complete_once") != nullptr);
  CHECK_FALSE(report.find("ops.complete_once")->pass);
}

TEST_CASE("ActionOp outcome reaches a 1.1 host and is a no-op on a 1.0 host table") {
  FakeHost host;
  auto plugin = Plugin::wrap(descriptor_of<Reporter>());
  REQUIRE(plugin->init(host).ok());
  auto inst = Instance::create(*plugin, host, "{}");
  REQUIRE(inst);
  auto& done = inst->status(isolate("k1"));
  REQUIRE(done.succeeded());
  CHECK(Reporter::reported_);
  REQUIRE(done.action_outcome);
  CHECK(*done.action_outcome == SIEMHUB_ACTION_OUTCOME_DONE);
  CHECK(nlohmann::json::parse(*done.action_result)["has_outcome_service"] == true);
  auto& never = inst->status(isolate("never"));
  REQUIRE(never.action_outcome);
  CHECK(*never.action_outcome == SIEMHUB_ACTION_OUTCOME_NOT_FOUND);
  inst.reset();

  // The same plugin given a host table of the 1.0 size: the wrappers degrade, nothing breaks.
  siemhub_host_api old = *host.api();
  old.struct_size = static_cast<uint32_t>(SIEMHUB_HOST_API_SIZE_1_0);
  CHECK_FALSE(sdk::has_field(&old, &siemhub_host_api::op_set_action_outcome));
  CHECK(sdk::has_field(&old, &siemhub_host_api::report_health));
  CHECK(sdk::has_field(host.api(), &siemhub_host_api::op_set_action_outcome));
  siemhub_status st{};
  st.struct_size = sizeof st;
  REQUIRE(plugin->descriptor()->init(&old, &st) == SIEMHUB_RC_OK);
  auto inst10 = Instance::create(*plugin, host, "{}");
  REQUIRE(inst10);
  auto& op = inst10->status(isolate("k2"));
  REQUIRE(op.succeeded());
  CHECK_FALSE(Reporter::reported_);
  CHECK_FALSE(op.action_outcome);
  CHECK(nlohmann::json::parse(*op.action_result)["has_outcome_service"] == false);
  CHECK(host.violations().empty());
}

TEST_CASE("Conformance flags an action whose target is unset or outside its params schema") {
  const auto report = siemhub::testing::check_descriptor(descriptor_of<Bad>());
  REQUIRE(report.find("actions.unset") != nullptr);
  CHECK_FALSE(report.find("actions.unset")->pass);
  CHECK_THAT(report.find("actions.unset")->reason, Catch::Contains("target_kind 0 (unset)"));
  CHECK_FALSE(report.find("actions.elsewhere")->pass);
  CHECK_THAT(report.find("actions.elsewhere")->reason, Catch::Contains("target_param \"user\" is not a property"));
  CHECK(report.find("actions.good")->pass);
  CHECK_THAT(report.find("actions.good")->reason, Catch::Contains("target none, OCSF class 7002"));
}
