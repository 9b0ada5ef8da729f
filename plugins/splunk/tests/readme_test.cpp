// The README's option table is the schema's: every option, its default (or "required"), and
// nothing the schema does not have.
#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "splunk_test_util.hpp"

using namespace splunk_test;

namespace {

void leaves(const json& node, const std::string& prefix, std::vector<std::pair<std::string, std::string>>& out) {
  const json required = node.value("required", json::array());
  const json properties = node.value("properties", json::object());
  for (const auto& [key, v] : properties.items()) {
    const std::string path = prefix + key;
    if (v.value("type", "") == "object" && v.contains("properties")) {
      leaves(v, path + ".", out);
      continue;
    }
    std::string def;
    if (std::find(required.begin(), required.end(), key) != required.end()) def = "required";
    else if (v.at("default").is_string()) def = "`" + (v["default"].get<std::string>().empty() ? std::string("\"\"") : v["default"].get<std::string>()) + "`";
    else def = "`" + v["default"].dump() + "`";
    out.emplace_back(path, def);
  }
}

std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  for (size_t i = 1; i < line.size(); ++i) {
    if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '|') {
      cell += '|';
      ++i;
    } else if (line[i] == '|') {
      out.push_back(cell.substr(cell.find_first_not_of(' '), cell.find_last_not_of(' ') - cell.find_first_not_of(' ') + 1));
      cell.clear();
    } else {
      cell += line[i];
    }
  }
  return out;
}

}  // namespace

TEST_CASE("the README documents every option with its default", "[splunk][docs]") {
  Rig rig;
  const json schema = json::parse(rig.plugin->descriptor()->config_schema);
  std::vector<std::pair<std::string, std::string>> options;
  leaves(schema, "", options);
  REQUIRE(options.size() > 30);

  std::ifstream in(SPLUNK_README);
  REQUIRE(in);
  std::map<std::string, std::string> documented;  // option -> default cell
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("| `", 0) != 0) continue;
    const auto c = cells(line);
    if (c.size() == 4 && c[0].size() > 2 && c[0].find('.') != std::string::npos && c[0].find(' ') == std::string::npos)
      documented[c[0].substr(1, c[0].size() - 2)] = c[2];
  }
  std::set<std::string> in_schema;
  for (const auto& [path, def] : options) {
    in_schema.insert(path);
    INFO(path);
    REQUIRE(documented.count(path) == 1);
    CHECK(documented[path] == def);
  }
  for (const auto& [path, def] : documented)
    if (path.rfind("hec.", 0) == 0 || path.rfind("rest.", 0) == 0 || path.rfind("search.", 0) == 0) {
      INFO(path << " is in the README but not in the schema");
      CHECK(in_schema.count(path) == 1);
    }
}

TEST_CASE("the example YAML shows every section of the config and the TLS options", "[splunk][docs]") {
  std::ifstream in(SPLUNK_EXAMPLE_YAML);
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  for (const char* key : {"hec:", "ack:", "rest:", "auth:", "search:", "egress_allow", "ca_file", "verify_tls"})
    CHECK_THAT(text, Catch::Contains(key));
}
