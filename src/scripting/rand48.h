// Rand48: the generator behind scripts' math.random, Redis's rand48 (the
// 48-bit linear congruential generator of drand48, with its default start
// state). Redis 7.0 keeps one sequence for the whole process: it is not
// reseeded per script nor by SCRIPT FLUSH, only by math.randomseed.
// Thread rule: owned by the node's script runner, main thread only.
#pragma once
#include <cstdint>

namespace vireo {

class Rand48 {
 public:
  void Seed(int32_t seed) { state_ = (uint64_t(uint32_t(seed)) << 16) | 0x330E; }
  // 31 random bits (lrand48).
  int32_t Next() {
    state_ = (state_ * 0x5DEECE66DULL + 0xB) & ((1ULL << 48) - 1);
    return int32_t(state_ >> 17);
  }

 private:
  uint64_t state_ = 0x1234ABCD330EULL;
};

}  // namespace vireo
