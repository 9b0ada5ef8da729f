#include "lua/match.hpp"

#include "lua/event_view.hpp"

#include <arpa/inet.h>
#include <nlohmann/json.hpp>
#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace siemhub::lua {

namespace dom = simdjson::dom;

namespace {

enum class Op { eq, contains, startswith, endswith, re, cidr, gt, gte, lt, lte, exists, in_lookup };

struct Value {
  std::string text;  // lower-cased unless the condition is cased
  double number = 0;
  bool is_number = false;
  bool is_bool = false;
  bool boolean = false;
};

struct Cidr {
  int family = AF_INET;
  unsigned char addr[16] = {};
  int prefix = 0;
};

bool parse_ip(std::string_view text, int& family, unsigned char* out) {
  char buf[64];
  if (text.size() >= sizeof buf) return false;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  if (inet_pton(AF_INET, buf, out) == 1) return family = AF_INET, true;
  if (inet_pton(AF_INET6, buf, out) == 1) return family = AF_INET6, true;
  return false;
}

std::optional<Cidr> parse_cidr(const std::string& text) {
  Cidr c;
  const auto slash = text.find('/');
  if (!parse_ip(std::string_view(text).substr(0, slash), c.family, c.addr)) return std::nullopt;
  const int max = c.family == AF_INET ? 32 : 128;
  c.prefix = max;
  if (slash != std::string::npos) {
    const auto* begin = text.data() + slash + 1;
    const auto [end, ec] = std::from_chars(begin, text.data() + text.size(), c.prefix);
    if (ec != std::errc{} || end != text.data() + text.size() || c.prefix < 0 || c.prefix > max) return std::nullopt;
  }
  return c;
}

bool in_cidr(const Cidr& c, int family, const unsigned char* addr) {
  if (family != c.family) return false;
  const int full = c.prefix / 8, rest = c.prefix % 8;
  if (std::memcmp(addr, c.addr, static_cast<std::size_t>(full)) != 0) return false;
  if (rest == 0) return true;
  const auto mask = static_cast<unsigned char>(0xFF << (8 - rest));
  return (addr[full] & mask) == (c.addr[full] & mask);
}

char fold(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equal_text(std::string_view field, std::string_view value, bool cased) {
  if (field.size() != value.size()) return false;
  if (cased) return field == value;
  for (std::size_t i = 0; i < field.size(); ++i)
    if (fold(field[i]) != value[i]) return false;
  return true;
}

std::size_t find_text(std::string_view field, std::string_view value, bool cased) {
  const auto it = std::search(field.begin(), field.end(), value.begin(), value.end(),
                              [cased](char a, char b) { return (cased ? a : fold(a)) == b; });
  return it == field.end() && !value.empty() ? std::string_view::npos : static_cast<std::size_t>(it - field.begin());
}

std::optional<double> number_of(dom::element e) {
  double v = 0;
  if (e.is_number() && e.get(v) == simdjson::SUCCESS) return v;
  std::string_view s;
  if (e.get(s) == simdjson::SUCCESS) {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc{} && end == s.data() + s.size()) return v;
  }
  return std::nullopt;
}

const std::pair<const char*, Op> kOps[] = {
    {"contains", Op::contains}, {"startswith", Op::startswith}, {"endswith", Op::endswith},
    {"re", Op::re},             {"cidr", Op::cidr},             {"gt", Op::gt},
    {"gte", Op::gte},           {"lt", Op::lt},                 {"lte", Op::lte},
    {"exists", Op::exists},     {"in_lookup", Op::in_lookup}};

}  // namespace

bool scalar_text(dom::element e, std::string& out) {
  char buf[40];
  switch (e.type()) {
    case dom::element_type::STRING: out.assign(std::string_view(e)); return true;
    case dom::element_type::INT64: {
      const auto r = std::to_chars(buf, buf + sizeof buf, std::int64_t(e));
      return out.assign(buf, r.ptr), true;
    }
    case dom::element_type::UINT64: {
      const auto r = std::to_chars(buf, buf + sizeof buf, std::uint64_t(e));
      return out.assign(buf, r.ptr), true;
    }
    case dom::element_type::DOUBLE: {
      const auto r = std::to_chars(buf, buf + sizeof buf, double(e));
      return out.assign(buf, r.ptr), true;
    }
    case dom::element_type::BOOL: out = bool(e) ? "true" : "false"; return true;
    default: return false;
  }
}

namespace {

// The first eight bytes of a key (fewer, zero-padded, when it is shorter), as one word.
std::uint64_t head_of(std::string_view key) {
  std::uint64_t w = 0;
  if (key.size() >= 8) std::memcpy(&w, key.data(), 8);
  else
    for (std::size_t i = 0; i < key.size(); ++i) w |= std::uint64_t{static_cast<unsigned char>(key[i])} << (8 * i);
  return w;
}

// A cheap hash of a top-level key (not empty): its length and first and last bytes. The sweep
// hashes every key of every event, and the keys it looks for are few.
std::size_t top_hash(std::string_view key) {
  const std::uint32_t h = static_cast<std::uint32_t>(key.size()) * 0x9e3779b1u +
                          static_cast<unsigned char>(key.front()) * 0x85ebca77u +
                          static_cast<unsigned char>(key.back()) * 0xc2b2ae3du;
  return h ^ (h >> 15);
}

}  // namespace

int PathIds::id(const std::string& path) {
  const auto [it, inserted] = ids_.try_emplace(path, static_cast<int>(paths_.size()));
  if (!inserted) return it->second;
  // resolve() walks a path one step at a time and each step depends only on the element reached
  // and what is left of the path, so "key.rest" is resolve(root[key], "rest") and "key[0]..." is
  // resolve(root[key], "[0]..."). Other shapes ("", a leading '[' or '.', "key.") resolve whole.
  Split split;
  const std::size_t end = path.find_first_of(".[");
  if (!path.empty() && end != 0 && !(end != std::string::npos && path[end] == '.' && end + 1 == path.size())) {
    split.top = add_top_key(std::string_view(path).substr(0, end));
    if (end != std::string::npos) split.rest = path.substr(path[end] == '.' ? end + 1 : end);
    split.rest_is_key = !split.rest.empty() && split.rest.find_first_of(".[") == std::string::npos;
  }
  paths_.push_back({path, std::move(split)});
  return it->second;
}

int PathIds::add_top_key(std::string_view key) {
  if (const int found = top_key(key); found >= 0) return found;
  tops_.emplace_back(key);
  if (key.size() < 64) top_lengths_ |= std::uint64_t{1} << key.size();
  else top_lengths_ |= std::uint64_t{1};  // bit 0 (no key is empty): some key is 64 bytes or longer
  // Rebuilt on each new key (load time only), at most a quarter full.
  std::size_t size = 16;
  while (size < 4 * tops_.size()) size *= 2;
  top_table_.assign(size, TopSlot{});
  for (std::size_t t = 0; t < tops_.size(); ++t) {
    std::size_t i = top_hash(tops_[t]) & (size - 1);
    while (top_table_[i].top >= 0) i = (i + 1) & (size - 1);
    top_table_[i] = {head_of(tops_[t]), static_cast<std::uint32_t>(tops_[t].size()), static_cast<int>(t)};
  }
  return static_cast<int>(tops_.size() - 1);
}

int PathIds::find_top_key(std::string_view key) const {
  const std::size_t mask = top_table_.size() - 1;
  const std::uint64_t head = head_of(key);
  for (std::size_t i = top_hash(key) & mask;; i = (i + 1) & mask) {
    const TopSlot& slot = top_table_[i];
    if (slot.top < 0) return -1;
    if (slot.head != head || slot.size != key.size()) continue;
    if (key.size() <= 8 || std::memcmp(tops_[static_cast<std::size_t>(slot.top)].data() + 8, key.data() + 8,
                                       key.size() - 8) == 0)
      return slot.top;
  }
}

void FieldCache::reset(dom::element root, const PathIds& paths) {
  paths_ = &paths;
  root_ = root;
  if (values_.size() < paths.size()) {
    values_.resize(paths.size());
    stamp_.resize(paths.size(), 0);
    addresses_.resize(paths.size());
    address_stamp_.resize(paths.size(), 0);
  }
  if (tops_.size() < paths.top_keys()) {
    tops_.resize(paths.top_keys());
    top_stamp_.resize(paths.top_keys(), 0);
  }
  if (++generation_ == 0) {  // wrapped: no stamp may look current
    std::fill(stamp_.begin(), stamp_.end(), 0);
    std::fill(top_stamp_.begin(), top_stamp_.end(), 0);
    std::fill(address_stamp_.begin(), address_stamp_.end(), 0);
    generation_ = 1;
  }
  sweep();
}

void FieldCache::sweep() {
  dom::object object;
  swept_ = paths_->top_keys() > 0 && root_.get(object) == simdjson::SUCCESS;
  if (!swept_) return;  // not an object (or no paths): get() resolves from the root
  std::size_t left = paths_->top_keys();
  for (auto field = object.begin(), end = object.end(); field != end; ++field) {
    const std::size_t length = field.key_length();
    if (!paths_->might_be_top_key(length)) continue;
    const int t = paths_->find_top_key(std::string_view(field.key_c_str(), length));
    // The first of duplicate keys, like object::at_key.
    if (t < 0 || top_stamp_[static_cast<std::size_t>(t)] == generation_) continue;
    tops_[static_cast<std::size_t>(t)] = field.value();
    top_stamp_[static_cast<std::size_t>(t)] = generation_;
    if (--left == 0) break;
  }
}

std::optional<dom::element> FieldCache::get(int id, std::string_view path) {
  if (id < 0 || static_cast<std::size_t>(id) >= values_.size()) return resolve(root_, path);
  const auto i = static_cast<std::size_t>(id);
  if (stamp_[i] != generation_) {
    const PathIds::Split& split = paths_->split(id);
    if (split.top < 0 || !swept_) {
      values_[i] = resolve(root_, path);
    } else if (const auto t = static_cast<std::size_t>(split.top); top_stamp_[t] != generation_) {
      values_[i] = std::nullopt;  // no such key
    } else {
      // A one-key rest on an object is the key search resolve()'s one step makes.
      dom::object object;
      dom::element found;
      if (split.rest.empty()) values_[i] = tops_[t];
      else if (!split.rest_is_key || tops_[t].get(object) != simdjson::SUCCESS) values_[i] = resolve(tops_[t], split.rest);
      else if (object.at_key(split.rest).get(found) == simdjson::SUCCESS) values_[i] = found;
      else values_[i] = std::nullopt;
    }
    stamp_[i] = generation_;
  }
  return values_[i];
}

bool FieldCache::address(int id, std::string_view text, int& family, const unsigned char*& addr) {
  const auto i = static_cast<std::size_t>(id);  // an interned path (callers check)
  Address& a = addresses_[i];
  if (address_stamp_[i] != generation_) {
    a.ok = parse_ip(text, a.family, a.bytes);
    address_stamp_[i] = generation_;
  }
  family = a.family;
  addr = a.bytes;
  return a.ok;
}

struct Matcher::Cond {
  std::string path;
  int path_id = -1;
  Op op = Op::eq;
  bool all = false;
  bool cased = false;
  std::vector<Value> values;
  std::vector<std::unique_ptr<re2::RE2>> regexes;  // parallel to values for re
  std::vector<Cidr> cidrs;                         // parallel to values for cidr
  std::vector<const Lookup*> lookups;              // parallel to values for in_lookup

  struct Subject;
  bool test(Subject& e, std::size_t i) const;
  bool matches(FieldCache& fields) const;
};

// One element under test, with what the values are compared with (its text, number, address)
// derived on first use: a condition with several values derives them once, not once per value.
struct Matcher::Cond::Subject {
  dom::element e;
  bool have_text = false, text_ok = false;
  std::string_view text;  // into the document (strings) or into `buffer` (numbers, booleans)
  std::string& buffer;
  bool have_number = false;
  std::optional<double> number;
  bool have_ip = false, ip_ok = false;
  int family = 0;
  const unsigned char* addr = nullptr;
  unsigned char own_addr[16] = {};
  FieldCache* fields = nullptr;  // set when `e` is the element of interned path `path_id`
  int path_id = -1;

  Subject(dom::element element, std::string& scratch) : e(element), buffer(scratch) {}
  bool text_of() {  // scalar_text()'s text
    if (!have_text) {
      have_text = true;
      if (e.type() == dom::element_type::STRING) text = std::string_view(e), text_ok = true;
      else if ((text_ok = scalar_text(e, buffer))) text = buffer;
    }
    return text_ok;
  }
  const std::optional<double>& number_of_it() {
    if (!have_number) have_number = true, number = number_of(e);
    return number;
  }
  bool ip() {
    if (have_ip) return ip_ok;
    have_ip = true;
    if (fields != nullptr) return ip_ok = fields->address(path_id, text, family, addr);
    addr = own_addr;
    return ip_ok = parse_ip(text, family, own_addr);
  }
};

bool Matcher::Cond::test(Subject& s, std::size_t i) const {
  const Value& v = values[i];
  switch (op) {
    case Op::gt: case Op::gte: case Op::lt: case Op::lte: {
      const auto& n = s.number_of_it();
      if (!n) return false;
      return op == Op::gt ? *n > v.number : op == Op::gte ? *n >= v.number : op == Op::lt ? *n < v.number : *n <= v.number;
    }
    case Op::eq:
      if (v.is_bool) return s.e.is_bool() && bool(s.e) == v.boolean;
      if (v.is_number && s.e.is_number()) return double(s.e) == v.number;
      break;
    default: break;
  }
  if (!s.text_of()) return false;
  const std::string_view text = s.text;
  switch (op) {
    case Op::eq: return equal_text(text, v.text, cased);
    case Op::contains: return find_text(text, v.text, cased) != std::string_view::npos;
    case Op::startswith: return text.size() >= v.text.size() && equal_text(text.substr(0, v.text.size()), v.text, cased);
    case Op::endswith: return text.size() >= v.text.size() && equal_text(text.substr(text.size() - v.text.size()), v.text, cased);
    case Op::re: return re2::RE2::PartialMatch(text, *regexes[i]);
    case Op::cidr: return s.ip() && in_cidr(cidrs[i], s.family, s.addr);
    case Op::in_lookup: return lookups[i]->contains(text);
    default: return false;
  }
}

bool Matcher::Cond::matches(FieldCache& fields) const {
  const auto found = fields.get(path_id, path);
  const bool present = found && !found->is_null();
  if (op == Op::exists) return present == values[0].boolean;
  if (!present) return false;
  thread_local std::string buffer;
  if (!found->is_array()) {
    Subject subject(*found, buffer);
    if (path_id >= 0) subject.fields = &fields, subject.path_id = path_id;
    for (std::size_t i = 0; i < values.size(); ++i) {
      const bool hit = test(subject, i);
      if (all && !hit) return false;
      if (!all && hit) return true;
    }
    return all;
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    bool hit = false;  // one of the elements matches value i
    for (dom::element item : dom::array(*found)) {
      Subject subject(item, buffer);
      if ((hit = test(subject, i))) break;
    }
    if (all && !hit) return false;
    if (!all && hit) return true;
  }
  return all;
}

Matcher::Matcher() = default;
Matcher::~Matcher() = default;
Matcher::Matcher(Matcher&&) noexcept = default;
Matcher& Matcher::operator=(Matcher&&) noexcept = default;

bool Matcher::empty() const { return conds_.empty() && any_.empty() && not_.empty(); }

bool Matcher::matches(FieldCache& fields) const {
  for (const Cond& c : conds_)
    if (!c.matches(fields)) return false;
  for (const Matcher& m : not_)
    if (m.matches(fields)) return false;
  if (any_.empty()) return true;
  for (const Matcher& m : any_)
    if (m.matches(fields)) return true;
  return false;
}

void Matcher::drop_class_condition() {
  for (auto it = conds_.begin(); it != conds_.end(); ++it) {
    if (it->path != "class_uid" || it->op != Op::eq || it->all) continue;
    conds_.erase(it);  // the first such condition is the one class_uids() reads
    return;
  }
}

void Matcher::intern(PathIds& ids) {
  for (Cond& c : conds_) c.path_id = ids.id(c.path);
  for (Matcher& m : any_) m.intern(ids);
  for (Matcher& m : not_) m.intern(ids);
}

std::vector<std::int64_t> Matcher::class_uids() const {
  for (const Cond& c : conds_) {
    if (c.path != "class_uid" || c.op != Op::eq || c.all) continue;
    std::vector<std::int64_t> out;
    for (const Value& v : c.values) {
      if (!v.is_number) return {};
      out.push_back(static_cast<std::int64_t>(v.number));
    }
    return out;
  }
  return {};
}

namespace {

bool fail(std::string* error, std::string message) {
  *error = std::move(message);
  return false;
}

// Parses "path|mod|mod" into the condition's path, operator and flags.
bool parse_key(const std::string& key, std::string& path, Op& op, bool& all,
               bool& cased, std::string* error) {
  std::size_t bar = key.find('|');
  path = key.substr(0, bar);
  if (path.empty()) return fail(error, "empty field path in '" + key + "'");
  bool have_op = false;
  while (bar != std::string::npos) {
    const std::size_t next = key.find('|', bar + 1);
    const std::string mod = key.substr(bar + 1, next == std::string::npos ? std::string::npos : next - bar - 1);
    bar = next;
    if (mod == "all") { all = true; continue; }
    if (mod == "cased") { cased = true; continue; }
    const auto it = std::find_if(std::begin(kOps), std::end(kOps), [&](const auto& p) { return mod == p.first; });
    if (it == std::end(kOps)) return fail(error, "unknown modifier '" + mod + "' in '" + key + "'");
    if (have_op) return fail(error, "more than one operator modifier in '" + key + "'");
    op = it->second;
    have_op = true;
  }
  return true;
}

// Rough relative cost of one test: comparisons, then scans, address parsing, lookups, regexes.
int cost(Op op) {
  switch (op) {
    case Op::exists: return 0;
    case Op::eq: return 1;
    case Op::startswith: case Op::endswith: case Op::gt: case Op::gte: case Op::lt: case Op::lte: return 2;
    case Op::contains: return 3;
    case Op::cidr: return 4;
    case Op::in_lookup: return 5;
    case Op::re: return 6;
  }
  return 6;
}

bool to_value(const nlohmann::json& j, bool cased, Value& v) {
  if (j.is_string()) v.text = cased ? j.get<std::string>() : lower(j.get<std::string>());
  else if (j.is_boolean()) v.is_bool = true, v.boolean = j.get<bool>(), v.text = v.boolean ? "true" : "false";
  else if (j.is_number()) v.is_number = true, v.number = j.get<double>(), v.text = j.dump();
  else return false;
  return true;
}

}  // namespace

std::optional<Matcher> Matcher::compile(const nlohmann::json& table, const LookupResolver& lookups,
                                        std::string* error) {
  if (!table.is_object()) return fail(error, "a match table must be a table of field = value"), std::nullopt;
  Matcher m;
  for (const auto& [key, value] : table.items()) {
    if (key == "any" || key == "not") {
      const bool list = key == "any";
      if (list && !value.is_array()) return fail(error, "'any' takes a list of match tables"), std::nullopt;
      for (const auto& sub : list ? value : nlohmann::json::array({value})) {
        auto compiled = compile(sub, lookups, error);
        if (!compiled) return std::nullopt;
        (list ? m.any_ : m.not_).push_back(std::move(*compiled));
      }
      continue;
    }
    Cond c;
    if (!parse_key(key, c.path, c.op, c.all, c.cased, error)) return std::nullopt;
    for (const auto& item : value.is_array() ? value : nlohmann::json::array({value})) {
      Value v;
      if (!to_value(item, c.cased || c.op == Op::re || c.op == Op::in_lookup, v))
        return fail(error, "'" + key + "' expects a string, number or boolean (or a list of them)"), std::nullopt;
      c.values.push_back(std::move(v));
    }
    if (c.values.empty()) return fail(error, "'" + key + "' has an empty list"), std::nullopt;
    if (c.op == Op::exists && (c.values.size() != 1 || !c.values[0].is_bool))
      return fail(error, "'" + key + "' expects true or false"), std::nullopt;
    for (const Value& v : c.values) {
      if ((c.op == Op::gt || c.op == Op::gte || c.op == Op::lt || c.op == Op::lte) && !v.is_number)
        return fail(error, "'" + key + "' expects a number"), std::nullopt;
      if (c.op == Op::re) {
        re2::RE2::Options options;
        options.set_case_sensitive(c.cased);
        options.set_log_errors(false);
        auto re = std::make_unique<re2::RE2>(v.text, options);
        if (!re->ok()) return fail(error, "'" + key + "': bad regular expression: " + re->error()), std::nullopt;
        c.regexes.push_back(std::move(re));
      }
      if (c.op == Op::cidr) {
        const auto cidr = parse_cidr(v.text);
        if (!cidr) return fail(error, "'" + key + "': bad CIDR '" + v.text + "'"), std::nullopt;
        c.cidrs.push_back(*cidr);
      }
      if (c.op == Op::in_lookup) {
        const Lookup* table_ptr = lookups ? lookups(v.text) : nullptr;
        if (table_ptr == nullptr) return fail(error, "'" + key + "': no lookup named '" + v.text + "'"), std::nullopt;
        c.lookups.push_back(table_ptr);
      }
    }
    m.conds_.push_back(std::move(c));
  }
  // The keys AND together and every test is a pure function of the event, so cheap tests go
  // first and an event a cheap one rejects skips the expensive ones (the table came in key order,
  // where "src_endpoint.ip|cidr" runs before "status_id"). Ties keep their order.
  std::stable_sort(m.conds_.begin(), m.conds_.end(),
                   [](const Cond& a, const Cond& b) { return cost(a.op) < cost(b.op); });
  return m;
}

}  // namespace siemhub::lua
