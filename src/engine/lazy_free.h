// LazyFreer: frees big values on a background thread (Redis's lazyfree /
// BIO_LAZY_FREE), so deleting a collection of millions of elements does not
// stall other clients.
//
// A deleted entry whose value costs more than kEffortThreshold frees to free
// (Redis's measure: list nodes, hash-table or skiplist elements, stream
// nodes; 1 for compact encodings and strings) is split: the entry block
// (from the command thread's slab allocator, which is not thread-safe) is
// freed at once on the command thread; the collection object, allocated with
// malloc, goes to the background thread. Smaller values are freed at once,
// which is cheaper than a hand-off (as Redis decides).
//
// The thread starts with the first hand-off. lazyfree_pending_objects is
// the number handed off and not yet freed; lazyfreed_objects the number
// freed so far.
// Thread rule: FreeEntry/Submit on the command thread; pending()/freed()
// from any thread. The destructor waits for pending frees.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>

#include "engine/entry.h"

namespace vireo {

class LazyFreer {
 public:
  static constexpr size_t kEffortThreshold = 64;  // Redis's LAZYFREE_THRESHOLD

  LazyFreer() = default;
  ~LazyFreer();
  LazyFreer(const LazyFreer&) = delete;
  LazyFreer& operator=(const LazyFreer&) = delete;

  // Frees e (already out of its tables): the value in the background when
  // it is big, everything at once otherwise. Returns true when handed off.
  bool FreeEntry(Entry* e);
  // Hands a collection object to the background thread.
  void Submit(ObjType type, void* obj);

  // How much work freeing e's value is (Redis's lazyfreeGetFreeEffort).
  static size_t FreeEffort(const Entry* e);

  size_t pending() const { return pending_.load(std::memory_order_relaxed); }
  uint64_t freed() const { return freed_.load(std::memory_order_relaxed); }
  void ResetFreedCount() { freed_.store(0, std::memory_order_relaxed); }
  // Values of an asynchronous flush freed at once (small ones) still count
  // in lazyfreed_objects, as Redis counts every key of the flushed database.
  void CountFreedInline(uint64_t n) { freed_.fetch_add(n, std::memory_order_relaxed); }
  // Blocks until every hand-off so far is freed (tests, shutdown).
  void Drain();

 private:
  struct Job {
    ObjType type;
    void* obj;
  };
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;       // jobs queued or stop
  std::condition_variable idle_cv_;  // queue drained (Drain)
  std::deque<Job> jobs_;
  bool stop_ = false;
  bool started_ = false;
  std::thread thread_;
  std::atomic<size_t> pending_{0};
  std::atomic<uint64_t> freed_{0};
};

}  // namespace vireo
