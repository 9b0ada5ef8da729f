#include "pipeline/pipeline.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <deque>
#include <future>
#include <random>
#include <thread>

#include "core/log.hpp"
#include "pipeline/source_retry.hpp"
#include "pipeline/correlation.hpp"

namespace siemhub::pipeline {

namespace asio = boost::asio;

namespace {
constexpr const char* kReplayPrefix = "dlq:";

const char* category_name(uint32_t c) {
  static const char* names[] = {"none",      "config",    "auth",    "rate_limit",    "transient",
                                "permanent", "cancelled", "timeout", "not_supported", "internal"};
  return c < sizeof names / sizeof names[0] ? names[c] : "unknown";
}
}  // namespace

// =============================================================================== sinks

struct Pipeline::SinkRunner {
  struct InFlight {
    std::shared_ptr<const Record> record;
    std::vector<uint32_t> todo;  // indexes of events still to confirm
  };
  enum class Breaker { closed, open, half_open };

  Pipeline& p;
  std::string name;
  std::shared_ptr<plugins::Connector> conn;
  SinkPolicy policy;
  asio::steady_timer timer;
  // strand-only
  std::deque<InFlight> window;
  uint64_t fetched = 0;  // last journal seq looked at
  bool writing = false;
  bool waiting = false;  // a backoff or breaker timer is pending
  uint32_t failures = 0;
  uint32_t attempt = 0;
  Breaker breaker = Breaker::closed;
  std::mt19937_64 rng{std::random_device{}()};
  // shared
  std::atomic<uint64_t> acked{0};        // every routed event <= acked is resolved
  std::atomic<int64_t> outbox_bytes{0};  // routed bytes after `acked`
  std::atomic<uint64_t> queue_events{0};
  std::atomic<int> breaker_state{0};
  mutable std::mutex last_error_mu;
  std::string last_error;
  core::Metric* out;
  core::Metric* rejected;
  core::Metric* retries;
  core::Metric* errors;
  core::Metric* queue_bytes_gauge;
  core::Metric* breaker_gauge;
  core::Metric* bytes_out;

  SinkRunner(Pipeline& pipeline, const ConnectorSpec& spec)
      : p(pipeline),
        name(spec.name),
        conn(spec.connector),
        policy(spec.policy),
        timer(conn->strand()),
        out(p.metrics_.get("siemhub_connector_events_out_total", "Events a sink confirmed", core::MetricType::counter,
                           {{"connector", name}})),
        rejected(p.metrics_.get("siemhub_connector_events_rejected_total",
                                "Events a sink rejected permanently (dead letters)", core::MetricType::counter,
                                {{"connector", name}})),
        retries(p.metrics_.get("siemhub_connector_retries_total", "Events sent again after a retryable failure",
                               core::MetricType::counter, {{"connector", name}})),
        errors(p.metrics_.get("siemhub_connector_errors_total", "Failed operations", core::MetricType::counter,
                              {{"connector", name}})),
        queue_bytes_gauge(p.metrics_.get("siemhub_outbox_bytes", "Journal bytes a sink has not confirmed yet",
                                         core::MetricType::gauge, {{"connector", name}})),
        breaker_gauge(p.metrics_.get("siemhub_breaker_open", "1 when the sink's circuit breaker is open, 0.5 half-open",
                                     core::MetricType::gauge, {{"connector", name}})),
        bytes_out(p.metrics_.get("siemhub_connector_bytes_out_total", "Bytes of events a sink confirmed",
                                 core::MetricType::counter, {{"connector", name}})) {}

  bool routed(const std::string& source) const {
    const auto& t = p.routes_;
    auto it = t.find(source);
    if (it != t.end()) return std::find(it->second.begin(), it->second.end(), this) != it->second.end();
    return source.rfind(kReplayPrefix, 0) == 0 && source.substr(4) == name;
  }

  void set_breaker(Breaker b) {
    breaker = b;
    breaker_state = static_cast<int>(b);
    breaker_gauge->set(b == Breaker::open ? 1 : b == Breaker::half_open ? 0.5 : 0);
    // What the host sees counts as much as what the plugin says of itself: a sink whose writes
    // fail and whose breaker holds them back is not ok, in `status` and in /readyz alike.
    if (b == Breaker::closed) {
      conn->set_pipeline_health(SIEMHUB_HEALTH_OK, {}, true);
    } else {
      const std::string last = last_error_text();
      conn->set_pipeline_health(SIEMHUB_HEALTH_DEGRADED,
                                std::string("circuit breaker ") + breaker_name() + " after failed writes" +
                                    (last.empty() ? "" : ": " + last),
                                true);
    }
  }

  void notify() {
    asio::post(conn->strand(), [this] { pump(); });
  }

  // Refills the window from the journal and starts the next write (one in flight per sink keeps
  // delivery in order).
  void pump() {
    if (writing || waiting || p.halted_) return;
    while (window.size() < 8) {
      auto records = p.journal_.read(fetched, 16);
      if (records.empty()) break;
      for (auto& r : records) {
        fetched = r->seq;
        if (!routed(r->source) || r->events->empty()) continue;
        InFlight f;
        f.todo.resize(r->events->size());
        for (uint32_t i = 0; i < f.todo.size(); ++i) f.todo[i] = i;
        queue_events += f.todo.size();
        f.record = std::move(r);
        window.push_back(std::move(f));
      }
    }
    advance();
    if (window.empty()) return;
    // Gather up to max_batch_events from the front records, in order.
    // The texts are handed over as views into the records (no copies); `records` keeps them alive.
    std::vector<std::string_view> jsons, ids;
    auto records = std::make_shared<std::vector<std::shared_ptr<const Record>>>();
    std::vector<std::pair<size_t, uint32_t>> where;  // (window index, event index)
    for (size_t w = 0; w < window.size() && where.size() < p.options_.max_batch_events; ++w) {
      if (!window[w].todo.empty()) records->push_back(window[w].record);
      for (uint32_t idx : window[w].todo) {
        if (where.size() >= p.options_.max_batch_events) break;
        const Event& e = (*window[w].record->events)[idx];
        jsons.push_back(e.json);
        ids.push_back(e.id);  // the whole string: data() is NUL-terminated, as plugins expect
        where.emplace_back(w, idx);
      }
    }
    writing = true;
    conn->write(std::move(jsons), std::move(ids), std::move(records), conn->call_timeout_ms(),
                [this, where = std::move(where)](plugins::OpResult r) { on_written(where, std::move(r)); });
  }

  // Pops fully confirmed records from the front and moves the outbox cursor.
  void advance() {
    while (!window.empty() && window.front().todo.empty()) {
      acked = window.front().record->seq;
      outbox_bytes -= static_cast<int64_t>(window.front().record->bytes);
      window.pop_front();
    }
    if (window.empty()) acked = std::max(acked.load(), fetched);
    queue_bytes_gauge->set(static_cast<double>(std::max<int64_t>(0, outbox_bytes.load())));
  }

  void on_written(const std::vector<std::pair<size_t, uint32_t>>& where, plugins::OpResult r) {
    writing = false;
    uint32_t retry_after = r.status.retry_after_ms;
    size_t done = 0, again = 0, delivered = 0;
    uint64_t delivered_bytes = 0;
    // Per window index, the event indexes resolved (the window is a handful of records).
    std::vector<std::vector<uint32_t>> resolved(where.empty() ? 0 : where.back().first + 1);
    for (size_t k = 0; k < where.size(); ++k) {
      const plugins::EventResult& res = r.results[k];
      siemhub_outcome outcome = res.outcome;
      if (outcome == SIEMHUB_OUTCOME_UNSET)  // no per-event word: the op's status decides
        outcome = !r.status.ok() && r.status.category == SIEMHUB_CAT_PERMANENT ? SIEMHUB_OUTCOME_REJECTED
                                                                                : SIEMHUB_OUTCOME_RETRY;
      const auto [w, idx] = where[k];
      const Record& rec = *window[w].record;
      if (outcome == SIEMHUB_OUTCOME_DELIVERED) {
        ++delivered;
        delivered_bytes += (*rec.events)[idx].json.size();
        resolved[w].push_back(idx);
        ++done;
      } else if (outcome == SIEMHUB_OUTCOME_REJECTED) {
        const Event& e = (*rec.events)[idx];
        DeadLetter d{0, name, e.id, rec.seq,
                     res.reason.empty() ? (r.status.message.empty() ? "rejected" : r.status.message) : res.reason,
                     res.response, e.json, 0};
        try {
          p.dead_letters_.add(d);
          rejected->add(1);
          p.dlq_total_->add(1);
          resolved[w].push_back(idx);
          ++done;
          core::Log::write(core::LogLevel::warn, "outbox",
                           "event " + e.id + " rejected, moved to dead letters: " + d.reason, name);
        } catch (const std::exception& ex) {
          // Not in the DLQ yet: keep it in the outbox and try again later.
          core::Log::write(core::LogLevel::error, "outbox", std::string("cannot write a dead letter: ") + ex.what(), name);
          ++again;
        }
      } else {
        ++again;
        retry_after = std::max(retry_after, res.retry_after_ms);
      }
    }
    out->add(static_cast<double>(delivered));
    bytes_out->add(static_cast<double>(delivered_bytes));
    for (size_t w = 0; w < resolved.size(); ++w) {
      auto& idxs = resolved[w];
      auto& todo = window[w].todo;
      if (idxs.empty()) continue;
      if (idxs.size() == todo.size()) {  // the usual case: all of this record's events resolved
        todo.clear();
        continue;
      }
      std::sort(idxs.begin(), idxs.end());
      todo.erase(std::remove_if(todo.begin(), todo.end(),
                                [&](uint32_t i) { return std::binary_search(idxs.begin(), idxs.end(), i); }),
                 todo.end());
    }
    queue_events -= done;
    advance();

    const bool failed = !r.status.ok() || (again > 0 && done == 0);
    if (!r.status.ok()) {
      errors->add(1);
      p.metrics_
          .get("siemhub_connector_write_failures_total", "Failed sink writes by error category",
               core::MetricType::counter, {{"connector", name}, {"category", category_name(r.status.category)}})
          ->add(1);
      core::Log::write(core::LogLevel::warn, "outbox", "write failed: " + r.status.message, name);
      set_last_error(r.status.message);
    } else if (again > 0 && done == 0) {
      set_last_error(std::to_string(again) + " event(s) to retry and none confirmed");
    }
    if (!failed && again == 0) {
      failures = 0;
      set_last_error({});
      attempt = 0;
      if (breaker != Breaker::closed) {
        core::Log::write(core::LogLevel::info, "outbox", "circuit breaker closed", name);
        set_breaker(Breaker::closed);
      }
      pump();
      return;
    }
    retries->add(static_cast<double>(again));
    if (failed) ++failures;
    else failures = 0;
    if (breaker == Breaker::half_open || failures >= policy.breaker_failures) {
      // Open: no writes until open_ms passes, then one probe (half-open).
      if (breaker != Breaker::open)
        core::Log::write(core::LogLevel::warn, "outbox",
                         "circuit breaker open for " + std::to_string(policy.breaker_open_ms) + " ms after " +
                             std::to_string(failures) + " failed writes",
                         name);
      set_breaker(Breaker::open);
      wait_then(std::max<uint64_t>(policy.breaker_open_ms, retry_after), [this] {
        set_breaker(Breaker::half_open);
        pump();
      });
      return;
    }
    // Exponential backoff with full jitter, never sooner than the peer asked.
    ++attempt;
    const uint64_t cap =
        std::min<uint64_t>(policy.retry_max_ms, uint64_t{policy.retry_base_ms} << std::min<uint32_t>(attempt, 20));
    std::uniform_int_distribution<uint64_t> dist(0, cap);
    wait_then(std::max<uint64_t>(dist(rng), retry_after), [this] { pump(); });
  }

  void wait_then(uint64_t ms, std::function<void()> fn) {
    if (p.halted_) return;  // stopped: no more attempts (the outbox resumes after a restart)
    waiting = true;
    timer.expires_after(std::chrono::milliseconds(ms));
    timer.async_wait([this, fn = std::move(fn)](const boost::system::error_code& ec) {
      waiting = false;
      if (!ec) fn();
    });
  }

  // Read by status() on an admin thread while the strand writes it.
  void set_last_error(std::string e) {
    std::lock_guard lock(last_error_mu);
    last_error = std::move(e);
  }
  std::string last_error_text() const {
    std::lock_guard lock(last_error_mu);
    return last_error;
  }

  const char* breaker_name() const {
    switch (static_cast<Breaker>(breaker_state.load())) {
      case Breaker::open: return "open";
      case Breaker::half_open: return "half-open";
      default: return "closed";
    }
  }
};

// =============================================================================== sources

struct Pipeline::SourceRunner {
  Pipeline& p;
  std::string name;
  std::shared_ptr<plugins::Connector> conn;
  bool pull = false;
  // strand-only
  uint64_t timer = 0;  // the pending poll's id in p.timers_
  std::string cursor;
  // A reset asked for while a poll ran: applied before the next poll (which it makes come at once).
  std::optional<std::string> reset_to;
  std::vector<std::function<void(std::string error)>> reset_done;
  bool busy = false;  // a poll or an append is in flight
  bool stopped = false;
  // shared
  std::atomic<bool> paused{false};
  std::atomic<bool> push_paused{false};
  std::atomic<int> pending_appends{0};
  core::Metric* in;
  core::Metric* errors;
  core::Metric* paused_gauge;
  SourceRetry retry;  // strand-only
  std::mt19937 rng{std::random_device{}()};  // strand-only: poll interval jitter
  // The last failed poll, for status() on an admin thread (under failure_mu); cleared by a success.
  mutable std::mutex failure_mu;
  std::string last_error;
  std::string last_category;
  int64_t next_attempt_ms = 0;
  std::atomic<uint32_t> retry_count{0};

  SourceRunner(Pipeline& pipeline, const ConnectorSpec& spec)
      : p(pipeline),
        name(spec.name),
        conn(spec.connector),
        pull(conn->module().descriptor().source_pull != nullptr),
        in(p.metrics_.get("siemhub_connector_events_in_total", "Events a source handed over", core::MetricType::counter,
                          {{"connector", name}})),

        errors(p.metrics_.get("siemhub_connector_errors_total", "Failed operations", core::MetricType::counter,
                              {{"connector", name}})),
        paused_gauge(p.metrics_.get("siemhub_source_paused", "1 while backpressure holds the source back",
                                    core::MetricType::gauge, {{"connector", name}})) {}

  // The events normalize accepts; `kept` false when a refused one could not be dead-lettered.
  std::vector<Event> normalize(std::vector<std::string> raw, bool& kept) {
    std::vector<Event> out;
    std::vector<Refusal> refused;
    out.reserve(raw.size());
    in->add(static_cast<double>(raw.size()));
    for (auto& r : raw) {
      Event e;
      if (auto why = p.normalize_(name, std::move(r), e)) refused.push_back(ocsf::refused(std::move(*why), std::move(e.json)));
      else out.push_back(std::move(e));
    }
    kept = refused.empty() || p.refuse(name, std::move(refused));
    return out;
  }

  void schedule(uint64_t ms) {
    if (stopped) return;
    if (reset_to) ms = 0;
    p.timers_->cancel(timer);
    timer = p.timers_->after(conn->strand(), ms, [this] {
      timer = 0;
      poll();
    });
  }

  void cancel_timer() {
    p.timers_->cancel(timer);
    timer = 0;
  }

  void poll() {
    if (stopped || busy || p.stopping_) return;
    if (reset_to) {
      apply_reset();
      return;
    }
    if (!p.accepting(name)) {  // backpressure: pause, check again soon
      set_paused(true);
      schedule(p.options_.paused_poll_ms);
      return;
    }
    set_paused(false);
    busy = true;
    conn->poll(cursor, p.options_.max_batch_events, conn->call_timeout_ms(),
               [this](plugins::OpResult r) { on_polled(std::move(r)); });
  }

  // `siemhub cursor reset`: the new cursor is made durable (a cursor-only journal frame) before the
  // source polls from it, at once and with its retry state cleared (someone acted on it).
  void reset(std::string value, std::function<void(std::string error)> done) {
    if (stopped || p.stopping_) {
      done("the hub is stopping");
      return;
    }
    reset_to = std::move(value);
    reset_done.push_back(std::move(done));
    if (!busy) poll();
  }

  void apply_reset() {
    busy = true;
    cancel_timer();
    std::string value = std::move(*reset_to);
    reset_to.reset();
    auto dones = std::move(reset_done);
    reset_done.clear();
    p.journal_.append(name, {}, value, [this, value, dones](bool ok, uint64_t, const std::string& error) {
      asio::post(conn->strand(), [this, value, dones, ok, error] {
        busy = false;
        if (ok) {
          core::Log::write(core::LogLevel::warn, "pipeline",
                           "cursor reset (" + std::to_string(value.size()) + " bytes): polling from it", name);
          cursor = value;
        }
        for (const auto& d : dones) d(ok ? std::string() : "the new cursor could not be journaled: " + error);
        if (stopped) return;
        if (ok) poll();
        else schedule(p.options_.paused_poll_ms);
      });
    });
  }

  // A failed poll: when to poll again depends on why (source_retry.hpp); auth and config failures
  // make the connector down until a poll succeeds. Logged with the category and the next attempt.
  void on_poll_failed(const plugins::CallStatus& st) {
    const uint64_t delay = retry.on_failure(st.category, st.retry_after_ms);
    retry_count = retry.attempts();
    const char* category = category_name(st.category);
    const std::string when = "retry " + std::to_string(retry.attempts()) + " in " + std::to_string(delay) + " ms";
    {
      std::lock_guard lock(failure_mu);
      last_error = st.message;
      last_category = category;
      next_attempt_ms = p.clock_.now_ms() + static_cast<int64_t>(delay);
    }
    const bool attention = SourceRetry::needs_attention(st.category);
    conn->set_pipeline_health(attention ? SIEMHUB_HEALTH_DOWN : SIEMHUB_HEALTH_DEGRADED,
                              std::string("poll failed (") + category + "): " + st.message + "; " + when);
    core::Log::write(attention ? core::LogLevel::error : core::LogLevel::warn, "pipeline",
                     std::string("poll failed (") + category + "): " + st.message + "; " + when, name);
    if (!stopped) schedule(delay);
  }

  // The wait after an empty poll: the connector's poll_interval_ms or the plugin's suggestion, ±10 %.
  uint32_t idle_interval_ms() {
    const uint32_t base = conn->poll_interval_ms() ? conn->poll_interval_ms()
                                                   : conn->module().descriptor().source_pull->default_interval_ms;
    if (base < 10) return base;
    std::uniform_int_distribution<uint32_t> jitter(base - base / 10, base + base / 10);
    return jitter(rng);
  }

  void on_poll_recovered() {
    core::Log::write(core::LogLevel::info, "pipeline",
                     "poll succeeded again after " + std::to_string(retry.attempts()) + " failed", name);
    retry.on_success();
    retry_count = 0;
    {
      std::lock_guard lock(failure_mu);
      last_error.clear();
      last_category.clear();
      next_attempt_ms = 0;
    }
    conn->set_pipeline_health(SIEMHUB_HEALTH_OK, {});
  }

  void set_paused(bool v) {
    if (paused.exchange(v) != v) {
      paused_gauge->set(v ? 1 : 0);
      core::Log::write(v ? core::LogLevel::warn : core::LogLevel::info, "pipeline",
                       v ? "source paused: the journal or an outbox is at its cap (or the disk is full)"
                         : "source resumed",
                       name);
    }
  }

  void on_polled(plugins::OpResult r) {
    if (!r.status.ok()) {
      busy = false;
      if (stopped && r.status.category == SIEMHUB_CAT_CANCELLED) return;  // shutting down
      errors->add(1);
      on_poll_failed(r.status);
      return;
    }
    if (r.cursor && r.cursor->size() > kMaxCursorBytes) {  // a plugin bug: nothing of this poll is taken
      busy = false;
      errors->add(1);
      plugins::CallStatus st;
      st.rc = SIEMHUB_RC_ERROR;
      st.category = SIEMHUB_CAT_INTERNAL;
      st.message = "the plugin set a cursor of " + std::to_string(r.cursor->size()) + " bytes, over the limit of " +
                   std::to_string(kMaxCursorBytes) + "; this poll's events are not taken, polling again from the last cursor";
      on_poll_failed(st);
      return;
    }
    if (retry.attempts() > 0) on_poll_recovered();
    const bool got = !r.events.empty();
    bool kept = true;
    auto events = normalize(std::move(r.events), kept);
    if (!kept) {  // the cursor must not pass an event that is neither journaled nor dead-lettered
      busy = false;
      errors->add(1);
      plugins::CallStatus st;
      st.rc = SIEMHUB_RC_ERROR;
      st.category = SIEMHUB_CAT_TRANSIENT;
      st.message = "a refused event could not be kept in the dead letters; polling again from the last cursor";
      on_poll_failed(st);
      return;
    }
    if (events.empty() && (!r.cursor || *r.cursor == cursor)) {
      busy = false;
      if (!stopped) schedule(got ? 0 : idle_interval_ms());
      return;
    }
    // Events and cursor go into the journal together; the next poll waits for durability.
    uint64_t bytes = 0;
    for (const auto& e : events) bytes += e.json.size() + 4;
    std::optional<std::string> next = r.cursor;
    ++pending_appends;
    p.journal_.append(name, std::move(events), next,
                      [this, next, bytes, got](bool ok, uint64_t seq, const std::string& error) {
                        if (ok && seq) p.on_appended(name, bytes);
                        asio::post(conn->strand(), [this, ok, next, got, error] {
                          --pending_appends;
                          busy = false;
                          if (ok) {
                            if (next) cursor = *next;
                          } else {
                            errors->add(1);
                            core::Log::write(core::LogLevel::warn, "pipeline",
                                             "journal append failed, polling again from the last cursor: " + error, name);
                          }
                          if (stopped) return;
                          if (!ok) schedule(p.options_.paused_poll_ms);
                          else if (got) poll();
                          else schedule(idle_interval_ms());
                        });
                      });
  }

  // Push: normalize, journal, acknowledge once durable.
  siemhub_rc emit(std::vector<std::string> raw, std::function<void(siemhub_rc, const plugins::CallStatus&)> durable) {
    if (p.stopping_ || !p.accepting(name)) {
      if (!push_paused.exchange(true)) {
        set_paused(true);
        conn->pause();
      }
      return SIEMHUB_RC_BUSY;
    }
    bool kept = true;
    auto events = normalize(std::move(raw), kept);
    if (!kept) return SIEMHUB_RC_BUSY;  // nothing taken: the plugin hands the batch over again
    if (events.empty()) {
      if (durable) durable(SIEMHUB_RC_OK, plugins::CallStatus{});
      return SIEMHUB_RC_OK;
    }
    uint64_t bytes = 0;
    for (const auto& e : events) bytes += e.json.size() + 4;
    ++pending_appends;
    p.journal_.append(name, std::move(events), std::nullopt,
                      [this, bytes, durable](bool ok, uint64_t seq, const std::string& error) {
                        if (ok && seq) p.on_appended(name, bytes);
                        --pending_appends;
                        if (!durable) return;
                        plugins::CallStatus st;
                        if (!ok) {
                          st.rc = SIEMHUB_RC_ERROR;
                          st.category = SIEMHUB_CAT_TRANSIENT;
                          st.message = error;
                          st.retry_after_ms = 1000;
                        }
                        durable(ok ? SIEMHUB_RC_OK : SIEMHUB_RC_ERROR, st);
                      });
    return SIEMHUB_RC_OK;
  }
};

// =============================================================================== pipeline

Pipeline::Pipeline(core::Runtime& runtime, const core::Clock& clock, core::MetricsRegistry& metrics,
                   std::vector<ConnectorSpec> sources, std::vector<ConnectorSpec> sinks, std::vector<RouteSpec> routes,
                   Normalizer normalize, Journal& journal, DeadLetters& dead_letters, PipelineOptions options)
    : runtime_(runtime),
      clock_(clock),
      metrics_(metrics),
      normalize_(std::move(normalize)),
      journal_(journal),
      dead_letters_(dead_letters),
      options_(std::move(options)),
      own_timers_(options_.timers ? nullptr : std::make_unique<core::AsioTimers>()),
      timers_(options_.timers ? options_.timers : own_timers_.get()),
      timer_(runtime.make_strand()),
      journal_bytes_(metrics.get("siemhub_journal_bytes", "Bytes retained in the ingest journal", core::MetricType::gauge)),
      dlq_total_(metrics.get("siemhub_dead_letters_total", "Events moved to dead letters", core::MetricType::counter)) {
  for (auto& s : sinks) sinks_[s.name] = std::make_unique<SinkRunner>(*this, s);
  for (auto& s : sources) sources_.push_back(std::make_unique<SourceRunner>(*this, s));
  for (const auto& r : routes)
    for (const auto& f : r.from)
      for (const auto& t : r.to) {
        auto it = sinks_.find(t);
        if (it == sinks_.end()) continue;
        auto& v = routes_[f];
        if (std::find(v.begin(), v.end(), it->second.get()) == v.end()) v.push_back(it->second.get());
      }
}

Pipeline::~Pipeline() {
  stopping_ = true;
  timer_.cancel();
}

std::vector<Pipeline::SinkRunner*> Pipeline::targets_of(const std::string& source) const {
  auto it = routes_.find(source);
  if (it != routes_.end()) return it->second;
  if (source.rfind(kReplayPrefix, 0) == 0) {
    auto s = sinks_.find(source.substr(4));
    if (s != sinks_.end()) return {s->second.get()};
  }
  return {};
}

void Pipeline::on_appended(const std::string& source, uint64_t bytes) {
  metrics_.get("siemhub_connector_bytes_in_total", "Bytes of events a source got into the journal",
               core::MetricType::counter, {{"connector", source}})
      ->add(static_cast<double>(bytes));
  for (SinkRunner* s : targets_of(source)) s->outbox_bytes += static_cast<int64_t>(bytes);
  journal_bytes_->set(static_cast<double>(journal_.retained_bytes()));
}

bool Pipeline::accepting(const std::string& source) const {
  if (journal_.disk_full()) return false;
  if (journal_.retained_bytes() >= options_.journal_max_bytes) return false;
  for (const SinkRunner* s : targets_of(source))
    if (s->outbox_bytes.load() >= static_cast<int64_t>(options_.outbox_max_bytes)) return false;
  return true;
}

void Pipeline::set_correlation(Correlation* correlation) {
  correlation_ = correlation;
  if (correlation_)
    correlation_->on_appended([this](uint64_t bytes) { on_appended(kCorrelateSource, bytes); });
}

void Pipeline::start() {
  // Free space is known before the first push, so readiness and the first answer agree with it.
  journal_.refresh_space();
  // Sinks resume from their outbox cursors; their outbox bytes are what the journal still holds
  // after that cursor for the sources routed to them.
  const auto saved = journal_.load_outboxes();
  const auto index = journal_.index_after(0);
  const uint64_t first_retained = index.empty() ? journal_.last_seq() : index.front().seq - 1;
  for (auto& [name, sink] : sinks_) {
    auto it = saved.find(name);
    // A sink seen for the first time starts at what the journal still retains.
    const uint64_t from = it != saved.end() ? it->second : first_retained;
    sink->acked = from;
    sink->fetched = from;
    int64_t bytes = 0;
    for (const auto& r : index)
      if (r.seq > from && sink->routed(r.source)) bytes += static_cast<int64_t>(r.bytes);
    sink->outbox_bytes = bytes;
  }
  // Each correlation lane resumes after its saved cursor with its saved state (first run: after
  // what the journal no longer retains).
  if (correlation_) {
    const auto row = journal_.load_checkpoint();
    correlation_->start(row ? row->correlation : std::nullopt, first_retained);
  }
  journal_.subscribe([this](uint64_t) {
    for (auto& [n, s] : sinks_) s->notify();
  });
  for (auto& [n, s] : sinks_) s->notify();

  for (auto& s : sources_) {
    SourceRunner* src = s.get();
    if (src->pull) {
      asio::post(src->conn->strand(), [this, src] {
        auto c = journal_.load_cursor(src->name);
        src->cursor = c.value_or("");
        src->poll();
      });
    }
    src->conn->set_emit_handler(
        [src](std::vector<std::string> raw, std::function<void(siemhub_rc, const plugins::CallStatus&)> durable) {
          return src->emit(std::move(raw), std::move(durable));
        });
  }
  asio::post(timer_.get_executor(), [this] { tick(); });
}

// Every 250 ms: backpressure state for push sources; every checkpoint interval: the checkpoint,
// the free-space check and a passive WAL checkpoint.
void Pipeline::tick() {
  if (stopping_) return;
  const int per_checkpoint = std::max<int>(1, static_cast<int>(options_.checkpoint_interval_ms / 250));
  if (++ticks_ % per_checkpoint == 0) {
    journal_.refresh_space();
    checkpoint();
    journal_.wal_checkpoint();
  }
  for (auto& s : sources_) {
    if (s->pull || !s->push_paused.load()) continue;
    if (accepting(s->name)) {
      s->push_paused = false;
      s->set_paused(false);
      s->conn->resume();
    }
  }
  journal_bytes_->set(static_cast<double>(journal_.retained_bytes()));
  timer_.expires_after(std::chrono::milliseconds(250));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) tick();
  });
}

void Pipeline::checkpoint(std::function<void(bool)> done, int64_t lane_wait_ms) {
  std::map<std::string, uint64_t> outboxes;
  uint64_t min_acked = journal_.last_seq();
  for (auto& [name, s] : sinks_) {
    outboxes[name] = s->acked.load();
    min_acked = std::min(min_acked, s->acked.load());
  }
  if (!correlation_) {
    journal_.checkpoint(std::move(outboxes), std::nullopt, min_acked, std::move(done));
    return;
  }
  // Each lane's slot is taken on its strand once its findings are durable; the journal keeps
  // every record the slower lane has not consumed yet.
  correlation_->checkpoint(
      [this, outboxes = std::move(outboxes), min_acked, done = std::move(done)](std::string slot,
                                                                               uint64_t cursor) mutable {
        journal_.checkpoint(std::move(outboxes), std::move(slot), std::min(min_acked, cursor), std::move(done));
      },
      lane_wait_ms);
}

bool Pipeline::drained() const {
  for (const auto& s : sources_)
    if (s->pending_appends.load() > 0) return false;
  const uint64_t last = journal_.last_seq();
  for (const auto& [name, s] : sinks_)
    if (s->acked.load() < last) return false;
  if (correlation_ && (!correlation_->idle() || correlation_->cursor() < last)) return false;
  return true;
}

std::optional<std::string> Pipeline::source_cursor(const std::string& source) {
  for (const auto& s : sources_)
    if (s->name == source && s->pull) return journal_.load_cursor(source).value_or("");
  return std::nullopt;
}

bool Pipeline::reset_cursor(const std::string& source, std::string value, std::function<void(std::string)> done) {
  for (auto& s : sources_) {
    if (s->name != source || !s->pull) continue;
    asio::post(s->conn->strand(), [src = s.get(), value = std::move(value), done = std::move(done)]() mutable {
      src->reset(std::move(value), std::move(done));
    });
    return true;
  }
  return false;
}

void Pipeline::stop(int64_t deadline_ms, std::chrono::milliseconds checkpoint_wait) {
  stopping_ = true;
  for (auto& s : sources_) {
    s->conn->set_emit_handler(nullptr);
    asio::post(s->conn->strand(), [src = s.get()] {
      src->stopped = true;
      src->cancel_timer();
    });
  }
  // Drain: wait (on the steady clock, so a test's manual clock cannot stall shutdown) until the
  // sinks confirmed everything journaled, or the deadline passes.
  const auto until = std::chrono::steady_clock::now() +
                     std::chrono::milliseconds(std::max<int64_t>(0, deadline_ms - clock_.now_ms()));
  while (!drained() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (!drained()) core::log_warn("pipeline", "stopped before every sink confirmed everything: the rest is resent after a restart");
  auto written = std::make_shared<std::promise<bool>>();
  auto f = written->get_future();
  // A correlation lane still busy with a batch after kFinalLaneWaitMs saves the slot it took
  // last (its batch is replayed after a restart): the Lua lane cannot hold the stop.
  checkpoint([written](bool ok) { written->set_value(ok); }, kFinalLaneWaitMs);
  // Bounded: a correlator stuck retrying a failed append must not hang the stop.
  if (f.wait_for(checkpoint_wait) != std::future_status::ready || !f.get())
    core::log_error("pipeline", "the final checkpoint failed; the last second of confirmations is resent");
  if (correlation_) correlation_->halt();
  // Halt: no more writes, retries or ticks, so the runtime's threads can finish.
  halted_ = true;
  asio::post(timer_.get_executor(), [this] { timer_.cancel(); });
  for (auto& [n, s] : sinks_) asio::post(s->conn->strand(), [sink = s.get()] { sink->timer.cancel(); });
}

siemhub_rc Pipeline::ingest(const std::string& source, std::vector<Event> events, std::vector<Refusal> refused,
                            std::function<void(bool, const std::string&)> durable) {
  if (stopping_ || !accepting(source)) return SIEMHUB_RC_BUSY;
  metrics_.get("siemhub_connector_events_in_total", "Events a source handed over", core::MetricType::counter,
               {{"connector", source}})
      ->add(static_cast<double>(events.size() + refused.size()));
  if (!refused.empty()) refuse(source, std::move(refused), options_.dead_letter_refused);
  if (events.empty()) {
    durable(true, {});
    return SIEMHUB_RC_OK;
  }
  uint64_t bytes = 0;
  for (const auto& e : events) bytes += e.json.size() + 4;
  journal_.append(source, std::move(events), std::nullopt,
                  [this, source, bytes, durable = std::move(durable)](bool ok, uint64_t seq, const std::string& error) {
                    if (ok && seq) on_appended(source, bytes);
                    durable(ok, error);
                  });
  return SIEMHUB_RC_OK;
}

std::vector<std::string> Pipeline::sink_names() const {
  std::vector<std::string> out;
  for (const auto& [name, runner] : sinks_) out.push_back(name);
  return out;
}

bool Pipeline::refuse(const std::string& source, std::vector<Refusal> refused, bool keep) {
  bool kept = true;
  {
    std::lock_guard lock(invalid_mu_);
    invalid_counts_[source] += refused.size();
  }
  for (auto& r : refused) {
    metrics_.get("siemhub_connector_events_invalid_total", "Events normalize refused, by connector and kind of problem",
                 core::MetricType::counter, {{"connector", source}, {"reason", std::string(r.kind)}})
        ->add(1);
    // The reason only: the event itself may carry secrets; the dead letter keeps it.
    core::Log::write(core::LogLevel::warn, "normalize", "rejected an event: " + r.reason, source);
    if (!keep) continue;
    DeadLetter d;
    d.sink = source;
    d.stage = DeadLetter::kSourceStage;
    d.event_id = ocsf::event_id(r.original, {});
    d.reason = std::move(r.reason);
    d.event = std::move(r.original);
    try {
      dead_letters_.add(d);
      dlq_total_->add(1);
    } catch (const std::exception& e) {
      core::Log::write(core::LogLevel::error, "normalize", "cannot keep a refused event in the dead letters: " + std::string(e.what()), source);
      kept = false;
    }
  }
  return kept;
}

uint64_t Pipeline::replay(const std::vector<DeadLetter>& letters, const std::string& sink) {
  if (!sinks_.count(sink) || letters.empty()) return 0;
  std::vector<Event> events;
  uint64_t bytes = 0;
  for (const auto& d : letters) {
    events.push_back({d.event, d.event_id});
    bytes += d.event.size() + 4;
  }
  std::promise<bool> durable;
  auto f = durable.get_future();
  const std::string source = kReplayPrefix + sink;
  journal_.append(source, std::move(events), std::nullopt,
                  [this, &durable, source, bytes](bool ok, uint64_t, const std::string&) {
                    if (ok) on_appended(source, bytes);
                    durable.set_value(ok);
                  });
  return f.get() ? letters.size() : 0;
}

std::map<std::string, ConnectorStats> Pipeline::stats() const {
  std::map<std::string, ConnectorStats> out;
  for (const auto& s : sources_) {
    auto& st = out[s->name];
    st.events_in = static_cast<uint64_t>(s->in->value());
    {
      std::lock_guard lock(invalid_mu_);
      const auto it = invalid_counts_.find(s->name);
      st.invalid = it == invalid_counts_.end() ? 0 : it->second;
    }
    st.errors = static_cast<uint64_t>(s->errors->value());
    st.paused = s->paused.load();
    {
      std::lock_guard lock(s->failure_mu);
      st.last_error = s->last_error;
      st.last_error_category = s->last_category;
      st.next_attempt_ms = s->next_attempt_ms;
    }
    st.retry_count = s->retry_count.load();
  }
  for (const auto& [name, k] : sinks_) {
    auto& st = out[name];
    st.events_out = static_cast<uint64_t>(k->out->value());
    st.rejected = static_cast<uint64_t>(k->rejected->value());
    st.retries = static_cast<uint64_t>(k->retries->value());
    st.errors = static_cast<uint64_t>(k->errors->value());
    st.queue_events = k->queue_events.load();
    st.queue_bytes = static_cast<uint64_t>(std::max<int64_t>(0, k->outbox_bytes.load()));
    st.acked_seq = k->acked.load();
    st.breaker = k->breaker_name();
    st.last_error = k->last_error_text();
  }
  return out;
}

}  // namespace siemhub::pipeline
