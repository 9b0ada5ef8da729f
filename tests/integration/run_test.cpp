#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <map>
#include <set>

#include "integration/process.hpp"
#include "unit/plugins/test_dirs.hpp"

using namespace siemhub::testing;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::vector<std::string> lines_of(const fs::path& p) {
  std::vector<std::string> out;
  std::istringstream in(read_file(p));
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

size_t line_count(const fs::path& p) { return lines_of(p).size(); }

void write_file(const fs::path& p, const std::string& text, std::ios::openmode mode = std::ios::trunc) {
  std::ofstream(p, std::ios::binary | mode) << text;
}

}  // namespace

TEST_CASE("siemhub run on the embedded default writes valid OCSF events and stops cleanly on SIGINT", "[run]") {
  TempDir dir;
  Process hub({siemhub_binary().string(), "run", "--summary-every", "1"}, dir.path(), {}, dir.path());
  const fs::path out = dir / "siemhub-data" / "out" / "events.ndjson";
  REQUIRE(eventually([&] { return line_count(out) >= 400; }, std::chrono::seconds(30)));
  hub.signal(SIGINT);
  REQUIRE(hub.wait(std::chrono::seconds(30)) == 0);
  CHECK_THAT(hub.err(), Catch::Contains("output:  " + out.string()));
  CHECK_THAT(hub.err(), Catch::Contains("stopping on SIGINT"));

  const std::map<int, int> category_of{{3002, 3}, {4001, 4}, {1007, 1}};
  std::set<std::string> uids;
  int burst_failures = 0;
  size_t events = 0;
  for (const auto& line : lines_of(out)) {
    const json e = json::parse(line);
    const int cls = e.at("class_uid");
    if (cls == 2004) continue;  // the shipped rules' findings (tests/integration/correlation_test.cpp)
    ++events;
    CHECK(e.at("type_uid").get<int>() == cls * 100 + e.at("activity_id").get<int>());
    CHECK(e.at("category_uid").get<int>() == category_of.at(cls));
    CHECK(e.at("time").is_number_integer());
    CHECK(e.at("severity_id").is_number_integer());
    CHECK(e.at("metadata").at("product").is_object());
    CHECK(e.at("metadata").at("version") == "1.8.0");
    uids.insert(e.at("metadata").at("uid").get<std::string>());
    if (cls == 3002 && e.at("status_id") == 2 && e.at("user").at("name") == "admin") ++burst_failures;
  }
  CHECK(uids.size() == events);  // no event written twice
  CHECK(burst_failures >= 12);                  // the generator's brute-force burst is there
}

TEST_CASE("a restarted file source continues at the next unread line", "[run]") {
  TempDir dir;
  const fs::path in = dir / "in.ndjson";
  const fs::path out = dir / "out.ndjson";
  auto event = [](int i) {
    return R"({"class_uid":3002,"activity_id":1,"severity_id":1,"time":1700000000000,"user":{"name":"u"},"metadata":{"product":{"name":"t"},"version":"1.8.0","uid":"e)" +
           std::to_string(i) + "\"}}\n";
  };
  std::string first;
  for (int i = 0; i < 10; ++i) first += event(i);
  write_file(in, first + R"({"class_uid":3002,"activity_id":1)");  // a partial last line waits
  write_file(dir / "hub.yaml", "data_dir: data\nconnectors:\n  in:\n    plugin: file\n    config: {path: " + in.string() +
                                   "}\n  out:\n    plugin: file\n    config: {path: " + out.string() +
                                   "}\nroutes:\n  - from: [in]\n    to: [out]\n");
  {
    Process hub({siemhub_binary().string(), "run", "-c", (dir / "hub.yaml").string()}, dir.path());
    REQUIRE(eventually([&] { return line_count(out) >= 10; }));
    hub.signal(SIGTERM);
    REQUIRE(hub.wait() == 0);
  }
  CHECK(line_count(out) == 10);
  // Finish the partial line and add more while the hub is down.
  std::string more = R"(,"severity_id":1,"time":1700000000000,"user":{"name":"u"},"metadata":{"product":{"name":"t"},"version":"1.8.0","uid":"e10"}})";
  more += "\n";
  for (int i = 11; i < 15; ++i) more += event(i);
  write_file(in, more, std::ios::app);
  {
    Process hub({siemhub_binary().string(), "run", "-c", (dir / "hub.yaml").string()}, dir.path());
    REQUIRE(eventually([&] { return line_count(out) >= 15; }));
    hub.signal(SIGTERM);
    REQUIRE(hub.wait() == 0);
  }
  const auto lines = lines_of(out);
  REQUIRE(lines.size() == 15);
  for (int i = 0; i < 15; ++i) CHECK(json::parse(lines[i])["metadata"]["uid"] == "e" + std::to_string(i));
}
