// A fast 64-bit hash of text, stable across runs, builds and platforms: event ids
// (ocsf/normalize) and the shard of a correlation group (lua/engine) both use it, so replays and
// restores agree.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace siemhub::core {

/// XXH3-64 (xxHash 0.8, libxxhash) of `s` with `seed`: a published algorithm, so an id can be
/// recomputed outside the hub (`xxhsum -H3` for seed 0). `seed` chains hashes (hash of b seeded
/// with hash of a).
std::uint64_t text_hash(std::string_view s, std::uint64_t seed = 0);

/// Lower-case hex of the bytes of `s` (two digits a byte).
inline std::string to_hex(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * s.size());
  for (const unsigned char b : s) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xF]);
  }
  return out;
}

}  // namespace siemhub::core
