// FootprintGuard: maxmemory-fragmentation-share, a Vireo setting (0, the
// default, is Redis's behaviour).
//
// Redis compares maxmemory with the bytes in live allocations. Under a churn
// that mixes value sizes the allocator holds 10-30% more than that: partly
// used slabs left when eviction frees one size class while writes need
// another, the page of padding jemalloc adds to every allocation above
// 14 KiB, freed pages waiting for decay. The process then outgrows maxmemory
// by as much. With a share N > 0 the guard, every 10 ms while the node is
// busy (from the loop's before-sleep step) and every cron tick:
//  - measures the allocator's fragmentation (active pages beyond the live
//    bytes, free entry-slab blocks included, as active defragmentation
//    counts it) and has eviction count min(fragmentation, N% of maxmemory)
//    on top of used_memory. The cap matters: evicting keys out of a
//    fragmented heap leaves holes rather than free pages, so uncapped the
//    eviction would chase the fragmentation it makes; capped, the dataset
//    gives way by at most N% of maxmemory, and active defragmentation gives
//    that room back as it compacts.
//  - has the allocator's dirty pages returned to the system at once when
//    they pass 1/64 of maxmemory while the footprint (live bytes,
//    fragmentation and dirty pages) is over maxmemory, instead of over
//    jemalloc's decay time. The purge (madvise over every dirty extent,
//    milliseconds for tens of MB) runs on the guard's own thread, started
//    with the first one, so the command thread never waits for it.
// used_memory itself keeps Redis's meaning; INFO memory shows the counted
// bytes as mem_fragmentation_counted_for_evict while the setting is on.
//
// Thread rule: Tick and counted() on the main thread (the cron and the
// eviction check); the purge thread only calls the allocator's purge.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>

namespace vireo {

class FootprintGuard {
 public:
  FootprintGuard() = default;
  ~FootprintGuard();  // stops the purge thread
  FootprintGuard(const FootprintGuard&) = delete;
  FootprintGuard& operator=(const FootprintGuard&) = delete;

  // From the cron and before the loop sleeps; share 0..100 (0: off,
  // nothing is read). Reads the allocator at most every kIntervalUs.
  void Tick(size_t maxmemory, int share, int64_t now_us);
  static constexpr int64_t kIntervalUs = 10000;
  // Bytes eviction counts on top of used_memory.
  size_t counted() const { return counted_; }

 private:
  void RequestPurge();
  void PurgeLoop();

  size_t counted_ = 0;
  int64_t last_us_ = 0;
  std::thread purger_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool requested_ = false;  // under mu_
  bool stop_ = false;       // under mu_
  std::atomic<bool> busy_{false};  // a request is pending or running
};

}  // namespace vireo
