// The whole OCSF 1.8.0 release through the real hub: one minimal event per class, built at test
// time from the published schema files, and an invalid twin of each (its required `time`
// removed) go in through a file source, with a stray line that is not JSON at all. Every valid one reaches the sink, every twin is in the
// dead letters with its reason, none is dropped: emitted = journaled + dead-lettered.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <set>

#include "fakes/temp_dir.hpp"
#include "integration/process.hpp"
#include "store/database.hpp"
#include "unit/ocsf/ocsf_release.hpp"

using namespace siemhub::testing;
using namespace siemhub::testing::ocsf_release;
namespace fs = std::filesystem;

TEST_CASE("every OCSF 1.8.0 class reaches the sink and an invalid twin of each is a dead letter with its reason so the counts balance",
          "[ocsf][integration]") {
  const Release release{fs::path(SIEMHUB_OCSF_RELEASE_DIR)};
  const Builder builder{release};
  TempDir dir;
  std::string input;
  std::set<std::string> valid_ids, twin_ids;
  for (const auto& [name, ids] : release.classes()) {
    json event = minimal_event(release, builder, name, ids.first, ids.second);
    event["time"] = 1700000000000;
    event["metadata"]["uid"] = "valid-" + std::to_string(ids.first);
    json twin = event;
    twin.erase("time");
    twin["metadata"]["uid"] = "twin-" + std::to_string(ids.first);
    input += event.dump() + "\n" + twin.dump() + "\n";
    valid_ids.insert(event["metadata"]["uid"].get<std::string>());
    twin_ids.insert(twin["metadata"]["uid"].get<std::string>());
  }
  REQUIRE(valid_ids.size() == 82);
  const std::string not_json = "Dec  4 17:54:50 web1 sshd[811]: Failed password for root";  // a stray syslog line
  input += not_json + "\n";
  std::ofstream(dir / "in.ndjson") << input;
  const fs::path out = dir / "out.ndjson";
  std::ofstream(dir / "hub.yaml")
      << "data_dir: data\nlimits: {checkpoint_interval_ms: 100}\n"
         "connectors:\n  in:\n    plugin: file\n    config: {path: " + (dir / "in.ndjson").string() + "}\n"
         "  out:\n    plugin: file\n    config: {path: " + out.string() + "}\n"
         "routes:\n  - from: [in]\n    to: [out]\n";

  Process hub({siemhub_binary().string(), "run", "-c", (dir / "hub.yaml").string(), "--summary-every", "0"}, dir.path());
  std::set<std::string> delivered;
  const auto read_out = [&] {
    delivered.clear();
    std::istringstream in(read_file(out));
    for (std::string line; std::getline(in, line);) {
      const json e = json::parse(line, nullptr, false);
      if (e.is_object()) delivered.insert(e["metadata"].value("uid", ""));
    }
    return delivered.size();
  };
  REQUIRE(eventually([&] { return read_out() >= valid_ids.size(); }, std::chrono::seconds(30)));
  hub.signal(SIGTERM);
  REQUIRE(hub.wait() == 0);
  read_out();
  CHECK(delivered == valid_ids);

  siemhub::store::DatabaseOptions o;
  o.create = false;
  siemhub::store::Database db(dir / "data" / "hub.db", o);
  auto& s = db.prepare("SELECT sink, stage, reason, event FROM dead_letters", "test dlq");
  std::set<std::string> lettered;
  bool stray_kept = false;
  while (s.step()) {
    CHECK(s.column_text(0) == "in");
    CHECK(s.column_text(1) == "source");
    const std::string reason(s.column_text(2));
    INFO(reason);
    if (s.column_text(3) == not_json) {  // kept as it was written, with why it is no event
      stray_kept = true;
      continue;
    }
    CHECK_THAT(reason, Catch::Contains("time"));
    const json original = json::parse(std::string(s.column_text(3)), nullptr, false);
    REQUIRE(original.is_object());
    lettered.insert(original["metadata"].value("uid", ""));
  }
  s.reset();
  CHECK(lettered == twin_ids);
  CHECK(stray_kept);
  // Nothing dropped: what the source handed over is exactly what was journaled plus what was refused.
  CHECK(delivered.size() + lettered.size() + (stray_kept ? 1 : 0) == 2 * release.classes().size() + 1);
}
