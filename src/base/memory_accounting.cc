#include "base/memory_accounting.h"

#include <atomic>
#include <cstdint>
#include <mutex>

#include "base/memory_stats.h"
#include "base/slab_allocator.h"

#ifdef VIREO_JEMALLOC
#include <jemalloc/jemalloc.h>
#elif defined(VIREO_SANITIZE)
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#endif

namespace vireo {
namespace {

#ifdef VIREO_JEMALLOC
// One registered thread's two jemalloc counters. Slots are never reused
// while a reader may be summing: a freed slot is cleared (null pointers),
// and readers skip null slots.
struct ThreadCounters {
  std::atomic<const uint64_t*> allocated{nullptr};
  std::atomic<const uint64_t*> deallocated{nullptr};
};

constexpr int kMaxThreads = 64;
ThreadCounters g_threads[kMaxThreads];
std::atomic<int> g_slots_used{0};          // slots [0, used) may be live
std::atomic<int64_t> g_exited_net{0};      // net bytes of threads that unregistered
std::mutex g_register_mutex;               // registration only, never on the read path
thread_local int t_slot = -1;

uint64_t Load(const uint64_t* p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
#endif

}  // namespace

void RegisterMemoryThread() {
#ifdef VIREO_JEMALLOC
  if (t_slot >= 0) return;
  uint64_t* a = nullptr;
  uint64_t* d = nullptr;
  size_t sz = sizeof(a);
  if (mallctl("thread.allocatedp", &a, &sz, nullptr, 0) != 0) return;
  sz = sizeof(d);
  if (mallctl("thread.deallocatedp", &d, &sz, nullptr, 0) != 0) return;
  std::lock_guard<std::mutex> lock(g_register_mutex);
  int used = g_slots_used.load(std::memory_order_relaxed);
  int slot = -1;
  for (int i = 0; i < used; ++i) {
    if (!g_threads[i].allocated.load(std::memory_order_relaxed)) {
      slot = i;
      break;
    }
  }
  if (slot < 0) {
    if (used == kMaxThreads) return;  // not counted (never expected: the node starts few threads)
    slot = used;
  }
  // A thread's counters run from its start: all of its net is live (or was
  // freed by a thread already counted), so nothing is subtracted here.
  g_threads[slot].deallocated.store(d, std::memory_order_relaxed);
  g_threads[slot].allocated.store(a, std::memory_order_release);
  if (slot == used) g_slots_used.store(used + 1, std::memory_order_release);
  t_slot = slot;
#endif
}

void UnregisterMemoryThread() {
#ifdef VIREO_JEMALLOC
  if (t_slot < 0) return;
  std::lock_guard<std::mutex> lock(g_register_mutex);
  ThreadCounters& t = g_threads[t_slot];
  const uint64_t* a = t.allocated.load(std::memory_order_relaxed);
  const uint64_t* d = t.deallocated.load(std::memory_order_relaxed);
  // Fold first, then clear: a reader may count this thread twice for an
  // instant, never zero times after the fold. Close enough for a snapshot.
  g_exited_net.fetch_add(int64_t(Load(a) - Load(d)), std::memory_order_relaxed);
  t.allocated.store(nullptr, std::memory_order_release);
  t.deallocated.store(nullptr, std::memory_order_relaxed);
  t_slot = -1;
#endif
}

bool UsedMemoryIsCheap() {
#ifdef VIREO_JEMALLOC
  return true;
#else
  return false;
#endif
}

size_t UsedMemory() {
#ifdef VIREO_JEMALLOC
  if (t_slot < 0) [[unlikely]]
    RegisterMemoryThread();
  int64_t net = g_exited_net.load(std::memory_order_relaxed);
  const int used = g_slots_used.load(std::memory_order_acquire);
  for (int i = 0; i < used; ++i) {
    const uint64_t* a = g_threads[i].allocated.load(std::memory_order_acquire);
    if (!a) continue;
    const uint64_t* d = g_threads[i].deallocated.load(std::memory_order_relaxed);
    // Each counter is monotonic; read deallocated first so a concurrent
    // alloc+free pair on that thread never shows as negative.
    const uint64_t dv = Load(d);
    net += int64_t(Load(a) - dv);
  }
  // The slab's pages are jemalloc allocations; count its live blocks instead.
  const SlabAllocator& slab = EntrySlab();
  net += int64_t(slab.live_bytes()) - int64_t(slab.page_bytes());
  return net > 0 ? size_t(net) : 0;
#elif defined(VIREO_SANITIZE)
  return __sanitizer_get_current_allocated_bytes();
#else
  return ReadMemoryStats().allocated;
#endif
}

}  // namespace vireo
