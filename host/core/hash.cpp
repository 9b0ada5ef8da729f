#include "core/hash.hpp"

#include <xxhash.h>

namespace siemhub::core {

std::uint64_t text_hash(std::string_view s, std::uint64_t seed) {
  // The home-made word-wise hash before it took ~4 % of the HEC path; XXH3 is several times
  // faster on ~500-byte events and its output is defined byte by byte (no byte-order caveat).
  return XXH3_64bits_withSeed(s.data(), s.size(), seed);
}

}  // namespace siemhub::core
