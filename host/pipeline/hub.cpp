#include "pipeline/hub.hpp"

#include <algorithm>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include <simdjson.h>

#include "builtin/builtin.hpp"
#include "core/hash.hpp"
#include "core/log.hpp"
#include "ocsf/json_depth.hpp"
#include "pipeline/correlation.hpp"
#include "pipeline/normalize.hpp"
#include "store/data_dir.hpp"
#include "store/kv_store.hpp"

namespace siemhub::pipeline {

namespace {

constexpr const char* kIngestSource = "ingest";

std::string where(const config::HubConfig& cfg, const config::ConnectorConfig& c, const std::string& key) {
  std::string loc = c.file + ":" + std::to_string(c.where.line) + ":" + std::to_string(c.where.column);
  (void)cfg;
  return loc + ": connectors." + c.name + (key.empty() ? "" : "." + key);
}

bool is_source(const plugins::PluginModule& m) {
  return (m.descriptor().capabilities & (SIEMHUB_CAP_SOURCE_PULL | SIEMHUB_CAP_SOURCE_PUSH)) != 0;
}
bool is_sink(const plugins::PluginModule& m) { return (m.descriptor().capabilities & SIEMHUB_CAP_SINK) != 0; }

// The rule files of the `rules` section: `files` as given, then every *.lua of each dir in name
// order. Empty with `error` set when a file or directory is missing.
std::vector<std::filesystem::path> rule_files(const config::RulesConfig& r, std::string& error) {
  namespace fs = std::filesystem;
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& f : r.files) {
    if (!fs::is_regular_file(f, ec)) {
      error = f.string() + ": rule file not found";
      return {};
    }
    out.push_back(f);
  }
  for (const auto& d : r.dirs) {
    if (!fs::is_directory(d, ec)) {
      error = d.string() + ": rules directory not found";
      return {};
    }
    std::vector<fs::path> in_dir;
    for (fs::directory_iterator it(d, ec), end; !ec && it != end; it.increment(ec))
      if (it->path().extension() == ".lua" && it->is_regular_file(ec)) in_dir.push_back(it->path());
    std::sort(in_dir.begin(), in_dir.end());
    out.insert(out.end(), in_dir.begin(), in_dir.end());
  }
  return out;
}

}  // namespace

std::string default_config_yaml(const std::filesystem::path& data_dir, const std::filesystem::path& rules_dir) {
  std::string rules;
  if (!rules_dir.empty())
    rules = "rules:\n  dirs: [" + nlohmann::json(rules_dir.string()).dump() + "]\n";
  return R"(# The embedded default pipeline of `siemhub run` (written here for reference).
# Copy it, edit it, and run your copy with `siemhub run -c FILE`.
data_dir: .
connectors:
  generator:
    plugin: generator
    config:
      seed: 42
      batch_size: 200
      interval_ms: 1000
  events:
    plugin: file
    config:
      path: )" + (data_dir / "out" / "events.ndjson").string() + R"(
routes:
  - from: [generator]
    to: [events]
)" + (rules.empty() ? std::string() : "  - from: [correlate]\n    to: [events]\n" + rules);
}

std::unique_ptr<Hub> Hub::build(config::HubConfig cfg, const HubOptions& options, HubErrors& errors) {
  std::unique_ptr<Hub> hub(new Hub());
  hub->cfg_ = std::move(cfg);
  auto& c = hub->cfg_;

  // Plugins: the built-ins, then every library in the configured directories.
  std::vector<std::filesystem::path> dirs = c.plugin_dirs;
  for (const auto& d : options.extra_plugin_dirs) {
    std::error_code ec;
    if (std::filesystem::is_directory(d, ec)) dirs.push_back(d);
  }
  hub->loader_ = std::make_unique<plugins::Loader>(plugins::LoaderOptions{dirs});
  for (const auto* d : builtin::descriptors()) {
    auto cand = hub->loader_->add_builtin(d);
    if (!cand.accepted()) errors.lines.push_back(cand.error);
  }
  std::map<std::string, std::string> refused;  // plugin id (from its note) -> "refused <path>: <reason>"
  for (auto& cand : hub->loader_->scan()) {
    if (!cand.accepted()) {
      hub->warnings_.push_back(cand.error);
      if (!cand.id.empty()) refused.emplace(cand.id, cand.error);
      continue;
    }
  }
  std::map<std::string, std::string> init_failed;  // plugin id -> "refused ...: init failed: ..."
  for (const auto& m : hub->loader_->modules()) {
    std::string why;
    if (!m->init(plugins::host_api(), why)) {
      const bool required = std::count(c.required_plugins.begin(), c.required_plugins.end(), m->id()) > 0;
      const std::string line = "refused " + (m->builtin() ? std::string("builtin ") + m->id() : m->path().string()) + ": " + why;
      init_failed[m->id()] = line;
      if (required) {
        errors.lines.push_back(line);
        errors.plugin_refused = true;
      } else {
        hub->warnings_.push_back(line);
      }
    }
  }
  for (const auto& id : c.required_plugins) {
    auto m = hub->loader_->find(id);
    if (!m || !m->initialized()) {
      if (!m && refused.count(id)) errors.lines.push_back("required plugin '" + id + "' was " + refused.at(id));
      else if (!m) errors.lines.push_back("required plugin '" + id + "' is not loaded (see `siemhub plugins list`)");
      errors.plugin_refused = true;
    }
  }

  // Connectors: each must name a loaded plugin and satisfy its schema.
  std::vector<std::string> plugin_ids;
  for (const auto& m : hub->loader_->modules()) plugin_ids.push_back(m->id());
  std::map<std::string, std::shared_ptr<plugins::PluginModule>> modules;
  std::set<std::string> skipped;  // connectors whose plugin loaded but failed its init
  for (auto& conn : c.connectors) {
    if (!conn.enabled) continue;
    auto m = hub->loader_->find(conn.plugin);
    if (m && !m->initialized()) {
      // The plugin is there but its init failed: a required connector (or plugin) stops the hub;
      // any other connector of it is skipped with a warning and the hub runs the rest.
      const auto f = init_failed.find(m->id());
      const std::string why = f != init_failed.end() ? f->second : "its init failed";
      const std::string line = where(c, conn, "plugin") + ": plugin '" + conn.plugin + "' cannot be used: " + why;
      if (conn.required) {
        errors.lines.push_back(line);
        errors.plugin_refused = true;
      } else {
        hub->warnings_.push_back(line + " (connector skipped)");
      }
      skipped.insert(conn.name);
      continue;
    }
    if (!m && refused.count(conn.plugin)) {
      // The library is there but was refused before loading: say why, not "unknown".
      errors.lines.push_back(where(c, conn, "plugin") + ": plugin '" + conn.plugin + "' cannot be used: " +
                             refused.at(conn.plugin));
      errors.plugin_refused = true;
      continue;
    }
    if (!m) {
      const std::string hint = config::closest_name(conn.plugin, plugin_ids);
      errors.lines.push_back(where(c, conn, "plugin") + ": unknown plugin '" + conn.plugin + "'" +
                             (hint.empty() ? std::string() : " (did you mean '" + hint + "'?)"));
      if (conn.required) errors.plugin_refused = true;
      continue;
    }
    for (const auto& e : config::validate_plugin_config(conn, m->descriptor().config_schema ? m->descriptor().config_schema : "", c.sources))
      errors.lines.push_back(e.to_string());
    modules[conn.name] = m;
  }

  // Roles and routes.
  std::vector<RouteSpec> routes;
  std::set<std::string> sources, sinks;
  if (c.routes.empty()) {
    RouteSpec all;
    if (c.ingest) all.from.push_back(kIngestSource);
    for (const auto& [name, m] : modules) {
      if (is_source(*m) && is_sink(*m)) {
        auto it = std::find_if(c.connectors.begin(), c.connectors.end(), [&](const auto& x) { return x.name == name; });
        errors.lines.push_back(where(c, *it, "") + ": plugin '" + m->id() +
                               "' can be a source or a sink: say which in `routes`");
        continue;
      }
      if (is_source(*m)) all.from.push_back(name);
      if (is_sink(*m)) all.to.push_back(name);
    }
    // Findings go wherever events go.
    if (c.rules && c.rules->enabled) all.from.push_back(kCorrelateSource);
    routes.push_back(all);
  } else {
    for (const auto& r : c.routes) {
      const std::string loc = r.where.file + ":" + std::to_string(r.where.line) + ":" + std::to_string(r.where.column);
      RouteSpec spec;
      for (const auto& f : r.from) {
        if (skipped.count(f)) continue;  // warned above
        spec.from.push_back(f);
        if (f == kIngestSource && c.ingest) continue;  // the HTTP ingest server
        if (f == kCorrelateSource && c.rules) continue;  // the correlator's findings
        auto it = modules.find(f);
        if (it == modules.end()) errors.lines.push_back(loc + ": routes: '" + f + "' is not an enabled connector");
        else if (!is_source(*it->second)) errors.lines.push_back(loc + ": routes: '" + f + "' (plugin " + it->second->id() + ") is not a source");
      }
      for (const auto& t : r.to) {
        if (skipped.count(t)) continue;  // warned above
        spec.to.push_back(t);
        auto it = modules.find(t);
        if (it == modules.end()) errors.lines.push_back(loc + ": routes: '" + t + "' is not an enabled connector");
        else if (!is_sink(*it->second)) errors.lines.push_back(loc + ": routes: '" + t + "' (plugin " + it->second->id() + ") is not a sink");
      }
      routes.push_back(std::move(spec));
    }
  }
  for (const auto& r : routes) {
    sources.insert(r.from.begin(), r.from.end());
    sinks.insert(r.to.begin(), r.to.end());
  }

  // The correlation rules: a file that does not load is a config error naming file:line. Two
  // lanes, each with an engine of its own rules: the native ones and those that call Lua.
  std::unique_ptr<lua::ParallelEngine> native_engine, lua_engine;
  if (c.rules && c.rules->enabled) {
    std::string why;
    const auto files = rule_files(*c.rules, why);
    if (!why.empty()) {
      errors.lines.push_back(c.file.string() + ":" + std::to_string(c.rules->where.line) + ": rules: " + why);
    } else {
      lua::EngineOptions eo;
      eo.sandbox.memory_limit_bytes = static_cast<std::size_t>(c.rules->memory_limit_bytes);
      eo.sandbox.instruction_budget = c.rules->instruction_budget;
      eo.quarantine_after = c.rules->quarantine_after;
      eo.max_groups_per_rule = static_cast<std::size_t>(c.rules->max_groups_per_rule);
      eo.lane = lua::Lane::native;
      native_engine = lua::ParallelEngine::load(files, eo, c.rules->workers, &why);
      if (native_engine) {
        eo.lane = lua::Lane::lua;
        lua_engine = lua::ParallelEngine::load(files, eo, c.rules->workers, &why);
      }
      if (!native_engine || !lua_engine) {
        errors.lines.push_back(why.empty() ? std::string("rules: cannot load the rule files") : why);
      } else if (lua_engine->rules().empty()) {
        lua_engine.reset();  // no lane without rules: it would parse every event for nothing
      } else if (native_engine->rules().empty()) {
        native_engine.reset();
      }
    }
  }
  if (!errors.empty()) return nullptr;
  if (!options.open_store) return hub;

  // The data directory, the runtime and the connectors.
  try {
    hub->data_ = std::make_unique<store::DataDir>(c.data_dir);
  } catch (const std::exception& e) {
    errors.lines.push_back(std::string("cannot open the data directory: ") + e.what());
    return nullptr;
  }
  try {
    hub->kv_ = std::make_unique<store::SqliteKvStore>(hub->data_->connect_hub());
    JournalOptions jo;
    jo.min_free_bytes = c.caps.min_free_disk_bytes;
    // Segments of 1/16 of the journal cap (4-64 MiB): delivered data leaves the disk in steps
    // well below the cap.
    jo.segment_bytes = std::clamp<uint64_t>(c.caps.journal_max_bytes / 16, 4ull << 20, 64ull << 20);
    hub->journal_ = std::make_unique<Journal>(hub->data_->file("hub.db"), core::SystemClock::instance(), jo);
    hub->dead_letters_ = std::make_unique<DeadLetters>(hub->data_->file("hub.db"), core::SystemClock::instance());
  } catch (const std::exception& e) {
    errors.lines.push_back(std::string("cannot open the hub database: ") + e.what());
    return nullptr;
  }
  hub->runtime_ = std::make_unique<core::Runtime>(options.threads);
  hub->runtime_->start();
  // On the host's threads, so a plugin stuck on the plugin threads cannot hold it back; from
  // now on, so a create_instance that blocks is reported too.
  hub->watchdog_ = std::make_unique<plugins::Watchdog>(hub->runtime_->io());
  hub->watchdog_->start();
  hub->http_ = std::make_unique<http::HttpService>();
  hub->env_ = std::make_unique<plugins::HostEnvironment>(plugins::HostEnvironment{
      *hub->runtime_, core::SystemClock::instance(), *hub->http_, *hub->kv_, hub->metrics_});

  std::vector<ConnectorSpec> source_specs, sink_specs;
  for (auto& conn : c.connectors) {
    if (!conn.enabled || !modules.count(conn.name)) continue;
    // A connector with actions runs without a route: the admin API (and later playbooks) call it.
    const bool has_actions = (modules[conn.name]->descriptor().capabilities & SIEMHUB_CAP_ACTION) != 0;
    if (!sources.count(conn.name) && !sinks.count(conn.name) && !has_actions) {
      hub->warnings_.push_back("connector " + conn.name + " is in no route: not started");
      continue;
    }
    http::ConnectorPolicy policy;
    policy.verify_tls = conn.http.verify_tls;
    policy.ca_file = conn.http.ca_file;
    policy.proxy = conn.http.proxy;
    policy.egress_allow = conn.http.egress_allow;
    policy.timeout = std::chrono::milliseconds(conn.http.timeout_ms);
    policy.connect_timeout = std::chrono::milliseconds(conn.http.connect_timeout_ms);
    auto instance = plugins::Connector::make(conn.name, modules[conn.name], *hub->env_, policy);
    instance->set_call_timeout_ms(static_cast<uint32_t>(conn.call_timeout_ms));
    instance->set_poll_interval_ms(static_cast<uint32_t>(conn.poll_interval_ms));
    hub->watchdog_->watch(instance);
    const auto st = instance->create(conn.config.dump());
    if (!st.ok()) {
      const std::string line = where(c, conn, "config") + ": the plugin refused its config: " + st.message;
      if (conn.required) {
        errors.lines.push_back(line);
        errors.plugin_refused = true;
      } else {
        hub->warnings_.push_back(line + " (connector skipped)");
      }
      if (!instance->destroy()) hub->plugins_stuck_ = true;  // create_instance never returned
      continue;
    }
    hub->connectors_.push_back(instance);
    SinkPolicy sp;
    sp.retry_base_ms = static_cast<uint32_t>(conn.retry.base_ms);
    sp.retry_max_ms = static_cast<uint32_t>(conn.retry.max_ms);
    sp.breaker_failures = static_cast<uint32_t>(conn.retry.breaker_failures);
    sp.breaker_open_ms = static_cast<uint32_t>(conn.retry.breaker_open_ms);
    if (sources.count(conn.name)) source_specs.push_back({conn.name, instance, sp});
    if (sinks.count(conn.name)) sink_specs.push_back({conn.name, instance, sp});
    hub->roles_[conn.name] = std::string(sources.count(conn.name) ? "source" : "") +
                             (sources.count(conn.name) && sinks.count(conn.name) ? "+" : "") +
                             (sinks.count(conn.name) ? "sink" : "");
    if (hub->roles_[conn.name].empty()) hub->roles_[conn.name] = "action";
  }
  if (!errors.empty()) {
    for (auto& k : hub->connectors_)
      if (!k->destroy()) hub->plugins_stuck_ = true;
    hub->connectors_.clear();
    return nullptr;
  }
  hub->actions_ = std::make_unique<ActionDispatcher>(hub->connectors_, core::SystemClock::instance());
  PipelineOptions po;
  po.journal_max_bytes = c.caps.journal_max_bytes;
  po.outbox_max_bytes = c.caps.outbox_max_bytes;
  po.checkpoint_interval_ms = static_cast<uint32_t>(c.caps.checkpoint_interval_ms);
  po.max_batch_events = static_cast<uint32_t>(c.caps.max_batch_events);
  if (c.ingest) po.dead_letter_refused = c.ingest->dead_letter_refused;
  hub->pipeline_clock_ = options.clock ? options.clock : &core::SystemClock::instance();
  po.timers = options.source_timers;
  hub->pipeline_ = std::make_unique<Pipeline>(*hub->runtime_, *hub->pipeline_clock_, hub->metrics_,
                                               std::move(source_specs), std::move(sink_specs), std::move(routes),
                                               make_normalizer(), *hub->journal_, *hub->dead_letters_, po);
  if (native_engine || lua_engine) {
    hub->correlation_ = std::make_unique<Correlation>(*hub->runtime_, hub->metrics_, *hub->journal_,
                                                      std::move(native_engine), std::move(lua_engine));
    hub->pipeline_->set_correlation(hub->correlation_.get());
  }
  hub->started_ms_ = core::SystemClock::instance().now_ms();

  // The HTTP ingest server feeds the pipeline as the source named "ingest".
  if (c.ingest) {
    ingest::ServerOptions so;
    so.listen = c.ingest->listen;
    so.tls_cert = c.ingest->tls_cert;
    so.tls_key = c.ingest->tls_key;
    so.max_body_bytes = c.ingest->max_body_bytes;
    so.request_timeout = std::chrono::milliseconds(c.ingest->request_timeout_ms);
    so.max_connections = static_cast<size_t>(c.ingest->max_connections);
    so.hec_ack = c.ingest->hec_ack;
    for (const auto& t : c.ingest->tokens)
      so.tokens.push_back({t.name, t.token, t.allowed_indexes, t.default_index, t.default_source, t.default_sourcetype,
                           t.default_host, t.allow_query_token});
    Hub* raw = hub.get();
    auto fn = [raw](ingest::Batch b, ingest::DurableFn durable) {
      // The journal marks itself full before it fails an append for lack of space: such a batch
      // is answered busy, as at the cap.
      auto stored = [raw, durable = std::move(durable)](bool ok, const std::string& error) {
        durable(ok                            ? ingest::Stored::yes
                : raw->journal_->disk_full() ? ingest::Stored::busy
                                              : ingest::Stored::failed,
                error);
      };
      const siemhub_rc rc =
          raw->pipeline_->ingest(kIngestSource, std::move(b.events), std::move(b.refused), std::move(stored));
      return rc == SIEMHUB_RC_BUSY ? ingest::Admit::busy : ingest::Admit::accepted;
    };
    // Ready while pushes are taken: not at a cap, not on a full disk (or below its reserve).
    ingest::HealthFn health{[raw] { return raw->started_.load() && raw->pipeline_->accepting(kIngestSource); },
                            [raw] {
                              nlohmann::json d{{"connectors", raw->status()["connectors"]}};
                              if (raw->correlation_) d["rules"] = {{"quarantined", raw->correlation_->quarantined()}};
                              return d;
                            }};
    try {
      hub->ingest_ = std::make_unique<ingest::IngestServer>(hub->runtime_->io(), std::move(so), fn, health, hub->metrics_);
    } catch (const std::exception& e) {
      errors.lines.push_back(c.file.string() + ": ingest: " + e.what());
      return nullptr;
    }
  }
  return hub;
}

Hub::~Hub() {
  if (started_) stop(0);
  ingest_.reset();
  if (watchdog_) watchdog_->stop();
  for (auto& k : connectors_) plugins_stuck_ = !k->destroy(std::chrono::milliseconds(kPluginStopMs)) || plugins_stuck_;
  connectors_.clear();
  if (plugins_stuck_) {
    // Plugin code still runs and may call back into the environment, the pipeline or the
    // journal, and its thread cannot be joined: leave all of it in place for the process's end
    // (the owner of the process ends it; see stop()).
    (void)runtime_.release();
    (void)env_.release();
    (void)http_.release();
    (void)kv_.release();
    (void)journal_.release();
    (void)pipeline_.release();
    (void)correlation_.release();
    (void)actions_.release();
    return;
  }
  if (runtime_) runtime_->stop();
  // The journal first: its writer commits what is still queued and calls the pipeline's
  // completion and subscriber callbacks, so the pipeline must still be alive then.
  journal_.reset();
  pipeline_.reset();
  correlation_.reset();
}

namespace {

// Starts `k` on its strand; the future has the result once the plugin returned.
std::future<plugins::CallStatus> start_connector(const std::shared_ptr<plugins::Connector>& k) {
  auto result = std::make_shared<std::promise<plugins::CallStatus>>();
  auto f = result->get_future();
  k->start_async([result, id = k->id()](plugins::CallStatus st) {
    if (!st.ok()) core::Log::write(core::LogLevel::error, "hub", "cannot start: " + st.message, id);
    result->set_value(std::move(st));
  });
  return f;
}

}  // namespace

std::string Hub::start() {
  if (!pipeline_) return {};
  struct Required {
    std::shared_ptr<plugins::Connector> connector;
    std::future<plugins::CallStatus> started;
  };
  std::vector<Required> required;
  auto start_one = [this, &required](const std::shared_ptr<plugins::Connector>& k) {
    auto f = start_connector(k);
    const auto it = std::find_if(cfg_.connectors.begin(), cfg_.connectors.end(),
                                 [&](const auto& c) { return c.name == k->id(); });
    if (it != cfg_.connectors.end() && it->required) required.push_back({k, std::move(f)});
  };
  // Sinks first: each strand runs its start before anything the pipeline posts to it, so nothing
  // a source hands over reaches a sink that has not started.
  for (auto& k : connectors_)
    if (!is_source(k->module())) start_one(k);
  pipeline_->start();
  for (auto& k : connectors_)
    if (is_source(k->module())) start_one(k);
  started_ = true;
  std::string failure;
  if (ingest_) {
    try {
      ingest_->start();
    } catch (const std::exception& e) {
      failure = std::string("ingest: ") + e.what();
    }
  }
  for (auto& r : required) {
    const auto limit = std::chrono::milliseconds(r.connector->call_timeout_ms() + 1000);
    if (r.started.wait_for(limit) != std::future_status::ready) {
      if (failure.empty())
        failure = "required connector " + r.connector->id() + " did not start within its deadline of " +
                  std::to_string(r.connector->call_timeout_ms()) + " ms";
      continue;
    }
    const auto st = r.started.get();
    if (!st.ok() && failure.empty()) failure = "required connector " + r.connector->id() + " cannot start: " + st.message;
  }
  return failure;
}

std::vector<std::string> Hub::stop(int64_t drain_ms) {
  if (!started_) return {};
  started_ = false;
  if (ingest_) ingest_->stop();  // no new pushes; what was admitted drains below
  // One budget for everything after the drain (the final checkpoint, the plugins' stop and
  // destroy), kStopAfterDrainMs in all, so the stop ends inside the documented drain + 5 s
  // whatever each step costs on a loaded machine: each step gets its own cap or what the budget
  // leaves after keeping the later steps their share, whichever is less.
  const auto steady_now = [] { return std::chrono::steady_clock::now(); };
  const auto drain_end = steady_now() + std::chrono::milliseconds(std::max<int64_t>(0, drain_ms));
  const auto budget_end = drain_end + std::chrono::milliseconds(kStopAfterDrainMs);
  const auto left_before = [&](std::chrono::milliseconds reserve, std::chrono::milliseconds cap) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(budget_end - reserve - steady_now());
    return std::clamp(left, std::chrono::milliseconds(0), cap);
  };
  // The drain, then the final checkpoint (it keeps ~2.5 s for the plugins).
  pipeline_->stop(pipeline_clock_->now_ms() + drain_ms, left_before(std::chrono::milliseconds(2500), std::chrono::seconds(10)));
  // Every plugin stops at once, all by the same deadline, so several stuck ones cost no more
  // than one. Sources first, so no sink is stopped under a source still handing over events.
  auto stop_all = [this](bool sources, std::chrono::milliseconds wait) {
    const int64_t stop_by = core::SystemClock::instance().now_ms() + wait.count();
    std::vector<std::future<plugins::CallStatus>> stopping;
    for (auto& k : connectors_)
      if (is_source(k->module()) == sources)
        stopping.push_back(std::async(std::launch::async, [k, stop_by] { return k->stop(stop_by); }));
    for (auto& f : stopping) f.get();  // each bounded by stop_by plus a grace
  };
  stop_all(true, left_before(std::chrono::milliseconds(1500), std::chrono::milliseconds(kPluginStopMs)));
  stop_all(false, left_before(std::chrono::milliseconds(700), std::chrono::milliseconds(kPluginStopMs)));
  // destroy_instance: all at once too, by what the budget leaves (at least a moment each).
  const auto destroy_wait = std::max(left_before(std::chrono::milliseconds(0), std::chrono::milliseconds(kPluginStopMs)),
                                     std::chrono::milliseconds(100));
  std::vector<std::pair<std::shared_ptr<plugins::Connector>, std::string>> running;
  for (auto& k : connectors_) running.emplace_back(k, k->running_call());
  std::vector<std::future<bool>> destroying;
  for (auto& [k, r] : running)
    destroying.push_back(std::async(std::launch::async, [k = k, destroy_wait] {
      // Never destroy an instance whose code may still run: leave it as it is.
      return !k->stuck() && k->destroy(destroy_wait);
    }));
  std::vector<std::string> stuck;
  for (std::size_t i = 0; i < running.size(); ++i) {
    if (destroying[i].get()) continue;
    auto& [k, r] = running[i];
    k->leave_running();
    stuck.push_back(k->id() + ": " + (r.empty() ? std::string("blocking work still running") : r));
  }
  if (watchdog_) watchdog_->stop();
  plugins_stuck_ = !stuck.empty();
  connectors_.clear();
  return stuck;
}

std::string Hub::summary() const {
  if (!pipeline_) return "";
  std::ostringstream out;
  bool first = true;
  for (const auto& [name, st] : pipeline_->stats()) {
    out << (first ? "" : " | ") << name << ":";
    first = false;
    if (st.events_in || st.invalid) out << " in " << st.events_in;
    if (st.invalid) out << " invalid " << st.invalid;
    if (st.events_out || st.queue_events || st.rejected) out << " out " << st.events_out;
    if (st.queue_events) out << " queued " << st.queue_events;
    if (!st.breaker.empty() && st.breaker != "closed") out << " breaker " << st.breaker;
    if (st.paused) out << " paused";
    if (st.rejected) out << " rejected " << st.rejected;
    if (st.retries) out << " retries " << st.retries;
    if (st.errors) out << " errors " << st.errors;
  }
  return out.str();
}

}  // namespace siemhub::pipeline

namespace siemhub::pipeline {

// ------------------------------------------------------------------------------- admin control

nlohmann::json Hub::status() {
  using nlohmann::json;
  json out;
  out["started_ms"] = started_ms_;
  json conns = json::array();
  const auto stats = pipeline_ ? pipeline_->stats() : std::map<std::string, ConnectorStats>{};
  for (const auto& k : connectors_) {
    const auto h = k->health();
    const std::string state = h.state == SIEMHUB_HEALTH_OK ? "ok" : h.state == SIEMHUB_HEALTH_DEGRADED ? "degraded" : "down";
    const std::string reason = h.reason;
    const auto it = stats.find(k->id());
    json c{{"name", k->id()},
           {"plugin", k->module().id()},
           {"role", roles_.count(k->id()) ? roles_.at(k->id()) : ""},
           {"health", {{"state", state}, {"reason", reason}}}};
    if (it != stats.end()) {
      const auto& st = it->second;
      c["events_in"] = st.events_in;
      c["events_out"] = st.events_out;
      c["invalid"] = st.invalid;
      c["rejected"] = st.rejected;
      c["retries"] = st.retries;
      c["errors"] = st.errors;
      c["queue_events"] = st.queue_events;
      c["queue_bytes"] = st.queue_bytes;
      c["acked_seq"] = st.acked_seq;
      if (!st.breaker.empty()) c["breaker"] = st.breaker;
      if (!st.last_error.empty()) c["last_error"] = st.last_error;
      if (!st.last_error_category.empty()) c["last_error_category"] = st.last_error_category;
      if (st.next_attempt_ms > 0) c["next_attempt_ms"] = st.next_attempt_ms;
      if (st.retry_count > 0) c["retry_count"] = st.retry_count;
      c["paused"] = st.paused;
    }
    conns.push_back(std::move(c));
  }
  out["connectors"] = std::move(conns);
  if (journal_) {
    const auto index = journal_->index_after(0);
    out["journal"] = {{"first_seq", index.empty() ? journal_->last_seq() : index.front().seq},
                      {"last_seq", journal_->last_seq()},
                      {"records", index.size()},
                      {"bytes", journal_->retained_bytes()},
                      {"cap_bytes", cfg_.caps.journal_max_bytes},
                      {"disk_full", journal_->disk_full()},
                      {"commits", journal_->commits()}};
    const auto row = journal_->load_checkpoint();
    out["checkpoint"] = {{"last_ms", journal_->last_checkpoint_ms()}, {"journal_seq", row ? row->journal_seq : 0}};
  }
  if (dead_letters_) out["dlq"] = {{"count", dead_letters_->count()}};
  if (correlation_) {
    out["rules"] = correlation_->rules_status();
    out["correlation"] = correlation_->status();
  }
  return out;
}

nlohmann::json Hub::dlq_list(const admin::DlqFilter& filter) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& d : dead_letters_->list(filter.sink, filter.after_id, filter.limit))
    out.push_back({{"id", d.id}, {"sink", d.sink}, {"stage", d.stage}, {"event_id", d.event_id},
                   {"journal_seq", d.journal_seq}, {"reason", d.reason}, {"created_ms", d.created_ms}});
  return out;
}

std::optional<nlohmann::json> Hub::dlq_show(uint64_t id) {
  auto d = dead_letters_->get(id);
  if (!d) return std::nullopt;
  // A refused event may be anything a client sent: too deep or not JSON, it is shown as text.
  nlohmann::json event = ocsf::parse_json(d->event);
  return nlohmann::json{{"id", d->id},         {"sink", d->sink},  {"stage", d->stage}, {"event_id", d->event_id},
                        {"journal_seq", d->journal_seq}, {"reason", d->reason}, {"response", d->response},
                        {"created_ms", d->created_ms},   {"event", event.is_discarded() ? nlohmann::json(d->event) : event}};
}

namespace {
// A cursor is bytes: shown as text when it is UTF-8, else in hex.
nlohmann::json cursor_json(const std::string& connector, const std::string& cursor) {
  nlohmann::json out{{"connector", connector}, {"bytes", cursor.size()}};
  if (simdjson::validate_utf8(cursor.data(), cursor.size())) {
    out["cursor"] = cursor;
  } else {
    out["cursor_hex"] = core::to_hex(cursor);
  }
  return out;
}
}  // namespace

nlohmann::json Hub::cursor_show(const std::string& connector) {
  auto cursor = pipeline_ ? pipeline_->source_cursor(connector) : std::nullopt;
  if (!cursor) throw admin::NotFound("no pull source named \"" + connector + "\"");
  return cursor_json(connector, *cursor);
}

void Hub::cursor_reset(const std::string& connector, const std::string& cursor, CursorDone done) {
  auto previous = pipeline_ ? pipeline_->source_cursor(connector) : std::nullopt;
  if (!previous) throw admin::NotFound("no pull source named \"" + connector + "\"");
  auto before = cursor_json(connector, *previous);
  auto answer = [connector, cursor, before = std::move(before), done = std::move(done)](std::string error) {
    if (!error.empty()) return done(nullptr, std::move(error));
    core::Log::write(core::LogLevel::warn, "admin", "cursor of " + connector + " reset through the admin API", connector);
    auto out = cursor_json(connector, cursor);
    out["previous"] = before.contains("cursor") ? before["cursor"] : before["cursor_hex"];
    done(std::move(out), {});
  };
  // The source takes it once its poll in flight (bounded by its call deadline) has ended.
  if (!pipeline_->reset_cursor(connector, cursor, std::move(answer)))
    throw admin::NotFound("no pull source named \"" + connector + "\"");
}

nlohmann::json Hub::dlq_replay(const std::vector<uint64_t>& ids, const std::string& sink, const std::string& to_sink) {
  auto letters = dead_letters_->select(ids, sink);
  // Group by target sink; each group goes back through the journal to that sink only. An event
  // normalize refused was never valid: it is fixed and sent again at its source, not replayed.
  std::map<std::string, std::vector<DeadLetter>> by_sink;
  // A source-stage letter was never a valid event: it has nothing to go back to.
  for (auto& d : letters)
    if (d.stage != DeadLetter::kSourceStage) by_sink[to_sink.empty() ? d.sink : to_sink].push_back(std::move(d));
  // Refuse before replaying anything: a replay that quietly sends nothing looks like success.
  const auto sinks = pipeline_ ? pipeline_->sink_names() : std::vector<std::string>{};
  const auto known = [&](const std::string& name) { return std::find(sinks.begin(), sinks.end(), name) != sinks.end(); };
  std::string names;
  for (const auto& s : sinks) names += (names.empty() ? "" : ", ") + s;
  if (!to_sink.empty() && !known(to_sink))
    throw admin::NotFound("no sink named \"" + to_sink + "\" (sinks: " + (names.empty() ? "none" : names) + ")");
  for (const auto& [target, group] : by_sink) {
    if (!known(target))
      throw admin::NotFound("the dead letters of \"" + target + "\" have no sink of that name to go back to (sinks: " +
                            (names.empty() ? "none" : names) + "): replay them with --to SINK");
  }
  uint64_t n = 0;
  for (auto& [target, group] : by_sink) {
    const uint64_t sent = pipeline_ ? pipeline_->replay(group, target) : 0;
    if (sent == 0) continue;
    std::vector<uint64_t> done;
    for (const auto& d : group) done.push_back(d.id);
    dead_letters_->erase(done, "");  // durable in the journal now: the outbox owns them again
    n += sent;
  }
  return {{"replayed", n}};
}

nlohmann::json Hub::dlq_purge(const std::vector<uint64_t>& ids, const std::string& sink) {
  return {{"purged", dead_letters_->erase(ids, sink)}};
}

// Called on the admin server's control strand: they check and start the call, never wait for it.
nlohmann::json Hub::actions_list() {
  return actions_ ? actions_->list() : nlohmann::json{{"connectors", nlohmann::json::array()}};
}

std::optional<admin::ActionRefusal> Hub::action_execute(admin::ActionCallRequest request, admin::ActionDone done) {
  if (!actions_) return admin::ActionRefusal{"not_found", "this hub runs no connectors", nullptr};
  return actions_->call(false, std::move(request), std::move(done));
}

std::optional<admin::ActionRefusal> Hub::action_status(admin::ActionCallRequest request, admin::ActionDone done) {
  if (!actions_) return admin::ActionRefusal{"not_found", "this hub runs no connectors", nullptr};
  return actions_->call(true, std::move(request), std::move(done));
}

}  // namespace siemhub::pipeline
