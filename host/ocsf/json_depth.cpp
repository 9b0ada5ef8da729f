#include "ocsf/json_depth.hpp"

#include <algorithm>

namespace siemhub::ocsf {

std::string json_error_text(simdjson::error_code error) {
  return error == simdjson::DEPTH_ERROR ? too_deep_message() : simdjson::error_message(error);
}

bool limit_depth(simdjson::dom::parser& parser, std::size_t max_depth) {
  // A small first capacity: the parser grows to each document and keeps max_depth() as it does.
  const std::size_t capacity = std::max<std::size_t>(parser.capacity(), 4096);
  return parser.allocate(capacity, max_depth) == simdjson::SUCCESS;
}

}  // namespace siemhub::ocsf
