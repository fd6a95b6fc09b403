// SlabAllocator: a small-object allocator with 8-byte size classes, for
// blocks of 16..128 bytes (keyspace entries). jemalloc rounds a 39-byte entry
// to 48 bytes; here it costs 40, which is a large share of the memory of a
// small key.
//
// Blocks live in 64 KiB pages obtained with aligned_alloc, so a block's page
// (and its header, at the start of the page) is found by masking the address.
// A page holds blocks of one class. Free blocks form an intrusive singly linked
// list (the first 8 bytes of a free block point to the next); a page is carved
// lazily with a bump offset so a fresh page is not touched all at once. Each
// class keeps a doubly linked list of pages that have room; allocation takes
// from the first. A page that becomes empty goes back to the system, except for
// one spare per class, kept so that a block allocated and freed in a loop does
// not map and unmap a page each time. Allocate and Free are O(1).
//
// The caller passes the block's size to Free (blocks carry no header): it
// decides between a slab page and free(), and the class is then read from the
// page header. Sizes above kMaxSize are routed to malloc/free, so callers can
// send every size here.
//
// Under AddressSanitizer free blocks are poisoned, so a read of a freed block
// is reported (until the block is reused).
//
// Thread rule: not thread-safe, no locks. The process-wide instance
// (EntrySlab()) belongs to the thread that executes commands; blocks must be
// allocated and freed on that thread.
#pragma once
#include <cstddef>
#include <cstdint>

namespace vireo {

class SlabAllocator {
 public:
  static constexpr size_t kPageSize = 64 * 1024;
  static constexpr size_t kGranule = 8;
  static constexpr size_t kMinSize = 16;
  static constexpr size_t kMaxSize = 128;
  static constexpr size_t kNumClasses = (kMaxSize - kMinSize) / kGranule + 1;

  constexpr SlabAllocator() = default;
  SlabAllocator(const SlabAllocator&) = delete;
  SlabAllocator& operator=(const SlabAllocator&) = delete;
  // Returns every page to the system. Blocks still live become dangling.
  ~SlabAllocator();

  // A block of at least `size` bytes, 8-byte aligned. Aborts when out of
  // memory. size 0 is treated as 1.
  void* Allocate(size_t size);
  // Releases a block from Allocate; `size` as given to Allocate. Release
  // builds use it only to choose between slab and free(); debug builds check
  // that it maps to the block's class. Null is ignored.
  void Free(void* p, size_t size);

  // True when a block of this size is served from slab pages, not malloc.
  static constexpr bool Handles(size_t size) { return size <= kMaxSize; }
  // Bytes a block of this requested size really occupies in a slab page
  // (0 when Handles(size) is false).
  static constexpr size_t BlockSize(size_t size) {
    if (!Handles(size)) return 0;
    return size <= kMinSize ? kMinSize : (size + kGranule - 1) / kGranule * kGranule;
  }

  // Bytes in live slab blocks (class sizes, not requested sizes).
  size_t live_bytes() const { return live_bytes_; }
  // Bytes in pages held from the system, spares included.
  size_t page_bytes() const { return pages_ * kPageSize; }
  size_t pages() const { return pages_; }
  size_t live_blocks() const { return live_blocks_; }

  // A page's header; defined in the .cc.
  struct Page;

 private:
  struct SizeClass {
    Page* first = nullptr;  // pages with at least one free slot
    Page* spare = nullptr;  // an empty page kept back; not in the list
  };

  static constexpr size_t ClassIndex(size_t size) {
    return size <= kMinSize ? 0 : (size - kMinSize + kGranule - 1) / kGranule;
  }
  static constexpr size_t ClassSize(size_t index) { return kMinSize + index * kGranule; }

  Page* NewPage(size_t index);
  void ReleasePage(Page* page);
  void* AllocateSlow(size_t index);
  static void Unlink(SizeClass& c, Page* page);
  static void PushFront(SizeClass& c, Page* page);

  SizeClass classes_[kNumClasses] = {};
  Page* all_pages_ = nullptr;  // every page held, for the destructor
  size_t live_bytes_ = 0;
  size_t live_blocks_ = 0;
  size_t pages_ = 0;
};

// The process-wide allocator for keyspace entries (see the thread rule above).
SlabAllocator& EntrySlab();

}  // namespace vireo
