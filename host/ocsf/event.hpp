// One OCSF event: the JSON text it arrived as, parsed once with simdjson's DOM into a document the
// event owns, with lazy typed access by OCSF attribute path ("src_endpoint.ip",
// "observables[0].value"). Parsing never throws; a failed parse is kept (error()) so validation can
// report it.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <simdjson.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace siemhub::ocsf {

class Event;

/// A simdjson DOM parser whose internal buffers are reused across events. Not thread-safe: use one
/// per thread (thread_parser()).
class Parser {
 public:
  Parser();  ///< refuses documents nested deeper than kMaxJsonDepth (json_depth.hpp)
  Event parse(std::string json);
  /// The same, parsing into `reuse` (a document released by an earlier Event; null: a new one),
  /// so that a loop over single events does not allocate a tape per event.
  Event parse(std::string json, std::unique_ptr<simdjson::dom::document> reuse);

 private:
  friend class Batch;
  simdjson::dom::parser parser_;
};

/// The calling thread's parser.
Parser& thread_parser();

/// The element at `path` below `from`: dot-separated keys, array indexes as "[N]" or ".N"; ""
/// is `from` itself. The walk behind Event::get_element, for code that holds an element.
std::optional<simdjson::dom::element> resolve_path(simdjson::dom::element from, std::string_view path);

class Event {
 public:
  /// Parses with thread_parser().
  static Event parse(std::string json);

  Event(Event&&) noexcept = default;
  Event& operator=(Event&&) noexcept = default;

  bool ok() const { return error_ == simdjson::SUCCESS; }
  simdjson::error_code error() const { return error_; }
  /// The JSON text exactly as given.
  std::string_view text() const { return {text_.data(), size_}; }

  /// The root element; nullopt when the parse failed. Elements stay valid while the Event lives
  /// (moving the Event does not invalidate them).
  std::optional<simdjson::dom::element> root() const;
  /// The element at `path`: dot-separated keys, array indexes as "[N]" or ".N". "" is the root.
  std::optional<simdjson::dom::element> get_element(std::string_view path) const;

  /// Typed access: nullopt for a missing path or a value of another JSON type.
  /// int64: integers that fit in int64 only. double: any JSON number.
  template <class T>
  std::optional<T> get(std::string_view path) const;
  std::optional<std::string_view> get_string(std::string_view path) const { return get<std::string_view>(path); }
  std::optional<std::int64_t> get_int(std::string_view path) const { return get<std::int64_t>(path); }
  std::optional<double> get_double(std::string_view path) const { return get<double>(path); }
  std::optional<bool> get_bool(std::string_view path) const { return get<bool>(path); }

  /// A nlohmann copy for convenience paths (tests, Lua, admin API) — ~10x the parse cost. A null
  /// json when the parse failed.
  nlohmann::json to_json() const;

  /// The document, for Parser::parse(json, reuse); the Event is then no longer parsed.
  std::unique_ptr<simdjson::dom::document> release_document() {
    error_ = simdjson::UNINITIALIZED;
    return std::move(doc_);
  }
  /// Moves the text out (without the padding); the Event is left empty.
  std::string take_text() && {
    text_.resize(size_);
    size_ = 0;
    error_ = simdjson::UNINITIALIZED;
    return std::move(text_);
  }

 private:
  friend class Parser;
  Event(std::string text, std::unique_ptr<simdjson::dom::document> doc);

  std::string text_;  // the JSON followed by SIMDJSON_PADDING zero bytes
  std::size_t size_ = 0;
  std::unique_ptr<simdjson::dom::document> doc_;  // heap-held so elements survive moves
  simdjson::error_code error_ = simdjson::UNINITIALIZED;

  friend class Batch;
};

extern template std::optional<std::string_view> Event::get(std::string_view) const;
extern template std::optional<std::int64_t> Event::get(std::string_view) const;
extern template std::optional<double> Event::get(std::string_view) const;
extern template std::optional<bool> Event::get(std::string_view) const;

/// A batch of events parsed by one parser; clear() keeps the events' documents for reuse, so a
/// pipeline stage that refills the same Batch stops allocating once it has warmed up.
class Batch {
 public:
  explicit Batch(Parser& parser = thread_parser()) : parser_(&parser) {}

  Event& add(std::string json);
  void clear();

  std::size_t size() const { return events_.size(); }
  bool empty() const { return events_.empty(); }
  Event& operator[](std::size_t i) { return events_[i]; }
  const Event& operator[](std::size_t i) const { return events_[i]; }
  auto begin() { return events_.begin(); }
  auto end() { return events_.end(); }
  auto begin() const { return events_.begin(); }
  auto end() const { return events_.end(); }

 private:
  Parser* parser_;
  std::vector<Event> events_;
  std::vector<std::unique_ptr<simdjson::dom::document>> spare_;
};

}  // namespace siemhub::ocsf
