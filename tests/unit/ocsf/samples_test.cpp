// The published OCSF examples (tests/data/ocsf/, see PROVENANCE.md) were written for OCSF
// 1.0.0-rc.3. These tests pin what 1.8.0 validation says about each.
#include "ocsf/complete.hpp"
#include "ocsf/validate.hpp"
#include "ocsf_test_util.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace siemhub::ocsf;
using namespace siemhub::ocsf::testing;
using Lines = std::vector<std::string>;

namespace {

Event load(const std::string& name) {
  std::ifstream in(std::filesystem::path(SIEMHUB_OCSF_SAMPLES_DIR) / name, std::ios::binary);
  REQUIRE(in);
  std::stringstream s;
  s << in.rdbuf();
  return Event::parse(s.str());
}

}  // namespace

TEST_CASE("every sample file parses") {
  std::size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(SIEMHUB_OCSF_SAMPLES_DIR)) {
    if (entry.path().extension() != ".json") continue;
    INFO(entry.path().filename().string());
    CHECK(load(entry.path().filename().string()).ok());
    ++n;
  }
  CHECK(n == 4);
}

TEST_CASE("the CrowdStrike ProcessRollup2 process activity fails 1.8.0 only for its missing type_uid") {
  Event e = load("crowdstrike_processrollup2_process_activity_1007.json");
  CHECK(lines(validate(e)) == Lines{"type_uid: missing required attribute"});
  CHECK(complete(e));
  CHECK(e.get_int("type_uid") == 100701);
  CHECK(lines(validate(e)).empty());
}

TEST_CASE("the Windows 4688 process activity fails 1.8.0 for its missing type_uid and an account without name or uid") {
  // actor.user.account is {"type_id": 2}: the account object needs a name or a uid.
  Event e = load("win4688_process_activity_1007_ocsf-java-tools.json");
  CHECK(lines(validate(e)) == Lines{"actor.user.account: at least one of name, uid is required",
                                    "type_uid: missing required attribute"});
  CHECK(complete(e));
  CHECK(lines(validate(e)) == Lines{"actor.user.account: at least one of name, uid is required"});
}

TEST_CASE("the CrowdStrike DnsRequest sample is DNS Activity with a string time and no type_uid") {
  // time is the string "1689867325810".
  const Event e = load("crowdstrike_dnsrequest_ocsf.json");
  CHECK(lines(validate(e)) == Lines{"time: expected integer (timestamp_t), got string",
                                    "type_uid: missing required attribute"});
}

TEST_CASE("the raw CrowdStrike record is not OCSF and misses every base attribute") {
  const Event e = load("crowdstrike_processrollup2_raw.json");
  CHECK(lines(validate(e)) == Lines{"activity_id: missing required attribute",
                                    "category_uid: missing required attribute",
                                    "class_uid: missing required attribute",
                                    "metadata: missing required attribute",
                                    "severity_id: missing required attribute",
                                    "time: missing required attribute",
                                    "type_uid: missing required attribute"});
}
