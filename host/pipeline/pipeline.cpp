#include "pipeline/pipeline.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <future>
#include <random>
#include <thread>

#include "core/log.hpp"

namespace siemhub::pipeline {

namespace asio = boost::asio;

std::optional<std::string> MemoryCursorStore::get(const std::string& c) {
  std::lock_guard lock(mu_);
  auto it = data_.find(c);
  if (it == data_.end()) return std::nullopt;
  return it->second;
}

void MemoryCursorStore::put(const std::string& c, const std::string& cursor) {
  std::lock_guard lock(mu_);
  data_[c] = cursor;
}

// A batch of events handed to one or more sinks; `on_resolved` runs once every sink has
// resolved (delivered or dead-lettered) every event of it.
struct Pipeline::Group {
  std::atomic<int> pending{0};
  std::function<void()> on_resolved;
  void sink_done() {
    if (--pending == 0 && on_resolved) on_resolved();
  }
};

// ------------------------------------------------------------------------------- sinks

struct Pipeline::SinkRunner {
  struct Item {
    std::shared_ptr<const std::vector<Event>> events;
    std::vector<uint32_t> todo;  // indexes still to deliver
    std::shared_ptr<Group> group;
    uint32_t attempts = 0;
  };

  Pipeline& p;
  std::string name;
  std::shared_ptr<plugins::Connector> conn;
  asio::steady_timer retry_timer;
  std::deque<Item> queue;  // strand-only
  bool writing = false;
  bool waiting_retry = false;
  std::atomic<uint64_t> queued{0};
  core::Metric* out;
  core::Metric* rejected;
  core::Metric* retries;
  core::Metric* errors;
  std::mt19937 jitter{std::random_device{}()};

  SinkRunner(Pipeline& pipeline, std::string n, std::shared_ptr<plugins::Connector> c)
      : p(pipeline),
        name(std::move(n)),
        conn(std::move(c)),
        retry_timer(conn->strand()),
        out(p.metrics_.get("siemhub_connector_events_out_total", "Events a sink confirmed", core::MetricType::counter,
                           {{"connector", name}})),
        rejected(p.metrics_.get("siemhub_connector_events_rejected_total", "Events a sink rejected permanently",
                                core::MetricType::counter, {{"connector", name}})),
        retries(p.metrics_.get("siemhub_connector_retries_total", "Events sent again after a retryable failure",
                               core::MetricType::counter, {{"connector", name}})),
        errors(p.metrics_.get("siemhub_connector_errors_total", "Failed sink writes", core::MetricType::counter,
                              {{"connector", name}})) {}

  void enqueue(std::shared_ptr<const std::vector<Event>> events, std::shared_ptr<Group> group) {
    Item item;
    item.todo.resize(events->size());
    for (uint32_t i = 0; i < item.todo.size(); ++i) item.todo[i] = i;
    item.events = std::move(events);
    item.group = std::move(group);
    queued += item.todo.size();
    asio::post(conn->strand(), [this, item = std::move(item)]() mutable {
      queue.push_back(std::move(item));
      pump();
    });
  }

  // One write in flight per sink keeps delivery in order.
  void pump() {
    if (writing || waiting_retry || queue.empty()) return;
    Item& item = queue.front();
    const size_t n = std::min<size_t>(item.todo.size(), p.options_.max_batch_events);
    std::vector<std::string> jsons;
    std::vector<std::string> ids;
    jsons.reserve(n);
    ids.reserve(n);
    for (size_t k = 0; k < n; ++k) {
      const Event& e = (*item.events)[item.todo[k]];
      jsons.push_back(e.json);
      ids.push_back(e.id);
    }
    writing = true;
    conn->write(std::move(jsons), std::move(ids), p.options_.write_timeout_ms,
                [this, n](plugins::OpResult r) { on_written(n, std::move(r)); });
  }

  void on_written(size_t n, plugins::OpResult r) {
    writing = false;
    Item& item = queue.front();
    std::vector<uint32_t> again;
    uint32_t retry_after = 0;
    for (size_t k = 0; k < n; ++k) {
      const plugins::EventResult& res = r.results[k];
      siemhub_outcome outcome = res.outcome;
      if (outcome == SIEMHUB_OUTCOME_UNSET && r.status.ok()) outcome = SIEMHUB_OUTCOME_RETRY;
      if (outcome == SIEMHUB_OUTCOME_UNSET) {
        // The write failed as a whole: its category decides (a permanent failure rejects all).
        outcome = r.status.category == SIEMHUB_CAT_PERMANENT ? SIEMHUB_OUTCOME_REJECTED : SIEMHUB_OUTCOME_RETRY;
      }
      switch (outcome) {
        case SIEMHUB_OUTCOME_DELIVERED: out->add(1); break;
        case SIEMHUB_OUTCOME_REJECTED:
          rejected->add(1);
          core::Log::write(core::LogLevel::warn, "pipeline",
                           "sink rejected event " + (*item.events)[item.todo[k]].id + ": " +
                               (res.reason.empty() ? r.status.message : res.reason),
                           name);
          break;
        default:
          again.push_back(item.todo[k]);
          retry_after = std::max({retry_after, res.retry_after_ms, r.status.retry_after_ms});
          break;
      }
    }
    if (!r.status.ok()) {
      errors->add(1);
      core::Log::write(core::LogLevel::warn, "pipeline", "sink write failed: " + r.status.message, name);
    }
    queued -= n - again.size();
    again.insert(again.end(), item.todo.begin() + static_cast<long>(n), item.todo.end());
    const bool progressed = again.size() < item.todo.size();
    item.todo = std::move(again);
    if (item.todo.empty()) {
      auto group = item.group;
      queue.pop_front();
      group->sink_done();
      pump();
      return;
    }
    if (progressed && retry_after == 0 && r.status.ok()) {
      pump();  // the rest of a large item, or partial results without failure
      return;
    }
    // Back off: exponential with full jitter, never sooner than the peer asked.
    retries->add(static_cast<double>(std::min<size_t>(n, item.todo.size())));
    item.attempts++;
    const uint64_t cap = std::min<uint64_t>(p.options_.retry_max_ms,
                                            uint64_t{p.options_.retry_base_ms} << std::min<uint32_t>(item.attempts, 16));
    std::uniform_int_distribution<uint64_t> dist(cap / 2, cap);
    const uint64_t delay = std::max<uint64_t>(dist(jitter), retry_after);
    waiting_retry = true;
    retry_timer.expires_after(std::chrono::milliseconds(delay));
    retry_timer.async_wait([this](const boost::system::error_code& ec) {
      waiting_retry = false;
      if (!ec) pump();
    });
  }
};

// ------------------------------------------------------------------------------- sources

struct Pipeline::SourceRunner {
  Pipeline& p;
  std::string name;
  std::shared_ptr<plugins::Connector> conn;
  std::vector<SinkRunner*> targets;
  asio::steady_timer timer;
  bool pull = false;
  // strand-only state of the pull loop
  std::string cursor;                   // where the next poll starts (in memory)
  uint32_t inflight = 0;                // polled batches not yet resolved by every sink
  uint64_t next_group = 0;              // sequence of groups, to commit cursors in order
  uint64_t commit_next = 0;
  std::map<uint64_t, std::optional<std::string>> resolved;  // group -> cursor, waiting for order
  bool polling = false;
  bool stopped = false;
  core::Metric* in;
  core::Metric* invalid;
  core::Metric* errors;

  SourceRunner(Pipeline& pipeline, std::string n, std::shared_ptr<plugins::Connector> c)
      : p(pipeline),
        name(std::move(n)),
        conn(std::move(c)),
        timer(conn->strand()),
        in(p.metrics_.get("siemhub_connector_events_in_total", "Events a source handed over", core::MetricType::counter,
                          {{"connector", name}})),
        invalid(p.metrics_.get("siemhub_connector_events_invalid_total", "Events normalize rejected",
                               core::MetricType::counter, {{"connector", name}})),
        errors(p.metrics_.get("siemhub_connector_errors_total", "Failed polls", core::MetricType::counter,
                              {{"connector", name}})) {}

  std::vector<Event> normalize(std::vector<std::string> raw) {
    std::vector<Event> out;
    out.reserve(raw.size());
    in->add(static_cast<double>(raw.size()));
    for (auto& r : raw) {
      Event e;
      if (auto why = p.normalize_(name, std::move(r), e)) {
        invalid->add(1);
        core::Log::write(core::LogLevel::warn, "normalize", "rejected an event: " + *why, name);
        continue;
      }
      out.push_back(std::move(e));
    }
    return out;
  }

  void schedule(uint32_t delay_ms) {
    timer.expires_after(std::chrono::milliseconds(delay_ms));
    timer.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) poll();
    });
  }

  void poll() {
    if (stopped || polling || p.stopping_ || inflight >= p.options_.max_inflight_batches) return;
    polling = true;
    conn->poll(cursor, p.options_.max_batch_events, p.options_.poll_timeout_ms,
               [this](plugins::OpResult r) { on_polled(std::move(r)); });
  }

  void on_polled(plugins::OpResult r) {
    polling = false;
    if (!r.status.ok()) {
      errors->add(1);
      core::Log::write(core::LogLevel::warn, "pipeline", "poll failed: " + r.status.message, name);
      const uint32_t delay = std::max<uint32_t>(r.status.retry_after_ms, 1000);
      if (!stopped) schedule(delay);
      return;
    }
    const bool got = !r.events.empty();
    if (r.cursor) cursor = *r.cursor;
    const uint64_t g = next_group++;
    std::optional<std::string> new_cursor = r.cursor;
    ++inflight;
    p.dispatch(*this, normalize(std::move(r.events)), [this, g, new_cursor] {
      asio::post(conn->strand(), [this, g, new_cursor] { on_resolved(g, new_cursor); });
    });
    if (stopped) return;
    if (got) poll();
    else schedule(conn->module().descriptor().source_pull->default_interval_ms);
  }

  // Cursors commit in poll order: a later batch never commits past an unresolved earlier one.
  void on_resolved(uint64_t g, std::optional<std::string> c) {
    --inflight;
    resolved[g] = std::move(c);
    std::optional<std::string> last;
    while (!resolved.empty() && resolved.begin()->first == commit_next) {
      if (resolved.begin()->second) last = resolved.begin()->second;
      resolved.erase(resolved.begin());
      ++commit_next;
    }
    if (last) {
      try {
        p.cursors_.put(name, *last);
      } catch (const std::exception& e) {
        core::Log::write(core::LogLevel::error, "pipeline", std::string("cannot commit cursor: ") + e.what(), name);
      }
    }
    poll();
  }

  bool drained() const { return inflight == 0 && !polling; }
};

// ------------------------------------------------------------------------------- pipeline

Pipeline::Pipeline(core::Runtime& runtime, const core::Clock& clock, core::MetricsRegistry& metrics,
                   std::vector<ConnectorSpec> sources, std::vector<ConnectorSpec> sinks, std::vector<RouteSpec> routes,
                   Normalizer normalize, CursorStore& cursors, PipelineOptions options)
    : runtime_(runtime),
      clock_(clock),
      metrics_(metrics),
      normalize_(std::move(normalize)),
      cursors_(cursors),
      options_(options) {
  for (auto& s : sinks) sinks_[s.name] = std::make_unique<SinkRunner>(*this, s.name, s.connector);
  for (auto& s : sources) {
    auto runner = std::make_unique<SourceRunner>(*this, s.name, s.connector);
    runner->pull = s.connector->module().descriptor().source_pull != nullptr;
    for (const auto& r : routes) {
      if (std::find(r.from.begin(), r.from.end(), s.name) == r.from.end()) continue;
      for (const auto& t : r.to) {
        auto it = sinks_.find(t);
        if (it != sinks_.end() && std::find(runner->targets.begin(), runner->targets.end(), it->second.get()) ==
                                      runner->targets.end())
          runner->targets.push_back(it->second.get());
      }
    }
    sources_.push_back(std::move(runner));
  }
}

Pipeline::~Pipeline() = default;

void Pipeline::dispatch(SourceRunner& src, std::vector<Event> events, std::function<void()> on_resolved) {
  if (events.empty() || src.targets.empty()) {
    if (!events.empty())
      core::Log::write(core::LogLevel::warn, "pipeline", "no route from this source: events not delivered", src.name);
    on_resolved();
    return;
  }
  const auto count = static_cast<int64_t>(events.size());
  buffered_ += count;
  auto group = std::make_shared<Group>();
  group->pending = static_cast<int>(src.targets.size());
  group->on_resolved = [this, count, done = std::move(on_resolved)] {
    buffered_ -= count;
    done();
  };
  auto shared = std::make_shared<const std::vector<Event>>(std::move(events));
  for (SinkRunner* sink : src.targets) sink->enqueue(shared, group);
}

void Pipeline::start() {
  for (auto& s : sources_) {
    SourceRunner* src = s.get();
    if (src->pull) {
      asio::post(src->conn->strand(), [this, src] {
        src->cursor = cursors_.get(src->name).value_or("");
        src->poll();
      });
    }
    // Push: emits go through the same normalize and dispatch; durable once every sink resolved
    // them (the ingest journal takes over that role when it exists).
    src->conn->set_emit_handler([this, src](std::vector<std::string> raw,
                                            std::function<void(siemhub_rc, const plugins::CallStatus&)> durable) {
      if (stopping_) return SIEMHUB_RC_BUSY;
      if (buffered_.load() >= static_cast<int64_t>(options_.max_buffered_events)) return SIEMHUB_RC_BUSY;
      dispatch(*src, src->normalize(std::move(raw)), [durable] {
        if (durable) durable(SIEMHUB_RC_OK, plugins::CallStatus{});
      });
      return SIEMHUB_RC_OK;
    });
  }
}

void Pipeline::stop(int64_t deadline_ms) {
  stopping_ = true;
  for (auto& s : sources_) {
    s->conn->set_emit_handler(nullptr);
    asio::post(s->conn->strand(), [src = s.get()] {
      src->stopped = true;
      src->timer.cancel();
    });
  }
  // Wait for in-flight batches to resolve, up to the deadline (measured on the steady clock,
  // so a test's manual clock cannot stall shutdown).
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max<int64_t>(0, deadline_ms - clock_.now_ms()));
  while (!idle() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (!idle()) core::log_warn("pipeline", "stopped with events still in flight: they are resent after a restart");
}

bool Pipeline::idle() const {
  if (buffered_.load() != 0) return false;
  for (const auto& s : sources_) {
    std::promise<bool> pr;
    auto f = pr.get_future();
    asio::post(s->conn->strand(), [&pr, src = s.get()] { pr.set_value(src->drained()); });
    if (!f.get()) return false;
  }
  return true;
}

std::map<std::string, ConnectorStats> Pipeline::stats() const {
  std::map<std::string, ConnectorStats> out;
  for (const auto& s : sources_) {
    auto& st = out[s->name];
    st.events_in = static_cast<uint64_t>(s->in->value());
    st.invalid = static_cast<uint64_t>(s->invalid->value());
    st.errors = static_cast<uint64_t>(s->errors->value());
  }
  for (const auto& [name, k] : sinks_) {
    auto& st = out[name];
    st.events_out = static_cast<uint64_t>(k->out->value());
    st.rejected = static_cast<uint64_t>(k->rejected->value());
    st.retries = static_cast<uint64_t>(k->retries->value());
    st.errors += static_cast<uint64_t>(k->errors->value());
    st.queued = k->queued.load();
  }
  return out;
}

}  // namespace siemhub::pipeline
