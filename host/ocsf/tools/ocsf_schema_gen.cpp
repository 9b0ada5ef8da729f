// Build-time generator: reads an OCSF schema directory (data/ocsf/<version>/) and writes a .cpp with
// the class, category and enum tables declared in host/ocsf/schema.hpp.
//
// Composition follows the OCSF server (ocsf/ocsf-server, Schema.Cache):
//   - a class's attributes = its parent's (`extends`, recursively up to base_event), deep-merged with
//     the attributes of the files named in its `$include` (profiles), deep-merged with its own;
//   - each attribute is then the dictionary entry deep-merged with the class's definition, so an
//     enum a class declares *adds to / overrides* the dictionary's (remediation's status_id 3..6 join
//     the dictionary's 0, 1, 2, 99);
//   - class_uid = category uid * 1000 + the class file's uid; base_event is class 0, category 0;
//   - the `datetime` profile adds `<attr>_dt` (datetime_t) for every timestamp_t attribute.
// Any attribute missing from the dictionary fails the build: the subset must be self-consistent.
//
// usage: ocsf_schema_gen <schema-dir> <output.cpp>
#include "ocsf/schema.hpp"  // name_hash: the generator and the lookup must agree

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json load(const fs::path& p) {
  std::ifstream in(p);
  if (!in) throw std::runtime_error("cannot open " + p.string());
  return json::parse(in);
}

void deep_merge(json& into, const json& from) {
  if (!into.is_object() || !from.is_object()) {
    into = from;
    return;
  }
  for (auto it = from.begin(); it != from.end(); ++it) {
    if (into.contains(it.key())) {
      deep_merge(into[it.key()], it.value());
    } else {
      into[it.key()] = it.value();
    }
  }
}

std::string cxx_string(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03o", c);  // octal escapes stop after 3 digits
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

struct Resolved {
  json attributes = json::object();
  std::string category;
  std::set<std::string> profiles;
};

class Schema {
 public:
  explicit Schema(fs::path dir) : dir_(std::move(dir)) {
    dictionary_ = load(dir_ / "dictionary.json");
    categories_ = load(dir_ / "categories.json").at("attributes");
    version_ = load(dir_ / "version.json").at("version").get<std::string>();
    for (const auto& e : fs::recursive_directory_iterator(dir_ / "events")) {
      if (e.is_regular_file() && e.path().extension() == ".json") {
        json j = load(e.path());
        std::string name = j.at("name").get<std::string>();  // not inline: operator= takes j by value
        events_[name] = std::move(j);
      }
    }
  }

  const Resolved& resolve(const std::string& name) {
    if (auto it = resolved_.find(name); it != resolved_.end()) return it->second;
    const json& file = events_.at(name);
    Resolved r;
    if (file.contains("extends")) r = resolve(file["extends"].get<std::string>());
    json own = file.value("attributes", json::object());
    json included = json::object();
    if (own.contains("$include")) {
      for (const auto& inc : own["$include"]) {
        const json file_included = load(dir_ / inc.get<std::string>());
        json attrs = file_included.value("attributes", json::object());
        // Profile attributes carry their profile: required only when the event lists it in
        // metadata.profiles. A class that adopts one as its own says "profile": null.
        if (file_included.value("meta", "") == "profile") {
          for (auto& a : attrs) a["profile"] = file_included.at("name");
        }
        deep_merge(included, attrs);
      }
      own.erase("$include");
    }
    deep_merge(included, own);
    deep_merge(r.attributes, included);
    if (file.contains("category")) r.category = file["category"].get<std::string>();
    for (const auto& p : file.value("profiles", json::array())) r.profiles.insert(p.get<std::string>());
    return resolved_[name] = std::move(r);
  }

  int category_uid(const std::string& category) const {
    if (category == "other") return 0;  // base_event's category: "Uncategorized" (category_uid enum 0)
    return categories_.at(category).at("uid").get<int>();
  }

  const json& dictionary_attribute(const std::string& name) const {
    const json& attrs = dictionary_.at("attributes");
    if (!attrs.contains(name)) throw std::runtime_error("attribute '" + name + "' is not in dictionary.json");
    return attrs[name];
  }

  // The primitive a type reduces to ("timestamp_t" -> "long_t"), or "" for an object type.
  std::string base_type(const std::string& type) const {
    const json& types = dictionary_.at("types").at("attributes");
    if (!types.contains(type)) return "";
    return types[type].value("type", type);
  }

  fs::path dir_;
  json dictionary_;
  json categories_;
  std::string version_;
  std::map<std::string, json> events_;
  std::map<std::string, Resolved> resolved_;
};

const char* kind_for(const std::string& base) {
  if (base.empty()) return "JsonKind::object";
  if (base == "string_t") return "JsonKind::string";
  if (base == "integer_t" || base == "long_t") return "JsonKind::integer";
  if (base == "float_t") return "JsonKind::number";
  if (base == "boolean_t") return "JsonKind::boolean";
  if (base == "json_t") return "JsonKind::any";
  throw std::runtime_error("unmapped OCSF type " + base);
}

const char* requirement_for(const std::string& r) {
  if (r == "required") return "Requirement::required";
  if (r == "recommended") return "Requirement::recommended";
  return "Requirement::optional";
}

class Emitter {
 public:
  explicit Emitter(Schema& schema) : schema_(schema) {}

  std::string run() {
    std::map<int, std::string> classes;  // uid -> ClassInfo initializer
    for (const auto& [name, file] : schema_.events_) {
      if (!file.contains("uid") && name != "base_event") continue;  // abstract parents (iam, network...)
      const Resolved& r = schema_.resolve(name);
      const int category = schema_.category_uid(r.category);
      const int uid = name == "base_event" ? 0 : category * 1000 + file["uid"].get<int>();
      const std::string attrs = emit_attributes(uid, r);
      classes[uid] = "  {" + std::to_string(uid) + ", " + cxx_string(name) + ", " +
                     cxx_string(file.at("caption").get<std::string>()) + ", " + std::to_string(category) +
                     ", std::span<const AttributeInfo>(" + attrs + "), std::span<const std::uint16_t>(" + attrs +
                     "Required), std::span<const std::uint16_t>(" + attrs + "Slots)},\n";
    }
    std::ostringstream out;
    out << "// GENERATED by host/ocsf/tools/ocsf_schema_gen.cpp from " << schema_.dir_.filename().string()
        << "/. Do not edit.\n#include \"ocsf/schema.hpp\"\n\nnamespace siemhub::ocsf::generated {\nnamespace {\n\n"
        << body_.str() << "constexpr ClassInfo kClasses[] = {\n";
    for (const auto& [uid, init] : classes) out << init;
    out << "};\n\nconstexpr CategoryInfo kCategories[] = {\n  {0, \"other\", \"Uncategorized\"},\n";
    std::map<int, std::string> cats;
    for (auto it = schema_.categories_.begin(); it != schema_.categories_.end(); ++it) {
      cats[it.value().at("uid").get<int>()] = "  {" + std::to_string(it.value()["uid"].get<int>()) + ", " +
                                               cxx_string(it.key()) + ", " +
                                               cxx_string(it.value().at("caption").get<std::string>()) + "},\n";
    }
    for (const auto& [uid, init] : cats) out << init;
    out << "};\n\n}  // namespace\n\n"
        << "std::string_view version() { return " << cxx_string(schema_.version_) << "; }\n"
        << "std::span<const ClassInfo> classes() { return kClasses; }\n"
        << "std::span<const CategoryInfo> categories() { return kCategories; }\n\n"
        << "}  // namespace siemhub::ocsf::generated\n";
    return out.str();
  }

 private:
  std::string emit_enum(const json& values) {
    std::map<long long, std::string> sorted;
    for (auto it = values.begin(); it != values.end(); ++it) {
      sorted[std::stoll(it.key())] = it.value().value("caption", "");
    }
    std::string init;
    for (const auto& [v, caption] : sorted) init += "  {" + std::to_string(v) + ", " + cxx_string(caption) + "},\n";
    if (auto it = enums_.find(init); it != enums_.end()) return it->second;  // many classes share enums
    const std::string id = "kEnum" + std::to_string(enums_.size());
    body_ << "constexpr EnumValue " << id << "[] = {\n" << init << "};\n";
    return enums_[init] = id;
  }

  static bool integer_keys(const json& values) {
    for (auto it = values.begin(); it != values.end(); ++it) {
      const std::string& k = it.key();
      if (k.empty() || k.find_first_not_of("-0123456789") != std::string::npos) return false;
    }
    return true;
  }

  std::string emit_attributes(int uid, const Resolved& r) {
    std::map<std::string, std::string> rows;
    for (auto it = r.attributes.begin(); it != r.attributes.end(); ++it) {
      json merged = schema_.dictionary_attribute(it.key());
      deep_merge(merged, it.value());
      const std::string type = merged.at("type").get<std::string>();
      std::string enum_ref = "{}";
      // class_uid / category_uid / type_uid enums are computed per class by the OCSF server; the
      // base_event placeholders (0 = Base Event / Uncategorized) are not constraints.
      const bool computed = it.key() == "class_uid" || it.key() == "category_uid" || it.key() == "type_uid";
      if (merged.contains("enum") && !computed && integer_keys(merged["enum"])) {
        enum_ref = "std::span<const EnumValue>(" + emit_enum(merged["enum"]) + ")";
      }
      const std::string profile = merged.contains("profile") && merged["profile"].is_string()
                                      ? merged["profile"].get<std::string>() : "";
      rows[it.key()] = row(it.key(), type, merged.value("is_array", false),
                           merged.value("requirement", std::string("optional")), enum_ref, profile);
      if (r.profiles.count("datetime") && type == "timestamp_t") {
        rows[it.key() + "_dt"] = row(it.key() + "_dt", "datetime_t", false, "optional", "{}", "datetime");
      }
    }
    const std::string id = "kAttributes" + std::to_string(uid);
    body_ << "constexpr AttributeInfo " << id << "[] = {\n";
    std::vector<std::string> names;
    std::string required;
    for (const auto& [name, init] : rows) {
      body_ << init;
      if (init.find("Requirement::required") != std::string::npos) required += std::to_string(names.size()) + ", ";
      names.push_back(name);
    }

    if (required.empty()) throw std::runtime_error("class without required attributes");
    body_ << "};\n";
    body_ << "constexpr std::uint16_t " << id << "Required[] = {" << required << "};\n";
    // Open addressing, linear probing, at most half full: lookups rarely probe twice.
    std::size_t size = 16;
    while (size < names.size() * 2) size *= 2;
    if (names.size() >= 65535) throw std::runtime_error("too many attributes");
    std::vector<std::size_t> slots(size, 0);
    for (std::size_t i = 0; i < names.size(); ++i) {
      std::size_t s = siemhub::ocsf::name_hash(names[i]) & (size - 1);
      while (slots[s] != 0) s = (s + 1) & (size - 1);
      slots[s] = i + 1;
    }
    body_ << "constexpr std::uint16_t " << id << "Slots[] = {";
    for (std::size_t v : slots) body_ << v << ",";
    body_ << "};\n\n";
    return id;
  }

  std::string row(const std::string& name, const std::string& type, bool is_array, const std::string& req,
                  const std::string& enum_ref, const std::string& profile) const {
    return "  {" + cxx_string(name) + ", " + cxx_string(type) + ", " + kind_for(schema_.base_type(type)) + ", " +
           (is_array ? "true" : "false") + ", " + requirement_for(req) + ", " + enum_ref + ", " +
           cxx_string(profile) + "},\n";
  }

  Schema& schema_;
  std::ostringstream body_;
  std::map<std::string, std::string> enums_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: ocsf_schema_gen <schema-dir> <output.cpp>\n";
    return 2;
  }
  try {
    Schema schema{fs::path(argv[1])};
    const std::string text = Emitter(schema).run();
    // Write only on change so an unchanged schema does not recompile the library.
    std::ifstream old(argv[2], std::ios::binary);
    std::stringstream previous;
    previous << old.rdbuf();
    if (old && previous.str() == text) return 0;
    std::ofstream out(argv[2], std::ios::binary | std::ios::trunc);
    out << text;
    return out ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "ocsf_schema_gen: " << e.what() << "\n";
    return 1;
  }
}
