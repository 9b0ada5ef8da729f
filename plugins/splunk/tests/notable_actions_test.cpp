// The notable actions on the SDK's FakeHost: a tiny in-test notable store answers the export
// search and /services/notable_update the way Splunk ES does.
#include <map>

#include "splunk_test_util.hpp"

using namespace splunk_test;

namespace {

struct Notables {
  std::map<std::string, json> by_id;
  std::vector<std::string> updates;  // notable_update bodies

  static std::string field(const std::string& body, const std::string& key) {
    const std::string k = key + "=";
    for (size_t from = 0; from < body.size();) {
      size_t amp = body.find('&', from);
      if (amp == std::string::npos) amp = body.size();
      if (body.compare(from, k.size(), k) == 0) {
        std::string v = body.substr(from + k.size(), amp - from - k.size()), out;
        for (size_t i = 0; i < v.size(); ++i) {
          if (v[i] == '+') out += ' ';
          else if (v[i] == '%') {
            out += static_cast<char>(std::stoi(v.substr(i + 1, 2), nullptr, 16));
            i += 2;
          } else out += v[i];
        }
        return out;
      }
      from = amp + 1;
    }
    return {};
  }

  HttpReply operator()(const HttpRecord& r) {
    if (r.url.find("/search/jobs/export") != std::string::npos) {
      const std::string search = field(r.body, "search");
      std::vector<json> hits;
      for (const auto& [id, n] : by_id)
        if (search.find("event_id=\"" + id + "\"") != std::string::npos) hits.push_back(n);
      return HttpReply::ok(export_body(hits));
    }
    if (r.url.find("/services/notable_update") != std::string::npos) {
      updates.push_back(r.body);
      auto it = by_id.find(field(r.body, "ruleUIDs"));
      if (it == by_id.end()) return HttpReply::ok(R"({"success":false,"message":"no such notable","failure_count":1})");
      for (const auto& [form, key] : {std::pair{"status", "status"}, {"newOwner", "owner"}, {"urgency", "urgency"}})
        if (auto v = field(r.body, form); !v.empty()) it->second[key] = v;
      return HttpReply::ok(R"({"success":true,"message":"1 event updated successfully","details":{},"failure_count":0})");
    }
    return HttpReply::ok(R"({"messages":[{"type":"ERROR","text":"Not Found"}]})", 404);
  }
};

const std::string kId = "5E6DE97D-B137-47AB-8905-8C4F42998937@@notable@@e4f0";

siemhub::testing::ActionCall call(std::string action, json params, std::optional<std::string> prior = {},
                                  bool simulate = false) {
  siemhub::testing::ActionCall c;
  c.action = std::move(action);
  c.params = params.dump();
  c.prior = std::move(prior);
  c.simulate = simulate;
  return c;
}

}  // namespace

TEST_CASE("the plugin declares update_notable with restore_notable as its inverse", "[splunk][action]") {
  Rig rig;
  const auto* a = rig.plugin->descriptor()->action;
  REQUIRE(a != nullptr);
  REQUIRE(a->action_count == 2);
  CHECK(std::string(a->actions[0]->name) == "update_notable");
  CHECK(std::string(a->actions[0]->inverse) == "restore_notable");
  CHECK((a->actions[0]->flags & SIEMHUB_ACTION_SIMULATE) != 0);
  CHECK(json::parse(a->actions[0]->params_schema)["required"] == json::array({"event_id"}));
}

TEST_CASE("update_notable reads the previous state, updates the notable and returns what the inverse needs", "[splunk][action]") {
  Rig rig;
  Notables store;
  store.by_id[kId] = {{"event_id", kId}, {"status", "1"}, {"owner", "unassigned"}, {"urgency", "high"}};
  rig.host.on_http([&](const HttpRecord& r) { return store(r); });
  auto inst = rig.instance(rest_config());
  auto& op = inst->execute(call("update_notable", {{"event_id", kId}, {"status", "in_progress"}, {"owner", "bob"},
                                                   {"comment", "triaged by siemhub"}}));
  REQUIRE(inst->wait(op));
  INFO(op.describe());
  REQUIRE(op.succeeded());
  const json result = json::parse(*op.action_result);
  CHECK(result["previous"] == json{{"status", "1"}, {"owner", "unassigned"}, {"urgency", "high"}});
  CHECK(result["applied"]["status"] == "2");
  CHECK(store.by_id[kId]["status"] == "2");
  CHECK(store.by_id[kId]["owner"] == "bob");
  REQUIRE(store.updates.size() == 1);
  CHECK(Notables::field(store.updates[0], "comment") == "triaged by siemhub");
  const HttpRecord& update = rig.host.http_requests().back();
  CHECK(update.url == "https://splunk.example:8089/services/notable_update");
  CHECK(update.header("Authorization") == "Bearer rest-secret");

  SECTION("restore_notable puts back the previous status and owner from prior") {
    auto& undo = inst->execute(call("restore_notable", json::object(), *op.action_result));
    REQUIRE(inst->wait(undo));
    REQUIRE(undo.succeeded());
    CHECK(store.by_id[kId]["status"] == "1");
    CHECK(store.by_id[kId]["owner"] == "unassigned");
  }
  SECTION("status reports the notable's state and that the update is applied") {
    auto& st = inst->status(call("update_notable", {{"event_id", kId}, {"status", "in_progress"}}));
    REQUIRE(inst->wait(st));
    REQUIRE(st.succeeded());
    const json s = json::parse(*st.action_result);
    CHECK(s["applied"] == true);
    CHECK(s["state"]["owner"] == "bob");
    REQUIRE(st.action_outcome);
    CHECK(*st.action_outcome == SIEMHUB_ACTION_OUTCOME_DONE);
    store.by_id[kId]["status"] = "5";  // an analyst closed it in Splunk since
    auto& st2 = inst->status(call("update_notable", {{"event_id", kId}, {"status", "in_progress"}}));
    REQUIRE(inst->wait(st2));
    CHECK(json::parse(*st2.action_result)["applied"] == false);
    REQUIRE(st2.action_outcome);
    CHECK(*st2.action_outcome == SIEMHUB_ACTION_OUTCOME_NOT_FOUND);  // not in effect: may run again
  }
}

TEST_CASE("a simulated update reads the notable and changes nothing", "[splunk][action]") {
  Rig rig;
  Notables store;
  store.by_id[kId] = {{"event_id", kId}, {"status", "1"}, {"owner", "unassigned"}};
  rig.host.on_http([&](const HttpRecord& r) { return store(r); });
  auto inst = rig.instance(rest_config());
  auto& op = inst->execute(call("update_notable", {{"event_id", kId}, {"status", "closed"}}, {}, true));
  REQUIRE(inst->wait(op));
  REQUIRE(op.succeeded());
  CHECK(json::parse(*op.action_result)["simulated"] == true);
  CHECK(store.updates.empty());
  CHECK(store.by_id[kId]["status"] == "1");
}

TEST_CASE("an update of an absent notable, a refused update or a 401 fails with a clear error", "[splunk][action]") {
  Rig rig;
  Notables store;
  rig.host.on_http([&](const HttpRecord& r) { return store(r); });
  auto inst = rig.instance(rest_config());
  auto& absent = inst->execute(call("update_notable", {{"event_id", "nope"}, {"status", "2"}}));
  REQUIRE(inst->wait(absent));
  CHECK(absent.category() == SIEMHUB_CAT_PERMANENT);
  CHECK_THAT(absent.message(), Catch::Contains("no notable with event_id nope"));

  Rig rig2;
  rig2.host.script(HttpReply::ok(R"({"messages":[{"type":"WARN","text":"call not properly authenticated"}]})", 401));
  auto inst2 = rig2.instance(rest_config());
  auto& unauth = inst2->execute(call("update_notable", {{"event_id", kId}, {"status", "2"}}));
  REQUIRE(inst2->wait(unauth));
  CHECK(unauth.category() == SIEMHUB_CAT_AUTH);
  CHECK_THAT(unauth.message(), Catch::Contains("not properly authenticated"));
  auto& no_prior = inst2->execute(call("restore_notable", json::object()));
  REQUIRE(inst2->wait(no_prior));
  CHECK(no_prior.category() == SIEMHUB_CAT_CONFIG);
}
