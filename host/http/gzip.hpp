// gzip helpers (zlib). libcurl only decodes responses; request bodies are compressed here.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace siemhub::http {

/// RFC 1952 gzip member of `data`; nullopt only if zlib fails.
std::optional<std::string> gzip_compress(std::string_view data);

/// Inflates gzip (or zlib) data; nullopt when `data` is not valid compressed data or would
/// inflate beyond `max_size` bytes.
std::optional<std::string> gzip_decompress(std::string_view data,
                                           std::size_t max_size = std::size_t{1} << 30);

} // namespace siemhub::http
