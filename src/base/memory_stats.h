// Process memory figures for INFO memory and benchmarks: bytes the allocator
// hands out (used_memory), and the resident set size.
// Thread-safe.
#pragma once
#include <cstddef>

namespace vireo {

struct MemoryStats {
  size_t allocated = 0;  // bytes in live allocations
  size_t active = 0;     // allocator pages in use
  size_t resident = 0;   // allocator resident bytes
  size_t rss = 0;        // process RSS
  const char* allocator = "libc";
};

MemoryStats ReadMemoryStats();
size_t ReadRss();
size_t TotalSystemMemory();
// Bytes of the process in transparent huge pages (AnonHugePages summed over
// /proc/self/smaps); 0 when unknown. Reads the whole file: not for hot paths.
size_t ReadAnonHugePages();

}  // namespace vireo
