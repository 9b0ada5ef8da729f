// Build-time generator: reads an OCSF release directory (data/ocsf/<version>/: events, objects,
// profiles, dictionary, categories, extensions/) and writes the tables declared in
// host/ocsf/schema.hpp as several .cpp files, so two cores compile them in parallel.
//
// Composition follows the OCSF schema compiler (ocsf/ocsf-server, ocsf-schema-compiler):
//   - `$include` (profiles, shared files) is resolved first; profile attributes carry their
//     profile (required only when an event lists it in metadata.profiles; "profile": null in the
//     including file opts out). An extension's profiles are named "<extension>/<profile>";
//   - platform extensions (extensions/*/) add dictionary attributes and types, objects and classes,
//     and patch core items: an extension object without a name of its own (or named like what it
//     extends) is merged into the core object before inheritance is resolved (the three
//     extensions all patch `process`); a patch's constraints replace the core ones;
//   - a class's or object's attributes = its parent's (`extends`, recursively), deep-merged with its
//     own; constraints (`at_least_one`, `just_one`) are the nearest definition up the chain;
//   - each attribute is then the dictionary entry deep-merged with the item's definition, so an
//     enum a class declares adds to / overrides the dictionary's;
//   - class_uid = category uid * 1000 + the class file's uid; an extension class is
//     (extension uid * 100 + category uid) * 1000 + uid (Registry Key Activity: 201001), its
//     category_uid stays the core category's; base_event is class 0, category 0;
//   - every timestamp_t attribute gets its optional `<attr>_dt` (datetime_t, datetime profile).
// Anything the tables cannot represent (an attribute missing from the dictionary, an unknown
// object type) fails the build with its name.
//
// Output layout: one string pool, attribute rows and index arrays that refer to it by offset, so
// the tables need no run-time relocation per string (see schema.hpp).
//
// usage: ocsf_schema_gen <schema-dir> <output-dir>   (writes ocsf_tables_{pool,enums,classes,objects,index}.cpp)
#include "ocsf/schema.hpp"  // name_hash: the generator and the lookup must agree

#include <nlohmann/json.hpp>

#include <algorithm>
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
  try {
    return json::parse(in);
  } catch (const std::exception& e) {
    throw std::runtime_error(p.string() + ": " + e.what());
  }
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

std::string cxx_chars(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f || c == '?') {  // '?': no trigraph surprises
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03o", c);  // octal escapes stop after 3 digits
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// One item (class or object) as read: its file, with `$include` resolved.
struct Item {
  json file;
  int extension_uid = 0;  // 0 = core
  std::string extension;  // "" = core
};

// A class or object after patches and inheritance.
struct Resolved {
  json attributes = json::object();
  json constraints = json::object();
  std::string category;
  std::set<std::string> profiles;
};

class Schema {
 public:
  explicit Schema(fs::path dir) : dir_(std::move(dir)) {
    dictionary_ = load(dir_ / "dictionary.json");
    categories_ = load(dir_ / "categories.json").at("attributes");
    version_ = load(dir_ / "version.json").at("version").get<std::string>();
    read_items(dir_, dir_ / "events", 0, "", events_);
    read_items(dir_, dir_ / "objects", 0, "", objects_);
    if (fs::is_directory(dir_ / "extensions")) read_extensions();
    collect_observables();
    for (auto& [name, patches] : object_patches_) {
      auto it = objects_.find(name);
      if (it == objects_.end()) throw std::runtime_error("extension patches unknown object '" + name + "'");
      for (const Item& patch : patches) apply_patch(it->second.file, patch.file);
    }
    // The release leaves observable.type_id with 0 and 99 only: its values are the "observable"
    // numbers that types, dictionary attributes, objects and class attributes declare, collected
    // as the compiler does (a value declared twice fails the build).
    deep_merge(objects_.at("observable").file["attributes"]["type_id"]["enum"], observable_enum_);
  }

  const Resolved& resolve(std::map<std::string, Item>& items, std::map<std::string, Resolved>& done,
                          const std::string& name, const char* kind) {
    if (auto it = done.find(name); it != done.end()) return it->second;
    const auto item = items.find(name);
    if (item == items.end()) throw std::runtime_error(std::string(kind) + " '" + name + "' is not defined");
    const json& file = item->second.file;
    Resolved r;
    // "object" is the root every object names; it has no attributes of its own to inherit.
    if (file.contains("extends") && file["extends"] != "object") {
      r = resolve(items, done, file["extends"].get<std::string>(), kind);
    }
    deep_merge(r.attributes, file.value("attributes", json::object()));
    if (file.contains("constraints")) r.constraints = file["constraints"];
    if (file.contains("category")) r.category = file["category"].get<std::string>();
    for (const auto& p : file.value("profiles", json::array())) r.profiles.insert(p.get<std::string>());
    return done[name] = std::move(r);
  }

  int category_uid(const std::string& category) const {
    if (category == "other") return 0;  // base_event's category: "Uncategorized" (category_uid enum 0)
    if (!categories_.contains(category)) throw std::runtime_error("unknown category '" + category + "'");
    return categories_.at(category).at("uid").get<int>();
  }

  const json& dictionary_attribute(const std::string& name, const std::string& where) const {
    const json& attrs = dictionary_.at("attributes");
    if (!attrs.contains(name)) throw std::runtime_error(where + ": attribute '" + name + "' is not in the dictionary");
    return attrs[name];
  }

  // The primitive a type reduces to ("timestamp_t" -> "long_t"), or "" for an object type.
  std::string base_type(const std::string& type) const {
    const json& types = dictionary_.at("types").at("attributes");
    if (!types.contains(type)) return "";
    const json& t = types[type];
    return t.contains("type") ? base_type(t["type"].get<std::string>()) : type;
  }

  fs::path dir_;
  json dictionary_;
  json categories_;
  std::string version_;
  std::map<std::string, Item> events_, objects_;
  std::map<std::string, Resolved> resolved_events_, resolved_objects_;

 private:
  // Reads every .json under `dir` into `into`, keyed by name, with `$include`s resolved against
  // `root` (the release or the extension directory).
  void read_items(const fs::path& root, const fs::path& dir, int ext_uid, const std::string& ext,
                  std::map<std::string, Item>& into, std::map<std::string, std::vector<Item>>* patches = nullptr) {
    if (!fs::is_directory(dir)) return;
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());  // deterministic output whatever the directory order
    for (const auto& path : files) {
      Item item{load(path), ext_uid, ext};
      resolve_includes(root, ext, item.file);
      const std::string extends = item.file.value("extends", "");
      const std::string name = item.file.value("name", "");
      if (patches && !extends.empty() && (name.empty() || name == extends)) {
        (*patches)[extends].push_back(std::move(item));
        continue;
      }
      if (name.empty()) throw std::runtime_error(path.string() + ": no name");
      if (into.count(name)) throw std::runtime_error(path.string() + ": '" + name + "' is defined twice");
      into.emplace(name, std::move(item));
    }
  }

  void resolve_includes(const fs::path& root, const std::string& ext, json& file) {
    if (!file.contains("attributes") || !file["attributes"].contains("$include")) return;
    json own = file["attributes"];
    json included = json::object();
    for (const auto& inc : own["$include"]) {
      const std::string rel = inc.get<std::string>();
      // An extension's include names a file of the extension, else of the release.
      const bool own_file = !ext.empty() && fs::exists(root / rel);
      const json file_included = load(own_file ? root / rel : dir_ / rel);
      json attrs = file_included.value("attributes", json::object());
      if (file_included.value("meta", "") == "profile") {
        const std::string profile = (own_file ? ext + "/" : "") + file_included.at("name").get<std::string>();
        for (auto& a : attrs) a["profile"] = profile;
      }
      deep_merge(included, attrs);
    }
    own.erase("$include");
    deep_merge(included, own);
    file["attributes"] = std::move(included);
  }

  void read_extensions() {
    std::vector<fs::path> dirs;
    for (const auto& e : fs::directory_iterator(dir_ / "extensions")) {
      if (e.is_directory() && fs::exists(e.path() / "extension.json")) dirs.push_back(e.path());
    }
    std::sort(dirs.begin(), dirs.end());
    for (const auto& d : dirs) {
      const json info = load(d / "extension.json");
      const int uid = info.at("uid").get<int>();
      // Profile names are scoped by the extension's directory name ("linux/linux_users"), as
      // classes list them.
      const std::string scope = d.filename().string();
      if (fs::exists(d / "dictionary.json")) {
        const json dict = load(d / "dictionary.json");
        for (const char* part : {"attributes", "types"}) {
          if (!dict.contains(part)) continue;
          json& into = part == std::string("types") ? dictionary_["types"]["attributes"] : dictionary_["attributes"];
          const json& from = part == std::string("types") ? dict[part].at("attributes") : dict[part];
          for (auto it = from.begin(); it != from.end(); ++it) {
            if (into.contains(it.key())) deep_merge(into[it.key()], it.value());
            else into[it.key()] = it.value();
          }
        }
      }
      std::map<std::string, Item> objects;
      read_items(d, d / "objects", uid, scope, objects, &object_patches_);
      for (auto& [name, item] : objects) {
        if (objects_.count(name)) throw std::runtime_error("extension " + scope + " redefines object '" + name + "'");
        objects_.emplace(name, std::move(item));
      }
      std::map<std::string, Item> events;
      read_items(d, d / "events", uid, scope, events);
      for (auto& [name, item] : events) {
        if (events_.count(name)) throw std::runtime_error("extension " + scope + " redefines class '" + name + "'");
        events_.emplace(name, std::move(item));
      }
    }
  }

  static void apply_patch(json& base, const json& patch) {
    json& attrs = base["attributes"];
    const json patched = patch.value("attributes", json::object());
    for (auto it = patched.begin(); it != patched.end(); ++it) {
      if (attrs.contains(it.key())) deep_merge(attrs[it.key()], it.value());
      else attrs[it.key()] = it.value();
    }
    if (patch.contains("profiles")) {
      std::set<std::string> all;
      for (const auto& p : base.value("profiles", json::array())) all.insert(p.get<std::string>());
      for (const auto& p : patch["profiles"]) all.insert(p.get<std::string>());
      base["profiles"] = all;
    }
    if (patch.contains("constraints")) base["constraints"] = patch["constraints"];
  }

  void add_observable(const json& number, const std::string& caption) {
    const std::string key = std::to_string(number.get<int>());
    if (observable_enum_.contains(key)) {
      throw std::runtime_error("observable type_id " + key + " declared twice (" + caption + ", " +
                               observable_enum_[key]["caption"].get<std::string>() + ")");
    }
    observable_enum_[key] = {{"caption", caption}};
  }

  void collect_observables() {
    const json& types = dictionary_["types"]["attributes"];
    for (auto it = types.begin(); it != types.end(); ++it) {
      if (it->contains("observable")) add_observable((*it)["observable"], it->value("caption", it.key()));
    }
    const json& attrs = dictionary_["attributes"];
    for (auto it = attrs.begin(); it != attrs.end(); ++it) {
      if (it->contains("observable")) add_observable((*it)["observable"], it->value("caption", it.key()));
    }
    const auto item_attributes = [&](const json& file, const std::string& caption) {
      const json a = file.value("attributes", json::object());
      for (auto it = a.begin(); it != a.end(); ++it) {
        if (it->is_object() && it->contains("observable")) {
          add_observable((*it)["observable"], caption + " " + it.key());
        }
      }
    };
    std::vector<const Item*> objects;
    for (const auto& [name, item] : objects_) objects.push_back(&item);
    for (const auto& [name, patches] : object_patches_) {
      for (const Item& p : patches) objects.push_back(&p);
    }
    for (const Item* item : objects) {
      const std::string caption = item->file.value("caption", item->file.value("name", ""));
      if (item->file.contains("observable")) add_observable(item->file["observable"], caption);
      item_attributes(item->file, caption);
    }
    for (const auto& [name, item] : events_) {
      const std::string caption = item.file.value("caption", name);
      item_attributes(item.file, caption);
      const json paths = item.file.value("observables", json::object());
      for (auto it = paths.begin(); it != paths.end(); ++it) add_observable(it.value(), caption + " " + it.key());
    }
  }

  std::map<std::string, std::vector<Item>> object_patches_;
  json observable_enum_ = json::object();
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

// Strings of every table in one pool; identical strings are stored once.
class Pool {
 public:
  std::size_t add(const std::string& s) {
    if (s.size() > 255) throw std::runtime_error("string over 255 bytes in the tables: " + s.substr(0, 40));
    if (auto it = offsets_.find(s); it != offsets_.end()) return it->second;
    const std::size_t at = text_.size();
    text_ += s;
    text_ += '\0';
    return offsets_[s] = at;
  }
  std::string view(const std::string& s) {
    return "std::string_view(pool + " + std::to_string(add(s)) + ", " + std::to_string(s.size()) + ")";
  }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::map<std::string, std::size_t> offsets_;
};

struct Record {
  std::string name, caption;
  int uid = 0, category = 0;  // classes only
  std::size_t first = 0, count = 0;        // into the class or object attribute array
  std::size_t required = 0, required_n = 0;  // into index[]
  std::size_t slots = 0, slots_n = 0;
  std::size_t at_least_one = 0, at_least_one_n = 0, just_one = 0, just_one_n = 0;
};

class Emitter {
 public:
  explicit Emitter(Schema& schema) : schema_(schema) {}

  void run(const fs::path& out_dir) {
    pool_.add("");
    // Objects first: class attributes refer to them by index.
    for (const auto& [name, item] : schema_.objects_) object_index_[name] = object_index_.size();
    for (const auto& [name, item] : schema_.objects_) {
      const Resolved& r = schema_.resolve(schema_.objects_, schema_.resolved_objects_, name, "object");
      Record rec{name, item.file.value("caption", name)};
      emit_table(rec, r, "object " + name, object_rows_, object_count_);
      objects_.push_back(rec);
    }
    std::map<int, Record> classes;
    for (const auto& [name, item] : schema_.events_) {
      const json& file = item.file;
      if (!file.contains("uid") && name != "base_event") continue;  // abstract parents (iam, network...)
      const Resolved& r = schema_.resolve(schema_.events_, schema_.resolved_events_, name, "class");
      const int category = schema_.category_uid(r.category);
      int uid = name == "base_event" ? 0 : category * 1000 + file["uid"].get<int>();
      if (item.extension_uid) uid += item.extension_uid * 100000;
      if (classes.count(uid)) throw std::runtime_error("class uid " + std::to_string(uid) + " twice: " + name);
      Record rec{name, file.at("caption").get<std::string>(), uid, category};
      emit_table(rec, r, "class " + name, class_rows_, class_count_);
      classes[uid] = rec;
    }

    write(out_dir / "ocsf_tables_enums.cpp", enums_file());
    write(out_dir / "ocsf_tables_classes.cpp", rows_file("class_attributes", class_rows_, class_count_));
    write(out_dir / "ocsf_tables_objects.cpp", rows_file("object_attributes", object_rows_, object_count_));
    write(out_dir / "ocsf_tables_index.cpp", records_file(classes));
    write(out_dir / "ocsf_tables_pool.cpp", pool_file());  // last: every string is in it now
  }

 private:
  static constexpr const char* kHeader =
      "// GENERATED by host/ocsf/tools/ocsf_schema_gen.cpp. Do not edit.\n#include \"ocsf/schema.hpp\"\n\n"
      "namespace siemhub::ocsf::generated {\n\n";

  static void write(const fs::path& path, const std::string& text) {
    // Write only on change so an unchanged schema does not recompile the library.
    std::ifstream old(path, std::ios::binary);
    std::stringstream previous;
    previous << old.rdbuf();
    if (old && previous.str() == text) return;
    old.close();
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path.string());
  }

  std::string pool_file() const {
    std::ostringstream out;
    out << kHeader << "extern const char pool[" << pool_.text().size() + 1 << "] =\n";
    const std::string& t = pool_.text();
    for (std::size_t i = 0; i < t.size(); i += 100) out << "  \"" << cxx_chars(t.substr(i, 100)) << "\"\n";
    out << ";\n\nstd::string_view version() { return " << '"' << cxx_chars(schema_.version_) << '"' << "; }\n\n"
        << "}  // namespace siemhub::ocsf::generated\n";
    return out.str();
  }

  std::string enums_file() const {
    std::ostringstream out;
    out << kHeader << "extern const EnumValue enum_values[" << std::max<std::size_t>(enum_count_, 1) << "] = {\n"
        << enum_rows_.str() << "};\n\n}  // namespace siemhub::ocsf::generated\n";
    return out.str();
  }

  std::string rows_file(const char* array, const std::ostringstream& rows, std::size_t n) const {
    std::ostringstream out;
    out << kHeader << "extern const AttributeInfo " << array << "[" << std::max<std::size_t>(n, 1) << "] = {\n"
        << rows.str() << "};\n\n}  // namespace siemhub::ocsf::generated\n";
    return out.str();
  }

  std::string table_init(const Record& r, const char* rows) {
    const auto span = [](const std::string& of, std::size_t first, std::size_t n, const char* type) {
      return "std::span<const " + std::string(type) + ">(" + of + " + " + std::to_string(first) + ", " +
             std::to_string(n) + ")";
    };
    return "{" + span(rows, r.first, r.count, "AttributeInfo") + ", " + span("index", r.required, r.required_n, "std::uint16_t") +
           ", " + span("index", r.slots, r.slots_n, "std::uint16_t") + ", " +
           span("index", r.at_least_one, r.at_least_one_n, "std::uint16_t") + ", " +
           span("index", r.just_one, r.just_one_n, "std::uint16_t") + "}";
  }

  std::string records_file(const std::map<int, Record>& classes) {
    std::ostringstream out;
    out << kHeader << dropped_.str() << "extern const char pool[" << "POOL_SIZE" << "];\n"
        << "extern const AttributeInfo class_attributes[" << std::max<std::size_t>(class_count_, 1) << "];\n"
        << "extern const AttributeInfo object_attributes[" << std::max<std::size_t>(object_count_, 1) << "];\n\n"
        << "namespace {\n\nconstexpr std::uint16_t index[] = {";
    for (std::size_t i = 0; i < index_.size(); ++i) out << (i % 32 ? "" : "\n  ") << index_[i] << ",";
    out << "\n};\n\n}  // namespace\n\nconstinit const ObjectInfo object_table[] = {\n";
    for (const Record& r : objects_) {
      out << "  {" << table_init(r, "object_attributes") << ", " << pool_.view(r.name) << ", " << pool_.view(r.caption) << "},\n";
    }
    out << "};\n\nconstinit const ClassInfo class_table[] = {\n";
    for (const auto& [uid, r] : classes) {
      out << "  {" << table_init(r, "class_attributes") << ", " << uid << ", " << pool_.view(r.name) << ", "
          << pool_.view(r.caption) << ", " << r.category << "},\n";
    }
    out << "};\n\nconstinit const CategoryInfo category_table[] = {\n  {0, " << pool_.view("other") << ", "
        << pool_.view("Uncategorized") << "},\n";
    std::map<int, std::string> cats;
    for (auto it = schema_.categories_.begin(); it != schema_.categories_.end(); ++it) {
      const int uid = it.value().at("uid").get<int>();
      cats[uid] = "  {" + std::to_string(uid) + ", " + pool_.view(it.key()) + ", " +
                  pool_.view(it.value().at("caption").get<std::string>()) + "},\n";
    }
    for (const auto& [uid, init] : cats) out << init;
    out << "};\n\nconstinit const std::string_view profile_table[] = {\n";
    for (const std::string& p : profiles_) out << "  " << pool_.view(p) << ",\n";
    out << "};\n\n"
        << "std::span<const ClassInfo> classes() { return class_table; }\n"
        << "std::span<const ObjectInfo> objects() { return object_table; }\n"
        << "std::span<const CategoryInfo> categories() { return category_table; }\n"
        << "std::span<const std::string_view> profiles() { return profile_table; }\n\n"
        << "}  // namespace siemhub::ocsf::generated\n";
    std::string text = out.str();
    text.replace(text.find("POOL_SIZE"), 9, std::to_string(pool_.text().size() + 1));
    return text;
  }

  std::pair<std::size_t, std::size_t> emit_enum(const json& values) {
    std::map<long long, std::string> sorted;
    for (auto it = values.begin(); it != values.end(); ++it) {
      sorted[std::stoll(it.key())] = it.value().value("caption", "");
    }
    std::string key;
    for (const auto& [v, caption] : sorted) key += std::to_string(v) + "=" + caption + "\n";
    if (auto it = enums_.find(key); it != enums_.end()) return it->second;  // many items share enums
    const std::size_t first = enum_count_;
    for (const auto& [v, caption] : sorted) {
      enum_rows_ << "  {" << v << ", " << pool_.add(caption) << ", " << caption.size() << "},\n";
      ++enum_count_;
    }
    return enums_[key] = {first, sorted.size()};
  }

  static bool integer_keys(const json& values) {
    for (auto it = values.begin(); it != values.end(); ++it) {
      const std::string& k = it.key();
      if (k.empty() || k.find_first_not_of("-0123456789") != std::string::npos) return false;
    }
    return true;
  }

  std::size_t profile_index(const std::string& profile) {
    if (profile.empty()) return 0;
    const auto it = std::find(profiles_.begin(), profiles_.end(), profile);
    if (it != profiles_.end()) return static_cast<std::size_t>(it - profiles_.begin()) + 1;
    profiles_.push_back(profile);
    return profiles_.size();
  }

  std::size_t push_index(const std::vector<std::size_t>& values) {
    const std::size_t at = index_.size();
    for (std::size_t v : values) {
      if (v > 65535) throw std::runtime_error("index over 16 bits");
      index_.push_back(v);
    }
    return at;
  }

  struct Row {
    std::string type;
    json merged;
    bool datetime = false;
  };

  void emit_table(Record& rec, const Resolved& r, const std::string& where, std::ostringstream& out, std::size_t& count) {
    std::map<std::string, Row> rows;
    for (auto it = r.attributes.begin(); it != r.attributes.end(); ++it) {
      json merged = schema_.dictionary_attribute(it.key(), where);
      deep_merge(merged, it.value());
      const std::string type = merged.at("type").get<std::string>();
      if (type == "object_t") throw std::runtime_error(where + ": attribute '" + it.key() + "' has no object type");
      if (schema_.base_type(type).empty() && !object_index_.count(type)) {
        throw std::runtime_error(where + ": attribute '" + it.key() + "' has unknown type '" + type + "'");
      }
      rows[it.key()] = Row{type, merged};
      if (type == "timestamp_t" && !r.attributes.contains(it.key() + "_dt")) {
        json dt = {{"requirement", "optional"}, {"profile", "datetime"}};
        rows[it.key() + "_dt"] = Row{"datetime_t", dt, true};
      }
    }
    if (rows.size() > 255) throw std::runtime_error(where + ": over 255 attributes");
    std::map<std::string, std::size_t> position;
    for (const auto& [name, row] : rows) position[name] = position.size();

    rec.first = count;
    rec.count = rows.size();
    std::vector<std::size_t> required;
    for (const auto& [name, row] : rows) {
      const json& m = row.merged;
      std::pair<std::size_t, std::size_t> enum_ref{0, 0};
      // class_uid / category_uid / type_uid enums are computed per class by the OCSF server; the
      // base_event placeholders (0 = Base Event / Uncategorized) are not constraints.
      const bool computed = name == "class_uid" || name == "category_uid" || name == "type_uid";
      if (m.contains("enum") && !computed && integer_keys(m["enum"])) enum_ref = emit_enum(m["enum"]);
      const std::string profile = m.contains("profile") && m["profile"].is_string() ? m["profile"].get<std::string>() : "";
      const std::string req = m.value("requirement", std::string("optional"));
      std::size_t sibling = 0;
      if (m.contains("sibling") && m["sibling"].is_string()) {
        const auto s = position.find(m["sibling"].get<std::string>());
        if (s != position.end()) sibling = s->second + 1;
      }
      const std::size_t object = schema_.base_type(row.type).empty() ? object_index_.at(row.type) + 1 : 0;
      if (req == "required") required.push_back(position[name]);
      out << "  {" << pool_.add(name) << ", " << pool_.add(row.type) << ", " << enum_ref.first << ", "
          << enum_ref.second << ", " << object << ", " << profile_index(profile) << ", " << name.size() << ", "
          << row.type.size() << ", " << sibling << ", " << kind_for(schema_.base_type(row.type)) << ", "
          << requirement_for(req) << ", " << (m.value("is_array", false) ? "true" : "false") << "},\n";
      ++count;
    }
    rec.required = push_index(required);
    rec.required_n = required.size();

    // Open addressing, linear probing, at most half full: lookups rarely probe twice.
    std::size_t size = 16;
    while (size < rows.size() * 2) size *= 2;
    std::vector<std::size_t> slots(size, 0);
    std::size_t i = 0;
    for (const auto& [name, row] : rows) {
      std::size_t s = siemhub::ocsf::name_hash(name) & (size - 1);
      while (slots[s] != 0) s = (s + 1) & (size - 1);
      slots[s] = ++i;
    }
    rec.slots = push_index(slots);
    rec.slots_n = size;

    const auto constraint = [&](const char* key, std::size_t& first, std::size_t& n) {
      if (!r.constraints.contains(key)) return;
      std::vector<std::size_t> members;
      for (const auto& m : r.constraints[key]) {
        const auto p = position.find(m.get<std::string>());
        // The release has a few (event_log_activity's at_least_one names log_file, which the
        // class lacks): a member the item cannot hold can never be present, so it is left out,
        // and the generated file says so.
        if (p == position.end()) {
          dropped_ << "// " << where << ": constraint " << key << " names '" << m.get<std::string>()
                   << "', which it does not have (left out)\n";
          continue;
        }
        members.push_back(p->second);
      }
      first = push_index(members);
      n = members.size();
    };
    constraint("at_least_one", rec.at_least_one, rec.at_least_one_n);
    constraint("just_one", rec.just_one, rec.just_one_n);
  }

  Schema& schema_;
  Pool pool_;
  std::map<std::string, std::size_t> object_index_;
  std::vector<Record> objects_;
  std::ostringstream class_rows_, object_rows_, enum_rows_;
  std::size_t class_count_ = 0, object_count_ = 0, enum_count_ = 0;
  std::map<std::string, std::pair<std::size_t, std::size_t>> enums_;
  std::vector<std::string> profiles_;
  std::vector<std::size_t> index_;
  std::ostringstream dropped_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: ocsf_schema_gen <schema-dir> <output-dir>\n";
    return 2;
  }
  try {
    Schema schema{fs::path(argv[1])};
    fs::create_directories(argv[2]);
    Emitter(schema).run(fs::path(argv[2]));
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "ocsf_schema_gen: " << e.what() << "\n";
    return 1;
  }
}
