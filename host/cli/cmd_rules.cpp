// `siemhub test-rule`, `siemhub rules list` and `siemhub replay`.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <set>
#include <thread>
#include <unordered_map>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "builtin/builtin.hpp"
#include "cli/cli.hpp"
#include "config/config.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"
#include "lua/engine.hpp"
#include "ocsf/event.hpp"
#include "pipeline/correlator.hpp"
#include "pipeline/hub.hpp"
#include "plugins/loader.hpp"

namespace siemhub::cli {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::size_t kBatch = 1000;

std::string iso_time(std::int64_t ms) {
  const std::time_t secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(((ms % 1000) + 1000) % 1000));
  return buf;
}

std::string duration(std::int64_t ms) {
  if (ms <= 0) return "0s";
  struct Unit {
    std::int64_t ms;
    const char* name;
  };
  for (const Unit u : {Unit{86'400'000, "d"}, Unit{3'600'000, "h"}, Unit{60'000, "m"}, Unit{1000, "s"}})
    if (ms % u.ms == 0) return std::to_string(ms / u.ms) + u.name;
  return std::to_string(ms) + "ms";
}

std::string window_text(const lua::RuleDef& d) {
  const std::string kind = d.kind == lua::WindowKind::tumbling ? "tumbling" : "sliding";
  if (d.op == lua::Operator::custom) return d.span_ms > 0 ? "on_event, span " + duration(d.span_ms) : "on_event";
  return d.span_ms > 0 ? kind + " " + duration(d.span_ms) : "none";
}

std::string threshold_text(const lua::RuleDef& d) {
  const std::string cmp = d.threshold.strict ? " > " : " >= ";
  char value[32];
  std::snprintf(value, sizeof value, "%g", d.threshold.value);
  if (d.op == lua::Operator::distinct) return "distinct(" + d.distinct_field + ")" + cmp + value;
  if (d.op == lua::Operator::count) return "count" + cmp + value;
  return "ctx.emit";
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

// Loads rule files; false with a message (file:line) when one is missing or does not load.
std::unique_ptr<lua::Engine> load_rules(const std::vector<std::string>& files) {
  std::vector<fs::path> paths;
  for (const auto& f : files) {
    std::error_code ec;
    if (!fs::is_regular_file(f, ec)) {
      std::fprintf(stderr, "error: %s: no such rule file\n", f.c_str());
      return nullptr;
    }
    paths.emplace_back(f);
  }
  std::string error;
  auto engine = lua::Engine::load(paths, lua::EngineOptions{}, &error);
  if (!engine) std::fprintf(stderr, "error: %s\n", error.c_str());
  return engine;
}

struct Record {
  std::int64_t time = 0;
  std::size_t line = 0;
};

// The explanation of a finding: which window fired, derived from the finding itself.
json explain(const lua::RuleDef& d, const json& f, const std::unordered_map<std::string, Record>& lines) {
  const json& info = f["finding_info"];
  json e;
  e["rule"] = d.id;
  e["operator"] = d.op == lua::Operator::count ? "count" : d.op == lua::Operator::distinct ? "distinct" : "on_event";
  e["window"] = {{"kind", d.kind == lua::WindowKind::tumbling ? "tumbling" : "sliding"},
                 {"span", duration(d.span_ms)},
                 {"span_ms", d.span_ms}};
  const std::int64_t first = info.value("first_seen_time", std::int64_t{0});
  const std::int64_t last = info.value("last_seen_time", std::int64_t{0});
  e["first_time"] = first;
  e["last_time"] = last;
  e["elapsed_ms"] = last - first;
  e["count"] = f.value("count", 0);
  e["threshold"] = threshold_text(d);
  e["having"] = d.having_fn != 0;
  if (d.op == lua::Operator::distinct) e["aggregate"] = f["unmapped"].value("aggregate", json::object());
  e["group"] = f["unmapped"].value("group_key", json::object());
  json events = json::array();
  for (const auto& r : info.value("related_events", json::array())) {
    const std::string uid = r.value("uid", "");
    json ev = {{"uid", uid}};
    if (auto it = lines.find(uid); it != lines.end()) {
      ev["line"] = it->second.line;
      ev["time"] = it->second.time;
    }
    events.push_back(std::move(ev));
  }
  e["related_events"] = std::move(events);
  return e;
}

void print_explain(const json& e) {
  const bool custom = e["operator"] == "on_event";
  std::printf("    window: %s %s (the rule's), first event %s, last event %s (%s apart)\n",
              custom ? "on_event, span" : e["window"]["kind"].get<std::string>().c_str(), e["window"]["span"].get<std::string>().c_str(),
              iso_time(e["first_time"].get<std::int64_t>()).c_str(), iso_time(e["last_time"].get<std::int64_t>()).c_str(),
              duration(e["elapsed_ms"].get<std::int64_t>()).c_str());
  const std::string op = e["operator"];
  if (op == "on_event") {
    std::printf("    fired: on_event called ctx.emit with count %d\n", e["count"].get<int>());
  } else if (op == "distinct" && e.contains("aggregate") && e["aggregate"].contains("distinct")) {
    const json& a = e["aggregate"];
    std::printf("    fired: %d distinct %s among %d events in the window (at most %d per value), threshold %s%s\n",
                a["distinct"].get<int>(), a["field"].get<std::string>().c_str(), a["events"].get<int>(),
                a["max_per_value"].get<int>(), e["threshold"].get<std::string>().c_str(),
                e["having"].get<bool>() ? ", and having() returned true" : "");
  } else
    std::printf("    fired: %d events in the window, threshold %s%s\n", e["count"].get<int>(),
                e["threshold"].get<std::string>().c_str(), e["having"].get<bool>() ? ", and having() returned true" : "");
  std::printf("    contributing events (%zu kept):", e["related_events"].size());
  for (const auto& r : e["related_events"]) {
    std::printf(" %s", r["uid"].get<std::string>().c_str());
    if (r.contains("line")) std::printf(" (line %zu)", r["line"].get<std::size_t>());
  }
  std::printf("\n");
}

}  // namespace

void add_rules_commands(CLI::App& app, RulesCommands& cmds) {
  auto o = cmds.opts;
  cmds.test_rule = app.add_subcommand("test-rule", "Run Lua rule files over an NDJSON file of OCSF events and print the findings");
  cmds.test_rule->add_option("files", o->files, "RULES.lua... EVENTS.ndjson (the last file is the events)")->required();
  cmds.test_rule->add_flag("--explain", o->explain, "For each finding, show the window that fired");
  cmds.test_rule->add_flag("--json", o->json, "One finding JSON per line (the summary goes to stderr)");

  cmds.rules = app.add_subcommand("rules", "Correlation rules");
  cmds.rules->require_subcommand(1);
  cmds.rules_list = cmds.rules->add_subcommand("list", "The rules of Lua rule files: id, version, severity, window, ATT&CK");
  cmds.rules_list->add_option("files", o->files, "Rule files (RULES.lua...)");
  cmds.rules_list->add_option("--dir", o->dirs, "Every *.lua file of this directory (repeatable)");
  cmds.rules_list->add_option("-c,--config", o->config, "Hub config: the files and dirs of its rules: section");
  cmds.rules_list->add_flag("--json", o->json, "A JSON array");

  cmds.replay = app.add_subcommand("replay", "Push an NDJSON file through the configured pipeline, then stop");
  cmds.replay->add_option("file", o->replay_file, "The NDJSON file")->required();
  cmds.replay->add_option("-c,--config", o->config, "Hub config (YAML)")->required();
  cmds.replay->add_option("--conf-d", o->conf_d, "Directory of connector files (default: conf.d next to the config)");
  cmds.replay->add_option("--from-source", o->from_source, "Replay as if the file were this source (along its routes)");
  cmds.replay->add_option("--data-dir", o->data_dir, "Data directory (default: a fresh temporary one, removed after)");
  cmds.replay->add_option("--timeout", o->timeout_seconds, "Give up after this many seconds (0 = no limit)");
  cmds.replay->add_option("--threads", o->threads, "Worker threads (0 = one per core)");
}

int run_test_rule(const RulesOptions& o) {
  if (o.files.size() < 2) {
    std::fprintf(stderr, "error: test-rule needs RULES.lua... EVENTS.ndjson\n");
    return kExitUsage;
  }
  const std::vector<std::string> rule_files(o.files.begin(), o.files.end() - 1);
  const std::string events_file = o.files.back();
  auto engine = load_rules(rule_files);
  if (!engine) return kExitUsage;
  std::ifstream in(events_file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "error: %s: cannot open the events file\n", events_file.c_str());
    return kExitUsage;
  }
  const std::string name = fs::path(events_file).filename().string();

  std::unordered_map<std::string, Record> by_uid;  // event uid -> line, for --explain
  std::vector<ocsf::Event> events;
  std::vector<std::string> ids;
  std::size_t read = 0, bad = 0, findings = 0, line_no = 0;
  auto flush = [&] {
    std::vector<lua::EventRef> refs;
    refs.reserve(events.size());
    for (std::size_t i = 0; i < events.size(); ++i) refs.push_back({&events[i], ids[i]});
    for (const auto& f : engine->process(refs)) {
      ++findings;
      const json fj = json::parse(f.json);
      const lua::RuleDef* def = engine->definition(f.rule_id);
      const json ex = (o.explain && def) ? explain(*def, fj, by_uid) : json();
      if (o.json) {
        std::printf("%s\n", (o.explain ? json{{"finding", fj}, {"explain", ex}} : fj).dump().c_str());
        continue;
      }
      std::string group;
      const json by = fj["unmapped"].value("group_key", json::object());
      for (const auto& kv : by.items())
        group += (group.empty() ? "" : " ") + kv.key() + "=" +
                 (kv.value().is_string() ? kv.value().get<std::string>() : kv.value().dump());
      std::printf("%s  %s  [%s]  %s  %s  (%d events)\n", iso_time(f.time).c_str(), f.rule_id.c_str(),
                  group.empty() ? "-" : group.c_str(), fj.value("severity", "").c_str(),
                  fj["finding_info"].value("title", "").c_str(), fj.value("count", 0));
      std::printf("    %s\n", fj.value("message", "").c_str());
      if (o.explain && def) print_explain(ex);
    }
    events.clear();
    ids.clear();
  };
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto ev = ocsf::Event::parse(line);
    const auto root = ev.root();
    std::string why;
    if (!ev.ok()) why = std::string("not JSON: ") + simdjson::error_message(ev.error());
    else if (!root || !root->is_object()) why = "not a JSON object";
    if (!why.empty()) {
      std::fprintf(stderr, "%s:%zu: %s (line skipped)\n", events_file.c_str(), line_no, why.c_str());
      ++bad;
      continue;
    }
    ++read;
    std::string id = name + ":" + std::to_string(line_no);
    const std::string uid = std::string(ev.get_string("metadata.uid").value_or(id));
    if (o.explain) by_uid[uid] = {ev.get_int("time").value_or(0), line_no};
    ids.push_back(std::move(id));
    events.push_back(std::move(ev));
    if (events.size() >= kBatch) flush();
  }
  flush();

  std::FILE* out = o.json ? stderr : stdout;
  std::fprintf(out, "\n%zu events read from %s, %zu bad lines skipped, %zu findings\n", read, events_file.c_str(), bad,
               findings);
  std::fprintf(out, "%-40s %8s %8s %10s %6s  %s\n", "RULE", "MATCHED", "FINDINGS", "SUPPRESSED", "FAULTS", "STATE");
  for (const auto& r : engine->rules()) {
    const auto st = engine->stats(r.id);
    std::fprintf(out, "%-40s %8" PRIu64 " %8" PRIu64 " %10" PRIu64 " %6" PRIu64 "  %s\n", r.id.c_str(), st.matched,
                 st.findings, st.suppressed, st.faults, st.quarantined ? "quarantined" : "ok");
    if (!st.last_fault.empty()) std::fprintf(out, "  last fault: %s\n", st.last_fault.c_str());
  }
  return kExitOk;
}

int run_rules_list(const RulesOptions& o) {
  std::vector<std::string> files = o.files;
  std::vector<std::string> dirs = o.dirs;
  if (!o.config.empty()) {
    auto loaded = config::load_config(o.config);
    if (!loaded.errors.empty()) {
      for (const auto& e : loaded.errors) std::fprintf(stderr, "%s\n", core::redact(e.to_string()).c_str());
      return kExitUsage;
    }
    if (const auto& r = loaded.config->rules) {
      for (const auto& f : r->files) files.push_back(f.string());
      for (const auto& d : r->dirs) dirs.push_back(d.string());
    }
  }
  for (const auto& d : dirs) {
    std::error_code ec;
    if (!fs::is_directory(d, ec)) {
      std::fprintf(stderr, "error: %s: not a directory\n", d.c_str());
      return kExitUsage;
    }
    std::vector<std::string> found;
    for (const auto& entry : fs::directory_iterator(d, ec))
      if (entry.is_regular_file() && entry.path().extension() == ".lua") found.push_back(entry.path().string());
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  if (files.empty()) {
    std::fprintf(stderr, "error: rules list: give rule files or --dir DIR\n");
    return kExitUsage;
  }
  auto engine = load_rules(files);
  if (!engine) return kExitUsage;
  json all = json::array();
  for (const auto& r : engine->rules()) {
    const lua::RuleDef* d = engine->definition(r.id);
    if (!d) continue;
    all.push_back({{"id", d->id},
                   {"version", d->version},
                   {"title", d->title},
                   {"severity", d->severity},
                   {"severity_id", d->severity_id},
                   {"file", d->file},
                   {"window", window_text(*d)},
                   {"threshold", threshold_text(*d)},
                   {"attack", d->attack},
                   {"lane", r.native ? "native" : "lua"}});
  }
  if (o.json) {
    std::printf("%s\n", all.dump(2).c_str());
    return kExitOk;
  }
  std::printf("%-36s %-4s %-8s %-20s %-20s %s\n", "ID", "VER", "SEVERITY", "WINDOW", "ATTACK", "FILE");
  for (const auto& r : all) {
    std::printf("%-36s %-4s %-8s %-20s %-20s %s\n", r["id"].get<std::string>().c_str(),
                r["version"].get<std::string>().c_str(), r["severity"].get<std::string>().c_str(),
                r["window"].get<std::string>().c_str(), join(r["attack"].get<std::vector<std::string>>(), ",").c_str(),
                r["file"].get<std::string>().c_str());
    std::printf("    %s\n", r["title"].get<std::string>().c_str());
  }
  return kExitOk;
}

namespace {

// Non-blank lines up to the last newline (what the file source hands over, or counts as bad), and
// that many bytes.
std::pair<std::uint64_t, std::uint64_t> count_lines(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::uint64_t lines = 0, bytes = 0, pos = 0;
  bool content = false;
  std::vector<char> buf(1 << 16);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto n = static_cast<std::size_t>(in.gcount());
    for (std::size_t i = 0; i < n; ++i) {
      const char c = buf[i];
      ++pos;
      if (c == '\n') {
        if (content) ++lines;
        content = false;
        bytes = pos;
      } else if (c != ' ' && c != '\t' && c != '\r') {
        content = true;
      }
    }
  }
  return {lines, bytes};
}

std::string human_bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", b, units[u]);
  return buf;
}

}  // namespace

int run_replay(const RulesOptions& o) {
  const fs::path file = fs::absolute(o.replay_file);
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    std::fprintf(stderr, "error: %s: no such file\n", o.replay_file.c_str());
    return kExitUsage;
  }
  auto loaded = config::load_config(o.config, o.conf_d.empty() ? std::nullopt : std::optional<fs::path>(o.conf_d));
  if (!loaded.errors.empty()) {
    for (const auto& e : loaded.errors) std::fprintf(stderr, "%s\n", core::redact(e.to_string()).c_str());
    return kExitUsage;
  }
  config::HubConfig cfg = std::move(*loaded.config);

  // Which connectors are sources and sinks: their plugins' capabilities (nothing is initialized).
  std::vector<fs::path> dirs = cfg.plugin_dirs;
  if (fs::is_directory(bundled_plugin_dir(), ec)) dirs.push_back(bundled_plugin_dir());
  plugins::Loader loader(plugins::LoaderOptions{dirs});
  for (const auto* d : builtin::descriptors()) (void)loader.add_builtin(d);
  (void)loader.scan();
  auto caps = [&](const config::ConnectorConfig& c) -> std::uint64_t {
    auto m = loader.find(c.plugin);
    return m ? m->descriptor().capabilities : 0;
  };
  const std::uint64_t source_caps = SIEMHUB_CAP_SOURCE_PULL | SIEMHUB_CAP_SOURCE_PUSH;
  std::set<std::string> sinks, finding_sinks;
  const bool correlates = cfg.rules && cfg.rules->enabled;
  if (!o.from_source.empty()) {
    auto it = std::find_if(cfg.connectors.begin(), cfg.connectors.end(),
                           [&](const auto& c) { return c.name == o.from_source && c.enabled; });
    if (it == cfg.connectors.end() || (caps(*it) & source_caps) == 0) {
      std::fprintf(stderr, "error: --from-source %s: not an enabled source connector of %s\n", o.from_source.c_str(),
                   o.config.c_str());
      return kExitUsage;
    }
  }
  if (cfg.routes.empty()) {
    for (const auto& c : cfg.connectors)
      if (c.enabled && (caps(c) & SIEMHUB_CAP_SINK) && !(caps(c) & source_caps)) sinks.insert(c.name);
  } else {
    for (const auto& r : cfg.routes) {
      if (o.from_source.empty() || std::count(r.from.begin(), r.from.end(), o.from_source))
        sinks.insert(r.to.begin(), r.to.end());
      if (correlates && std::count(r.from.begin(), r.from.end(), std::string(pipeline::kCorrelateSource)))
        finding_sinks.insert(r.to.begin(), r.to.end());
    }
  }
  if (correlates && cfg.routes.empty()) finding_sinks = sinks;  // findings go wherever events go
  if (sinks.empty()) {
    std::fprintf(stderr, "error: %s: no sink to replay to\n", o.config.c_str());
    return kExitUsage;
  }

  // The replay source: a `file` connector reading FILE from its start, the only source.
  std::string name = o.from_source.empty() ? "replay" : o.from_source;
  if (o.from_source.empty())
    while (std::any_of(cfg.connectors.begin(), cfg.connectors.end(), [&](const auto& c) { return c.name == name; }))
      name += "_";
  cfg.connectors.erase(std::remove_if(cfg.connectors.begin(), cfg.connectors.end(),
                                      [&](const auto& c) { return c.name == name; }),
                       cfg.connectors.end());
  for (auto& c : cfg.connectors) c.enabled = c.enabled && (sinks.count(c.name) > 0 || finding_sinks.count(c.name) > 0);
  config::ConnectorConfig src;
  src.name = name;
  src.plugin = "file";
  src.config = {{"path", file.string()}, {"start_at", "beginning"}};
  src.file = cfg.file.string();
  cfg.connectors.push_back(std::move(src));
  config::Route route;
  route.from = {name};
  route.to.assign(sinks.begin(), sinks.end());
  route.where.file = cfg.file.string();
  cfg.routes = {route};
  if (!finding_sinks.empty()) {
    config::Route findings_route = route;
    findings_route.from = {pipeline::kCorrelateSource};
    findings_route.to.assign(finding_sinks.begin(), finding_sinks.end());
    cfg.routes.push_back(std::move(findings_route));
  }
  std::set<std::string> all_sinks = sinks;
  all_sinks.insert(finding_sinks.begin(), finding_sinks.end());
  cfg.ingest.reset();  // never listen on a running hub's port

  bool temp_dir = false;
  if (!o.data_dir.empty()) {
    cfg.data_dir = fs::absolute(o.data_dir);
  } else {
    std::string tmpl = (fs::temp_directory_path(ec) / "siemhub-replay-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      std::fprintf(stderr, "error: cannot create a temporary data directory: %s\n", std::strerror(errno));
      return kExitFailure;
    }
    cfg.data_dir = tmpl;
    temp_dir = true;
  }
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code e;
      if (!dir.empty()) fs::remove_all(dir, e);
    }
  } cleanup{temp_dir ? cfg.data_dir : fs::path()};

  const auto counted = count_lines(file);
  const std::uint64_t lines = counted.first, total_bytes = counted.second;
  pipeline::HubOptions ho;
  ho.threads = o.threads;
  ho.extra_plugin_dirs.push_back(bundled_plugin_dir());
  pipeline::HubErrors errors;
  auto hub = pipeline::Hub::build(std::move(cfg), ho, errors);
  for (const auto& l : errors.lines) std::fprintf(stderr, "%s\n", core::redact(l).c_str());
  if (!hub) return errors.plugin_refused ? kExitPluginRefused : kExitUsage;
  for (const auto& w : hub->warnings()) core::log_warn("replay", w);
  std::fprintf(stderr, "siemhub: replaying %s (%" PRIu64 " lines, %s) as source %s to %s\n", file.c_str(), lines,
               human_bytes(static_cast<double>(total_bytes)).c_str(), name.c_str(), join(std::vector<std::string>(all_sinks.begin(), all_sinks.end()), ", ").c_str());
  if (const std::string failure = hub->start(); !failure.empty()) {
    std::fprintf(stderr, "%s\n", core::redact(failure).c_str());
    hub->stop(0);
    return kExitPluginRefused;
  }

  auto& metrics = hub->metrics();
  const core::Labels labels = {{"connector", name}, {"plugin", "file"}};
  auto* bytes_read = metrics.get("siemhub_plugin_file_bytes_read_total", "Bytes read by the file source",
                                 core::MetricType::counter, labels);
  auto* bad_lines = metrics.get("siemhub_plugin_file_bad_lines_total",
                                "Lines skipped because they are not JSON objects or too long", core::MetricType::counter,
                                labels);
  const bool tty = ::isatty(2) != 0;
  const auto started = std::chrono::steady_clock::now();
  auto elapsed_s = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  std::uint64_t events_in = 0, invalid = 0, out = 0, rejected = 0;
  bool done = false, timed_out = false;
  double last_line = 0;
  auto progress = [&](bool final_line) {
    const double secs = std::max(elapsed_s(), 1e-3);
    const double read = bytes_read->value();
    const double frac = total_bytes ? std::min(1.0, read / static_cast<double>(total_bytes)) : 1.0;
    char text[200];
    std::snprintf(text, sizeof text, "%3.0f%% %s / %s  %" PRIu64 " events in, %" PRIu64 " out  %.0f events/s",
                  frac * 100, human_bytes(read).c_str(), human_bytes(static_cast<double>(total_bytes)).c_str(),
                  events_in, out, static_cast<double>(events_in) / secs);
    if (tty) {
      constexpr int kWidth = 30;
      const int filled = static_cast<int>(frac * kWidth);
      std::fprintf(stderr, "\r[%s%s] %s\x1b[K%s", std::string(static_cast<std::size_t>(filled), '#').c_str(),
                   std::string(static_cast<std::size_t>(kWidth - filled), '.').c_str(), text, final_line ? "\n" : "");
    } else {
      std::fprintf(stderr, "siemhub: replay %s\n", text);
    }
  };
  while (!done) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const auto stats = hub->pipeline()->stats();
    if (auto it = stats.find(name); it != stats.end()) {
      events_in = it->second.events_in;
      invalid = it->second.invalid;
    }
    // With rules, the correlator must have read every journal record (its findings are then
    // durable) before the sinks can be said to have everything.
    std::uint64_t findings = 0;
    bool correlated = true;
    if (correlates) {
      const json st = hub->status();
      if (st.contains("correlation") && st.contains("journal")) {
        findings = st["correlation"].value("findings", std::uint64_t{0});
        correlated = st["correlation"].value("cursor", std::uint64_t{0}) >= st["journal"].value("last_seq", std::uint64_t{0});
      }
    }
    out = 0;
    rejected = 0;
    bool drained = true;
    const std::uint64_t good = events_in - std::min(events_in, invalid);
    for (const auto& s : all_sinks) {
      auto it = stats.find(s);
      if (it == stats.end()) continue;  // not started (logged)
      out += it->second.events_out;
      rejected += it->second.rejected;
      const std::uint64_t expected = (sinks.count(s) ? good : 0) + (finding_sinks.count(s) ? findings : 0);
      drained = drained && it->second.queue_events == 0 && it->second.events_out + it->second.rejected >= expected;
    }
    const bool consumed = events_in + static_cast<std::uint64_t>(bad_lines->value()) >= lines;
    done = consumed && correlated && drained;
    if (!done && o.timeout_seconds > 0 && elapsed_s() >= o.timeout_seconds) {
      timed_out = true;
      break;
    }
    if (tty || elapsed_s() - last_line >= 1.0) {
      if (!done) progress(false);
      last_line = elapsed_s();
    }
  }
  progress(true);
  hub->stop(5000);
  const double secs = elapsed_s();
  std::printf("replayed %s as %s: %" PRIu64 " lines, %" PRIu64 " events read, %" PRIu64 " invalid, %.0f bad lines\n",
              file.c_str(), name.c_str(), lines, events_in, invalid, bad_lines->value());
  const auto final_stats = hub->pipeline()->stats();
  for (const auto& s : all_sinks) {
    const auto& stats = final_stats;
    if (auto it = stats.find(s); it != stats.end())
      std::printf("  sink %s: %" PRIu64 " delivered, %" PRIu64 " rejected (dead letters), %" PRIu64 " retries\n",
                  s.c_str(), it->second.events_out, it->second.rejected, it->second.retries);
  }
  std::printf("in %.1f s (%.0f events/s)%s\n", secs, static_cast<double>(events_in) / std::max(secs, 1e-3),
              timed_out ? ": TIMED OUT before every event was delivered" : "");
  if (timed_out) {
    std::fprintf(stderr, "error: replay: timed out after %d s\n", o.timeout_seconds);
    return kExitFailure;
  }
  return kExitOk;
}

bool RulesCommands::parsed() const {
  return test_rule->parsed() || rules->parsed() || replay->parsed();
}

int run_rules(const RulesCommands& cmds) {
  if (cmds.test_rule->parsed()) return run_test_rule(*cmds.opts);
  if (cmds.rules_list->parsed()) return run_rules_list(*cmds.opts);
  if (cmds.replay->parsed()) return run_replay(*cmds.opts);
  return kExitUsage;
}

}  // namespace siemhub::cli
