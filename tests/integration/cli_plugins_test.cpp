#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "integration/process.hpp"
#include "unit/plugins/test_dirs.hpp"

using namespace siemhub::testing;
namespace fs = std::filesystem;

TEST_CASE("plugins list accepts the good plugin and refuses each broken library with its own reason", "[cli]") {
  TempDir dir;
  const fs::path plugins = dir / "plugins";
  fs::create_directories(plugins);
  fs::permissions(plugins, fs::perms(0755));
  for (const char* name : {"good", "no_note", "no_entry", "abi_major", "minor_newer", "bad_size", "missing_vtable",
                           "note_mismatch", "init_fails", "init_throws", "undefined_symbol", "good_twin"})
    install_test_plugin(plugins, name);
  fs::copy_file(test_plugin_dir() / "not_a_library.so", plugins / "not_a_library.so");
  fs::permissions(plugins / "not_a_library.so", fs::perms(0644));

  const auto r = run_siemhub({"plugins", "list", "--plugin-dir", plugins.string()}, dir.path());
  CHECK(r.code == 3);
  const std::string& o = r.out;
  CHECK_THAT(o, Catch::Contains("accepted test.good 1.2.3 (ABI 1.1; source-pull, sink)"));
  CHECK_THAT(o, Catch::Contains("no_note.so: no siemhub note"));
  CHECK_THAT(o, Catch::Contains("no_entry.so: no entry symbol siemhub_plugin_entry"));
  CHECK_THAT(o, Catch::Contains("abi_major.so: ABI major mismatch: built for ABI 99.0"));
  CHECK_THAT(o, Catch::Contains("minor_newer.so: ABI minor too new"));
  CHECK_THAT(o, Catch::Contains("bad_size.so: malformed descriptor: struct_size 16"));
  CHECK_THAT(o, Catch::Contains("missing_vtable.so: malformed descriptor: declares capability sink but its vtable is NULL"));
  CHECK_THAT(o, Catch::Contains("note_mismatch.so: descriptor id 'test.other-id' disagrees with the ELF note's"));
  CHECK_THAT(o, Catch::Contains("init_fails.so: init failed: vendor credentials file missing"));
  CHECK_THAT(o, Catch::Contains("init_throws.so: init threw: license server unreachable"));
  CHECK_THAT(o, Catch::Contains("undefined_symbol.so: cannot load:"));
  CHECK_THAT(o, Catch::Contains("undefined symbol: siemhub_test_symbol_that_does_not_exist"));
  CHECK_THAT(o, Catch::Contains("good_twin.so: duplicate plugin id 'test.good'"));
  CHECK_THAT(o, Catch::Contains("not_a_library.so: not a shared library"));
  CHECK_THAT(o, !Catch::Contains("Bad file descriptor"));
}

TEST_CASE("a library whose static constructor writes a file is refused for its ABI without the file appearing", "[cli]") {
  TempDir dir;
  const fs::path plugins = dir / "plugins";
  fs::create_directories(plugins);
  install_test_plugin(plugins, "abi_major");
  const fs::path marker = dir / "constructor-ran";
  const auto r = run_siemhub({"plugins", "list", "--plugin-dir", plugins.string()}, dir.path(),
                             {"SIEMHUB_TEST_CTOR_FILE=" + marker.string()});
  CHECK(r.code == 3);
  CHECK_THAT(r.out, Catch::Contains("ABI major mismatch"));
  CHECK_FALSE(fs::exists(marker));
  // The same library loaded without the check would have run it: prove the marker works.
  const auto inspect = run_siemhub({"plugins", "inspect", (plugins / "abi_major.so").string()}, dir.path(),
                                   {"SIEMHUB_TEST_CTOR_FILE=" + marker.string()});
  CHECK(inspect.code == 3);
  CHECK_FALSE(fs::exists(marker));
}

TEST_CASE("plugins inspect shows id version ABI capabilities and config schema from the library", "[cli]") {
  TempDir dir;
  const auto so = install_test_plugin(dir.path(), "good");
  const auto r = run_siemhub({"plugins", "inspect", so.string()}, dir.path());
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("id:            test.good"));
  CHECK_THAT(r.out, Catch::Contains("version:       1.2.3"));
  CHECK_THAT(r.out, Catch::Contains("abi:           1.1"));
  CHECK_THAT(r.out, Catch::Contains("capabilities:  source-pull, sink"));
  CHECK_THAT(r.out, Catch::Contains("\"per_poll\""));
  const auto j = run_siemhub({"plugins", "inspect", "--json", so.string()}, dir.path());
  const auto doc = nlohmann::json::parse(j.out);
  CHECK(doc["ocsf_classes"] == nlohmann::json::array({3002}));
  CHECK(doc["config_schema"]["properties"]["token"]["x-siemhub-secret"] == true);
}

TEST_CASE("version prints the hub version and the plugin ABI", "[cli]") {
  TempDir dir;
  const auto r = run_siemhub({"version"}, dir.path());
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("plugin ABI 1.1"));
}

TEST_CASE("every command answers --help", "[cli]") {
  TempDir dir;
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--help"}, {"run", "--help"}, {"validate", "--help"}, {"plugins", "list", "--help"},
           {"plugins", "inspect", "--help"}, {"version", "--help"}}) {
    const auto r = run_siemhub(args, dir.path());
    CHECK(r.code == 0);
    CHECK_THAT(r.out, Catch::Contains("Usage"));
  }
}
