#include "server/footprint_guard.h"

#include <algorithm>

#include "base/memory_accounting.h"
#include "base/memory_stats.h"
#include "engine/active_defrag.h"

namespace vireo {

FootprintGuard::~FootprintGuard() {
  if (!purger_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  purger_.join();
}

void FootprintGuard::Tick(size_t maxmemory, int share, int64_t now_us) {
  if (maxmemory == 0 || share <= 0) {
    counted_ = 0;
    return;
  }
  // A few microseconds (jemalloc merges its arenas' counters): fine every
  // 10 ms, not per command, so the count lags the allocator by up to that.
  if (now_us - last_us_ < kIntervalUs) return;
  last_us_ = now_us;
  const MemoryStats m = ReadAllocatorStats();
  const Fragmentation f = ActiveDefrag::FragmentationOf(m.allocated, m.active);
  counted_ = std::min<size_t>(f.bytes, maxmemory / 100 * size_t(share));
  const size_t footprint = UsedMemory() + f.bytes + m.dirty;
  if (m.dirty > maxmemory / 64 && footprint > maxmemory) RequestPurge();
}

void FootprintGuard::RequestPurge() {
  if (busy_.exchange(true, std::memory_order_acq_rel)) return;  // one at a time
  {
    std::lock_guard<std::mutex> lock(mu_);
    requested_ = true;
  }
  if (!purger_.joinable()) purger_ = std::thread([this] { PurgeLoop(); });
  cv_.notify_one();
}

void FootprintGuard::PurgeLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return requested_ || stop_; });
    if (stop_) return;
    requested_ = false;
    lock.unlock();
    PurgeAllocator();
    busy_.store(false, std::memory_order_release);
    lock.lock();
  }
}

}  // namespace vireo
