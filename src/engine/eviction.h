// Evictor: maxmemory eviction, Redis 7.0's algorithm (evict.c).
//
// Before a client's command runs, the node asks Perform() to bring used
// memory (minus what is not counted for eviction: AOF and replica buffers)
// under maxmemory. Keys are chosen by the policy:
//   *-lru:    the longest idle (24-bit seconds clock in each entry);
//   *-lfu:    the lowest decayed logarithmic access counter;
//   volatile-ttl: the nearest deadline;
//   *-random: any key, databases taken round-robin;
//   allkeys-* choose among every key, volatile-* only among keys with a TTL
//   (never a key without one).
// The approximate policies sample maxmemory-samples keys per database per
// round into a pool of the 16 best candidates kept between calls (Redis's
// eviction pool): a sampled key enters when it scores better than the worst
// in the pool; the best is evicted. Each deletion is measured (used memory
// before and after), and the loop stops when enough was freed, when no
// candidate is left (kFail: the command is refused with -OOM when it may
// grow memory) or when maxmemory-eviction-tenacity's time budget is spent
// (kRunning: the node calls again before sleeping, without blocking
// clients).
// Deletions go through Database::EvictEntry, whose hook gives WATCH,
// client-side caching, the `evicted` keyspace event and propagation what an
// expiry gives them.
// Thread rule: owned by the node, used on its main thread.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/keyspace.h"

namespace vireo {

// Config order: CONFIG GET/SET names are kEvictionPolicyNames[policy].
enum class EvictionPolicy : uint8_t {
  kVolatileLru,
  kVolatileLfu,
  kVolatileRandom,
  kVolatileTtl,
  kAllkeysLru,
  kAllkeysLfu,
  kAllkeysRandom,
  kNoEviction,
};
inline constexpr const char* kEvictionPolicyNames[] = {
    "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
    "allkeys-lru",  "allkeys-lfu",  "allkeys-random",  "noeviction"};

inline bool IsLfuPolicy(EvictionPolicy p) { return p == EvictionPolicy::kVolatileLfu || p == EvictionPolicy::kAllkeysLfu; }
inline bool IsLruPolicy(EvictionPolicy p) { return p == EvictionPolicy::kVolatileLru || p == EvictionPolicy::kAllkeysLru; }

struct EvictionSettings {
  size_t maxmemory = 0;  // 0: no limit
  EvictionPolicy policy = EvictionPolicy::kNoEviction;
  int samples = 5;
  int tenacity = 10;  // 0..100
  size_t counted_extra = 0;  // bytes counted on top of used_memory (maxmemory-count-fragmentation)
};

class Evictor {
 public:
  enum class Result { kOk, kRunning, kFail };

  // used: UsedMemory() now; not_counted: bytes left out of the comparison.
  // Evicts until used - not_counted <= maxmemory.
  Result Perform(Keyspace& ks, const EvictionSettings& s, size_t not_counted);

  // Redis's evictionTimeLimitUs for a tenacity (0..100).
  static uint64_t TimeLimitUs(int tenacity);
  // True while a budget-limited run left work (the node calls Perform again
  // before sleeping).
  bool running() const { return running_; }
  // Forgets the pool (FLUSHALL, policy change, databases swapped).
  void ResetPool();

  // Bytes freed by evictions, for tests and INFO.
  uint64_t freed_bytes() const { return freed_bytes_; }

  static constexpr int kPoolSize = 16;

 private:
  struct Candidate {
    uint64_t score = 0;  // higher = better to evict
    int db = -1;         // -1: empty slot
    std::string key;
  };
  // Samples a database's dict into the pool (Redis's evictionPoolPopulate).
  void Populate(Database& db, bool allkeys, EvictionPolicy p, const AccessClock& clock, int samples);
  Entry* PickPooled(Keyspace& ks, bool allkeys, EvictionPolicy p, int samples, int* db_out);
  Entry* PickRandom(Keyspace& ks, bool allkeys, int* db_out);
  uint64_t NextRandom();

  Candidate pool_[kPoolSize];
  int next_db_ = 0;
  bool running_ = false;
  uint64_t rng_ = 0x2545F4914F6CDD1DULL;
  uint64_t freed_bytes_ = 0;
};

}  // namespace vireo
