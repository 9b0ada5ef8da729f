// The normalize stage's event ids.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "ocsf/normalize.hpp"

using namespace siemhub;

TEST_CASE("an event id is metadata.uid when the event has one") {
  CHECK(ocsf::event_id(R"({"class_uid":3002})", "abc-123") == "abc-123");
}

TEST_CASE("an event id without metadata.uid is 16 hex digits that stay the same from release to release") {
  // Pinned: a changed id would make a replay of old data look like new events downstream.
  // XXH3-64, seed 0: `printf '%s' '{"class_uid":3002,"time":1767225600000}' | xxhsum -H3` prints the same.
  CHECK(ocsf::event_id(R"({"class_uid":3002,"time":1767225600000})", "") == "041c4bf05534bba0");
  CHECK(ocsf::event_id("", "").size() == 16);
}

TEST_CASE("event ids differ when any one byte of the text differs, whatever its position") {
  const std::string base(61, 'a');  // not a multiple of eight: the tail counts too
  std::set<std::string> ids{ocsf::event_id(base, "")};
  for (size_t i = 0; i < base.size(); ++i) {
    std::string changed = base;
    changed[i] = 'b';
    ids.insert(ocsf::event_id(changed, ""));
  }
  ids.insert(ocsf::event_id(base + '\0', ""));  // the length counts
  CHECK(ids.size() == base.size() + 2);
}
