// siemhub SDK test kit — the script.* conformance checks: a pull source's success path on
// scripted HTTP exchanges (conformance.hpp, http_script.hpp).
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "siemhub/testing/conformance.hpp"

namespace siemhub::testing {

namespace {

std::string clip(std::string s, size_t n = 160) {
  if (s.size() > n) s = s.substr(0, n) + "...";
  return s;
}

std::string first_of(const std::vector<std::string>& v) {
  return v.empty() ? std::string() : clip(v.front(), 300) + (v.size() > 1 ? " (+" + std::to_string(v.size() - 1) + " more)" : "");
}

}  // namespace

ConformanceReport check_script(Plugin& plugin, const HttpScript& script, const ConformanceOptions& options) {
  ConformanceReport report;
  auto add = [&](std::string name, bool pass, std::string reason) {
    Check c{std::move(name), pass, std::move(reason)};
    if (options.on_check) options.on_check(c);
    report.checks.push_back(std::move(c));
  };
  auto phase = [&](const std::string& p) {
    if (options.on_phase) options.on_phase(p);
  };
  const siemhub_plugin_descriptor* d = plugin.descriptor();
  if (d == nullptr || (d->capabilities & SIEMHUB_CAP_SOURCE_PULL) == 0 || d->source_pull == nullptr ||
      d->source_pull->poll == nullptr) {
    add("script", false, "a scripted run needs a pull source: the plugin has no source_pull capability with a poll");
    return report;
  }

  FakeHost host;
  ScriptedHttp http(host, script);
  phase("script.init");
  CallResult r = plugin.init(host);
  add("script.init", r.ok(), r.describe());
  if (!r.ok()) return report;

  auto open = [&](const std::string& name) -> std::unique_ptr<Instance> {
    phase("script.create");
    auto inst = Instance::create(plugin, host, options.config_json, &r, name);
    if (!inst) {
      add("script.create", false, "create_instance failed: " + r.describe());
      return nullptr;
    }
    phase("script.start");
    r = inst->start();
    if (!r.ok()) {
      add("script.start", false, r.describe());
      return nullptr;
    }
    return inst;
  };
  auto inst = open("script");
  if (!inst) {
    plugin.shutdown();
    return report;
  }

  const ScriptExpectations& want = script.expect;
  std::optional<std::string> cursor, resumed_from;
  size_t polls = 0, succeeded = 0, events = 0;
  bool last_ok = false;
  std::vector<std::string> problems, failures, bad_events, cursor_problems;
  while (polls < want.max_polls && !(http.consumed() && host.http_in_flight() == 0)) {
    ++polls;
    const std::string what = "poll " + std::to_string(polls);
    phase("script.poll" + std::to_string(polls));
    FakeOp& op = inst->poll(cursor, 1000);
    if (op.threw || !op.returned) {
      problems.push_back(what + (op.threw ? " threw across the ABI boundary: " + op.exception : " did not return"));
      break;
    }
    if (op.rc == SIEMHUB_RC_PENDING && !inst->wait(op, options.op_timeout_ms)) {
      op.cancel();
      inst->wait(op, 5000);
      problems.push_back(what + " returned PENDING and did not complete within " + std::to_string(options.op_timeout_ms) +
                         " fake ms");
      break;
    }
    int64_t wait = options.poll_interval_ms;
    last_ok = op.succeeded();
    if (last_ok) {
      ++succeeded;
      events += op.events.size();
      for (size_t i = 0; i < op.events.size(); ++i) {
        const auto j = nlohmann::json::parse(op.events[i], nullptr, false);
        if (!j.is_object()) bad_events.push_back(what + " event " + std::to_string(i) + " is not a JSON object: " + clip(op.events[i], 80));
      }
      if (!op.events.empty() && want.cursor) {
        if (!op.cursor)
          cursor_problems.push_back(what + " emitted " + std::to_string(op.events.size()) + " events but set no cursor");
        else if (cursor && *op.cursor == *cursor)
          cursor_problems.push_back(what + " emitted " + std::to_string(op.events.size()) +
                                    " events but left the cursor where it was: \"" + clip(*cursor, 60) + "\"");
      }
      if (op.cursor) cursor = op.cursor;
    } else {
      if (op.category() == SIEMHUB_CAT_NONE || op.final_status().message[0] == '\0')
        problems.push_back(what + " failed without a category and a message: " + op.describe());
      failures.push_back(what + ": " + op.describe());
      if (op.final_status().retry_after_ms > 0) wait = op.final_status().retry_after_ms;
    }
    // Like a restart of the hub: a new instance goes on from the stored cursor.
    if (last_ok && cursor && !resumed_from && !(http.consumed() && host.http_in_flight() == 0)) {
      phase("script.restart");
      inst->stop();
      inst->destroy();
      inst = open("script-resumed");
      if (!inst) break;
      resumed_from = cursor;
    }
    host.advance(wait);
  }
  if (inst) {
    phase("script.stop");
    r = inst->stop();
    if (!r.ok()) problems.push_back("stop: " + r.describe());
    inst->destroy();
  }
  // Contract violations of every op of the run (completed twice, pending after stop()...).
  for (size_t i = 0; i < host.ops().size(); ++i)
    for (const auto& v : host.ops()[i]->violations)
      problems.push_back(std::string(op_kind_name(host.ops()[i]->kind)) + " op " + std::to_string(i + 1) + ": " + v);

  const auto mismatches = http.mismatches();
  const size_t total = script.exchanges.size(), answered = http.answered();
  std::string ex_reason;
  if (!mismatches.empty())
    ex_reason = first_of(mismatches);
  else if (answered < total)
    ex_reason = "only " + std::to_string(answered) + " of the " + std::to_string(total) + " exchanges were requested in " +
                std::to_string(polls) + " polls; the next one expected: " + script.exchanges[answered].request.describe();
  else
    ex_reason = "all " + std::to_string(total) + " scripted exchanges were requested in order, in " + std::to_string(polls) + " polls";
  add("script.exchanges", mismatches.empty() && answered == total, ex_reason);

  if (problems.empty() && !last_ok) problems.push_back("the last poll failed: " + (failures.empty() ? std::string("?") : failures.back()));
  add("script.polls", problems.empty(),
      problems.empty() ? std::to_string(polls) + " polls: " + std::to_string(succeeded) + " succeeded, " +
                             std::to_string(failures.size()) + " failed cleanly" +
                             (failures.empty() ? std::string() : " (" + clip(failures.front(), 120) + ")") +
                             ", the last one succeeded"
                       : first_of(problems));

  std::string ev_reason = std::to_string(events) + " events emitted (at least " + std::to_string(want.min_events) + " expected)";
  if (!bad_events.empty()) ev_reason = first_of(bad_events);
  add("script.events", bad_events.empty() && events >= want.min_events, ev_reason);

  if (want.cursor) {
    if (cursor_problems.empty() && !cursor) cursor_problems.push_back("no poll set a cursor");
    add("script.cursor", cursor_problems.empty(),
        cursor_problems.empty() ? "the cursor moved with every poll that emitted events, now \"" + clip(*cursor, 60) + "\"" +
                                      (resumed_from ? "; a new instance resumed from \"" + clip(*resumed_from, 60) + "\""
                                                    : std::string("; no restart (the script ended first)"))
                                : first_of(cursor_problems));
  }

  std::vector<std::string> contract;
  for (const auto& e : host.callback_exceptions()) contract.push_back("exception in a callback: " + e);
  for (const auto& v : host.violations())
    if (v.rfind("scripted HTTP: ", 0) != 0 && v.find(" op: ") == std::string::npos &&
        v.rfind("exception in a plugin callback", 0) != 0)
      contract.push_back(v);
  add("script.contract", contract.empty(),
      contract.empty() ? "no exception in a callback and no misuse of host services" : first_of(contract));

  phase("script.shutdown");
  plugin.shutdown();
  if (options.on_done) options.on_done(host);
  return report;
}

}  // namespace siemhub::testing
