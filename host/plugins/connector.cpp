#include "plugins/connector.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "core/log.hpp"
#include "plugins/op.hpp"

namespace siemhub::plugins {

namespace asio = boost::asio;

// ------------------------------------------------------------------------------- helpers

namespace {

siemhub_status empty_status() {
  siemhub_status st{};
  st.struct_size = sizeof st;
  return st;
}

CallStatus to_call_status(siemhub_rc rc, const siemhub_status& st) {
  CallStatus c;
  c.rc = rc;
  c.category = st.category;
  c.code = st.code;
  c.retry_after_ms = st.retry_after_ms;
  c.message.assign(st.message, ::strnlen(st.message, sizeof st.message));
  if (rc == SIEMHUB_RC_ERROR && c.category == SIEMHUB_CAT_NONE) c.category = SIEMHUB_CAT_INTERNAL;
  if (rc == SIEMHUB_RC_NOT_SUPPORTED && c.category == SIEMHUB_CAT_NONE) c.category = SIEMHUB_CAT_NOT_SUPPORTED;
  if (rc == SIEMHUB_RC_OK) c.category = SIEMHUB_CAT_NONE;
  return c;
}

// How much longer than a call's deadline the host waits for the plugin to return from it.
constexpr int64_t kReturnGraceMs = 1000;
// How long a health query waits for the plugin's own health().
constexpr int64_t kHealthWaitMs = 500;

CallStatus failure(uint32_t category, std::string message) {
  CallStatus c;
  c.rc = SIEMHUB_RC_ERROR;
  c.category = category;
  c.message = std::move(message);
  return c;
}


std::mutex g_init_mu;

}  // namespace


// ------------------------------------------------------------------------------- lifecycle

std::shared_ptr<Connector> Connector::make(std::string id, std::shared_ptr<PluginModule> module, HostEnvironment& env,
                                           http::ConnectorPolicy http_policy) {
  return std::shared_ptr<Connector>(new Connector(std::move(id), std::move(module), env, std::move(http_policy)));
}

Connector::Connector(std::string id, std::shared_ptr<PluginModule> module, HostEnvironment& env,
                     http::ConnectorPolicy http_policy)
    : id_(std::move(id)),
      module_(std::move(module)),
      env_(env),
      http_policy_(std::move(http_policy)),
      strand_(env.runtime.make_plugin_strand()),
      ctx_(std::make_unique<siemhub_host_ctx>(siemhub_host_ctx{this})),
      deadline_misses_(env.metrics.get("siemhub_plugin_deadline_misses_total",
                                       "Calls into the plugin that had not returned or completed by their deadline",
                                       core::MetricType::counter, {{"connector", id_}})) {
  http_policy_.connector_id = id_;
}

Connector::~Connector() {
  // destroy() must have run; if not, the instance leaks rather than running plugin code from
  // an arbitrary thread during teardown.
  if (instance_ != nullptr && created_)
    core::log_warn("connector", "connector " + id_ + " dropped without destroy()");
}

// Runs `f` on the strand and waits for it until `until` (nullopt then): `f` owns what it uses,
// since it may run after this returned.
template <class F>
std::optional<CallStatus> Connector::run_until(F f, std::chrono::steady_clock::time_point until) {
  if (strand_.running_in_this_thread()) return f();
  auto result = std::make_shared<std::promise<CallStatus>>();
  auto fut = result->get_future();
  asio::post(strand_, [result, f = std::move(f), self = shared_from_this()]() mutable {
    try {
      result->set_value(f());
    } catch (...) {
      result->set_value(failure(SIEMHUB_CAT_INTERNAL, "exception in the host while calling the plugin"));
    }
  });
  if (fut.wait_until(until) != std::future_status::ready) return std::nullopt;
  return fut.get();
}

template <class F>
auto Connector::watched(const char* what, uint32_t timeout_ms, F&& f) {
  bool outer = false;
  {
    std::lock_guard lock(call_mu_);
    if (call_.what == nullptr) {  // a nested call (a completion run by the host inside one) counts as the outer one
      const int64_t now = env_.clock.now_ms();
      call_ = RunningCall{what, now, now + (timeout_ms ? timeout_ms : call_timeout_ms_), false};
      outer = true;
    }
  }
  struct End {
    Connector* c;
    ~End() {
      if (c != nullptr) c->end_call();
    }
  } end{outer ? this : nullptr};
  return f();
}

void Connector::end_call() {
  RunningCall was;
  {
    std::lock_guard lock(call_mu_);
    was = call_;
    call_ = RunningCall{};
  }
  const int64_t now = env_.clock.now_ms();
  if (now <= was.deadline_ms) return;
  const std::string line = std::string(was.what) + " returned after " + std::to_string(now - was.began_ms) +
                           " ms, past its deadline of " + std::to_string(was.deadline_ms - was.began_ms) + " ms";
  core::Log::write(core::LogLevel::warn, "connector", line, id_);
  mark_late(SIEMHUB_HEALTH_DEGRADED, line);
}

void Connector::mark_late(int32_t state, std::string reason) {
  std::lock_guard lock(health_mu_);
  late_state_ = state;
  late_reason_ = std::move(reason);
  ++late_epoch_;
}

void Connector::check_calls() {
  std::string line;
  {
    std::lock_guard lock(call_mu_);
    if (call_.what == nullptr || call_.reported || env_.clock.now_ms() <= call_.deadline_ms) return;
    call_.reported = true;
    line = std::string(call_.what) + " has not returned within its deadline of " +
           std::to_string(call_.deadline_ms - call_.began_ms) + " ms: the connector is down until it does";
  }
  core::Log::write(core::LogLevel::error, "connector", line, id_);
  deadline_misses_->add(1);
  mark_late(SIEMHUB_HEALTH_DOWN, line);
}

std::string Connector::running_call() const {
  std::lock_guard lock(call_mu_);
  if (call_.what == nullptr) return {};
  return describe_running(env_.clock.now_ms());
}

std::string Connector::describe_running(int64_t now) const {
  return std::string(call_.what) + " running for " + std::to_string(now - call_.began_ms) + " ms (deadline " +
         std::to_string(call_.deadline_ms - call_.began_ms) + " ms)";
}

bool Connector::stuck() const {
  if (left_running_.load() || blocking_running_.load() > 0) return true;
  std::lock_guard lock(call_mu_);
  return call_.what != nullptr;
}

CallStatus Connector::create(const std::string& config_json) {
  {
    std::lock_guard lock(g_init_mu);
    std::string err;
    if (!module_->init(host_api(), err)) return failure(SIEMHUB_CAT_CONFIG, err);
  }
  const auto r = run_until(
      [this, config = config_json] {
        siemhub_status st = empty_status();
        const siemhub_rc rc = watched("create_instance", 0, [&] {
          try {
            return module_->descriptor().create_instance(ctx_.get(), config.data(), config.size(), &instance_, &st);
          } catch (...) {
            fill_status(&st, SIEMHUB_CAT_INTERNAL, "create_instance threw an exception");
            return SIEMHUB_RC_ERROR;
          }
        });
        created_ = rc == SIEMHUB_RC_OK;
        return to_call_status(rc, st);
      },
      std::chrono::steady_clock::now() + std::chrono::milliseconds(call_timeout_ms_ + kReturnGraceMs));
  if (r) return *r;
  return failure(SIEMHUB_CAT_TIMEOUT, "create_instance did not return within its deadline of " +
                                          std::to_string(call_timeout_ms_) + " ms");
}

CallStatus Connector::start_now() {
  if (!created_) return failure(SIEMHUB_CAT_INTERNAL, "start before create");
  siemhub_status st = empty_status();
  const siemhub_rc rc = watched("start", 0, [&] {
    try {
      return module_->descriptor().start(instance_, &st);
    } catch (...) {
      fill_status(&st, SIEMHUB_CAT_INTERNAL, "start threw an exception");
      return SIEMHUB_RC_ERROR;
    }
  });
  started_ = rc == SIEMHUB_RC_OK;
  return to_call_status(rc, st);
}

CallStatus Connector::start() {
  const auto r = run_until([this] { return start_now(); }, std::chrono::steady_clock::now() +
                                                               std::chrono::milliseconds(call_timeout_ms_ + kReturnGraceMs));
  if (r) return *r;
  return failure(SIEMHUB_CAT_TIMEOUT, "start did not return within its deadline of " + std::to_string(call_timeout_ms_) + " ms");
}

void Connector::start_async(std::function<void(CallStatus)> done) {
  asio::post(strand_, [this, self = shared_from_this(), done = std::move(done)] {
    CallStatus st;
    try {
      st = start_now();
    } catch (...) {
      st = failure(SIEMHUB_CAT_INTERNAL, "exception in the host while starting the plugin");
    }
    if (done) done(std::move(st));
  });
}

CallStatus Connector::stop(int64_t deadline_ms) {
  stopping_ = true;
  const int64_t left = std::max<int64_t>(1, deadline_ms - env_.clock.now_ms());
  const auto r = run_until(
      [this, deadline_ms] {
        if (!started_) return CallStatus{};
        started_ = false;
        for (auto& [tid, t] : timers_) t.timer->cancel();
        timers_.clear();
        siemhub_status st = empty_status();
        const auto budget = static_cast<uint32_t>(std::clamp<int64_t>(deadline_ms - env_.clock.now_ms(), 1, UINT32_MAX));
        const siemhub_rc rc = watched("stop", budget, [&] {
          try {
            return module_->descriptor().stop(instance_, deadline_ms, &st);
          } catch (...) {
            fill_status(&st, SIEMHUB_CAT_INTERNAL, "stop threw an exception");
            return SIEMHUB_RC_ERROR;
          }
        });
        return to_call_status(rc, st);
      },
      std::chrono::steady_clock::now() + std::chrono::milliseconds(left + kReturnGraceMs));
  if (r) return *r;
  const std::string now_running = running_call();
  core::Log::write(core::LogLevel::error, "connector",
                   "did not stop by its deadline" + (now_running.empty() ? std::string() : ": " + now_running), id_);
  return failure(SIEMHUB_CAT_TIMEOUT, "stop did not return by its deadline");
}

bool Connector::destroy(std::chrono::milliseconds wait) {
  stopping_ = true;
  const auto r = run_until(
      [this] {
        // Given up on (see below): the hub is ending without this instance; leave it alone.
        if (left_running_.load()) return CallStatus{};
        for (auto& [tid, t] : timers_) t.timer->cancel();
        timers_.clear();
        // In-flight HTTP requests: cancelled at the service (their late completions find nothing)
        // and completed here with CANCELLED while the plugin still exists, so `done` runs exactly
        // once as plugin.h promises and whatever the plugin tied to the request is released.
        destroying_ = true;
        auto in_flight = std::move(http_ids_);
        http_ids_.clear();
        for (auto& [pid, call] : in_flight) {
          env_.http.cancel(call.sid);
          if (!created_) continue;
          siemhub_status s = empty_status();
          fill_status(&s, SIEMHUB_CAT_CANCELLED, "connector destroyed");
          try {
            watched("an HTTP completion", 0, [&] { call.done(call.user, nullptr, &s); });
          } catch (...) {
            core::Log::write(core::LogLevel::error, "connector", "an HTTP completion threw an exception", id_);
          }
        }
        http_ids_.clear();  // requests the completions started: refused (stopping), nothing to finish
        if (created_) {
          try {
            watched("destroy_instance", 0, [&] { module_->descriptor().destroy_instance(instance_); });
          } catch (...) {
            core::Log::write(core::LogLevel::error, "connector", "destroy_instance threw an exception", id_);
          }
          created_ = false;
          instance_ = nullptr;
        }
        // Ops the plugin never completed: their callers get CANCELLED; the plugin is gone.
        auto ops = std::move(ops_);
        for (auto& [raw, op] : ops) {
          if (op->finished) continue;
          op->result.status = failure(SIEMHUB_CAT_CANCELLED, "connector destroyed");
          deliver(op);
        }
        return CallStatus{};
      },
      std::chrono::steady_clock::now() + wait);
  if (r) return true;
  left_running_ = true;
  const std::string now_running = running_call();
  core::Log::write(core::LogLevel::error, "connector",
                   "not destroyed: its plugin code is still running" + (now_running.empty() ? std::string() : " (" + now_running + ")"),
                   id_);
  return false;
}

// ------------------------------------------------------------------------------- operations

std::shared_ptr<Connector::Op> Connector::begin_op(const char* what, uint32_t timeout_ms, OpDone done) {
  auto op = std::make_shared<Op>();
  op->connector = this;
  op->done = std::move(done);
  op->what = what;
  op->timeout_ms = timeout_ms;
  {
    std::lock_guard lock(health_mu_);
    op->late_epoch = late_epoch_;
  }
  ops_[op.get()] = op;
  if (timeout_ms > 0) {
    op->deadline = std::make_unique<asio::steady_timer>(strand_, std::chrono::milliseconds(timeout_ms));
    std::weak_ptr<Op> weak = op;
    op->deadline->async_wait([this, weak, self = shared_from_this()](const boost::system::error_code& ec) {
      auto o = weak.lock();
      if (ec || !o || o->finished) return;
      o->cancelled = true;
      const std::string within = " within its deadline of " + std::to_string(o->timeout_ms) + " ms";
      // "plugin did not complete ..." is what callers (the action dispatcher) recognise.
      o->result.status = failure(SIEMHUB_CAT_TIMEOUT, std::string("plugin did not complete the ") + o->what + within);
      deadline_misses_->add(1);
      mark_late(SIEMHUB_HEALTH_DEGRADED, std::string(o->what) + " did not complete" + within);
      deliver(o);  // stays in ops_ until the plugin completes it (or the connector is destroyed)
    });
  }
  return op;
}

void Connector::deliver(const std::shared_ptr<Op>& op) {
  op->finished = true;
  if (op->deadline) op->deadline->cancel();
  if (!op->cancelled && op->result.status.ok()) {
    // In time and successful: a late mark set before this op began is over.
    std::lock_guard lock(health_mu_);
    if (late_epoch_ == op->late_epoch) {
      late_state_ = SIEMHUB_HEALTH_OK;
      late_reason_.clear();
    }
  }
  if (op->done) {
    auto done = std::move(op->done);
    try {
      done(std::move(op->result));
    } catch (const std::exception& e) {
      core::log_error("connector", std::string("operation completion threw: ") + e.what());
    }
  }
}

void Connector::finish_call(const std::shared_ptr<Op>& op, siemhub_rc rc, const siemhub_status& st) {
  if (rc == SIEMHUB_RC_PENDING) return;  // the plugin calls op_complete later
  ops_.erase(op.get());
  if (op->finished) return;
  op->result.status = to_call_status(rc, st);
  deliver(op);
}

void Connector::complete_op(Op* raw, const siemhub_status* st) {
  auto it = ops_.find(raw);
  if (it == ops_.end()) {
    core::Log::write(core::LogLevel::warn, "connector", "plugin completed an unknown or already completed operation", id_);
    return;
  }
  auto op = it->second;
  ops_.erase(it);
  if (op->finished) return;
  siemhub_status s = st ? *st : empty_status();
  op->result.status = to_call_status(s.category == SIEMHUB_CAT_NONE ? SIEMHUB_RC_OK : SIEMHUB_RC_ERROR, s);
  deliver(op);
}

// Calls into the plugin for an op, watched against the op's deadline.
#define SIEMHUB_CALL_PLUGIN(expr, what)                                                  \
  siemhub_status st = empty_status();                                                    \
  const siemhub_rc rc = watched(what, timeout_ms, [&]() -> siemhub_rc {                  \
    try {                                                                                \
      return (expr);                                                                     \
    } catch (...) {                                                                      \
      fill_status(&st, SIEMHUB_CAT_INTERNAL, what " threw an exception");                \
      return SIEMHUB_RC_ERROR;                                                           \
    }                                                                                    \
  });                                                                                    \
  finish_call(op, rc, st)

void Connector::poll(std::string cursor, uint32_t max_events, uint32_t timeout_ms, OpDone done) {
  asio::post(strand_, [this, self = shared_from_this(), cursor = std::move(cursor), max_events, timeout_ms,
                       done = std::move(done)]() mutable {
    auto op = begin_op("poll", timeout_ms, std::move(done));
    const auto* vt = module_->descriptor().source_pull;
    if (!created_ || vt == nullptr) {
      siemhub_status st = empty_status();
      fill_status(&st, SIEMHUB_CAT_NOT_SUPPORTED, "connector is not a pull source");
      finish_call(op, SIEMHUB_RC_NOT_SUPPORTED, st);
      return;
    }
    const int64_t deadline = timeout_ms ? env_.clock.now_ms() + timeout_ms : 0;
    siemhub_poll_request req{sizeof req, max_events, cursor.empty() ? nullptr : cursor.data(), cursor.size(), deadline};
    SIEMHUB_CALL_PLUGIN(vt->poll(instance_, reinterpret_cast<siemhub_op*>(op.get()), &req, &st), "poll");
  });
}

void Connector::write(std::vector<std::string> events, std::vector<std::string> ids, uint32_t timeout_ms, OpDone done) {
  auto owned = std::make_shared<std::pair<std::vector<std::string>, std::vector<std::string>>>(std::move(events),
                                                                                                std::move(ids));
  std::vector<std::string_view> ev(owned->first.begin(), owned->first.end());
  std::vector<std::string_view> id(owned->second.begin(), owned->second.end());
  write(std::move(ev), std::move(id), std::move(owned), timeout_ms, std::move(done));
}

void Connector::write(std::vector<std::string_view> events, std::vector<std::string_view> ids,
                      std::shared_ptr<const void> keep_alive, uint32_t timeout_ms, OpDone done) {
  asio::post(strand_, [this, self = shared_from_this(), events = std::move(events), ids = std::move(ids),
                       keep_alive = std::move(keep_alive), timeout_ms, done = std::move(done)]() mutable {
    auto op = begin_op("write", timeout_ms, std::move(done));
    op->result.results.resize(events.size());
    const auto* vt = module_->descriptor().sink;
    if (!created_ || vt == nullptr) {
      siemhub_status st = empty_status();
      fill_status(&st, SIEMHUB_CAT_NOT_SUPPORTED, "connector is not a sink");
      finish_call(op, SIEMHUB_RC_NOT_SUPPORTED, st);
      return;
    }
    std::vector<siemhub_event> evs(events.size());
    for (size_t i = 0; i < events.size(); ++i) {
      evs[i].data = events[i].data();
      evs[i].size = events[i].size();
      if (i < ids.size()) {
        evs[i].id = ids[i].data();
        evs[i].id_size = ids[i].size();
      }
    }
    siemhub_batch b{sizeof b, static_cast<uint32_t>(evs.size()), evs.data()};
    SIEMHUB_CALL_PLUGIN(vt->write(instance_, reinterpret_cast<siemhub_op*>(op.get()), &b, &st), "write");
  });
}

void Connector::lookup(std::vector<std::pair<std::string, std::string>> keys, uint32_t timeout_ms, OpDone done) {
  asio::post(strand_, [this, self = shared_from_this(), keys = std::move(keys), timeout_ms, done = std::move(done)]() mutable {
    auto op = begin_op("lookup", timeout_ms, std::move(done));
    op->result.lookups.resize(keys.size());
    const auto* vt = module_->descriptor().enrich;
    if (!created_ || vt == nullptr) {
      siemhub_status st = empty_status();
      fill_status(&st, SIEMHUB_CAT_NOT_SUPPORTED, "connector is not an enricher");
      finish_call(op, SIEMHUB_RC_NOT_SUPPORTED, st);
      return;
    }
    std::vector<siemhub_lookup_key> ks(keys.size());
    for (size_t i = 0; i < keys.size(); ++i) ks[i] = {keys[i].first.c_str(), keys[i].second.data(), keys[i].second.size()};
    const int64_t deadline = timeout_ms ? env_.clock.now_ms() + timeout_ms : 0;
    siemhub_lookup_request req{sizeof req, static_cast<uint32_t>(ks.size()), ks.data(), deadline};
    SIEMHUB_CALL_PLUGIN(vt->lookup(instance_, reinterpret_cast<siemhub_op*>(op.get()), &req, &st), "lookup");
  });
}

void Connector::execute(ActionCall call, uint32_t timeout_ms, OpDone done) {
  action(false, std::move(call), timeout_ms, std::move(done));
}

void Connector::status(ActionCall call, uint32_t timeout_ms, OpDone done) {
  action(true, std::move(call), timeout_ms, std::move(done));
}

void Connector::action(bool status_call, ActionCall call, uint32_t timeout_ms, OpDone done) {
  asio::post(strand_, [this, self = shared_from_this(), status_call, call = std::move(call), timeout_ms,
                       done = std::move(done)]() mutable {
    auto op = begin_op(status_call ? "status" : "execute", timeout_ms, std::move(done));
    const auto* vt = module_->descriptor().action;
    if (!created_ || vt == nullptr) {
      siemhub_status st = empty_status();
      fill_status(&st, SIEMHUB_CAT_NOT_SUPPORTED, "connector has no actions");
      finish_call(op, SIEMHUB_RC_NOT_SUPPORTED, st);
      return;
    }
    const int64_t deadline = timeout_ms ? env_.clock.now_ms() + timeout_ms : 0;
    siemhub_action_request req{sizeof req, call.action.c_str(), call.params.data(), call.params.size(),
                               call.idempotency_key.c_str(), call.prior.empty() ? nullptr : call.prior.data(),
                               call.prior.size(), call.simulate ? 1 : 0, deadline};
    auto* raw = reinterpret_cast<siemhub_op*>(op.get());
    siemhub_status st = empty_status();
    siemhub_rc rc = watched("action", timeout_ms, [&]() -> siemhub_rc {
      try {
        return status_call ? vt->status(instance_, raw, &req, &st) : vt->execute(instance_, raw, &req, &st);
      } catch (...) {
        fill_status(&st, SIEMHUB_CAT_INTERNAL, "action threw an exception");
        return SIEMHUB_RC_ERROR;
      }
    });
    // ABI 1.1: a status answering NOT_FOUND says "this key never acted" (an answer, not an
    // error). A 1.0 plugin meant nothing of the kind: its NOT_FOUND stays a failure.
    if (status_call && rc == SIEMHUB_RC_NOT_FOUND && module_->abi_minor() >= 1) {
      op->result.action_outcome = SIEMHUB_ACTION_OUTCOME_NOT_FOUND;
      rc = SIEMHUB_RC_OK;
      st = empty_status();
    }
    finish_call(op, rc, st);
  });
}

#undef SIEMHUB_CALL_PLUGIN

void Connector::pause() {
  asio::post(strand_, [this, self = shared_from_this()] {
    const auto* vt = module_->descriptor().source_push;
    if (created_ && vt) {
      try {
        watched("pause", 0, [&] { vt->pause(instance_); });
      } catch (...) {
        core::Log::write(core::LogLevel::error, "connector", "pause threw an exception", id_);
      }
    }
  });
}

void Connector::resume() {
  asio::post(strand_, [this, self = shared_from_this()] {
    const auto* vt = module_->descriptor().source_push;
    if (created_ && vt) {
      try {
        watched("resume", 0, [&] { vt->resume(instance_); });
      } catch (...) {
        core::Log::write(core::LogLevel::error, "connector", "resume threw an exception", id_);
      }
    }
  });
}

void Connector::set_pipeline_health(int32_t state, std::string reason, bool as_sink) {
  std::lock_guard lock(health_mu_);
  pipeline_state_[as_sink] = state;
  pipeline_reason_[as_sink] = state == SIEMHUB_HEALTH_OK ? std::string() : std::move(reason);
}

siemhub_health Connector::health() {
  siemhub_health h{};
  h.struct_size = sizeof h;
  const auto set = [](siemhub_health& out, int32_t state, const std::string& reason) {
    out.state = state;
    std::snprintf(out.reason, sizeof out.reason, "%s", reason.c_str());
  };
  {
    std::lock_guard lock(health_mu_);
    set(h, reported_state_, reported_reason_);
    if (late_state_ > h.state) set(h, late_state_, late_reason_);
    for (int role = 0; role < 2; ++role)
      if (pipeline_state_[role] > h.state) set(h, pipeline_state_[role], pipeline_reason_[role]);
  }
  {
    // A call past its deadline: down, whatever the watchdog has seen yet; and no health() call
    // that would queue behind it.
    std::lock_guard lock(call_mu_);
    const int64_t now = env_.clock.now_ms();
    if (call_.what != nullptr && now > call_.deadline_ms) {
      set(h, SIEMHUB_HEALTH_DOWN, describe_running(now) + ": past its deadline");
      return h;
    }
  }
  const auto fn = module_->descriptor().health;
  if (fn == nullptr) return h;
  auto ph = std::make_shared<siemhub_health>();
  ph->struct_size = sizeof *ph;
  // Bounded: a strand busy in a long call must not hold `siemhub status` or /readyz.
  const auto answered = run_until(
      [this, fn, ph] {
        if (!created_) return CallStatus{};
        try {
          watched("health", 0, [&] { fn(instance_, ph.get()); });
        } catch (...) {
          ph->state = SIEMHUB_HEALTH_DEGRADED;
          std::snprintf(ph->reason, sizeof ph->reason, "health() threw an exception");
        }
        return CallStatus{};
      },
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kHealthWaitMs));
  if (answered && ph->state > h.state) h = *ph;  // the worse of the two views wins
  return h;
}

// ------------------------------------------------------------------------------- services

void Connector::set_emit_handler(EmitHandler h) {
  std::lock_guard lock(emit_mu_);
  emit_handler_ = std::move(h);
}

void Connector::log(siemhub_log_level level, const char* message) {
  const auto lvl = static_cast<core::LogLevel>(std::clamp(level, SIEMHUB_LOG_TRACE, SIEMHUB_LOG_ERROR));
  core::Log::write(lvl, "plugin", message ? message : "", id_);
}

siemhub_rc Connector::emit(const siemhub_batch* batch, siemhub_emit_done_fn done, void* user, siemhub_status* st) {
  if (batch == nullptr) {
    fill_status(st, SIEMHUB_CAT_INTERNAL, "emit with a NULL batch");
    return SIEMHUB_RC_ERROR;
  }
  std::vector<std::string> events;
  events.reserve(batch->count);
  for (uint32_t i = 0; i < batch->count; ++i) events.emplace_back(batch->events[i].data, batch->events[i].size);
  EmitHandler handler;
  {
    std::lock_guard lock(emit_mu_);
    handler = emit_handler_;
  }
  if (!handler) {
    fill_status(st, SIEMHUB_CAT_NOT_SUPPORTED, "connector " + id_ + " is not a source of the running pipeline");
    return SIEMHUB_RC_NOT_SUPPORTED;
  }
  std::function<void(siemhub_rc, const CallStatus&)> durable;
  if (done != nullptr) {
    durable = [this, self = shared_from_this(), done, user](siemhub_rc rc, const CallStatus& cs) {
      asio::post(strand_, [this, self, done, user, rc, cs] {
        siemhub_status s = empty_status();
        fill_status(&s, cs.category, cs.message);
        s.retry_after_ms = cs.retry_after_ms;
        watched("an emit completion", 0, [&] { done(user, rc, &s); });
      });
    };
  }
  const siemhub_rc rc = handler(std::move(events), std::move(durable));
  if (rc == SIEMHUB_RC_BUSY) {
    fill_status(st, SIEMHUB_CAT_RATE_LIMIT, "the hub is at its buffer cap");
    st->retry_after_ms = 1000;
  }
  return rc;
}

siemhub_rc Connector::http_request(const siemhub_http_request* req, siemhub_http_done_fn done, void* user,
                                   uint64_t* out_id, siemhub_status* st) {
  if (req == nullptr || done == nullptr || req->url == nullptr) {
    fill_status(st, SIEMHUB_CAT_INTERNAL, "http_request needs a request with a url and a completion");
    return SIEMHUB_RC_ERROR;
  }
  if (destroying_) {  // a completion run by destroy() asking for more
    fill_status(st, SIEMHUB_CAT_CANCELLED, "connector destroyed");
    return SIEMHUB_RC_ERROR;
  }
  http::Request r;
  r.method = req->method ? req->method : "GET";
  r.url = req->url;
  for (uint32_t i = 0; i < req->header_count; ++i)
    if (req->headers[i].name && req->headers[i].value) r.headers.emplace_back(req->headers[i].name, req->headers[i].value);
  if (req->body && req->body_size) r.body.assign(req->body, req->body_size);
  r.gzip_body = (req->flags & SIEMHUB_HTTP_GZIP_BODY) != 0;
  r.decompress = (req->flags & SIEMHUB_HTTP_NO_DECOMPRESS) == 0;
  r.timeout = std::chrono::milliseconds(req->timeout_ms);
  const uint64_t pid = next_http_++;
  auto self = shared_from_this();
  if (req->on_chunk != nullptr) {
    // Chunks arrive on the HTTP worker; the plugin sees them in order on its strand.
    auto abort = std::make_shared<std::atomic<bool>>(false);
    auto fn = req->on_chunk;
    void* cu = req->chunk_user;
    r.on_chunk = [this, self, fn, cu, abort, pid](std::string_view data) {
      if (abort->load()) return false;
      asio::post(strand_, [this, fn, cu, abort, pid, copy = std::string(data)] {
        if (abort->load() || !http_ids_.count(pid)) return;
        if (watched("an HTTP chunk callback", 0, [&] { return fn(cu, copy.data(), copy.size()); }) != 0) {
          abort->store(true);
          env_.http.cancel(http_ids_[pid].sid);
        }
      });
      return true;
    };
  }
  http_ids_[pid] = HttpCall{0, done, user};  // registered before submit: the completion may be queued right away
  const uint64_t sid = env_.http.submit(
      http_policy_, &http_metrics_, std::move(r),
      [this, self, done, user, pid](std::optional<http::Response> resp, std::optional<http::Failure> fail) {
        asio::post(strand_, [this, self, done, user, pid, resp = std::move(resp), fail = std::move(fail)] {
          if (http_ids_.erase(pid) == 0) return;  // cancelled by destroy: the plugin is gone
          if (resp) {
            std::vector<siemhub_http_header> hs;
            hs.reserve(resp->headers.size());
            for (const auto& [n, v] : resp->headers) hs.push_back({n.c_str(), v.c_str()});
            siemhub_http_response out{sizeof out,         resp->status,        hs.data(),
                                      static_cast<uint32_t>(hs.size()), resp->body.data(), resp->body.size(),
                                      resp->retry_after_ms, resp->elapsed_ms};
            watched("an HTTP completion", 0, [&] { done(user, &out, nullptr); });
          } else {
            siemhub_status s = empty_status();
            fill_status(&s, fail ? fail->category : SIEMHUB_CAT_TRANSIENT, fail ? fail->message : "request failed");
            watched("an HTTP completion", 0, [&] { done(user, nullptr, &s); });
          }
        });
      });
  // Still on the strand: no completion can run before this.
  if (auto it = http_ids_.find(pid); it != http_ids_.end()) it->second.sid = sid;
  if (out_id) *out_id = pid;
  return SIEMHUB_RC_OK;
}

void Connector::http_cancel(uint64_t id) {
  auto it = http_ids_.find(id);
  if (it != http_ids_.end()) env_.http.cancel(it->second.sid);
}

void Connector::schedule_timer(uint64_t id, uint32_t delay_ms) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  it->second.timer->expires_after(std::chrono::milliseconds(delay_ms));
  it->second.timer->async_wait([this, self = shared_from_this(), id](const boost::system::error_code& ec) {
    if (ec) return;
    auto t = timers_.find(id);
    if (t == timers_.end() || !created_) return;
    const auto fn = t->second.fn;
    void* user = t->second.user;
    const bool repeat = t->second.repeat;
    const uint32_t delay = t->second.delay_ms;
    if (!repeat) timers_.erase(t);
    try {
      watched("a timer callback", 0, [&] { fn(user); });
    } catch (...) {
      core::Log::write(core::LogLevel::error, "connector", "timer callback threw an exception", id_);
    }
    if (repeat) schedule_timer(id, delay);
  });
}

uint64_t Connector::timer_start(uint32_t delay_ms, uint32_t flags, siemhub_timer_fn fn, void* user) {
  if (fn == nullptr || stopping_) return 0;
  const uint64_t id = next_timer_++;
  timers_[id] = Timer{std::make_unique<asio::steady_timer>(strand_), fn, user, (flags & SIEMHUB_TIMER_REPEAT) != 0,
                      std::max<uint32_t>(delay_ms, 1)};
  schedule_timer(id, delay_ms);
  return id;
}

void Connector::timer_cancel(uint64_t id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  it->second.timer->cancel();
  timers_.erase(it);
}

siemhub_rc Connector::run_blocking(siemhub_blocking_fn work, siemhub_blocking_done_fn done, void* user) {
  if (work == nullptr) return SIEMHUB_RC_ERROR;
  // Counted while it runs: blocking work may take long, but work that never returns keeps the
  // pool from being joined, so the hub must know of it at shutdown.
  ++blocking_running_;
  asio::post(env_.runtime.blocking_pool(), [this, self = shared_from_this(), work, done, user] {
    try {
      work(user);
    } catch (...) {
      core::Log::write(core::LogLevel::error, "connector", "blocking work threw an exception", id_);
    }
    --blocking_running_;
    if (done)
      asio::post(strand_, [this, self, done, user] { watched("a run_blocking completion", 0, [&] { done(user); }); });
  });
  return SIEMHUB_RC_OK;
}

siemhub_metric* Connector::metric_define(const char* name, const char* help, uint32_t type) {
  if (name == nullptr || !core::valid_metric_name(name) || type > SIEMHUB_METRIC_HISTOGRAM) return nullptr;
  auto* m = env_.metrics.get(std::string("siemhub_plugin_") + name, help ? help : "",
                             static_cast<core::MetricType>(type), {{"connector", id_}, {"plugin", module_->id()}});
  return reinterpret_cast<siemhub_metric*>(m);
}

void Connector::report_health(int32_t state, const char* reason) {
  std::lock_guard lock(health_mu_);
  reported_state_ = std::clamp(state, SIEMHUB_HEALTH_OK, SIEMHUB_HEALTH_DOWN);
  reported_reason_ = reason ? reason : "";
}

}  // namespace siemhub::plugins
