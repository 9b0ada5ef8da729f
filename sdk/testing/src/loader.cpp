// siemhub SDK test kit — plugin loader and lifecycle driver. See loader.hpp.
#include "siemhub/testing/loader.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <exception>
#include <vector>

namespace siemhub::testing {

namespace {

siemhub_status fresh_status() {
  siemhub_status st{};
  st.struct_size = sizeof st;
  return st;
}

// Runs a plugin call; an exception that crosses the boundary is caught and recorded.
template <class F>
CallResult guarded(F&& f) {
  CallResult r;
  r.status = fresh_status();
  try {
    r.rc = f(&r.status);
  } catch (const std::exception& e) {
    r.threw = true;
    r.exception = e.what();
  } catch (...) {
    r.threw = true;
    r.exception = "unknown exception";
  }
  r.status.message[sizeof r.status.message - 1] = '\0';
  return r;
}

siemhub_rc missing(siemhub_status* st, const char* what) {
  st->category = SIEMHUB_CAT_INTERNAL;
  std::snprintf(st->message, sizeof st->message, "descriptor has no %s", what);
  return SIEMHUB_RC_ERROR;
}

}  // namespace

std::string CallResult::describe() const {
  if (threw) return "threw across the ABI boundary: " + exception;
  std::string s = rc_name(rc);
  if (status.category != SIEMHUB_CAT_NONE || status.message[0] != '\0') {
    s += " ";
    s += category_name(status.category);
    if (status.message[0] != '\0') s += std::string(": ") + status.message;
  }
  return s;
}

// ============================================================================ Plugin

std::unique_ptr<Plugin> Plugin::load(const std::string& path, std::string* error) {
  auto fail = [&](std::string why) -> std::unique_ptr<Plugin> {
    if (error) *error = std::move(why);
    return nullptr;
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(path + ": " + std::strerror(errno));
  const sdk::NoteResult nr = sdk::read_plugin_note(fd);
  if (!nr.note) {
    ::close(fd);
    return fail(path + ": " + nr.error);
  }
  if (nr.note->abi_major != SIEMHUB_ABI_MAJOR || nr.note->abi_minor > SIEMHUB_ABI_MINOR) {
    ::close(fd);
    return fail(path + ": built for ABI " + std::to_string(nr.note->abi_major) + "." +
                std::to_string(nr.note->abi_minor) + ", this kit speaks " + std::to_string(SIEMHUB_ABI_MAJOR) + "." +
                std::to_string(SIEMHUB_ABI_MINOR));
  }
  // Load the very file that was checked (as the host does), not the path again.
  const std::string fd_path = "/proc/self/fd/" + std::to_string(fd);
  void* handle = ::dlopen(fd_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);  // no /proc
  ::close(fd);
  if (handle == nullptr) {
    const char* e = ::dlerror();
    return fail(path + ": dlopen failed: " + (e ? e : "unknown error"));
  }
  void* sym = ::dlsym(handle, SIEMHUB_ENTRY_SYMBOL);
  if (sym == nullptr) return fail(path + ": no exported " SIEMHUB_ENTRY_SYMBOL);
  siemhub_plugin_entry_fn entry;
  static_assert(sizeof entry == sizeof sym);
  std::memcpy(&entry, &sym, sizeof entry);
  std::string why;
  auto p = wrap_entry(entry, path, &why);
  if (!p) return fail(path + ": " + why);
  p->path_ = path;
  p->note_ = nr.note;
  p->handle_ = handle;
  return p;
}

std::unique_ptr<Plugin> Plugin::wrap(const siemhub_plugin_descriptor* descriptor, std::string name) {
  if (descriptor == nullptr) return nullptr;
  std::unique_ptr<Plugin> p(new Plugin());
  p->desc_ = descriptor;
  p->name_ = std::move(name);
  return p;
}

std::unique_ptr<Plugin> Plugin::wrap_entry(siemhub_plugin_entry_fn entry, std::string name, std::string* error) {
  const siemhub_plugin_descriptor* d = nullptr;
  try {
    d = entry(SIEMHUB_ABI_VERSION);
  } catch (...) {
    if (error) *error = "the entry point threw an exception";
    return nullptr;
  }
  if (d == nullptr) {
    if (error) *error = "the entry point returned no descriptor";
    return nullptr;
  }
  return wrap(d, std::move(name));
}

Plugin::~Plugin() { shutdown(); }

CallResult Plugin::init(FakeHost& host) {
  if (desc_->init == nullptr) {
    CallResult r;
    r.status = fresh_status();
    std::strcpy(r.status.message, "descriptor has no init");
    r.status.category = SIEMHUB_CAT_INTERNAL;
    return r;
  }
  CallResult r = guarded([&](siemhub_status* st) { return desc_->init(host.api(), st); });
  initialised_ = r.ok();
  if (initialised_) shut_down_ = false;  // init again after shutdown (a scripted run after the lifecycle)
  return r;
}

void Plugin::shutdown() {
  if (!initialised_ || shut_down_) return;
  shut_down_ = true;
  if (desc_->shutdown == nullptr) return;
  try {
    desc_->shutdown();
  } catch (...) {
  }
}

// ============================================================================ Instance

std::unique_ptr<Instance> Instance::create(Plugin& plugin, FakeHost& host, std::string_view config_json,
                                           CallResult* result, std::string name) {
  static std::atomic<unsigned> counter{0};
  if (name.empty()) name = "instance-" + std::to_string(++counter);
  std::unique_ptr<Instance> inst(new Instance(plugin, host));
  inst->ctx_ = host.ctx(name);
  host.set_stopping(inst->ctx_, false);
  const siemhub_plugin_descriptor* d = plugin.descriptor();
  CallResult r;
  if (d->create_instance == nullptr) {
    r.status = fresh_status();
    r.status.category = SIEMHUB_CAT_INTERNAL;
    std::strcpy(r.status.message, "descriptor has no create_instance");
  } else {
    const std::string cfg(config_json);
    void* out = nullptr;
    r = guarded([&](siemhub_status* st) { return d->create_instance(inst->ctx_, cfg.c_str(), cfg.size(), &out, st); });
    inst->inst_ = out;
    if (r.ok() && out == nullptr) {
      r.rc = SIEMHUB_RC_ERROR;
      r.status.category = SIEMHUB_CAT_INTERNAL;
      std::strcpy(r.status.message, "create_instance returned OK but no instance");
    }
    if (!r.ok() && out != nullptr) {
      // A failed create must not hand out an instance; do not destroy what we do not own.
      host.add_violation("create_instance failed but set *out_instance");
    }
  }
  if (result) *result = r;
  if (!r.ok()) {
    inst->destroyed_ = true;
    return nullptr;
  }
  return inst;
}

Instance::~Instance() {
  if (started_ && !stopped_) stop();
  destroy();
}

CallResult Instance::start() {
  const auto start_fn = plugin_.descriptor()->start;
  CallResult r = guarded([&](siemhub_status* st) { return start_fn ? start_fn(inst_, st) : missing(st, "start"); });
  started_ = true;
  stopped_ = false;
  return r;
}

CallResult Instance::stop(int64_t deadline_ms) {
  if (deadline_ms == 0) deadline_ms = host_.now_ms() + 5000;
  host_.set_stopping(ctx_, true);
  const auto stop_fn = plugin_.descriptor()->stop;
  CallResult r =
      guarded([&](siemhub_status* st) { return stop_fn ? stop_fn(inst_, deadline_ms, st) : missing(st, "stop"); });
  stopped_ = true;
  host_.cancel_requests(ctx_);
  host_.run_pending();
  host_.cancel_timers(ctx_);
  // Once stop returned and the cancelled requests' completions ran, nothing of the plugin will
  // ever complete an op: one still pending would hang its caller until the host's deadline.
  const std::string name = host_.instance_name(ctx_);
  for (const auto& op : host_.ops())
    if (op->instance == name && op->pending() && !op->stop_flagged_) {
      op->stop_flagged_ = true;
      op->violations.push_back("still pending after stop(): complete or fail every op by the time stop returns "
                               "(or in the completions of the requests it cancels)");
    }
  return r;
}

void Instance::destroy() {
  if (destroyed_) return;
  destroyed_ = true;
  host_.cancel_timers(ctx_);
  try {
    if (plugin_.descriptor()->destroy_instance) plugin_.descriptor()->destroy_instance(inst_);
  } catch (...) {
    host_.add_violation("an exception escaped from destroy_instance");
  }
}

template <class F>
FakeOp& Instance::run_op(OpKind kind, uint32_t items, F&& call) {
  FakeOp& op = host_.new_op(kind, ctx_, items);
  op.call_status = fresh_status();
  try {
    op.rc = call(op.raw(), &op.call_status);
    op.returned = true;
  } catch (const std::exception& e) {
    op.threw = true;
    op.exception = e.what();
  } catch (...) {
    op.threw = true;
    op.exception = "unknown exception";
  }
  op.call_status.message[sizeof op.call_status.message - 1] = '\0';
  if (op.returned && op.rc != SIEMHUB_RC_PENDING && op.complete_calls > 0)
    op.violations.push_back(std::string("op_complete called although the call returned ") + rc_name(op.rc));
  return op;
}

FakeOp& Instance::poll(std::optional<std::string> cursor, uint32_t max_events, int64_t deadline_ms) {
  const auto* vt = plugin_.descriptor()->source_pull;
  siemhub_poll_request req{};
  req.struct_size = sizeof req;
  req.max_events = max_events;
  if (cursor) {
    req.cursor = cursor->c_str();
    req.cursor_size = cursor->size();
  }
  req.deadline_ms = deadline_ms ? deadline_ms : host_.now_ms() + 30000;
  return run_op(OpKind::poll, 0, [&](siemhub_op* op, siemhub_status* st) {
    return vt && vt->poll ? vt->poll(inst_, op, &req, st) : SIEMHUB_RC_NOT_SUPPORTED;
  });
}

FakeOp& Instance::write(const std::vector<std::string>& events, const std::vector<std::string>& ids) {
  const auto* vt = plugin_.descriptor()->sink;
  std::vector<siemhub_event> evs(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    evs[i] = {events[i].data(), events[i].size(), nullptr, 0};
    if (i < ids.size()) {
      evs[i].id = ids[i].c_str();
      evs[i].id_size = ids[i].size();
    }
  }
  siemhub_batch b{sizeof(siemhub_batch), static_cast<uint32_t>(evs.size()), evs.data()};
  return run_op(OpKind::write, b.count, [&](siemhub_op* op, siemhub_status* st) {
    return vt && vt->write ? vt->write(inst_, op, &b, st) : SIEMHUB_RC_NOT_SUPPORTED;
  });
}

FakeOp& Instance::lookup(const std::vector<std::pair<std::string, std::string>>& keys, int64_t deadline_ms) {
  const auto* vt = plugin_.descriptor()->enrich;
  std::vector<siemhub_lookup_key> ks;
  for (const auto& [t, v] : keys) ks.push_back({t.c_str(), v.data(), v.size()});
  siemhub_lookup_request req{sizeof(siemhub_lookup_request), static_cast<uint32_t>(ks.size()), ks.data(),
                             deadline_ms ? deadline_ms : host_.now_ms() + 30000};
  return run_op(OpKind::lookup, req.count, [&](siemhub_op* op, siemhub_status* st) {
    return vt && vt->lookup ? vt->lookup(inst_, op, &req, st) : SIEMHUB_RC_NOT_SUPPORTED;
  });
}

namespace {
siemhub_action_request action_request(const ActionCall& c, int64_t now) {
  siemhub_action_request r{};
  r.struct_size = sizeof r;
  r.action = c.action.c_str();
  r.params = c.params.data();
  r.params_size = c.params.size();
  r.idempotency_key = c.idempotency_key.c_str();
  if (c.prior) {
    r.prior = c.prior->data();
    r.prior_size = c.prior->size();
  }
  r.simulate = c.simulate ? 1 : 0;
  r.deadline_ms = c.deadline_ms ? c.deadline_ms : now + 30000;
  return r;
}
}  // namespace

FakeOp& Instance::execute(const ActionCall& call) {
  const auto* vt = plugin_.descriptor()->action;
  const siemhub_action_request req = action_request(call, host_.now_ms());
  return run_op(OpKind::execute, 0, [&](siemhub_op* op, siemhub_status* st) {
    return vt && vt->execute ? vt->execute(inst_, op, &req, st) : SIEMHUB_RC_NOT_SUPPORTED;
  });
}

FakeOp& Instance::status(const ActionCall& call) {
  const auto* vt = plugin_.descriptor()->action;
  const siemhub_action_request req = action_request(call, host_.now_ms());
  return run_op(OpKind::status, 0, [&](siemhub_op* op, siemhub_status* st) {
    return vt && vt->status ? vt->status(inst_, op, &req, st) : SIEMHUB_RC_NOT_SUPPORTED;
  });
}

void Instance::pause() {
  const auto* vt = plugin_.descriptor()->source_push;
  try {
    if (vt && vt->pause) vt->pause(inst_);
  } catch (...) {
    host_.add_violation("an exception escaped from pause");
  }
}

void Instance::resume() {
  const auto* vt = plugin_.descriptor()->source_push;
  try {
    if (vt && vt->resume) vt->resume(inst_);
  } catch (...) {
    host_.add_violation("an exception escaped from resume");
  }
}

std::optional<siemhub_health> Instance::health(bool* threw) {
  if (threw) *threw = false;
  if (plugin_.descriptor()->health == nullptr) return std::nullopt;
  siemhub_health h{};
  h.struct_size = sizeof h;
  try {
    plugin_.descriptor()->health(inst_, &h);
  } catch (...) {
    if (threw) *threw = true;
    host_.add_violation("an exception escaped from health");
  }
  h.reason[sizeof h.reason - 1] = '\0';
  return h;
}

bool Instance::wait(FakeOp& op, int64_t max_ms, int64_t step_ms) {
  host_.run_pending();
  for (int64_t waited = 0; !op.done() && !op.threw && waited < max_ms; waited += step_ms) host_.advance(step_ms);
  return op.done();
}

}  // namespace siemhub::testing
