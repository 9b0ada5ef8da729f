// Correlator (pipeline/correlator.*): journal records in, findings back into the journal under
// the source `correlate`, cursor and engine snapshot in the checkpoint, restore and resume.
#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <future>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/metrics.hpp"
#include "core/runtime.hpp"
#include "fakes/eventually.hpp"
#include "fakes/temp_dir.hpp"
#include "pipeline/correlator.hpp"
#include "pipeline/journal.hpp"
#include "store/data_dir.hpp"

using namespace siemhub;
using nlohmann::json;

namespace {

const char* kRule = R"(
rule {
  id     = "test.three_failures",
  from   = { class_uid = 3002, status_id = 2 },
  by     = { "user.name" },
  window = { span = "10m" },
  count  = { gte = 3 },
}
)";

pipeline::Event failure(int i) {
  return {R"({"class_uid":3002,"activity_id":1,"status_id":2,"severity_id":1,"time":)" +
              std::to_string(1700000000000 + i * 1000) +
              R"(,"user":{"name":"bob"},"metadata":{"product":{"name":"t"},"version":"1.8.0","uid":"e)" +
              std::to_string(i) + R"("}})",
          "e" + std::to_string(i)};
}

using testing::eventually;

// A data directory, its journal, a runtime and a correlator running kRule.
struct Rig {
  testing::TempDir& dir;
  core::MetricsRegistry metrics;
  std::unique_ptr<store::DataDir> data;
  std::unique_ptr<core::Runtime> runtime;
  std::unique_ptr<pipeline::Journal> journal;
  std::unique_ptr<pipeline::Correlator> correlator;

  explicit Rig(testing::TempDir& d, std::optional<std::string> slot = std::nullopt) : dir(d) {
    data = std::make_unique<store::DataDir>(dir.path());
    runtime = std::make_unique<core::Runtime>(2);
    runtime->start();
    journal = std::make_unique<pipeline::Journal>(data->file("hub.db"), core::SystemClock::instance());
    std::string err;
    // Two workers: the correlator's engine is the parallel one the hub runs.
    auto engine = lua::ParallelEngine::load(std::vector<lua::Source>{{"three.lua", kRule, {}}}, {}, 2, &err);
    REQUIRE(engine);
    correlator = std::make_unique<pipeline::Correlator>(*runtime, metrics, *journal, std::move(engine));
    correlator->start(slot, 0);
  }
  ~Rig() {
    runtime->stop();
    journal.reset();  // its writer may still notify the correlator
    correlator.reset();
  }

  void append(int from, int to) {
    std::vector<pipeline::Event> events;
    for (int i = from; i < to; ++i) events.push_back(failure(i));
    std::promise<bool> p;
    journal->append("in", std::move(events), std::nullopt, [&p](bool ok, uint64_t, const std::string&) { p.set_value(ok); });
    REQUIRE(p.get_future().get());
  }
  bool caught_up() { return correlator->idle() && correlator->cursor() == journal->last_seq(); }

  // (source, ids) of every retained record.
  std::vector<std::pair<std::string, std::vector<std::string>>> records() {
    std::vector<std::pair<std::string, std::vector<std::string>>> out;
    for (const auto& r : journal->read(0, 1000)) {
      std::vector<std::string> ids;
      for (const auto& e : *r->events) ids.push_back(e.id);
      out.emplace_back(r->source, std::move(ids));
    }
    return out;
  }
  std::vector<std::string> finding_ids() {
    std::vector<std::string> out;
    for (const auto& [source, ids] : records())
      if (source == pipeline::kCorrelateSource) out.insert(out.end(), ids.begin(), ids.end());
    return out;
  }

  // The correlation slot as the pipeline checkpoint writes it, committed; returns the cursor.
  uint64_t checkpoint() {
    auto done = std::make_shared<std::promise<uint64_t>>();
    correlator->checkpoint([this, done](std::string slot, uint64_t cursor) {
      journal->checkpoint({}, std::move(slot), 0, [done, cursor](bool ok) { done->set_value(ok ? cursor : 0); });
    });
    return done->get_future().get();
  }
};

}  // namespace

TEST_CASE("the correlator turns journal records into findings appended under the source correlate", "[correlator]") {
  testing::TempDir dir;
  Rig rig(dir);
  rig.append(0, 7);  // two fires: events 0-2 and 3-5
  REQUIRE(eventually([&] { return rig.finding_ids().size() == 2 && rig.caught_up(); }));
  std::vector<json> findings;
  for (const auto& r : rig.journal->read(0, 100))
    if (r->source == pipeline::kCorrelateSource)
      for (const auto& e : *r->events) findings.push_back(json::parse(e.json));
  REQUIRE(findings.size() == 2);
  CHECK(findings[0]["class_uid"] == 2004);
  CHECK(findings[0]["finding_info"]["uid"] == rig.finding_ids()[0]);
  CHECK(findings[0]["finding_info"]["analytic"]["uid"] == "test.three_failures");
  CHECK(rig.correlator->findings() == 2);
  // Its own records are not correlated again.
  CHECK(rig.correlator->rules_status()[0]["matched"] == 7);
}

TEST_CASE("the correlator's cursor and snapshot are committed together and a restore resumes after the cursor",
          "[correlator]") {
  testing::TempDir dir;
  std::string first_finding;
  uint64_t cursor = 0;
  {
    Rig rig(dir);
    rig.append(0, 4);  // a fire at event 2, event 3 stays in the window
    REQUIRE(eventually([&] { return rig.finding_ids().size() == 1 && rig.caught_up(); }));
    first_finding = rig.finding_ids()[0];
    cursor = rig.checkpoint();
    CHECK(cursor == rig.journal->last_seq());
  }
  std::optional<std::string> slot;
  {
    store::DataDir data(dir.path());
    pipeline::Journal j(data.file("hub.db"), core::SystemClock::instance());
    auto row = j.load_checkpoint();
    REQUIRE(row);
    REQUIRE(row->correlation);
    uint64_t saved = 0;
    std::string snapshot;
    REQUIRE(pipeline::decode_correlation(*row->correlation, saved, snapshot));
    CHECK(saved == cursor);
    CHECK_FALSE(snapshot.empty());
    slot = row->correlation;
  }
  Rig rig(dir, slot);
  rig.append(4, 6);  // with event 3 restored in the window: a second fire at event 5
  REQUIRE(eventually([&] { return rig.correlator->findings() == 1 && rig.caught_up(); }));
  std::vector<std::string> ids;
  for (const auto& r : rig.journal->read(cursor, 100))
    if (r->source == pipeline::kCorrelateSource)
      for (const auto& e : *r->events) ids.push_back(e.id);
  REQUIRE(ids.size() == 1);
  CHECK(ids[0] != first_finding);  // a new fire, not the records before the cursor again
  CHECK(rig.correlator->rules_status()[0]["matched"] == 2);
}

TEST_CASE("a correlator without a saved slot starts after the given journal position", "[correlator]") {
  testing::TempDir dir;
  {
    Rig rig(dir);
    rig.append(0, 3);
    REQUIRE(eventually([&] { return rig.finding_ids().size() == 1 && rig.caught_up(); }));
  }
  CHECK(pipeline::encode_correlation(7, "abc").size() == 12 + 3);
  uint64_t c = 0;
  std::string s;
  CHECK_FALSE(pipeline::decode_correlation("not a slot", c, s));
  REQUIRE(pipeline::decode_correlation(pipeline::encode_correlation(0x0102030405060708ull, "xyz"), c, s));
  CHECK(c == 0x0102030405060708ull);
  CHECK(s == "xyz");
}
