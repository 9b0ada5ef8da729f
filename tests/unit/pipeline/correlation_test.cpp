// Correlation lanes (pipeline/correlation.*, issue 13): the native rules' findings never wait on
// the rules that call Lua, each lane saves its own slot, a slot of the single correlator restores
// into both, and a final checkpoint does not wait for a busy Lua lane.
//
// The Lua lane is held deterministically: it pumps on the runtime's script thread (one thread),
// so a handler the test posts there and blocks keeps it from running at all until released.
#include <catch2/catch.hpp>

#include <future>
#include <map>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/metrics.hpp"
#include "core/runtime.hpp"
#include "fakes/eventually.hpp"
#include "fakes/temp_dir.hpp"
#include "pipeline/correlation.hpp"
#include "pipeline/journal.hpp"
#include "store/data_dir.hpp"

using namespace siemhub;
using nlohmann::json;
using testing::eventually;

namespace {

// A native count rule and a rule whose `where` spins for ~60 % of its instruction budget on
// every event (what made native findings wait while both ran in one engine batch).
const char* kNative = R"(
rule { id = "lanes.native", from = { class_uid = 3002, status_id = 2 }, by = { "user.name" },
       window = { span = "10m" }, count = { gte = 3 } }
)";
const char* kSpinner = R"(
rule { id = "lanes.spinner", from = { class_uid = 3002, status_id = 2 }, by = { "user.name" },
       where = function(e) local x = 0 for i = 1, 250000 do x = x + i end return x > 0 end,
       window = { span = "10m" }, count = { gte = 3 } }
)";
constexpr int64_t kBudget = 1'000'000;

pipeline::Event failure(int i) {
  return {R"({"class_uid":3002,"activity_id":1,"status_id":2,"severity_id":1,"time":)" +
              std::to_string(1700000000000 + i * 1000) +
              R"(,"user":{"name":"bob"},"metadata":{"product":{"name":"t"},"version":"1.8.0","uid":"e)" +
              std::to_string(i) + R"("}})",
          "e" + std::to_string(i)};
}

std::vector<lua::Source> sources() { return {{"native.lua", kNative, {}}, {"spinner.lua", kSpinner, {}}}; }

std::unique_ptr<lua::ParallelEngine> engine(lua::Lane lane) {
  lua::EngineOptions o;
  o.lane = lane;
  o.sandbox.instruction_budget = kBudget;
  std::string err;
  auto e = lua::ParallelEngine::load(sources(), o, 2, &err);
  INFO(err);
  REQUIRE(e);
  return e;
}

// Blocks the runtime's script thread (so the Lua lane) until release() or its end.
struct ScriptThreadHold {
  std::promise<void> release_;
  std::shared_future<void> released_ = release_.get_future().share();
  std::promise<void> held_;
  explicit ScriptThreadHold(core::Runtime& runtime) {
    auto held = held_.get_future();
    boost::asio::post(runtime.make_script_strand(), [this, r = released_] {
      held_.set_value();
      r.wait();
    });
    held.wait();  // the script thread is inside the handler now
  }
  void release() {
    if (!done_) release_.set_value();
    done_ = true;
  }
  ~ScriptThreadHold() { release(); }
  bool done_ = false;
};

struct Rig {
  testing::TempDir& dir;
  core::MetricsRegistry metrics;
  std::unique_ptr<store::DataDir> data;
  std::unique_ptr<core::Runtime> runtime;
  std::unique_ptr<pipeline::Journal> journal;
  std::unique_ptr<pipeline::Correlation> correlation;

  explicit Rig(testing::TempDir& d) : dir(d) {
    data = std::make_unique<store::DataDir>(dir.path());
    runtime = std::make_unique<core::Runtime>(2);
    runtime->start();
    journal = std::make_unique<pipeline::Journal>(data->file("hub.db"), core::SystemClock::instance());
  }
  void make(std::optional<std::string> slot = std::nullopt) {
    correlation = std::make_unique<pipeline::Correlation>(*runtime, metrics, *journal, engine(lua::Lane::native),
                                                          engine(lua::Lane::lua));
    correlation->start(slot, 0);
  }
  ~Rig() {
    if (correlation) correlation->halt();
    runtime->stop();
    journal.reset();
    correlation.reset();
  }
  pipeline::Correlator& native() { return *correlation->lane(lua::Lane::native); }
  pipeline::Correlator& lua() { return *correlation->lane(lua::Lane::lua); }

  void append(int from, int to) {
    std::vector<pipeline::Event> events;
    for (int i = from; i < to; ++i) events.push_back(failure(i));
    std::promise<bool> p;
    journal->append("in", std::move(events), std::nullopt, [&p](bool ok, uint64_t, const std::string&) { p.set_value(ok); });
    REQUIRE(p.get_future().get());
  }
  // finding uid -> rule id, of every retained findings record.
  std::multimap<std::string, std::string> findings() {
    std::multimap<std::string, std::string> out;
    // read() stops where what it has cached begins (after a reopen): read on from the last seq.
    uint64_t after = 0;
    for (auto records = journal->read(after, 1000); !records.empty(); records = journal->read(after, 1000))
      for (const auto& r : records) {
        after = r->seq;
        if (r->source != pipeline::kCorrelateSource) continue;
        for (const auto& e : *r->events)
          out.emplace(json::parse(e.json)["finding_info"]["analytic"]["uid"].get<std::string>(), e.id);
      }
    return out;
  }
  bool caught_up(pipeline::Correlator& c) { return c.idle() && c.cursor() == journal->last_seq(); }
  // The lanes' checkpoint, committed: returns (slot, cursor).
  std::pair<std::string, uint64_t> checkpoint(int64_t wait_ms = -1) {
    auto done = std::make_shared<std::promise<std::pair<std::string, uint64_t>>>();
    correlation->checkpoint(
        [this, done](std::string slot, uint64_t cursor) {
          journal->checkpoint({}, slot, 0, [done, slot, cursor](bool) { done->set_value({slot, cursor}); });
        },
        wait_ms);
    return done->get_future().get();
  }
};

std::map<std::string, uint64_t> lane_cursors(const std::string& slot) {
  std::map<std::string, std::string> lanes;
  REQUIRE(pipeline::decode_lanes(slot, lanes));
  std::map<std::string, uint64_t> out;
  for (const auto& [name, s] : lanes) {
    uint64_t cursor = 0;
    std::string snapshot;
    REQUIRE(pipeline::decode_correlation(s, cursor, snapshot));
    out[name] = cursor;
  }
  return out;
}

// The rule ids whose state a lane's snapshot holds.
std::vector<std::string> snapshot_rules(const std::string& lane_slot) {
  uint64_t cursor = 0;
  std::string snapshot;
  REQUIRE(pipeline::decode_correlation(lane_slot, cursor, snapshot));
  std::vector<std::string> out;
  const json doc = json::parse(snapshot);
  for (const auto& [id, r] : doc.at("rules").items())
    if (!r.at("groups").empty()) out.push_back(id);
  return out;
}

}  // namespace

TEST_CASE("the native lane appends all its findings while the Lua lane is held behind a rule that spins on every event",
          "[correlation][lanes]") {
  testing::TempDir dir;
  Rig rig(dir);
  ScriptThreadHold hold(*rig.runtime);
  rig.make();
  rig.append(0, 7);  // each rule fires twice: events 0-2 and 3-5
  const uint64_t events_seq = rig.journal->last_seq();
  // The native findings are durable and its cursor is past them, the Lua lane has not begun.
  REQUIRE(eventually([&] { return rig.findings().count("lanes.native") == 2 && rig.caught_up(rig.native()); }));
  CHECK(rig.native().cursor() > events_seq);
  CHECK(rig.lua().cursor() == 0);
  CHECK(rig.findings().count("lanes.spinner") == 0);
  CHECK(rig.correlation->cursor() == 0);  // the smaller: what the journal must keep
  const json status = rig.correlation->status();
  CHECK(status["lanes"]["native"]["findings"] == 2);
  CHECK(status["lanes"]["native"]["rules"] == 1);
  CHECK(status["lanes"]["lua"]["cursor"] == 0);
  CHECK(status["lanes"]["lua"]["rules"] == 1);

  hold.release();
  REQUIRE(eventually([&] { return rig.findings().count("lanes.spinner") == 2 && rig.caught_up(rig.lua()); },
                     std::chrono::seconds(30)));
  CHECK(rig.findings().count("lanes.native") == 2);  // the Lua lane skipped the native findings' record
  CHECK(rig.correlation->findings() == 4);
  const json rules = rig.correlation->rules_status();
  REQUIRE(rules.size() == 2);
  CHECK(rules[0]["id"] == "lanes.native");
  CHECK(rules[0]["lane"] == "native");
  CHECK(rules[1]["id"] == "lanes.spinner");
  CHECK(rules[1]["lane"] == "lua");
  CHECK(rules[1]["faults"] == 0);  // it spun within its budget
  CHECK(rules[1]["matched"] == 7);
}

TEST_CASE("each lane saves its own cursor in the checkpoint and a final checkpoint does not wait for a held Lua lane",
          "[correlation][lanes]") {
  testing::TempDir dir;
  Rig rig(dir);
  ScriptThreadHold hold(*rig.runtime);
  rig.make();
  rig.append(0, 4);
  REQUIRE(eventually([&] { return rig.caught_up(rig.native()); }));
  // With a wait: the held lane gives the slot it took at start (cursor 0).
  const auto [slot, cursor] = rig.checkpoint(200);
  CHECK(cursor == 0);
  auto cursors = lane_cursors(slot);
  CHECK(cursors["native"] == rig.journal->last_seq());
  CHECK(cursors["lua"] == 0);

  // Without a wait the checkpoint comes once the Lua lane took its own slot.
  auto pending = std::async(std::launch::async, [&] { return rig.checkpoint(); });
  CHECK(pending.wait_for(std::chrono::milliseconds(300)) == std::future_status::timeout);
  hold.release();
  REQUIRE(eventually([&] { return rig.caught_up(rig.lua()) && rig.caught_up(rig.native()); }, std::chrono::seconds(30)));
  const auto [late_slot, late_cursor] = pending.get();
  CHECK(late_slot.rfind("SHL1", 0) == 0);
  const auto after = rig.checkpoint();
  CHECK(after.second == rig.journal->last_seq());
  cursors = lane_cursors(after.first);
  CHECK(cursors["native"] == rig.journal->last_seq());
  CHECK(cursors["lua"] == rig.journal->last_seq());
}

TEST_CASE("a slot saved by the single correlator restores into both lanes and each keeps its own rules' groups",
          "[correlation][lanes]") {
  testing::TempDir dir;
  std::string old_slot;
  {
    // The correlator of a hub before the lanes: one engine with every rule.
    Rig rig(dir);
    std::string err;
    lua::EngineOptions o;
    o.sandbox.instruction_budget = kBudget;
    pipeline::Correlator single(*rig.runtime, rig.metrics, *rig.journal, lua::ParallelEngine::load(sources(), o, 2, &err));
    single.start(std::nullopt, 0);
    rig.append(0, 4);  // both rules fire at event 2; event 3 stays in both windows
    REQUIRE(eventually([&] { return rig.findings().size() == 2 && rig.caught_up(single); }, std::chrono::seconds(30)));
    auto done = std::make_shared<std::promise<std::string>>();
    single.checkpoint([done](std::string slot, uint64_t) { done->set_value(std::move(slot)); });
    old_slot = done->get_future().get();
    single.halt();
    rig.runtime->stop();
    rig.journal.reset();  // before `single`: its writer may still notify it
  }
  REQUIRE(old_slot.rfind("SHC1", 0) == 0);
  Rig rig(dir);
  rig.make(old_slot);
  const uint64_t from = rig.journal->last_seq();
  CHECK(rig.correlation->cursor() == from);  // both lanes resume after the old cursor
  CHECK(rig.native().cursor() == from);
  CHECK(rig.lua().cursor() == from);
  // Each lane restored the groups of its own rules and saves only those.
  const auto [slot, cursor] = rig.checkpoint();
  CHECK(cursor == from);
  std::map<std::string, std::string> lanes;
  REQUIRE(pipeline::decode_lanes(slot, lanes));
  CHECK(snapshot_rules(lanes["native"]) == std::vector<std::string>{"lanes.native"});
  CHECK(snapshot_rules(lanes["lua"]) == std::vector<std::string>{"lanes.spinner"});
  rig.append(4, 6);  // with event 3 restored in each window: each rule fires again at event 5
  REQUIRE(eventually([&] { return rig.caught_up(rig.native()) && rig.caught_up(rig.lua()); }, std::chrono::seconds(30)));
  CHECK(rig.correlation->findings() == 2);
  CHECK(rig.findings().count("lanes.native") == 2);
  CHECK(rig.findings().count("lanes.spinner") == 2);
  CHECK(rig.native().rules_status()[0]["matched"] == 2);
  CHECK(rig.lua().rules_status()[0]["matched"] == 2);
}

TEST_CASE("a lanes slot restores each lane from its own part and a lane missing from it starts where the slowest was",
          "[correlation][lanes]") {
  testing::TempDir dir;
  std::map<std::string, std::string> back;
  CHECK_FALSE(pipeline::decode_lanes(pipeline::encode_correlation(5, "x"), back));  // the single correlator's
  std::map<std::string, std::string> parts{{"native", pipeline::encode_correlation(5, "x")}, {"lua", "y"}};
  REQUIRE(pipeline::decode_lanes(pipeline::encode_lanes(parts), back));
  CHECK(back == parts);
  CHECK_FALSE(pipeline::decode_lanes(pipeline::encode_lanes(parts).substr(0, 10), back));

  Rig rig(dir);
  rig.append(0, 3);
  const uint64_t seq = rig.journal->last_seq();
  // Only the native lane saved (the hub had no Lua rules then); its cursor is past the events.
  lua::EngineOptions o;
  o.lane = lua::Lane::native;
  std::string err;
  auto native_only = lua::ParallelEngine::load(sources(), o, 1, &err);
  REQUIRE(native_only);
  const std::string slot =
      pipeline::encode_lanes({{"native", pipeline::encode_correlation(seq, native_only->snapshot())}});
  rig.make(slot);
  CHECK(rig.native().cursor() == seq);
  CHECK(rig.lua().cursor() == seq);
}
