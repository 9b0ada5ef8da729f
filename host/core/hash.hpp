// A fast 64-bit hash of text, stable across runs, builds and platforms: event ids
// (ocsf/normalize) and the shard of a correlation group (lua/engine) both use it, so replays and
// restores agree.
#pragma once

#include <cstdint>
#include <string_view>

namespace siemhub::core {

/// XXH3-64 (xxHash 0.8, libxxhash) of `s` with `seed`: a published algorithm, so an id can be
/// recomputed outside the hub (`xxhsum -H3` for seed 0). `seed` chains hashes (hash of b seeded
/// with hash of a).
std::uint64_t text_hash(std::string_view s, std::uint64_t seed = 0);

}  // namespace siemhub::core
