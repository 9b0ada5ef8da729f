#include "hec_envelope.hpp"

#include <charconv>
#include <cstdio>
#include <cstring>

#include <simdjson.h>

namespace siemhub::plugins::splunk {

namespace {

// A metadata key (host, source, sourcetype, index) or an indexed field, and where it comes from.
struct Slot {
  std::string key;      // envelope key, or indexed field name
  std::string pointer;  // JSON pointer into the event; empty = constant only
  std::string constant; // used when the path has no value; empty = leave the key out
};

// Appends a scalar value read from the event as a JSON string (HEC metadata and indexed fields
// are strings). Returns false when the value is null, an object or an array.
bool append_scalar(std::string& out, simdjson::dom::element v) {
  char buf[40];
  switch (v.type()) {
    case simdjson::dom::element_type::STRING:
      append_json_string(out, v.get_string().value_unsafe());
      return true;
    case simdjson::dom::element_type::INT64: {
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v.get_int64().value_unsafe());
      (void)ec;
      append_json_string(out, std::string_view(buf, static_cast<size_t>(end - buf)));
      return true;
    }
    case simdjson::dom::element_type::UINT64: {
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v.get_uint64().value_unsafe());
      (void)ec;
      append_json_string(out, std::string_view(buf, static_cast<size_t>(end - buf)));
      return true;
    }
    case simdjson::dom::element_type::DOUBLE: {
      const int n = std::snprintf(buf, sizeof buf, "%.17g", v.get_double().value_unsafe());
      append_json_string(out, std::string_view(buf, static_cast<size_t>(n > 0 ? n : 0)));
      return true;
    }
    case simdjson::dom::element_type::BOOL:
      out += v.get_bool().value_unsafe() ? "\"true\"" : "\"false\"";
      return true;
    default:
      return false;
  }
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  size_t run = 0;  // start of the current run of characters that need no escape
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: {
        const char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
        out.append(esc, sizeof esc);
      }
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

std::string to_pointer(std::string_view dotted) {
  std::string p;
  if (dotted.empty()) return p;
  p += '/';
  for (const char ch : dotted) {
    if (ch == '.') p += '/';
    else if (ch == '~') p += "~0";
    else if (ch == '/') p += "~1";
    else p += ch;
  }
  return p;
}

struct EnvelopeBuilder::Impl {
  std::vector<Slot> meta;    // host, source, sourcetype, index
  std::vector<Slot> fields;  // indexed fields
  std::string id_field;
  simdjson::dom::parser parser;  // DOM: runtime-dispatched kernels (on-demand would compile to the fallback)
  std::string padded;  // the event copied with simdjson's padding after it
};

EnvelopeBuilder::EnvelopeBuilder(const HecConfig& cfg) : impl_(std::make_unique<Impl>()) {
  auto add_meta = [&](const char* key, const std::string& constant, const std::string& path) {
    impl_->meta.push_back({key, to_pointer(path), constant});
  };
  add_meta("host", cfg.host, cfg.host_field);
  add_meta("source", cfg.source, cfg.source_field);
  add_meta("sourcetype", cfg.sourcetype, cfg.sourcetype_field);
  add_meta("index", cfg.index, cfg.index_field);
  for (const auto& [name, path] : cfg.fields) impl_->fields.push_back({name, to_pointer(path), ""});
  impl_->id_field = cfg.id_field;
}

EnvelopeBuilder::~EnvelopeBuilder() = default;

void EnvelopeBuilder::append(std::string& out, std::string_view event, std::string_view id) {
  Impl& m = *impl_;
  // Copy into a padded buffer: simdjson reads up to SIMDJSON_PADDING bytes past the end.
  if (m.padded.size() < event.size() + simdjson::SIMDJSON_PADDING) m.padded.resize(event.size() + simdjson::SIMDJSON_PADDING);
  std::memcpy(m.padded.data(), event.data(), event.size());
  std::memset(m.padded.data() + event.size(), ' ', simdjson::SIMDJSON_PADDING);
  simdjson::dom::element doc;
  const bool parsed = m.parser.parse(m.padded.data(), event.size(), false).get(doc) == simdjson::SUCCESS;

  out += '{';
  bool first = true;
  auto key = [&](std::string_view k) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, k);
    out += ':';
  };
  // time: OCSF ms epoch -> HEC epoch seconds with milliseconds.
  if (parsed) {
    int64_t ms = 0;
    simdjson::dom::element tv;
    if (doc.at_key("time").get(tv) == simdjson::SUCCESS && tv.get_int64().get(ms) == simdjson::SUCCESS && ms > 0) {
      key("time");
      char buf[32];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, ms / 1000);
      (void)ec;
      const auto frac = static_cast<int>(ms % 1000);
      *end++ = '.';
      *end++ = static_cast<char>('0' + frac / 100);
      *end++ = static_cast<char>('0' + frac / 10 % 10);
      *end++ = static_cast<char>('0' + frac % 10);
      out.append(buf, static_cast<size_t>(end - buf));
    }
  }
  for (const Slot& s : m.meta) {
    const size_t mark = out.size();
    const bool was_first = first;
    if (parsed && !s.pointer.empty()) {
      simdjson::dom::element v;
      if (doc.at_pointer(s.pointer).get(v) == simdjson::SUCCESS) {
        key(s.key);
        if (append_scalar(out, v)) continue;
        out.resize(mark);
        first = was_first;
      }
    }
    if (!s.constant.empty()) {
      key(s.key);
      append_json_string(out, s.constant);
    }
  }
  key("event");
  out.append(event);
  // Indexed fields (flat: HEC rejects nested values with code 15).
  bool any_field = false;
  auto field_key = [&](std::string_view k) {
    out += any_field ? ',' : '{';
    any_field = true;
    append_json_string(out, k);
    out += ':';
  };
  const size_t fields_mark = out.size();
  out += ",\"fields\":";
  const size_t after_fields_key = out.size();
  if (!m.id_field.empty() && !id.empty()) {
    field_key(m.id_field);
    append_json_string(out, id);
  }
  for (const Slot& s : m.fields) {
    if (!parsed) break;
    simdjson::dom::element v;
    if (doc.at_pointer(s.pointer).get(v) != simdjson::SUCCESS) continue;
    const size_t mark = out.size();
    const bool had = any_field;
    field_key(s.key);
    if (!append_scalar(out, v)) {
      out.resize(mark);
      any_field = had;
    }
  }
  if (any_field) out += '}';
  else if (out.size() == after_fields_key) out.resize(fields_mark);
  out += '}';
}

}  // namespace siemhub::plugins::splunk
