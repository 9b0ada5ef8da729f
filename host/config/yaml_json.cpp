// yaml-cpp event handler that builds nlohmann::json and a SourceMap (see yaml_json.hpp).
#include "config/yaml_json.hpp"

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

namespace siemhub::config {

namespace {

using nlohmann::json;

// Plain scalar typing, YAML 1.2 core schema (minus .inf/.nan, which JSON cannot carry).
json plain_scalar(const std::string& s, std::string& error) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  static const std::regex dec("[-+]?[0-9]+");
  static const std::regex hex("0x[0-9a-fA-F]+");
  static const std::regex oct("0o[0-7]+");
  static const std::regex flt("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  const bool is_dec = std::regex_match(s, dec);
  if (is_dec || std::regex_match(s, hex) || std::regex_match(s, oct)) {
    const int base = is_dec ? 10 : (s[1] == 'x' ? 16 : 8);
    const char* first = s.data() + (is_dec ? (s[0] == '+' ? 1 : 0) : 2);
    const char* last = s.data() + s.size();
    std::int64_t v = 0;
    if (auto r = std::from_chars(first, last, v, base); r.ec == std::errc() && r.ptr == last) return v;
    std::uint64_t u = 0;
    if (auto r = std::from_chars(first, last, u, base); r.ec == std::errc() && r.ptr == last) return u;
    error = "integer " + s + " is out of range";
    return s;
  }
  if (std::regex_match(s, flt)) return std::strtod(s.c_str(), nullptr);
  return s;
}

SourceLocation loc(const std::string& file, const YAML::Mark& m) {
  if (m.is_null()) return SourceLocation{file, 0, 0};
  return SourceLocation{file, m.line + 1, m.column + 1};
}

class Builder final : public YAML::EventHandler {
 public:
  Builder(std::string file, YamlDocument& doc, std::vector<ConfigError>& errors)
      : file_(std::move(file)), doc_(doc), errors_(errors) {}

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ > 1) error(mark, "", "only one YAML document per file is allowed");
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    check_anchor(mark, anchor);
    if (key_position()) return take_key(mark, "", "empty or null mapping keys are not supported");
    add_value(mark, nullptr);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    if (key_position()) return take_key(mark, "", "aliases (*name) are not supported");
    error(mark, child_dotted(), "aliases (*name) are not supported: repeat the value instead");
    add_value(mark, nullptr);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    check_anchor(mark, anchor);
    const bool plain = tag == "?";
    const bool str_tag = tag == "!" || tag == "tag:yaml.org,2002:str";
    if (key_position()) {
      if (plain && value == "<<")
        return take_key(mark, value, "merge keys (<<) are not supported: repeat the keys instead");
      return take_key(mark, value, "");
    }
    if (!plain && !str_tag) {
      error(mark, child_dotted(), "unsupported YAML tag '" + tag + "'");
      return add_value(mark, value);
    }
    if (!plain) return add_value(mark, value);
    std::string problem;
    json v = plain_scalar(value, problem);
    if (!problem.empty()) error(mark, child_dotted(), problem);
    add_value(mark, std::move(v));
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    start(mark, anchor, json::array());
  }
  void OnSequenceEnd() override { end(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    start(mark, anchor, json::object());
  }
  void OnMapEnd() override { end(); }

  void OnAnchor(const YAML::Mark& mark, const std::string& name) override {
    anchor_reported_ = true;
    error(mark, "", "anchors (&" + name + ") are not supported: repeat the value instead");
  }

 private:
  struct Frame {
    json value;
    std::string pointer, dotted;
    bool discard = false;  // part of a duplicate's value or of a complex key: dropped
    bool have_key = false;
    bool key_discard = false;  // the pending key is a duplicate or invalid
    std::string key;
    std::map<std::string, int> key_lines;
  };

  bool key_position() const {
    return !stack_.empty() && stack_.back().value.is_object() && !stack_.back().have_key;
  }
  bool discarding() const {
    return !stack_.empty() && (stack_.back().discard || stack_.back().key_discard);
  }
  std::string child_pointer() const {
    if (stack_.empty()) return "";
    const Frame& f = stack_.back();
    if (f.value.is_array()) return f.pointer + "/" + std::to_string(f.value.size());
    return f.pointer + "/" + pointer_escape(f.key);
  }
  std::string child_dotted() const {
    if (stack_.empty()) return "";
    const Frame& f = stack_.back();
    if (f.value.is_array()) return f.dotted + "[" + std::to_string(f.value.size()) + "]";
    return f.dotted.empty() ? f.key : f.dotted + "." + f.key;
  }

  void error(const YAML::Mark& mark, const std::string& dotted, const std::string& message) {
    errors_.push_back(make_error(loc(file_, mark), dotted, message));
  }

  void check_anchor(const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (anchor != 0 && !anchor_reported_) error(mark, "", "anchors (&name) are not supported");
    anchor_reported_ = false;
  }

  void take_key(const YAML::Mark& mark, const std::string& key, const std::string& problem) {
    Frame& f = stack_.back();
    f.have_key = true;
    f.key = key;
    f.key_discard = f.discard;
    const std::string dotted = f.dotted.empty() ? key : f.dotted + "." + key;
    if (!problem.empty()) {
      error(mark, f.dotted, problem);
      f.key_discard = true;
      return;
    }
    if (f.discard) return;
    if (auto it = f.key_lines.find(key); it != f.key_lines.end()) {
      error(mark, dotted,
            "duplicate key '" + key + "' (first defined at line " + std::to_string(it->second) + ")");
      f.key_discard = true;
      return;
    }
    f.key_lines.emplace(key, mark.line + 1);
    doc_.sources.keys[child_pointer()] = loc(file_, mark);
  }

  void add_value(const YAML::Mark& mark, json v) {
    if (!discarding()) doc_.sources.values[child_pointer()] = loc(file_, mark);
    attach(std::move(v));
  }

  void attach(json v) {
    if (stack_.empty()) {
      if (documents_ <= 1) doc_.value = std::move(v);
      return;
    }
    Frame& f = stack_.back();
    if (f.value.is_array()) {
      if (!f.discard) f.value.push_back(std::move(v));
      return;
    }
    if (!f.key_discard && !f.discard) f.value[f.key] = std::move(v);
    f.have_key = false;
    f.key_discard = false;
  }

  void start(const YAML::Mark& mark, YAML::anchor_t anchor, json empty) {
    check_anchor(mark, anchor);
    if (key_position()) {
      // A complex key ("? [a, b]: x"): report it, parse and drop the key and its value.
      take_key(mark, "", "complex mapping keys are not supported");
      stack_.back().have_key = false;  // the key's own events follow; its value after that
      complex_keys_.push_back(stack_.size());
    }
    Frame f;
    f.value = std::move(empty);
    f.pointer = child_pointer();
    f.dotted = child_dotted();
    f.discard = discarding();
    if (!f.discard) doc_.sources.values[f.pointer] = loc(file_, mark);
    stack_.push_back(std::move(f));
  }

  void end() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    if (!complex_keys_.empty() && complex_keys_.back() == stack_.size()) {
      complex_keys_.pop_back();
      Frame& parent = stack_.back();
      parent.have_key = true;
      parent.key_discard = true;
      return;
    }
    attach(std::move(f.value));
  }

  std::string file_;
  YamlDocument& doc_;
  std::vector<ConfigError>& errors_;
  std::vector<Frame> stack_;
  std::vector<std::size_t> complex_keys_;
  int documents_ = 0;
  bool anchor_reported_ = false;
};

}  // namespace

std::optional<YamlDocument> parse_yaml_text(std::string_view text, const std::string& file_label,
                                            std::vector<ConfigError>& errors) {
  YamlDocument doc;
  try {
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    Builder builder(file_label, doc, errors);
    while (parser.HandleNextDocument(builder)) {
    }
  } catch (const YAML::Exception& e) {
    errors.push_back(make_error(loc(file_label, e.mark), "", "YAML syntax error: " + e.msg));
    return std::nullopt;
  } catch (const std::exception& e) {
    errors.push_back(make_error(SourceLocation{file_label, 0, 0}, "", e.what()));
    return std::nullopt;
  }
  return doc;
}

std::optional<YamlDocument> parse_yaml_file(const std::filesystem::path& file,
                                            std::vector<ConfigError>& errors) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    errors.push_back(make_error(SourceLocation{file.string(), 0, 0}, "", "cannot read file"));
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_yaml_text(ss.str(), file.string(), errors);
}

}  // namespace siemhub::config
