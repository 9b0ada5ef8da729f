#include "plugins/loader.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include <nlohmann/json.hpp>

#include "core/log.hpp"

namespace siemhub::plugins {
namespace fs = std::filesystem;

namespace {

// Closes the descriptor on every path out of the loader.
struct FdGuard {
  int fd;
  ~FdGuard() {
    if (fd >= 0) ::close(fd);
  }
};

std::string octal_mode(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
  return buf;
}

bool valid_id(const char* id) {
  if (id == nullptr || *id == '\0') return false;
  const std::string_view s(id);
  if (s.size() >= SIEMHUB_NOTE_ID_MAX) return false;
  if (!(std::isdigit(static_cast<unsigned char>(s[0])) || (s[0] >= 'a' && s[0] <= 'z'))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

// A vtable is usable when it exists, is at least as large as its v1.0 layout, and every
// function in that layout is set.
template <class V>
std::string check_vtable(const char* name, const V* v, std::initializer_list<const void*> fns) {
  if (v == nullptr) return std::string("declares capability ") + name + " but its vtable is NULL";
  if (v->struct_size < sizeof(V))
    return std::string(name) + " vtable struct_size " + std::to_string(v->struct_size) +
           " is smaller than the v1.0 layout (" + std::to_string(sizeof(V)) + " bytes)";
  for (const void* f : fns)
    if (f == nullptr) return std::string(name) + " vtable has a NULL function";
  return {};
}

// Who may have put the code there: the file and its directory must be owned by root or by the
// user the hub runs as, and writable by nobody else (a sticky bit does not help: anyone who may
// write the directory may add a library to it). Empty when the place is safe.
std::optional<std::string> unsafe_place(const struct stat& file, const fs::path& dir) {
  const uid_t me = ::geteuid();
  const auto owner_ok = [me](uid_t uid) { return uid == 0 || uid == me; };
  const std::string allowed = me == 0 ? "root" : "root or the service user (uid " + std::to_string(me) + ")";
  if (!owner_ok(file.st_uid))
    return "file is owned by uid " + std::to_string(file.st_uid) + ", not by " + allowed;
  if (file.st_mode & (S_IWOTH | S_IWGRP))
    return "file is writable by group or others (mode " + octal_mode(file.st_mode) + "); run chmod go-w";
  struct stat d {};
  if (::stat(dir.c_str(), &d) != 0) return "cannot stat its directory " + dir.string() + ": " + std::strerror(errno);
  if (!owner_ok(d.st_uid))
    return "its directory " + dir.string() + " is owned by uid " + std::to_string(d.st_uid) + ", not by " + allowed;
  if (d.st_mode & (S_IWOTH | S_IWGRP))
    return "its directory " + dir.string() + " is writable by group or others (mode " + octal_mode(d.st_mode) +
           (d.st_mode & S_ISVTX ? ", sticky" : "") + "); run chmod go-w";
  return std::nullopt;
}

// Each 1.1 field of an action definition starts at the 1.0 size: a 1.0 plugin's struct_size
// (its trailing padding included) never covers one.
static_assert(SIEMHUB_ACTION_DEF_SIZE_1_0 == offsetof(siemhub_action_def, retryable) + sizeof(uint32_t) + 4,
              "the 1.0 siemhub_action_def is 64 bytes, its last 4 padding");
static_assert(SIEMHUB_ACTION_DEF_SIZE_1_0 % alignof(siemhub_action_def) == 0);

// The 1.1 fields of one action definition (when its struct_size has them). Empty = valid.
std::string check_action_target(const siemhub_action_def& a, const nlohmann::json& schema) {
  if (!SIEMHUB_HAS_FIELD(siemhub_action_def, ocsf_class_uid, a.struct_size)) return {};
  const std::string what = std::string("action '") + a.name + "'";
  const char* kind = target_kind_name(a.target_kind);
  if (kind == nullptr)
    return what + " declares target kind " + std::to_string(a.target_kind) +
           (a.target_kind == SIEMHUB_TARGET_UNSET ? " (unset)" : "") + ", not one of host, user, ip, account, url, none";
  const std::string param = a.target_param ? a.target_param : "";
  if (param.empty() && a.target_kind != SIEMHUB_TARGET_NONE)
    return what + " targets a " + kind + " but names no target_param (the parameter holding it)";
  if (!param.empty()) {
    const auto props = schema.is_object() ? schema.find("properties") : schema.end();
    if (props == schema.end() || !props->is_object() || !props->contains(param))
      return what + ": its target_param '" + param + "' is not a property of its params_schema";
  }
  if (a.ocsf_class_uid < SIEMHUB_OCSF_REMEDIATION_ACTIVITY || a.ocsf_class_uid > SIEMHUB_OCSF_NETWORK_REMEDIATION_ACTIVITY)
    return what + " reports OCSF class " + std::to_string(a.ocsf_class_uid) +
           ", not a Remediation class (7001-7004)";
  return {};
}

std::string dl_error_text(const char* fallback) {
  const char* e = ::dlerror();
  return e ? e : fallback;
}

}  // namespace

// ------------------------------------------------------------------------------------------

PluginModule::~PluginModule() {
  if (initialized_ && desc_ != nullptr && desc_->shutdown != nullptr) {
    try {
      desc_->shutdown();
    } catch (...) {
      core::log_error("loader", "plugin " + id_ + " threw from shutdown");
    }
  }
  // lib_ unloads (dlclose) after this, when the last reference is gone.
}

bool PluginModule::init(const siemhub_host_api* host, std::string& error) {
  if (initialized_) return true;
  siemhub_status st{};
  st.struct_size = sizeof st;
  siemhub_rc rc = SIEMHUB_RC_ERROR;
  try {
    rc = desc_->init(host, &st);
  } catch (const std::exception& e) {
    error = std::string("init threw: ") + e.what();
    return false;
  } catch (...) {
    error = "init threw an unknown exception";
    return false;
  }
  if (rc != SIEMHUB_RC_OK) {
    st.message[sizeof st.message - 1] = '\0';
    error = std::string("init failed: ") + (st.message[0] ? st.message : "no message");
    return false;
  }
  initialized_ = true;
  return true;
}

const char* target_kind_name(uint32_t kind) {
  switch (kind) {
    case SIEMHUB_TARGET_NONE: return "none";
    case SIEMHUB_TARGET_HOST: return "host";
    case SIEMHUB_TARGET_USER: return "user";
    case SIEMHUB_TARGET_IP: return "ip";
    case SIEMHUB_TARGET_ACCOUNT: return "account";
    case SIEMHUB_TARGET_URL: return "url";
    default: return nullptr;
  }
}

std::string capability_names(uint64_t caps) {
  static const std::pair<uint64_t, const char*> names[] = {
      {SIEMHUB_CAP_SOURCE_PULL, "source-pull"}, {SIEMHUB_CAP_SOURCE_PUSH, "source-push"},
      {SIEMHUB_CAP_SINK, "sink"},               {SIEMHUB_CAP_ENRICH, "enrich"},
      {SIEMHUB_CAP_ACTION, "action"}};
  std::string out;
  for (auto [bit, name] : names) {
    if ((caps & bit) == 0) continue;
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out.empty() ? "none" : out;
}

std::string validate_descriptor(const siemhub_plugin_descriptor* d, const sdk::PluginNote* note) {
  if (d == nullptr) return "malformed descriptor: the entry point returned NULL";
  if (d->struct_size < sizeof(siemhub_plugin_descriptor))
    return "malformed descriptor: struct_size " + std::to_string(d->struct_size) +
           " is smaller than the v1.0 descriptor (" + std::to_string(sizeof(siemhub_plugin_descriptor)) + " bytes)";
  if (d->abi_major != kHostAbiMajor)
    return "ABI major mismatch: descriptor says " + std::to_string(d->abi_major) + "." +
           std::to_string(d->abi_minor) + ", this host speaks " + std::to_string(kHostAbiMajor) + "." +
           std::to_string(kHostAbiMinor);
  if (d->abi_minor > kHostAbiMinor)
    return "ABI minor too new: descriptor says " + std::to_string(d->abi_major) + "." + std::to_string(d->abi_minor) +
           ", this host speaks " + std::to_string(kHostAbiMajor) + "." + std::to_string(kHostAbiMinor);
  if (!valid_id(d->id)) return "malformed descriptor: id must match [a-z0-9][a-z0-9._-]* (max 63 characters)";
  if (d->version == nullptr || *d->version == '\0') return "malformed descriptor: empty version";
  if (note != nullptr) {
    if (note->abi_major != d->abi_major || note->abi_minor != d->abi_minor)
      return "descriptor ABI " + std::to_string(d->abi_major) + "." + std::to_string(d->abi_minor) +
             " disagrees with the ELF note's " + std::to_string(note->abi_major) + "." + std::to_string(note->abi_minor);
    if (note->id != d->id)
      return "descriptor id '" + std::string(d->id) + "' disagrees with the ELF note's '" + note->id + "'";
    if (note->version != d->version)
      return "descriptor version '" + std::string(d->version) + "' disagrees with the ELF note's '" + note->version + "'";
  }
  if (d->init == nullptr || d->create_instance == nullptr || d->start == nullptr || d->stop == nullptr ||
      d->destroy_instance == nullptr)
    return "malformed descriptor: init, create_instance, start, stop and destroy_instance are required";
  if ((d->capabilities & ~uint64_t{SIEMHUB_CAP_ALL_V1}) != 0)
    return "malformed descriptor: unknown capability bits in 0x" + [&] {
      char b[24];
      std::snprintf(b, sizeof b, "%llx", static_cast<unsigned long long>(d->capabilities));
      return std::string(b);
    }();
  if (d->capabilities == 0) return "malformed descriptor: no capability declared";

  struct Cap {
    uint64_t bit;
    const void* vtable;
    const char* name;
  };
  const Cap caps[] = {{SIEMHUB_CAP_SOURCE_PULL, d->source_pull, "source-pull"},
                      {SIEMHUB_CAP_SOURCE_PUSH, d->source_push, "source-push"},
                      {SIEMHUB_CAP_SINK, d->sink, "sink"},
                      {SIEMHUB_CAP_ENRICH, d->enrich, "enrich"},
                      {SIEMHUB_CAP_ACTION, d->action, "action"}};
  for (const Cap& c : caps) {
    if ((d->capabilities & c.bit) == 0 && c.vtable != nullptr)
      return std::string("malformed descriptor: ") + c.name + " vtable set but the capability is not declared";
  }
  std::string err;
  if (d->capabilities & SIEMHUB_CAP_SOURCE_PULL)
    err = check_vtable("source-pull", d->source_pull, {d->source_pull ? reinterpret_cast<const void*>(d->source_pull->poll) : nullptr});
  if (err.empty() && (d->capabilities & SIEMHUB_CAP_SOURCE_PUSH))
    err = check_vtable("source-push", d->source_push,
                       {d->source_push ? reinterpret_cast<const void*>(d->source_push->pause) : nullptr,
                        d->source_push ? reinterpret_cast<const void*>(d->source_push->resume) : nullptr});
  if (err.empty() && (d->capabilities & SIEMHUB_CAP_SINK))
    err = check_vtable("sink", d->sink, {d->sink ? reinterpret_cast<const void*>(d->sink->write) : nullptr});
  if (err.empty() && (d->capabilities & SIEMHUB_CAP_ENRICH))
    err = check_vtable("enrich", d->enrich, {d->enrich ? reinterpret_cast<const void*>(d->enrich->lookup) : nullptr});
  if (err.empty() && (d->capabilities & SIEMHUB_CAP_ACTION)) {
    err = check_vtable("action", d->action,
                       {d->action ? reinterpret_cast<const void*>(d->action->execute) : nullptr,
                        d->action ? reinterpret_cast<const void*>(d->action->status) : nullptr});
    if (err.empty()) {
      for (uint32_t i = 0; i < d->action->action_count; ++i) {
        const siemhub_action_def* a = d->action->actions ? d->action->actions[i] : nullptr;
        if (a == nullptr || a->struct_size < SIEMHUB_ACTION_DEF_SIZE_1_0 || a->name == nullptr || a->params_schema == nullptr)
          return "malformed descriptor: action " + std::to_string(i) + " of the manifest is incomplete";
        const auto schema = nlohmann::json::parse(a->params_schema, nullptr, /*allow_exceptions=*/false);
        if (schema.is_discarded())
          return std::string("malformed descriptor: params_schema of action '") + a->name + "' is not valid JSON";
        if (std::string why = check_action_target(*a, schema); !why.empty()) return "malformed descriptor: " + why;
      }
    }
  }
  if (!err.empty()) return "malformed descriptor: " + err;
  if (d->config_schema == nullptr || !nlohmann::json::accept(d->config_schema))
    return "malformed descriptor: config_schema is missing or not valid JSON";
  if (d->ocsf_classes != nullptr && !nlohmann::json::accept(d->ocsf_classes))
    return "malformed descriptor: ocsf_classes is not a JSON array";
  return {};
}

// ------------------------------------------------------------------------------------------

Loader::Loader(LoaderOptions options) : options_(std::move(options)) {}

std::optional<std::string> Loader::outside_dirs(const fs::path& canonical) const {
  std::string listed;
  for (const auto& dir : options_.dirs) {
    std::error_code ec;
    const fs::path d = fs::weakly_canonical(dir, ec);
    if (ec) continue;
    auto rel = canonical.lexically_relative(d);
    if (!rel.empty() && *rel.begin() != ".." && rel.is_relative()) return std::nullopt;
    listed += (listed.empty() ? "" : ", ") + d.string();
  }
  return "outside the configured plugin directories (" + (listed.empty() ? std::string("none configured") : listed) + ")";
}

Candidate Loader::load(const fs::path& path) { return load_impl(path, true); }
Candidate Loader::load_explicit(const fs::path& path) { return load_impl(path, false); }

Candidate Loader::load_impl(const fs::path& path, bool require_in_dirs) {
  Candidate c;
  c.path = path;
  auto refuse = [&](const std::string& reason) {
    c.error = "refused " + path.string() + ": " + reason;
    return c;
  };

  std::error_code ec;
  const fs::path canonical = fs::canonical(path, ec);
  if (ec) return refuse("cannot resolve path: " + ec.message());
  if (require_in_dirs) {
    if (auto why = outside_dirs(canonical)) return refuse(*why);
  }

  // Open once; every check and the load itself use this descriptor (no swap between check and load).
  FdGuard fd{::open(canonical.c_str(), O_RDONLY | O_CLOEXEC)};
  if (fd.fd < 0) return refuse(std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd.fd, &st) != 0) return refuse(std::string("cannot stat: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return refuse("not a regular file");
  // The note is only read (nothing of the library runs): its id lets a connector that names the
  // plugin say why it is not there, whatever the refusal below.
  const sdk::NoteResult nr = sdk::read_plugin_note(fd.fd);
  if (nr.note && valid_id(nr.note->id.c_str())) c.id = nr.note->id;
  if (auto why = unsafe_place(st, canonical.parent_path())) return refuse(*why);
  if (!nr.note) return refuse(nr.error);
  const sdk::PluginNote& note = *nr.note;
  if (note.abi_major != kHostAbiMajor)
    return refuse("ABI major mismatch: built for ABI " + std::to_string(note.abi_major) + "." +
                  std::to_string(note.abi_minor) + ", this host speaks " + std::to_string(kHostAbiMajor) + "." +
                  std::to_string(kHostAbiMinor));
  if (note.abi_minor > kHostAbiMinor)
    return refuse("ABI minor too new: built for ABI " + std::to_string(note.abi_major) + "." +
                  std::to_string(note.abi_minor) + ", this host speaks " + std::to_string(kHostAbiMajor) + "." +
                  std::to_string(kHostAbiMinor) + " (upgrade siemhub)");
  if (!valid_id(note.id.c_str())) return refuse("malformed ELF note: invalid plugin id '" + note.id + "'");
  if (auto it = by_id_.find(note.id); it != by_id_.end())
    return refuse("duplicate plugin id '" + note.id + "' (already loaded from " +
                  (it->second->builtin() ? std::string("the host itself") : it->second->path().string()) + ")");

  // Only now does any code of the library run (its static constructors, inside dlopen).
  // dlopen by the canonical path, then make sure the file it mapped is the one checked above
  // (same device and inode): a swap in between is refused. (Loading "/proc/self/fd/N" instead
  // is not safe with glibc, which matches already-loaded objects by that name and would hand
  // back an earlier library that had the same descriptor number.)
  auto module = std::shared_ptr<PluginModule>(new PluginModule());
  module->path_ = canonical;
  try {
    ::dlerror();
    module->lib_.load(canonical, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception&) {
    // Boost.DLL reports every failure as "Bad file descriptor"; dlerror() has the real reason.
    const char* e = ::dlerror();
    std::string why = e ? e : "";
    if (why.empty()) {
      void* h = ::dlopen(canonical.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (h != nullptr) ::dlclose(h);
      why = dl_error_text("dlopen failed");
    }
    return refuse("cannot load: " + why);
  }
  struct stat after {};
  if (::stat(canonical.c_str(), &after) != 0 || after.st_dev != st.st_dev || after.st_ino != st.st_ino)
    return refuse("the file changed while it was being loaded");

  ::dlerror();
  void* sym = ::dlsym(module->lib_.native(), SIEMHUB_ENTRY_SYMBOL);
  if (sym == nullptr) return refuse("no entry symbol " SIEMHUB_ENTRY_SYMBOL " (" + dl_error_text("not found") + ")");
  auto entry = reinterpret_cast<siemhub_plugin_entry_fn>(sym);
  const siemhub_plugin_descriptor* d = nullptr;
  try {
    d = entry(SIEMHUB_ABI_VERSION);
  } catch (...) {
    return refuse("the entry point threw");
  }
  if (std::string err = validate_descriptor(d, &note); !err.empty()) return refuse(err);
  module->desc_ = d;
  module->id_ = d->id;
  module->version_ = d->version;
  by_id_[module->id_] = module;
  c.module = module;
  return c;
}

Candidate Loader::add_builtin(const siemhub_plugin_descriptor* d) {
  Candidate c;
  c.path = "builtin";
  if (std::string err = validate_descriptor(d, nullptr); !err.empty()) {
    c.error = "refused builtin " + std::string(d && d->id ? d->id : "?") + ": " + err;
    return c;
  }
  if (by_id_.count(d->id)) {
    c.error = "refused builtin " + std::string(d->id) + ": duplicate plugin id";
    return c;
  }
  auto module = std::shared_ptr<PluginModule>(new PluginModule());
  module->builtin_ = true;
  module->desc_ = d;
  module->id_ = d->id;
  module->version_ = d->version;
  by_id_[module->id_] = module;
  c.module = module;
  return c;
}

std::vector<Candidate> Loader::scan() {
  std::vector<fs::path> files;
  for (const auto& dir : options_.dirs) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".so") files.push_back(entry.path());
    }
    if (ec) core::log_warn("loader", "cannot read plugin directory " + dir.string() + ": " + ec.message());
  }
  std::sort(files.begin(), files.end());
  std::vector<Candidate> out;
  out.reserve(files.size());
  for (const auto& f : files) out.push_back(load(f));
  return out;
}

std::shared_ptr<PluginModule> Loader::find(const std::string& id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<PluginModule>> Loader::modules() const {
  std::vector<std::shared_ptr<PluginModule>> out;
  for (const auto& [id, m] : by_id_) out.push_back(m);
  return out;
}

}  // namespace siemhub::plugins
