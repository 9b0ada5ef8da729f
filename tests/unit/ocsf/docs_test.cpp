// The plugin guide's class list is generated from the tables: this test renders it and fails,
// printing the block to paste, when docs/plugin-guide.md differs.
#include "ocsf/schema.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

using namespace siemhub::ocsf;

namespace {

constexpr const char* kBegin = "<!-- BEGIN generated from the OCSF tables by tests/unit/ocsf/docs_test.cpp -->\n";
constexpr const char* kEnd = "<!-- END generated -->";

// One row per class: uid, caption, category, and what it requires beyond every class's base.
std::string class_list() {
  std::set<std::string_view> base;
  for (const auto i : class_info(0)->required) base.insert(class_info(0)->attributes[i].name());
  std::ostringstream out;
  out << kBegin << "| class_uid | class | category | required besides the base attributes |\n|---|---|---|---|\n";
  for (const ClassInfo& c : classes()) {
    std::string required;
    for (const auto i : c.required) {
      const AttributeInfo& a = c.attributes[i];
      if (base.count(a.name()) || !a.profile().empty()) continue;
      required += (required.empty() ? "`" : ", `") + std::string(a.name()) + "`";
    }
    const CategoryInfo* cat = category_info(c.category_uid);
    out << "| " << c.uid << " | " << c.caption << " | " << (cat ? cat->caption : "?") << " | "
        << (required.empty() ? "—" : required) << " |\n";
  }
  out << kEnd;
  return out.str();
}

}  // namespace

TEST_CASE("the plugin guide lists every OCSF class as the tables hold it") {
  std::ifstream in(SIEMHUB_PLUGIN_GUIDE);
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  const auto begin = doc.find(kBegin);
  const auto end = doc.find(kEnd);
  REQUIRE(begin != std::string::npos);
  REQUIRE(end != std::string::npos);
  const std::string expected = class_list();
  INFO("docs/plugin-guide.md should hold:\n" << expected);
  CHECK(doc.substr(begin, end + std::string(kEnd).size() - begin) == expected);
}
