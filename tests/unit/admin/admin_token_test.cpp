#include <catch2/catch.hpp>
#include <sys/stat.h>

#include <fstream>

#include "admin/token.hpp"
#include "admin_test_util.hpp"

using namespace siemhub::admin;
using siemhub::testing::AdminTempDir;
using siemhub::testing::file_mode;

TEST_CASE("the token file is created 0600 and reused", "[admin][token]") {
  AdminTempDir dir;
  const std::string token = load_or_create_token(dir.path());
  CHECK(token.size() == 64);
  CHECK(token.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(file_mode(dir / "admin.token") == 0600);
  CHECK(load_or_create_token(dir.path()) == token);
  CHECK(read_token(dir.path()) == token);
  // No temporary file is left behind.
  int files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++files;
  CHECK(files == 1);
  AdminTempDir other;
  CHECK(load_or_create_token(other.path()) != token);
}

TEST_CASE("an operator-written token with a trailing newline is accepted", "[admin][token]") {
  AdminTempDir dir;
  { std::ofstream(dir / "admin.token") << "my-own-long-admin-token-value\n"; }
  ::chmod((dir / "admin.token").c_str(), 0600);
  CHECK(load_or_create_token(dir.path()) == "my-own-long-admin-token-value");
}

TEST_CASE("a token file readable by others is refused", "[admin][token]") {
  AdminTempDir dir;
  const std::string token = load_or_create_token(dir.path());
  for (const mode_t mode : {0644, 0640, 0604, 0660}) {
    ::chmod((dir / "admin.token").c_str(), mode);
    try {
      (void)load_or_create_token(dir.path());
      FAIL("mode accepted");
    } catch (const AdminError& e) {
      const std::string msg = e.what();
      CHECK_THAT(msg, Catch::Contains((dir / "admin.token").string()));
      CHECK_THAT(msg, Catch::Contains("chmod 600"));
      CHECK_THAT(msg, !Catch::Contains(token));
    }
    CHECK_THROWS_AS(read_token(dir.path()), AdminError);
  }
}

TEST_CASE("a malformed symlinked or missing token file is refused", "[admin][token]") {
  AdminTempDir dir;
  { std::ofstream(dir / "admin.token") << "short\n"; }
  ::chmod((dir / "admin.token").c_str(), 0600);
  CHECK_THROWS_WITH(load_or_create_token(dir.path()), Catch::Contains("does not hold a valid admin token"));

  AdminTempDir linked;
  AdminTempDir target;
  const std::string real = load_or_create_token(target.path());
  std::filesystem::create_symlink(target / "admin.token", linked / "admin.token");
  CHECK_THROWS_WITH(load_or_create_token(linked.path()), Catch::Contains("symbolic link"));

  AdminTempDir empty;
  CHECK_THROWS_WITH(read_token(empty.path()), Catch::Contains("no admin token"));
  CHECK_FALSE(std::filesystem::exists(empty / "admin.token"));  // reading never creates
}

TEST_CASE("tokens are compared by value only", "[admin][token]") {
  CHECK(constant_time_equal("abcdef", "abcdef"));
  CHECK_FALSE(constant_time_equal("abcdef", "abcdeg"));
  CHECK_FALSE(constant_time_equal("abcdef", "abcde"));
  CHECK_FALSE(constant_time_equal("", ""));
}
