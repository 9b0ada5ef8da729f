// The search source and the result mapping on the SDK's FakeHost; findings are checked with the
// hub's own OCSF validator.
#include <map>

#include "ocsf/event.hpp"
#include "ocsf/validate.hpp"
#include "splunk_test_util.hpp"

using namespace splunk_test;

namespace {

std::map<std::string, std::string> form_of(const std::string& body) {
  auto decode = [](std::string s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '+') out += ' ';
      else if (s[i] == '%' && i + 2 < s.size()) {
        out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else out += s[i];
    }
    return out;
  };
  std::map<std::string, std::string> f;
  size_t from = 0;
  while (from <= body.size()) {
    size_t amp = body.find('&', from);
    if (amp == std::string::npos) amp = body.size();
    const std::string kv = body.substr(from, amp - from);
    const size_t eq = kv.find('=');
    if (eq != std::string::npos) f[decode(kv.substr(0, eq))] = decode(kv.substr(eq + 1));
    from = amp + 1;
  }
  return f;
}

json notable(const std::string& id, int64_t indextime, const std::string& status = "1") {
  return {{"event_id", id},        {"_indextime", std::to_string(indextime)},
          {"_time", std::to_string(indextime) + ".000"},
          {"index", "notable"},    {"rule_name", "Brute force"},
          {"urgency", "high"},     {"status", status},
          {"src", "10.1.2.3"},     {"user", "alice"}};
}

// The results of `pool` whose _indextime is in [index_earliest, index_latest), as the fake does.
HttpReply answer(const std::vector<json>& pool, const HttpRecord& r) {
  const auto f = form_of(r.body);
  const int64_t from = std::stoll(f.at("index_earliest")), to = std::stoll(f.at("index_latest"));
  std::vector<json> hits;
  for (const auto& n : pool) {
    const int64_t t = std::stoll(n["_indextime"].get<std::string>());
    if (t >= from && t < to) hits.push_back(n);
  }
  return HttpReply::ok(export_body(hits));
}

std::vector<std::string> uids(const FakeOp& op) {
  std::vector<std::string> out;
  for (const auto& e : op.events) out.push_back(json::parse(e)["metadata"]["uid"].get<std::string>());
  return out;
}

json search_cfg() {
  return rest_config({{"query", "search index=notable"}, {"start_s", 600}, {"overlap_s", 300}, {"window_s", 3600}});
}

}  // namespace

TEST_CASE("a first search reads start_s back, posts the export with output_mode json and moves the cursor", "[splunk][search]") {
  Rig rig;
  const int64_t now = rig.host.now_ms() / 1000;
  std::vector<json> pool{notable("a", now - 100), notable("b", now - 50)};
  rig.host.on_http([&](const HttpRecord& r) { return answer(pool, r); });
  auto inst = rig.instance(rest_config({{"start_s", 600}}));
  auto& op = inst->poll();
  REQUIRE(inst->wait(op));
  REQUIRE(op.succeeded());
  const HttpRecord& req = rig.host.http_requests().at(0);
  CHECK(req.url == "https://splunk.example:8089/services/search/jobs/export");
  CHECK(req.header("Authorization") == "Bearer rest-secret");
  CHECK(req.streamed);
  const auto f = form_of(req.body);
  CHECK(f.at("output_mode") == "json");
  CHECK(f.at("search") == "search index=notable");
  CHECK(f.at("index_earliest") == std::to_string(now - 600 - 300));
  CHECK(f.at("index_latest") == std::to_string(now));
  CHECK(uids(op) == std::vector<std::string>{"a", "b"});
  REQUIRE(op.cursor);
  const json c = json::parse(*op.cursor);
  CHECK(c["t"] == now);
  CHECK(c["seen"].size() == 2);  // both are inside the next search's overlap
}

TEST_CASE("an overlapping search skips what was taken and picks up a late-indexed result", "[splunk][search]") {
  Rig rig;
  const int64_t now = rig.host.now_ms() / 1000;
  std::vector<json> pool{notable("a", now - 100), notable("b", now - 50)};
  rig.host.on_http([&](const HttpRecord& r) { return answer(pool, r); });
  auto inst = rig.instance(search_cfg());
  auto& first = inst->poll();
  REQUIRE(inst->wait(first));
  REQUIRE(first.events.size() == 2);
  // "c" was indexed before the cursor but only became searchable now (indexing lag).
  pool.push_back(notable("c", now - 10));
  rig.host.advance(60'000);
  auto& second = inst->poll(first.cursor);
  REQUIRE(inst->wait(second));
  CHECK(uids(second) == std::vector<std::string>{"c"});
  // The same cursor again after a restart (the second poll was never checkpointed): the same
  // answer, nothing else.
  auto restarted = rig.instance(search_cfg(), "restarted");
  auto& replay = restarted->poll(first.cursor);
  REQUIRE(restarted->wait(replay));
  CHECK(uids(replay) == std::vector<std::string>{"c"});
  auto& third = inst->poll(second.cursor);
  REQUIRE(inst->wait(third));
  CHECK(third.events.empty());
}

TEST_CASE("a search catching up covers one window at a time and idles once caught up", "[splunk][search]") {
  Rig rig;
  const int64_t now = rig.host.now_ms() / 1000;
  std::vector<json> pool{notable("old", now - 7000), notable("new", now - 5)};
  rig.host.on_http([&](const HttpRecord& r) { return answer(pool, r); });
  auto inst = rig.instance(rest_config({{"start_s", 7200}, {"window_s", 3600}, {"overlap_s", 0}, {"interval_s", 30}}));
  auto& w1 = inst->poll();
  REQUIRE(inst->wait(w1));
  CHECK(uids(w1) == std::vector<std::string>{"old"});
  auto& w2 = inst->poll(w1.cursor);
  REQUIRE(inst->wait(w2));
  CHECK(uids(w2) == std::vector<std::string>{"new"});
  const size_t requests = rig.host.http_requests().size();
  auto& idle = inst->poll(w2.cursor);  // caught up: no search before interval_s
  REQUIRE(inst->wait(idle));
  CHECK(idle.events.empty());
  CHECK(rig.host.http_requests().size() == requests);
}

TEST_CASE("preview rows, messages and a UTF-8 BOM in the export stream are not taken as results", "[splunk][search]") {
  Rig rig;
  rig.host.stream_chunk_size = 7;  // rows arrive cut at arbitrary places
  const int64_t now = rig.host.now_ms() / 1000;
  const std::string body = "\xEF\xBB\xBF" + json{{"preview", true}, {"offset", 0}, {"result", notable("p", now - 5)}}.dump() +
                           "\n" + json{{"messages", {{{"type", "INFO"}, {"text", "some info"}}}}}.dump() + "\n" +
                           export_body({notable("x", now - 5)});
  rig.host.script(HttpReply::ok(body));
  auto inst = rig.instance(search_cfg());
  auto& op = inst->poll();
  REQUIRE(inst->wait(op));
  REQUIRE(op.succeeded());
  CHECK(uids(op) == std::vector<std::string>{"x"});
}

TEST_CASE("the published export sample yields only its final rows, not the preview rows", "[splunk][search]") {
  Rig rig;
  rig.host.script(HttpReply::ok(read_data("search_export_stream_output_mode_json.ndjson")));
  auto inst = rig.instance(rest_config({{"mapping", "event"}}));
  auto& op = inst->poll();
  REQUIRE(inst->wait(op));
  REQUIRE(op.succeeded());
  // The capture holds 64 preview rows of a transforming search, then its 5 final rows.
  REQUIRE(op.events.size() == 5);
  CHECK(json::parse(op.events[4])["unmapped"]["count"] == "35994");
}

TEST_CASE("a failed, unauthorised or FATAL export fails the poll and sets no cursor", "[splunk][search]") {
  Rig rig;
  rig.host.script(HttpReply::ok(R"({"messages":[{"type":"WARN","text":"call not properly authenticated"}]})", 401));
  rig.host.script(HttpReply::ok(R"({"messages":[{"type":"FATAL","text":"Unknown search command 'foo'."}]})" "\n"));
  rig.host.script(HttpReply::failure(SIEMHUB_CAT_TRANSIENT, "connection reset mid-stream"));
  auto inst = rig.instance(search_cfg());
  auto& unauth = inst->poll();
  REQUIRE(inst->wait(unauth));
  CHECK(unauth.category() == SIEMHUB_CAT_AUTH);
  CHECK_THAT(unauth.message(), Catch::Contains("not properly authenticated"));
  CHECK_FALSE(unauth.cursor);
  auto& fatal = inst->poll();
  REQUIRE(inst->wait(fatal));
  CHECK(fatal.category() == SIEMHUB_CAT_PERMANENT);
  CHECK_THAT(fatal.message(), Catch::Contains("Unknown search command"));
  auto& reset = inst->poll();
  REQUIRE(inst->wait(reset));
  CHECK(reset.category() == SIEMHUB_CAT_TRANSIENT);
  CHECK_FALSE(reset.cursor);
}

TEST_CASE("an ES notable maps to a valid OCSF Detection Finding", "[splunk][mapping]") {
  Rig rig;
  json sample = json::parse(read_data("es_notable_event_full_fields_xsoar.json"));
  rig.host.script(HttpReply::ok(export_body({sample})));
  auto inst = rig.instance(rest_config({{"keep_raw", true}}));
  auto& op = inst->poll();
  REQUIRE(inst->wait(op));
  REQUIRE(op.events.size() == 1);
  const json f = json::parse(op.events[0]);
  CHECK(f["class_uid"] == 2004);
  CHECK(f["type_uid"] == 200401);
  CHECK(f["finding_info"]["uid"] == sample["event_id"]);
  CHECK(f["finding_info"]["title"] == "Root user use");
  CHECK(f["finding_info"]["analytic"]["name"] == "Root sucess");
  CHECK(f["finding_info"]["types"] == json::array({"identity"}));
  CHECK(f["severity_id"] == 1);  // urgency informational
  CHECK(f["status_id"] == 1);
  CHECK(f["time"] == 1717578924000);
  CHECK(f["metadata"]["logged_time"] == 1717578924000);
  CHECK(f["evidences"][0]["actor"]["user"]["name"] == "root");
  CHECK(f["raw_data"] == sample["_raw"]);
  CHECK(f["unmapped"].contains("orig_sid"));
  const auto parsed = siemhub::ocsf::Event::parse(op.events[0]);
  REQUIRE(parsed.ok());
  const auto problems = siemhub::ocsf::validate(parsed);
  for (const auto& p : problems) UNSCOPED_INFO(p.to_string());
  CHECK(problems.empty());
}

TEST_CASE("an ordinary search result maps to a valid OCSF Base Event with its fields unmapped", "[splunk][mapping]") {
  Rig rig;
  const json result{{"_time", "2024-06-05T11:15:24.250+02:00"}, {"_indextime", "1717578930"}, {"_bkt", "main~1~X"},
                    {"_cd", "1:2"}, {"index", "main"}, {"host", "web01"}, {"_raw", "GET / 200"}};
  rig.host.script(HttpReply::ok(export_body({result})));
  auto inst = rig.instance(rest_config({{"query", "search index=main"}}));
  auto& op = inst->poll();
  REQUIRE(inst->wait(op));
  REQUIRE(op.events.size() == 1);
  const json e = json::parse(op.events[0]);
  CHECK(e["class_uid"] == 0);
  CHECK(e["time"] == 1717578924250);
  CHECK(e["metadata"]["uid"] == "main:main~1~X:1:2");
  CHECK(e["unmapped"]["host"] == "web01");
  const auto parsed = siemhub::ocsf::Event::parse(op.events[0]);
  REQUIRE(parsed.ok());
  CHECK(siemhub::ocsf::validate(parsed).empty());
}

TEST_CASE("REST calls authenticate with Basic, a session key or a bearer token as configured", "[splunk][search]") {
  for (const auto& [auth, header] :
       {std::pair{json{{"type", "basic"}, {"username", "user"}, {"password", "pass"}}, std::string("Basic dXNlcjpwYXNz")},
        std::pair{json{{"type", "session"}, {"token", "abc123"}}, std::string("Splunk abc123")},
        std::pair{json{{"type", "bearer"}, {"token", "jwt.token"}}, std::string("Bearer jwt.token")}}) {
    Rig rig;
    rig.host.script(HttpReply::ok(""));
    json cfg = rest_config({{"start_s", 60}});
    cfg["rest"]["auth"] = auth;
    cfg["rest"]["app"] = "SplunkEnterpriseSecuritySuite";
    cfg["rest"]["user"] = "nobody";
    auto inst = rig.instance(cfg);
    auto& op = inst->poll();
    REQUIRE(inst->wait(op));
    REQUIRE(op.succeeded());
    const HttpRecord& req = rig.host.http_requests().at(0);
    CHECK(req.header("Authorization") == header);
    CHECK(req.url == "https://splunk.example:8089/servicesNS/nobody/SplunkEnterpriseSecuritySuite/search/jobs/export");
  }
}

TEST_CASE("an export that times out is retried over half the window and the window widens again after", "[splunk][search]") {
  Rig rig;
  rig.host.script(HttpReply::failure(SIEMHUB_CAT_TIMEOUT, "operation timed out"));
  rig.host.on_http([](const HttpRecord&) { return HttpReply::ok(""); });
  auto inst = rig.instance(rest_config({{"start_s", 86400}, {"window_s", 3600}, {"overlap_s", 0}}));
  const auto span = [&](size_t i) {
    const auto f = form_of(rig.host.http_requests().at(i).body);
    return std::stoll(f.at("index_latest")) - std::stoll(f.at("index_earliest"));
  };
  auto& timed_out = inst->poll(std::nullopt, 1000, rig.host.now_ms() + 30000);
  REQUIRE(inst->wait(timed_out));
  CHECK(timed_out.category() == SIEMHUB_CAT_TIMEOUT);
  CHECK(span(0) == 3600);
  CHECK(rig.host.http_requests().at(0).timeout_ms <= 29000);  // ends before the host's deadline
  auto& half = inst->poll();
  REQUIRE(inst->wait(half));
  REQUIRE(half.succeeded());
  CHECK(span(1) == 1800);
  auto& again = inst->poll(half.cursor);
  REQUIRE(inst->wait(again));
  CHECK(span(2) == 3600);
}
