#include "pipeline/correlator.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <cstring>

#include "core/log.hpp"
#include "ocsf/event.hpp"

namespace siemhub::pipeline {

namespace asio = boost::asio;

namespace {
constexpr char kMagic[4] = {'S', 'H', 'C', '1'};
constexpr size_t kRecordsPerPump = 16;
constexpr int64_t kAppendRetryMs = 1000;
}  // namespace

std::string encode_correlation(uint64_t cursor, std::string_view snapshot) {
  std::string out(kMagic, sizeof kMagic);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((cursor >> (8 * i)) & 0xff));
  out.append(snapshot);
  return out;
}

bool decode_correlation(std::string_view bytes, uint64_t& cursor, std::string& snapshot) {
  if (bytes.size() < 12 || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) return false;
  cursor = 0;
  for (int i = 0; i < 8; ++i) cursor |= uint64_t{static_cast<unsigned char>(bytes[4 + static_cast<size_t>(i)])} << (8 * i);
  snapshot.assign(bytes.substr(12));
  return true;
}

Correlator::Correlator(core::Runtime& runtime, core::MetricsRegistry& metrics, Journal& journal,
                       std::unique_ptr<lua::ParallelEngine> engine, lua::Lane lane)
    : runtime_(runtime),
      metrics_(metrics),
      journal_(journal),
      engine_(std::move(engine)),
      lane_(lane),
      rule_count_(engine_->rules().size()),
      // The rules that call Lua on a thread of their own: however long they take, the native
      // lane and the host's servers keep theirs.
      strand_(lane == lua::Lane::lua ? runtime.make_script_strand() : runtime.make_strand()),
      findings_metric_(metrics.get("siemhub_correlation_findings_total", "Findings the correlator appended to the journal",
                                   core::MetricType::counter)),
      errors_metric_(metrics.get("siemhub_correlation_errors_total",
                                 "Failed appends of findings (retried) and batches the engine failed on",
                                 core::MetricType::counter)) {
  refresh_stats();
}

Correlator::~Correlator() { halted_ = true; }

std::string Correlator::lane_text() const {
  return lane_ == lua::Lane::all ? std::string() : std::string(" by the ") + lua::lane_name(lane_) + " lane";
}

void Correlator::halt() {
  halted_ = true;
  engine_->interrupt();
}

std::pair<std::string, uint64_t> Correlator::last_slot() const {
  std::lock_guard lk(stats_mu_);
  return {last_slot_, last_slot_cursor_};
}

void Correlator::start(const std::optional<std::string>& slot, uint64_t first_retained) {
  uint64_t cursor = first_retained;
  if (slot) {
    std::string snapshot;
    uint64_t saved = 0;
    if (!decode_correlation(*slot, saved, snapshot)) {
      core::log_warn("correlate", "the saved correlation state is not readable" + lane_text() + ": starting fresh");
    } else {
      std::string err;
      if (!engine_->restore(snapshot, &err))
        core::log_warn("correlate", "cannot restore the correlation state" + lane_text() + ": " + err);
      cursor = saved;
    }
  }
  cursor_ = cursor;
  fetched_ = cursor;
  {
    // What a final checkpoint saves for this lane if it never gets to take one of its own.
    std::string state = engine_->snapshot();
    std::lock_guard lk(stats_mu_);
    last_slot_ = encode_correlation(cursor, state);
    last_slot_cursor_ = cursor;
  }
  memory_bytes_ = engine_->memory_used();
  started_ = true;
  journal_.subscribe([this](uint64_t) { notify(); });
  notify();
}

void Correlator::notify() {
  if (halted_ || !started_) return;
  asio::post(strand_, [this] { pump(); });
}

void Correlator::pump() {
  if (busy_ || halted_) return;
  // One batch of records per turn, so checkpoints and other work on the strand get their turn.
  auto records = journal_.read(fetched_, kRecordsPerPump);
  if (records.empty()) return;
  std::vector<Event> found;
  const uint64_t last = records.back()->seq;
  fetched_ = last;
  // Every event of these records in one engine batch (its workers split it between them).
  parsed_.clear();
  refs_.clear();
  for (const auto& r : records) {
    if (r->source == kCorrelateSource || r->source.rfind("dlq:", 0) == 0) continue;
    for (const auto& e : *r->events) parsed_.add(e.json);
  }
  size_t next = 0;  // the events are in place now: point at them
  for (const auto& r : records) {
    if (r->source == kCorrelateSource || r->source.rfind("dlq:", 0) == 0) continue;
    for (const auto& e : *r->events) refs_.push_back({&parsed_[next++], e.id});
  }
  if (!refs_.empty()) {
    try {
      for (auto& f : engine_->process(refs_)) found.push_back(Event{std::move(f.json), std::move(f.uid)});
      // Halted while the batch ran: its Lua calls were cut short, so its findings are not whole.
      // The cursor stays before it: the final checkpoint was taken before the halt.
      if (halted_) return;
    } catch (const std::exception& e) {
      // A bug or memory exhaustion outside the Lua sandbox: these records go uncorrelated, the
      // hub and the events themselves are unaffected.
      errors_metric_->add(1);
      core::log_error("correlate", "records " + std::to_string(records.front()->seq) + ".." + std::to_string(last) +
                                       " not correlated" + lane_text() + ": " + e.what());
    }
  }
  memory_bytes_ = engine_->memory_used();
  engine_->export_metrics(metrics_, other_lane_ ? other_lane_->memory_bytes() : 0);
  refresh_stats();
  if (found.empty()) {
    cursor_ = last;
    notify();  // read on
    return;
  }
  busy_ = true;
  busy_flag_ = true;
  auto batch = std::make_shared<std::vector<Event>>(std::move(found));
  auto attempt = std::make_shared<std::function<void()>>();
  *attempt = [this, batch, last, attempt] {
    uint64_t bytes = 0;
    for (const auto& e : *batch) bytes += e.json.size() + 4;
    journal_.append(kCorrelateSource, *batch, std::nullopt,
                    [this, batch, last, attempt, bytes](bool ok, uint64_t seq, const std::string& error) {
                      if (ok && seq && appended_) appended_(bytes);
                      asio::post(strand_, [this, batch, last, attempt, ok, error] {
                        if (!ok) {
                          errors_metric_->add(1);
                          core::Log::write(core::LogLevel::warn, "correlate",
                                           "cannot append findings, trying again: " + error, kCorrelateSource);
                          auto timer = std::make_shared<asio::steady_timer>(strand_);
                          timer->expires_after(std::chrono::milliseconds(kAppendRetryMs));
                          timer->async_wait([timer, attempt](const boost::system::error_code& ec) {
                            if (!ec) (*attempt)();
                          });
                          return;
                        }
                        findings_metric_->add(static_cast<double>(batch->size()));
                        findings_total_ += batch->size();
                        cursor_ = last;
                        busy_ = false;
                        busy_flag_ = false;
                        *attempt = nullptr;  // breaks the self-reference
                        auto waiting = std::move(deferred_);
                        deferred_.clear();
                        for (auto& fn : waiting) fn();
                        pump();
                      });
                    });
  };
  (*attempt)();
}

void Correlator::checkpoint(std::function<void(std::string slot, uint64_t cursor)> fn) {
  asio::post(strand_, [this, fn = std::move(fn)]() mutable {
    auto run = [this, fn = std::move(fn)] {
      if (halted_) return;  // the final checkpoint went without this lane's new slot
      std::string state = engine_->snapshot();
      // A snapshot can quarantine a rule (its ctx.state cannot be kept): status must say so even
      // when no batch follows.
      refresh_stats();
      std::string slot = encode_correlation(cursor_.load(), state);
      {
        std::lock_guard lk(stats_mu_);
        last_slot_ = slot;
        last_slot_cursor_ = cursor_.load();
      }
      fn(std::move(slot), cursor_.load());
    };
    if (busy_) deferred_.push_back(std::move(run));
    else run();
  });
}

void Correlator::refresh_stats() {
  nlohmann::json rules = nlohmann::json::array();
  std::vector<std::string> q;
  for (const auto& info : engine_->rules()) {
    const auto st = engine_->stats(info.id);
    rules.push_back({{"id", info.id},
                     {"title", info.title},
                     {"file", info.file},
                     {"matched", st.matched},
                     {"findings", st.findings},
                     {"faults", st.faults},
                     {"quarantined", st.quarantined},
                     {"quarantine_reason", st.quarantine_reason},
                     {"memory_bytes", st.memory_bytes},
                     {"last_fault", st.last_fault}});
    if (st.quarantined) q.push_back(info.id);
  }
  std::lock_guard lk(stats_mu_);
  stats_ = std::move(rules);
  quarantined_ = std::move(q);
}

nlohmann::json Correlator::rules_status() const {
  std::lock_guard lk(stats_mu_);
  return stats_;
}

std::vector<std::string> Correlator::quarantined() const {
  std::lock_guard lk(stats_mu_);
  return quarantined_;
}

}  // namespace siemhub::pipeline
