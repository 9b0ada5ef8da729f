// Request framing both HTTP servers (ingest, admin) enforce beyond what Beast checks. Beast reads a
// request whose Transfer-Encoding does not end in chunked as having no body and keeps the
// connection, so the body would be read as the next request (request smuggling behind a proxy).
// RFC 9112 section 6.3: such a request is answered 400 and the connection closed; section 6.1: a
// transfer coding the server does not implement (anything but chunked) is answered 501.
#pragma once

#include <cctype>
#include <optional>
#include <string>
#include <string_view>

namespace siemhub::core {

/// The refusal for a request's Transfer-Encoding value (all its header lines joined with ","):
/// nullopt for "chunked" alone; 400 when chunked is not the last coding; 501 for any other coding
/// before it. `why` says which, for the answer.
inline std::optional<unsigned> refuse_transfer_coding(std::string_view value, std::string& why) {
  bool chunked_last = false, others = false;
  for (size_t at = 0; at <= value.size();) {
    size_t end = value.find(',', at);
    if (end == std::string_view::npos) end = value.size();
    std::string_view coding = value.substr(at, end - at);
    while (!coding.empty() && (coding.front() == ' ' || coding.front() == '\t')) coding.remove_prefix(1);
    while (!coding.empty() && (coding.back() == ' ' || coding.back() == '\t')) coding.remove_suffix(1);
    std::string lower(coding);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!lower.empty()) {
      others = others || chunked_last;  // chunked followed by something
      chunked_last = lower == "chunked";
      others = others || !chunked_last;
    }
    at = end + 1;
  }
  if (!chunked_last) {
    why = "Transfer-Encoding \"" + std::string(value) + "\" does not end in chunked: the body length is unknown";
    return 400;
  }
  if (others) {
    why = "Transfer-Encoding \"" + std::string(value) + "\": only chunked is implemented";
    return 501;
  }
  return std::nullopt;
}

}  // namespace siemhub::core
