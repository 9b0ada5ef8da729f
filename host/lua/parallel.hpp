// The correlation engine on several cores: one Engine (one Lua state) per worker, loaded from the
// same rule files. A batch goes through in two fork-join phases:
//   1. select — the batch is cut into one contiguous slice per worker; each worker runs the
//      stateless part (class pre-filter, match tables, `where` predicates, group key) of every
//      rule on its slice, producing hits (event, rule, key, owning shard);
//   2. apply — each worker runs the stateful part (windows, count/distinct, on_event, having,
//      emit) for the hits whose (rule, key) it owns, reading every slice's hits in batch order.
// A (rule, key) pair always lands on the same worker, so each window sees its events in order and
// the findings are exactly those of one engine; they are merged back into (event, rule) order.
// Small batches run both phases on the calling thread (no hand-off). The caller's thread is
// worker 0; the others are threads this object owns. Not thread-safe: one caller at a time.
#pragma once

#include "lua/engine.hpp"

#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace siemhub::lua {

class ParallelEngine {
 public:
  /// `workers` 0: one per core (at most 8). Null and `error` when the rules do not load.
  static std::unique_ptr<ParallelEngine> load(const std::vector<std::filesystem::path>& files, EngineOptions options,
                                              unsigned workers, std::string* error);
  static std::unique_ptr<ParallelEngine> load(std::vector<Source> sources, EngineOptions options, unsigned workers,
                                              std::string* error);
  ~ParallelEngine();
  ParallelEngine(const ParallelEngine&) = delete;
  ParallelEngine& operator=(const ParallelEngine&) = delete;

  /// The findings of the batch, in (event, rule, emit) order, whatever the number of workers.
  std::vector<Finding> process(std::span<const EventRef> batch);

  /// One snapshot of every shard's state (the single-engine format; restores into any number of
  /// workers).
  std::string snapshot();
  bool restore(std::string_view bytes, std::string* error = nullptr);

  std::vector<RuleInfo> rules() const { return engines_.front()->rules(); }
  const RuleDef* definition(const std::string& rule_id) const { return engines_.front()->definition(rule_id); }
  /// Summed over the workers (quarantined if any worker quarantined it).
  RuleStats stats(const std::string& rule_id) const;
  std::size_t memory_used() const;
  /// `memory_besides`: bytes held by Lua states elsewhere (the hub's other correlation lane),
  /// added to siemhub_lua_memory_bytes so it stays the sum of all.
  void export_metrics(core::MetricsRegistry& registry, std::size_t memory_besides = 0);
  /// From any thread: every Lua call of every worker fails from now on (Engine::interrupt).
  void interrupt() {
    for (auto& e : engines_) e->interrupt();
  }
  unsigned workers() const { return static_cast<unsigned>(engines_.size()); }

  /// Batches smaller than this run on the calling thread only.
  static constexpr std::size_t kParallelFrom = 256;

 private:
  ParallelEngine() = default;
  static std::unique_ptr<ParallelEngine> make(const std::function<std::unique_ptr<Engine>(EngineOptions)>& load_one,
                                              EngineOptions options, unsigned workers, std::string* error);
  void run_all(const std::function<void(unsigned)>& task);
  void worker_loop(unsigned index);
  void sync_quarantine();

  std::vector<std::unique_ptr<Engine>> engines_;
  std::vector<HitList> hits_;                  // per slice
  std::vector<std::vector<Finding>> found_;    // per shard
  std::unordered_map<std::string, RuleStats> exported_;

  std::vector<std::thread> threads_;  // workers 1..n-1
  std::mutex mu_;
  std::condition_variable wake_, done_;
  const std::function<void(unsigned)>* task_ = nullptr;
  std::uint64_t generation_ = 0;
  unsigned pending_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
};

}  // namespace siemhub::lua
