#include "ocsf/validate.hpp"

#include "ocsf_test_util.hpp"

#include <catch2/catch.hpp>

using namespace siemhub::ocsf;
using namespace siemhub::ocsf::testing;
using nlohmann::json;
using Lines = std::vector<std::string>;

TEST_CASE("a valid authentication event passes") {
  CHECK(lines(validate_text(kAuthentication)).empty());
}

TEST_CASE("missing class_uid is reported as a missing attribute") {
  const auto v = validate_text(authentication_with({{"class_uid", nullptr}}));
  REQUIRE(v.size() == 1);
  CHECK(v[0] == Violation{"class_uid", Problem::missing, "missing required attribute"});
}

TEST_CASE("a wrong type_uid is reported as inconsistent with class_uid and activity_id") {
  const auto v = validate_text(authentication_with({{"type_uid", 300202}}));
  REQUIRE(v.size() == 1);
  CHECK(v[0] == Violation{"type_uid", Problem::inconsistent, "expected 300201 (class_uid*100 + activity_id), got 300202"});
}

TEST_CASE("a category_uid that does not match the class is reported") {
  const auto v = validate_text(authentication_with({{"category_uid", 4}}));
  REQUIRE(v.size() == 1);
  CHECK(v[0] == Violation{"category_uid", Problem::inconsistent,
                          "4 does not match class 3002 (Authentication), which is in category 3 "
                          "(Identity & Access Management)"});
}

TEST_CASE("an activity_id the class does not define is reported") {
  const auto v = validate_text(authentication_with({{"activity_id", 42}, {"type_uid", 300242}}));
  REQUIRE(v.size() == 1);
  CHECK(v[0] == Violation{"activity_id", Problem::not_in_enum,
                          "42 is not a valid activity for class 3002 (Authentication); valid: 0, 1, 2, 3, 4, 5, 6, 7, 99"});
}

TEST_CASE("a severity_id outside its enum is reported") {
  const auto v = validate_text(authentication_with({{"severity_id", 7}}));
  REQUIRE(v.size() == 1);
  CHECK(v[0] == Violation{"severity_id", Problem::not_in_enum, "7 is not in the severity_id enum (0, 1, 2, 3, 4, 5, 6, 99)"});
}

TEST_CASE("a status_id outside the class enum is reported and a class-specific one accepted") {
  CHECK(lines(validate_text(authentication_with({{"status_id", 5}}))) ==
        Lines{"status_id: 5 is not in the status_id enum (0, 1, 2, 99)"});
  // 5 "Unsupported" exists for Remediation Activity.
  const json remediation = {{"class_uid", 7001}, {"category_uid", 7}, {"activity_id", 1}, {"type_uid", 700101},
                            {"severity_id", 1}, {"status_id", 5}, {"time", 1700000000000}, {"command_uid", "c-1"},
                            {"metadata", {{"version", "1.8.0"}, {"product", {{"name", "siemhub"}}}}}};
  CHECK(lines(validate_text(remediation.dump())).empty());
}

TEST_CASE("a non-integer time is reported as a wrong type") {
  CHECK(lines(validate_text(authentication_with({{"time", "2023-11-14T22:13:20Z"}}))) ==
        Lines{"time: expected integer (timestamp_t), got string"});
  CHECK(lines(validate_text(authentication_with({{"time", 1700000000000.5}}))) ==
        Lines{"time: expected integer (timestamp_t), got number"});
  const auto v = validate_text(authentication_with({{"time", true}}));
  REQUIRE(v.size() == 1);
  CHECK(v[0].problem == Problem::wrong_type);
}

TEST_CASE("an unknown class_uid is reported with the release version") {
  const auto v = validate_text(authentication_with({{"class_uid", 1234}, {"type_uid", 123401}}));
  REQUIRE(v.size() == 1);
  CHECK(v[0] == Violation{"class_uid", Problem::unknown_class, "unknown class 1234 (not in OCSF 1.8.0)"});
}

TEST_CASE("a class_uid of the wrong type is reported once and nothing class-specific is guessed") {
  CHECK(lines(validate_text(authentication_with({{"class_uid", "3002"}}))) ==
        Lines{"class_uid: expected integer (integer_t), got string"});
}

TEST_CASE("metadata without product or version is reported") {
  CHECK(lines(validate_text(authentication_with({{"metadata", {{"product", nullptr}, {"version", nullptr}}}}))) ==
        Lines{"metadata.product: missing required attribute", "metadata.version: missing required attribute"});
  CHECK(lines(validate_text(authentication_with({{"metadata", {{"product", "OpenSSH"}, {"version", 1.8}}}}))) ==
        Lines{"metadata.product: expected object (product), got string",
              "metadata.version: expected string (string_t), got number"});
  CHECK(lines(validate_text(authentication_with({{"metadata", "x"}}))) ==
        Lines{"metadata: expected object (metadata), got string"});
}

TEST_CASE("an empty object reports every required base attribute") {
  CHECK(lines(validate_text("{}")) == Lines{"activity_id: missing required attribute",
                                           "category_uid: missing required attribute",
                                           "class_uid: missing required attribute",
                                           "metadata: missing required attribute",
                                           "severity_id: missing required attribute",
                                           "time: missing required attribute",
                                           "type_uid: missing required attribute"});
}

TEST_CASE("class-required attributes are reported for a known class") {
  CHECK(lines(validate_text(authentication_with({{"user", nullptr}}))) == Lines{"user: missing required attribute"});
}

TEST_CASE("profile attributes are required only when metadata.profiles lists the profile") {
  CHECK(lines(validate_text(authentication_with({{"metadata", {{"profiles", json::array({"host"})}}}}))).empty());
  // The 7 is also no profile name: metadata.profiles holds strings.
  CHECK(lines(validate_text(authentication_with({{"metadata", {{"profiles", json::array({"cloud", 7})}}}}))) ==
        Lines{"metadata.profiles[1]: expected array elements of type string (string_t), got integer",
              "cloud: missing required attribute"});
}

TEST_CASE("array attributes are checked element by element up to the first mismatch") {
  const json observable = {{"name", "src_endpoint.ip"}, {"type_id", 2}};
  CHECK(lines(validate_text(authentication_with({{"observables", {observable, 1, 2}}}))) ==
        Lines{"observables[1]: expected array elements of type object (observable), got integer"});
  CHECK(lines(validate_text(authentication_with({{"observables", json::object()}}))) ==
        Lines{"observables: expected array of object (observable), got object"});
}

TEST_CASE("invalid UTF-8 is rejected with a parse violation") {
  const auto v = validate_text("{\"message\":\"caf\xC3\x28\"}");
  REQUIRE(v.size() == 1);
  CHECK(v[0].problem == Problem::parse_error);
  CHECK(v[0].path.empty());
  CHECK_THAT(v[0].message, Catch::Contains("UTF-8"));
}

TEST_CASE("truncated JSON is rejected with a parse violation") {
  const std::string full = kAuthentication;
  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, full.size() / 2, full.size() - 2}) {
    INFO(cut);
    const auto v = validate_text(full.substr(0, cut));
    REQUIRE(v.size() == 1);
    CHECK(v[0].problem == Problem::parse_error);
    CHECK_THAT(v[0].message, Catch::StartsWith("invalid JSON: "));
  }
}

TEST_CASE("JSON that is not an object is rejected as not an object") {
  CHECK(lines(validate_text("[1,2,3]")) == Lines{"an OCSF event must be a JSON object, got array"});
  CHECK(lines(validate_text("42")) == Lines{"an OCSF event must be a JSON object, got integer"});
  CHECK(lines(validate_text("null")) == Lines{"an OCSF event must be a JSON object, got null"});
}

TEST_CASE("deep nesting is rejected as a parse error without recursion") {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const auto v = validate_text(deep);
  REQUIRE(v.size() == 1);
  CHECK(v[0].problem == Problem::parse_error);
  // Within the 512-level limit it parses; the nested value is simply not checked.
  const std::string nested = R"({"unmapped":{"deep":)" + std::string(500, '[') + std::string(500, ']') + "}}";
  CHECK(validate_text(authentication_with(json::parse(nested))).empty());
}

TEST_CASE("integers beyond int64 are out of range and beyond uint64 a parse error") {
  CHECK(lines(validate_text(R"({"class_uid":18446744073709551615})")) ==
        Lines{"class_uid: integer does not fit in 64-bit signed (integer_t)",
              "activity_id: missing required attribute", "category_uid: missing required attribute",
              "metadata: missing required attribute", "severity_id: missing required attribute",
              "time: missing required attribute", "type_uid: missing required attribute"});
  const auto v = validate_text(R"({"time":123456789012345678901234567890})");
  REQUIRE_FALSE(v.empty());
  CHECK(v[0].problem == Problem::parse_error);
}

TEST_CASE("type_uid arithmetic on extreme integers does not overflow silently") {
  const auto v = validate_text(authentication_with(
      {{"class_uid", INT64_MAX}, {"activity_id", INT64_MAX}, {"type_uid", 1}}));
  CHECK(lines(v) == Lines{"class_uid: unknown class 9223372036854775807 (not in OCSF 1.8.0)",
                          "type_uid: class_uid*100 + activity_id overflows"});
}

TEST_CASE("objects inside the event are validated by their own tables with the path of each violation") {
  CHECK(lines(validate_text(authentication_with({{"observables", {{{"name", "x"}}, {{"name", "y"}, {"type_id", "ip"}}}}}))) ==
        Lines{"observables[0].type_id: missing required attribute",
              "observables[1].type_id: expected integer (integer_t), got string"});
  CHECK(lines(validate_text(authentication_with({{"src_endpoint", {{"ip", nullptr}, {"port", "22"}}}}))) ==
        Lines{"src_endpoint.port: expected integer (port_t), got string",
              "src_endpoint: at least one of ip, uid, name, hostname, svc_name, instance_uid, interface_uid, "
              "interface_name, domain is required"});
  CHECK(lines(validate_text(authentication_with({{"user", {{"name", nullptr}, {"uid", nullptr}, {"type_id", 5}}}}))) ==
        Lines{"user.type_id: 5 is not in the type_id enum (0, 1, 2, 3, 4, 99)",
              "user: at least one of account, name, uid is required"});
  // Descends as deep as the event goes: process.parent_process.parent_process... A member of
  // the wrong type still counts as present for the constraint (its type is reported).
  json actor = {{"process", {{"pid", 1}, {"parent_process", {{"pid", 2}, {"parent_process", {{"pid", "3"}}}}}}}};
  CHECK(lines(validate_text(authentication_with({{"actor", actor}}))) ==
        Lines{"actor.process.parent_process.parent_process.pid: expected integer (integer_t), got string"});
  actor["process"]["parent_process"]["parent_process"] = {{"name", "sshd"}};
  CHECK(lines(validate_text(authentication_with({{"actor", actor}}))) ==
        Lines{"actor.process.parent_process.parent_process: at least one of pid, uid, cpid is required"});
}

TEST_CASE("a just_one constraint refuses none and two of its members") {
  const json finding = {{"class_uid", 2002}, {"category_uid", 2}, {"activity_id", 1}, {"type_uid", 200201},
                        {"severity_id", 1}, {"time", 1700000000000},
                        {"finding_info", {{"uid", "f-1"}, {"title", "t"}}},
                        {"metadata", {{"version", "1.8.0"}, {"product", {{"name", "scanner"}}}}}};
  json one = finding;
  one["vulnerabilities"] = {{{"cve", {{"uid", "CVE-2024-3094"}}}}};
  CHECK(lines(validate_text(one.dump())).empty());
  json two = finding;
  two["vulnerabilities"] = {{{"cve", {{"uid", "CVE-2024-3094"}}}, {"cwe", {{"uid", "CWE-506"}}}}};
  CHECK(lines(validate_text(two.dump())) ==
        Lines{"vulnerabilities[0]: exactly one of advisory, cve, cwe is required, got cve, cwe"});
  json none = finding;
  none["vulnerabilities"] = {{{"title", "xz"}}};
  CHECK(lines(validate_text(none.dump())) ==
        Lines{"vulnerabilities[0]: exactly one of advisory, cve, cwe is required, got none"});
}

TEST_CASE("a Windows registry event is validated by its extension class and objects") {
  const json reg = {{"class_uid", 201001}, {"category_uid", 1}, {"activity_id", 1}, {"type_uid", 20100101},
                    {"severity_id", 1}, {"time", 1700000000000},
                    {"actor", {{"process", {{"pid", 4}}}}}, {"device", {{"hostname", "ws-1"}, {"type_id", 2}}},
                    {"reg_key", {{"path", "HKLM\\Software\\Run"}}},
                    {"metadata", {{"version", "1.8.0"}, {"product", {{"name", "Sysmon"}}}}}};
  CHECK(lines(validate_text(reg.dump())).empty());
  json no_path = reg;
  no_path["reg_key"] = json::object();
  CHECK(lines(validate_text(no_path.dump())) == Lines{"reg_key.path: missing required attribute"});
}
