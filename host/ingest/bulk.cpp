#include "ingest/bulk.hpp"

#include "ocsf/json_depth.hpp"

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <variant>

namespace siemhub::ingest::bulk {

namespace {

using ojson = nlohmann::ordered_json;

constexpr std::string_view kBulkProduct = "Elasticsearch _bulk";
constexpr std::string_view kOcsfVersion = "1.8.0";
constexpr std::size_t kMaxIdBytes = 512;
constexpr std::size_t kMaxIndexBytes = 255;

simdjson::dom::parser& thread_json_parser() {
  thread_local simdjson::dom::parser parser = [] {
    simdjson::dom::parser p;
    (void)ocsf::limit_depth(p);  // a failed allocation fails the first parse instead
    return p;
  }();
  return parser;
}

std::string dump(const ojson& j) { return j.dump(-1, ' ', false, ojson::error_handler_t::replace); }

// The Jackson token name ES puts in "Malformed action/metadata line" reasons.
std::string_view token_name(simdjson::dom::element_type t) {
  using T = simdjson::dom::element_type;
  switch (t) {
    case T::OBJECT: return "START_OBJECT";
    case T::ARRAY: return "START_ARRAY";
    case T::STRING: return "VALUE_STRING";
    case T::INT64:
    case T::UINT64:
    case T::DOUBLE: return "VALUE_NUMBER";
    case T::BOOL: return "VALUE_BOOLEAN";
    case T::NULL_VALUE: return "VALUE_NULL";
  }
  return "VALUE_NULL";
}

// parser.text() of a scalar: the string itself, or the literal for numbers and booleans.
std::string scalar_text(simdjson::dom::element e) {
  if (e.type() == simdjson::dom::element_type::STRING) return std::string(std::string_view(e));
  return simdjson::minify(e);
}

bool is_blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

std::string_view trim_cr(std::string_view s) {
  if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
  return s;
}

Error illegal(std::string reason) { return {400, "illegal_argument_exception", std::move(reason)}; }

std::string malformed(std::size_t line, std::string_view rest) {
  return "Malformed action/metadata line [" + std::to_string(line) + "], " + std::string(rest);
}

// ES MetadataCreateIndexService.validateIndexOrAliasName + validateIndexName (lowercase).
std::optional<std::string> invalid_index_reason(std::string_view index) {
  if (index.find_first_of("\\/*?\"<>| ,") != std::string_view::npos)
    return "must not contain the following characters [ , \", *, \\, <, |, ,, >, /, ?]";
  if (index.find('#') != std::string_view::npos) return "must not contain '#'";
  if (index.find(':') != std::string_view::npos) return "must not contain ':'";
  if (index.front() == '_' || index.front() == '-' || index.front() == '+')
    return "must not start with '_', '-', or '+'";
  if (index == "." || index == "..") return "must not be '.' or '..'";
  if (index.size() > kMaxIndexBytes)
    return "index name is too long, (" + std::to_string(index.size()) + " > " + std::to_string(kMaxIndexBytes) + ")";
  if (std::any_of(index.begin(), index.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) return "must be lowercase";
  return std::nullopt;
}

// Per-item outcome of the source line of an index/create action.
std::optional<Error> check_source(std::string_view source) {
  if (is_blank(source)) return Error{400, "document_parsing_exception", "[1:1] failed to parse: source is empty"};
  simdjson::dom::element root;
  const auto err = thread_json_parser().parse(source.data(), source.size()).get(root);
  if (err) return Error{400, "document_parsing_exception", std::string("[1:1] failed to parse: ") + ocsf::json_error_text(err)};
  if (root.type() != simdjson::dom::element_type::OBJECT)
    return Error{400, "document_parsing_exception",
                 "[1:1] failed to parse: expected START_OBJECT but found [" + std::string(token_name(root.type())) + "]"};
  return std::nullopt;
}

struct Action_line {
  Action action = Action::index;
  std::optional<std::string> index;
  std::optional<std::string> id;
};

// Parses one action/metadata line like BulkRequestParser; a whole-request error on failure.
std::variant<Action_line, Error> parse_action(std::string_view text, std::size_t line) {
  simdjson::dom::element root;
  const auto err = thread_json_parser().parse(text.data(), text.size()).get(root);
  if (err)
    return Error{400, "x_content_parse_exception",
                 "[" + std::to_string(line) + ":1] Malformed action/metadata line: " + ocsf::json_error_text(err)};
  if (root.type() != simdjson::dom::element_type::OBJECT)
    return illegal(malformed(line, "expected START_OBJECT but found [" + std::string(token_name(root.type())) + "]"));
  const simdjson::dom::object obj(root);
  auto it = obj.begin();
  if (it == obj.end()) return illegal(malformed(line, "expected FIELD_NAME but found [END_OBJECT]"));
  const std::string_view name = it.key();
  Action_line out;
  if (name == "index") out.action = Action::index;
  else if (name == "create") out.action = Action::create;
  else if (name == "update") out.action = Action::update;
  else if (name == "delete") out.action = Action::delete_;
  else
    return illegal(malformed(line, "expected field [create], [delete], [index] or [update] but found [" + std::string(name) + "]"));
  const simdjson::dom::element params = it.value();
  if (obj.size() != 1) return illegal(malformed(line, "expected END_OBJECT but found [FIELD_NAME]"));
  if (params.type() != simdjson::dom::element_type::OBJECT)
    return illegal(malformed(line, "expected START_OBJECT or END_OBJECT but found [" + std::string(token_name(params.type())) + "]"));

  static constexpr std::array<std::string_view, 15> kKnown = {
      "_index", "_id", "_type", "routing", "op_type", "version", "version_type", "if_seq_no", "if_primary_term",
      "retry_on_conflict", "pipeline", "require_alias", "require_data_stream", "list_executed_pipelines",
      "_source"};
  for (const auto field : simdjson::dom::object(params)) {
    const std::string_view key = field.key;
    const auto type = field.value.type();
    if (type == simdjson::dom::element_type::NULL_VALUE) continue;
    if (type == simdjson::dom::element_type::OBJECT && (key == "_source" || key == "dynamic_templates")) continue;
    if (type == simdjson::dom::element_type::OBJECT || type == simdjson::dom::element_type::ARRAY)
      return illegal(malformed(line, "expected a simple value for field [" + std::string(key) + "] but found [" +
                                         std::string(token_name(type)) + "]"));
    if (std::find(kKnown.begin(), kKnown.end(), key) == kKnown.end())
      return illegal("Action/metadata line [" + std::to_string(line) + "] contains an unknown parameter [" + std::string(key) + "]");
    if (key == "_index") {
      out.index = scalar_text(field.value);
    } else if (key == "_id") {
      out.id = scalar_text(field.value);
    } else if (key == "op_type" && out.action == Action::index) {
      const std::string op = scalar_text(field.value);
      if (op == "create") out.action = Action::create;
      else if (op != "index") return illegal("opType must be 'create' or 'index', found: [" + op + "]");
    }
  }
  return out;
}

std::string base64url(const unsigned char* data, std::size_t n) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((n + 2) / 3 * 4);
  for (std::size_t i = 0; i < n; i += 3) {
    const unsigned v = (unsigned(data[i]) << 16) | (i + 1 < n ? unsigned(data[i + 1]) << 8 : 0u) |
                       (i + 2 < n ? unsigned(data[i + 2]) : 0u);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    if (i + 1 < n) out += kAlphabet[(v >> 6) & 63];
    if (i + 2 < n) out += kAlphabet[v & 63];
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

std::string_view path_only(std::string_view path) {
  if (const auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return path;
}

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (pos < path.size()) {
    if (path[pos] == '/') {
      ++pos;
      continue;
    }
    const auto next = path.find('/', pos);
    const auto end = next == std::string_view::npos ? path.size() : next;
    out.push_back(path.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

std::string ack() { return R"({"acknowledged":true})"; }

std::string not_found(std::string_view type, std::string reason) {
  return error_response(Error{404, std::string(type), std::move(reason)});
}

}  // namespace

std::string_view action_name(Action a) {
  switch (a) {
    case Action::index: return "index";
    case Action::create: return "create";
    case Action::update: return "update";
    case Action::delete_: return "delete";
  }
  return "index";
}

std::size_t ParseResult::accepted() const {
  return static_cast<std::size_t>(std::count_if(items.begin(), items.end(), [](const Item& i) { return i.ok(); }));
}

std::string generated_id(std::string_view document) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (EVP_Digest(document.data(), document.size(), md.data(), &len, EVP_sha256(), nullptr) != 1 || len < 15) {
    // Cannot happen with a working libcrypto; fall back to FNV-1a so ids stay deterministic.
    std::uint64_t h = 1469598103934665603ULL;
    for (const char c : document) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    for (std::size_t i = 0; i < 15; ++i) md[i] = static_cast<unsigned char>(h >> ((i % 8) * 8));
  }
  return base64url(md.data(), 15);  // 120 bits -> 20 characters, like ES auto-generated ids
}

ParseResult parse(std::string_view body, std::string_view path_index) {
  ParseResult result;
  if (body.empty()) {
    result.error = Error{400, "parse_exception", "request body is required"};
    return result;
  }
  if (body.back() != '\n') {
    result.error = illegal("The bulk request must be terminated by a newline [\\n]");
    return result;
  }
  std::string validation;
  int validation_count = 0;
  const auto add_validation = [&](std::string_view message) {
    validation += std::to_string(++validation_count) + ": " + std::string(message) + ";";
  };

  std::size_t from = 0;
  std::size_t line = 0;
  while (from < body.size()) {
    const std::size_t marker = body.find('\n', from);  // never npos: the body ends with '\n'
    ++line;
    const std::string_view action_text = body.substr(from, marker - from);
    from = marker + 1;
    if (is_blank(action_text)) continue;

    auto parsed = parse_action(action_text, line);
    if (auto* err = std::get_if<Error>(&parsed)) {
      result.error = std::move(*err);
      result.items.clear();
      return result;
    }
    auto& action = std::get<Action_line>(parsed);

    Item item;
    item.action = action.action;
    item.line = line;
    if (action.index) item.index = *action.index;
    else item.index = std::string(path_index);

    if (action.action != Action::delete_) {
      if (from >= body.size()) break;  // an action without its source line: ES drops it
      const std::size_t next = body.find('\n', from);
      ++line;
      item.document = std::string(trim_cr(body.substr(from, next - from)));
      from = next + 1;
    }

    if (item.index.empty()) add_validation("index is missing");
    if (action.id) {
      if (action.id->empty()) add_validation("if _id is specified it must not be empty");
      else if (action.id->size() > kMaxIdBytes)
        add_validation("id [" + *action.id + "] is too long, must be no longer than 512 bytes but was: " +
                       std::to_string(action.id->size()));
      item.id = std::move(*action.id);
    }

    if (item.action == Action::update || item.action == Action::delete_) {
      item.error = illegal("the [" + std::string(action_name(item.action)) +
                           "] action is not supported by siemhub: only [index] and [create] are accepted");
    } else if (!item.index.empty()) {
      if (auto why = invalid_index_reason(item.index)) {
        item.error = Error{400, "invalid_index_name_exception", "Invalid index name [" + item.index + "], " + *why};
      } else {
        item.error = check_source(item.document);
      }
    }
    if (item.id.empty() && item.action != Action::delete_ && item.action != Action::update) {
      item.id = generated_id(item.document);
      item.id_generated = true;
    }
    result.items.push_back(std::move(item));
  }
  if (result.items.empty() && validation_count == 0) add_validation("no requests added");
  if (validation_count > 0) {
    result.error = Error{400, "action_request_validation_exception", "Validation Failed: " + validation};
    result.items.clear();
  }
  return result;
}

bool acceptable_content_type(std::string_view content_type) {
  const std::string ct = lower(content_type);
  std::string_view rest(ct);
  const auto semi = rest.find(';');
  const std::string_view media = trim(rest.substr(0, semi));
  const bool vendor = media == "application/vnd.elasticsearch+x-ndjson" || media == "application/vnd.elasticsearch+json";
  if (media != "application/x-ndjson" && media != "application/json" && !vendor) return false;
  bool compatible = false;
  while (semi != std::string_view::npos && !rest.empty()) {
    const auto start = rest.find(';');
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start + 1);
    const auto end = rest.find(';');
    const std::string_view param = trim(rest.substr(0, end));
    const auto eq = param.find('=');
    if (eq == std::string_view::npos) {
      if (!param.empty()) return false;
      continue;
    }
    const std::string_view key = trim(param.substr(0, eq));
    std::string_view value = trim(param.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    if (key == "charset") {
      if (value != "utf-8" && value != "utf8") return false;
    } else if (key == "compatible-with") {
      if (!vendor || (value != "8" && value != "9")) return false;
      compatible = true;
    } else {
      return false;
    }
  }
  return !vendor || compatible;
}

std::string content_type_error(std::string_view content_type) {
  ojson j;
  j["error"] = "Content-Type header [" + std::string(content_type) + "] is not supported";
  j["status"] = 406;
  return dump(j);
}

std::optional<std::int64_t> parse_timestamp_ms(std::string_view s) {
  int year = 0, month = 0, day = 0;
  if (!digits(s, 0, 4, year) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, month) || s[7] != '-' ||
      !digits(s, 8, 2, day))
    return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
  std::int64_t ms = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86'400'000;
  if (s.size() == 10) return ms;
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return std::nullopt;
  int hour = 0, minute = 0, second = 0;
  if (!digits(s, 11, 2, hour) || s.size() < 16 || s[13] != ':' || !digits(s, 14, 2, minute)) return std::nullopt;
  std::size_t pos = 16;
  if (pos < s.size() && s[pos] == ':') {
    if (!digits(s, 17, 2, second)) return std::nullopt;
    pos = 19;
  }
  if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
  ms += (hour * 3600LL + minute * 60LL + second) * 1000;
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    ++pos;
    std::int64_t frac = 0;
    int n = 0;
    const std::size_t begin = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (n < 3) {
        frac = frac * 10 + (s[pos] - '0');
        ++n;
      }
      ++pos;
    }
    if (pos == begin) return std::nullopt;
    while (n < 3) {
      frac *= 10;
      ++n;
    }
    ms += frac;
  }
  if (pos == s.size()) return ms;  // no zone: UTC, as ES assumes
  if ((s[pos] == 'Z' || s[pos] == 'z') && pos + 1 == s.size()) return ms;
  if (s[pos] == '+' || s[pos] == '-') {
    int oh = 0, om = 0;
    if (!digits(s, pos + 1, 2, oh)) return std::nullopt;
    std::size_t after = pos + 3;
    if (after < s.size() && s[after] == ':') ++after;
    if (!digits(s, after, 2, om) || after + 2 != s.size() || oh > 23 || om > 59) return std::nullopt;
    const std::int64_t offset = (oh * 60LL + om) * 60'000;
    return s[pos] == '+' ? ms - offset : ms + offset;
  }
  return std::nullopt;
}

std::string to_event(const Item& item, std::string_view token_name_, std::int64_t now_ms) {
  const std::string receiver_label = "receiver:bulk";
  const std::string token_label = "token:" + std::string(token_name_);
  ojson doc = ocsf::parse_json<ojson>(item.document);
  const bool parsed = !doc.is_discarded();

  if (parsed && doc.is_object()) {
    const auto cls = doc.find("class_uid");
    const auto meta = doc.find("metadata");
    // As for HEC (docs/ingest.md "Mapping"): metadata that is not an object, or labels that are not
    // an array, cannot be labelled without changing them, so such a document is wrapped instead.
    const bool labellable = meta == doc.end() || (meta->is_object() && (!meta->contains("labels") || (*meta)["labels"].is_array()));
    if (cls != doc.end() && cls->is_number_integer() && labellable) {
      ojson& metadata = doc["metadata"];
      if (!metadata.is_object()) metadata = ojson::object();
      ojson& labels = metadata["labels"];
      if (!labels.is_array()) labels = ojson::array();
      for (const auto& l : {receiver_label, token_label})
        if (std::find(labels.begin(), labels.end(), l) == labels.end()) labels.push_back(l);
      return dump(doc);
    }
  }

  std::int64_t time = now_ms;
  if (parsed && doc.is_object()) {
    if (const auto ts = doc.find("@timestamp"); ts != doc.end()) {
      if (ts->is_string()) {
        if (auto ms = parse_timestamp_ms(ts->get_ref<const std::string&>())) time = *ms;
      } else if (ts->is_number_integer()) {
        time = ts->get<std::int64_t>();  // ES's epoch_millis date format
      }
    }
  }
  ojson event;
  event["class_uid"] = 0;
  event["category_uid"] = 0;
  event["activity_id"] = 0;
  event["type_uid"] = 0;
  event["severity_id"] = 0;
  event["time"] = time;
  event["raw_data"] = item.document;
  event["unmapped"]["bulk"] = {{"index", item.index}, {"id", item.id}, {"action", std::string(action_name(item.action))}};
  event["metadata"] = {{"product", {{"name", std::string(kBulkProduct)}}},
                       {"version", std::string(kOcsfVersion)},
                       {"labels", {receiver_label, token_label}}};
  return dump(event);
}

Error refused_error(std::string_view why) {
  return {400, "document_parsing_exception", "siemhub refused the document: " + std::string(why)};
}

std::optional<std::string> normalize_item(const Item& item, std::string_view token_name, std::int64_t now_ms,
                                          ocsf::NormalizedEvent& out) {
  auto& parser = thread_json_parser();
  simdjson::dom::element root;
  if (parser.parse(item.document.data(), item.document.size(), true).get(root) == simdjson::SUCCESS) {
    const ocsf::Shape shape = ocsf::shape_of(root);
    if (shape.integer_class && ocsf::labellable(shape)) {
      const std::string token_label = "token:" + std::string(token_name);
      const std::array<std::string_view, 2> labels{"receiver:bulk", token_label};
      return ocsf::normalize(root, labels, out, &shape);
    }
  }
  return ocsf::normalize(to_event(item, token_name, now_ms), out);
}

std::string respond(const std::vector<Item>& items, std::chrono::milliseconds took,
                    const std::vector<int>& statuses_override, std::int64_t first_seq_no) {
  const bool overrides = statuses_override.size() == items.size();
  bool errors = false;
  std::int64_t seq_no = first_seq_no;
  ojson out_items = ojson::array();
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Item& item = items[i];
    std::optional<Error> error = item.error;
    if (!error && overrides && statuses_override[i] != 0 && (statuses_override[i] < 200 || statuses_override[i] > 299)) {
      const int status = statuses_override[i];
      if (status == 429)
        error = Error{429, "es_rejected_execution_exception",
                      "rejected execution of bulk item: siemhub ingest journal is at its capacity"};
      else
        error = Error{status, status == 503 ? "unavailable_shards_exception" : "exception",
                      "siemhub could not store the document (status " + std::to_string(status) + ")"};
    }
    ojson body;
    body["_index"] = item.index;
    if (item.id.empty()) body["_id"] = nullptr;
    else body["_id"] = item.id;
    if (error) {
      errors = true;
      body["status"] = error->status;
      ojson e = {{"type", error->type}, {"reason", error->reason}};
      if (!item.index.empty() && error->status != 429) {
        e["index_uuid"] = "_na_";
        e["index"] = item.index;
      }
      body["error"] = std::move(e);
    } else {
      body["_version"] = 1;
      body["result"] = "created";
      body["_shards"] = {{"total", 1}, {"successful", 1}, {"failed", 0}};
      body["_seq_no"] = seq_no++;
      body["_primary_term"] = 1;
      body["status"] = 201;
    }
    ojson entry;
    entry[std::string(action_name(item.action))] = std::move(body);
    out_items.push_back(std::move(entry));
  }
  ojson out;
  out["took"] = took.count();
  out["errors"] = errors;
  out["items"] = std::move(out_items);
  return dump(out);
}

std::string error_response(const Error& error) {
  ojson cause = {{"type", error.type}, {"reason", error.reason}};
  ojson out;
  out["error"]["root_cause"] = ojson::array({cause});
  out["error"]["type"] = error.type;
  out["error"]["reason"] = error.reason;
  out["status"] = error.status;
  return dump(out);
}

Error busy_error() {
  return Error{429, "es_rejected_execution_exception",
               "rejected execution of bulk request: siemhub ingest journal is at its capacity, retry later"};
}

namespace {

std::string lucene_version(std::string_view version) {
  struct Row {
    std::string_view prefix, lucene;
  };
  static constexpr std::array<Row, 12> kRows = {{{"8.11.", "9.8.0"}, {"8.12.", "9.9.2"}, {"8.13.", "9.10.0"},
                                                 {"8.14.", "9.10.0"}, {"8.15.", "9.11.1"}, {"8.16.", "9.12.0"},
                                                 {"8.17.", "9.12.0"}, {"8.18.", "9.12.1"}, {"8.19.", "9.12.2"},
                                                 {"8.10.", "9.7.0"}, {"9.", "10.1.0"}, {"7.", "8.11.1"}}};
  for (const auto& r : kRows)
    if (version.substr(0, r.prefix.size()) == r.prefix) return std::string(r.lucene);
  return "9.8.0";
}

}  // namespace

std::string root_document(std::string_view version) {
  const bool v9 = version.substr(0, 2) == "9.";
  ojson j;
  j["name"] = "siemhub";
  j["cluster_name"] = "siemhub";
  j["cluster_uuid"] = "c2llbWh1Yi1idWxrLWh1Yg";
  j["version"] = {{"number", std::string(version)},
                  {"build_flavor", "default"},
                  {"build_type", "tar"},
                  {"build_hash", "siemhub"},
                  {"build_date", "2023-11-04T10:04:57.184859352Z"},
                  {"build_snapshot", false},
                  {"lucene_version", lucene_version(version)},
                  {"minimum_wire_compatibility_version", v9 ? "8.18.0" : "7.17.0"},
                  {"minimum_index_compatibility_version", v9 ? "8.0.0" : "7.0.0"}};
  j["tagline"] = "You Know, for Search";
  return dump(j);
}

std::string license_document() {
  ojson j;
  j["license"] = {{"status", "active"},
                  {"uid", "7d3d5c55-5d0b-4b8e-9f7c-5349e3cbd8a0"},
                  {"type", "basic"},
                  {"issue_date", "2024-01-01T00:00:00.000Z"},
                  {"issue_date_in_millis", 1704067200000},
                  {"max_nodes", 1000},
                  {"max_resource_units", nullptr},
                  {"issued_to", "siemhub"},
                  {"issuer", "elasticsearch"},
                  {"start_date_in_millis", -1}};
  return dump(j);
}

namespace {

enum class Setup { none, root, license, xpack, health, resource, index };

struct Route {
  Setup kind = Setup::none;
  std::string_view collection;  // "_index_template", "_ilm/policy", ...
  std::string_view name;
};

Route route(std::string_view method, std::string_view raw_path) {
  const std::string_view path = path_only(raw_path);
  const auto seg = segments(path);
  const bool get = method == "GET", head = method == "HEAD", put = method == "PUT" || method == "POST";
  if (seg.empty()) return (get || head) ? Route{Setup::root, {}, {}} : Route{};
  if (seg.size() == 1 && get && seg[0] == "_license") return {Setup::license, {}, {}};
  if (seg.size() == 1 && get && seg[0] == "_xpack") return {Setup::xpack, {}, {}};
  if (seg.size() == 2 && get && seg[0] == "_cluster" && seg[1] == "health") return {Setup::health, {}, {}};
  if (!(get || head || put)) return {};
  if (seg.size() == 2 && (seg[0] == "_index_template" || seg[0] == "_template" || seg[0] == "_component_template"))
    return {Setup::resource, seg[0], seg[1]};
  if (seg.size() == 3 && ((seg[0] == "_ilm" && seg[1] == "policy") || (seg[0] == "_ingest" && seg[1] == "pipeline")))
    return {Setup::resource, seg[0] == "_ilm" ? std::string_view("_ilm/policy") : std::string_view("_ingest/pipeline"), seg[2]};
  // An alias/bootstrap index check (HEAD /name) or creation (PUT /name), as Logstash's ILM does.
  if (seg.size() == 1 && seg[0].front() != '_' && (head || method == "PUT")) return {Setup::index, {}, seg[0]};
  return {};
}

}  // namespace

bool is_setup_call(std::string_view method, std::string_view path) { return route(method, path).kind != Setup::none; }

SetupReply setup_response(std::string_view method, std::string_view path, std::string_view version) {
  const Route r = route(method, path);
  const bool head = method == "HEAD";
  SetupReply reply;
  switch (r.kind) {
    case Setup::none:
      reply = {400, error_response(illegal("siemhub does not serve [" + std::string(method) + " " +
                                           std::string(path_only(path)) + "]"))};
      break;
    case Setup::root: reply = {200, root_document(version)}; break;
    case Setup::license: reply = {200, license_document()}; break;
    case Setup::xpack: {
      ojson j;
      j["build"] = {{"hash", "siemhub"}, {"date", "2023-11-04T10:04:57.184859352Z"}};
      j["license"] = {{"uid", "7d3d5c55-5d0b-4b8e-9f7c-5349e3cbd8a0"}, {"type", "basic"}, {"mode", "basic"}, {"status", "active"}};
      j["features"]["ilm"] = {{"available", true}, {"enabled", true}};
      reply = {200, dump(j)};
      break;
    }
    case Setup::health: {
      ojson j = {{"cluster_name", "siemhub"}, {"status", "green"}, {"timed_out", false}, {"number_of_nodes", 1},
                 {"number_of_data_nodes", 1}, {"active_primary_shards", 0}, {"active_shards", 0},
                 {"relocating_shards", 0}, {"initializing_shards", 0}, {"unassigned_shards", 0},
                 {"active_shards_percent_as_number", 100.0}};
      reply = {200, dump(j)};
      break;
    }
    case Setup::resource:
      if (method == "PUT" || method == "POST") {
        reply = {200, ack()};
      } else if (r.collection == "_index_template") {
        reply = {404, not_found("resource_not_found_exception", "index template matching [" + std::string(r.name) + "] not found")};
      } else if (r.collection == "_component_template") {
        reply = {404, not_found("resource_not_found_exception", "component template matching [" + std::string(r.name) + "] not found")};
      } else if (r.collection == "_ilm/policy") {
        reply = {404, not_found("resource_not_found_exception", "Lifecycle policy not found: " + std::string(r.name))};
      } else {
        reply = {404, "{}"};  // GET _template/N and _ingest/pipeline/N answer 404 {} in ES
      }
      break;
    case Setup::index:
      if (method == "PUT") {
        ojson j = {{"acknowledged", true}, {"shards_acknowledged", true}, {"index", std::string(r.name)}};
        reply = {200, dump(j)};
      } else {
        reply = {404, ""};
      }
      break;
  }
  if (head) reply.body.clear();
  return reply;
}

}  // namespace siemhub::ingest::bulk
