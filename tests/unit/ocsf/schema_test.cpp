#include "ocsf/schema.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string_view>
#include <vector>

using namespace siemhub::ocsf;

namespace {

// The attribute, which the test requires to exist.
const AttributeInfo& attribute(const AttributeTable& table, std::string_view name) {
  const AttributeInfo* a = table.attribute(name);
  if (a == nullptr) FAIL("no attribute " << name);
  static const AttributeInfo none{};
  return a ? *a : none;
}

std::vector<std::int64_t> values(std::span<const EnumValue> e) {
  std::vector<std::int64_t> out;
  for (const auto& v : e) out.push_back(v.value);
  return out;
}

}  // namespace

TEST_CASE("the generated tables hold every class of the 1.8.0 release with its category") {
  CHECK(schema_version() == "1.8.0");
  std::vector<std::int32_t> uids;
  for (const auto& c : classes()) uids.push_back(c.uid);
  // Base Event, the 75 core classes and the Windows extension's 7.
  CHECK(uids.size() == 1 + 75 + 7);
  CHECK(std::is_sorted(uids.begin(), uids.end()));
  for (const std::int32_t uid : {0, 1001, 1007, 2002, 2003, 2004, 2005, 3001, 3002, 4001, 4002, 4003, 5021, 6003,
                                 7001, 7004, 8001}) {
    INFO(uid);
    CHECK(class_info(uid) != nullptr);
  }
  CHECK(class_info(3002)->name == "authentication");
  CHECK(class_info(3002)->caption == "Authentication");
  CHECK(class_info(3002)->category_uid == 3);
  CHECK(class_info(2004)->category_uid == 2);
  CHECK(class_info(7003)->caption == "Process Remediation Activity");
  CHECK(class_info(0)->caption == "Base Event");
  CHECK(class_info(4003)->caption == "DNS Activity");
  CHECK(class_info(5021)->caption == "OSINT Inventory Info");
}

TEST_CASE("platform extension classes are numbered extension uid times 100000 plus category times 1000 plus uid") {
  // Windows is extension 2; its Registry Key Activity (system, uid 1) must not collide with File
  // System Activity 1001.
  REQUIRE(class_info(201001) != nullptr);
  CHECK(class_info(201001)->caption == "Registry Key Activity");
  CHECK(class_info(201001)->category_uid == 1);
  CHECK(class_info(201002)->caption == "Registry Value Activity");
  CHECK(class_info(1001)->caption == "File System Activity");
  std::vector<std::int32_t> windows;
  for (const auto& c : classes()) {
    if (c.uid > 100000) windows.push_back(c.uid);
  }
  CHECK(windows.size() == 7);
  CHECK(attribute(*class_info(201001), "reg_key").object() == object_info("reg_key"));
}

TEST_CASE("object tables hold every object with its requirements and constraints") {
  // 177 core objects (with the abstract _dns, _entity and _resource) and the Windows extension's 4.
  CHECK(objects().size() == 177 + 4);
  const ObjectInfo* metadata = object_info("metadata");
  REQUIRE(metadata != nullptr);
  CHECK(metadata->attribute("product")->requirement == Requirement::required);
  CHECK(attribute(*metadata, "product").object() == object_info("product"));
  CHECK(metadata->attribute("version")->requirement == Requirement::required);
  // user inherits nothing from _entity's at_least_one: it declares its own.
  const ObjectInfo* user = object_info("user");
  std::vector<std::string_view> names;
  for (const auto i : user->at_least_one) names.push_back(user->attributes[i].name());
  CHECK(names == std::vector<std::string_view>{"account", "name", "uid"});
  // product declares none, so _entity's applies.
  names.clear();
  for (const auto i : object_info("product")->at_least_one) names.push_back(object_info("product")->attributes[i].name());
  CHECK(names == std::vector<std::string_view>{"name", "uid"});
  // vulnerability: just one of advisory, cve, cwe.
  CHECK(object_info("vulnerability")->just_one.size() == 3);
  CHECK(object_info("reg_key")->attribute("path")->requirement == Requirement::required);
  CHECK(object_info("no_such_object") == nullptr);
}

TEST_CASE("the three platform extensions' patches to process are merged into it") {
  const ObjectInfo* process = object_info("process");
  REQUIRE(process != nullptr);
  CHECK(process->attribute("hosted_services") != nullptr);  // windows
  CHECK(attribute(*process, "hosted_services").object() == object_info("win_service"));
  CHECK(process->attribute("auid")->profile() == "linux/linux_users");  // linux
  CHECK(process->attribute("euid") != nullptr);                           // linux and macos
  CHECK(process->attribute("pid")->kind == JsonKind::integer);            // core
}

TEST_CASE("observable type_id holds the values the release declares across types objects and attributes") {
  const AttributeInfo* type_id = object_info("observable")->attribute("type_id");
  REQUIRE(type_id != nullptr);
  CHECK(type_id->find_enum(2)->caption() == "IP Address");
  CHECK(type_id->find_enum(99) != nullptr);
  CHECK(type_id->enum_values().size() > 40);
}

TEST_CASE("enum attributes name their sibling") {
  const ClassInfo& auth = *class_info(3002);
  const AttributeInfo* activity = auth.attribute("activity_id");
  REQUIRE(activity->sibling_index != 0);
  CHECK(auth.attributes[activity->sibling_index - 1u].name() == "activity_name");
}

TEST_CASE("categories map uid to name and caption") {
  REQUIRE(category_info(3) != nullptr);
  CHECK(category_info(3)->name == "iam");
  CHECK(category_info(3)->caption == "Identity & Access Management");
  CHECK(category_info(8)->name == "unmanned_systems");
  CHECK(category_info(0)->caption == "Uncategorized");
  CHECK(categories().size() == 9);
}

TEST_CASE("unknown class and category lookups return nullptr") {
  CHECK(class_info(1234) == nullptr);
  CHECK(class_info(-1) == nullptr);
  CHECK(class_info(INT64_MAX) == nullptr);
  CHECK(category_info(9) == nullptr);
}

TEST_CASE("authentication activities are its own plus Unknown and Other from base_event") {
  const ClassInfo& auth = *class_info(3002);
  CHECK(values(auth.enum_values("activity_id")) == std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 99});
  CHECK(auth.activity(1)->caption() == "Logon");
  CHECK(auth.activity(8) == nullptr);
}

TEST_CASE("severity_id uses the dictionary enum in every class") {
  for (const auto& c : classes()) {
    INFO(c.uid);
    CHECK(values(c.enum_values("severity_id")) == std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 99});
  }
  CHECK(class_info(3002)->attribute("severity_id")->find_enum(0)->caption() == "Unknown");
}

TEST_CASE("a class status_id enum adds to and overrides the dictionary enum") {
  CHECK(values(class_info(3002)->enum_values("status_id")) == std::vector<std::int64_t>{0, 1, 2, 99});
  // remediation_activity declares only 3..6; the dictionary's 0, 1, 2, 99 stay.
  CHECK(values(class_info(7001)->enum_values("status_id")) == std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 99});
  CHECK(values(class_info(7004)->enum_values("status_id")) == std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 99});
  // finding's 1 is "New", replacing the dictionary's "Success".
  CHECK(class_info(2004)->attribute("status_id")->find_enum(1)->caption() == "New");
}

TEST_CASE("attributes carry their type kind array-ness requirement and profile") {
  const ClassInfo& auth = *class_info(3002);
  const AttributeInfo* time = auth.attribute("time");
  REQUIRE(time != nullptr);
  CHECK(time->type() == "timestamp_t");
  CHECK(time->kind == JsonKind::integer);
  CHECK(time->requirement == Requirement::required);
  CHECK(auth.attribute("time_dt")->kind == JsonKind::string);
  CHECK(auth.attribute("observables")->is_array);
  CHECK(auth.attribute("metadata")->kind == JsonKind::object);
  CHECK(auth.attribute("user")->requirement == Requirement::required);
  CHECK(auth.attribute("cloud")->profile() == "cloud");
  CHECK(auth.attribute("actor")->profile().empty());  // iam adopts actor as a class attribute
  CHECK(class_info(1007)->attribute("actor")->requirement == Requirement::required);
  CHECK(auth.attribute("no_such_attribute") == nullptr);
}

TEST_CASE("type_uid is class_uid times 100 plus activity_id") {
  STATIC_REQUIRE(type_uid(3002, 1) == 300201);
  CHECK(type_uid(2004, 99) == 200499);
  CHECK(type_uid(INT32_MAX, INT32_MAX) == std::int64_t{INT32_MAX} * 100 + INT32_MAX);
}
