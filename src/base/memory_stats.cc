#include "base/memory_stats.h"

#include <malloc.h>
#include <unistd.h>

#include <cstdint>
#include <cerrno>
#include <cstdio>
#include <cstring>

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

MemoryStats ReadAllocatorStats() {
  MemoryStats m;
#ifdef VIREO_JEMALLOC
  uint64_t epoch = 1;
  size_t sz = sizeof(epoch);
  mallctl("epoch", &epoch, &sz, &epoch, sz);
  size_t v = 0;
  sz = sizeof(v);
  if (mallctl("stats.allocated", &v, &sz, nullptr, 0) == 0) m.allocated = v;
  if (mallctl("stats.active", &v, &sz, nullptr, 0) == 0) m.active = v;
  if (mallctl("stats.resident", &v, &sz, nullptr, 0) == 0) m.resident = v;
  char name[64];
  snprintf(name, sizeof(name), "stats.arenas.%u.pdirty", unsigned(MALLCTL_ARENAS_ALL));
  if (mallctl(name, &v, &sz, nullptr, 0) == 0) m.dirty = v * size_t(sysconf(_SC_PAGESIZE));
  m.allocator = "jemalloc-5.3.0";
#elif defined(VIREO_SANITIZE)
  // ASan replaces malloc: ask its allocator.
  m.allocated = __sanitizer_get_current_allocated_bytes();
  m.active = m.allocated;
  m.allocator = "asan";
#else
  struct mallinfo2 mi = mallinfo2();
  m.allocated = mi.uordblks + mi.hblkhd;
  m.active = m.allocated;
#endif
  return m;
}

MemoryStats ReadMemoryStats() {
  MemoryStats m = ReadAllocatorStats();
  m.rss = ReadRss();
#ifndef VIREO_JEMALLOC
  m.resident = m.rss;
#endif
  return m;
}

std::string AllocatorStatsText() {
#ifdef VIREO_JEMALLOC
  std::string out;
  malloc_stats_print([](void* opaque, const char* text) { static_cast<std::string*>(opaque)->append(text); }, &out,
                     nullptr);
  return out;
#else
  return "Stats not supported for the current allocator";
#endif
}

bool SetAllocatorBackgroundThread(bool on) {
#ifdef VIREO_JEMALLOC
  return mallctl("background_thread", nullptr, nullptr, &on, sizeof(on)) == 0;
#else
  (void)on;
  return false;
#endif
}

bool PurgeAllocator() {
#ifdef VIREO_JEMALLOC
  char name[64];
  snprintf(name, sizeof(name), "arena.%u.purge", unsigned(MALLCTL_ARENAS_ALL));
  return mallctl(name, nullptr, nullptr, nullptr, 0) == 0;
#else
  return malloc_trim(0) != 0;
#endif
}

int AllocatorCtlInt(const char* name, int64_t* old, const int64_t* new_value) {
#ifdef VIREO_JEMALLOC
  // Redis 7.0 reads every setting as 8 bytes, so smaller ones (unsigned,
  // bool) answer EINVAL there; a write-only one is written when a value is given.
  size_t sz = sizeof(*old);
  int rc = mallctl(name, old, &sz, const_cast<int64_t*>(new_value), new_value ? sizeof(*new_value) : 0);
  if (rc == EPERM && new_value) {
    rc = mallctl(name, nullptr, nullptr, const_cast<int64_t*>(new_value), sizeof(*new_value));
    if (rc == 0) *old = *new_value;
  }
  return rc;
#else
  (void)name, (void)old, (void)new_value;
  return ENOTSUP;
#endif
}

int AllocatorCtlString(const char* name, std::string* old, const std::string* new_value) {
#ifdef VIREO_JEMALLOC
  // Only settings whose value is a string may be read as one: jemalloc does
  // not say a setting's type, and reading a number as a char* would crash.
  static const char* const kStringSettings[] = {"version", "opt.dss", "opt.metadata_thp", "opt.percpu_arena",
                                                "opt.thp", "opt.zero_realloc", "opt.stats_print_opts",
                                                "opt.malloc_conf", "opt.prof_prefix", "thread.prof.name"};
  bool known = false;
  for (const char* s : kStringSettings) known |= strcmp(s, name) == 0;
  if (!known) {
    // An unknown name still answers as jemalloc would (ENOENT).
    size_t probe_len = 0;
    return mallctl(name, nullptr, &probe_len, nullptr, 0) == ENOENT ? ENOENT : EINVAL;
  }
  const char* value = nullptr;
  size_t sz = sizeof(value);
  const char* next = new_value ? new_value->c_str() : nullptr;
  int rc = mallctl(name, &value, &sz, new_value ? &next : nullptr, new_value ? sizeof(next) : 0);
  if (rc == 0 && value) *old = value;
  return rc;
#else
  (void)name, (void)old, (void)new_value;
  return ENOTSUP;
#endif
}

}  // namespace vireo
