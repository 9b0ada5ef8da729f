#include "gzip.hpp"

#include <zlib.h>

#include <array>
#include <limits>

namespace siemhub::http {

std::optional<std::string> gzip_compress(std::string_view data) {
    if (data.size() > std::numeric_limits<uInt>::max()) {
        return std::nullopt;
    }
    z_stream zs{};
    // 15 window bits + 16 = gzip wrapper.
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY)
        != Z_OK) {
        return std::nullopt;
    }
    std::string out;
    out.resize(deflateBound(&zs, static_cast<uLong>(data.size())));
    // zlib's API is not const-correct; it never writes through next_in.
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&zs, Z_FINISH);
    const auto produced = zs.total_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        return std::nullopt;
    }
    out.resize(produced);
    return out;
}

std::optional<std::string> gzip_decompress(std::string_view data, std::size_t max_size) {
    if (data.size() > std::numeric_limits<uInt>::max()) {
        return std::nullopt;
    }
    z_stream zs{};
    // 15 window bits + 32 = detect gzip or zlib header.
    if (inflateInit2(&zs, 15 + 32) != Z_OK) {
        return std::nullopt;
    }
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    std::string out;
    std::array<char, 16384> buf{};
    int rc = Z_OK;
    while (rc == Z_OK) {
        zs.next_out = reinterpret_cast<Bytef*>(buf.data());
        zs.avail_out = static_cast<uInt>(buf.size());
        rc = inflate(&zs, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END) {
            break;
        }
        out.append(buf.data(), buf.size() - zs.avail_out);
        if (out.size() > max_size) {
            rc = Z_BUF_ERROR;
            break;
        }
        if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
            rc = Z_DATA_ERROR; // truncated input
        }
    }
    inflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        return std::nullopt;
    }
    return out;
}

} // namespace siemhub::http
