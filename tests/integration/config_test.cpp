#include <catch2/catch.hpp>

#include "integration/process.hpp"
#include "unit/plugins/test_dirs.hpp"

using namespace siemhub::testing;
namespace fs = std::filesystem;

namespace {
void write_file(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }
}  // namespace

TEST_CASE("validate reports a misspelled nested key with file line column and a suggestion", "[config]") {
  TempDir dir;
  write_file(dir / "hub.yaml",
             "connectors:\n"
             "  gen:\n"
             "    plugin: generator\n"
             "    config:\n"
             "      seed: 7\n"
             "      batch_sise: 10\n"
             "  out:\n"
             "    plugin: stdout\n");
  const auto r = run_siemhub({"validate", (dir / "hub.yaml").string()}, dir.path());
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Catch::Contains((dir / "hub.yaml").string() + ":6:7"));
  CHECK_THAT(r.err, Catch::Contains("connectors.gen.config.batch_sise"));
  CHECK_THAT(r.err, Catch::Contains("did you mean 'batch_size'?"));
}

TEST_CASE("validate fails on a duplicate key", "[config]") {
  TempDir dir;
  write_file(dir / "hub.yaml",
             "connectors:\n"
             "  gen:\n"
             "    plugin: generator\n"
             "    plugin: stdout\n");
  const auto r = run_siemhub({"validate", (dir / "hub.yaml").string()}, dir.path());
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Catch::Contains("duplicate key"));
  CHECK_THAT(r.err, Catch::Contains(":4:"));
}

TEST_CASE("validate accepts a good config and names an unknown plugin with a suggestion", "[config]") {
  TempDir dir;
  write_file(dir / "good.yaml", "connectors:\n  gen:\n    plugin: generator\n  out:\n    plugin: stdout\n");
  CHECK(run_siemhub({"validate", (dir / "good.yaml").string()}, dir.path()).code == 0);
  write_file(dir / "bad.yaml", "connectors:\n  gen:\n    plugin: generatr\n  out:\n    plugin: stdout\n");
  const auto r = run_siemhub({"validate", (dir / "bad.yaml").string()}, dir.path());
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Catch::Contains("unknown plugin 'generatr' (did you mean 'generator'?)"));
}

TEST_CASE("a secret passed through env appears in no output of validate run or plugins", "[config]") {
  TempDir dir;
  const std::string secret = "s3cr3t-T0ken-value-9f8e7d";
  const fs::path plugins = dir / "plugins";
  fs::create_directories(plugins);
  install_test_plugin(plugins, "good");
  const std::string base = "data_dir: data\nplugins:\n  dirs: [" + plugins.string() +
                           "]\nconnectors:\n  src:\n    plugin: test.good\n    config:\n      token: ${env:HUB_TEST_TOKEN}\n";
  write_file(dir / "hub.yaml", base + "  out:\n    plugin: file\n    config: {path: " + (dir / "out.ndjson").string() +
                                   "}\nroutes:\n  - from: [src]\n    to: [out]\n");
  // A config that fails validation next to the secret: the errors must not carry it.
  write_file(dir / "bad.yaml", base + "      per_poll: many\n  out:\n    plugin: stdout\nroutes:\n  - from: [src]\n    to: [out]\n");
  const std::vector<std::string> env{"HUB_TEST_TOKEN=" + secret};
  std::vector<RunResult> results;
  results.push_back(run_siemhub({"validate", (dir / "hub.yaml").string()}, dir.path(), env));
  results.push_back(run_siemhub({"validate", (dir / "bad.yaml").string()}, dir.path(), env));
  results.push_back(run_siemhub({"--log-level", "trace", "run", "-c", (dir / "hub.yaml").string(), "--for", "2",
                                 "--summary-every", "1"},
                                dir.path(), env));
  results.push_back(run_siemhub({"plugins", "list", "-c", (dir / "hub.yaml").string()}, dir.path(), env));
  CHECK(results[0].code == 0);
  CHECK(results[1].code == 2);
  CHECK_THAT(results[1].err, Catch::Contains("per_poll"));
  CHECK(results[2].code == 0);
  for (const auto& r : results) {
    CHECK_THAT(r.out, !Catch::Contains(secret));
    CHECK_THAT(r.err, !Catch::Contains(secret));
  }
  // Nor in anything the hub wrote to its data directory's logs or outputs.
  for (const auto& f : fs::recursive_directory_iterator(dir.path())) {
    if (!f.is_regular_file() || f.path().extension() == ".yaml" || f.path().extension() == ".so") continue;
    if (f.path().filename() == "hub.db" || f.path().filename().string().rfind("hub.db", 0) == 0) continue;
    CHECK_THAT(read_file(f.path()), !Catch::Contains(secret));
  }
}

TEST_CASE("validate refuses two ingest tokens with the same value naming both and never the value", "[config]") {
  TempDir dir;
  const std::string value = "shared-token-value-8c1f";
  write_file(dir / "hub.yaml", "ingest:\n  tokens:\n    - {name: a, token: " + value + "}\n    - {name: b, token: " + value +
                                   "}\n    - {name: a, token: other-value-77}\n"
                                   "connectors:\n  out:\n    plugin: stdout\n");
  const auto r = run_siemhub({"validate", (dir / "hub.yaml").string()}, dir.path());
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Catch::Contains("ingest.tokens[1].token: has the same value as ingest.tokens[0] (\"a\")"));
  CHECK_THAT(r.err, Catch::Contains("ingest.tokens[2].name: the name \"a\" is also ingest.tokens[0]'s"));
  CHECK_THAT(r.err, Catch::Contains(":5:"));
  CHECK_THAT(r.err + r.out, !Catch::Contains(value));
}
