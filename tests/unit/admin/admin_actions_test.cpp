// The admin API's action routes (GET /v1/actions, POST /v1/actions/execute|status) against a fake
// HubControl: bodies in, refusals in the error shape, outcomes answered when the call completes.
#include <catch2/catch.hpp>

#include <future>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "admin/client.hpp"
#include "admin/server.hpp"
#include "admin_test_util.hpp"
#include "fake_control.hpp"

using namespace siemhub::admin;
using json = nlohmann::json;
using siemhub::testing::AdminTempDir;
using siemhub::testing::FakeControl;
using siemhub::testing::kToken;

namespace {

// A server on a temp-dir socket, its io_context run by one thread: an action reply that waits must
// not hold it.
struct Fixture {
  Fixture() : socket(dir / "admin.sock"), server(io, socket, kToken, control) {
    server.start();
    thread = std::thread([this] { io.run(); });
  }
  ~Fixture() {
    server.stop();
    work.reset();
    thread.join();
  }
  AdminClient client(std::string token = kToken) const {
    return AdminClient(socket, std::move(token), std::chrono::seconds(10));
  }

  AdminTempDir dir;
  std::filesystem::path socket;
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work = boost::asio::make_work_guard(io);
  FakeControl control;
  AdminServer server;
  std::thread thread;
};

}  // namespace

TEST_CASE("GET /v1/actions serves the hub's action manifests", "[admin][server][action]") {
  Fixture f;
  const auto res = f.client().get("/v1/actions");
  REQUIRE(res.status == 200);
  CHECK(res.body["connectors"][0]["connector"] == "fw");
  CHECK(res.body["connectors"][0]["actions"][0]["flags"] == json({"idempotent", "simulate", "destructive"}));
  CHECK(f.client().get("/v1/actions?x=1").status == 400);
}

TEST_CASE("an execute body reaches the hub as an action call and its outcome is the reply", "[admin][server][action]") {
  Fixture f;
  const json body{{"connector", "fw"},       {"action", "block_ip"},  {"params", {{"ip", "10.0.0.1"}}},
                  {"idempotency_key", "k-1"}, {"prior", {{"rule", 7}}}, {"simulate", true},
                  {"confirm", true}};
  const auto res = f.client().post("/v1/actions/execute", body);
  REQUIRE(res.status == 200);
  CHECK(res.body["ok"] == true);
  CHECK(res.body["idempotency_key"] == "k-1");
  CHECK(res.body["result"]["params"] == json{{"ip", "10.0.0.1"}});
  CHECK(res.body["result"]["prior"] == json{{"rule", 7}});
  CHECK(res.body["result"]["simulate"] == true);
  CHECK(res.body["result"]["confirm"] == true);
  CHECK(res.body["result"]["status"] == false);
  std::lock_guard lock(f.control.mu);
  CHECK(f.control.last_action.connector == "fw");
  CHECK(f.control.last_action.action == "block_ip");
  CHECK(f.control.last_action.params_given);
}

TEST_CASE("a status body reaches the hub as a status call with the params marked absent", "[admin][server][action]") {
  Fixture f;
  const auto res = f.client().post("/v1/actions/status", json{{"connector", "fw"}, {"action", "block_ip"},
                                                              {"idempotency_key", "k-1"}});
  REQUIRE(res.status == 200);
  CHECK(res.body["result"]["status"] == true);
  std::lock_guard lock(f.control.mu);
  CHECK(f.control.last_action_status);
  CHECK_FALSE(f.control.last_action.params_given);
  CHECK(f.control.last_action.params == json::object());
}

TEST_CASE("a refused action call is answered 404 or 400 in the error shape with its details", "[admin][server][action]") {
  Fixture f;
  auto res = f.client().post("/v1/actions/execute", json{{"connector", "nope"}, {"action", "x"}});
  CHECK(res.status == 404);
  CHECK(res.body["error"] == "not_found");
  CHECK(res.body["message"] == "no connector named 'nope'");

  res = f.client().post("/v1/actions/execute", json{{"connector", "fw"}, {"action", "bad"}});
  CHECK(res.status == 400);
  CHECK(res.body["error"] == "invalid_params");
  CHECK(res.body["errors"][0]["path"] == "params.ip");
}

TEST_CASE("a malformed action body is refused with 400 before the hub is asked", "[admin][server][action]") {
  Fixture f;
  const std::vector<json> bodies{
      json::array(),
      json{{"action", "block_ip"}},
      json{{"connector", "fw"}},
      json{{"connector", "fw"}, {"action", "block_ip"}, {"params", "ip=1"}},
      json{{"connector", "fw"}, {"action", "block_ip"}, {"simulate", "yes"}},
      json{{"connector", "fw"}, {"action", "block_ip"}, {"idempotency_key", 5}},
      json{{"connector", "fw"}, {"action", "block_ip"}, {"paramz", json::object()}},
  };
  for (const auto& body : bodies) {
    INFO(body.dump());
    const auto res = f.client().post("/v1/actions/execute", body);
    CHECK(res.status == 400);
    CHECK(res.body.contains("message"));
  }
  const std::string bad_json = siemhub::testing::raw_exchange(
      f.socket, "POST /v1/actions/execute HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer " + kToken +
                    "\r\nContent-Length: 3\r\n\r\n{x}");
  CHECK_THAT(bad_json, Catch::StartsWith("HTTP/1.1 400") && Catch::Contains("bad_json"));
  CHECK(f.control.call_count() == 0);
}

TEST_CASE("the action routes need POST and the bearer token", "[admin][server][action]") {
  Fixture f;
  CHECK(f.client().get("/v1/actions/execute").status == 405);
  CHECK(f.client().post("/v1/actions", json::object()).status == 405);
  CHECK(f.client("wrong").post("/v1/actions/execute", json{{"connector", "fw"}, {"action", "x"}}).status == 401);
  CHECK(f.client("wrong").get("/v1/actions").status == 401);
  CHECK(f.control.call_count() == 0);
}

TEST_CASE("an action reply waits for the call to complete while other requests are served", "[admin][server][action]") {
  Fixture f;
  auto pending = std::async(std::launch::async, [&f] {
    return f.client().post("/v1/actions/execute", json{{"connector", "fw"}, {"action", "later"}});
  });
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!f.control.has_pending() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE(f.control.has_pending());
  // The only io thread is free: status is answered while the action is in flight.
  CHECK(f.client().get("/v1/status").status == 200);
  CHECK(pending.wait_for(std::chrono::milliseconds(0)) == std::future_status::timeout);
  f.control.take_pending()(json{{"ok", false}, {"error", {{"category", "timeout"}}}});
  const auto res = pending.get();
  CHECK(res.status == 200);
  CHECK(res.body["ok"] == false);
  CHECK(res.body["error"]["category"] == "timeout");
}

TEST_CASE("an action call the hub drops without answering gets 500", "[admin][server][action]") {
  Fixture f;
  const auto res = f.client().post("/v1/actions/execute", json{{"connector", "fw"}, {"action", "drop"}});
  CHECK(res.status == 500);
  CHECK(res.body["error"] == "internal");
}

TEST_CASE("an action call that throws in the hub gets 500 with its message", "[admin][server][action]") {
  Fixture f;
  const auto res = f.client().post("/v1/actions/execute", json{{"connector", "fw"}, {"action", "boom"}});
  CHECK(res.status == 500);
  CHECK(res.body["message"] == "the manifest is gone");
}
