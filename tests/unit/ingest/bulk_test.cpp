#include "ingest/bulk.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <set>

using namespace siemhub::ingest::bulk;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

std::string sample(const std::string& name) {
  const auto path = std::filesystem::path(SIEMHUB_ELASTIC_SAMPLES_DIR) / name;
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::string text(std::filesystem::file_size(path), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  return text;
}

std::set<std::string> keys(const json& object) {
  std::set<std::string> out;
  for (const auto& [k, v] : object.items()) out.insert(k);
  return out;
}

// The single key of a response item ("index", "create", ...).
std::string action_key(const json& item) {
  REQUIRE(item.size() == 1);
  return item.begin().key();
}

const json& body_of(const json& item) { return item.begin().value(); }

constexpr std::int64_t kNow = 1'700'000'000'000;

}  // namespace

TEST_CASE("the sample multi-operation request answers index and create as created and delete and update as item errors") {
  const ParseResult r = parse(sample("DERIVED_bulk_request_example1.ndjson"));
  REQUIRE(r.ok());
  REQUIRE(r.items.size() == 4);
  CHECK(r.accepted() == 2);
  CHECK(r.items[0].action == Action::index);
  CHECK(r.items[0].index == "test");
  CHECK(r.items[0].id == "1");
  CHECK(r.items[0].document == R"({ "field1" : "value1" })");
  CHECK(r.items[0].ok());
  CHECK(r.items[1].action == Action::delete_);
  REQUIRE(r.items[1].error);
  CHECK(r.items[1].error->status == 400);
  CHECK(r.items[1].error->type == "illegal_argument_exception");
  CHECK_THAT(r.items[1].error->reason, Catch::Contains("[delete]"));
  CHECK(r.items[2].action == Action::create);
  CHECK(r.items[2].id == "3");
  CHECK(r.items[2].ok());
  CHECK(r.items[3].action == Action::update);
  REQUIRE(r.items[3].error);
  CHECK_THAT(r.items[3].error->reason, Catch::Contains("[update]"));
  CHECK(r.items[3].line == 6);

  const json ours = json::parse(respond(r.items, 30ms));
  const json theirs = json::parse(sample("DERIVED_bulk_response_example1_success.json"));
  CHECK(keys(ours) == keys(theirs));
  CHECK(ours["took"] == 30);
  CHECK(ours["errors"] == true);
  REQUIRE(ours["items"].size() == theirs["items"].size());
  for (std::size_t i = 0; i < ours["items"].size(); ++i) {
    INFO("item " << i);
    const json& o = ours["items"][i];
    const json& t = theirs["items"][i];
    CHECK(action_key(o) == action_key(t));
    CHECK(body_of(o)["_index"] == body_of(t)["_index"]);
    CHECK(body_of(o)["_id"] == body_of(t)["_id"]);
  }
  // Accepted items have exactly the published success shape.
  for (const std::size_t i : {0u, 2u}) {
    const json& o = body_of(ours["items"][i]);
    CHECK(keys(o) == keys(body_of(theirs["items"][i])));
    CHECK(o["status"] == 201);
    CHECK(o["result"] == "created");
    CHECK(o["_version"] == 1);
    CHECK(o["_shards"] == json{{"total", 1}, {"successful", 1}, {"failed", 0}});
  }
  CHECK(body_of(ours["items"][0])["_seq_no"] == 0);
  CHECK(body_of(ours["items"][2])["_seq_no"] == 1);
  CHECK(body_of(ours["items"][1])["status"] == 400);
  CHECK(body_of(ours["items"][3])["error"]["type"] == "illegal_argument_exception");
}

TEST_CASE("the sample request with failing updates answers like the published item-errors response") {
  const ParseResult r = parse(sample("DERIVED_bulk_request_example3.ndjson"));
  REQUIRE(r.ok());
  REQUIRE(r.items.size() == 3);
  const json ours = json::parse(respond(r.items, 486ms));
  const json theirs = json::parse(sample("DERIVED_bulk_response_example2_item_errors.json"));
  CHECK(ours["errors"] == theirs["errors"]);
  REQUIRE(ours["items"].size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    INFO("item " << i);
    const json& o = body_of(ours["items"][i]);
    const json& t = body_of(theirs["items"][i]);
    CHECK(action_key(ours["items"][i]) == action_key(theirs["items"][i]));
    CHECK(keys(o) == keys(t));
    CHECK(o["_index"] == t["_index"]);
    CHECK(o["_id"] == t["_id"]);
    if (t.contains("error")) {
      // Same error object shape as ES (type, reason, index_uuid, index), our status and type.
      std::set<std::string> expected = keys(t["error"]);
      expected.erase("shard");
      CHECK(keys(o["error"]) == expected);
      CHECK(o["status"] == 400);
    } else {
      CHECK(o["status"] == t["status"]);
      CHECK(o["result"] == t["result"]);
    }
  }
}

TEST_CASE("item errors have the shape the go client fixtures show for failed items") {
  const ParseResult r = parse("{\"create\":{\"_index\":\"test\",\"_id\":\"2\"}}\n{\"broken\n");
  REQUIRE(r.ok());
  const json ours = json::parse(respond(r.items, 1ms));
  const json theirs = json::parse(sample("bulk_response_version_conflict_409_goclient.json"));
  const json& o = body_of(ours["items"][0]);
  const json& t = body_of(theirs["items"][1]);
  CHECK(keys(o) == keys(t));
  CHECK(o["error"].contains("type"));
  CHECK(o["error"].contains("reason"));
  CHECK(ours["errors"] == true);
}

TEST_CASE("a malformed source fails only its item and the others proceed") {
  const std::string body =
      "{\"index\":{\"_index\":\"logs\"}}\n{\"a\":1}\n"
      "{\"index\":{\"_index\":\"logs\"}}\n{\"a\":\n"
      "{\"create\":{\"_index\":\"logs\"}}\n[1,2]\n"
      "{\"create\":{\"_index\":\"logs\"}}\n\n"
      "{\"create\":{\"_index\":\"logs\",\"_id\":\"x\"}}\n{\"b\":2}\n";
  const ParseResult r = parse(body);
  REQUIRE(r.ok());
  REQUIRE(r.items.size() == 5);
  CHECK(r.items[0].ok());
  REQUIRE(r.items[1].error);
  CHECK(r.items[1].error->type == "document_parsing_exception");
  CHECK(r.items[1].error->status == 400);
  REQUIRE(r.items[2].error);
  CHECK_THAT(r.items[2].error->reason, Catch::Contains("START_ARRAY"));
  REQUIRE(r.items[3].error);
  CHECK(r.items[3].error->type == "document_parsing_exception");
  CHECK(r.items[4].ok());
  CHECK(r.accepted() == 2);
  const json resp = json::parse(respond(r.items, 5ms));
  CHECK(resp["errors"] == true);
  CHECK(body_of(resp["items"][0])["status"] == 201);
  CHECK(body_of(resp["items"][1])["status"] == 400);
  CHECK(body_of(resp["items"][4])["_id"] == "x");
}

TEST_CASE("a document nested deeper than 512 levels fails only its item with the limit and the others proceed") {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const std::string body = "{\"index\":{\"_index\":\"logs\"}}\n{\"a\":1}\n{\"index\":{\"_index\":\"logs\"}}\n" + deep + "\n";
  const ParseResult r = parse(body);
  REQUIRE(r.ok());
  REQUIRE(r.items.size() == 2);
  CHECK(r.items[0].ok());
  REQUIRE(r.items[1].error);
  CHECK(*r.items[1].error == Error{400, "document_parsing_exception", "[1:1] failed to parse: nested deeper than 512 levels"});
  // to_event wraps a document it cannot read instead of recursing into it.
  Item item = r.items[1];
  item.error.reset();
  const json wrapped = json::parse(to_event(item, "t", 5));
  CHECK(wrapped["class_uid"] == 0);
  CHECK(wrapped["raw_data"] == deep);
  const ParseResult action = parse(deep + "\n{}\n");
  REQUIRE_FALSE(action.ok());
  CHECK(action.error->type == "x_content_parse_exception");
  CHECK_THAT(action.error->reason, Catch::Contains("nested deeper than 512 levels"));
}

TEST_CASE("an all-accepted request answers errors false") {
  const ParseResult r = parse("{\"index\":{}}\n{\"a\":1}\n", "logs");
  REQUIRE(r.ok());
  const json resp = json::parse(respond(r.items, 2ms));
  CHECK(resp["errors"] == false);
  CHECK(body_of(resp["items"][0])["_index"] == "logs");
}

TEST_CASE("the path index is used when the action has no _index and an action _index wins") {
  const ParseResult r = parse("{\"create\":{}}\n{\"a\":1}\n{\"create\":{\"_index\":\"other\"}}\n{\"a\":2}\n", "from-path");
  REQUIRE(r.ok());
  REQUIRE(r.items.size() == 2);
  CHECK(r.items[0].index == "from-path");
  CHECK(r.items[1].index == "other");
}

TEST_CASE("a missing index with no path index fails the request validation like ES") {
  const ParseResult r = parse("{\"index\":{}}\n{\"a\":1}\n{\"index\":{\"_index\":\"ok\"}}\n{\"a\":2}\n{\"create\":{}}\n{\"a\":3}\n");
  REQUIRE(r.error);
  CHECK(r.error->status == 400);
  CHECK(r.error->type == "action_request_validation_exception");
  CHECK(r.error->reason == "Validation Failed: 1: index is missing;2: index is missing;");
  CHECK(r.items.empty());
}

TEST_CASE("an empty or over-long _id fails the request validation") {
  CHECK(parse("{\"index\":{\"_index\":\"a\",\"_id\":\"\"}}\n{}\n").error->reason ==
        "Validation Failed: 1: if _id is specified it must not be empty;");
  const std::string long_id(513, 'x');
  const auto r = parse("{\"index\":{\"_index\":\"a\",\"_id\":\"" + long_id + "\"}}\n{}\n");
  REQUIRE(r.error);
  CHECK_THAT(r.error->reason, Catch::Contains("is too long, must be no longer than 512 bytes but was: 513"));
}

TEST_CASE("an invalid index name fails only its item") {
  const ParseResult r = parse("{\"index\":{\"_index\":\"Logs\"}}\n{}\n{\"index\":{\"_index\":\"_x\"}}\n{}\n{\"index\":{\"_index\":\"ok\"}}\n{}\n");
  REQUIRE(r.ok());
  REQUIRE(r.items.size() == 3);
  REQUIRE(r.items[0].error);
  CHECK(r.items[0].error->type == "invalid_index_name_exception");
  CHECK(r.items[0].error->reason == "Invalid index name [Logs], must be lowercase");
  REQUIRE(r.items[1].error);
  CHECK_THAT(r.items[1].error->reason, Catch::Contains("must not start with"));
  CHECK(r.items[2].ok());
}

TEST_CASE("delete and update are rejected per item and consume the right lines") {
  const ParseResult r = parse(
      "{\"delete\":{\"_index\":\"a\",\"_id\":\"1\"}}\n"
      "{\"update\":{\"_index\":\"a\",\"_id\":\"2\"}}\n{\"doc\":{\"x\":1}}\n"
      "{\"index\":{\"_index\":\"a\"}}\n{\"y\":2}\n");
  REQUIRE(r.ok());
  REQUIRE(r.items.size() == 3);
  CHECK(r.items[0].action == Action::delete_);
  CHECK(r.items[0].error->status == 400);
  CHECK(r.items[1].action == Action::update);
  CHECK(r.items[1].error->type == "illegal_argument_exception");
  CHECK(r.items[2].ok());
  CHECK(r.items[2].document == "{\"y\":2}");
  CHECK(r.items[2].line == 4);
  const json resp = json::parse(respond(r.items, 1ms));
  CHECK(action_key(resp["items"][0]) == "delete");
  CHECK(action_key(resp["items"][1]) == "update");
  CHECK(body_of(resp["items"][0])["_id"] == "1");
}

TEST_CASE("a malformed action line fails the whole request") {
  SECTION("not JSON") {
    const auto r = parse("{\"index\":{\"_index\":\"a\"}}\n{}\n{\"index\":\n{}\n");
    REQUIRE(r.error);
    CHECK(r.error->status == 400);
    CHECK(r.error->type == "x_content_parse_exception");
    CHECK_THAT(r.error->reason, Catch::StartsWith("[3:1]"));
    CHECK(r.items.empty());
  }
  SECTION("not an object") {
    const auto r = parse("[\"index\"]\n{}\n");
    REQUIRE(r.error);
    CHECK(r.error->type == "illegal_argument_exception");
    CHECK(r.error->reason == "Malformed action/metadata line [1], expected START_OBJECT but found [START_ARRAY]");
  }
  SECTION("an unknown action") {
    const auto r = parse("{\"upsert\":{}}\n{}\n");
    REQUIRE(r.error);
    CHECK(r.error->reason ==
          "Malformed action/metadata line [1], expected field [create], [delete], [index] or [update] but found [upsert]");
  }
  SECTION("an unknown parameter") {
    const auto r = parse("{\"index\":{\"_index\":\"a\",\"colour\":\"red\"}}\n{}\n");
    REQUIRE(r.error);
    CHECK(r.error->reason == "Action/metadata line [1] contains an unknown parameter [colour]");
  }
  SECTION("two actions on one line") {
    const auto r = parse("{\"index\":{},\"create\":{}}\n{}\n", "a");
    REQUIRE(r.error);
    CHECK(r.error->reason == "Malformed action/metadata line [1], expected END_OBJECT but found [FIELD_NAME]");
  }
  SECTION("an action whose value is not an object") {
    const auto r = parse("{\"index\":\"a\"}\n{}\n");
    REQUIRE(r.error);
    CHECK_THAT(r.error->reason, Catch::Contains("expected START_OBJECT or END_OBJECT but found [VALUE_STRING]"));
  }
  SECTION("the source line of a malformed document is not an action line") {
    // The second pair's action is at line 3: the reasons count every line like ES.
    const auto r = parse("{\"index\":{\"_index\":\"a\"}}\n{}\n{}\n{}\n");
    REQUIRE(r.error);
    CHECK(r.error->reason == "Malformed action/metadata line [3], expected FIELD_NAME but found [END_OBJECT]");
  }
  const std::string text = error_response(Error{400, "illegal_argument_exception", "why"});
  const json j = json::parse(text);
  CHECK(j["status"] == 400);
  CHECK(j["error"]["type"] == "illegal_argument_exception");
  CHECK(j["error"]["root_cause"][0]["reason"] == "why");
}

TEST_CASE("a body without the final newline is refused like ES") {
  const auto r = parse("{\"index\":{\"_index\":\"a\"}}\n{\"a\":1}");
  REQUIRE(r.error);
  CHECK(r.error->status == 400);
  CHECK(r.error->type == "illegal_argument_exception");
  CHECK(r.error->reason == "The bulk request must be terminated by a newline [\\n]");
}

TEST_CASE("an empty body or one with no actions is a request error") {
  const auto empty = parse("");
  REQUIRE(empty.error);
  CHECK(empty.error->type == "parse_exception");
  CHECK(empty.error->reason == "request body is required");
  const auto blank = parse("\n  \n\r\n");
  REQUIRE(blank.error);
  CHECK(blank.error->reason == "Validation Failed: 1: no requests added;");
}

TEST_CASE("blank lines between pairs are skipped and CRLF line endings are accepted") {
  const auto r = parse("\r\n{\"index\":{\"_index\":\"a\"}}\r\n{\"a\":1}\r\n\n{\"create\":{\"_index\":\"a\"}}\r\n{\"b\":2}\r\n");
  REQUIRE(r.ok());
  REQUIRE(r.items.size() == 2);
  CHECK(r.items[0].document == "{\"a\":1}");
  CHECK(r.items[1].document == "{\"b\":2}");
  CHECK(r.items[1].line == 5);
}

TEST_CASE("an action at the end without its source line is dropped as ES drops it") {
  const auto r = parse("{\"index\":{\"_index\":\"a\"}}\n{\"a\":1}\n{\"index\":{\"_index\":\"a\"}}\n");
  REQUIRE(r.ok());
  CHECK(r.items.size() == 1);
}

TEST_CASE("ids are kept when given and otherwise derived from the document deterministically") {
  const auto r = parse("{\"index\":{\"_index\":\"a\",\"_id\":42}}\n{\"a\":1}\n{\"index\":{\"_index\":\"a\"}}\n{\"a\":1}\n"
                       "{\"create\":{\"_index\":\"b\"}}\n{\"a\":1}\n{\"create\":{\"_index\":\"b\"}}\n{\"a\":2}\n");
  REQUIRE(r.ok());
  CHECK(r.items[0].id == "42");
  CHECK_FALSE(r.items[0].id_generated);
  CHECK(r.items[1].id_generated);
  CHECK(r.items[1].id.size() == 20);
  CHECK(r.items[1].id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
        std::string::npos);
  CHECK(r.items[1].id == r.items[2].id);
  CHECK(r.items[1].id == generated_id("{\"a\":1}"));
  CHECK(r.items[3].id != r.items[2].id);
}

TEST_CASE("op_type create on an index action makes it a create and other op types fail the request") {
  const auto r = parse("{\"index\":{\"_index\":\"a\",\"op_type\":\"create\",\"pipeline\":\"p\",\"_source\":{\"x\":1}}}\n{}\n");
  REQUIRE(r.ok());
  CHECK(r.items[0].action == Action::create);
  const auto bad = parse("{\"index\":{\"_index\":\"a\",\"op_type\":\"upsert\"}}\n{}\n");
  REQUIRE(bad.error);
  CHECK(bad.error->reason == "opType must be 'create' or 'index', found: [upsert]");
}

TEST_CASE("the ES content types are accepted and others refused") {
  CHECK(acceptable_content_type("application/x-ndjson"));
  CHECK(acceptable_content_type("application/json"));
  CHECK(acceptable_content_type("application/json; charset=UTF-8"));
  CHECK(acceptable_content_type("Application/X-NDJSON"));
  CHECK(acceptable_content_type("application/vnd.elasticsearch+x-ndjson; compatible-with=8"));
  CHECK(acceptable_content_type("application/vnd.elasticsearch+x-ndjson;compatible-with=9"));
  CHECK(acceptable_content_type("application/vnd.elasticsearch+json; compatible-with=8"));
  CHECK_FALSE(acceptable_content_type("application/vnd.elasticsearch+x-ndjson"));
  CHECK_FALSE(acceptable_content_type("application/vnd.elasticsearch+x-ndjson; compatible-with=6"));
  CHECK_FALSE(acceptable_content_type("text/plain"));
  CHECK_FALSE(acceptable_content_type("application/x-www-form-urlencoded"));
  CHECK_FALSE(acceptable_content_type(""));
  CHECK_FALSE(acceptable_content_type("application/json; charset=latin1"));
  const json j = json::parse(content_type_error("text/plain"));
  CHECK(j["status"] == 406);
  CHECK(j["error"] == "Content-Type header [text/plain] is not supported");
}

TEST_CASE("an OCSF document passes through unchanged apart from the receiver and token labels") {
  const std::string doc =
      R"({"class_uid":3002,"time":1700000000000,"metadata":{"version":"1.8.0","labels":["site:a"],"product":{"name":"x"}},"user":{"name":"bob"}})";
  Item item;
  item.index = "ocsf";
  item.id = "1";
  item.document = doc;
  const json out = json::parse(to_event(item, "shipper-1", kNow));
  json expected = json::parse(doc);
  expected["metadata"]["labels"] = {"site:a", "receiver:bulk", "token:shipper-1"};
  CHECK(out == expected);
  CHECK(to_event(item, "shipper-1", kNow).find("{\"class_uid\":3002,\"time\"") == 0);  // key order kept

  item.document = R"({"class_uid":4001,"activity_id":1})";
  const json created = json::parse(to_event(item, "t", kNow));
  CHECK(created["metadata"] == json{{"labels", {"receiver:bulk", "token:t"}}});
  CHECK(created["activity_id"] == 1);
  CHECK_FALSE(created.contains("raw_data"));

  item.document = R"({"class_uid":4001,"metadata":{"labels":["receiver:bulk"]}})";
  CHECK(json::parse(to_event(item, "t", kNow))["metadata"]["labels"] == json{"receiver:bulk", "token:t"});

  // Labels or metadata of the wrong type cannot be labelled unchanged: wrapped, as HEC does.
  item.document = R"({"class_uid":4001,"metadata":{"labels":"x"}})";
  CHECK(json::parse(to_event(item, "t", kNow))["class_uid"] == 0);
  item.document = R"({"class_uid":4001,"metadata":[]})";
  CHECK(json::parse(to_event(item, "t", kNow))["raw_data"] == item.document);
}

TEST_CASE("a non-OCSF document is wrapped as a base event with raw_data and unmapped.bulk") {
  const auto r = parse("{\"create\":{\"_index\":\"logs-app-default\"}}\n{\"@timestamp\":\"2022-03-19T02:48:12.634Z\",\"message\":\"hi\"}\n");
  REQUIRE(r.ok());
  const Item& item = r.items[0];
  const json out = json::parse(to_event(item, "beats", kNow));
  CHECK(out["class_uid"] == 0);
  CHECK(out["category_uid"] == 0);
  CHECK(out["activity_id"] == 0);
  CHECK(out["type_uid"] == 0);
  CHECK(out["severity_id"] == 0);
  CHECK(out["time"] == 1647658092634);
  CHECK(out["raw_data"] == item.document);
  CHECK(out["unmapped"]["bulk"] == json{{"index", "logs-app-default"}, {"id", item.id}, {"action", "create"}});
  CHECK(out["metadata"]["product"]["name"] == "Elasticsearch _bulk");
  CHECK(out["metadata"]["version"] == "1.8.0");
  CHECK(out["metadata"]["labels"] == json{"receiver:bulk", "token:beats"});

  Item plain;
  plain.document = R"({"message":"no time","class_uid":"3002"})";  // a string class_uid is not OCSF
  const json wrapped = json::parse(to_event(plain, "t", kNow));
  CHECK(wrapped["time"] == kNow);
  CHECK(wrapped["raw_data"] == plain.document);

  plain.document = R"({"@timestamp":1647658092634})";
  CHECK(json::parse(to_event(plain, "t", kNow))["time"] == 1647658092634);
  plain.document = R"({"@timestamp":"yesterday"})";
  CHECK(json::parse(to_event(plain, "t", kNow))["time"] == kNow);
}

TEST_CASE("timestamps in RFC 3339 forms convert to epoch milliseconds") {
  CHECK(parse_timestamp_ms("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_timestamp_ms("2022-03-19T02:48:12.634Z") == 1647658092634);
  CHECK(parse_timestamp_ms("2022-03-19T04:48:12.634+02:00") == 1647658092634);
  CHECK(parse_timestamp_ms("2022-03-19T02:48:12.634123456Z") == 1647658092634);
  CHECK(parse_timestamp_ms("2022-03-19T02:48:12.6Z") == 1647658092600);
  CHECK(parse_timestamp_ms("2022-03-19") == 1647648000000);
  CHECK(parse_timestamp_ms("2022-03-19T02:48:12") == 1647658092000);
  CHECK_FALSE(parse_timestamp_ms("2022-13-19T02:48:12Z"));
  CHECK_FALSE(parse_timestamp_ms("2022-03-19T02:48:12Zjunk"));
  CHECK_FALSE(parse_timestamp_ms("1647658092634"));
  CHECK_FALSE(parse_timestamp_ms(""));
}

TEST_CASE("a busy hub answers the whole request 429 or per item 429 inside a 200") {
  const Error busy = busy_error();
  CHECK(busy.status == 429);
  CHECK(busy.type == "es_rejected_execution_exception");
  const json whole = json::parse(error_response(busy));
  CHECK(whole["status"] == 429);
  CHECK(whole["error"]["type"] == "es_rejected_execution_exception");

  const auto r = parse("{\"index\":{\"_index\":\"a\"}}\n{\"a\":1}\n{\"index\":{\"_index\":\"a\"}}\n{\"a\":2}\n"
                       "{\"index\":{\"_index\":\"a\"}}\n{\"a\":\n");
  REQUIRE(r.ok());
  const json resp = json::parse(respond(r.items, 3ms, {0, 429, 429}, 7));
  CHECK(resp["errors"] == true);
  CHECK(body_of(resp["items"][0])["status"] == 201);
  CHECK(body_of(resp["items"][0])["_seq_no"] == 7);
  CHECK(body_of(resp["items"][1])["status"] == 429);
  CHECK(body_of(resp["items"][1])["error"]["type"] == "es_rejected_execution_exception");
  // An item that was never admitted keeps its own error.
  CHECK(body_of(resp["items"][2])["status"] == 400);
  CHECK(body_of(resp["items"][2])["error"]["type"] == "document_parsing_exception");
}

TEST_CASE("GET / reports an Elasticsearch 8 node and GET /_license a basic active licence") {
  const json root = json::parse(root_document("8.11.0"));
  CHECK(root["version"]["number"] == "8.11.0");
  CHECK(root["version"]["build_flavor"] == "default");
  CHECK(root["version"]["lucene_version"] == "9.8.0");
  CHECK(root["version"]["minimum_wire_compatibility_version"] == "7.17.0");
  CHECK(root["version"]["minimum_index_compatibility_version"] == "7.0.0");
  CHECK(root["tagline"] == "You Know, for Search");
  CHECK(root.contains("name"));
  CHECK(root.contains("cluster_name"));
  CHECK(root.contains("cluster_uuid"));
  const json lic = json::parse(license_document());
  CHECK(lic["license"]["type"] == "basic");
  CHECK(lic["license"]["status"] == "active");
}

TEST_CASE("shipper setup calls succeed without doing anything") {
  CHECK(is_setup_call("GET", "/"));
  CHECK(is_setup_call("HEAD", "/"));
  CHECK(is_setup_call("GET", "/_license?human=false"));
  CHECK(is_setup_call("GET", "/_xpack"));
  CHECK(is_setup_call("GET", "/_cluster/health"));
  for (const char* path : {"/_index_template/filebeat-8.11.0", "/_template/logstash", "/_component_template/c",
                           "/_ilm/policy/filebeat", "/_ingest/pipeline/p1?timeout=30s"}) {
    INFO(path);
    CHECK(is_setup_call("PUT", path));
    const auto put = setup_response("PUT", path);
    CHECK(put.status == 200);
    CHECK(json::parse(put.body) == json{{"acknowledged", true}});
    CHECK(setup_response("GET", path).status == 404);
    const auto head = setup_response("HEAD", path);
    CHECK(head.status == 404);
    CHECK(head.body.empty());
  }
  CHECK(json::parse(setup_response("GET", "/_ilm/policy/filebeat").body)["error"]["type"] == "resource_not_found_exception");
  CHECK(setup_response("HEAD", "/logstash").status == 404);
  CHECK(setup_response("PUT", "/%3Clogstash-%7Bnow%2Fd%7D-000001%3E").status == 200);
  CHECK(json::parse(setup_response("GET", "/_xpack").body)["features"]["ilm"]["available"] == true);
  CHECK(json::parse(setup_response("GET", "/").body)["version"]["number"] == std::string(default_version));
  CHECK(setup_response("HEAD", "/").body.empty());

  CHECK_FALSE(is_setup_call("POST", "/_bulk"));
  CHECK_FALSE(is_setup_call("POST", "/logs/_bulk"));
  CHECK_FALSE(is_setup_call("DELETE", "/_index_template/x"));
  CHECK_FALSE(is_setup_call("GET", "/_search"));
  CHECK_FALSE(is_setup_call("PUT", "/_cluster/settings"));
}

TEST_CASE("a _bulk document is normalized from one parse as its to_event text would be", "[ingest][bulk]") {
  Item item;
  item.index = "logs";
  item.id = "x1";
  for (const std::string doc :
       {R"({"class_uid":3002,"activity_id":1,"time":5,"user":{"name":"u"},"metadata":{"product":{"name":"p"}}})",
        R"({"class_uid":3002,"activity_id":1,"time":5,"user":{"name":"u"},"metadata":{"product":{"name":"p"},"labels":["receiver:bulk"]}})",
        R"({"class_uid":3002,"metadata":{"labels":"x"}})", R"({"message":"plain","@timestamp":"2022-03-19T04:08:12.634Z"})",
        R"({"class_uid":3002})"}) {
    INFO(doc);
    item.document = doc;
    siemhub::ocsf::NormalizedEvent fast, slow;
    const auto fast_why = normalize_item(item, "t", kNow, fast);
    const auto slow_why = siemhub::ocsf::normalize(to_event(item, "t", kNow), slow);
    REQUIRE(fast_why.has_value() == slow_why.has_value());
    if (!fast_why) CHECK(json::parse(fast.json) == json::parse(slow.json));
  }
}
