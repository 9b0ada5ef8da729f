#include "ocsf/complete.hpp"

#include "core/bytes.hpp"
#include "ocsf/schema.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <limits>
#include <memory>

namespace siemhub::ocsf {

namespace dom = simdjson::dom;

namespace {

void derive(Completion& add, std::optional<std::int64_t> class_uid, std::optional<std::int64_t> activity_id,
            bool has_category, bool has_type) {
  if (!has_category && class_uid) {
    if (const ClassInfo* c = class_info(*class_uid)) add.category_uid = c->category_uid;
  }
  std::int64_t t = 0;
  if (!has_type && class_uid && activity_id && !__builtin_mul_overflow(*class_uid, std::int64_t{100}, &t) &&
      !__builtin_add_overflow(t, *activity_id, &t)) {
    add.type_uid = t;
  }
}

std::optional<std::int64_t> json_int(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  if (it->is_number_unsigned() && it->get<std::uint64_t>() > std::uint64_t(std::numeric_limits<std::int64_t>::max())) {
    return std::nullopt;
  }
  return it->get<std::int64_t>();
}

std::optional<std::int64_t> dom_int(dom::element e) {
  if (e.type() != dom::element_type::INT64) return std::nullopt;
  return e.get_int64().value_unsafe();
}

constexpr std::array<char, 256> kEscape = [] {
  std::array<char, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = 'u';
  t['"'] = '"';
  t['\\'] = '\\';
  t['\b'] = 'b';
  t['\f'] = 'f';
  t['\n'] = 'n';
  t['\r'] = 'r';
  t['\t'] = 't';
  return t;
}();

// An output cursor: room is checked once per token (not per character). It writes into this
// thread's output area (kept from call to call, never zero-filled) and appends what it wrote to
// the target string at the end: one exact-size copy instead of growing the string as it goes.
struct Area {
  core::Bytes bytes;
  bool busy = false;
};

class Buf {
 public:
  Buf(std::string& s, size_t hint) : s_(s) {
    static thread_local Area mine;
    area_ = mine.busy ? &spare_ : &mine;  // a Buf inside a Buf (not done today) gets its own
    area_->busy = true;
    area_->bytes.clear();
    p_ = area_->bytes.grow(std::max<size_t>(hint, 256));
    end_ = p_ + area_->bytes.size();
  }
  Buf(const Buf&) = delete;
  Buf& operator=(const Buf&) = delete;
  ~Buf() {
    s_.append(area_->bytes.data(), static_cast<size_t>(p_ - area_->bytes.data()));
    area_->busy = false;
  }

  void room(size_t n) {
    if (static_cast<size_t>(end_ - p_) >= n) return;
    const size_t used = static_cast<size_t>(p_ - area_->bytes.data());
    area_->bytes.grow(std::max(area_->bytes.size(), n + 256));
    p_ = area_->bytes.data() + used;
    end_ = area_->bytes.data() + area_->bytes.size();
  }
  void put(char c) {
    room(1);
    *p_++ = c;
  }
  void put(std::string_view t) {
    room(t.size());
    std::memcpy(p_, t.data(), t.size());
    p_ += t.size();
  }
  // A JSON string literal (valid UTF-8 in): at most 6 bytes out per byte in, plus the quotes.
  void string(std::string_view t) {
    room(t.size() * 6 + 2);
    char* p = p_;
    *p++ = '"';
    const char* c = t.data();
    const char* const stop = c + t.size();
    // Whole words while none of their bytes needs an escape (the common case: no call to memcpy
    // for these short strings), then byte by byte from the first word that has one.
    for (uint64_t w; stop - c >= 8; c += 8, p += 8) {
      std::memcpy(&w, c, 8);
      if (needs_escape(w)) break;
      std::memcpy(p, &w, 8);
    }
    for (; c != stop; ++c) {
      const char e = kEscape[static_cast<unsigned char>(*c)];
      if (e == 0) *p++ = *c;
      else p = escape(p, *c, e);
    }
    *p++ = '"';
    p_ = p;
  }
  template <class T>
  void number(T v) {
    room(32);
    p_ = std::to_chars(p_, p_ + 32, v).ptr;
  }
  void real(double v) {
    // Shortest round trip; simdjson never yields inf or nan. "2" would read back as an integer.
    room(40);
    char* const start = p_;
    p_ = std::to_chars(p_, p_ + 32, v).ptr;
    if (std::string_view(start, static_cast<size_t>(p_ - start)).find_first_of(".eE") == std::string_view::npos)
      *p_++ = '.', *p_++ = '0';
  }
  void key(std::string_view k, bool comma) {
    room(k.size() * 6 + 4);
    if (comma) *p_++ = ',';
    string(k);
    *p_++ = ':';
  }
  void value(dom::element e);

 private:
  // Whether any of the 8 bytes at `c` is a control character, '"' or '\\' (SWAR: a byte is
  // "zero" in x when its high bit survives (x - 0x01..) & ~x & 0x80..).
  static bool needs_escape(uint64_t w) {
    constexpr uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    const auto zero_in = [&](uint64_t x) { return (x - ones) & ~x & highs; };
    const uint64_t control = (w - 0x2020202020202020ULL) & ~w & highs;  // bytes < 0x20
    return (control | zero_in(w ^ (ones * '"')) | zero_in(w ^ (ones * '\\'))) != 0;
  }
  static char* escape(char* p, char c, char e) {
    static constexpr char kHex[] = "0123456789abcdef";
    *p++ = '\\';
    if (e != 'u') {
      *p++ = e;
      return p;
    }
    const auto u = static_cast<unsigned char>(c);
    *p++ = 'u', *p++ = '0', *p++ = '0', *p++ = kHex[u >> 4], *p++ = kHex[u & 0xf];
    return p;
  }
  std::string& s_;
  Area spare_;
  Area* area_;
  char* p_ = nullptr;
  char* end_ = nullptr;
};

void Buf::value(dom::element e) {
  switch (e.type()) {
    case dom::element_type::OBJECT: {
      put('{');
      bool comma = false;
      for (const auto field : dom::object(e)) {
        key(field.key, comma);
        comma = true;
        value(field.value);
      }
      put('}');
      return;
    }
    case dom::element_type::ARRAY: {
      put('[');
      bool comma = false;
      for (const dom::element v : dom::array(e)) {
        if (comma) put(',');
        comma = true;
        value(v);
      }
      put(']');
      return;
    }
    case dom::element_type::STRING: return string(std::string_view(e));
    case dom::element_type::INT64: return number(e.get_int64().value_unsafe());
    case dom::element_type::UINT64: return number(e.get_uint64().value_unsafe());
    case dom::element_type::DOUBLE: return real(e.get_double().value_unsafe());
    case dom::element_type::BOOL: return put(e.get_bool().value_unsafe() ? std::string_view("true") : "false");
    case dom::element_type::NULL_VALUE: return put("null");
  }
}

// The top-level members completion appends, the first preceded by a comma when `comma`.
void top_level_members(const Completion& c, bool comma, Buf& out) {
  if (c.category_uid) out.key("category_uid", comma), out.number(*c.category_uid), comma = true;
  if (c.type_uid) out.key("type_uid", comma), out.number(*c.type_uid), comma = true;
  if (c.severity_id) out.key("severity_id", comma), out.put('0');
}

void write_labels(std::span<const std::string_view> labels, Buf& out) {
  bool comma = false;
  for (const auto label : labels) {
    if (comma) out.put(',');
    comma = true;
    out.string(label);
  }
}

// A metadata object made of the labels and/or the version (metadata was absent).
void new_metadata(const Completion& c, std::span<const std::string_view> labels, Buf& out) {
  out.put('{');
  if (!labels.empty()) {
    out.put("\"labels\":[");
    write_labels(labels, out);
    out.put(']');
  }
  if (c.metadata) {
    out.key("version", !labels.empty());
    out.string(schema_version());
  }
  out.put('}');
}

// metadata written out with the version and labels added.
void write_metadata(dom::object md, const Completion& c, std::span<const std::string_view> labels, Buf& out) {
  out.put('{');
  bool comma = false, had_labels = false;
  for (const auto field : md) {
    out.key(field.key, comma);
    comma = true;
    if (!labels.empty() && field.key == "labels" && !had_labels) {
      had_labels = true;
      const dom::array existing(field.value);
      out.put('[');
      bool sep = false;
      for (const dom::element l : existing) {
        if (sep) out.put(',');
        sep = true;
        out.value(l);
      }
      // Labels already present are not repeated.
      for (const auto label : labels) {
        bool present = false;
        for (const dom::element l : existing) {
          std::string_view t;
          if (l.get(t) == simdjson::SUCCESS && t == label) present = true;
        }
        if (present) continue;
        if (sep) out.put(',');
        sep = true;
        out.string(label);
      }
      out.put(']');
    } else {
      out.value(field.value);
    }
  }
  if (!labels.empty() && !had_labels) {
    out.key("labels", comma);
    out.put('[');
    write_labels(labels, out);
    out.put(']');
    comma = true;
  }
  if (c.metadata_version) {
    out.key("version", comma);
    out.string(schema_version());
  }
  out.put('}');
}

}  // namespace

bool Completion::adds(std::string_view name) const {
  return (name == "category_uid" && category_uid) || (name == "type_uid" && type_uid) ||
         (name == "severity_id" && severity_id) || (name == "metadata" && metadata);
}

Shape shape_of(dom::element root) {
  Shape s;
  if (!root.is_object()) return s;
  s.object = true;
  for (const auto field : dom::object(root)) {
    const std::string_view k = field.key;
    switch (k.size()) {
      case 8:
        if (k == "metadata") {
          if (!s.metadata) s.metadata = field.value;
        } else if (k == "type_uid") {
          s.has_type = true;
        }
        break;
      case 9:
        if (k == "class_uid" && !s.class_uid) {
          s.class_uid = dom_int(field.value);
          s.integer_class = s.class_uid || field.value.type() == dom::element_type::UINT64;
        }
        break;
      case 11:
        if (k == "activity_id") {
          if (!s.activity_id) s.activity_id = dom_int(field.value);
        } else if (k == "severity_id") {
          s.has_severity = true;
        }
        break;
      case 12:
        if (k == "category_uid") s.has_category = true;
        break;
      default: break;
    }
  }
  if (s.metadata && s.metadata->is_object()) {
    for (const auto field : dom::object(*s.metadata)) {
      const std::string_view k = field.key;
      std::optional<dom::element>* slot = nullptr;
      if (k == "product") slot = &s.product;
      else if (k == "version") slot = &s.version;
      else if (k == "labels") slot = &s.labels;
      else if (k == "uid") slot = &s.uid;
      else if (k == "profiles") slot = &s.profiles;
      if (slot && !*slot) *slot = field.value;
    }
  }
  return s;
}

Completion plan_completion(const Shape& s) {
  Completion add;
  if (!s.object) return add;
  derive(add, s.class_uid, s.activity_id, s.has_category, s.has_type);
  add.severity_id = !s.has_severity;
  if (!s.metadata) add.metadata = true;
  else if (s.metadata->is_object()) add.metadata_version = !s.version;
  return add;
}

Completion plan_completion(dom::element root) { return plan_completion(shape_of(root)); }

bool complete(nlohmann::json& event) {
  if (!event.is_object()) return false;
  Completion add;
  derive(add, json_int(event, "class_uid"), json_int(event, "activity_id"), event.contains("category_uid"),
         event.contains("type_uid"));
  if (add.category_uid) event["category_uid"] = *add.category_uid;
  if (add.type_uid) event["type_uid"] = *add.type_uid;
  bool changed = add.any();
  if (!event.contains("severity_id")) {
    event["severity_id"] = 0;
    changed = true;
  }
  const auto metadata = event.find("metadata");
  if (metadata == event.end()) {
    event["metadata"] = {{"version", std::string(schema_version())}};
    changed = true;
  } else if (metadata->is_object() && !metadata->contains("version")) {
    (*metadata)["version"] = std::string(schema_version());
    changed = true;
  }
  return changed;
}

bool complete(Event& event, Parser& parser) {
  const auto root = event.root();
  if (!root || !root->is_object()) return false;
  const Completion add = plan_completion(*root);
  if (!add.any()) return false;
  std::string out;
  out.reserve(event.text().size() + 96 + simdjson::SIMDJSON_PADDING);
  if (!write_completed(*root, event.text(), add, {}, out)) return false;
  event = parser.parse(std::move(out));
  return true;
}

bool write_completed(dom::element root, std::string_view text, const Completion& c,
                     std::span<const std::string_view> labels, std::string& out, const Shape* shape) {
  if (!root.is_object()) return false;
  const dom::object obj(root);
  const Shape own = shape ? Shape{} : shape_of(root);
  const Shape& sh = shape ? *shape : own;
  const bool has_md = sh.metadata.has_value();
  if (!labels.empty() && has_md && (!sh.metadata->is_object() || (sh.labels && !sh.labels->is_array()))) return false;
  size_t extra = 128;
  for (const auto l : labels) extra += l.size() * 6 + 4;
  const bool added_top = c.category_uid || c.type_uid || c.severity_id;
  const bool inside_metadata = c.metadata_version || (!labels.empty() && has_md);
  if (!inside_metadata && !text.empty()) {
    // Only members to add at the end: splice them before the closing brace of the original text.
    const auto close = text.find_last_of('}');
    if (close == std::string_view::npos) return false;
    Buf b(out, text.size() + extra);
    b.put(text.substr(0, close));
    top_level_members(c, obj.size() > 0, b);
    if (c.metadata || !labels.empty()) {
      b.key("metadata", obj.size() > 0 || added_top);
      new_metadata(c, labels, b);
    }
    b.put(text.substr(close));
    return true;
  }
  // Write it out, completing metadata on the way.
  Buf b(out, text.size() * 2 + extra + 512);
  b.put('{');
  bool comma = false;
  for (const auto field : obj) {
    b.key(field.key, comma);
    comma = true;
    if (field.key == "metadata" && field.value.is_object()) write_metadata(dom::object(field.value), c, labels, b);
    else b.value(field.value);
  }
  top_level_members(c, comma, b);
  if (!has_md && (c.metadata || !labels.empty())) {
    b.key("metadata", comma || added_top);
    new_metadata(c, labels, b);
  }
  b.put('}');
  return true;
}

void write_json_string(std::string_view s, std::string& out) {
  Buf b(out, s.size() * 6 + 2);
  b.string(s);
}

void write_json(dom::element e, std::string& out) {
  Buf b(out, 256);
  b.value(e);
}

}  // namespace siemhub::ocsf
