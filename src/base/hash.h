// The hash function for keys in every in-memory hash table (keyspace, hashes,
// sets): XXH3 64-bit with a per-process random seed, so that clients cannot
// pick keys that all collide (hash flooding) on a server they do not control.
// Thread-safe: the seed is chosen once, on first use, and never changes.
#pragma once
#include <xxhash.h>

#include <cstddef>
#include <cstdint>
#include <random>
#include <string_view>

namespace vireo {

// The seed for HashBytes; random per process. Exposed for tests and for code
// that must hash in exactly the same way (for example a precomputed hash).
inline uint64_t HashSeed() {
  // A function-local static rather than a namespace-scope variable: it is
  // initialised on first use, so hashing from another static initialiser
  // never sees a zero seed.
  static const uint64_t seed = [] {
    std::random_device rd;
    return (uint64_t{rd()} << 32) ^ uint64_t{rd()};
  }();
  return seed;
}

// 64-bit hash of s. Callers take the low bits as a bucket index and the high
// bits as a fragment, so all 64 bits must be well mixed (XXH3's are).
inline uint64_t HashBytes(std::string_view s) {
  return XXH3_64bits_withSeed(s.data(), s.size(), HashSeed());
}

// Hasher for std::unordered_map<std::string, T, KeyHash, std::equal_to<>>
// keyed by client-chosen names (watched keys, tracked keys): seeded like the
// keyspace, so names cannot be picked to collide, and transparent, so a
// lookup by string_view allocates nothing.
struct KeyHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return size_t(HashBytes(s)); }
};

}  // namespace vireo
