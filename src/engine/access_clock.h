// AccessClock: what an Entry's 24-bit access field holds and how a lookup
// updates it, Redis's two layouts:
//   LRU (every policy but the LFU ones): the 24-bit seconds clock of the last
//       access (OBJECT IDLETIME, the LRU eviction score).
//   LFU (allkeys-lfu, volatile-lfu): 16 bits of minutes of the last decrement
//       then an 8-bit logarithmic access counter (OBJECT FREQ, the LFU score).
// A new key starts at counter 5 (LFU_INIT_VAL) so it is not evicted before it
// had a chance to be read; each access increments the counter with
// probability 1/((counter-5)*lfu-log-factor+1); the counter loses one per
// lfu-decay-time minutes without access. Switching policy does not rewrite
// entries (Redis does not either): values read in the other layout give
// meaningless scores until the keys are touched again.
// Thread rule: owned by a Keyspace, used on its thread.
#pragma once
#include <cstdint>

#include "engine/entry.h"

namespace vireo {

struct AccessClock {
  static constexpr uint32_t kLruMask = (1u << 24) - 1;
  static constexpr uint32_t kLfuInitVal = 5;

  uint32_t lru = 0;        // seconds, 24 bits, updated by the cron
  uint32_t minutes = 0;    // minutes, 16 bits (LFU), updated with lru
  bool lfu = false;        // an LFU maxmemory policy is configured
  int lfu_log_factor = 10;
  int lfu_decay_time = 1;  // minutes per counter decrement; 0: never decays
  // maxmemory with an LRU or LFU policy: Redis then gives every small
  // integer value its own object (a shared one has no per-key clock), which
  // OBJECT REFCOUNT shows.
  bool private_ints = false;
  uint64_t rng = 0x9E3779B97F4A7C15ULL;

  void Update(int64_t now_ms) {
    lru = uint32_t(now_ms / 1000) & kLruMask;
    minutes = uint32_t(now_ms / 60000) & 0xFFFF;
  }

  // The value a new entry starts with.
  uint32_t Initial() const { return lfu ? (minutes << 8) | kLfuInitVal : lru; }

  // The LFU counter of e after the decay due now (Redis's LFUDecrAndReturn).
  uint32_t LfuDecayed(const Entry* e) const {
    const uint32_t v = e->lru();
    const uint32_t last = v >> 8, counter = v & 0xFF;
    const uint32_t now = minutes;
    const uint32_t elapsed = now >= last ? now - last : 65535 - last + now;
    const uint32_t periods = lfu_decay_time > 0 ? elapsed / uint32_t(lfu_decay_time) : 0;
    return periods >= counter ? 0 : counter - periods;
  }

  // An access to e (a lookup that touches).
  void Touch(Entry* e) {
    if (!lfu) [[likely]] {
      e->set_lru(lru);
      return;
    }
    uint32_t counter = LfuDecayed(e);
    if (counter < 255) {
      const double base = counter > kLfuInitVal ? double(counter - kLfuInitVal) : 0.0;
      const double p = 1.0 / (base * lfu_log_factor + 1);
      if (NextUnit() < p) ++counter;
    }
    e->set_lru((minutes << 8) | counter);
  }

  // Uniform in [0, 1).
  double NextUnit() {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return double(rng >> 11) * (1.0 / 9007199254740992.0);
  }
};

}  // namespace vireo
