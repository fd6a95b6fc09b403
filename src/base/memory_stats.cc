#include "base/memory_stats.h"

#include <malloc.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>

#ifdef VIREO_JEMALLOC
#include <jemalloc/jemalloc.h>
#elif defined(VIREO_SANITIZE)
// From the sanitizer runtime (gcc's and clang's); declared here because gcc
// does not ship the header.
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#endif

namespace vireo {

size_t ReadRss() {
  FILE* f = fopen("/proc/self/statm", "r");
  if (!f) return 0;
  long pages = 0, rss = 0;
  if (fscanf(f, "%ld %ld", &pages, &rss) != 2) rss = 0;
  fclose(f);
  return size_t(rss) * size_t(sysconf(_SC_PAGESIZE));
}

size_t ReadAnonHugePages() {
  FILE* f = fopen("/proc/self/smaps", "r");
  if (!f) return 0;
  char line[256];
  size_t total = 0;
  while (fgets(line, sizeof(line), f)) {
    unsigned long kb = 0;
    if (sscanf(line, "AnonHugePages: %lu kB", &kb) == 1) total += size_t(kb) * 1024;
  }
  fclose(f);
  return total;
}

size_t TotalSystemMemory() { return size_t(sysconf(_SC_PHYS_PAGES)) * size_t(sysconf(_SC_PAGESIZE)); }

MemoryStats ReadMemoryStats() {
  MemoryStats m;
  m.rss = ReadRss();
#ifdef VIREO_JEMALLOC
  uint64_t epoch = 1;
  size_t sz = sizeof(epoch);
  mallctl("epoch", &epoch, &sz, &epoch, sz);
  size_t v = 0;
  sz = sizeof(v);
  if (mallctl("stats.allocated", &v, &sz, nullptr, 0) == 0) m.allocated = v;
  if (mallctl("stats.active", &v, &sz, nullptr, 0) == 0) m.active = v;
  if (mallctl("stats.resident", &v, &sz, nullptr, 0) == 0) m.resident = v;
  m.allocator = "jemalloc-5.3.0";
#elif defined(VIREO_SANITIZE)
  // ASan replaces malloc: ask its allocator.
  m.allocated = __sanitizer_get_current_allocated_bytes();
  m.active = m.allocated;
  m.resident = m.rss;
  m.allocator = "asan";
#else
  struct mallinfo2 mi = mallinfo2();
  m.allocated = mi.uordblks + mi.hblkhd;
  m.active = m.allocated;
  m.resident = m.rss;
#endif
  return m;
}

}  // namespace vireo
