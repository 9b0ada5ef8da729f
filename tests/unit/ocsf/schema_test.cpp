#include "ocsf/schema.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace siemhub::ocsf;

namespace {

std::vector<std::int64_t> values(std::span<const EnumValue> e) {
  std::vector<std::int64_t> out;
  for (const auto& v : e) out.push_back(v.value);
  return out;
}

}  // namespace

TEST_CASE("the generated tables hold every class of the 1.8.0 subset with its category") {
  CHECK(schema_version() == "1.8.0");
  std::vector<std::int32_t> uids;
  for (const auto& c : classes()) uids.push_back(c.uid);
  CHECK(uids == std::vector<std::int32_t>{0, 1007, 2004, 2005, 3002, 4001, 7001, 7002, 7003, 7004});
  CHECK(class_info(3002)->name == "authentication");
  CHECK(class_info(3002)->caption == "Authentication");
  CHECK(class_info(3002)->category_uid == 3);
  CHECK(class_info(2004)->category_uid == 2);
  CHECK(class_info(7003)->caption == "Process Remediation Activity");
  CHECK(class_info(0)->caption == "Base Event");
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
  CHECK(class_info(4003) == nullptr);
  CHECK(class_info(-1) == nullptr);
  CHECK(class_info(INT64_MAX) == nullptr);
  CHECK(category_info(9) == nullptr);
}

TEST_CASE("authentication activities are its own plus Unknown and Other from base_event") {
  const ClassInfo& auth = *class_info(3002);
  CHECK(values(auth.enum_values("activity_id")) == std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 99});
  CHECK(auth.activity(1)->caption == "Logon");
  CHECK(auth.activity(8) == nullptr);
}

TEST_CASE("severity_id uses the dictionary enum in every class") {
  for (const auto& c : classes()) {
    INFO(c.uid);
    CHECK(values(c.enum_values("severity_id")) == std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 99});
  }
  CHECK(class_info(3002)->attribute("severity_id")->find_enum(0)->caption == "Unknown");
}

TEST_CASE("a class status_id enum adds to and overrides the dictionary enum") {
  CHECK(values(class_info(3002)->enum_values("status_id")) == std::vector<std::int64_t>{0, 1, 2, 99});
  // remediation_activity declares only 3..6; the dictionary's 0, 1, 2, 99 stay.
  CHECK(values(class_info(7001)->enum_values("status_id")) == std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 99});
  CHECK(values(class_info(7004)->enum_values("status_id")) == std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 99});
  // finding's 1 is "New", replacing the dictionary's "Success".
  CHECK(class_info(2004)->attribute("status_id")->find_enum(1)->caption == "New");
}

TEST_CASE("attributes carry their type kind array-ness requirement and profile") {
  const ClassInfo& auth = *class_info(3002);
  const AttributeInfo* time = auth.attribute("time");
  REQUIRE(time != nullptr);
  CHECK(time->type == "timestamp_t");
  CHECK(time->kind == JsonKind::integer);
  CHECK(time->requirement == Requirement::required);
  CHECK(auth.attribute("time_dt")->kind == JsonKind::string);
  CHECK(auth.attribute("observables")->is_array);
  CHECK(auth.attribute("metadata")->kind == JsonKind::object);
  CHECK(auth.attribute("user")->requirement == Requirement::required);
  CHECK(auth.attribute("cloud")->profile == "cloud");
  CHECK(auth.attribute("actor")->profile.empty());  // iam adopts actor as a class attribute
  CHECK(class_info(1007)->attribute("actor")->requirement == Requirement::required);
  CHECK(auth.attribute("no_such_attribute") == nullptr);
}

TEST_CASE("type_uid is class_uid times 100 plus activity_id") {
  STATIC_REQUIRE(type_uid(3002, 1) == 300201);
  CHECK(type_uid(2004, 99) == 200499);
  CHECK(type_uid(INT32_MAX, INT32_MAX) == std::int64_t{INT32_MAX} * 100 + INT32_MAX);
}
