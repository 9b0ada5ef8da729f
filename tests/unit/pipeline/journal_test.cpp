// The journal's WAL checkpoints run on its own thread and connection.
#include <catch2/catch.hpp>

#include <filesystem>
#include <future>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "fakes/eventually.hpp"
#include "fakes/temp_dir.hpp"
#include "pipeline/journal.hpp"
#include "store/data_dir.hpp"

using namespace siemhub;

namespace {

bool append(pipeline::Journal& journal, int n) {
  std::vector<pipeline::Event> events;
  for (int i = 0; i < n; ++i) events.push_back({std::string(400, 'x') + std::to_string(i), "e" + std::to_string(i)});
  std::promise<bool> p;
  journal.append("in", std::move(events), std::nullopt, [&p](bool ok, uint64_t, const std::string&) { p.set_value(ok); });
  return p.get_future().get();
}

}  // namespace

TEST_CASE("a WAL checkpoint request returns at once and the journal's own thread copies the WAL into hub.db") {
  testing::TempDir dir;
  store::DataDir data(dir.path());
  pipeline::Journal journal(data.file("hub.db"), core::SystemClock::instance());
  REQUIRE(append(journal, 500));
  REQUIRE(append(journal, 500));
  // The records are in the WAL only: hub.db itself has not grown yet.
  const auto db_before = std::filesystem::file_size(data.file("hub.db"));
  REQUIRE(db_before < 400'000);
  const auto before = journal.wal_checkpoints();
  journal.wal_checkpoint();
  REQUIRE(testing::eventually([&] { return journal.wal_checkpoints() > before; }));
  CHECK(std::filesystem::file_size(data.file("hub.db")) > db_before + 400'000);  // 1000 x ~400 bytes copied in
  // Appends go on while and after it ran.
  CHECK(append(journal, 10));
  CHECK(journal.last_seq() == 3);
}
