// Correlation in two lanes: the rules that never enter Lua while they match (match tables, `by`,
// window, threshold) in one Correlator, the rules that call Lua (`where` functions, custom
// operators, `having`, `emit`) in another. Each lane has its own engine, journal cursor, strand
// and checkpoint slot; the Lua lane pumps on the runtime's script thread, so a rule that burns its
// instruction budget on every event delays the Lua lane's findings only: the native lane's
// findings never wait on Lua.
//
// The checkpoint keeps one correlation slot with each lane's own (cursor, snapshot) inside
// (encode_lanes); a slot of the single correlator before the lanes ("SHC1") restores into both,
// each keeping its own rules' groups. The journal keeps what the slower lane has not consumed.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "pipeline/correlator.hpp"

namespace siemhub::pipeline {

/// The checkpoint slot of both lanes: "SHL1", then per lane its name and its Correlator slot
/// (each with a 4-byte little-endian length first).
std::string encode_lanes(const std::map<std::string, std::string>& slots);
/// False when the bytes are not a lanes slot (an older single correlator's slot, say).
bool decode_lanes(std::string_view bytes, std::map<std::string, std::string>& slots);

class Correlation {
 public:
  /// Either engine may be null (its lane has no rules); the native one was loaded with
  /// EngineOptions::lane = native, the other with lua.
  Correlation(core::Runtime& runtime, core::MetricsRegistry& metrics, Journal& journal,
              std::unique_ptr<lua::ParallelEngine> native, std::unique_ptr<lua::ParallelEngine> lua);
  ~Correlation();
  Correlation(const Correlation&) = delete;
  Correlation& operator=(const Correlation&) = delete;

  /// Restores each lane from `slot` (absent: every lane starts after `first_retained`; a lane the
  /// slot has nothing for starts where the slowest saved lane was), then starts them.
  void start(const std::optional<std::string>& slot, uint64_t first_retained);
  void on_appended(std::function<void(uint64_t bytes)> fn);
  /// No more processing; a batch in flight is cut short (Correlator::halt).
  void halt();

  /// Runs `fn(slot, cursor)` once every lane took its slot (each on its own strand, once its
  /// findings are durable); `cursor` is the smallest lane cursor. With `wait_ms` >= 0, after at
  /// most that long: a lane still busy with a batch then gives the slot it took last.
  void checkpoint(std::function<void(std::string slot, uint64_t cursor)> fn, int64_t wait_ms = -1);

  /// Every journal record <= cursor() was correlated by every lane.
  uint64_t cursor() const;
  bool idle() const;
  uint64_t findings() const;
  /// Per-rule status of both lanes, in declaration order, each rule once (with its "lane").
  nlohmann::json rules_status() const;
  std::vector<std::string> quarantined() const;
  /// {cursor, findings, lanes: {native: {cursor, findings, rules}, lua: {...}}}; a lane without
  /// rules runs no correlator and shows {rules: 0}.
  nlohmann::json status() const;

  /// The lane's correlator, null when it has no rules (tests and status).
  Correlator* lane(lua::Lane lane) const { return lane == lua::Lane::lua ? lua_.get() : native_.get(); }

 private:
  std::vector<Correlator*> lanes() const;

  core::Runtime& runtime_;
  std::unique_ptr<Correlator> native_, lua_;
  std::unordered_map<std::string, size_t> order_;  // rule id -> declaration index
};

}  // namespace siemhub::pipeline
