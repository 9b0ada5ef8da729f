#include "pipeline/hub.hpp"

#include <algorithm>
#include <mutex>
#include <set>
#include <sstream>

#include "builtin/builtin.hpp"
#include "core/log.hpp"
#include "pipeline/normalize.hpp"
#include "store/cursor_store.hpp"
#include "store/data_dir.hpp"
#include "store/kv_store.hpp"

namespace siemhub::pipeline {

namespace {

// The hub's cursor store on SQLite: its own connection (connections are single-threaded),
// shared by every source's strand under a mutex.
class SqliteCursors final : public CursorStore {
 public:
  explicit SqliteCursors(std::unique_ptr<store::Database> db) : db_(std::move(db)), store_(*db_) {}
  std::optional<std::string> get(const std::string& c) override {
    std::lock_guard lock(mu_);
    return store_.get(c);
  }
  void put(const std::string& c, const std::string& cursor) override {
    std::lock_guard lock(mu_);
    store_.put(c, cursor);
  }

 private:
  std::mutex mu_;
  std::unique_ptr<store::Database> db_;
  store::CursorStore store_;
};

std::string where(const config::HubConfig& cfg, const config::ConnectorConfig& c, const std::string& key) {
  std::string loc = c.file + ":" + std::to_string(c.where.line) + ":" + std::to_string(c.where.column);
  (void)cfg;
  return loc + ": connectors." + c.name + (key.empty() ? "" : "." + key);
}

bool is_source(const plugins::PluginModule& m) {
  return (m.descriptor().capabilities & (SIEMHUB_CAP_SOURCE_PULL | SIEMHUB_CAP_SOURCE_PUSH)) != 0;
}
bool is_sink(const plugins::PluginModule& m) { return (m.descriptor().capabilities & SIEMHUB_CAP_SINK) != 0; }

}  // namespace

std::string default_config_yaml(const std::filesystem::path& data_dir) {
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
)";
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
  for (auto& cand : hub->loader_->scan()) {
    if (!cand.accepted()) {
      hub->warnings_.push_back(cand.error);
      continue;
    }
  }
  for (const auto& m : hub->loader_->modules()) {
    std::string why;
    if (!m->init(plugins::host_api(), why)) {
      const bool required = std::count(c.required_plugins.begin(), c.required_plugins.end(), m->id()) > 0;
      const std::string line = "refused " + (m->builtin() ? std::string("builtin ") + m->id() : m->path().string()) + ": " + why;
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
      if (!m) errors.lines.push_back("required plugin '" + id + "' is not loaded (see `siemhub plugins list`)");
      errors.plugin_refused = true;
    }
  }

  // Connectors: each must name a loaded plugin and satisfy its schema.
  std::vector<std::string> plugin_ids;
  for (const auto& m : hub->loader_->modules()) plugin_ids.push_back(m->id());
  std::map<std::string, std::shared_ptr<plugins::PluginModule>> modules;
  for (auto& conn : c.connectors) {
    if (!conn.enabled) continue;
    auto m = hub->loader_->find(conn.plugin);
    if (!m || !m->initialized()) {
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
    routes.push_back(all);
  } else {
    for (const auto& r : c.routes) {
      const std::string loc = r.where.file + ":" + std::to_string(r.where.line) + ":" + std::to_string(r.where.column);
      for (const auto& f : r.from) {
        auto it = modules.find(f);
        if (it == modules.end()) errors.lines.push_back(loc + ": routes: '" + f + "' is not an enabled connector");
        else if (!is_source(*it->second)) errors.lines.push_back(loc + ": routes: '" + f + "' (plugin " + it->second->id() + ") is not a source");
      }
      for (const auto& t : r.to) {
        auto it = modules.find(t);
        if (it == modules.end()) errors.lines.push_back(loc + ": routes: '" + t + "' is not an enabled connector");
        else if (!is_sink(*it->second)) errors.lines.push_back(loc + ": routes: '" + t + "' (plugin " + it->second->id() + ") is not a sink");
      }
      routes.push_back({r.from, r.to});
    }
  }
  for (const auto& r : routes) {
    sources.insert(r.from.begin(), r.from.end());
    sinks.insert(r.to.begin(), r.to.end());
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
    hub->cursors_ = std::make_unique<SqliteCursors>(hub->data_->connect_hub());
  } catch (const std::exception& e) {
    errors.lines.push_back(std::string("cannot open the hub database: ") + e.what());
    return nullptr;
  }
  hub->runtime_ = std::make_unique<core::Runtime>(options.threads);
  hub->runtime_->start();
  hub->http_ = std::make_unique<http::HttpService>();
  hub->env_ = std::make_unique<plugins::HostEnvironment>(plugins::HostEnvironment{
      *hub->runtime_, core::SystemClock::instance(), *hub->http_, *hub->kv_, hub->metrics_});

  std::vector<ConnectorSpec> source_specs, sink_specs;
  for (auto& conn : c.connectors) {
    if (!conn.enabled || !modules.count(conn.name)) continue;
    if (!sources.count(conn.name) && !sinks.count(conn.name)) {
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
    const auto st = instance->create(conn.config.dump());
    if (!st.ok()) {
      const std::string line = where(c, conn, "config") + ": the plugin refused its config: " + st.message;
      if (conn.required) {
        errors.lines.push_back(line);
        errors.plugin_refused = true;
      } else {
        hub->warnings_.push_back(line + " (connector skipped)");
      }
      instance->destroy();
      continue;
    }
    hub->connectors_.push_back(instance);
    if (sources.count(conn.name)) source_specs.push_back({conn.name, instance});
    if (sinks.count(conn.name)) sink_specs.push_back({conn.name, instance});
  }
  if (!errors.empty()) {
    for (auto& k : hub->connectors_) k->destroy();
    hub->connectors_.clear();
    return nullptr;
  }
  hub->pipeline_ = std::make_unique<Pipeline>(*hub->runtime_, core::SystemClock::instance(), hub->metrics_,
                                               std::move(source_specs), std::move(sink_specs), std::move(routes),
                                               make_normalizer(), *hub->cursors_);
  return hub;
}

Hub::~Hub() {
  if (started_) stop(0);
  for (auto& k : connectors_) k->destroy();
  connectors_.clear();
  pipeline_.reset();
  if (runtime_) runtime_->stop();
}

void Hub::start() {
  if (!pipeline_) return;
  // Sinks first, so nothing a source hands over waits for a sink that is not there.
  auto start_one = [this](const std::shared_ptr<plugins::Connector>& k) {
    const auto st = k->start();
    if (!st.ok()) core::Log::write(core::LogLevel::error, "hub", "cannot start: " + st.message, k->id());
  };
  for (auto& k : connectors_)
    if (!is_source(k->module())) start_one(k);
  pipeline_->start();
  for (auto& k : connectors_)
    if (is_source(k->module())) start_one(k);
  started_ = true;
}

void Hub::stop(int64_t drain_ms) {
  if (!started_) return;
  started_ = false;
  const int64_t deadline = core::SystemClock::instance().now_ms() + drain_ms;
  pipeline_->stop(deadline);
  for (auto& k : connectors_)
    if (is_source(k->module())) k->stop(deadline);
  for (auto& k : connectors_)
    if (!is_source(k->module())) k->stop(deadline);
  for (auto& k : connectors_) k->destroy();
  connectors_.clear();
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
    if (st.events_out || st.queued || st.rejected) out << " out " << st.events_out;
    if (st.queued) out << " queued " << st.queued;
    if (st.rejected) out << " rejected " << st.rejected;
    if (st.retries) out << " retries " << st.retries;
    if (st.errors) out << " errors " << st.errors;
  }
  return out.str();
}

}  // namespace siemhub::pipeline
