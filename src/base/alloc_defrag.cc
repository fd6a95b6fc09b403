#include "base/alloc_defrag.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include <malloc.h>

#ifdef VIREO_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

namespace vireo::alloc_defrag {

#ifdef VIREO_JEMALLOC

namespace {
// The output of "experimental.utilization.query" in jemalloc 5.x (its
// inspect_extent_util_stats_verbose layout, documented in ctl.c).
struct UtilizationQuery {
  void* slabcur_addr;  // start of the slab the bin allocates from
  size_t nfree;        // free regions in p's slab
  size_t nregs;        // regions in p's slab (1 for a large allocation)
  size_t size;         // bytes of p's slab or extent
  size_t bin_nfree;    // free regions in every slab of the bin
  size_t bin_nregs;    // regions in every slab of the bin
};

// The mallctl name resolved once ("MIB"): a lookup by name parses the string
// on every call.
struct QueryMib {
  size_t mib[4];
  size_t len = 4;
  bool ok = false;
  QueryMib() { ok = mallctlnametomib("experimental.utilization.query", mib, &len) == 0; }
};
const QueryMib& Mib() {
  static const QueryMib m;
  return m;
}
}  // namespace

bool Supported() { return Mib().ok; }

bool ShouldMove(const void* p) {
  const QueryMib& m = Mib();
  if (!m.ok || p == nullptr) return false;
  UtilizationQuery q;
  size_t qlen = sizeof(q);
  const void* in = p;
  if (mallctlbymib(m.mib, m.len, &q, &qlen, &in, sizeof(in)) != 0) return false;
  // Large allocations, full slabs, and unknown bin totals (stats off) stay.
  if (q.nregs <= 1 || q.nfree == 0 || q.bin_nregs == 0) return false;
  // The bin's current slab is where moved blocks go: moving out of it gains nothing.
  const uintptr_t cur = reinterpret_cast<uintptr_t>(q.slabcur_addr);
  const uintptr_t addr = reinterpret_cast<uintptr_t>(p);
  if (cur != 0 && addr >= cur && addr < cur + q.size) return false;
  // Used share of this slab <= the bin's average, compared without division:
  // used/nregs <= bin_used/bin_nregs.
  const size_t used = q.nregs - q.nfree;
  const size_t bin_used = q.bin_nregs - q.bin_nfree;
  return used * q.bin_nregs <= bin_used * q.nregs;
}

void* Move(void* p) {
  const size_t n = malloc_usable_size(p);
  void* fresh = mallocx(n, MALLOCX_TCACHE_NONE);
  if (fresh == nullptr) abort();
  memcpy(fresh, p, n);
  dallocx(p, MALLOCX_TCACHE_NONE);
  return fresh;
}

#else

bool Supported() { return false; }
bool ShouldMove(const void*) { return false; }

// No hint without jemalloc, but the move itself works with any allocator
// (unit tests use it to check that every pointer to a moved block is fixed).
void* Move(void* p) {
  const size_t n = malloc_usable_size(p);
  void* fresh = malloc(n);
  if (fresh == nullptr) abort();
  memcpy(fresh, p, n);
  free(p);
  return fresh;
}

#endif

}  // namespace vireo::alloc_defrag
