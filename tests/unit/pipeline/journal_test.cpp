// The journal's segment files: durability across restarts, torn tails, damage, dropping what was
// delivered, cursors, and the move out of hub.db.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "fakes/eventually.hpp"
#include "fakes/temp_dir.hpp"
#include "pipeline/journal.hpp"
#include "store/data_dir.hpp"

using namespace siemhub;
namespace fs = std::filesystem;

namespace {

std::vector<pipeline::Event> events(int n, const std::string& tag) {
  std::vector<pipeline::Event> out;
  for (int i = 0; i < n; ++i) out.push_back({R"({"n":")" + tag + std::to_string(i) + R"("})", tag + std::to_string(i)});
  return out;
}

// Appends and waits: the seq the record got (0 when none), or -1 when the append failed.
int64_t append(pipeline::Journal& journal, std::vector<pipeline::Event> ev, std::optional<std::string> cursor = {},
               const std::string& source = "in") {
  std::promise<int64_t> p;
  journal.append(source, std::move(ev), std::move(cursor),
                 [&p](bool ok, uint64_t seq, const std::string&) { p.set_value(ok ? static_cast<int64_t>(seq) : -1); });
  return p.get_future().get();
}

bool checkpoint(pipeline::Journal& journal, uint64_t delete_through) {
  std::promise<bool> p;
  journal.checkpoint({{"out", delete_through}}, std::nullopt, delete_through, [&p](bool ok) { p.set_value(ok); });
  return p.get_future().get();
}

std::vector<std::string> ids_of(pipeline::Journal& journal) {
  std::vector<std::string> out;
  for (const auto& r : journal.read(0, SIZE_MAX))
    for (const auto& e : *r->events) out.push_back(std::to_string(r->seq) + ":" + e.id);
  return out;
}

std::vector<fs::path> segment_files(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".seg") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

struct Fixture {
  testing::TempDir dir;
  store::DataDir data{dir.path()};
  pipeline::JournalOptions options = [] {
    pipeline::JournalOptions o;
    o.min_free_bytes = 0;
    return o;
  }();
  std::unique_ptr<pipeline::Journal> open() {
    return std::make_unique<pipeline::Journal>(data.file("hub.db"), core::SystemClock::instance(), options);
  }
};

}  // namespace

TEST_CASE("records appended before a restart are read back in order and the next seq follows them", "[journal]") {
  Fixture f;
  {
    auto j = f.open();
    REQUIRE(append(*j, events(2, "a")) == 1);
    REQUIRE(append(*j, events(1, "b")) == 2);
  }
  auto j = f.open();
  CHECK(ids_of(*j) == std::vector<std::string>{"1:a0", "1:a1", "2:b0"});
  CHECK(j->index_after(0).size() == 2);
  CHECK(j->retained_bytes() > 0);
  CHECK(append(*j, events(1, "c")) == 3);
  const auto records = j->read(2, 10);
  REQUIRE(records.size() == 1);
  CHECK(records[0]->source == "in");
  CHECK((*records[0]->events)[0].json == R"({"n":"c0"})");
}

TEST_CASE("a write cut short by a crash is ignored at start and appends go on from the last whole record", "[journal]") {
  Fixture f;
  {
    auto j = f.open();
    REQUIRE(append(*j, events(3, "a")) == 1);
    REQUIRE(append(*j, events(3, "b")) == 2);
  }
  // What a crash in the middle of a write leaves: the start of a frame and no end.
  const auto seg = segment_files(f.dir / "journal").back();
  {
    std::ifstream in(seg, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    std::ofstream(seg, std::ios::binary | std::ios::app) << bytes.substr(0, 70);
  }
  auto j = f.open();
  CHECK(ids_of(*j).size() == 6);
  CHECK(append(*j, events(1, "c")) == 3);  // written over the cut-short one
  auto again = (j.reset(), f.open());
  CHECK(ids_of(*again).size() == 7);
  CHECK(ids_of(*again).back() == "3:c0");
}

TEST_CASE("a dropped segment file is reused and its old records never come back", "[journal]") {
  Fixture f;
  f.options.segment_bytes = 1;  // every batch in its own segment
  {
    auto j = f.open();
    REQUIRE(append(*j, events(50, "old")) == 1);  // a big first use
    REQUIRE(append(*j, events(1, "x")) == 2);
    REQUIRE(checkpoint(*j, 1));  // drops segment 1: it becomes a spare
    REQUIRE(testing::eventually([&] {
      for (const auto& e : fs::directory_iterator(f.dir / "journal"))
        if (e.path().extension() == ".spare") return true;
      return false;
    }));
    REQUIRE(append(*j, events(1, "new")) == 3);  // overwrites the spare's start
    // The file is as long as its first use: the new record did not allocate new space.
    bool reused = false;
    for (const auto& p : segment_files(f.dir / "journal")) reused |= fs::file_size(p) > 1000;
    CHECK(reused);
    CHECK(ids_of(*j) == std::vector<std::string>{"2:x0", "3:new0"});
  }
  auto j = f.open();  // the old records after the new one are another use's: not read back
  CHECK(ids_of(*j) == std::vector<std::string>{"2:x0", "3:new0"});
  CHECK(append(*j, events(1, "later")) == 4);
}

TEST_CASE("a record damaged on disk is cut off with what follows it in its segment and later segments stay readable",
          "[journal]") {
  Fixture f;
  f.options.segment_bytes = 1;  // every batch in its own segment
  {
    auto j = f.open();
    REQUIRE(append(*j, events(2, "a")) == 1);
    REQUIRE(append(*j, events(2, "b")) == 2);
    REQUIRE(append(*j, events(2, "c")) == 3);
  }
  const auto files = segment_files(f.dir / "journal");
  REQUIRE(files.size() == 3);
  {
    std::fstream io(files[1], std::ios::binary | std::ios::in | std::ios::out);
    io.seekp(60);
    io.put('X');  // inside record 2's payload: its checksum no longer holds
  }
  auto j = f.open();
  CHECK(ids_of(*j) == std::vector<std::string>{"1:a0", "1:a1", "3:c0", "3:c1"});
  CHECK(append(*j, events(1, "d")) == 4);
}

TEST_CASE("a checkpoint drops the segments every consumer has passed and keeps the ones still needed", "[journal]") {
  Fixture f;
  f.options.segment_bytes = 1;
  auto j = f.open();
  for (int i = 0; i < 4; ++i) REQUIRE(append(*j, events(1, "r")) == i + 1);
  REQUIRE(segment_files(f.dir / "journal").size() == 4);
  const uint64_t before = j->retained_bytes();
  REQUIRE(checkpoint(*j, 2));
  CHECK(j->segments() == 2);
  CHECK(j->retained_bytes() < before);
  CHECK(j->index_after(0).front().seq == 3);
  CHECK(testing::eventually([&] { return segment_files(f.dir / "journal").size() == 2; }));
  CHECK(ids_of(*j) == std::vector<std::string>{"3:r0", "4:r0"});
  // The segment being appended to goes as well once all of it was delivered.
  REQUIRE(checkpoint(*j, 4));
  CHECK(j->segments() == 0);
  CHECK(testing::eventually([&] { return segment_files(f.dir / "journal").empty(); }));
  CHECK(append(*j, events(1, "s")) == 5);
  CHECK(j->segments() == 1);
}

TEST_CASE("seqs keep increasing after every record was dropped and the journal reopened", "[journal]") {
  Fixture f;
  {
    auto j = f.open();
    REQUIRE(append(*j, events(1, "a")) == 1);
    REQUIRE(append(*j, events(1, "b")) == 2);
    REQUIRE(checkpoint(*j, 2));
    CHECK(j->index_after(0).empty());
  }
  auto j = f.open();
  CHECK(j->last_seq() == 2);
  CHECK(ids_of(*j).empty());
  CHECK(append(*j, events(1, "c")) == 3);
}

TEST_CASE("a source cursor written with its events survives a restart and the drop of its segment", "[journal]") {
  Fixture f;
  {
    auto j = f.open();
    REQUIRE(append(*j, events(1, "a"), std::string("offset=10")) == 1);
    // A cursor that moved without events is durable too, and makes no record.
    REQUIRE(append(*j, {}, std::string("offset=20"), "other") == 0);
    CHECK(j->load_cursor("in") == "offset=10");
    CHECK(j->load_cursor("other") == "offset=20");
  }
  {
    auto j = f.open();
    CHECK(j->load_cursor("in") == "offset=10");
    CHECK(j->load_cursor("other") == "offset=20");
    CHECK(j->last_seq() == 1);
    REQUIRE(checkpoint(*j, 1));  // drops the only segment: the cursors now live in hub.db alone
    CHECK(testing::eventually([&] { return segment_files(f.dir / "journal").empty(); }));
  }
  auto j = f.open();
  CHECK(j->load_cursor("in") == "offset=10");
  CHECK(j->load_cursor("other") == "offset=20");
  CHECK_FALSE(j->load_cursor("nobody"));
}

TEST_CASE("records a crash kept past the checkpoint's deletion point are not delivered again", "[journal]") {
  Fixture f;
  f.options.segment_bytes = 1;
  const fs::path saved = f.dir / "saved";
  fs::create_directories(saved);
  {
    auto j = f.open();
    for (int i = 0; i < 3; ++i) REQUIRE(append(*j, events(1, "r")) == i + 1);
    for (const auto& p : segment_files(f.dir / "journal")) fs::copy(p, saved / p.filename());
    REQUIRE(checkpoint(*j, 2));
  }
  // The crash came after the checkpoint was written but before its segments were removed.
  for (const auto& p : segment_files(saved)) fs::copy(p, f.dir / "journal" / p.filename(), fs::copy_options::skip_existing);
  REQUIRE(segment_files(f.dir / "journal").size() == 3);
  auto j = f.open();
  CHECK(ids_of(*j) == std::vector<std::string>{"3:r0"});
  CHECK(segment_files(f.dir / "journal").size() == 1);
}

TEST_CASE("records an older hub journaled into hub.db move into a segment at start with their seqs", "[journal]") {
  Fixture f;
  {
    auto& db = f.data.hub();
    auto& s = db.prepare("INSERT INTO journal(seq, source, received_ms, count, bytes, events, ids) VALUES(?1, ?2, 5, ?3, 0, ?4, ?5)",
                         "old row");
    const auto a = events(2, "old"), b = events(1, "older");
    s.bind_int64(1, 7).bind_text(2, "in").bind_int64(3, 2).bind_blob(4, pipeline::encode_events(a, false))
        .bind_blob(5, pipeline::encode_events(a, true)).run();
    s.reset();
    s.bind_int64(1, 8).bind_text(2, "in").bind_int64(3, 1).bind_blob(4, pipeline::encode_events(b, false))
        .bind_blob(5, pipeline::encode_events(b, true)).run();
  }
  auto j = f.open();
  CHECK(ids_of(*j) == std::vector<std::string>{"7:old0", "7:old1", "8:older0"});
  CHECK(append(*j, events(1, "new")) == 9);
  auto& count = f.data.hub().prepare("SELECT count(*) FROM journal", "old rows left");
  REQUIRE(count.step());
  CHECK(count.column_int64(0) == 0);
  count.reset();
}

TEST_CASE("a WAL checkpoint of hub.db is asked for at once and runs on the journal's own thread", "[journal]") {
  Fixture f;
  auto j = f.open();
  REQUIRE(append(*j, events(10, "a")) == 1);
  REQUIRE(checkpoint(*j, 0));
  const auto before = j->wal_checkpoints();
  j->wal_checkpoint();
  CHECK(testing::eventually([&] { return j->wal_checkpoints() > before; }));
  CHECK(append(*j, events(1, "b")) == 2);  // appends go on while and after it ran
}

TEST_CASE("appends are made durable while a checkpoint waits for hub.db's write lock", "[journal]") {
  Fixture f;
  auto j = f.open();
  REQUIRE(append(*j, events(1, "a")) == 1);
  // Another connection holds hub.db's write lock, so the checkpoint's transaction waits for it.
  store::Database other(f.data.file("hub.db"));
  other.exec("BEGIN IMMEDIATE", "hold the write lock");
  std::promise<bool> saved;
  auto saved_result = saved.get_future();
  j->checkpoint({{"out", 1}}, std::nullopt, 1, [&saved](bool ok) { saved.set_value(ok); });
  // Appends do not queue behind it: each is durable and gets its seq.
  CHECK(append(*j, events(1, "b")) == 2);
  CHECK(append(*j, events(1, "c")) == 3);
  CHECK(saved_result.wait_for(std::chrono::milliseconds(0)) == std::future_status::timeout);
  other.exec("COMMIT", "release the write lock");
  // Then the checkpoint commits and drops what it covered.
  CHECK(saved_result.get());
  CHECK(j->load_outboxes() == std::map<std::string, uint64_t>{{"out", 1}});
  CHECK(ids_of(*j) == std::vector<std::string>{"2:b0", "3:c0"});
}
