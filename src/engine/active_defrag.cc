#include "engine/active_defrag.h"

#include <algorithm>

#include "base/alloc_defrag.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/memory_stats.h"
#include "base/slab_allocator.h"
#include "engine/keyspace.h"

namespace vireo {

bool ActiveDefrag::Supported() { return alloc_defrag::Supported(); }

Fragmentation ActiveDefrag::ReadFragmentation() {
  const MemoryStats m = ReadMemoryStats();
  return FragmentationOf(m.allocated, m.active);
}

Fragmentation ActiveDefrag::FragmentationOf(size_t allocated, size_t active) {
  // Free blocks in entry-slab pages are allocated as far as jemalloc knows.
  const SlabAllocator& slab = EntrySlab();
  const size_t slab_free = slab.page_bytes() > slab.live_bytes() ? slab.page_bytes() - slab.live_bytes() : 0;
  Fragmentation f;
  if (allocated > slab_free) allocated -= slab_free;
  if (allocated == 0 || active < allocated) return f;
  f.bytes = active - allocated;
  f.pct = double(active) / double(allocated) * 100 - 100;
  return f;
}

uint64_t ActiveDefrag::current_time_ms() const {
  return stats_.run_start_us ? uint64_t(MonoUs() - stats_.run_start_us) / 1000 : 0;
}

void ActiveDefrag::Reset() {
  db_ = -1;
  cursor_ = 0;
}

void ActiveDefrag::UpdateRunTime() {
  if (stats_.running > 0) {
    if (stats_.run_start_us == 0) stats_.run_start_us = MonoUs();
  } else if (stats_.run_start_us != 0) {
    stats_.total_time_ms += uint64_t(MonoUs() - stats_.run_start_us) / 1000;
    stats_.run_start_us = 0;
  }
}

// Redis's computeDefragCycles: start above the thresholds; the CPU share
// grows with the fragmentation, and only grows while a pass runs.
void ActiveDefrag::ComputeCycle(const DefragSettings& s) {
  const Fragmentation f = frag_();
  if (stats_.running == 0 &&
      (f.pct < double(s.threshold_lower) || f.bytes < size_t(std::max(0LL, s.ignore_bytes)))) {
    return;
  }
  double cpu = s.cycle_min;
  if (s.threshold_upper != s.threshold_lower) {
    cpu = s.cycle_min + (f.pct - s.threshold_lower) * (s.cycle_max - s.cycle_min) /
                            double(s.threshold_upper - s.threshold_lower);
  }
  const int lo = std::min(s.cycle_min, s.cycle_max), hi = std::max(s.cycle_min, s.cycle_max);
  const int pct = std::clamp(int(cpu), lo, hi);
  if (pct > stats_.running) {
    stats_.running = pct;
    VLOG_VERBOSE("Starting active defrag, frag=%.0f%%, frag_bytes=%zu, cpu=%d%%", f.pct, f.bytes, pct);
  }
}

bool ActiveDefrag::Scan(Keyspace& ks, int64_t deadline_us) {
  int checks = 0;
  for (;;) {
    if (db_ < 0) {
      // A new pass: the slab takes its per-class averages once.
      db_ = 0;
      cursor_ = 0;
      pass_start_us_ = MonoUs();
      pass_start_hits_ = stats_.hits;
      EntrySlab().BeginCompaction();
    }
    if (db_ >= ks.count()) {
      const Fragmentation f = frag_();
      VLOG_VERBOSE("Active defrag done in %dms, reallocated=%d, frag=%.0f%%, frag_bytes=%zu",
                   int((MonoUs() - pass_start_us_) / 1000), int(stats_.hits - pass_start_hits_), f.pct, f.bytes);
      Reset();
      return true;
    }
    Database& db = ks.db(db_);
    cursor_ = db.DefragStep(cursor_, *movers_, &stats_.hits, &stats_.misses, &stats_.key_hits, &stats_.key_misses);
    if (cursor_ == 0) ++db_;
    // The clock is read every 16 steps (a step is one bucket chain).
    if (++checks >= 16) {
      checks = 0;
      if (MonoUs() >= deadline_us) return false;
    }
  }
}

void ActiveDefrag::Cron(Keyspace& ks, const DefragSettings& s, int hz, bool allowed) {
  if (!s.enabled) {
    if (stats_.running) {
      // Turned off mid-pass: the next run starts from the beginning.
      stats_.running = 0;
      Reset();
      UpdateRunTime();
    }
    return;
  }
  if (!allowed) return;
  const int64_t now = MonoUs();
  if (now - last_compute_us_ >= 1000000) {
    last_compute_us_ = now;
    ComputeCycle(s);
  }
  if (stats_.running) {
    const int64_t start = MonoUs();
    int64_t budget = int64_t(stats_.running) * 1000000 / std::max(1, hz) / 100;
    if (budget <= 0) budget = 1;
    const int64_t deadline = start + budget;
    while (Scan(ks, deadline)) {
      // A pass ended: run another at once if the fragmentation still asks.
      stats_.running = 0;
      ComputeCycle(s);
      if (stats_.running == 0 || MonoUs() >= deadline) break;
    }
  }
  UpdateRunTime();
}

}  // namespace vireo
