#include <catch2/catch.hpp>
#include <sys/stat.h>

#include <fstream>
#include <mutex>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "admin/client.hpp"
#include "admin/server.hpp"
#include "admin_test_util.hpp"
#include "fake_control.hpp"
#include "core/log.hpp"

using namespace siemhub::admin;
using siemhub::testing::AdminTempDir;
using json = nlohmann::json;
using siemhub::testing::FakeControl;
using siemhub::testing::kToken;

namespace {

// A server on a temp-dir socket, its io_context run by two threads.
struct Fixture {
  explicit Fixture(AdminServerOptions options = {})
      : socket(dir / "admin.sock"), server(io, socket, kToken, control, options) {
    server.start();
    for (int i = 0; i < 2; ++i) threads.emplace_back([this] { io.run(); });
  }
  ~Fixture() {
    server.stop();
    work.reset();
    for (auto& t : threads) t.join();  // returns only when stop() closed everything
  }
  AdminClient client(std::string token = kToken) const { return AdminClient(socket, std::move(token)); }

  AdminTempDir dir;
  std::filesystem::path socket;
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work = boost::asio::make_work_guard(io);
  FakeControl control;
  AdminServer server;
  std::vector<std::thread> threads;
};

}  // namespace

TEST_CASE("status is served as JSON with the bearer token", "[admin][server]") {
  Fixture f;
  const auto res = f.client().get("/v1/status");
  CHECK(res.status == 200);
  REQUIRE(res.body.is_object());
  CHECK(res.body["connectors"][0]["name"] == "gen");
  CHECK(res.body["dlq"]["count"] == 3);
  CHECK(f.control.call_count() == 1);
}

TEST_CASE("a missing or wrong token gets 401 and the control is never called", "[admin][server]") {
  Fixture f;
  for (const std::string& token : {std::string(), std::string("wrong"), kToken.substr(0, 63) + "0", kToken + "0"}) {
    const auto res = f.client(token).get("/v1/status");
    CHECK(res.status == 401);
    CHECK(res.body["error"] == "unauthorized");
    const auto post = f.client(token).post("/v1/dlq/purge", json{{"all", true}});
    CHECK(post.status == 401);
  }
  const std::string basic = siemhub::testing::raw_exchange(
      f.socket, "GET /v1/status HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " + kToken + "\r\n\r\n");
  CHECK_THAT(basic, Catch::StartsWith("HTTP/1.1 401"));
  CHECK(f.control.call_count() == 0);
}

TEST_CASE("the bearer scheme is case-insensitive", "[admin][server]") {
  Fixture f;
  const std::string res = siemhub::testing::raw_exchange(
      f.socket, "GET /v1/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: bearer " + kToken + "\r\n\r\n");
  CHECK_THAT(res, Catch::StartsWith("HTTP/1.1 200"));
}

TEST_CASE("the token never appears in the log", "[admin][server]") {
  std::mutex mu;
  std::string lines;
  siemhub::core::Log::set_level(siemhub::core::LogLevel::trace);
  siemhub::core::Log::set_sink([&](const siemhub::core::LogRecord&, const std::string& line) {
    std::lock_guard lock(mu);
    lines += line + "\n";
  });
  {
    Fixture f;
    (void)f.client().get("/v1/status");
    (void)f.client(kToken + "x").get("/v1/status");
    (void)f.client().get("/v1/nope");
  }
  siemhub::core::Log::reset_sink();
  siemhub::core::Log::set_level(siemhub::core::LogLevel::info);
  CHECK_THAT(lines, Catch::Contains("refused an admin request"));
  CHECK_THAT(lines, !Catch::Contains(kToken.substr(0, 16)));
}

TEST_CASE("the socket file is created with mode 0600 and removed on stop", "[admin][server]") {
  AdminTempDir dir;
  const auto socket = dir / "admin.sock";
  boost::asio::io_context io;
  FakeControl control;
  AdminServer server(io, socket, kToken, control);
  server.start();
  struct stat st {};
  REQUIRE(::lstat(socket.c_str(), &st) == 0);
  CHECK(S_ISSOCK(st.st_mode));
  CHECK((st.st_mode & 0777) == 0600);
  server.stop();
  CHECK_FALSE(std::filesystem::exists(std::filesystem::symlink_status(socket)));
}

TEST_CASE("a stale socket file is replaced", "[admin][server]") {
  AdminTempDir dir;
  siemhub::testing::make_stale_socket(dir / "admin.sock");
  REQUIRE(std::filesystem::is_socket(dir / "admin.sock"));
  boost::asio::io_context io;
  FakeControl control;
  AdminServer server(io, dir / "admin.sock", kToken, control);
  REQUIRE_NOTHROW(server.start());
  std::thread t([&] { io.run(); });
  const auto res = AdminClient(dir / "admin.sock", kToken).get("/v1/status");
  CHECK(res.status == 200);
  server.stop();
  t.join();
}

TEST_CASE("a second server refuses to start while another hub answers on the socket", "[admin][server]") {
  Fixture f;
  boost::asio::io_context io;
  FakeControl other;
  AdminServer second(io, f.socket, kToken, other);
  try {
    second.start();
    FAIL("a second server took over a live socket");
  } catch (const AdminError& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains("another hub is answering on " + f.socket.string()));
  }
  CHECK(f.client().get("/v1/status").status == 200);  // the first one is undisturbed
}

TEST_CASE("a regular file in place of the socket is not replaced", "[admin][server]") {
  AdminTempDir dir;
  { std::ofstream(dir / "admin.sock") << "precious"; }
  boost::asio::io_context io;
  FakeControl control;
  AdminServer server(io, dir / "admin.sock", kToken, control);
  CHECK_THROWS_WITH(server.start(), Catch::Contains("is not a socket"));
  CHECK(std::filesystem::is_regular_file(dir / "admin.sock"));
}

TEST_CASE("dlq list maps to dlq_list with sink after and limit and reports the next page", "[admin][server][dlq]") {
  Fixture f;
  auto res = f.client().get("/v1/dlq?sink=" + url_encode("out a") + "&after=5&limit=2");
  REQUIRE(res.status == 200);
  CHECK(f.control.last_filter.sink == "out a");
  CHECK(f.control.last_filter.after_id == 5);
  CHECK(f.control.last_filter.limit == 2);
  REQUIRE(res.body["entries"].size() == 2);
  CHECK(res.body["entries"][1]["id"] == 7);
  CHECK(res.body["next_after"] == 7);

  res = f.client().get("/v1/dlq");
  REQUIRE(res.status == 200);
  CHECK(f.control.last_filter.sink.empty());
  CHECK(f.control.last_filter.after_id == 0);
  CHECK(f.control.last_filter.limit == 100);
  CHECK(res.body["next_after"].is_null());  // fewer than the limit: the last page

  const int calls = f.control.call_count();
  CHECK(f.client().get("/v1/dlq?limit=0").status == 400);
  CHECK(f.client().get("/v1/dlq?limit=5000").status == 400);
  CHECK(f.client().get("/v1/dlq?after=x").status == 400);
  CHECK(f.client().get("/v1/dlq?sinks=a").status == 400);
  CHECK(f.control.call_count() == calls);
}

TEST_CASE("dlq show maps to dlq_show and an absent entry is 404", "[admin][server][dlq]") {
  Fixture f;
  auto res = f.client().get("/v1/dlq/7");
  REQUIRE(res.status == 200);
  CHECK(res.body["event"]["class_uid"] == 3002);
  CHECK(f.control.last_show == 7);
  res = f.client().get("/v1/dlq/8");
  CHECK(res.status == 404);
  CHECK(f.control.last_show == 8);
  CHECK_THAT(res.error_message(), Catch::Contains("no dead letter with id 8"));
}

TEST_CASE("dlq replay maps to dlq_replay with ids sink and to_sink", "[admin][server][dlq]") {
  Fixture f;
  auto res = f.client().post("/v1/dlq/replay", json{{"ids", {1, 2}}, {"sink", ""}, {"to_sink", "other"}});
  REQUIRE(res.status == 200);
  CHECK(res.body["replayed"] == 2);
  CHECK(f.control.last_ids == std::vector<uint64_t>{1, 2});
  CHECK(f.control.last_sink.empty());
  CHECK(f.control.last_to_sink == "other");

  res = f.client().post("/v1/dlq/replay", json{{"sink", "out"}, {"all", true}});
  REQUIRE(res.status == 200);
  CHECK(f.control.last_ids.empty());
  CHECK(f.control.last_sink == "out");
  CHECK(f.control.last_to_sink.empty());

  // Nothing selected (or a whole sink without "all") is refused before reaching the hub.
  const int calls = f.control.call_count();
  CHECK(f.client().post("/v1/dlq/replay", json::object()).status == 400);
  CHECK(f.client().post("/v1/dlq/replay", json{{"sink", "out"}}).status == 400);
  CHECK(f.client().post("/v1/dlq/replay", json{{"ids", {-1}}}).status == 400);
  CHECK(f.client().post("/v1/dlq/replay", json{{"ids", "1"}}).status == 400);
  CHECK(f.client().post("/v1/dlq/replay", json{{"idz", {1}}}).status == 400);
  CHECK(f.control.call_count() == calls);
}

TEST_CASE("dlq purge maps to dlq_purge with ids and sink", "[admin][server][dlq]") {
  Fixture f;
  auto res = f.client().post("/v1/dlq/purge", json{{"ids", {3}}});
  REQUIRE(res.status == 200);
  CHECK(res.body["purged"] == 1);
  CHECK(f.control.last_ids == std::vector<uint64_t>{3});
  CHECK(f.control.last_sink.empty());

  res = f.client().post("/v1/dlq/purge", json{{"sink", "out"}, {"all", true}});
  REQUIRE(res.status == 200);
  CHECK(f.control.last_ids.empty());
  CHECK(f.control.last_sink == "out");

  res = f.client().post("/v1/dlq/purge", json{{"all", true}});
  REQUIRE(res.status == 200);
  CHECK(f.control.last_sink.empty());
  CHECK(res.body["purged"] == 9);

  const int calls = f.control.call_count();
  CHECK(f.client().post("/v1/dlq/purge", json::object()).status == 400);
  CHECK(f.client().post("/v1/dlq/purge", json{{"sink", "out"}}).status == 400);
  CHECK(f.client().post("/v1/dlq/purge", json{{"to_sink", "x"}, {"all", true}}).status == 400);
  CHECK(f.control.call_count() == calls);
}

TEST_CASE("unknown routes get 404 wrong methods 405 and bad JSON 400", "[admin][server]") {
  Fixture f;
  auto res = f.client().get("/v1/nope");
  CHECK(res.status == 404);
  CHECK(res.body["error"] == "not_found");
  CHECK(f.client().get("/v1/dlq/abc").status == 404);
  CHECK(f.client().get("/").status == 404);
  res = f.client().post("/v1/status", json::object());
  CHECK(res.status == 405);
  CHECK(res.body["error"] == "method_not_allowed");
  CHECK(f.client().get("/v1/dlq/replay").status == 405);
  const std::string bad = siemhub::testing::raw_exchange(
      f.socket, "POST /v1/dlq/purge HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer " + kToken +
                    "\r\nContent-Length: 5\r\n\r\n{oops");
  CHECK_THAT(bad, Catch::StartsWith("HTTP/1.1 400"));
  CHECK_THAT(bad, Catch::Contains("bad_json"));
  CHECK(f.control.call_count() == 0);
}

TEST_CASE("a body nested 100000 levels deep gets 400 on every JSON route and the server keeps serving",
          "[admin][server]") {
  Fixture f;
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  for (const auto& [path, body] : {std::pair{"/v1/actions/execute", R"({"connector":"c","action":"a","params":{"p":)" + deep + "}}"},
                                   std::pair{"/v1/actions/status", R"({"connector":"c","action":"a","prior":)" + deep + "}"},
                                   std::pair{"/v1/dlq/replay", R"({"ids":)" + deep + "}"},
                                   std::pair{"/v1/dlq/purge", deep}}) {
    INFO(path);
    const std::string answer = siemhub::testing::raw_exchange(
        f.socket, std::string("POST ") + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer " +
                      kToken + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
    CHECK_THAT(answer, Catch::StartsWith("HTTP/1.1 400"));
    CHECK_THAT(answer, Catch::Contains("nested deeper than 512 levels"));
  }
  CHECK(f.control.call_count() == 0);
  CHECK(f.client().get("/v1/status").status == 200);
}

TEST_CASE("a Transfer-Encoding that does not end in chunked is 400 and its body is never served as a request",
          "[admin][server]") {
  Fixture f;
  const std::string answer = siemhub::testing::raw_exchange(
      f.socket, "POST /v1/dlq/purge HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + kToken +
                    "\r\nTransfer-Encoding: gzip\r\n\r\nGET /v1/status HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                    kToken + "\r\n\r\n");
  CHECK_THAT(answer, Catch::StartsWith("HTTP/1.1 400"));
  CHECK_THAT(answer, Catch::Contains("does not end in chunked"));
  CHECK(answer.find("HTTP/1.1", 1) == std::string::npos);
  CHECK(f.control.call_count() == 0);
}

TEST_CASE("an oversized body gets 413", "[admin][server]") {
  Fixture f;
  // Announced by Content-Length: answered before the body is read.
  const std::string announced = siemhub::testing::raw_exchange(
      f.socket, "POST /v1/dlq/purge HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + kToken +
                    "\r\nContent-Length: 2000000\r\n\r\n{");
  CHECK_THAT(announced, Catch::StartsWith("HTTP/1.1 413"));
  // Sent in full through the client (which reads the answer even if its write is cut short).
  json big = json::object();
  big["ids"] = json::array();
  for (int i = 0; i < 200000; ++i) big["ids"].push_back(1000000 + i);
  const auto res = f.client().post("/v1/dlq/purge", big);
  CHECK(res.status == 413);
  CHECK(res.body["error"] == "too_large");
  // Chunked bodies hit the same limit while they are read.
  std::string chunked = "POST /v1/dlq/purge HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + kToken +
                        "\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string chunk(64 * 1024, ' ');
  for (int i = 0; i < 20; ++i) chunked += "10000\r\n" + chunk + "\r\n";
  CHECK_THAT(siemhub::testing::raw_exchange(f.socket, chunked), Catch::StartsWith("HTTP/1.1 413"));
  CHECK(f.control.call_count() == 0);
}

TEST_CASE("a request that stalls is closed after the read timeout", "[admin][server]") {
  AdminServerOptions options;
  options.read_timeout = std::chrono::milliseconds(200);
  Fixture f(options);
  const auto start = std::chrono::steady_clock::now();
  const std::string res = siemhub::testing::raw_exchange(f.socket, "GET /v1/status HTTP/1.1\r\nHost: x\r\n");
  CHECK(res.empty());
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(4));  // the client's own limit is 5 s
  CHECK(f.control.call_count() == 0);
  CHECK(siemhub::testing::raw_exchange(f.socket, "").empty());  // an idle connection too
}

TEST_CASE("a failing control call is answered 500 with its message", "[admin][server]") {
  Fixture f;
  const auto res = f.client().post("/v1/dlq/replay", json{{"sink", "boom"}, {"all", true}});
  CHECK(res.status == 500);
  CHECK_THAT(res.error_message(), Catch::Contains("the journal is gone"));
  CHECK(f.client().get("/v1/status").status == 200);  // the server goes on
}

TEST_CASE("a control call naming what the hub does not have is answered 404 with its message", "[admin][server]") {
  Fixture f;
  const auto res = f.client().post("/v1/dlq/replay", json{{"sink", "out"}, {"all", true}, {"to_sink", "nowhere"}});
  CHECK(res.status == 404);
  CHECK_THAT(res.error_message(), Catch::Contains("no sink named \"nowhere\""));
}

TEST_CASE("keep-alive connections serve several requests and stop closes them", "[admin][server]") {
  auto f = std::make_unique<Fixture>();
  const std::string req = "GET /v1/status HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + kToken + "\r\n\r\n";
  const int fd = siemhub::testing::connect_unix(f->socket);
  const std::string two = req + req;
  REQUIRE(::send(fd, two.data(), two.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(two.size()));
  std::string got;
  char buf[4096];
  while (got.find("HTTP/1.1 200", got.find("HTTP/1.1 200") + 1) == std::string::npos) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  CHECK(f->control.call_count() == 2);
  f.reset();  // stop() must close the open connection, or the io threads never finish
  CHECK(::recv(fd, buf, sizeof buf, 0) <= 0);
  ::close(fd);
}

TEST_CASE("the client reports a clear error when no hub runs", "[admin][client]") {
  AdminTempDir dir;
  try {
    (void)AdminClient(dir / "admin.sock", kToken).get("/v1/status");
    FAIL("no error");
  } catch (const HubNotRunningError& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains("no hub is running on " + dir.path().string()));
    CHECK_THAT(std::string(e.what()), Catch::Contains("admin.sock absent"));
  }
  siemhub::testing::make_stale_socket(dir / "admin.sock");
  try {
    (void)AdminClient(dir / "admin.sock", kToken).get("/v1/status");
    FAIL("no error");
  } catch (const HubNotRunningError& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains("no hub is running on " + dir.path().string()));
    CHECK_THAT(std::string(e.what()), Catch::Contains("connection refused"));
  }
}
