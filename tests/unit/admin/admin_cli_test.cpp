// The `siemhub status` and `siemhub dlq` commands against a server backed by a fake HubControl.
#include <catch2/catch.hpp>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "admin/server.hpp"
#include "admin/token.hpp"
#include "admin_test_util.hpp"
#include "fake_control.hpp"

using namespace siemhub::admin;
using siemhub::testing::AdminTempDir;
using siemhub::testing::FakeControl;

namespace {

std::filesystem::path siemhub_binary() {
  const char* b = std::getenv("SIEMHUB_TEST_BINARY_DIR");
  return std::filesystem::path(b ? b : ".") / "bin" / "siemhub";
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Result {
  int code = -1;
  std::string out;
  std::string err;
};

// Runs `siemhub ARGS` with stdin from /dev/null (not a terminal).
Result run(const AdminTempDir& tmp, const std::string& args) {
  const auto out = tmp / "cli.out", err = tmp / "cli.err";
  const std::string cmd = siemhub_binary().string() + " " + args + " >" + out.string() + " 2>" + err.string() +
                          " </dev/null";
  const int status = std::system(cmd.c_str());
  Result r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

// A hub stand-in: the data directory has admin.token and admin.sock served by a fake control.
struct Hub {
  Hub() : token(load_or_create_token(dir.path())), server(io, dir / "admin.sock", token, control) {
    server.start();
    thread = std::thread([this] { io.run(); });
  }
  ~Hub() {
    server.stop();
    work.reset();
    thread.join();
  }
  std::string d() const { return "-d " + dir.path().string(); }

  AdminTempDir dir;
  AdminTempDir scratch;  // for the CLI's output files
  std::string token;
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work = boost::asio::make_work_guard(io);
  FakeControl control;
  AdminServer server;
  std::thread thread;
};

}  // namespace

TEST_CASE("siemhub status prints connectors queues breakers journal and checkpoint", "[admin][cli]") {
  Hub hub;
  const auto r = run(hub.scratch, "status " + hub.d());
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("CONNECTOR"));
  CHECK_THAT(r.out, Catch::Contains("BREAKER"));
  CHECK_THAT(r.out, Catch::Contains("ok (paused)"));
  CHECK_THAT(r.out, Catch::Contains("siem-out"));
  CHECK_THAT(r.out, Catch::Contains("42 / 3.0 MiB"));
  CHECK_THAT(r.out, Catch::Contains("open"));
  CHECK_THAT(r.out, Catch::Contains("siem-out: HTTP 503 from upstream"));
  CHECK_THAT(r.out, Catch::Contains("seq 10..1200, 512 MiB of 1.0 GiB (50.0%)"));
  CHECK_THAT(r.out, Catch::Contains("journal seq 1190"));
  CHECK_THAT(r.out, Catch::Contains("dead letters 3"));
}

TEST_CASE("siemhub status --json prints the hub's answer", "[admin][cli]") {
  Hub hub;
  const auto r = run(hub.scratch, "status --json --data-dir " + hub.dir.path().string());
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j["connectors"][1]["breaker"] == "open");
}

TEST_CASE("siemhub status -c uses the config's data_dir", "[admin][cli]") {
  Hub hub;
  const auto config = hub.scratch / "hub.yaml";
  std::ofstream(config) << "data_dir: " << hub.dir.path().string() << "\n";
  const auto r = run(hub.scratch, "status -c " + config.string());
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("siem-out"));
}

TEST_CASE("siemhub status exits 1 with a clear message when no hub runs", "[admin][cli]") {
  AdminTempDir dir;
  const auto r = run(dir, "status -d " + dir.path().string());
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Catch::Contains("no hub is running on " + dir.path().string() + " (admin.sock absent)"));
  siemhub::testing::make_stale_socket(dir / "admin.sock");
  const auto stale = run(dir, "status -d " + dir.path().string());
  CHECK(stale.code == 1);
  CHECK_THAT(stale.err, Catch::Contains("connection refused"));
}

TEST_CASE("siemhub status reports a refused token", "[admin][cli]") {
  Hub hub;
  {
    std::ofstream(hub.dir / "admin.token", std::ios::trunc) << "another-token-that-is-long-enough\n";
  }
  const auto r = run(hub.scratch, "status " + hub.d());
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Catch::Contains("refused the token"));
  CHECK(hub.control.call_count() == 0);
}

TEST_CASE("siemhub dlq list passes sink after and limit and shows the next page", "[admin][cli][dlq]") {
  Hub hub;
  auto r = run(hub.scratch, "dlq list " + hub.d() + " --sink siem-out --after 4 --limit 2");
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(hub.control.last_filter.sink == "siem-out");
  CHECK(hub.control.last_filter.after_id == 4);
  CHECK(hub.control.last_filter.limit == 2);
  CHECK_THAT(r.out, Catch::Contains("REASON"));
  CHECK_THAT(r.out, Catch::Contains("--after 6"));
  r = run(hub.scratch, "dlq list " + hub.d() + " --json");
  REQUIRE(r.code == 0);
  CHECK(nlohmann::json::parse(r.out)["entries"].size() == 3);
  CHECK(run(hub.scratch, "dlq list " + hub.d() + " --limit 0").code == 2);
}

TEST_CASE("siemhub dlq show prints one entry and exits 1 for an absent one", "[admin][cli][dlq]") {
  Hub hub;
  auto r = run(hub.scratch, "dlq show 7 " + hub.d());
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("class_uid"));
  r = run(hub.scratch, "dlq show 8 " + hub.d());
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Catch::Contains("no dead letter with id 8"));
}

TEST_CASE("siemhub dlq replay sends ids or a whole sink", "[admin][cli][dlq]") {
  Hub hub;
  auto r = run(hub.scratch, "dlq replay " + hub.d() + " --id 1 --id 2 --to backup");
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(hub.control.last_ids == std::vector<uint64_t>{1, 2});
  CHECK(hub.control.last_to_sink == "backup");
  CHECK_THAT(r.out, Catch::Contains("replayed 2"));
  r = run(hub.scratch, "dlq replay " + hub.d() + " --sink siem-out --all");
  REQUIRE(r.code == 0);
  CHECK(hub.control.last_ids.empty());
  CHECK(hub.control.last_sink == "siem-out");
  CHECK(run(hub.scratch, "dlq replay " + hub.d()).code == 2);
  CHECK(run(hub.scratch, "dlq replay " + hub.d() + " --id 1 --sink siem-out").code == 2);
}

TEST_CASE("siemhub dlq purge needs --yes without a terminal", "[admin][cli][dlq]") {
  Hub hub;
  auto r = run(hub.scratch, "dlq purge " + hub.d() + " --all");
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Catch::Contains("--yes"));
  CHECK(hub.control.call_count() == 0);
  CHECK(run(hub.scratch, "dlq purge " + hub.d() + " --sink siem-out --yes").code == 2);  // --sink needs --all
  r = run(hub.scratch, "dlq purge " + hub.d() + " --id 3 --id 4 --yes");
  REQUIRE(r.code == 0);
  CHECK(hub.control.last_ids == std::vector<uint64_t>{3, 4});
  CHECK_THAT(r.out, Catch::Contains("purged 2"));
  r = run(hub.scratch, "dlq purge " + hub.d() + " --sink siem-out --all -y");
  REQUIRE(r.code == 0);
  CHECK(hub.control.last_sink == "siem-out");
  CHECK(hub.control.last_ids.empty());
}

TEST_CASE("siemhub cursor show prints a pull source's cursor and exits 1 for another connector", "[admin][cli][cursor]") {
  Hub hub;
  auto r = run(hub.scratch, "cursor show feed " + hub.d());
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("feed: page=3 (6 bytes)"));
  r = run(hub.scratch, "cursor show out " + hub.d());
  CHECK(r.code == 1);
  CHECK_THAT(r.err, Catch::Contains("no pull source named \"out\""));
}

TEST_CASE("siemhub cursor reset needs --yes without a terminal and sends the new cursor", "[admin][cli][cursor]") {
  Hub hub;
  auto r = run(hub.scratch, "cursor reset feed " + hub.d());
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Catch::Contains("pass --yes"));
  CHECK(hub.control.cursor == "page=3");
  r = run(hub.scratch, "cursor reset feed --to page=1 --yes " + hub.d());
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(hub.control.cursor == "page=1");
  CHECK_THAT(r.out, Catch::Contains("feed: cursor reset to page=1 (was page=3)"));
  r = run(hub.scratch, "cursor reset feed -y " + hub.d());
  REQUIRE(r.code == 0);
  CHECK(hub.control.cursor == "");
  CHECK_THAT(r.out, Catch::Contains("reset to (none: polls from the start)"));
}
