// siemhub SDK helpers — typed config values from the plugin's own schema, checked once.
//
//   struct Config { std::string url; uint32_t page_size; bool verify; };
//   void from_json(const nlohmann::json& j, Config& c) {      // called by SIEMHUB_PLUGIN's create
//     const siemhub::sdk::ConfigReader r(MySource::config_schema, j);  // throws Error(CONFIG) if invalid
//     c.url = r.get<std::string>("/url");
//     c.page_size = r.get<uint32_t>("/page_size");           // the schema's "default" when absent
//     c.verify = r.get<bool>("/tls/verify");
//   }
//
// The host validates a connector's config against the plugin's schema with valijson (draft-07)
// before create_instance, but the conformance runner and direct loads do not, and the host does
// not fill in defaults. ConfigReader closes both gaps without repeating the schema by hand: it
// checks the document against the draft-07 keywords a plugin config uses — type, enum, const,
// minimum/maximum (and exclusive), multipleOf, minLength/maxLength (code points), pattern,
// properties, required, additionalProperties, items, minItems/maxItems, uniqueItems, allOf,
// anyOf, oneOf, local `$ref` — and ignores the others (format, if/then/else, patternProperties,
// dependencies...), which the host's full check still covers. Defaults come from the schema's
// "default" along the pointer, also below an absent parent object. Errors name the JSON pointer
// (`config /page_size: 0 is less than the minimum 1`) and never echo a string value (it may be a
// secret: the host redacts "x-siemhub-secret" fields, this text goes to the log as it is).
//
// Uses nlohmann::json, which the SDK already depends on (plugin.hpp includes it and the
// siemhub::sdk CMake target links nlohmann_json). Throws siemhub::sdk::Error(Category::config),
// which the C++ layer turns into a CONFIG status in create_instance: nothing reaches a C caller.
// `ConfigReader::check` is the non-throwing form.
#ifndef SIEMHUB_CONFIG_HPP
#define SIEMHUB_CONFIG_HPP

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "siemhub/plugin.hpp"

namespace siemhub::sdk {

/// One way the config does not fit its schema.
struct ConfigIssue {
  std::string pointer;  ///< "/hec/url", "" for the whole document
  std::string message;  ///< "expected a string, got a number"
  std::string str() const { return "config " + (pointer.empty() ? std::string("/") : pointer) + ": " + message; }
};

class ConfigReader {
 public:
  /// Parses `schema` (the plugin's config_schema text) and checks `config` against it; throws
  /// Error(CONFIG) naming the first issues (and INTERNAL when the schema itself is not JSON).
  ConfigReader(std::string_view schema, const nlohmann::json& config) : ConfigReader(parse(schema), config) {}
  ConfigReader(const char* schema, const nlohmann::json& config) : ConfigReader(std::string_view(schema), config) {}
  ConfigReader(const std::string& schema, const nlohmann::json& config)
      : ConfigReader(std::string_view(schema), config) {}
  /// The same with the schema already parsed.
  ConfigReader(nlohmann::json schema, const nlohmann::json& config) : schema_(std::move(schema)), config_(config) {
    const std::vector<ConfigIssue> issues = check(schema_, config_);
    if (issues.empty()) return;
    std::string msg = issues[0].str();
    for (size_t i = 1; i < issues.size() && i < 5; ++i) msg += "; " + issues[i].str();
    if (issues.size() > 5) msg += "; and " + std::to_string(issues.size() - 5) + " more";
    throw Error(Category::config, msg);
  }

  /// Every issue of `config` against `schema` (empty = valid). Never throws.
  static std::vector<ConfigIssue> check(const nlohmann::json& schema, const nlohmann::json& config) noexcept {
    std::vector<ConfigIssue> out;
    try {
      Checker{schema, out}.validate(schema, config, "");
    } catch (const std::exception& e) {
      out.push_back({"", std::string("the config schema could not be applied: ") + e.what()});
    }
    return out;
  }

  /// The value at `pointer`, else the schema's default there; throws Error(CONFIG) when there
  /// is neither or it does not convert to T (integers: range-checked).
  template <class T>
  T get(std::string_view pointer) const {
    if (auto v = find<T>(pointer)) return *v;
    throw Error(Category::config, "config " + std::string(pointer) + ": missing (and the schema has no default)");
  }
  /// As get, but nullopt when the value is absent and the schema gives no default.
  template <class T>
  std::optional<T> find(std::string_view pointer) const {
    const nlohmann::json* v = at(pointer);
    if (v == nullptr) v = default_at(pointer);
    if (v == nullptr) return std::nullopt;
    return convert<T>(*v, pointer);
  }
  /// True when the config itself holds a value at `pointer` (a default does not count).
  bool has(std::string_view pointer) const { return at(pointer) != nullptr; }
  const nlohmann::json& json() const { return config_; }
  const nlohmann::json& schema() const { return schema_; }

 private:
  static nlohmann::json parse(std::string_view schema) {
    try {
      return nlohmann::json::parse(schema);
    } catch (const nlohmann::json::exception& e) {
      throw Error(Category::internal, std::string("the plugin's config schema is not JSON: ") + e.what());
    }
  }
  static nlohmann::json::json_pointer ptr(std::string_view p) {
    try {
      return nlohmann::json::json_pointer(std::string(p));
    } catch (const nlohmann::json::exception&) {
      throw Error(Category::internal, "ConfigReader: \"" + std::string(p) + "\" is not a JSON pointer");
    }
  }
  const nlohmann::json* at(std::string_view p) const {
    const auto jp = ptr(p);
    if (!config_.contains(jp)) return nullptr;
    const nlohmann::json& v = config_.at(jp);
    return v.is_null() ? nullptr : &v;
  }
  // The "default" of the subschema `p` leads to, following properties / items / $ref (a
  // "default" written beside a "$ref" counts too, as authors expect).
  const nlohmann::json* default_at(std::string_view p) const {
    const nlohmann::json* raw = &schema_;
    const nlohmann::json* s = deref(schema_, raw);
    for (const std::string& tok : split(p)) {
      if (s == nullptr || !s->is_object()) return nullptr;
      raw = nullptr;
      if (auto props = s->find("properties"); props != s->end() && props->contains(tok)) raw = &(*props)[tok];
      else if (auto items = s->find("items"); items != s->end() && items->is_object()) raw = &*items;
      s = deref(schema_, raw);
    }
    for (const nlohmann::json* node : {raw, s}) {
      if (node == nullptr || !node->is_object()) continue;
      if (const auto d = node->find("default"); d != node->end()) return &*d;
    }
    return nullptr;
  }
  static std::vector<std::string> split(std::string_view p) {
    std::vector<std::string> out;
    if (p.empty()) return out;
    for (size_t i = 1; i <= p.size();) {
      const size_t e = std::min(p.find('/', i), p.size());
      std::string tok(p.substr(i, e - i));
      for (size_t k = 0; (k = tok.find('~', k)) != std::string::npos; ++k)  // RFC 6901 §4
        tok.replace(k, 2, k + 1 < tok.size() && tok[k + 1] == '1' ? "/" : "~");
      out.push_back(std::move(tok));
      i = e + 1;
    }
    return out;
  }
  static const nlohmann::json* deref(const nlohmann::json& root, const nlohmann::json* s) {
    for (int hops = 0; s != nullptr && s->is_object() && s->contains("$ref") && hops < 16; ++hops) {
      const std::string ref = (*s)["$ref"].get<std::string>();
      if (ref.empty() || ref[0] != '#') return nullptr;  // only local references
      const auto jp = nlohmann::json::json_pointer(ref.substr(1));
      s = root.contains(jp) ? &root.at(jp) : nullptr;
    }
    return s;
  }

  template <class T>
  static T convert(const nlohmann::json& v, std::string_view p) {
    auto fail = [&](const std::string& m) { return Error(Category::config, "config " + std::string(p) + ": " + m); };
    if constexpr (std::is_same_v<T, bool>) {
      if (!v.is_boolean()) throw fail("expected a boolean, got " + type_name(v));
      return v.get<bool>();
    } else if constexpr (std::is_integral_v<T>) {
      if (!is_integer(v)) throw fail("expected an integer, got " + type_name(v));
      const long double x = v.get<long double>();
      if (x < static_cast<long double>(std::numeric_limits<T>::min()) ||
          x > static_cast<long double>(std::numeric_limits<T>::max()))
        throw fail("must be in " + std::to_string(std::numeric_limits<T>::min()) + ".." +
                   std::to_string(std::numeric_limits<T>::max()));
      return v.is_number_float() ? static_cast<T>(v.get<double>()) : v.get<T>();
    } else if constexpr (std::is_floating_point_v<T>) {
      if (!v.is_number()) throw fail("expected a number, got " + type_name(v));
      return v.get<T>();
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!v.is_string()) throw fail("expected a string, got " + type_name(v));
      return v.get<std::string>();
    } else {
      try {
        return v.get<T>();
      } catch (const nlohmann::json::exception& e) {
        throw fail(e.what());
      }
    }
  }
  static bool is_integer(const nlohmann::json& v) {
    return v.is_number_integer() || (v.is_number_float() && std::isfinite(v.get<double>()) &&
                                     std::floor(v.get<double>()) == v.get<double>());
  }
  static std::string type_name(const nlohmann::json& v) {
    if (v.is_number_integer()) return "an integer";
    if (v.is_number()) return "a number";
    if (v.is_string()) return "a string";
    if (v.is_boolean()) return "a boolean";
    if (v.is_array()) return "an array";
    if (v.is_object()) return "an object";
    return "null";
  }
  static size_t code_points(const std::string& s) {
    size_t n = 0;
    for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return n;
  }

  struct Checker {
    const nlohmann::json& root;
    std::vector<ConfigIssue>& out;

    void issue(const std::string& p, std::string m) { out.push_back({p, std::move(m)}); }
    static std::string num(const nlohmann::json& n) { return n.dump(); }
    static bool type_is(const std::string& t, const nlohmann::json& v) {
      if (t == "integer") return is_integer(v);
      if (t == "number") return v.is_number();
      if (t == "string") return v.is_string();
      if (t == "boolean") return v.is_boolean();
      if (t == "object") return v.is_object();
      if (t == "array") return v.is_array();
      if (t == "null") return v.is_null();
      return true;
    }
    // True when `v` fits `s` (issues appended to `out`).
    bool validate(const nlohmann::json& schema, const nlohmann::json& v, const std::string& p) {
      const size_t before = out.size();
      const nlohmann::json* s = deref(root, &schema);
      if (s == nullptr) {
        issue(p, "the schema's $ref does not resolve");
        return false;
      }
      if (s->is_boolean()) {
        if (!s->get<bool>()) issue(p, "not allowed");
        return out.size() == before;
      }
      if (!s->is_object()) return true;
      if (auto t = s->find("type"); t != s->end()) {
        bool ok = false;
        std::string names;
        for (const auto& one : t->is_array() ? *t : nlohmann::json::array({*t})) {
          ok = ok || type_is(one.get<std::string>(), v);
          names += (names.empty() ? "" : " or ") + one.get<std::string>();
        }
        if (!ok) {
          issue(p, "expected " + names + ", got " + type_name(v));
          return false;
        }
      }
      if (auto e = s->find("enum"); e != s->end() && e->is_array()) {
        bool found = false;
        for (const auto& x : *e) found = found || x == v;
        if (!found) issue(p, "must be one of " + e->dump());
      }
      if (auto c = s->find("const"); c != s->end() && *c != v) issue(p, "must be " + c->dump());
      if (v.is_number()) numeric(*s, v, p);
      if (v.is_string()) text(*s, v.get<std::string>(), p);
      if (v.is_object()) object(*s, v, p);
      if (v.is_array()) array(*s, v, p);
      if (auto all = s->find("allOf"); all != s->end())
        for (const auto& sub : *all) validate(sub, v, p);
      for (const char* key : {"anyOf", "oneOf"}) {
        auto any = s->find(key);
        if (any == s->end()) continue;
        size_t passed = 0;
        for (const auto& sub : *any) {
          std::vector<ConfigIssue> scratch;
          Checker{root, scratch}.validate(sub, v, p);
          passed += scratch.empty();
        }
        if (passed == 0) issue(p, std::string("does not match any of the ") + key + " alternatives");
        else if (key == std::string_view("oneOf") && passed > 1) issue(p, "matches more than one oneOf alternative");
      }
      return out.size() == before;
    }
    void numeric(const nlohmann::json& s, const nlohmann::json& v, const std::string& p) {
      const double x = v.get<double>();
      if (auto m = s.find("minimum"); m != s.end() && x < m->get<double>()) issue(p, num(v) + " is less than the minimum " + num(*m));
      if (auto m = s.find("maximum"); m != s.end() && x > m->get<double>()) issue(p, num(v) + " is more than the maximum " + num(*m));
      if (auto m = s.find("exclusiveMinimum"); m != s.end() && m->is_number() && x <= m->get<double>())
        issue(p, num(v) + " must be more than " + num(*m));
      if (auto m = s.find("exclusiveMaximum"); m != s.end() && m->is_number() && x >= m->get<double>())
        issue(p, num(v) + " must be less than " + num(*m));
      if (auto m = s.find("multipleOf"); m != s.end() && m->get<double>() > 0) {
        const double q = x / m->get<double>();
        if (std::fabs(q - std::round(q)) > 1e-9) issue(p, num(v) + " is not a multiple of " + num(*m));
      }
    }
    void text(const nlohmann::json& s, const std::string& v, const std::string& p) {
      const size_t n = code_points(v);
      if (auto m = s.find("minLength"); m != s.end() && n < m->get<size_t>())
        issue(p, "shorter than " + num(*m) + " characters");
      if (auto m = s.find("maxLength"); m != s.end() && n > m->get<size_t>())
        issue(p, "longer than " + num(*m) + " characters");
      if (auto m = s.find("pattern"); m != s.end() && m->is_string()) {
        try {
          if (!std::regex_search(v, std::regex(m->get<std::string>(), std::regex::ECMAScript)))
            issue(p, "does not match the pattern " + m->dump());
        } catch (const std::regex_error&) {
          // A pattern std::regex cannot compile is left to the host's check.
        }
      }
    }
    void object(const nlohmann::json& s, const nlohmann::json& v, const std::string& p) {
      if (auto req = s.find("required"); req != s.end())
        for (const auto& k : *req)
          if (!v.contains(k.get<std::string>())) issue(p + "/" + escape(k.get<std::string>()), "required but missing");
      const auto props = s.find("properties");
      const auto extra = s.find("additionalProperties");
      for (const auto& [k, val] : v.items()) {
        const std::string at = p + "/" + escape(k);
        if (props != s.end() && props->contains(k)) validate((*props)[k], val, at);
        else if (extra != s.end() && extra->is_boolean() && !extra->get<bool>()) issue(at, "unknown key");
        else if (extra != s.end() && extra->is_object()) validate(*extra, val, at);
      }
    }
    void array(const nlohmann::json& s, const nlohmann::json& v, const std::string& p) {
      if (auto m = s.find("minItems"); m != s.end() && v.size() < m->get<size_t>()) issue(p, "fewer than " + num(*m) + " items");
      if (auto m = s.find("maxItems"); m != s.end() && v.size() > m->get<size_t>()) issue(p, "more than " + num(*m) + " items");
      if (auto u = s.find("uniqueItems"); u != s.end() && u->is_boolean() && u->get<bool>())
        for (size_t i = 0; i < v.size(); ++i)
          for (size_t j = i + 1; j < v.size(); ++j)
            if (v[i] == v[j]) issue(p + "/" + std::to_string(j), "duplicates item " + std::to_string(i));
      if (auto items = s.find("items"); items != s.end()) {
        for (size_t i = 0; i < v.size(); ++i) {
          const nlohmann::json* sub = items->is_array() ? (i < items->size() ? &(*items)[i] : nullptr) : &*items;
          if (sub != nullptr) validate(*sub, v[i], p + "/" + std::to_string(i));
        }
      }
    }
    static std::string escape(const std::string& k) {  // RFC 6901: ~ -> ~0, / -> ~1
      std::string o;
      for (const char c : k) o += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
      return o;
    }
  };

  nlohmann::json schema_;
  nlohmann::json config_;
};

}  // namespace siemhub::sdk

#endif  // SIEMHUB_CONFIG_HPP
