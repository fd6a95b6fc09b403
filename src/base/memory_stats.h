// Process memory figures for INFO memory and benchmarks: bytes the allocator
// hands out (used_memory), and the resident set size.
// Thread-safe.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace vireo {

struct MemoryStats {
  size_t allocated = 0;  // bytes in live allocations
  size_t active = 0;     // allocator pages in use
  size_t resident = 0;   // allocator resident bytes
  size_t dirty = 0;      // freed pages the allocator still holds (jemalloc only)
  size_t rss = 0;        // process RSS
  const char* allocator = "libc";
};

MemoryStats ReadMemoryStats();
// The allocator's figures only (rss stays 0, resident too without jemalloc):
// no /proc read, a few microseconds, for once-per-cron-tick use.
MemoryStats ReadAllocatorStats();
size_t ReadRss();
size_t TotalSystemMemory();
// The allocator's own statistics report (MEMORY MALLOC-STATS); Redis's
// "Stats not supported for the current allocator" when it has none.
std::string AllocatorStatsText();
// jemalloc-bg-thread: jemalloc's background threads purge dirty pages
// (return freed memory to the system) off the main thread. False when the
// allocator has none.
bool SetAllocatorBackgroundThread(bool on);
// Returns unused dirty pages to the system (MEMORY PURGE); false when the
// allocator cannot.
bool PurgeAllocator();
// The allocator's named integer (8-byte) or string settings (DEBUG MALLCTL,
// MALLCTL-STR): reads *old and, when new_value is set, writes it. Returns 0
// or an errno value; ENOTSUP when the allocator has no such interface.
int AllocatorCtlInt(const char* name, int64_t* old, const int64_t* new_value);
int AllocatorCtlString(const char* name, std::string* old, const std::string* new_value);

// Bytes of the process in transparent huge pages (AnonHugePages summed over
// /proc/self/smaps); 0 when unknown. Reads the whole file: not for hot paths.
size_t ReadAnonHugePages();

}  // namespace vireo
