// The published OCSF 1.8.0 release read straight from its schema files (data/ocsf/1.8.0), and
// minimal valid events built from the attribute definitions alone: for tests that check the
// generated tables and the hub against the release itself, not against hand-written JSON.
//
// The composition here is deliberately small and independent of the generator: `extends`,
// `$include`, the dictionary, the extensions' dictionaries and object patches, nearest constraints.
#pragma once

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace siemhub::testing::ocsf_release {

using nlohmann::json;
namespace fs = std::filesystem;


json read(const fs::path& p) {
  std::ifstream in(p);
  REQUIRE(in);
  return json::parse(in);
}

void merge(json& into, const json& from) {
  if (!into.is_object() || !from.is_object()) {
    into = from;
    return;
  }
  for (auto it = from.begin(); it != from.end(); ++it) merge(into[it.key()], it.value());
}

struct Attribute {
  std::string type;
  bool array = false;
  bool required = false;
  json enum_values;  // null when none
};

struct Item {
  json file;
  int extension_uid = 0;
};

class Release {
 public:
  explicit Release(const fs::path& dir) : dir_(dir) {
    dictionary_ = read(dir / "dictionary.json");
    categories_ = read(dir / "categories.json")["attributes"];
    load_dir(dir, dir / "events", 0, events_, nullptr);
    load_dir(dir, dir / "objects", 0, objects_, nullptr);
    for (const auto& ext : fs::directory_iterator(dir / "extensions")) {
      if (!fs::exists(ext.path() / "extension.json")) continue;
      const int uid = read(ext.path() / "extension.json")["uid"].get<int>();
      if (fs::exists(ext.path() / "dictionary.json")) {
        const json d = read(ext.path() / "dictionary.json");
        merge(dictionary_["attributes"], d.value("attributes", json::object()));
        if (d.contains("types")) merge(dictionary_["types"]["attributes"], d["types"]["attributes"]);
      }
      std::vector<Item> patches;
      load_dir(ext.path(), ext.path() / "objects", uid, objects_, &patches);
      load_dir(ext.path(), ext.path() / "events", uid, events_, nullptr);
      for (const Item& p : patches) {
        json& base = objects_.at(p.file["extends"].get<std::string>()).file;
        merge(base["attributes"], p.file.value("attributes", json::object()));
        if (p.file.contains("constraints")) base["constraints"] = p.file["constraints"];
      }
    }
  }

  // Every concrete class: name -> (class_uid, category_uid).
  std::map<std::string, std::pair<int, int>> classes() const {
    std::map<std::string, std::pair<int, int>> out;
    for (const auto& [name, item] : events_) {
      if (!item.file.contains("uid")) continue;
      const json own = chain_value(events_, name, "category");
      const int category = categories_.at(own.get<std::string>())["uid"].get<int>();
      const int uid = item.extension_uid * 100000 + category * 1000 + item.file["uid"].get<int>();
      out[name] = {uid, category};
    }
    return out;
  }

  std::map<std::string, Attribute> attributes(bool event, const std::string& name) const {
    const json raw = raw_attributes(event ? events_ : objects_, name);
    std::map<std::string, Attribute> out;
    for (auto it = raw.begin(); it != raw.end(); ++it) {
      json a = dictionary_["attributes"].at(it.key());
      merge(a, it.value());
      const bool profiled = a.contains("profile") && a["profile"].is_string();
      out[it.key()] = Attribute{a.at("type").get<std::string>(), a.value("is_array", false),
                                a.value("requirement", "") == "required" && !profiled,
                                a.contains("enum") ? a["enum"] : json()};
    }
    return out;
  }

  json constraints(bool event, const std::string& name) const {
    return chain_value(event ? events_ : objects_, name, "constraints");
  }

  bool is_object_type(const std::string& type) const { return objects_.count(type) != 0; }

  // The primitive type at the root of a dictionary type ("timestamp_t" -> "long_t").
  std::string primitive(const std::string& type) const {
    const json& t = dictionary_["types"]["attributes"].at(type);
    return t.contains("type") ? primitive(t["type"].get<std::string>()) : type;
  }

 private:
  void load_dir(const fs::path& root, const fs::path& dir, int ext, std::map<std::string, Item>& into,
                std::vector<Item>* patches) {
    if (!fs::exists(dir)) return;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      if (e.path().extension() != ".json") continue;
      json file = read(e.path());
      if (file.contains("attributes") && file["attributes"].contains("$include")) {
        json attrs = json::object();
        for (const auto& inc : file["attributes"]["$include"]) {
          const fs::path p = fs::exists(root / inc.get<std::string>()) ? root / inc.get<std::string>()
                                                                       : dir_ / inc.get<std::string>();
          const json included = read(p);
          json more = included.value("attributes", json::object());
          if (included.value("meta", "") == "profile") {
            for (auto& a : more) a["profile"] = included["name"];
          }
          merge(attrs, more);
        }
        file["attributes"].erase("$include");
        merge(attrs, file["attributes"]);
        file["attributes"] = attrs;
      }
      const std::string name = file.value("name", "");
      if (patches && (name.empty() || name == file.value("extends", ""))) {
        patches->push_back(Item{file, ext});
      } else {
        into[name] = Item{file, ext};
      }
    }
  }

  static json raw_attributes(const std::map<std::string, Item>& items, const std::string& name) {
    const json& file = items.at(name).file;
    json out = json::object();
    if (file.contains("extends") && file["extends"] != "object") out = raw_attributes(items, file["extends"]);
    merge(out, file.value("attributes", json::object()));
    return out;
  }

  static json chain_value(const std::map<std::string, Item>& items, const std::string& name, const char* key) {
    const json& file = items.at(name).file;
    if (file.contains(key)) return file[key];
    if (file.contains("extends") && file["extends"] != "object") return chain_value(items, file["extends"], key);
    return json();
  }

  fs::path dir_;
  json dictionary_, categories_;
  std::map<std::string, Item> events_, objects_;
};

// Minimal valid values, built from the attribute definitions alone.
class Builder {
 public:
  explicit Builder(const Release& r) : release_(r) {}

  json value(const Attribute& a, int depth) const {
    json one;
    if (a.enum_values.is_object() && !a.enum_values.empty()) {
      const std::string first = a.enum_values.begin().key();
      one = release_.primitive(a.type) == "string_t" ? json(first) : json(std::stoll(first));
    } else if (release_.is_object_type(a.type)) {
      one = object(false, a.type, depth + 1);
    } else {
      const std::string p = release_.primitive(a.type);
      if (p == "string_t") one = a.type == "datetime_t" ? "2023-11-14T22:13:20Z" : "x";
      else if (p == "integer_t" || p == "long_t") one = 1;
      else if (p == "float_t") one = 1.5;
      else if (p == "boolean_t") one = true;
      else one = json::object();  // json_t
    }
    return a.array ? json::array({one}) : one;
  }

  // The required attributes of a class or object, and one member of each constraint.
  json object(bool event, const std::string& name, int depth) const {
    REQUIRE(depth < 16);  // the release has no cycle of required objects
    const auto attrs = release_.attributes(event, name);
    json out = json::object();
    for (const auto& [key, a] : attrs) {
      if (a.required) out[key] = value(a, depth);
    }
    const json constraints = release_.constraints(event, name);
    if (constraints.is_object()) {
      for (const char* kind : {"at_least_one", "just_one"}) {
        if (!constraints.contains(kind)) continue;
        bool met = false;
        for (const auto& m : constraints[kind]) met = met || out.contains(m.get<std::string>());
        if (met) continue;
        for (const auto& m : constraints[kind]) {
          // A member the item has; a dotted member ("device.os.sp_name") names a nested path.
          const std::string member = m.get<std::string>();
          const std::string head = member.substr(0, member.find('.'));
          if (!attrs.count(head)) continue;
          if (head == member) {
            out[member] = value(attrs.at(member), depth);
          } else {
            set_path(event, name, out, member, depth);
          }
          break;
        }
      }
    }
    return out;
  }

 private:
  void set_path(bool event, const std::string& item, json& at, const std::string& path, int depth) const {
    const auto dot = path.find('.');
    const std::string head = path.substr(0, dot);
    const Attribute a = release_.attributes(event, item).at(head);
    if (dot == std::string::npos) {
      at[head] = value(a, depth);
      return;
    }
    if (!at.contains(head)) at[head] = object(false, a.type, depth + 1);
    set_path(false, a.type, at[head], path.substr(dot + 1), depth + 1);
  }

  const Release& release_;
};

// The minimal valid event of class `name` (uid, category): its required attributes and constraint
// members, the first activity, type_uid, and metadata.version.
inline json minimal_event(const Release& release, const Builder& builder, const std::string& name, int uid,
                          int category) {
  json event = builder.object(true, name, 0);
  const auto attrs = release.attributes(true, name);
  const json& activities = attrs.at("activity_id").enum_values;
  event["activity_id"] = std::stoll(activities.begin().key());
  event["class_uid"] = uid;
  event["category_uid"] = category;
  event["type_uid"] = std::int64_t{uid} * 100 + event["activity_id"].get<std::int64_t>();
  event["metadata"]["version"] = "1.8.0";
  return event;
}

}  // namespace siemhub::testing::ocsf_release
