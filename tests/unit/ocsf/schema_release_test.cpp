// The whole OCSF 1.8.0 release against the generated tables: for every class the release defines
// (core and platform extensions), a minimal valid event is built at test time straight from the
// schema files in data/ocsf/1.8.0 (not from the generated tables, not from hand-written JSON), and
// must pass validation; its invalid twins, each with one required attribute removed, must be
// refused with a violation naming that attribute.
//
// The release and the events come from unit/ocsf/ocsf_release.hpp.
#include "ocsf/validate.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "unit/ocsf/ocsf_release.hpp"

using namespace siemhub::ocsf;
using namespace siemhub::testing::ocsf_release;

namespace {

bool names(const std::vector<Violation>& v, const std::string& path) {
  for (const auto& x : v) {
    if (x.path == path && x.problem == Problem::missing) return true;
  }
  return false;
}

std::string lines(const std::vector<Violation>& v) {
  std::string out;
  for (const auto& x : v) out += x.to_string() + "\n";
  return out;
}

}  // namespace

TEST_CASE("one minimal event per OCSF 1.8.0 class built from the published schema is valid and each twin missing a required attribute is refused naming it") {
  const Release release{fs::path(SIEMHUB_OCSF_RELEASE_DIR)};
  const Builder builder{release};
  const auto classes = release.classes();
  CHECK(classes.size() == 82);  // 75 core, 7 Windows (base_event is checked below)

  std::size_t valid = 0, twins = 0, nested_twins = 0;
  for (const auto& [name, ids] : classes) {
    const auto [uid, category] = ids;
    INFO("class " << name << " " << uid);
    const json event = minimal_event(release, builder, name, uid, category);
    const auto attrs = release.attributes(true, name);

    const auto verdict = validate(Event::parse(event.dump()));
    INFO(event.dump());
    CHECK(lines(verdict).empty());
    valid += verdict.empty();

    // Twins: each required top-level attribute removed in turn, and one required attribute of
    // each required object removed inside it.
    for (const auto& [key, a] : attrs) {
      if (!a.required) continue;
      json twin = event;
      twin.erase(key);
      const auto v = validate(Event::parse(twin.dump()));
      INFO("without " << key << ":\n" << lines(v));
      CHECK(names(v, key));
      twins += names(v, key);
      if (!event[key].is_object()) continue;
      for (const auto& [sub, s] : release.attributes(false, a.type)) {
        if (!s.required) continue;
        json nested = event;
        nested[key].erase(sub);
        const auto w = validate(Event::parse(nested.dump()));
        INFO("without " << key << "." << sub << ":\n" << lines(w));
        CHECK(names(w, key + "." + sub));
        nested_twins += names(w, key + "." + sub);
        break;
      }
    }
  }
  CHECK(valid == 82);
  CHECK(twins >= 82 * 7);  // every class requires at least the 7 base attributes
  CHECK(nested_twins >= 82);  // metadata.product at least
}

TEST_CASE("a minimal base event built from the published schema is valid") {
  const Release release{fs::path(SIEMHUB_OCSF_RELEASE_DIR)};
  json event = Builder{release}.object(true, "base_event", 0);
  event["class_uid"] = 0;
  event["category_uid"] = 0;
  event["activity_id"] = 0;
  event["type_uid"] = 0;
  CHECK(lines(validate(Event::parse(event.dump()))).empty());
}
