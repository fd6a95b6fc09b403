#include "engine/eviction.h"

#include <unistd.h>

#include <cmath>
#include <limits>

#include "base/clock.h"
#include "base/memory_accounting.h"

namespace vireo {

uint64_t Evictor::TimeLimitUs(int tenacity) {
  // Redis's curve: 50 us per step up to 10 (500 us at the default), then
  // +15% per step, unlimited at 100.
  if (tenacity <= 10) return 50ULL * uint64_t(tenacity);
  if (tenacity < 100) return uint64_t(500.0 * std::pow(1.15, tenacity - 10));
  return std::numeric_limits<uint64_t>::max();
}

void Evictor::ResetPool() {
  for (Candidate& c : pool_) {
    c.db = -1;
    c.key.clear();
  }
}

uint64_t Evictor::NextRandom() {
  rng_ ^= rng_ << 13;
  rng_ ^= rng_ >> 7;
  rng_ ^= rng_ << 17;
  return rng_;
}

void Evictor::Populate(Database& db, bool allkeys, EvictionPolicy p, const AccessClock& clock, int samples) {
  constexpr int kMaxBatch = 64;
  Entry* batch[kMaxBatch];
  KeyTable& table = allkeys ? db.keys() : db.expires();
  while (samples > 0) {
    // maxmemory-samples may be large: sample in batches.
    const int want = samples < kMaxBatch ? samples : kMaxBatch;
    const size_t got = table.Sample(NextRandom(), batch, size_t(want));
    samples -= want;
    for (size_t i = 0; i < got; ++i) {
      const Entry* e = batch[i];
      uint64_t score;
      if (IsLruPolicy(p)) {
        // Idle time in seconds (Redis multiplies by its clock resolution:
        // the same order).
        const uint32_t now = clock.lru, then = e->lru();
        score = now >= then ? now - then : (AccessClock::kLruMask - then) + now;
      } else if (IsLfuPolicy(p)) {
        score = 255 - clock.LfuDecayed(e);
      } else {  // volatile-ttl: the nearer the deadline, the better
        score = std::numeric_limits<uint64_t>::max() - uint64_t(e->expire_ms());
      }
      // pool_ is sorted by score, ascending, empty slots at the end.
      int k = 0;
      while (k < kPoolSize && pool_[k].db >= 0 && pool_[k].score < score) ++k;
      if (k == 0 && pool_[kPoolSize - 1].db >= 0) continue;  // worse than all, pool full
      if (k < kPoolSize && pool_[k].db < 0) {
        // Empty slot: insert here.
      } else if (pool_[kPoolSize - 1].db < 0) {
        // Room at the end: shift right from k.
        Candidate spare = std::move(pool_[kPoolSize - 1]);
        for (int j = kPoolSize - 1; j > k; --j) pool_[j] = std::move(pool_[j - 1]);
        pool_[k] = std::move(spare);
      } else {
        // Full: drop the worst (slot 0), shift left up to k-1.
        --k;
        Candidate spare = std::move(pool_[0]);
        for (int j = 0; j < k; ++j) pool_[j] = std::move(pool_[j + 1]);
        pool_[k] = std::move(spare);
      }
      pool_[k].score = score;
      pool_[k].db = db.index();
      pool_[k].key.assign(e->key());  // keeps its capacity: no allocation once warm
    }
    if (got < size_t(want)) break;
  }
}

Entry* Evictor::PickPooled(Keyspace& ks, bool allkeys, EvictionPolicy p, int samples, int* db_out) {
  while (true) {
    uint64_t total = 0;
    for (int i = 0; i < ks.count(); ++i) {
      Database& db = ks.db(i);
      const size_t n = allkeys ? db.size() : db.expires_size();
      if (n == 0) continue;
      Populate(db, allkeys, p, ks.access_clock(), samples);
      total += n;
    }
    if (total == 0) return nullptr;
    // The best candidate still present (the pool may hold deleted keys).
    bool any = false;
    for (int k = kPoolSize - 1; k >= 0; --k) {
      Candidate& c = pool_[k];
      if (c.db < 0) continue;
      any = true;
      Database& db = ks.db(c.db);
      Entry* e = db.Find(c.key);
      if (e && !allkeys && !e->has_expire()) e = nullptr;
      const int db_index = c.db;
      // Popped from the top: the slots above are empty, so the pool stays
      // contiguous from slot 0 (the key string keeps its capacity).
      c.db = -1;
      if (e) {
        *db_out = db_index;
        return e;
      }
    }
    if (!any) return nullptr;  // sampling found nothing (cannot happen with keys present)
  }
}

Entry* Evictor::PickRandom(Keyspace& ks, bool allkeys, int* db_out) {
  for (int i = 0; i < ks.count(); ++i) {
    const int j = (++next_db_) % ks.count();
    Database& db = ks.db(j);
    KeyTable& table = allkeys ? db.keys() : db.expires();
    if (table.size() == 0) continue;
    if (Entry* e = table.Random(NextRandom())) {
      *db_out = j;
      return e;
    }
  }
  return nullptr;
}

Evictor::Result Evictor::Perform(Keyspace& ks, const EvictionSettings& s, size_t not_counted) {
  running_ = false;
  size_t used = UsedMemory() + s.counted_extra;
  used = used > not_counted ? used - not_counted : 0;
  if (s.maxmemory == 0 || used <= s.maxmemory) return Result::kOk;
  if (s.policy == EvictionPolicy::kNoEviction) return Result::kFail;

  const uint64_t to_free = used - s.maxmemory;
  uint64_t freed = 0, keys_freed = 0;
  const int64_t start = MonoUs();
  const uint64_t limit = TimeLimitUs(s.tenacity);
  const bool allkeys = s.policy == EvictionPolicy::kAllkeysLru || s.policy == EvictionPolicy::kAllkeysLfu ||
                       s.policy == EvictionPolicy::kAllkeysRandom;
  const bool random = s.policy == EvictionPolicy::kAllkeysRandom || s.policy == EvictionPolicy::kVolatileRandom;
  while (freed < to_free) {
    int db = -1;
    Entry* e = random ? PickRandom(ks, allkeys, &db) : PickPooled(ks, allkeys, s.policy, s.samples, &db);
    if (!e) {
      // Nothing left to evict, and not enough freed: a failure even when
      // some keys went (Redis's performEvictions). Values may still be on their way out on the
      // lazy-free thread: wait once, briefly, as Redis does.
      if (ks.lazy_freer().pending() && limit < 1000000) {
        usleep(useconds_t(limit));
        size_t now = UsedMemory() + s.counted_extra;
        now = now > not_counted ? now - not_counted : 0;
        if (now <= s.maxmemory) return Result::kOk;
      }
      return Result::kFail;
    }
    const size_t before = UsedMemory();
    ks.db(db).EvictEntry(e);
    const size_t after = UsedMemory();
    if (before > after) {
      freed += before - after;
      freed_bytes_ += before - after;
    }
    ++keys_freed;
    if (keys_freed % 16 == 0 && ks.free_settings().eviction) {
      // Lazy eviction: the measured deltas miss what the background thread
      // frees; look at the memory itself.
      size_t now = UsedMemory() + s.counted_extra;
      now = now > not_counted ? now - not_counted : 0;
      if (now <= s.maxmemory) break;
    }
    if (keys_freed % 16 == 0 && uint64_t(MonoUs() - start) > limit) {
      // Out of budget: carry on before the loop sleeps, without holding
      // this command up further (it runs: memory is being freed).
      running_ = true;
      return Result::kRunning;
    }
  }
  return Result::kOk;
}

}  // namespace vireo
