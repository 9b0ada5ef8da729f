#include "ocsf/event.hpp"

#include "ocsf/json_depth.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <limits>

namespace siemhub::ocsf {

namespace dom = simdjson::dom;

Parser& thread_parser() {
  thread_local Parser parser;
  return parser;
}

Parser::Parser() { (void)limit_depth(parser_); }  // a failed allocation fails the first parse instead

Event Parser::parse(std::string json) { return parse(std::move(json), nullptr); }

Event Parser::parse(std::string json, std::unique_ptr<dom::document> reuse) {
  if (!reuse) reuse = std::make_unique<dom::document>();
  Event event(std::move(json), std::move(reuse));
  // The parser keeps its structural-index buffers between calls; the tape and string buffer go
  // into the event's own document (re-allocated only when this event is bigger than its last use).
  auto root = parser_.parse_into_document(*event.doc_, event.text_.data(), event.size_, false);
  event.error_ = root.error();
  return event;
}

Event::Event(std::string text, std::unique_ptr<dom::document> doc) : text_(std::move(text)), doc_(std::move(doc)) {
  size_ = text_.size();
  // simdjson reads up to SIMDJSON_PADDING bytes past the end; make them ours (and zero).
  text_.resize(size_ + simdjson::SIMDJSON_PADDING, '\0');
}

Event Event::parse(std::string json) { return thread_parser().parse(std::move(json)); }

std::optional<dom::element> Event::root() const {
  if (!ok() || !doc_) return std::nullopt;
  return doc_->root();
}

namespace {

std::optional<std::size_t> to_index(std::string_view digits) {
  std::size_t index = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
  if (ec != std::errc{} || end != digits.data() + digits.size() || digits.empty()) return std::nullopt;
  return index;
}

// One path step: a key on an object, or a decimal index on an array.
std::optional<dom::element> step(dom::element cur, std::string_view segment, bool bracketed) {
  if (!bracketed && cur.is_object()) {
    dom::element next;
    if (dom::object(cur).at_key(segment).get(next) != simdjson::SUCCESS) return std::nullopt;
    return next;
  }
  if (cur.is_array()) {
    const auto index = to_index(segment);
    if (!index) return std::nullopt;
    dom::element next;
    if (dom::array(cur).at(*index).get(next) != simdjson::SUCCESS) return std::nullopt;
    return next;
  }
  return std::nullopt;
}

}  // namespace

std::optional<dom::element> resolve_path(dom::element from, std::string_view path) {
  std::optional<dom::element> cur = from;
  std::size_t i = 0;
  while (cur && i < path.size()) {
    if (path[i] == '[') {
      const auto close = path.find(']', i);
      if (close == std::string_view::npos) return std::nullopt;
      cur = step(*cur, path.substr(i + 1, close - i - 1), true);
      i = close + 1;
    } else {
      const auto end = path.find_first_of(".[", i);
      const auto stop = end == std::string_view::npos ? path.size() : end;
      cur = step(*cur, path.substr(i, stop - i), false);
      i = stop;
    }
    if (i < path.size() && path[i] == '.') {
      ++i;
      if (i == path.size()) return std::nullopt;  // "a." names nothing
    }
  }
  return cur;
}

std::optional<dom::element> Event::get_element(std::string_view path) const {
  const auto r = root();
  return r ? resolve_path(*r, path) : std::nullopt;
}

template <class T>
std::optional<T> Event::get(std::string_view path) const {
  const auto element = get_element(path);
  if (!element) return std::nullopt;
  if constexpr (std::is_same_v<T, std::string_view>) {
    std::string_view s;
    if (element->get(s) == simdjson::SUCCESS) return s;
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    std::int64_t v = 0;
    if (element->type() == dom::element_type::INT64 && element->get(v) == simdjson::SUCCESS) return v;
  } else if constexpr (std::is_same_v<T, double>) {
    double v = 0;
    if (element->is_number() && element->get(v) == simdjson::SUCCESS) return v;
  } else if constexpr (std::is_same_v<T, bool>) {
    bool v = false;
    if (element->get(v) == simdjson::SUCCESS) return v;
  }
  return std::nullopt;
}

template std::optional<std::string_view> Event::get(std::string_view) const;
template std::optional<std::int64_t> Event::get(std::string_view) const;
template std::optional<double> Event::get(std::string_view) const;
template std::optional<bool> Event::get(std::string_view) const;

namespace {

// The parser's depth limit (kMaxJsonDepth) bounds this recursion.
nlohmann::json convert(dom::element e) {
  switch (e.type()) {
    case dom::element_type::OBJECT: {
      nlohmann::json out = nlohmann::json::object();
      for (auto field : dom::object(e)) out[std::string(field.key)] = convert(field.value);
      return out;
    }
    case dom::element_type::ARRAY: {
      nlohmann::json out = nlohmann::json::array();
      for (auto v : dom::array(e)) out.push_back(convert(v));
      return out;
    }
    case dom::element_type::STRING: return std::string(std::string_view(e));
    case dom::element_type::INT64: return std::int64_t(e);
    case dom::element_type::UINT64: return std::uint64_t(e);
    case dom::element_type::DOUBLE: return double(e);
    case dom::element_type::BOOL: return bool(e);
    case dom::element_type::NULL_VALUE: return nullptr;
  }
  return nullptr;
}

}  // namespace

nlohmann::json Event::to_json() const {
  const auto r = root();
  return r ? convert(*r) : nlohmann::json();
}

Event& Batch::add(std::string json) {
  std::unique_ptr<dom::document> doc;
  if (!spare_.empty()) {
    doc = std::move(spare_.back());
    spare_.pop_back();
  }
  events_.push_back(parser_->parse(std::move(json), std::move(doc)));
  return events_.back();
}

void Batch::clear() {
  for (Event& e : events_) {
    if (auto doc = e.release_document()) spare_.push_back(std::move(doc));
  }
  events_.clear();
}

}  // namespace siemhub::ocsf
