// Schema checking with located, readable errors (see schema_check.hpp).
#include "config/schema_check.hpp"

#include <cmath>
#include <regex>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "config/config.hpp"

namespace siemhub::config {

using nlohmann::json;

namespace {

bool regex_matches(const std::string& pattern, const std::string& text) {
  try {
    return std::regex_search(text, std::regex(pattern, std::regex::ECMAScript));
  } catch (const std::regex_error&) {
    return false;
  }
}

std::string join_dotted(const std::string& prefix, const std::string& rest) {
  if (prefix.empty()) return rest;
  if (rest.empty() || rest.front() == '[') return prefix + rest;
  return prefix + "." + rest;
}

std::string number_text(double v) {
  if (std::floor(v) == v && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  json j = v;
  return j.dump();
}

std::string type_name(const json& v) {
  if (v.is_number_integer()) return "integer";
  if (v.is_number()) return "number";
  if (v.is_boolean()) return "boolean";
  return v.type_name();
}

struct Walk {
  const json& root_schema;
  const json& doc;
  const SourceMap& sources;
  const DocPlace& place;
  const std::set<std::string>& secrets;
  std::vector<ConfigError> errors;
  std::set<std::string> objects_with_unknown;  // relative pointers

  ConfigError at_key(const std::string& rel, const std::string& msg) const {
    return make_error(sources.key_or_value(place.pointer + rel),
                      join_dotted(place.dotted, dotted_path(doc, rel)), msg);
  }
  ConfigError at_value(const std::string& rel, const std::string& msg) const {
    return make_error(sources.value_or_ancestor(place.pointer + rel),
                      join_dotted(place.dotted, dotted_path(doc, rel)), msg);
  }

  // Unknown keys and property-name patterns, everywhere the schema says so.
  void structure(const json* schema, const json& node, const std::string& rel) {
    schema = deref(root_schema, schema);
    if (schema == nullptr || !schema->is_object()) return;
    if (node.is_object()) {
      const auto ap = schema->find("additionalProperties");
      const bool closed = ap != schema->end() && ap->is_boolean() && !ap->get<bool>();
      std::vector<std::string> known;
      if (auto p = schema->find("properties"); p != schema->end() && p->is_object())
        for (const auto& [k, _] : p->items()) known.push_back(k);
      std::string name_pattern;
      if (auto pn = schema->find("propertyNames"); pn != schema->end() && pn->is_object())
        name_pattern = pn->value("pattern", "");
      for (const auto& [key, value] : node.items()) {
        const std::string child = rel + "/" + pointer_escape(key);
        if (!name_pattern.empty() && !regex_matches(name_pattern, key)) {
          errors.push_back(at_key(child, "invalid name '" + key + "': must match " + name_pattern));
          objects_with_unknown.insert(rel);
        }
        const json* cs = member_schema(root_schema, schema, key);
        if (closed && cs == nullptr) {
          std::string msg = "unknown key '" + key + "'";
          if (auto s = closest_name(key, known); !s.empty()) msg += " (did you mean '" + s + "'?)";
          errors.push_back(at_key(child, msg));
          objects_with_unknown.insert(rel);
          continue;
        }
        if (cs != nullptr) structure(cs, value, child);
      }
    } else if (node.is_array()) {
      for (std::size_t i = 0; i < node.size(); ++i)
        if (const json* is = item_schema(root_schema, schema, i))
          structure(is, node[i], rel + "/" + std::to_string(i));
    }
  }

  // The schema that validated the node at `rel` (first match along the path), or nullptr.
  const json* schema_at(const std::string& rel) const {
    const json* s = deref(root_schema, &root_schema);
    const json* n = &doc;
    for (const auto& tok : pointer_split(rel)) {
      if (s == nullptr || n == nullptr) return nullptr;
      if (n->is_object()) {
        s = member_schema(root_schema, s, tok);
        auto it = n->find(tok);
        n = it == n->end() ? nullptr : &*it;
      } else if (n->is_array()) {
        const auto i = std::stoul(tok);
        s = item_schema(root_schema, s, i);
        n = i < n->size() ? &(*n)[i] : nullptr;
      } else {
        return nullptr;
      }
    }
    return deref(root_schema, s);
  }

  // Rewrites valijson's message into ours, "" to drop it (wrappers repeating a child's error).
  std::string rewrite(const std::string& rel, const std::string& msg) const {
    static const char* const wrappers[] = {
        "Failed to validate against schema associated with property name",
        "Failed to validate against schema associated with pattern",
        "Failed to validate item #", "Failed to validate against additional properties schema",
        "Failed to validate against child schema #"};
    for (const char* w : wrappers)
      if (msg.rfind(w, 0) == 0) return "";
    const json* s = schema_at(rel);
    const json* node = nullptr;
    try {
      node = &doc.at(json::json_pointer(rel));
    } catch (const std::exception&) {
    }
    if (msg.rfind("Object contains a property that could not be validated", 0) == 0) {
      if (objects_with_unknown.count(rel) != 0) return "";
      const auto q2 = msg.rfind('\'');
      const auto q1 = q2 == std::string::npos || q2 == 0 ? std::string::npos : msg.rfind('\'', q2 - 1);
      if (q1 == std::string::npos) return "unknown key";
      return "unknown key '" + msg.substr(q1 + 1, q2 - q1 - 1) + "'";
    }
    if (msg.rfind("Missing required property '", 0) == 0) {
      const auto first = msg.find('\'') + 1;
      const auto name = msg.substr(first, msg.rfind('\'') - first);
      return "missing required key '" + name + "'";
    }
    if (s == nullptr || node == nullptr) return msg;
    if (msg.rfind("Value type not permitted", 0) == 0 && s->contains("type")) {
      const json& t = (*s)["type"];
      std::string expected;
      if (t.is_array()) {
        for (const auto& e : t) expected += (expected.empty() ? "" : " or ") + e.get<std::string>();
      } else {
        expected = t.get<std::string>();
      }
      return "expected " + expected + ", got " + type_name(*node);
    }
    if (msg.rfind("Failed to match against any enum values", 0) == 0 && s->contains("enum")) {
      std::string values;
      for (const auto& e : (*s)["enum"])
        values += (values.empty() ? "" : ", ") + (e.is_string() ? e.get<std::string>() : e.dump());
      return "must be one of: " + values;
    }
    if (msg.rfind("Failed to match regex", 0) == 0 && s->contains("pattern"))
      return "does not match the pattern " + (*s)["pattern"].get<std::string>();
    if (msg.rfind("Expected number", 0) == 0 && node->is_number()) {
      const double v = node->get<double>();
      const bool secret = secrets.count(rel) != 0;
      const std::string got = secret ? "" : " (got " + number_text(v) + ")";
      auto bound = [&](const char* k) { return s->contains(k) && (*s)[k].is_number(); };
      if (bound("maximum") && v > (*s)["maximum"].get<double>())
        return "must be at most " + number_text((*s)["maximum"].get<double>()) + got;
      if (bound("exclusiveMaximum") && v >= (*s)["exclusiveMaximum"].get<double>())
        return "must be less than " + number_text((*s)["exclusiveMaximum"].get<double>()) + got;
      if (bound("minimum") && v < (*s)["minimum"].get<double>())
        return "must be at least " + number_text((*s)["minimum"].get<double>()) + got;
      if (bound("exclusiveMinimum") && v <= (*s)["exclusiveMinimum"].get<double>())
        return "must be greater than " + number_text((*s)["exclusiveMinimum"].get<double>()) + got;
    }
    return msg;
  }

  // valijson context ["<root>", "[a]", "[0]"] -> relative pointer "/a/0".
  static std::string context_pointer(const std::vector<std::string>& context) {
    std::string rel;
    for (std::size_t i = 1; i < context.size(); ++i) {
      const std::string& c = context[i];
      rel += "/" + pointer_escape(c.size() >= 2 ? c.substr(1, c.size() - 2) : c);
    }
    return rel;
  }
};

}  // namespace

const json* deref(const json& root, const json* schema) {
  for (int hops = 0; schema != nullptr && schema->is_object() && hops < 16; ++hops) {
    auto ref = schema->find("$ref");
    if (ref == schema->end() || !ref->is_string()) return schema;
    const std::string r = ref->get<std::string>();
    if (r.rfind("#", 0) != 0) return nullptr;  // remote refs are not supported
    try {
      schema = &root.at(json::json_pointer(r.substr(1)));
    } catch (const std::exception&) {
      return nullptr;
    }
  }
  return schema;
}

const json* member_schema(const json& root, const json* schema, const std::string& key) {
  schema = deref(root, schema);
  if (schema == nullptr || !schema->is_object()) return nullptr;
  if (auto p = schema->find("properties"); p != schema->end() && p->is_object())
    if (auto it = p->find(key); it != p->end()) return &*it;
  if (auto pp = schema->find("patternProperties"); pp != schema->end() && pp->is_object())
    for (const auto& [pattern, sub] : pp->items())
      if (regex_matches(pattern, key)) return &sub;
  if (auto ap = schema->find("additionalProperties"); ap != schema->end() && ap->is_object())
    return &*ap;
  return nullptr;
}

const json* item_schema(const json& root, const json* schema, std::size_t index) {
  schema = deref(root, schema);
  if (schema == nullptr || !schema->is_object()) return nullptr;
  auto items = schema->find("items");
  if (items == schema->end()) return nullptr;
  if (items->is_object()) return &*items;
  if (items->is_array()) {
    if (index < items->size()) return &(*items)[index];
    if (auto ai = schema->find("additionalItems"); ai != schema->end() && ai->is_object()) return &*ai;
  }
  return nullptr;
}

static void secrets_walk(const json& root, const json* schema, const json& node, const std::string& rel,
                         const std::function<void(const std::string&, const json&)>& fn, int depth) {
  schema = deref(root, schema);
  if (schema == nullptr || !schema->is_object() || depth > 64) return;
  if (auto m = schema->find("x-siemhub-secret"); m != schema->end() && m->is_boolean() && m->get<bool>())
    fn(rel, node);
  for (const char* comb : {"allOf", "anyOf", "oneOf"})
    if (auto c = schema->find(comb); c != schema->end() && c->is_array())
      for (const auto& branch : *c) secrets_walk(root, &branch, node, rel, fn, depth + 1);
  if (node.is_object()) {
    for (const auto& [key, value] : node.items())
      if (const json* cs = member_schema(root, schema, key))
        secrets_walk(root, cs, value, rel + "/" + pointer_escape(key), fn, depth + 1);
  } else if (node.is_array()) {
    for (std::size_t i = 0; i < node.size(); ++i)
      if (const json* is = item_schema(root, schema, i))
        secrets_walk(root, is, node[i], rel + "/" + std::to_string(i), fn, depth + 1);
  }
}

void for_each_secret(const json& schema, const json& doc,
                     const std::function<void(const std::string&, const json&)>& fn) {
  secrets_walk(schema, &schema, doc, "", fn, 0);
}

std::vector<ConfigError> check_schema(const json& doc, const json& schema, const SourceMap& sources,
                                      const DocPlace& place, const std::set<std::string>& secret_pointers) {
  Walk w{schema, doc, sources, place, secret_pointers, {}, {}};
  try {
    valijson::Schema compiled;
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter schema_adapter(schema);
    parser.populateSchema(schema_adapter, compiled);

    w.structure(&schema, doc, "");
    valijson::Validator validator;
    valijson::ValidationResults results;
    valijson::adapters::NlohmannJsonAdapter doc_adapter(doc);
    const bool ok = validator.validate(compiled, doc_adapter, &results);
    std::set<std::pair<std::string, std::string>> seen;
    for (const auto& e : results) {
      const std::string rel = Walk::context_pointer(e.context);
      const std::string msg = w.rewrite(rel, e.description);
      if (msg.empty() || !seen.emplace(rel, msg).second) continue;
      w.errors.push_back(w.at_value(rel, msg));
    }
    if (!ok && w.errors.empty()) w.errors.push_back(w.at_value("", "does not match the schema"));
  } catch (const std::exception& e) {
    w.errors.push_back(w.at_value("", std::string("unusable JSON Schema: ") + e.what()));
  }
  return std::move(w.errors);
}

}  // namespace siemhub::config
