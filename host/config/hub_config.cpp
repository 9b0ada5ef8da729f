// load_config: main file + conf.d, structure validation against main_schema(), merge, paths.
#include <algorithm>
#include <map>
#include <system_error>

#include "config/config.hpp"
#include "core/redact.hpp"
#include "core/secrets.hpp"
#include "config/schema_check.hpp"
#include "config/yaml_json.hpp"

namespace siemhub::config {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// conf.d files may only hold connectors and routes; same definitions as the main file.
json confd_schema(const json& main) {
  json s = main;
  s["title"] = "siemhub conf.d file";
  s["properties"] = json{{"connectors", main["properties"]["connectors"]},
                         {"routes", main["properties"]["routes"]}};
  return s;
}

fs::path resolve_path(const fs::path& base_dir, const std::string& p) {
  const fs::path path(p);
  return (path.is_absolute() ? path : base_dir / path).lexically_normal();
}

// Copies the locations under `from` (the node and its descendants) to the same places under `to`.
void copy_sources(const SourceMap& src, const std::string& from, SourceMap& dst, const std::string& to) {
  for (auto* maps : {&src.values, &src.keys}) {
    auto& out = maps == &src.values ? dst.values : dst.keys;
    for (auto it = maps->lower_bound(from); it != maps->end(); ++it) {
      const std::string& k = it->first;
      if (k.compare(0, from.size(), from) != 0) break;
      if (k.size() > from.size() && k[from.size()] != '/') continue;
      out[to + k.substr(from.size())] = it->second;
    }
  }
}

std::vector<fs::path> confd_files(const fs::path& dir, bool explicit_dir, std::vector<ConfigError>& errors) {
  std::vector<fs::path> files;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    if (explicit_dir) errors.push_back(make_error({dir.string(), 0, 0}, "", "conf.d directory not found"));
    return files;
  }
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".yaml" && it->is_regular_file(ec)) files.push_back(it->path());
  if (ec) errors.push_back(make_error({dir.string(), 0, 0}, "", "cannot list conf.d: " + ec.message()));
  std::sort(files.begin(), files.end(),
            [](const fs::path& a, const fs::path& b) { return a.filename() < b.filename(); });
  return files;
}

// Adds one conf.d document's connectors and routes to the merged document.
void merge_confd(const YamlDocument& part, json& merged, SourceMap& sources, std::vector<ConfigError>& errors) {
  if (!part.value.is_object()) return;
  if (auto c = part.value.find("connectors"); c != part.value.end() && c->is_object()) {
    json& all = merged["connectors"];
    if (!all.is_object()) return;
    for (const auto& [name, value] : c->items()) {
      const std::string ptr = "/connectors/" + pointer_escape(name);
      if (all.contains(name)) {
        const SourceLocation first = sources.key_or_value(ptr);
        errors.push_back(make_error(part.sources.key_or_value(ptr), "connectors." + name,
                                    "connector '" + name + "' is already defined in " + first.file + ":" +
                                        std::to_string(first.line)));
        continue;
      }
      all[name] = value;
      copy_sources(part.sources, ptr, sources, ptr);
    }
  }
  if (auto r = part.value.find("routes"); r != part.value.end() && r->is_array()) {
    json& all = merged["routes"];
    if (all.is_null()) all = json::array();
    if (!all.is_array()) return;
    for (std::size_t i = 0; i < r->size(); ++i) {
      copy_sources(part.sources, "/routes/" + std::to_string(i), sources, "/routes/" + std::to_string(all.size()));
      all.push_back((*r)[i]);
    }
  }
}

std::vector<std::string> string_list(const json& v) {
  std::vector<std::string> out;
  if (v.is_array())
    for (const auto& e : v)
      if (e.is_string()) out.push_back(e.get<std::string>());
  return out;
}

// Route endpoints must name connectors (checked on the merged document).
void check_routes(const json& merged, const SourceMap& sources, std::vector<ConfigError>& errors) {
  const auto r = merged.find("routes");
  if (r == merged.end() || !r->is_array()) return;
  std::vector<std::string> names;
  if (auto c = merged.find("connectors"); c != merged.end() && c->is_object())
    for (const auto& [name, _] : c->items()) names.push_back(name);
  if (merged.contains("ingest")) names.push_back("ingest");  // the HTTP ingest server is a source
  if (merged.contains("rules")) names.push_back("correlate");  // the correlator's findings
  for (std::size_t i = 0; i < r->size(); ++i) {
    if (!(*r)[i].is_object()) continue;
    for (const char* side : {"from", "to"}) {
      const auto list = (*r)[i].find(side);
      if (list == (*r)[i].end() || !list->is_array()) continue;
      for (std::size_t j = 0; j < list->size(); ++j) {
        const json& n = (*list)[j];
        if (!n.is_string() || std::find(names.begin(), names.end(), n.get<std::string>()) != names.end())
          continue;
        const std::string ptr = "/routes/" + std::to_string(i) + "/" + side + "/" + std::to_string(j);
        std::string msg = "unknown connector '" + n.get<std::string>() + "'";
        if (auto s = closest_name(n.get<std::string>(), names); !s.empty()) msg += " (did you mean '" + s + "'?)";
        errors.push_back(make_error(sources.value_or_ancestor(ptr), dotted_path(merged, ptr), msg));
      }
    }
  }
}

ConnectorConfig build_connector(const std::string& name, const json& c, const SourceMap& sources) {
  ConnectorConfig out;
  out.name = name;
  out.plugin = c.value("plugin", "");
  out.enabled = c.value("enabled", true);
  out.required = c.value("required", false);
  out.call_timeout_ms = c.value("call_timeout_ms", 30000);
  out.poll_interval_ms = c.value("poll_interval_ms", 0);
  out.config = c.value("config", json::object());
  out.where = sources.key_or_value("/connectors/" + pointer_escape(name));
  out.file = out.where.file;
  const json http = c.value("http", json::object());
  out.http.verify_tls = http.value("verify_tls", true);
  if (http.contains("ca_file"))
    out.http.ca_file = resolve_path(fs::path(out.file).parent_path(), http["ca_file"].get<std::string>()).string();
  out.http.proxy = http.value("proxy", "");
  out.http.egress_allow = string_list(http.value("egress_allow", json::array()));
  out.http.timeout_ms = http.value("timeout_ms", 30000);
  out.http.connect_timeout_ms = http.value("connect_timeout_ms", 10000);
  const json retry = c.value("retry", json::object());
  out.retry.base_ms = retry.value("base_ms", 200);
  out.retry.max_ms = retry.value("max_ms", 60000);
  const json breaker = c.value("breaker", json::object());
  out.retry.breaker_failures = breaker.value("failures", 5);
  out.retry.breaker_open_ms = breaker.value("open_ms", 30000);
  return out;
}

HubConfig build(const fs::path& main, const json& merged, SourceMap sources, const std::vector<std::string>& file_order) {
  HubConfig h;
  const fs::path base = main.parent_path();
  h.file = main;
  h.data_dir = resolve_path(base, merged.value("data_dir", "./siemhub-data"));
  h.log_level = merged.value("log_level", "info");
  const json plugins = merged.value("plugins", json::object());
  for (const auto& d : string_list(plugins.value("dirs", json::array()))) h.plugin_dirs.push_back(resolve_path(base, d));
  h.required_plugins = string_list(plugins.value("required", json::array()));
  h.limits = merged.value("limits", json::object());
  h.caps.journal_max_bytes = h.limits.value("journal_max_bytes", h.caps.journal_max_bytes);
  h.caps.outbox_max_bytes = h.limits.value("outbox_max_bytes", h.caps.outbox_max_bytes);
  h.caps.min_free_disk_bytes = h.limits.value("min_free_disk_bytes", h.caps.min_free_disk_bytes);
  h.caps.checkpoint_interval_ms = h.limits.value("checkpoint_interval_ms", h.caps.checkpoint_interval_ms);
  h.caps.max_batch_events = h.limits.value("max_batch_events", h.caps.max_batch_events);
  const json connectors = merged.value("connectors", json::object());
  for (const auto& [name, c] : connectors.items())
    h.connectors.push_back(build_connector(name, c, sources));
  auto rank = [&](const ConnectorConfig& c) {
    const auto f = std::find(file_order.begin(), file_order.end(), c.file);
    return std::make_tuple(f - file_order.begin(), c.where.line, c.where.column);
  };
  std::stable_sort(h.connectors.begin(), h.connectors.end(),
                   [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
  const json routes = merged.value("routes", json::array());
  for (std::size_t i = 0; i < routes.size(); ++i)
    h.routes.push_back(Route{string_list(routes[i]["from"]), string_list(routes[i]["to"]),
                             sources.value_or_ancestor("/routes/" + std::to_string(i))});
  if (const auto in = merged.find("ingest"); in != merged.end() && in->is_object()) {
    IngestConfig ic;
    ic.listen = in->value("listen", ic.listen);
    if (in->contains("tls_cert")) ic.tls_cert = resolve_path(base, (*in)["tls_cert"].get<std::string>()).string();
    if (in->contains("tls_key")) ic.tls_key = resolve_path(base, (*in)["tls_key"].get<std::string>()).string();
    ic.max_body_bytes = in->value("max_body_bytes", ic.max_body_bytes);
    ic.request_timeout_ms = in->value("request_timeout_ms", ic.request_timeout_ms);
    ic.max_connections = in->value("max_connections", ic.max_connections);
    ic.hec_ack = in->value("hec_ack", ic.hec_ack);
    ic.dead_letter_refused = in->value("dead_letter_refused", ic.dead_letter_refused);
    for (const auto& t : in->value("tokens", json::array())) {
      IngestToken tok;
      tok.name = t.value("name", "");
      tok.token = t.value("token", "");
      tok.allowed_indexes = string_list(t.value("allowed_indexes", json::array()));
      tok.default_index = t.value("default_index", "");
      tok.default_source = t.value("default_source", "");
      tok.default_sourcetype = t.value("default_sourcetype", "");
      tok.default_host = t.value("default_host", "");
      tok.allow_query_token = t.value("allow_query_token", false);
      ic.tokens.push_back(std::move(tok));
    }
    h.ingest = std::move(ic);
  }
  if (const auto ru = merged.find("rules"); ru != merged.end() && ru->is_object()) {
    RulesConfig rc;
    rc.enabled = ru->value("enabled", rc.enabled);
    for (const auto& f : string_list(ru->value("files", json::array()))) rc.files.push_back(resolve_path(base, f));
    for (const auto& d : string_list(ru->value("dirs", json::array()))) rc.dirs.push_back(resolve_path(base, d));
    rc.memory_limit_bytes = ru->value("memory_limit_bytes", rc.memory_limit_bytes);
    rc.instruction_budget = ru->value("instruction_budget", rc.instruction_budget);
    rc.quarantine_after = ru->value("quarantine_after", rc.quarantine_after);
    rc.max_groups_per_rule = ru->value("max_groups_per_rule", rc.max_groups_per_rule);
    rc.workers = ru->value("workers", rc.workers);
    rc.where = sources.key_or_value("/rules");
    h.rules = std::move(rc);
  }
  h.sources = std::move(sources);
  return h;
}

// Ingest tokens are secrets: resolve ${env:}/${file:} references and register every value for
// redaction (literal ones too).
void resolve_ingest_tokens(HubConfig& h, std::vector<ConfigError>& errors) {
  if (!h.ingest) return;
  for (size_t i = 0; i < h.ingest->tokens.size(); ++i) {
    auto& tok = h.ingest->tokens[i];
    if (core::is_secret_reference(tok.token)) {
      std::string why;
      auto v = core::resolve_secret(tok.token, why);
      const std::string ptr = "/ingest/tokens/" + std::to_string(i) + "/token";
      if (!v) {
        errors.push_back(make_error(h.sources.value_or_ancestor(ptr), "ingest.tokens[" + std::to_string(i) + "].token", why));
        continue;
      }
      tok.token = std::move(*v);
    } else {
      core::register_secret(tok.token);
    }
  }
  // What the ingest server refuses at start, said here so that `validate` says it too; the
  // values themselves are secrets and never appear in the message.
  const auto& tokens = h.ingest->tokens;
  for (size_t i = 0; i < tokens.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      const std::string ptr = "/ingest/tokens/" + std::to_string(i);
      const std::string path = "ingest.tokens[" + std::to_string(i) + "]";
      if (!tokens[i].name.empty() && tokens[i].name == tokens[j].name)
        errors.push_back(make_error(h.sources.value_or_ancestor(ptr + "/name"), path + ".name",
                                    "the name \"" + tokens[i].name + "\" is also ingest.tokens[" + std::to_string(j) + "]'s"));
      if (!tokens[i].token.empty() && tokens[i].token == tokens[j].token)
        errors.push_back(make_error(h.sources.value_or_ancestor(ptr + "/token"), path + ".token",
                                    "has the same value as ingest.tokens[" + std::to_string(j) + "] (\"" + tokens[j].name +
                                        "\"): every token must be distinct"));
    }
  }
}

}  // namespace

LoadResult load_config(const fs::path& main_file, std::optional<fs::path> conf_d) {
  LoadResult r;
  try {
    std::error_code ec;
    fs::path main = fs::absolute(main_file, ec).lexically_normal();
    if (ec) main = main_file;
    const json schema = json::parse(main_schema());
    auto doc = parse_yaml_file(main, r.errors);
    if (!doc) return r;
    auto errs = check_schema(doc->value, schema, doc->sources, DocPlace{});
    r.errors.insert(r.errors.end(), errs.begin(), errs.end());

    json merged = doc->value;
    SourceMap sources = doc->sources;
    std::vector<std::string> file_order{main.string()};
    if (merged.is_object() && !merged.contains("connectors")) merged["connectors"] = json::object();
    const bool explicit_dir = conf_d.has_value();
    const fs::path dir = explicit_dir ? fs::absolute(*conf_d, ec).lexically_normal() : main.parent_path() / "conf.d";
    const json part_schema = confd_schema(schema);
    for (const auto& file : confd_files(dir, explicit_dir, r.errors)) {
      auto part = parse_yaml_file(file, r.errors);
      if (!part) continue;
      if (part->value.is_null()) part->value = json::object();  // an empty file is fine
      errs = check_schema(part->value, part_schema, part->sources, DocPlace{});
      r.errors.insert(r.errors.end(), errs.begin(), errs.end());
      file_order.push_back(file.string());
      if (merged.is_object()) merge_confd(*part, merged, sources, r.errors);
    }
    if (merged.is_object()) check_routes(merged, sources, r.errors);
    if (r.errors.empty()) {
      r.config = build(main, merged, std::move(sources), file_order);
      resolve_ingest_tokens(*r.config, r.errors);
      if (!r.errors.empty()) r.config.reset();
    }
  } catch (const std::exception& e) {
    // Not expected (everything above reports through errors): never let it escape.
    r.errors.push_back(make_error({main_file.string(), 0, 0}, "", std::string("internal error: ") + e.what()));
    r.config.reset();
  }
  return r;
}

}  // namespace siemhub::config
