// Tests of FakeHost: the fake clock, recorded HTTP, emit backpressure and captured services.
#include <catch2/catch.hpp>

#include <siemhub/plugin.hpp>
#include <siemhub/testing/fake_host.hpp>

#include <string>
#include <vector>

using siemhub::testing::FakeHost;
using siemhub::testing::HttpReply;

namespace {

struct Fired {
  std::vector<std::string>* log;
  std::string name;
  FakeHost* host;
  static void fire(void* user) {
    auto* f = static_cast<Fired*>(user);
    f->log->push_back(f->name + "@" + std::to_string(f->host->now_ms() - FakeHost::kDefaultStartMs));
  }
};

struct HttpResult {
  int calls = 0;
  int status = -1;
  std::string body;
  siemhub_category category = SIEMHUB_CAT_NONE;
  std::string chunks;
  int chunk_calls = 0;
  static void done(void* user, const siemhub_http_response* resp, const siemhub_status* st) {
    auto* r = static_cast<HttpResult*>(user);
    ++r->calls;
    r->status = resp ? resp->status : 0;
    r->body = resp ? std::string(resp->body, resp->body_size) : std::string();
    r->category = st ? st->category : SIEMHUB_CAT_NONE;
  }
  static int chunk(void* user, const char* data, size_t size) {
    auto* r = static_cast<HttpResult*>(user);
    r->chunks.append(data, size);
    ++r->chunk_calls;
    return 0;
  }
};

siemhub_rc get(FakeHost& host, const char* url, HttpResult& out, uint64_t* id = nullptr, siemhub_status* st = nullptr,
               bool stream = false) {
  siemhub_http_request req{};
  req.struct_size = sizeof req;
  req.method = "GET";
  req.url = url;
  if (stream) {
    req.on_chunk = &HttpResult::chunk;
    req.chunk_user = &out;
  }
  siemhub_status local{};
  return host.api()->http_request(host.ctx(), &req, &HttpResult::done, &out, id, st ? st : &local);
}

}  // namespace

TEST_CASE("The fake clock fires due timers in time order and repeating timers once per period") {
  FakeHost host;
  std::vector<std::string> log;
  Fired a{&log, "a", &host}, b{&log, "b", &host}, c{&log, "c", &host}, r{&log, "r", &host};
  const auto* api = host.api();
  api->timer_start(host.ctx(), 30, 0, &Fired::fire, &c);
  api->timer_start(host.ctx(), 10, 0, &Fired::fire, &a);
  const uint64_t rep = api->timer_start(host.ctx(), 15, SIEMHUB_TIMER_REPEAT, &Fired::fire, &r);
  api->timer_start(host.ctx(), 20, 0, &Fired::fire, &b);

  host.advance(9);
  CHECK(log.empty());
  host.advance(41);  // now at 50
  CHECK(log == std::vector<std::string>{"a@10", "r@15", "b@20", "c@30", "r@30", "r@45"});
  CHECK(host.now_ms() == FakeHost::kDefaultStartMs + 50);

  api->timer_cancel(host.ctx(), rep);
  host.advance(100);
  CHECK(log.size() == 6);
  CHECK(host.active_timers() == 0);
}

TEST_CASE("A cancelled timer never fires and timers stop with their instance") {
  FakeHost host;
  std::vector<std::string> log;
  Fired a{&log, "a", &host}, b{&log, "b", &host};
  const uint64_t id = host.api()->timer_start(host.ctx("one"), 10, 0, &Fired::fire, &a);
  host.api()->timer_start(host.ctx("two"), 10, SIEMHUB_TIMER_REPEAT, &Fired::fire, &b);
  CHECK(id != 0);
  host.api()->timer_cancel(host.ctx("one"), id);
  host.cancel_timers(host.ctx("two"));
  host.advance(1000);
  CHECK(log.empty());
}

TEST_CASE("Recorded HTTP requests are answered from the script only when the test runs pending work") {
  FakeHost host;
  host.script(HttpReply::ok(R"({"items":[1,2]})", 200, {{"X-Next", "abc"}}));
  HttpReply slow = HttpReply::ok("later", 202);
  slow.latency_ms = 100;
  host.script(slow);

  siemhub_http_header hs[] = {{"Authorization", "Bearer t"}, {"Content-Type", "application/json"}};
  siemhub_http_request req{};
  req.struct_size = sizeof req;
  req.method = "POST";
  req.url = "https://api.example.com/v1/items?page=1";
  req.headers = hs;
  req.header_count = 2;
  req.body = R"({"q":1})";
  req.body_size = 7;
  req.flags = SIEMHUB_HTTP_GZIP_BODY;
  HttpResult first, second;
  siemhub_status st{};
  REQUIRE(host.api()->http_request(host.ctx(), &req, &HttpResult::done, &first, nullptr, &st) == SIEMHUB_RC_OK);
  CHECK(first.calls == 0);  // never re-entrant
  REQUIRE(get(host, "https://api.example.com/v1/slow", second) == SIEMHUB_RC_OK);

  REQUIRE(host.http_requests().size() == 2);
  const auto& rec = host.http_requests()[0];
  CHECK(rec.method == "POST");
  CHECK(rec.url == "https://api.example.com/v1/items?page=1");
  CHECK(rec.header("authorization") == "Bearer t");
  CHECK(rec.header("Content-Encoding") == "gzip");
  CHECK(rec.gzip);
  CHECK(rec.body == R"({"q":1})");

  CHECK(host.run_pending() == 1);
  CHECK(first.calls == 1);
  CHECK(first.status == 200);
  CHECK(first.body == R"({"items":[1,2]})");
  CHECK(second.calls == 0);  // due after 100 fake ms
  host.advance(99);
  CHECK(second.calls == 0);
  host.advance(1);
  CHECK(second.calls == 1);
  CHECK(second.status == 202);
  CHECK(host.http_in_flight() == 0);
}

TEST_CASE("A handler answers once the script is empty and an unscripted request fails as TRANSIENT") {
  FakeHost host;
  HttpResult a, b;
  REQUIRE(get(host, "https://x.example.com/none", a) == SIEMHUB_RC_OK);
  host.run_pending();
  CHECK(a.calls == 1);
  CHECK(a.status == 0);
  CHECK(a.category == SIEMHUB_CAT_TRANSIENT);

  host.on_http([](const siemhub::testing::HttpRecord& r) { return HttpReply::ok("echo " + r.url, 200); });
  REQUIRE(get(host, "https://x.example.com/echo", b) == SIEMHUB_RC_OK);
  host.run_pending();
  CHECK(b.body == "echo https://x.example.com/echo");
}

TEST_CASE("A streamed response is split into chunks and its completion has an empty body") {
  FakeHost host;
  HttpReply r = HttpReply::ok("0123456789abcdefghij");
  r.chunk_size = 8;
  host.script(r);
  HttpResult out;
  REQUIRE(get(host, "https://stream.example.com/", out, nullptr, nullptr, true) == SIEMHUB_RC_OK);
  host.run_pending();
  CHECK(out.chunk_calls == 3);
  CHECK(out.chunks == "0123456789abcdefghij");
  CHECK(out.calls == 1);
  CHECK(out.status == 200);
  CHECK(out.body.empty());
}

TEST_CASE("A URL outside the egress allow-list is refused with CONFIG") {
  FakeHost host;
  host.allow_egress({"*.example.com", "localhost:8088"});
  HttpResult ok, refused, wrong_port;
  siemhub_status st{};
  host.script(HttpReply::ok("fine"));
  CHECK(get(host, "https://api.example.com/x", ok) == SIEMHUB_RC_OK);
  CHECK(get(host, "https://evil.test/x", refused, nullptr, &st) == SIEMHUB_RC_ERROR);
  CHECK(st.category == SIEMHUB_CAT_CONFIG);
  siemhub_status st2{};
  CHECK(get(host, "http://localhost:9200/", wrong_port, nullptr, &st2) == SIEMHUB_RC_ERROR);
  CHECK(st2.category == SIEMHUB_CAT_CONFIG);

  host.refuse_via_completion = true;
  HttpResult later;
  CHECK(get(host, "https://evil.test/y", later) == SIEMHUB_RC_OK);
  host.run_pending();
  CHECK(later.calls == 1);
  CHECK(later.category == SIEMHUB_CAT_CONFIG);
}

TEST_CASE("Cancelling a request delivers CANCELLED exactly once") {
  FakeHost host;
  HttpReply slow = HttpReply::ok("late");
  slow.latency_ms = 500;
  host.script(slow);
  HttpResult out;
  uint64_t id = 0;
  REQUIRE(get(host, "https://api.example.com/slow", out, &id) == SIEMHUB_RC_OK);
  host.api()->http_cancel(host.ctx(), id);
  CHECK(out.calls == 0);
  host.run_pending();
  CHECK(out.calls == 1);
  CHECK(out.category == SIEMHUB_CAT_CANCELLED);
  host.advance(1000);
  CHECK(out.calls == 1);
  CHECK(host.http_requests()[0].cancelled);
}

TEST_CASE("Emit returns BUSY at capacity and durable callbacks wait for complete_emits") {
  FakeHost host;
  host.api();
  std::string one = R"({"a":1})";
  siemhub_event ev{one.data(), one.size(), "id-1", 4};
  siemhub_batch batch{sizeof(siemhub_batch), 1, &ev};
  struct Done {
    int calls = 0;
    siemhub_rc rc = -1;
    static void fn(void* u, siemhub_rc rc, const siemhub_status*) {
      ++static_cast<Done*>(u)->calls;
      static_cast<Done*>(u)->rc = rc;
    }
  } done;
  siemhub_status st{};
  host.set_emit_busy(true, 250);
  CHECK(host.api()->emit(host.ctx(), &batch, &Done::fn, &done, &st) == SIEMHUB_RC_BUSY);
  CHECK(st.retry_after_ms == 250);
  CHECK(host.busy_refusals() == 1);
  CHECK(host.emitted_events().empty());

  host.set_emit_busy(false);
  host.set_manual_durability(true);
  CHECK(host.api()->emit(host.ctx(), &batch, &Done::fn, &done, &st) == SIEMHUB_RC_OK);
  host.run_pending();
  CHECK(done.calls == 0);
  CHECK(host.complete_emits() == 1);
  CHECK(done.calls == 1);
  CHECK(done.rc == SIEMHUB_RC_OK);
  REQUIRE(host.emits().size() == 1);
  CHECK(host.emits()[0].ids == std::vector<std::string>{"id-1"});
  CHECK(host.emitted_events() == std::vector<std::string>{one});
}

TEST_CASE("Metrics kv secrets logs and health reports are captured") {
  FakeHost host;
  const auto* api = host.api();
  siemhub_host_ctx* ctx = host.ctx("inst");
  siemhub_metric* m = api->metric_define(ctx, "events_total", "help", SIEMHUB_METRIC_COUNTER);
  REQUIRE(m != nullptr);
  api->metric_record(m, 2);
  api->metric_record(m, 3);
  CHECK(host.metric_value("events_total") == 5);
  CHECK(api->metric_define(ctx, "Bad-Name", "", SIEMHUB_METRIC_GAUGE) == nullptr);
  CHECK_FALSE(host.violations().empty());

  siemhub_status st{};
  CHECK(api->kv_put(ctx, "cursor", "42", 2, &st) == SIEMHUB_RC_OK);
  CHECK(host.kv(ctx).at("cursor") == "42");
  std::string got;
  auto append = [](void* u, const char* d, size_t n) { static_cast<std::string*>(u)->append(d, n); };
  CHECK(api->kv_get(ctx, "cursor", append, &got, &st) == SIEMHUB_RC_OK);
  CHECK(got == "42");
  CHECK(api->kv_get(ctx, "missing", append, &got, &st) == SIEMHUB_RC_NOT_FOUND);

  host.set_secret("${env:TOKEN}", "s3cret");
  std::string secret;
  CHECK(api->secret_resolve(ctx, "${env:TOKEN}", append, &secret, &st) == SIEMHUB_RC_OK);
  CHECK(secret == "s3cret");
  CHECK(api->secret_resolve(ctx, "${env:NOPE}", append, &secret, &st) == SIEMHUB_RC_NOT_FOUND);

  api->log(ctx, SIEMHUB_LOG_WARN, "slow peer");
  api->log(nullptr, SIEMHUB_LOG_INFO, "plugin-wide");
  CHECK(host.logged("slow peer", SIEMHUB_LOG_WARN));
  CHECK_FALSE(host.logged("plugin-wide", SIEMHUB_LOG_WARN));
  CHECK(host.logs().at(1).instance.empty());

  api->report_health(ctx, SIEMHUB_HEALTH_DOWN, "auth refused");
  REQUIRE(host.health_reports().size() == 1);
  CHECK(host.health_reports()[0].reason == "auth refused");

  CHECK(api->is_cancelled(ctx) == 0);
  host.set_stopping(ctx, true);
  CHECK(api->is_cancelled(ctx) == 1);
}

TEST_CASE("The C++ Host helpers of plugin.hpp work against the fake host") {
  FakeHost host;
  siemhub::sdk::Host h(host.api(), host.ctx());
  host.script(HttpReply::ok("pong"));
  std::string body;
  h.http({"GET", "https://api.example.com/ping", {}, {}, 0, 0, {}},
         [&](const siemhub::sdk::HttpResponse* r, const siemhub::sdk::Error*) { body = std::string(r->body); });
  host.run_pending();
  CHECK(body == "pong");
  int ticks = 0;
  const uint64_t id = h.timer(100, true, [&] { ++ticks; });
  host.advance(350);
  CHECK(ticks == 3);
  // plugin.hpp 1.0: a TimerFn holds a shared_ptr to the map that owns it, so a timer that is
  // neither fired (one-shot) nor cancelled through Host::timer_cancel leaks. Cancel explicitly.
  h.timer_cancel(id);
  h.kv_put("k", "v");
  CHECK(h.kv_get("k") == "v");
}
