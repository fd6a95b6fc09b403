// ActiveDefrag: Redis 7.0's active defragmentation (activedefrag yes). When
// the allocator's fragmentation passes the configured thresholds, the node
// walks its keyspace in timed slices from the cron and moves allocations that
// sit in under-used allocator slabs or entry-slab pages into fuller ones
// (Entry::Defrag), so the sparse ones empty and their memory goes back to the
// system. What moves: entry blocks (slab pages and larger malloc'd entries)
// and raw string buffers; collection values do not move yet.
//
// Pacing is Redis's: once a second the fragmentation (percent and bytes) is
// compared with active-defrag-threshold-lower / -ignore-bytes; a pass starts
// with a CPU share interpolated between active-defrag-cycle-min and -max as
// the fragmentation goes from threshold-lower to threshold-upper (raised, never
// lowered, while a pass runs); each cron tick then gets share/hz of a second.
// A pass ends after the last database; another starts at once if still needed.
//
// Fragmentation here is jemalloc's active bytes against its allocated bytes,
// where the free blocks inside entry-slab pages (allocated to jemalloc, empty
// to the node) count as fragmentation rather than as allocated.
//
// Moving memory is only safe when nothing else holds a pointer to it: the
// caller passes allowed=false while an in-process snapshot (BGSAVE, AOF
// rewrite, full sync) reads entries; the lazy-free thread only frees values
// already detached from the keyspace, and replies are copies.
//
// Thread rule: the keyspace's thread only.
#pragma once
#include <cstddef>
#include <cstdint>

#include "engine/entry.h"

namespace vireo {

class Keyspace;

struct DefragSettings {
  bool enabled = false;                    // activedefrag
  long long ignore_bytes = 100LL << 20;    // active-defrag-ignore-bytes
  int threshold_lower = 10;                // active-defrag-threshold-lower (%)
  int threshold_upper = 100;               // active-defrag-threshold-upper (%)
  int cycle_min = 1;                       // active-defrag-cycle-min (% CPU)
  int cycle_max = 25;                      // active-defrag-cycle-max (% CPU)
};

struct DefragStats {
  uint64_t hits = 0;        // allocations moved
  uint64_t misses = 0;      // allocations looked at and left
  uint64_t key_hits = 0;    // keys with at least one allocation moved
  uint64_t key_misses = 0;  // keys looked at with nothing moved
  int running = 0;          // CPU % of the running pass, 0 when idle
  uint64_t total_time_ms = 0;  // time spent with a pass running, finished runs
  int64_t run_start_us = 0;    // monotonic start of the current run, 0 when idle
};

// Fragmentation as the defragmenter sees it (see above).
struct Fragmentation {
  double pct = 0;    // active / allocated * 100 - 100
  size_t bytes = 0;  // active - allocated
};

class ActiveDefrag {
 public:
  using FragmentationFn = Fragmentation (*)();
  // The allocator's figures (jemalloc stats, entry slab); tests substitute theirs.
  static Fragmentation ReadFragmentation();
  // The same from figures already read (INFO, MEMORY STATS): jemalloc's
  // allocated and active bytes, less this thread's entry-slab free blocks.
  static Fragmentation FragmentationOf(size_t allocated, size_t active);
  explicit ActiveDefrag(FragmentationFn frag = ReadFragmentation,
                        const Entry::DefragMovers* movers = &Entry::AllocatorMovers())
      : frag_(frag), movers_(movers) {}

  // True when this build can defragment (jemalloc's utilization query).
  static bool Supported();

  // From the cron, hz times a second. allowed=false skips the tick (a
  // snapshot is reading entries). Does nothing while disabled except end a
  // pass that was running.
  void Cron(Keyspace& ks, const DefragSettings& s, int hz, bool allowed);
  // Forget the pass position (FLUSHALL, SWAPDB, database count changes).
  void Reset();
  // Scans up to deadline_us (monotonic); true when a whole pass finished.
  bool Scan(Keyspace& ks, int64_t deadline_us);

  const DefragStats& stats() const { return stats_; }
  // Milliseconds the current run has lasted (INFO current_active_defrag_time).
  uint64_t current_time_ms() const;

 private:
  void ComputeCycle(const DefragSettings& s);
  void UpdateRunTime();

  FragmentationFn frag_;
  const Entry::DefragMovers* movers_;
  DefragStats stats_;
  int db_ = -1;          // database being scanned, -1 between passes
  uint64_t cursor_ = 0;  // its table cursor
  int64_t last_compute_us_ = 0;
  int64_t pass_start_us_ = 0;
  uint64_t pass_start_hits_ = 0;
};

}  // namespace vireo
