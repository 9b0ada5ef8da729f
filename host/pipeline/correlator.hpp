// The correlator: a journal consumer (like a sink's outbox) that runs the Lua correlation engine.
// It reads journal records after its cursor, parses each event once, runs Engine::process on one
// strand (the engine is not thread-safe), and appends the findings to the journal as one batch
// from the internal source `correlate`, so routes deliver them like any event. Its own records
// (source `correlate`) and DLQ replays are skipped.
//
// Its cursor and the engine's snapshot are saved in the pipeline checkpoint (one transaction with
// the sink cursors) and restored at start; after a crash it replays the journal from the saved
// cursor and, the findings being deterministic, re-emits the same finding uids.
//
// The hub runs two of them, one per lane (pipeline/correlation.hpp): the native rules on a strand
// of the host's threads, the rules that call Lua on the runtime's script thread, so the first
// never wait on the second.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/metrics.hpp"
#include "core/runtime.hpp"
#include "lua/parallel.hpp"
#include "ocsf/event.hpp"
#include "pipeline/journal.hpp"

namespace siemhub::pipeline {

inline constexpr const char* kCorrelateSource = "correlate";

/// The checkpoint slot's bytes: "SHC1", the cursor (8 bytes little-endian), the engine snapshot.
std::string encode_correlation(uint64_t cursor, std::string_view snapshot);
/// False when the bytes are not a correlation slot.
bool decode_correlation(std::string_view bytes, uint64_t& cursor, std::string& snapshot);

class Correlator {
 public:
  /// `lane`: which rules the engine holds (it was loaded with that EngineOptions::lane); the Lua
  /// lane pumps on the runtime's script thread, the others on a strand of its io threads.
  Correlator(core::Runtime& runtime, core::MetricsRegistry& metrics, Journal& journal,
             std::unique_ptr<lua::ParallelEngine> engine, lua::Lane lane = lua::Lane::all);
  ~Correlator();
  Correlator(const Correlator&) = delete;
  Correlator& operator=(const Correlator&) = delete;

  /// Restores cursor and state from `slot` (the checkpoint's correlation bytes; absent: start
  /// after `first_retained`), then starts consuming. Call once, before records are appended.
  void start(const std::optional<std::string>& slot, uint64_t first_retained);
  /// Called on the journal's writer thread with the bytes of every findings batch made durable.
  void on_appended(std::function<void(uint64_t bytes)> fn) { appended_ = std::move(fn); }
  /// No more processing: a batch in flight is cut short (its Lua calls fail at once) and its
  /// findings dropped, so a stopping hub does not wait for a rule that burns its budget.
  void halt();

  /// Runs `fn(slot, cursor)` on the correlator's strand once no append is in flight: the slot
  /// covers exactly the records up to `cursor`, whose findings are already durable.
  void checkpoint(std::function<void(std::string slot, uint64_t cursor)> fn);
  /// The slot (and its cursor) the last checkpoint() took, or the one start() restored: what a
  /// final checkpoint saves for a lane still busy with a batch. Thread-safe.
  std::pair<std::string, uint64_t> last_slot() const;

  /// Every journal record <= cursor() was correlated and its findings are durable.
  uint64_t cursor() const { return cursor_.load(); }
  bool idle() const { return !busy_flag_.load(); }
  uint64_t findings() const { return findings_total_.load(); }
  lua::Lane lane() const { return lane_; }
  size_t rule_count() const { return rule_count_; }
  /// Bytes held by the engine's Lua states as of its last batch.
  size_t memory_bytes() const { return memory_bytes_.load(); }
  /// The hub's other lane: its memory is added to siemhub_lua_memory_bytes (the sum of all).
  void set_other_lane(const Correlator* other) { other_lane_ = other; }

  /// Per-rule status (id, title, matched, findings, faults, quarantined, last_fault), thread-safe.
  nlohmann::json rules_status() const;
  /// Ids of the quarantined rules, thread-safe.
  std::vector<std::string> quarantined() const;

 private:
  void notify();
  void pump();
  void refresh_stats();
  std::string lane_text() const;  // " by the lua lane" for the messages that name what failed

  core::Runtime& runtime_;
  core::MetricsRegistry& metrics_;
  Journal& journal_;
  std::unique_ptr<lua::ParallelEngine> engine_;
  lua::Lane lane_;
  size_t rule_count_;
  core::Strand strand_;
  const Correlator* other_lane_ = nullptr;
  std::function<void(uint64_t)> appended_;
  // strand-only
  uint64_t fetched_ = 0;
  // The events of the current pump, parsed by the correlator's own parser (pump() runs on any of
  // the runtime's threads, one at a time). clear() keeps the documents, so a pump re-parses
  // into the tapes of the previous one instead of allocating one per event.
  ocsf::Parser parser_;
  ocsf::Batch parsed_{parser_};
  std::vector<lua::EventRef> refs_;
  bool busy_ = false;  // a findings append is in flight
  std::vector<std::function<void()>> deferred_;  // checkpoints waiting for the append
  // shared
  std::atomic<uint64_t> cursor_{0};
  std::atomic<bool> busy_flag_{false};
  std::atomic<bool> halted_{false};
  std::atomic<bool> started_{false};
  std::atomic<uint64_t> findings_total_{0};
  std::atomic<size_t> memory_bytes_{0};
  mutable std::mutex stats_mu_;
  std::string last_slot_;  // under stats_mu_
  uint64_t last_slot_cursor_ = 0;
  nlohmann::json stats_ = nlohmann::json::array();
  std::vector<std::string> quarantined_;
  core::Metric* findings_metric_;
  core::Metric* errors_metric_;
};

}  // namespace siemhub::pipeline
