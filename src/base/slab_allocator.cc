#include "base/slab_allocator.h"

#include <cassert>
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
#define SLAB_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define SLAB_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define SLAB_POISON(p, n) ((void)(p), (void)(n))
#define SLAB_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace vireo {

// Header at the start of every page; blocks follow it. Pages are kPageSize
// aligned, so a block's page is its address with the low bits cleared.
struct SlabAllocator::Page {
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

  bool Full() const { return free_head == nullptr && bump + block_size > kPageSize; }
};

namespace {

// Blocks start right after the header, on the 8-byte granule.
constexpr uint32_t kFirstBlock = uint32_t((sizeof(SlabAllocator::Page) + SlabAllocator::kGranule - 1) /
                                          SlabAllocator::kGranule * SlabAllocator::kGranule);
static_assert(kFirstBlock <= 64, "page header should stay small");

SlabAllocator::Page* PageOf(void* p) {
  return reinterpret_cast<SlabAllocator::Page*>(reinterpret_cast<uintptr_t>(p) &
                                                ~uintptr_t(SlabAllocator::kPageSize - 1));
}

void* Next(void* block) {
  void* n;
  __builtin_memcpy(&n, block, sizeof(n));
  return n;
}

}  // namespace

SlabAllocator::~SlabAllocator() {
  Page* p = all_pages_;
  while (p) {
    Page* next = p->all_next;
    SLAB_UNPOISON(p, kPageSize);
    free(p);
    p = next;
  }
}

void* SlabAllocator::Allocate(size_t size) {
  if (!Handles(size)) [[unlikely]] {
    void* p = malloc(size);
    if (!p) abort();
    return p;
  }
  size_t index = ClassIndex(size);
  SizeClass& c = classes_[index];
  Page* page = c.first;
  if (!page) [[unlikely]]
    return AllocateSlow(index);
  uint32_t bsize = page->block_size;
  void* block = page->free_head;
  if (block) {
    SLAB_UNPOISON(block, bsize);
    page->free_head = Next(block);
  } else {
    // Pages in the list have room: either a free block or bump space.
    block = reinterpret_cast<char*>(page) + page->bump;
    SLAB_UNPOISON(block, bsize);
    page->bump += bsize;
  }
  ++page->live;
  if (page->Full()) Unlink(c, page);
  live_bytes_ += bsize;
  ++live_blocks_;
  return block;
}

void* SlabAllocator::AllocateSlow(size_t index) {
  SizeClass& c = classes_[index];
  Page* page = c.spare;
  if (page) {
    c.spare = nullptr;
  } else {
    page = NewPage(index);
  }
  PushFront(c, page);
  return Allocate(ClassSize(index));
}

void SlabAllocator::Free(void* p, size_t size) {
  if (!p) return;
  if (!Handles(size)) [[unlikely]] {
    free(p);
    return;
  }
  Page* page = PageOf(p);
  assert(page->class_index == ClassIndex(size));
  uint32_t bsize = page->block_size;
  __builtin_memcpy(p, &page->free_head, sizeof(void*));
  page->free_head = p;
  SLAB_POISON(p, bsize);
  --page->live;
  live_bytes_ -= bsize;
  --live_blocks_;
  if (page->live == 0) {
    ReleasePage(page);
  } else if (!page->in_list) {
    PushFront(classes_[page->class_index], page);
  }
}

SlabAllocator::Page* SlabAllocator::NewPage(size_t index) {
  void* mem = aligned_alloc(kPageSize, kPageSize);
  if (!mem) abort();
  Page* page = static_cast<Page*>(mem);
  page->free_head = nullptr;
  page->prev = page->next = nullptr;
  page->bump = kFirstBlock;
  page->live = 0;
  page->block_size = uint16_t(ClassSize(index));
  page->class_index = uint8_t(index);
  page->in_list = false;
  page->all_prev = nullptr;
  page->all_next = all_pages_;
  if (all_pages_) all_pages_->all_prev = page;
  all_pages_ = page;
  SLAB_POISON(reinterpret_cast<char*>(page) + kFirstBlock, kPageSize - kFirstBlock);
  ++pages_;
  return page;
}

void SlabAllocator::ReleasePage(Page* page) {
  SizeClass& c = classes_[page->class_index];
  if (page->in_list) Unlink(c, page);
  if (!c.spare) {
    // Reset to a fresh page: carving from the start again drops the
    // scattered free list and keeps the page's tail untouched.
    page->free_head = nullptr;
    page->bump = kFirstBlock;
    SLAB_POISON(reinterpret_cast<char*>(page) + kFirstBlock, kPageSize - kFirstBlock);
    c.spare = page;
    return;
  }
  if (page->all_prev) {
    page->all_prev->all_next = page->all_next;
  } else {
    all_pages_ = page->all_next;
  }
  if (page->all_next) page->all_next->all_prev = page->all_prev;
  SLAB_UNPOISON(page, kPageSize);
  free(page);
  --pages_;
}

void SlabAllocator::Unlink(SizeClass& c, Page* page) {
  if (page->prev) {
    page->prev->next = page->next;
  } else {
    c.first = page->next;
  }
  if (page->next) page->next->prev = page->prev;
  page->prev = page->next = nullptr;
  page->in_list = false;
}

void SlabAllocator::PushFront(SizeClass& c, Page* page) {
  page->prev = nullptr;
  page->next = c.first;
  if (c.first) c.first->prev = page;
  c.first = page;
  page->in_list = true;
}

namespace {

// Holds the process-wide allocator without ever destroying it: entries may
// still be freed by other static destructors at exit, after this one would
// have run.
union NeverDestroyed {
  constexpr NeverDestroyed() : slab() {}
  ~NeverDestroyed() {}
  SlabAllocator slab;
};

constinit NeverDestroyed g_entry_slab;

}  // namespace

SlabAllocator& EntrySlab() { return g_entry_slab.slab; }

}  // namespace vireo
