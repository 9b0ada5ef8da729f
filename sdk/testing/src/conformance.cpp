// siemhub SDK test kit — conformance checks. See conformance.hpp.
#include "siemhub/testing/conformance.hpp"

#include <elf.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <sstream>

namespace siemhub::testing {

using nlohmann::json;

bool ConformanceReport::passed() const { return failures() == 0; }

size_t ConformanceReport::failures() const {
  return static_cast<size_t>(std::count_if(checks.begin(), checks.end(), [](const Check& c) { return !c.pass; }));
}

const Check* ConformanceReport::find(std::string_view name) const {
  for (const auto& c : checks)
    if (c.name == name) return &c;
  return nullptr;
}

bool valid_plugin_id(std::string_view id) {
  if (id.empty() || id.size() >= SIEMHUB_NOTE_ID_MAX) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(id[0])) return false;
  return std::all_of(id.begin(), id.end(), [&](char c) { return alnum(c) || c == '.' || c == '_' || c == '-'; });
}

// ============================================================================ ELF exports

std::optional<std::vector<std::string>> exported_symbols(const std::string& path, std::string* error) {
  auto fail = [&](const std::string& why) -> std::optional<std::vector<std::string>> {
    if (error) *error = why;
    return std::nullopt;
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(path + ": " + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  Elf64_Ehdr eh;
  if (!sdk::detail::read_at(fd, 0, &eh, sizeof eh) || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
      eh.e_ident[EI_CLASS] != ELFCLASS64)
    return fail("not a 64-bit ELF file");
  if (eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shnum == 0 || eh.e_shnum > 4096) return fail("no section headers");
  std::vector<Elf64_Shdr> sh(eh.e_shnum);
  if (!sdk::detail::read_at(fd, eh.e_shoff, sh.data(), sh.size() * sizeof(Elf64_Shdr)))
    return fail("truncated section headers");
  std::vector<std::string> out;
  for (const Elf64_Shdr& s : sh) {
    if (s.sh_type != SHT_DYNSYM) continue;
    if (s.sh_link >= sh.size() || s.sh_entsize != sizeof(Elf64_Sym) || s.sh_size > (64u << 20)) return fail("bad .dynsym");
    const Elf64_Shdr& strs = sh[s.sh_link];
    if (strs.sh_size > (64u << 20)) return fail("bad .dynstr");
    std::vector<char> names(strs.sh_size + 1, '\0');
    std::vector<Elf64_Sym> syms(s.sh_size / sizeof(Elf64_Sym));
    if (!sdk::detail::read_at(fd, strs.sh_offset, names.data(), strs.sh_size) ||
        !sdk::detail::read_at(fd, s.sh_offset, syms.data(), syms.size() * sizeof(Elf64_Sym)))
      return fail("truncated dynamic symbol table");
    for (size_t i = 1; i < syms.size(); ++i) {
      const Elf64_Sym& y = syms[i];
      const unsigned bind = ELF64_ST_BIND(y.st_info), type = ELF64_ST_TYPE(y.st_info);
      const unsigned vis = ELF64_ST_VISIBILITY(y.st_other);
      if (y.st_shndx == SHN_UNDEF || type == STT_SECTION || type == STT_FILE) continue;
      if (bind != STB_GLOBAL && bind != STB_WEAK && bind != STB_GNU_UNIQUE) continue;
      if (vis != STV_DEFAULT && vis != STV_PROTECTED) continue;
      if (y.st_name >= strs.sh_size) continue;
      out.emplace_back(names.data() + y.st_name);
    }
  }
  return out;
}

// ============================================================================ the checker

namespace {

std::string str_or(const char* s, const char* fallback = "(null)") { return s ? s : fallback; }

std::string truncate(std::string s, size_t n = 160) {
  if (s.size() > n) s = s.substr(0, n) + "...";
  return s;
}

std::optional<json> parse_json(const char* text, std::string* error) {
  if (text == nullptr) {
    *error = "NULL";
    return std::nullopt;
  }
  try {
    return json::parse(text);
  } catch (const std::exception& e) {
    *error = std::string("not JSON: ") + e.what();
    return std::nullopt;
  }
}

class Checker {
 public:
  explicit Checker(const ConformanceOptions& o) : opt_(o) {}

  void add(std::string name, bool pass, std::string reason) {
    Check c{std::move(name), pass, std::move(reason)};
    if (opt_.on_check) opt_.on_check(c);
    report_.checks.push_back(std::move(c));
  }
  void phase(std::string_view p) const {
    if (opt_.on_phase) opt_.on_phase(p);
  }

  // ---------------------------------------------------------------- static checks
  // Returns whether the lifecycle can be driven without calling through a NULL pointer.
  bool descriptor(const siemhub_plugin_descriptor* d) {
    if (d == nullptr) {
      add("descriptor.present", false, "the entry point returned NULL");
      return false;
    }
    const bool size_ok = d->struct_size >= sizeof(siemhub_plugin_descriptor);
    add("descriptor.struct_size", size_ok,
        "struct_size " + std::to_string(d->struct_size) + (size_ok ? " >= " : " < ") + "v1.0 size " +
            std::to_string(sizeof(siemhub_plugin_descriptor)));
    if (!size_ok) return false;  // reading further fields would overrun the plugin's struct

    const bool abi_ok = d->abi_major == SIEMHUB_ABI_MAJOR && d->abi_minor <= SIEMHUB_ABI_MINOR;
    add("descriptor.abi", abi_ok,
        "abi " + std::to_string(d->abi_major) + "." + std::to_string(d->abi_minor) + (abi_ok ? " loadable by" : " NOT loadable by") +
            " host " + std::to_string(SIEMHUB_ABI_MAJOR) + "." + std::to_string(SIEMHUB_ABI_MINOR));
    add("descriptor.id", d->id && valid_plugin_id(d->id),
        d->id ? (valid_plugin_id(d->id) ? std::string("\"") + d->id + "\""
                                        : std::string("\"") + d->id + "\" does not match [a-z0-9][a-z0-9._-]* (max 63)")
              : "id is NULL");
    const std::string ver = str_or(d->version, "");
    const bool ver_ok = d->version && !ver.empty() && ver.size() < SIEMHUB_NOTE_VERSION_MAX &&
                        ver.find_first_of(" \t\r\n") == std::string::npos;
    add("descriptor.version", ver_ok,
        ver_ok ? "\"" + ver + "\"" : "version must be a non-empty string without spaces, max 31 characters");
    add("descriptor.flags", d->flags == 0, d->flags == 0 ? "0 (reserved)" : "reserved flags must be 0");
    const bool caps_ok = d->capabilities != 0 && (d->capabilities & ~uint64_t{SIEMHUB_CAP_ALL_V1}) == 0;
    add("descriptor.capabilities", caps_ok,
        caps_ok ? caps_string(d->capabilities)
                : (d->capabilities == 0 ? "no capability declared" : "unknown capability bits in ABI 1.0"));

    std::string missing;
    if (!d->init) missing += " init";
    if (!d->create_instance) missing += " create_instance";
    if (!d->start) missing += " start";
    if (!d->stop) missing += " stop";
    if (!d->destroy_instance) missing += " destroy_instance";
    add("descriptor.lifecycle", missing.empty(),
        missing.empty() ? std::string("init, create_instance, start, stop, destroy_instance set") +
                              (d->shutdown ? ", shutdown set" : "") + (d->health ? ", health set" : "")
                        : "NULL lifecycle function(s):" + missing);

    caps_ = 0;
    vtable(d, SIEMHUB_CAP_SOURCE_PULL, "source_pull", d->source_pull, [&]() -> std::string {
      if (d->source_pull->struct_size < sizeof(siemhub_source_pull_vtable)) return "struct_size below v1.0";
      if (!d->source_pull->poll) return "poll is NULL";
      return {};
    });
    vtable(d, SIEMHUB_CAP_SOURCE_PUSH, "source_push", d->source_push, [&]() -> std::string {
      if (d->source_push->struct_size < sizeof(siemhub_source_push_vtable)) return "struct_size below v1.0";
      if (!d->source_push->pause || !d->source_push->resume) return "pause or resume is NULL";
      return {};
    });
    vtable(d, SIEMHUB_CAP_SINK, "sink", d->sink, [&]() -> std::string {
      if (d->sink->struct_size < sizeof(siemhub_sink_vtable)) return "struct_size below v1.0";
      if (!d->sink->write) return "write is NULL";
      return {};
    });
    vtable(d, SIEMHUB_CAP_ENRICH, "enrich", d->enrich, [&]() -> std::string {
      if (d->enrich->struct_size < sizeof(siemhub_enrich_vtable)) return "struct_size below v1.0";
      if (!d->enrich->lookup) return "lookup is NULL";
      std::string err;
      auto kt = parse_json(d->enrich->key_types, &err);
      if (!kt) return "key_types " + err;
      if (!kt->is_array() || !std::all_of(kt->begin(), kt->end(), [](const json& j) { return j.is_string(); }))
        return "key_types must be a JSON array of strings";
      for (const auto& k : *kt) key_types_.push_back(k.get<std::string>());
      return {};
    });
    vtable(d, SIEMHUB_CAP_ACTION, "action", d->action, [&]() -> std::string {
      if (d->action->struct_size < sizeof(siemhub_action_vtable)) return "struct_size below v1.0";
      if (!d->action->execute || !d->action->status) return "execute or status is NULL";
      if (d->action->action_count > 0 && !d->action->actions) return "action_count > 0 but actions is NULL";
      return {};
    });

    config_schema(d);
    ocsf(d);
    if (caps_ & SIEMHUB_CAP_ACTION) manifest(d->action);
    return missing.empty() && abi_ok;
  }

  static std::string caps_string(uint64_t c) {
    std::string s;
    auto add_cap = [&](uint64_t bit, const char* n) {
      if (c & bit) s += (s.empty() ? "" : " | ") + std::string(n);
    };
    add_cap(SIEMHUB_CAP_SOURCE_PULL, "SOURCE_PULL");
    add_cap(SIEMHUB_CAP_SOURCE_PUSH, "SOURCE_PUSH");
    add_cap(SIEMHUB_CAP_SINK, "SINK");
    add_cap(SIEMHUB_CAP_ENRICH, "ENRICH");
    add_cap(SIEMHUB_CAP_ACTION, "ACTION");
    return s;
  }

  template <class V, class F>
  void vtable(const siemhub_plugin_descriptor* d, uint64_t bit, const char* name, const V* vt, F&& validate) {
    const bool declared = (d->capabilities & bit) != 0;
    const std::string check = std::string("descriptor.") + name;
    if (!declared && vt == nullptr) return;  // nothing to say
    if (!declared) {
      add(check, false, std::string(name) + " vtable set but the capability bit is not declared");
      return;
    }
    if (vt == nullptr) {
      add(check, false, std::string("capability declared but the ") + name + " vtable is NULL");
      return;
    }
    const std::string err = validate();
    if (err.empty()) caps_ |= bit;
    add(check, err.empty(), err.empty() ? "vtable complete (v1.0)" : err);
  }

  void config_schema(const siemhub_plugin_descriptor* d) {
    std::string err;
    auto schema = parse_json(d->config_schema, &err);
    if (!schema) {
      add("schema.config", false, "config_schema " + err);
      return;
    }
    std::vector<std::string> problems;
    if (!schema->is_object()) {
      add("schema.config", false, "config_schema must be a JSON object (a JSON Schema)");
      return;
    }
    if (schema->value("type", json()) != "object") problems.push_back("top-level \"type\" must be \"object\"");
    if (schema->contains("$schema") &&
        (!(*schema)["$schema"].is_string() || (*schema)["$schema"].get<std::string>().find("draft-07") == std::string::npos))
      problems.push_back("\"$schema\" must be the draft-07 URI (http://json-schema.org/draft-07/schema#)");
    size_t secrets = 0, props = 0;
    if (schema->contains("properties")) {
      const json& p = (*schema)["properties"];
      if (!p.is_object()) {
        problems.push_back("\"properties\" must be an object");
      } else {
        for (const auto& [k, v] : p.items()) {
          ++props;
          if (!v.is_object() && !v.is_boolean()) problems.push_back("property \"" + k + "\" is not a schema");
          if (v.is_object() && v.contains("x-siemhub-secret")) {
            if (!v["x-siemhub-secret"].is_boolean()) problems.push_back("\"x-siemhub-secret\" of \"" + k + "\" must be a boolean");
            else if (v["x-siemhub-secret"].get<bool>()) ++secrets;
          }
        }
      }
    }
    if (schema->contains("required")) {
      const json& r = (*schema)["required"];
      if (!r.is_array() || !std::all_of(r.begin(), r.end(), [](const json& j) { return j.is_string(); }))
        problems.push_back("\"required\" must be an array of strings");
    }
    if (problems.empty()) schema_ = *schema;
    add("schema.config", problems.empty(),
        problems.empty() ? "object schema, " + std::to_string(props) + (props == 1 ? " property, " : " properties, ") +
                               std::to_string(secrets) + " marked x-siemhub-secret"
                         : problems.front());
    if (problems.empty() && opt_.compile_schema) {
      const auto e = opt_.compile_schema(*schema);
      add("schema.draft07", !e, e ? "not a valid draft-07 schema: " + *e : "compiles as a draft-07 schema");
      if (e) schema_.reset();
    }
  }

  void ocsf(const siemhub_plugin_descriptor* d) {
    std::string err;
    auto j = parse_json(d->ocsf_classes, &err);
    if (!j) {
      add("schema.ocsf_classes", false, "ocsf_classes " + err);
      return;
    }
    const bool ok = j->is_array() && std::all_of(j->begin(), j->end(), [](const json& v) {
                      return v.is_number_integer() && v.get<int64_t>() >= 0;
                    });
    add("schema.ocsf_classes", ok, ok ? j->dump() : "ocsf_classes must be a JSON array of non-negative integers");
  }

  void manifest(const siemhub_action_vtable* vt) {
    if (vt->action_count == 0) {
      add("actions.manifest", false, "ACTION declared but the manifest is empty");
      return;
    }
    std::set<std::string> names;
    for (uint32_t i = 0; i < vt->action_count; ++i) {
      const siemhub_action_def* a = vt->actions[i];
      if (a && a->struct_size >= SIEMHUB_ACTION_DEF_SIZE_1_0 && a->name) names.insert(a->name);
    }
    std::set<std::string> seen;
    for (uint32_t i = 0; i < vt->action_count; ++i) {
      const siemhub_action_def* a = vt->actions[i];
      std::string check = "actions[" + std::to_string(i) + "]";
      if (a == nullptr) {
        add(check, false, "NULL action definition");
        continue;
      }
      if (a->struct_size < SIEMHUB_ACTION_DEF_SIZE_1_0) {
        add(check, false, "struct_size below v1.0");
        continue;
      }
      const std::string name = str_or(a->name, "");
      if (!name.empty()) check = "actions." + name;
      std::string problem;
      std::string err;
      if (name.empty()) problem = "name is empty";
      else if (!seen.insert(name).second) problem = "duplicate action name";
      else if (!parse_json(a->params_schema, &err)) problem = "params_schema " + err;
      else if (!json::parse(a->params_schema).is_object()) problem = "params_schema must be a JSON object";
      else if (a->inverse && !names.count(a->inverse)) problem = std::string("inverse \"") + a->inverse + "\" is not in the manifest";
      else if (a->flags & ~uint32_t{SIEMHUB_ACTION_IDEMPOTENT | SIEMHUB_ACTION_SIMULATE | SIEMHUB_ACTION_DESTRUCTIVE})
        problem = "unknown action flags";
      else
        problem = target_problem(*a, json::parse(a->params_schema));
      if (problem.empty()) actions_.push_back(a);
      add(check, problem.empty(),
          problem.empty() ? std::string("params schema parses") + (a->inverse ? std::string(", inverse ") + a->inverse : "") +
                                target_text(*a)
                          : problem);
    }
  }

  // The ABI 1.1 fields of an action (what the host checks before it accepts the plugin).
  static std::string target_problem(const siemhub_action_def& a, const json& schema) {
    if (!SIEMHUB_HAS_FIELD(siemhub_action_def, ocsf_class_uid, a.struct_size)) return {};  // 1.0: none
    if (target_name(a.target_kind) == nullptr)
      return "target_kind " + std::to_string(a.target_kind) + (a.target_kind == SIEMHUB_TARGET_UNSET ? " (unset)" : "") +
             " is not one of host, user, ip, account, url, none (the host refuses the plugin)";
    const std::string param = str_or(a.target_param, "");
    if (param.empty() && a.target_kind != SIEMHUB_TARGET_NONE)
      return std::string("targets a ") + target_name(a.target_kind) + " but names no target_param (the host refuses the plugin)";
    if (!param.empty() && !(schema.contains("properties") && schema["properties"].is_object() &&
                            schema["properties"].contains(param)))
      return "target_param \"" + param + "\" is not a property of params_schema (the host refuses the plugin)";
    if (a.ocsf_class_uid < 7001 || a.ocsf_class_uid > 7004)
      return "ocsf_class_uid " + std::to_string(a.ocsf_class_uid) + " is not a Remediation class 7001-7004 (the host refuses the plugin)";
    return {};
  }
  static const char* target_name(uint32_t kind) {
    static const char* names[] = {nullptr, "none", "host", "user", "ip", "account", "url"};
    return kind < sizeof names / sizeof names[0] ? names[kind] : nullptr;
  }
  static std::string target_text(const siemhub_action_def& a) {
    if (!SIEMHUB_HAS_FIELD(siemhub_action_def, ocsf_class_uid, a.struct_size)) return ", no target (ABI 1.0 definition)";
    return std::string(", target ") + target_name(a.target_kind) + (a.target_param ? std::string(" in ") + a.target_param : "") +
           ", OCSF class " + std::to_string(a.ocsf_class_uid);
  }

  // ---------------------------------------------------------------- lifecycle
  void lifecycle(Plugin& plugin) {
    const siemhub_plugin_descriptor* d = plugin.descriptor();
    FakeHost host;
    std::string err;
    std::optional<json> cfg;
    try {
      cfg = json::parse(opt_.config_json);
    } catch (const std::exception& e) {
      add("lifecycle.config", false, std::string("the given configuration is not JSON: ") + e.what());
      return;
    }
    if (opt_.validate && schema_) {
      const auto e = opt_.validate(*schema_, *cfg);
      add("lifecycle.config", !e,
          e ? "the given configuration does not satisfy config_schema (the host would refuse it): " + *e
            : "the given configuration satisfies config_schema");
    }

    phase("init");
    CallResult r = plugin.init(host);
    note_call(r, "init");
    add("lifecycle.init", r.ok(), r.describe());
    if (!r.ok()) return;

    for (int round = 1; round <= 2; ++round) {
      const std::string prefix = "lifecycle.round" + std::to_string(round);
      std::vector<Check> steps;
      run_round(plugin, host, prefix, steps);
      if (round == 1) {
        for (auto& s : steps) add(s.name, s.pass, s.reason);
      } else {
        auto bad = std::find_if(steps.begin(), steps.end(), [](const Check& c) { return !c.pass; });
        add(prefix, bad == steps.end(),
            bad == steps.end() ? "create, start, one call per capability, stop, stop again, destroy: all passed"
                               : bad->name + ": " + bad->reason);
      }
    }
    two_instances(plugin, host);
    invalid_configs(plugin, host, *cfg);

    // Deferred ops and exceptions, over every op of the run.
    size_t total = 0, deferred = 0;
    std::vector<std::string> problems;
    for (const auto& op : host.ops()) {
      ++total;
      if (op->rc == SIEMHUB_RC_PENDING) ++deferred;
      const std::string what = std::string(op_kind_name(op->kind)) + " op on " + op->instance;
      if (op->complete_calls > 1) problems.push_back(what + ": op_complete called " + std::to_string(op->complete_calls) + " times");
      if (op->pending()) problems.push_back(what + ": never completed");
      for (const auto& v : op->violations) problems.push_back(what + ": " + v);
    }
    add("ops.complete_once", problems.empty(),
        problems.empty() ? std::to_string(total) + " ops, " + std::to_string(deferred) + " deferred, each completed exactly once"
                         : truncate(problems.front(), 300) +
                               (problems.size() > 1 ? " (+" + std::to_string(problems.size() - 1) + " more)" : ""));
    // Exceptions that crossed the boundary, and those the C++ layer caught at a callback
    // boundary (it failed the op and logged them): both are bugs of the plugin.
    std::vector<std::string> thrown;
    for (const auto& e : exceptions_) thrown.push_back("exception escaped from " + e);
    for (const auto& e : host.callback_exceptions()) thrown.push_back("exception in a callback: " + e);
    add("ops.no_exception", thrown.empty(),
        thrown.empty() ? "no exception crossed the ABI boundary or escaped a callback"
                       : truncate(thrown.front(), 300) +
                             (thrown.size() > 1 ? " (+" + std::to_string(thrown.size() - 1) + " more)" : ""));
    std::vector<std::string> hv;
    for (const auto& v : host.violations())
      if (v.find(" op: ") == std::string::npos && v.rfind("exception in a plugin callback", 0) != 0)
        hv.push_back(v);  // op ones and callback exceptions reported above
    add("host.contract", hv.empty(), hv.empty() ? "no misuse of host services" : truncate(hv.front(), 300));

    phase("shutdown");
    plugin.shutdown();
    add("lifecycle.shutdown", true, d->shutdown ? "shutdown returned" : "no shutdown (NULL is allowed)");
    if (opt_.on_done) opt_.on_done(host);
  }

  void note_call(const CallResult& r, const std::string& where) {
    if (r.threw) exceptions_.push_back(where + ": " + r.exception);
  }
  void note_op(const FakeOp& op, const std::string& where) {
    if (op.threw) exceptions_.push_back(where + ": " + op.exception);
  }

  // Drives a deferred op to completion (cancelling it past the timeout). Error or empty.
  std::string settle(Instance& inst, FakeOp& op) {
    if (op.threw) return "threw across the ABI boundary: " + op.exception;
    if (!op.returned) return "did not return";
    if (op.rc == SIEMHUB_RC_PENDING && !inst.wait(op, opt_.op_timeout_ms)) {
      op.cancel();
      if (!inst.wait(op, 5000)) return "returned PENDING and never called op_complete (not even after cancellation)";
    }
    if (op.rc != SIEMHUB_RC_OK && op.rc != SIEMHUB_RC_ERROR && op.rc != SIEMHUB_RC_PENDING &&
        op.rc != SIEMHUB_RC_NOT_SUPPORTED)
      return std::string("unexpected return code ") + rc_name(op.rc);
    if (!op.succeeded() && (op.category() == SIEMHUB_CAT_NONE || op.final_status().message[0] == '\0'))
      return "failed without a category and a message: " + op.describe();
    if (!op.violations.empty()) return op.violations.front();
    return {};
  }

  // One call per usable capability. Returns (check suffix, error or "", detail).
  void capability_calls(Instance& inst, const std::string& prefix, std::vector<Check>& out) {
    auto record = [&](const std::string& name, FakeOp& op, std::string err, const std::string& ok_detail) {
      note_op(op, prefix + "." + name);
      out.push_back({prefix + "." + name, err.empty(), err.empty() ? ok_detail : err});
    };
    if (caps_ & SIEMHUB_CAP_SOURCE_PULL) {
      phase(prefix + ".poll");
      FakeOp& op = inst.poll(std::nullopt, 100);
      std::string err = settle(inst, op);
      if (err.empty() && op.succeeded())
        for (size_t i = 0; i < op.events.size() && err.empty(); ++i) {
          try {
            if (!json::parse(op.events[i]).is_object()) err = "event " + std::to_string(i) + " is not a JSON object";
          } catch (const std::exception&) {
            err = "event " + std::to_string(i) + " is not JSON: " + truncate(op.events[i], 80);
          }
        }
      record("poll", op, err,
             op.succeeded() ? "poll with no cursor: " + std::to_string(op.events.size()) + " events" +
                                  (op.cursor ? ", cursor \"" + truncate(*op.cursor, 40) + "\"" : ", no cursor")
                            : "poll failed cleanly: " + op.describe());
    }
    if (caps_ & SIEMHUB_CAP_SINK) {
      phase(prefix + ".write");
      const int64_t now = inst.host().now_ms();
      std::vector<std::string> evs;
      for (int i = 1; i <= 2; ++i)
        evs.push_back(json{{"class_uid", 3002}, {"category_uid", 3}, {"activity_id", 1}, {"type_uid", 300201},
                           {"severity_id", 1}, {"time", now}, {"message", "siemhub conformance event " + std::to_string(i)},
                           {"metadata", {{"version", "1.1.0"}, {"product", {{"name", "siemhub-conformance"}}}}}}
                          .dump());
      FakeOp& op = inst.write(evs, {"conformance-1", "conformance-2"});
      std::string err = settle(inst, op);
      size_t delivered = 0;
      if (err.empty() && op.succeeded()) {
        for (size_t i = 0; i < op.results.size(); ++i) {
          if (!op.results[i].set || op.results[i].outcome == SIEMHUB_OUTCOME_UNSET) {
            err = "write succeeded but event " + std::to_string(i) + " got no result (it would be retried forever)";
            break;
          }
          if (op.results[i].outcome == SIEMHUB_OUTCOME_DELIVERED) ++delivered;
        }
      }
      record("write", op, err,
             op.succeeded() ? "2-event batch: " + std::to_string(delivered) + " delivered, every event has a result"
                            : "write failed cleanly: " + op.describe());
    }
    if (caps_ & SIEMHUB_CAP_ENRICH) {
      phase(prefix + ".lookup");
      const std::string type = key_types_.empty() ? "ip" : key_types_.front();
      const std::string value = type == "ip" ? "192.0.2.1" : type == "domain" ? "example.com" : "conformance";
      FakeOp& op = inst.lookup({{type, value}});
      std::string err = settle(inst, op);
      if (err.empty())
        for (const auto& [i, a] : op.lookups)
          if (a.found && !json::accept(a.value)) err = "lookup answer " + std::to_string(i) + " is not JSON";
      record("lookup", op, err,
             op.succeeded() ? "lookup of " + type + " " + value + ": " +
                                  (op.lookups.count(0) ? (op.lookups.at(0).found ? "found" : "miss") : "no answer")
                            : "lookup failed cleanly: " + op.describe());
    }
    if ((caps_ & SIEMHUB_CAP_ACTION) && !actions_.empty()) {
      auto sim = std::find_if(actions_.begin(), actions_.end(),
                              [](const siemhub_action_def* a) { return (a->flags & SIEMHUB_ACTION_SIMULATE) != 0; });
      ActionCall call;
      call.idempotency_key = "siemhub-conformance-1";
      FakeOp* op;
      std::string what;
      if (sim != actions_.end()) {
        call.action = (*sim)->name;
        call.simulate = true;
        what = "execute " + call.action + " (simulate)";
        phase(prefix + ".action");
        op = &inst.execute(call);
      } else {
        call.action = actions_.front()->name;
        what = "status " + call.action;
        phase(prefix + ".action");
        op = &inst.status(call);
      }
      std::string err = settle(inst, *op);
      if (err.empty() && op->action_result && !json::accept(*op->action_result)) err = "action result is not JSON";
      record("action", *op, err, op->succeeded() ? what + ": OK" : what + " failed cleanly: " + op->describe());
    }
    if (caps_ & SIEMHUB_CAP_SOURCE_PUSH) {
      phase(prefix + ".push");
      const size_t before = inst.host().violations().size();
      inst.pause();
      inst.resume();
      const bool ok = inst.host().violations().size() == before;
      out.push_back({prefix + ".push", ok, ok ? "pause and resume returned" : inst.host().violations().back()});
    }
    if (inst.host().api() && plugin_->descriptor()->health) {
      phase(prefix + ".health");
      bool threw = false;
      const auto h = inst.health(&threw);
      const bool ok = !threw && h && h->state >= SIEMHUB_HEALTH_OK && h->state <= SIEMHUB_HEALTH_DOWN;
      if (threw) exceptions_.push_back(prefix + ".health");
      out.push_back({prefix + ".health", ok,
                     ok ? "state " + std::to_string(h->state) + (h->reason[0] ? std::string(" (") + h->reason + ")" : "")
                        : threw ? "health threw" : "health state out of range"});
    }
  }

  void run_round(Plugin& plugin, FakeHost& host, const std::string& prefix, std::vector<Check>& out) {
    phase(prefix + ".create");
    CallResult r;
    auto inst = Instance::create(plugin, host, opt_.config_json, &r);
    note_call(r, prefix + ".create");
    out.push_back({prefix + ".create", inst != nullptr,
                   inst ? "create_instance with the given configuration" : "create_instance failed: " + r.describe()});
    if (!inst) return;
    phase(prefix + ".start");
    r = inst->start();
    note_call(r, prefix + ".start");
    out.push_back({prefix + ".start", r.ok(), r.describe()});
    if (r.ok()) capability_calls(*inst, prefix, out);
    phase(prefix + ".stop");
    r = inst->stop();
    note_call(r, prefix + ".stop");
    out.push_back({prefix + ".stop", r.ok(), r.describe()});
    phase(prefix + ".stop_again");
    r = inst->stop();
    note_call(r, prefix + ".stop_again");
    out.push_back({prefix + ".stop_again", r.ok(), r.ok() ? "a second stop is a no-op" : "second stop: " + r.describe()});
    phase(prefix + ".destroy");
    const size_t before = host.violations().size();
    inst->destroy();
    out.push_back({prefix + ".destroy", host.violations().size() == before,
                   host.violations().size() == before ? "destroy_instance returned" : host.violations().back()});
  }

  void two_instances(Plugin& plugin, FakeHost& host) {
    phase("lifecycle.two_instances");
    CallResult ra, rb;
    auto a = Instance::create(plugin, host, opt_.config_json, &ra);
    auto b = Instance::create(plugin, host, opt_.config_json, &rb);
    note_call(ra, "two_instances.create");
    note_call(rb, "two_instances.create");
    if (!a || !b) {
      add("lifecycle.two_instances", false, "second create_instance failed: " + (a ? rb : ra).describe());
      return;
    }
    std::vector<Check> steps;
    const CallResult sa = a->start(), sb = b->start();
    note_call(sa, "two_instances.start");
    note_call(sb, "two_instances.start");
    steps.push_back({"start A", sa.ok(), sa.describe()});
    steps.push_back({"start B", sb.ok(), sb.describe()});
    if (sa.ok() && sb.ok()) {
      capability_calls(*a, "lifecycle.two_instances.A", steps);
      capability_calls(*b, "lifecycle.two_instances.B", steps);
    }
    const CallResult ta = a->stop(), tb = b->stop();
    note_call(ta, "two_instances.stop");
    note_call(tb, "two_instances.stop");
    steps.push_back({"stop A", ta.ok(), ta.describe()});
    steps.push_back({"stop B", tb.ok(), tb.describe()});
    a->destroy();
    b->destroy();
    auto bad = std::find_if(steps.begin(), steps.end(), [](const Check& c) { return !c.pass; });
    add("lifecycle.two_instances", bad == steps.end(),
        bad == steps.end() ? "two instances created, started, called, stopped and destroyed side by side"
                           : bad->name + ": " + bad->reason);
  }

  // Configurations the schema refuses; the plugin must refuse them too, cleanly.
  void invalid_configs(Plugin& plugin, FakeHost& host, const json& valid) {
    std::vector<std::pair<std::string, json>> candidates;
    if (schema_ && schema_->contains("properties") && (*schema_)["properties"].is_object()) {
      for (const auto& [k, v] : (*schema_)["properties"].items()) {
        if (!v.is_object() || !v.contains("type") || !v["type"].is_string()) continue;
        const std::string t = v["type"];
        json wrong = t == "string" ? json(12345) : json("a string where " + t + " is expected");
        json c = valid.is_object() ? valid : json::object();
        c[k] = wrong;
        candidates.emplace_back("wrong_type", c);
        break;
      }
    }
    if (schema_ && schema_->value("additionalProperties", json(true)) == json(false)) {
      json c = valid.is_object() ? valid : json::object();
      c["__not_a_key__"] = 1;
      candidates.emplace_back("unknown_key", c);
    }
    if (candidates.empty()) candidates.emplace_back("not_an_object", json::array({1, 2, 3}));
    for (const auto& [label, c] : candidates) {
      const std::string name = "lifecycle.invalid_config." + label;
      if (opt_.validate && schema_ && !opt_.validate(*schema_, c)) {
        add(name, true, "skipped: config_schema accepts " + truncate(c.dump(), 80));
        continue;
      }
      phase(name);
      CallResult r;
      const std::string text = c.dump();
      auto inst = Instance::create(plugin, host, text, &r);
      note_call(r, name);
      if (inst) {
        add(name, false, "create_instance accepted the invalid configuration " + truncate(text, 80));
        inst->destroy();
        continue;
      }
      add(name, r.clean_error(),
          r.clean_error() ? std::string("refused ") + truncate(text, 60) + ": " + category_name(r.status.category) +
                                ": " + truncate(r.status.message, 100)
                          : "refused without a category and a message: " + r.describe());
    }
  }

  ConformanceReport report_;
  const ConformanceOptions& opt_;
  Plugin* plugin_ = nullptr;
  uint64_t caps_ = 0;  // capabilities whose vtables are usable
  std::vector<std::string> key_types_;
  std::vector<const siemhub_action_def*> actions_;
  std::optional<json> schema_;
  std::vector<std::string> exceptions_;
};

void compare_note(Checker& c, const Plugin& p) {
  if (!p.note()) return;
  const auto& n = *p.note();
  const siemhub_plugin_descriptor* d = p.descriptor();
  std::string diff;
  if (n.abi_major != d->abi_major || n.abi_minor != d->abi_minor)
    diff = "abi " + std::to_string(n.abi_major) + "." + std::to_string(n.abi_minor) + " in the note, " +
           std::to_string(d->abi_major) + "." + std::to_string(d->abi_minor) + " in the descriptor";
  else if (n.id != str_or(d->id))
    diff = "id \"" + n.id + "\" in the note, \"" + str_or(d->id) + "\" in the descriptor";
  else if (n.version != str_or(d->version))
    diff = "version \"" + n.version + "\" in the note, \"" + str_or(d->version) + "\" in the descriptor";
  c.add("elf.note_matches", diff.empty(), diff.empty() ? "abi, id and version equal the descriptor's" : diff);
}

}  // namespace

ConformanceReport check_descriptor(const siemhub_plugin_descriptor* descriptor, const ConformanceOptions& options) {
  Checker c(options);
  c.descriptor(descriptor);
  return std::move(c.report_);
}

ConformanceReport check_plugin(Plugin& plugin, const ConformanceOptions& options) {
  Checker c(options);
  c.plugin_ = &plugin;
  const bool runnable = c.descriptor(plugin.descriptor());
  if (plugin.descriptor()->struct_size >= sizeof(siemhub_plugin_descriptor)) compare_note(c, plugin);
  if (!options.static_only) {
    if (runnable) {
      c.lifecycle(plugin);
      if (options.http_script) {
        ConformanceReport s = check_script(plugin, *options.http_script, options);
        c.report_.checks.insert(c.report_.checks.end(), s.checks.begin(), s.checks.end());
      }
    } else
      c.add("lifecycle", false, "skipped: the descriptor cannot be driven safely (see above)");
  }
  return std::move(c.report_);
}

ConformanceReport check_file(const std::string& path, const ConformanceOptions& options) {
  ConformanceReport report;
  auto add = [&](std::string name, bool pass, std::string reason) {
    Check ch{std::move(name), pass, std::move(reason)};
    if (options.on_check) options.on_check(ch);
    report.checks.push_back(std::move(ch));
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    add("elf.note", false, path + ": " + std::strerror(errno));
    return report;
  }
  const sdk::NoteResult nr = sdk::read_plugin_note(fd);
  ::close(fd);
  if (!nr.note) {
    add("elf.note", false, nr.error);
    return report;
  }
  add("elf.note", true,
      "abi " + std::to_string(nr.note->abi_major) + "." + std::to_string(nr.note->abi_minor) + ", id \"" + nr.note->id +
          "\", version \"" + nr.note->version + "\"");
  std::string err;
  if (auto syms = exported_symbols(path, &err)) {
    std::vector<std::string> extra;
    bool entry = false;
    for (const auto& s : *syms) {
      if (s == SIEMHUB_ENTRY_SYMBOL)
        entry = true;
      else
        extra.push_back(s);
    }
    std::string reason;
    if (!entry) reason = "siemhub_plugin_entry is not exported";
    else if (!extra.empty()) {
      reason = std::to_string(extra.size()) + " other exported symbol(s):";
      for (size_t i = 0; i < extra.size() && i < 8; ++i) reason += " " + extra[i];
      reason += " (build with siemhub_add_plugin: hidden visibility and the version script)";
    } else {
      reason = "only siemhub_plugin_entry is exported";
    }
    add("elf.exports", entry && extra.empty(), reason);
  } else {
    add("elf.exports", false, err);
  }
  if (options.on_phase) options.on_phase("load");
  auto plugin = Plugin::load(path, &err);
  add("load", plugin != nullptr, plugin ? "dlopen(RTLD_NOW | RTLD_LOCAL) and entry point returned a descriptor" : err);
  if (!plugin) return report;
  ConformanceReport rest = check_plugin(*plugin, options);
  report.checks.insert(report.checks.end(), rest.checks.begin(), rest.checks.end());
  return report;
}

}  // namespace siemhub::testing
