#include "lua/parallel.hpp"

#include <pthread.h>

#include <algorithm>

namespace siemhub::lua {

std::unique_ptr<ParallelEngine> ParallelEngine::load(const std::vector<std::filesystem::path>& files,
                                                     EngineOptions options, unsigned workers, std::string* error) {
  return make([&](EngineOptions o) { return Engine::load(files, std::move(o), error); }, std::move(options), workers,
              error);
}

std::unique_ptr<ParallelEngine> ParallelEngine::load(std::vector<Source> sources, EngineOptions options,
                                                     unsigned workers, std::string* error) {
  return make([&](EngineOptions o) { return Engine::load(sources, std::move(o), error); }, std::move(options), workers,
              error);
}

std::unique_ptr<ParallelEngine> ParallelEngine::make(
    const std::function<std::unique_ptr<Engine>(EngineOptions)>& load_one, EngineOptions options, unsigned workers,
    std::string* error) {
  if (workers == 0) workers = std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
  std::unique_ptr<ParallelEngine> p(new ParallelEngine());
  for (unsigned w = 0; w < workers; ++w) {
    EngineOptions o = options;
    o.shard = w;
    o.shards = workers;
    auto engine = load_one(std::move(o));
    if (!engine) {
      if (error && error->empty()) *error = "cannot load the rules";
      return nullptr;
    }
    p->engines_.push_back(std::move(engine));
  }
  p->hits_.resize(workers);
  p->found_.resize(workers);
  for (unsigned w = 1; w < workers; ++w) {
    p->threads_.emplace_back([raw = p.get(), w] { raw->worker_loop(w); });
    pthread_setname_np(p->threads_.back().native_handle(), "siemhub-rules");
  }
  return p;
}

ParallelEngine::~ParallelEngine() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
}

void ParallelEngine::worker_loop(unsigned index) {
  std::uint64_t seen = 0;
  std::unique_lock lk(mu_);
  for (;;) {
    wake_.wait(lk, [&] { return stop_ || generation_ != seen; });
    if (stop_) return;
    seen = generation_;
    const auto* task = task_;
    lk.unlock();
    std::exception_ptr failed;
    try {
      (*task)(index);
    } catch (...) {
      failed = std::current_exception();
    }
    lk.lock();
    if (failed && !error_) error_ = failed;
    if (--pending_ == 0) done_.notify_one();
  }
}

void ParallelEngine::run_all(const std::function<void(unsigned)>& task) {
  {
    std::lock_guard lk(mu_);
    task_ = &task;
    pending_ = static_cast<unsigned>(threads_.size());
    ++generation_;
    error_ = nullptr;
  }
  wake_.notify_all();
  std::exception_ptr mine;
  try {
    task(0);
  } catch (...) {
    mine = std::current_exception();
  }
  std::unique_lock lk(mu_);
  done_.wait(lk, [&] { return pending_ == 0; });
  task_ = nullptr;
  if (!mine) mine = std::exchange(error_, nullptr);
  lk.unlock();
  if (mine) std::rethrow_exception(mine);
}

std::vector<Finding> ParallelEngine::process(std::span<const EventRef> batch) {
  const auto n = static_cast<unsigned>(engines_.size());
  if (n == 1) return engines_.front()->process(batch);
  for (auto& h : hits_) h.clear();
  for (auto& f : found_) f.clear();
  if (batch.size() < kParallelFrom) {
    // Not worth a hand-off: both phases here, one engine after the other.
    for (auto& e : engines_) e->begin_batch();
    engines_.front()->select(batch, 0, batch.size(), hits_.front());
    for (unsigned s = 0; s < n; ++s) engines_[s]->apply(batch, std::span(hits_).first(1), found_[s]);
    for (auto& e : engines_) e->end_batch();
  } else {
    const std::function<void(unsigned)> select = [&](unsigned w) {
      engines_[w]->begin_batch();
      const std::size_t begin = batch.size() * w / n, end = batch.size() * (w + 1) / n;
      engines_[w]->select(batch, begin, end, hits_[w]);
    };
    run_all(select);
    const std::function<void(unsigned)> apply = [&](unsigned w) {
      engines_[w]->apply(batch, hits_, found_[w]);
      engines_[w]->end_batch();
    };
    run_all(apply);
  }
  sync_quarantine();
  std::vector<Finding> out;
  for (auto& f : found_) std::move(f.begin(), f.end(), std::back_inserter(out));
  sort_findings(out);
  return out;
}

void ParallelEngine::sync_quarantine() {
  const std::size_t rules = engines_.front()->rule_count();
  for (std::size_t r = 0; r < rules; ++r) {
    for (const auto& e : engines_) {
      const RuleStats& s = e->stats_at(r);
      if (!s.quarantined) continue;
      for (auto& other : engines_) other->quarantine(r, s.quarantine_reason);
      break;
    }
  }
}

std::string ParallelEngine::snapshot() {
  if (engines_.size() == 1) return engines_.front()->snapshot();
  std::vector<std::string> shards;
  for (auto& e : engines_) shards.push_back(e->snapshot());
  sync_quarantine();  // a rule one worker quarantined while saving is quarantined on every worker
  return Engine::merge_snapshots(shards);
}

bool ParallelEngine::restore(std::string_view bytes, std::string* error) {
  for (auto& e : engines_)
    if (!e->restore(bytes, error)) return false;
  return true;
}

RuleStats ParallelEngine::stats(const std::string& rule_id) const {
  RuleStats sum;
  for (const auto& e : engines_) add_stats(sum, e->stats(rule_id));
  return sum;
}

std::size_t ParallelEngine::memory_used() const {
  std::size_t total = 0;
  for (const auto& e : engines_) total += e->memory_used();
  return total;
}

void ParallelEngine::export_metrics(core::MetricsRegistry& registry, std::size_t memory_besides) {
  std::vector<std::pair<std::string, RuleStats>> now;
  for (const auto& info : rules()) now.emplace_back(info.id, stats(info.id));
  export_rule_metrics(registry, now, exported_, memory_used() + memory_besides);
}

}  // namespace siemhub::lua
