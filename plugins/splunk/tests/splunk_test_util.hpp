// Shared by the Splunk plugin's unit tests: the real siemhub_splunk.so loaded on the SDK's
// FakeHost, configs, and small HEC helpers.
#pragma once

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <zlib.h>

#include "siemhub/testing/fake_host.hpp"
#include "siemhub/testing/loader.hpp"

namespace splunk_test {

using nlohmann::json;
using siemhub::testing::FakeHost;
using siemhub::testing::FakeOp;
using siemhub::testing::HttpRecord;
using siemhub::testing::HttpReply;
using siemhub::testing::Instance;
using siemhub::testing::Plugin;

inline std::string read_data(const std::string& name) {
  std::ifstream in(std::string(SPLUNK_TEST_DATA) + "/" + name, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// The plugin loaded on its own FakeHost.
struct Rig {
  FakeHost host;
  std::unique_ptr<Plugin> plugin;
  Rig() {
    std::string err;
    plugin = Plugin::load(SPLUNK_PLUGIN_PATH, &err);
    REQUIRE(plugin);
    REQUIRE(plugin->init(host).ok());
  }
  std::unique_ptr<Instance> instance(const json& config, const std::string& name = "splunk") {
    siemhub::testing::CallResult cr;
    auto inst = Instance::create(*plugin, host, config.dump(), &cr, name);
    INFO(cr.describe());
    REQUIRE(inst);
    REQUIRE(inst->start().ok());
    return inst;
  }
};

inline json hec_config(json extra = json::object()) {
  json hec{{"url", "https://hec.example:8088"}, {"token", "hec-secret-token"}, {"gzip_level", 0}};
  hec.update(extra);
  return {{"hec", hec}};
}

inline json rest_config(json search = nullptr) {
  json c{{"rest", {{"url", "https://splunk.example:8089"}, {"auth", {{"type", "bearer"}, {"token", "rest-secret"}}}}}};
  if (!search.is_null()) c["search"] = search;
  return c;
}

/// A ~300-byte OCSF authentication event with time `ms` and user `user`.
inline std::string auth_event(int64_t ms, const std::string& user, const std::string& ip = "10.0.0.5") {
  return json{{"class_uid", 3002}, {"category_uid", 3}, {"activity_id", 1}, {"type_uid", 300201},
              {"severity_id", 1}, {"time", ms}, {"user", {{"name", user}}},
              {"src_endpoint", {{"ip", ip}}}, {"device", {{"hostname", "dc01"}}},
              {"metadata", {{"product", {{"name", "test"}}}, {"version", "1.8.0"}}}}
      .dump();
}

/// The envelopes of a HEC body (concatenated JSON objects).
inline std::vector<json> envelopes(const std::string& body) {
  std::vector<json> out;
  std::istringstream in(body);
  while (true) {
    in >> std::ws;
    if (in.peek() == EOF) break;
    json j;
    in >> j;
    out.push_back(j);
  }
  return out;
}

inline std::string gunzip(const std::string& data) {
  z_stream zs{};
  REQUIRE(inflateInit2(&zs, 15 + 16) == Z_OK);
  std::string out(data.size() * 20 + 1024, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = inflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  inflateEnd(&zs);
  REQUIRE(rc == Z_STREAM_END);
  return out;
}

inline HttpReply hec_reply(int status, const std::string& body, uint32_t retry_after_ms = 0) {
  HttpReply r = HttpReply::ok(body, status);
  r.retry_after_ms = retry_after_ms;
  return r;
}

/// An export stream body of `results` (each a JSON object), Splunk's framing.
inline std::string export_body(const std::vector<json>& results) {
  std::string out;
  for (size_t i = 0; i < results.size(); ++i) {
    json row{{"preview", false}, {"offset", i}, {"result", results[i]}};
    if (i + 1 == results.size()) row["lastrow"] = true;
    out += row.dump() + "\n";
  }
  return out;
}

}  // namespace splunk_test
