#include "ocsf/normalize.hpp"

#include "core/hash.hpp"
#include "ocsf/complete.hpp"
#include "ocsf/json_depth.hpp"
#include "ocsf/validate.hpp"

namespace siemhub::ocsf {

namespace dom = simdjson::dom;

namespace {

// The kind of the last refusal on this thread (refused() reads it).
thread_local std::string_view last_kind = "other";

std::string describe(const std::vector<Violation>& violations) {
  last_kind = violations.empty() ? std::string_view("other") : to_string(violations.front().problem);
  std::string why;
  for (size_t i = 0; i < violations.size() && i < 3; ++i) why += (i ? "; " : "") + violations[i].to_string();
  if (violations.size() > 3) why += "; and " + std::to_string(violations.size() - 3) + " more";
  return why;
}

std::string_view metadata_uid(const Shape& shape) {
  std::string_view s;
  if (!shape.uid || shape.uid->get(s) != simdjson::SUCCESS) return {};
  return s;
}

}  // namespace

Refusal refused(std::string reason, std::string original) {
  return Refusal{std::move(reason), std::move(original), last_kind};
}

std::string& scratch() {
  thread_local std::string text;
  text.clear();
  return text;
}

std::string event_id(std::string_view json, std::string_view metadata_uid) {
  if (!metadata_uid.empty()) return std::string(metadata_uid);
  uint64_t h = core::text_hash(json);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');  // "%016llx"
  for (int i = 15; i >= 0; --i, h >>= 4) out[static_cast<size_t>(i)] = kHex[h & 0xf];
  return out;
}

std::optional<std::string> normalize(std::string raw, NormalizedEvent& out) {
  Parser& parser = thread_parser();
  // One document (tape and string buffer) per thread, reused from event to event.
  thread_local std::unique_ptr<simdjson::dom::document> spare;
  Event ev = parser.parse(std::move(raw), std::move(spare));
  struct Recycle {
    Event& ev;
    ~Recycle() {
      if (auto doc = ev.release_document()) spare = std::move(doc);
    }
  } recycle{ev};
  const auto refuse = [&](std::string why) {
    out.json = std::move(ev).take_text();
    out.id.clear();
    return std::optional<std::string>(std::move(why));
  };
  if (!ev.ok()) {
    last_kind = to_string(Problem::parse_error);
    return refuse("not valid JSON: " + json_error_text(ev.error()));
  }
  const dom::element root = *ev.root();
  if (!root.is_object()) return refuse(describe(validate(ev)));
  const Shape shape = shape_of(root);
  const Completion completion = plan_completion(shape);
  const auto violations = validate(root, completion, &shape);
  if (!violations.empty()) return refuse(describe(violations));
  if (completion.any()) {
    out.json.clear();  // written in one exact-size append (the journal's cache keeps it)
    write_completed(root, ev.text(), completion, {}, out.json, &shape);
    out.id = event_id(out.json, metadata_uid(shape));
  } else {
    out.id = event_id(ev.text(), metadata_uid(shape));
    if (auto doc = ev.release_document()) spare = std::move(doc);
    out.json = std::move(ev).take_text();
  }
  return std::nullopt;
}

std::optional<std::string> normalize(dom::element root, std::span<const std::string_view> labels, NormalizedEvent& out,
                                     const Shape* given) {
  if (!root.is_object()) return describe(validate(root, Completion{}));
  const Shape own = given ? Shape{} : shape_of(root);
  const Shape& shape = given ? *given : own;
  const Completion completion = plan_completion(shape);
  const auto violations = validate(root, completion, &shape);
  if (!violations.empty()) return describe(violations);
  out.json.clear();  // written in one exact-size append (the journal's cache keeps it)
  if (!write_completed(root, {}, completion, labels, out.json, &shape)) {
    last_kind = "labels";
    return std::string("metadata cannot take labels");
  }
  out.id = event_id(out.json, metadata_uid(shape));
  return std::nullopt;
}

bool labellable(const Shape& shape) {
  if (!shape.object) return false;
  if (!shape.metadata) return true;
  return shape.metadata->is_object() && (!shape.labels || shape.labels->is_array());
}

}  // namespace siemhub::ocsf
