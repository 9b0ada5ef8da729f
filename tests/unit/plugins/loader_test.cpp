#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "plugins/loader.hpp"
#include "test_dirs.hpp"

using siemhub::plugins::Candidate;
using siemhub::plugins::Loader;
using siemhub::plugins::LoaderOptions;
using siemhub::testing::install_test_plugin;
using siemhub::testing::TempDir;
namespace fs = std::filesystem;

namespace {

// Loads `broken` from a directory that also holds the good plugin; returns the broken one's
// refusal after checking the good one still loaded.
std::string refusal_beside_good(const std::string& broken) {
  TempDir dir;
  install_test_plugin(dir.path(), "good");
  install_test_plugin(dir.path(), broken);
  Loader loader(LoaderOptions{{dir.path()}});
  const auto results = loader.scan();
  REQUIRE(results.size() == 2);
  std::string error;
  bool good_loaded = false;
  for (const auto& c : results) {
    if (c.path.filename() == "good.so") good_loaded = c.accepted();
    if (c.path.filename() == broken + ".so") {
      CHECK_FALSE(c.accepted());
      error = c.error;
    }
  }
  CHECK(good_loaded);
  CHECK(loader.find("test.good") != nullptr);
  // one line, naming the file
  CHECK(error.find('\n') == std::string::npos);
  CHECK(error.find(broken + ".so") != std::string::npos);
  return error;
}

}  // namespace

TEST_CASE("the good test plugin loads with its note and descriptor", "[loader]") {
  TempDir dir;
  const auto path = install_test_plugin(dir.path(), "good");
  Loader loader(LoaderOptions{{dir.path()}});
  const Candidate c = loader.load(path);
  REQUIRE(c.accepted());
  CHECK(c.module->id() == "test.good");
  CHECK(c.module->version() == "1.2.3");
  CHECK(c.module->descriptor().capabilities == (SIEMHUB_CAP_SOURCE_PULL | SIEMHUB_CAP_SINK));
  CHECK(siemhub::plugins::capability_names(c.module->descriptor().capabilities) == "source-pull, sink");
}

TEST_CASE("a library built against the ABI 1.0 headers loads on this host with its 1.0 action definition", "[loader][abi11]") {
  TempDir dir;
  const auto path = install_test_plugin(dir.path(), "abi10");
  Loader loader(LoaderOptions{{dir.path()}});
  const Candidate c = loader.load(path);
  INFO(c.error);
  REQUIRE(c.accepted());
  CHECK(c.module->abi_minor() == 0);
  const auto& d = c.module->descriptor();
  CHECK(d.capabilities == (SIEMHUB_CAP_SOURCE_PULL | SIEMHUB_CAP_ACTION));
  REQUIRE(d.action->action_count == 1);
  CHECK(d.action->actions[0]->struct_size == SIEMHUB_ACTION_DEF_SIZE_1_0);  // no 1.1 field to read
}

TEST_CASE("a file that is not a shared library is refused as such", "[loader]") {
  TempDir dir;
  install_test_plugin(dir.path(), "good");
  fs::copy_file(siemhub::testing::test_plugin_dir() / "not_a_library.so", dir / "not_a_library.so");
  fs::permissions(dir / "not_a_library.so", fs::perms(0644));
  Loader loader(LoaderOptions{{dir.path()}});
  const auto results = loader.scan();
  REQUIRE(results.size() == 2);
  CHECK(results[0].accepted());  // good.so sorts first
  CHECK_THAT(results[1].error, Catch::Contains("not_a_library.so: not a shared library"));
}

TEST_CASE("a library without the siemhub note is refused before loading", "[loader]") {
  CHECK_THAT(refusal_beside_good("no_note"), Catch::Contains("no siemhub note"));
}

TEST_CASE("a library without the entry symbol is refused with dlerror's text", "[loader]") {
  const auto e = refusal_beside_good("no_entry");
  CHECK_THAT(e, Catch::Contains("no entry symbol siemhub_plugin_entry"));
  CHECK_THAT(e, Catch::Contains("undefined symbol: siemhub_plugin_entry"));
}

TEST_CASE("a library with an unresolved symbol is refused with dlerror's text not Bad file descriptor", "[loader]") {
  const auto e = refusal_beside_good("undefined_symbol");
  CHECK_THAT(e, Catch::Contains("siemhub_test_symbol_that_does_not_exist"));
  CHECK_THAT(e, !Catch::Contains("Bad file descriptor"));
  CHECK_THAT(e, !Catch::Contains("/proc/self/fd"));
}

TEST_CASE("an ABI major mismatch is refused without running the library's static constructor", "[loader]") {
  TempDir marker_dir;
  const auto marker = marker_dir / "ctor-ran";
  ::setenv("SIEMHUB_TEST_CTOR_FILE", marker.c_str(), 1);
  const auto e = refusal_beside_good("abi_major");
  ::unsetenv("SIEMHUB_TEST_CTOR_FILE");
  CHECK_THAT(e, Catch::Contains("ABI major mismatch: built for ABI 99.0, this host speaks 1.1"));
  CHECK_FALSE(fs::exists(marker));
}

TEST_CASE("a library built for a newer ABI minor is refused", "[loader]") {
  CHECK_THAT(refusal_beside_good("minor_newer"), Catch::Contains("ABI minor too new: built for ABI 1.8, this host speaks 1.1"));
}

TEST_CASE("a descriptor smaller than the v1 layout is refused as malformed", "[loader]") {
  CHECK_THAT(refusal_beside_good("bad_size"), Catch::Contains("malformed descriptor: struct_size 16"));
}

TEST_CASE("a declared capability without its vtable is refused as malformed", "[loader]") {
  CHECK_THAT(refusal_beside_good("missing_vtable"),
             Catch::Contains("malformed descriptor: declares capability sink but its vtable is NULL"));
}

TEST_CASE("a descriptor that disagrees with the note is refused", "[loader]") {
  CHECK_THAT(refusal_beside_good("note_mismatch"),
             Catch::Contains("descriptor id 'test.other-id' disagrees with the ELF note's 'test.note-id'"));
}

TEST_CASE("a second library with an id already loaded is refused as a duplicate", "[loader]") {
  TempDir dir;
  install_test_plugin(dir.path(), "good");
  install_test_plugin(dir.path(), "good_twin");
  Loader loader(LoaderOptions{{dir.path()}});
  const auto results = loader.scan();
  REQUIRE(results.size() == 2);
  CHECK(results[0].accepted());
  CHECK_THAT(results[1].error, Catch::Contains("good_twin.so: duplicate plugin id 'test.good' (already loaded from"));
}

TEST_CASE("a library writable by others is refused", "[loader]") {
  TempDir dir;
  install_test_plugin(dir.path(), "good");
  const auto p = install_test_plugin(dir.path(), "good_twin");
  fs::permissions(p, fs::perms(0666));
  Loader loader(LoaderOptions{{dir.path()}});
  const Candidate c = loader.load(p);
  CHECK_FALSE(c.accepted());
  CHECK_THAT(c.error, Catch::Contains("writable by group or others (mode 0666)"));
}

TEST_CASE("a library outside the configured plugin directories is refused", "[loader]") {
  TempDir configured;
  TempDir elsewhere;
  const auto p = install_test_plugin(elsewhere.path(), "good");
  Loader loader(LoaderOptions{{configured.path()}});
  const Candidate c = loader.load(p);
  CHECK_FALSE(c.accepted());
  CHECK_THAT(c.error, Catch::Contains("outside the configured plugin directories"));
  // A symlink inside the directory pointing outside is judged by where it really is.
  fs::create_symlink(p, configured / "link.so");
  CHECK_THAT(loader.load(configured / "link.so").error, Catch::Contains("outside the configured plugin directories"));
}

TEST_CASE("a plugin whose init fails is refused with its message", "[loader]") {
  TempDir dir;
  const auto p = install_test_plugin(dir.path(), "init_fails");
  Loader loader(LoaderOptions{{dir.path()}});
  Candidate c = loader.load(p);
  REQUIRE(c.accepted());  // loading is fine; init is the host's next step
  std::string error;
  CHECK_FALSE(c.module->init(nullptr, error));
  CHECK(error == "init failed: vendor credentials file missing");
}

TEST_CASE("a plugin whose init throws is refused with the exception's message", "[loader]") {
  TempDir dir;
  const auto p = install_test_plugin(dir.path(), "init_throws");
  Loader loader(LoaderOptions{{dir.path()}});
  Candidate c = loader.load(p);
  REQUIRE(c.accepted());
  std::string error;
  CHECK_FALSE(c.module->init(nullptr, error));
  CHECK(error == "init threw: license server unreachable");
}

TEST_CASE("a library owned by another user is refused naming its owner", "[loader]") {
  if (::geteuid() != 0) {
    WARN("skipped: giving a file to uid 65534 needs root");
    return;
  }
  TempDir dir;
  const auto p = install_test_plugin(dir.path(), "good");
  REQUIRE(::chown(p.c_str(), 65534, 65534) == 0);
  Loader loader(LoaderOptions{{dir.path()}});
  const Candidate c = loader.load(p);
  CHECK_FALSE(c.accepted());
  CHECK_THAT(c.error, Catch::Contains("good.so: file is owned by uid 65534, not by root"));
  CHECK(c.id == "test.good");  // read from the note, so a connector naming it can say why
}

TEST_CASE("a library in a directory owned by another user is refused naming the directory's owner", "[loader]") {
  if (::geteuid() != 0) {
    WARN("skipped: giving a directory to uid 65534 needs root");
    return;
  }
  TempDir dir;
  const fs::path sub = dir / "plugins";
  fs::create_directories(sub);
  const auto p = install_test_plugin(sub, "good");
  REQUIRE(::chown(sub.c_str(), 65534, 65534) == 0);
  Loader loader(LoaderOptions{{sub}});
  const Candidate c = loader.load(p);
  CHECK_FALSE(c.accepted());
  CHECK_THAT(c.error, Catch::Contains("its directory " + sub.string() + " is owned by uid 65534, not by root"));
}

TEST_CASE("a library in a sticky world-writable directory is refused", "[loader]") {
  TempDir dir;
  const fs::path sub = dir / "plugins";
  fs::create_directories(sub);
  const auto p = install_test_plugin(sub, "good");
  fs::permissions(sub, fs::perms(01777));
  Loader loader(LoaderOptions{{sub}});
  const Candidate c = loader.load(p);
  CHECK_FALSE(c.accepted());
  CHECK_THAT(c.error, Catch::Contains("its directory " + sub.string() +
                                      " is writable by group or others (mode 1777, sticky); run chmod go-w"));
}
