// `siemhub new-plugin`: the project it writes, and what it refuses. The generated projects are
// built and tested against the installed SDK by .ci/sdk-examples.sh (a full cmake build each).
#include <catch2/catch.hpp>

#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

#include "fakes/temp_dir.hpp"
#include "integration/process.hpp"

using namespace siemhub::testing;
namespace fs = std::filesystem;

namespace {
// Runs `siemhub ARGS` in the working directory `cwd`; its output goes to files in `logs`.
RunResult run_in(const fs::path& cwd, const TempDir& logs, const std::vector<std::string>& args) {
  std::vector<std::string> full{fs::absolute(siemhub_binary()).string()};  // it runs in cwd
  full.insert(full.end(), args.begin(), args.end());
  Process p(full, logs.path(), {}, cwd);
  const int code = p.wait(std::chrono::seconds(60));
  return {code, p.out(), p.err()};
}
}  // namespace

TEST_CASE("new-plugin writes a project of each kind with no placeholder left", "[cli][new-plugin]") {
  TempDir dir, logs;
  for (const std::string kind : {"source", "sink", "action"}) {  // NOLINT: a copy per kind
    const std::string name = "demo_" + kind;
    const auto r = run_in(dir.path(), logs, {"new-plugin", name, "--kind", kind, "--dir", (dir / name).string()});
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
    CHECK_THAT(r.out, Catch::Contains("plugin \"com.example.demo-" + kind + "\", kind " + kind));
    const std::vector<std::string> files = {"CMakeLists.txt", "README.md", "conformance.json", "src/" + name + ".cpp",
                                            "tests/" + name + "_test.cpp", "tests/http_script.json"};
    for (const std::string& rel : files) {
      const fs::path p = dir / name / rel;
      REQUIRE(fs::exists(p));
      const std::string text = read_file(p);
      INFO(p);
      CHECK_FALSE(std::regex_search(text, std::regex("@[A-Z_]+@")));
      if (rel.ends_with(".json")) CHECK(nlohmann::json::accept(text));
    }
    const std::string cmake = read_file(dir / name / "CMakeLists.txt");
    CHECK_THAT(cmake, Catch::Contains("find_package(siemhub-sdk 1 REQUIRED)"));
    CHECK_THAT(cmake, Catch::Contains("siemhub_add_plugin(" + name + " src/" + name + ".cpp)"));
    CHECK_THAT(read_file(dir / name / "README.md"), Catch::Contains("cmake --install /path/to/siemhub/build --component sdk"));
    CHECK_THAT(read_file(dir / name / "src" / (name + ".cpp")), Catch::Contains("static constexpr char id[] = \"com.example.demo-" + kind + "\""));
  }
  CHECK_THAT(read_file(dir / "demo_source" / "CMakeLists.txt"), Catch::Contains("--script"));
}

TEST_CASE("new-plugin refuses an existing directory and leaves it untouched", "[cli][new-plugin]") {
  TempDir dir, logs;
  fs::create_directories(dir / "demo");
  std::ofstream(dir / "demo" / "keep.txt") << "mine";
  const auto r = run_in(dir.path(), logs, {"new-plugin", "demo", "--kind", "source"});  // ./demo
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Catch::Contains("already exists; refusing to overwrite it"));
  CHECK(read_file(dir / "demo" / "keep.txt") == "mine");
  CHECK_FALSE(fs::exists(dir / "demo" / "CMakeLists.txt"));
}

TEST_CASE("new-plugin refuses a name that cannot name a library and a bad kind", "[cli][new-plugin]") {
  TempDir dir, logs;
  const std::vector<std::string> names = {"Demo", "1demo", "de-mo", "demo_", "de__mo", "demo.so", std::string(41, 'a')};
  for (const std::string& bad : names) {
    const auto r = run_in(dir.path(), logs, {"new-plugin", bad, "--kind", "sink"});
    INFO(bad);
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Catch::Contains("is not valid"));
  }
  CHECK(run_in(dir.path(), logs, {"new-plugin", "demo", "--kind", "enricher"}).code == 2);
  CHECK(run_in(dir.path(), logs, {"new-plugin", "demo", "--kind", "sink", "--id", "Not An Id"}).code == 2);
  CHECK(fs::is_empty(dir.path()));
}
