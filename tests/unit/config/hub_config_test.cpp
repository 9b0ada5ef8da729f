// load_config: main-file structure, conf.d merging, paths, routes.
#include <catch2/catch.hpp>

#include "config_test_util.hpp"

using namespace siemhub::config;
using siemhub::testing::ConfigDir;
using siemhub::testing::error_at;
using siemhub::testing::joined;

TEST_CASE("a misspelled top-level key is reported with a suggestion") {
  ConfigDir dir;
  const auto main = dir.write("siemhub.yaml", "log_level: info\n"
                                              "conectors:\n"
                                              "  gen: {plugin: generator}\n");
  const auto r = load_config(main);
  CHECK_FALSE(r.config);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].to_string() ==
        main.string() + ":2:1: conectors: unknown key 'conectors' (did you mean 'connectors'?)");
}

TEST_CASE("a wrong type and an out-of-range integer are reported with their location") {
  ConfigDir dir;
  const auto main = dir.write("siemhub.yaml", "connectors:\n"
                                              "  out:\n"
                                              "    plugin: stdout\n"
                                              "    enabled: \"yes\"\n"
                                              "    http:\n"
                                              "      timeout_ms: 99999999\n"
                                              "log_level: loud\n");
  const auto r = load_config(main);
  INFO(joined(r.errors));
  CHECK_FALSE(r.config);
  REQUIRE(r.errors.size() == 3);  // all of them, not just the first
  const auto type = error_at(r.errors, "connectors.out.enabled");
  CHECK(type.to_string() == main.string() + ":4:14: connectors.out.enabled: expected boolean, got string");
  const auto range = error_at(r.errors, "connectors.out.http.timeout_ms");
  CHECK(range.to_string() ==
        main.string() + ":6:19: connectors.out.http.timeout_ms: must be at most 3600000 (got 99999999)");
  const auto level = error_at(r.errors, "log_level");
  CHECK(level.to_string() ==
        main.string() + ":7:12: log_level: must be one of: trace, debug, info, warn, error");
}

TEST_CASE("conf.d files are merged in name order and a connector name defined twice across files is an error naming both files") {
  ConfigDir dir;
  const auto main = dir.write("siemhub.yaml", "connectors:\n"
                                              "  gen: {plugin: generator}\n");
  dir.write("conf.d/20-sinks.yaml", "connectors:\n"
                                    "  out: {plugin: stdout}\n"
                                    "routes:\n"
                                    "  - {from: [gen], to: [out]}\n");
  dir.write("conf.d/10-more.yaml", "connectors:\n"
                                   "  file_in: {plugin: file, config: {path: /var/log/x}}\n");
  dir.write("conf.d/ignored.txt", "not: yaml: at all: [\n");

  auto r = load_config(main);
  INFO(joined(r.errors));
  REQUIRE(r.config);
  const auto& c = r.config->connectors;
  REQUIRE(c.size() == 3);
  CHECK(c[0].name == "gen");
  CHECK(c[1].name == "file_in");
  CHECK(c[1].file == (dir.path() / "conf.d/10-more.yaml").string());
  CHECK(c[1].config["path"] == "/var/log/x");
  CHECK(c[2].name == "out");
  REQUIRE(r.config->routes.size() == 1);
  CHECK(r.config->routes[0].from == std::vector<std::string>{"gen"});
  CHECK(r.config->routes[0].where.file == (dir.path() / "conf.d/20-sinks.yaml").string());
  CHECK(r.config->routes[0].where.line == 4);
  CHECK(r.config->sources.values.at("/connectors/file_in/config/path").line == 2);

  const auto dup = dir.write("conf.d/30-dup.yaml", "connectors:\n"
                                                   "  # again\n"
                                                   "  gen: {plugin: stdout}\n");
  r = load_config(main);
  CHECK_FALSE(r.config);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].to_string() == dup.string() + ":3:3: connectors.gen: connector 'gen' is already defined in " +
                                       main.string() + ":2");
}

TEST_CASE("conf.d files may only hold connectors and routes and may be given explicitly") {
  ConfigDir dir;
  const auto main = dir.write("etc/siemhub.yaml", "data_dir: /var/lib/siemhub\n");
  const auto extra = dir.write("elsewhere/a.yaml", "data_dir: /tmp\nconnectors: {}\n");
  auto r = load_config(main, dir.path() / "elsewhere");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].to_string() == extra.string() + ":1:1: data_dir: unknown key 'data_dir'");

  r = load_config(main, dir.path() / "missing");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].message == "conf.d directory not found");
}

TEST_CASE("relative data_dir and plugin dirs resolve against the config file's directory") {
  ConfigDir dir;
  const auto main = dir.write("etc/siemhub/siemhub.yaml", "data_dir: ./siemhub-data\n"
                                                          "plugins:\n"
                                                          "  dirs: [./plugins, ../shared/plugins, /opt/p]\n"
                                                          "  required: [com.example.splunk]\n"
                                                          "connectors:\n"
                                                          "  out:\n"
                                                          "    plugin: stdout\n"
                                                          "    http: {ca_file: certs/ca.pem}\n");
  const auto r = load_config(main);
  INFO(joined(r.errors));
  REQUIRE(r.config);
  const auto etc = dir.path() / "etc/siemhub";
  CHECK(r.config->file == main);
  CHECK(r.config->data_dir == etc / "siemhub-data");
  REQUIRE(r.config->plugin_dirs.size() == 3);
  CHECK(r.config->plugin_dirs[0] == etc / "plugins");
  CHECK(r.config->plugin_dirs[1] == dir.path() / "etc/shared/plugins");
  CHECK(r.config->plugin_dirs[2] == "/opt/p");
  CHECK(r.config->required_plugins == std::vector<std::string>{"com.example.splunk"});
  CHECK(r.config->connectors.at(0).http.ca_file == (etc / "certs/ca.pem").string());
}

TEST_CASE("defaults apply when optional keys are absent") {
  ConfigDir dir;
  const auto main = dir.write("siemhub.yaml", "connectors:\n  gen: {plugin: generator}\n");
  const auto r = load_config(main);
  REQUIRE(r.config);
  CHECK(r.config->data_dir == dir.path() / "siemhub-data");
  CHECK(r.config->log_level == "info");
  CHECK(r.config->plugin_dirs.empty());
  CHECK(r.config->limits == nlohmann::json::object());
  CHECK(r.config->routes.empty());
  const auto& c = r.config->connectors.at(0);
  CHECK(c.enabled);
  CHECK_FALSE(c.required);
  CHECK(c.config == nlohmann::json::object());
  CHECK(c.http.verify_tls);
  CHECK(c.http.timeout_ms == 30000);
  CHECK(c.http.connect_timeout_ms == 10000);
  CHECK(c.http.egress_allow.empty());
  CHECK(c.where.line == 2);
}

TEST_CASE("routes naming an unknown connector and invalid connector names are errors") {
  ConfigDir dir;
  const auto main = dir.write("siemhub.yaml", "connectors:\n"
                                              "  gen: {plugin: generator}\n"
                                              "  Bad.Name: {plugin: stdout}\n"
                                              "  out: {}\n"
                                              "routes:\n"
                                              "  - from: [gen]\n"
                                              "    to: [otu]\n");
  const auto r = load_config(main);
  INFO(joined(r.errors));
  CHECK_FALSE(r.config);
  REQUIRE(r.errors.size() == 3);
  CHECK(error_at(r.errors, "connectors.Bad.Name").where.line == 3);
  CHECK(error_at(r.errors, "connectors.out").message == "missing required key 'plugin'");
  CHECK(error_at(r.errors, "routes[0].to[0]").to_string() ==
        main.string() + ":7:10: routes[0].to[0]: unknown connector 'otu' (did you mean 'out'?)");
}

TEST_CASE("an empty or non-mapping main file is an error not an exception") {
  ConfigDir dir;
  auto r = load_config(dir.write("siemhub.yaml", ""));
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].message == "expected object, got null");
  r = load_config(dir.write("siemhub.yaml", "- a\n- b\n"));
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].message == "expected object, got array");
  r = load_config(dir.path() / "absent.yaml");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].message == "cannot read file");
}
