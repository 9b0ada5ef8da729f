// A fast 64-bit hash of text, stable across runs and builds: event ids (pipeline/normalize) and
// the shard of a correlation group (lua/engine) both use it, so replays and restores agree.
#pragma once

#include <cstdint>
#include <string_view>

namespace siemhub::core {

/// Eight bytes per step (word-wise multiply-rotate) and the splitmix64 finaliser. `seed` chains
/// hashes (hash of b seeded with hash of a). Words are read in the machine's byte order: the
/// same on x86-64 and arm64.
std::uint64_t text_hash(std::string_view s, std::uint64_t seed = 0);

}  // namespace siemhub::core
