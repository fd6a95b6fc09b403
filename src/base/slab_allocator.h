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
// Compaction (active defragmentation, engine/active_defrag.h): a page that is
// mostly empty costs a whole 64 KiB page for a few blocks. MoveIfSparse moves
// a block out of a page used below its class's average into the fullest page
// of the class that has room; the caller re-points whatever held the block.
// Blocks only ever move from a page with fewer live blocks to one with more,
// so sparse pages drain (and go back to the system) and nothing ping-pongs.
//
// Under AddressSanitizer free blocks are poisoned, so a read of a freed block
// is reported (until the block is reused).
//
// Thread rule: not thread-safe, no locks. EntrySlab() is one instance per
// thread: an engine's entries come from the allocator of the thread that
// executes its commands (as shard-per-thread stores keep a heap per shard),
// so there is no process-wide allocator state and several engines on their
// own threads never share one. Blocks must be freed on the thread that
// allocated them.
#pragma once
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#if defined(__SANITIZE_ADDRESS__)
#define VIREO_SLAB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VIREO_SLAB_ASAN 1
#endif
#endif

#ifdef VIREO_SLAB_ASAN
#include <sanitizer/asan_interface.h>
#define VIREO_SLAB_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define VIREO_SLAB_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define VIREO_SLAB_POISON(p, n) ((void)(p), (void)(n))
#define VIREO_SLAB_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

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
  inline void* Allocate(size_t size);
  // Releases a block from Allocate; `size` as given to Allocate. It chooses
  // between a slab page and free(); builds with assertions also check that it
  // maps to the block's class. Null is ignored.
  inline void Free(void* p, size_t size);

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

  // ---- Compaction (see above).
  // Takes each class's page count and live block count (a walk over the
  // pages): the averages MoveIfSparse compares with. Call when a pass starts.
  void BeginCompaction();
  // When p's page (a block of `size` from Allocate) is below its class's
  // average use and a page of the class with more live blocks has room:
  // moves the block there (copies it, frees p) and returns the new address.
  // Otherwise nullptr, and p is unchanged.
  void* MoveIfSparse(void* p, size_t size);
  // Live blocks in p's page (tests).
  static uint32_t PageLive(const void* p) { return PageOf(const_cast<void*>(p))->live; }

  // Header at the start of every page; blocks follow it.
  struct Page {
    void* free_head;  // intrusive list of freed blocks
    Page* prev;       // links in the class's list of pages with room
    Page* next;
    Page* all_prev;  // links in the list of every page (destructor)
    Page* all_next;
    uint32_t bump;  // offset of the first never-used block
    uint32_t live;  // blocks handed out and not yet freed
    uint16_t block_size;
    uint8_t class_index;
    bool in_list;  // in its class's list of pages with room
  };
  // Offset of a page's first block: right after the header, on the granule.
  static constexpr uint32_t kFirstBlock = uint32_t((sizeof(Page) + kGranule - 1) / kGranule * kGranule);

 private:
  struct SizeClass {
    Page* first = nullptr;  // pages with at least one free slot
    Page* spare = nullptr;  // an empty page kept back; not in the list
    // Compaction: where moved blocks go (cleared when that page is released)
    // and the counts taken by BeginCompaction.
    Page* target = nullptr;
    size_t pass_pages = 0;
    size_t pass_live = 0;
  };

  static constexpr size_t ClassIndex(size_t size) {
    return size <= kMinSize ? 0 : (size - kMinSize + kGranule - 1) / kGranule;
  }
  static constexpr size_t ClassSize(size_t index) { return kMinSize + index * kGranule; }

  static Page* PageOf(void* p) {
    return reinterpret_cast<Page*>(reinterpret_cast<uintptr_t>(p) & ~uintptr_t(kPageSize - 1));
  }

  Page* NewPage(size_t index);
  void ReleasePage(Page* page);
  void* AllocateSlow(size_t index);
  // Free's rare cases: the page was full, or is now empty.
  void AfterFreeSlow(Page* page);
  static void Unlink(SizeClass& c, Page* page);
  // A block from this page of the class (which must have room).
  void* TakeFrom(SizeClass& c, Page* page);
  // The page of class c with the most live blocks among the first few with
  // room, other than avoid; nullptr when none.
  static Page* FindTarget(SizeClass& c, const Page* avoid);
  static void PushFront(SizeClass& c, Page* page);

  SizeClass classes_[kNumClasses] = {};
  Page* all_pages_ = nullptr;  // every page held, for the destructor
  size_t live_bytes_ = 0;
  size_t live_blocks_ = 0;
  size_t pages_ = 0;
};

// Fast paths, inline: they are on every SET and DEL.
void* SlabAllocator::Allocate(size_t size) {
  if (!Handles(size)) [[unlikely]] {
    void* p = malloc(size);
    if (!p) abort();
    return p;
  }
  size_t index = ClassIndex(size);
  Page* page = classes_[index].first;
  if (!page) [[unlikely]]
    return AllocateSlow(index);
  uint32_t bsize = page->block_size;
  void* block = page->free_head;
  if (block) {
    VIREO_SLAB_UNPOISON(block, bsize);
    __builtin_memcpy(&page->free_head, block, sizeof(void*));
  } else {
    // A page in the list has room: a free block or bump space.
    block = reinterpret_cast<char*>(page) + page->bump;
    VIREO_SLAB_UNPOISON(block, bsize);
    page->bump += bsize;
  }
  ++page->live;
  if (page->free_head == nullptr && page->bump + bsize > kPageSize) Unlink(classes_[index], page);
  live_bytes_ += bsize;
  ++live_blocks_;
  return block;
}

void SlabAllocator::Free(void* p, size_t size) {
  if (!Handles(size)) [[unlikely]] {
    free(p);
    return;
  }
  if (!p) return;
  Page* page = PageOf(p);
  assert(page->class_index == ClassIndex(size));
  uint32_t bsize = page->block_size;
  __builtin_memcpy(p, &page->free_head, sizeof(void*));
  page->free_head = p;
  VIREO_SLAB_POISON(p, bsize);
  live_bytes_ -= bsize;
  --live_blocks_;
  if (--page->live == 0 || !page->in_list) [[unlikely]]
    AfterFreeSlow(page);
}

namespace slab_internal {
// Holds a thread's allocator without ever destroying it: entries may still
// be freed by other destructors at thread or process exit.
union NeverDestroyed {
  constexpr NeverDestroyed() : slab() {}
  ~NeverDestroyed() {}
  SlabAllocator slab;
};
extern constinit thread_local NeverDestroyed g_entry_slab;
}  // namespace slab_internal

// This thread's allocator for keyspace entries (see the thread rule above).
inline SlabAllocator& EntrySlab() { return slab_internal::g_entry_slab.slab; }

}  // namespace vireo
