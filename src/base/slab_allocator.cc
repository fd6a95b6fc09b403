#include "base/slab_allocator.h"

namespace vireo {

static_assert(SlabAllocator::kFirstBlock <= 64, "page header should stay small");
static_assert(SlabAllocator::kNumClasses <= 256, "class index is a byte");

SlabAllocator::~SlabAllocator() {
  Page* p = all_pages_;
  while (p) {
    Page* next = p->all_next;
    VIREO_SLAB_UNPOISON(p, kPageSize);
    free(p);
    p = next;
  }
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

void SlabAllocator::AfterFreeSlow(Page* page) {
  if (page->live == 0) {
    ReleasePage(page);
  } else {
    // It was full: it has room again. At the front, so the next allocations
    // reuse the block just freed while it is still in cache.
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
  VIREO_SLAB_POISON(reinterpret_cast<char*>(page) + kFirstBlock, kPageSize - kFirstBlock);
  ++pages_;
  return page;
}

void SlabAllocator::ReleasePage(Page* page) {
  SizeClass& c = classes_[page->class_index];
  if (c.target == page) c.target = nullptr;
  if (page->in_list) Unlink(c, page);
  if (!c.spare) {
    // Reset to a fresh page: carving from the start again drops the
    // scattered free list.
    page->free_head = nullptr;
    page->bump = kFirstBlock;
    VIREO_SLAB_POISON(reinterpret_cast<char*>(page) + kFirstBlock, kPageSize - kFirstBlock);
    c.spare = page;
    return;
  }
  if (page->all_prev) {
    page->all_prev->all_next = page->all_next;
  } else {
    all_pages_ = page->all_next;
  }
  if (page->all_next) page->all_next->all_prev = page->all_prev;
  VIREO_SLAB_UNPOISON(page, kPageSize);
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

void SlabAllocator::BeginCompaction() {
  for (SizeClass& c : classes_) {
    c.pass_pages = 0;
    c.pass_live = 0;
  }
  for (Page* p = all_pages_; p != nullptr; p = p->all_next) {
    if (p->live == 0) continue;  // the spare
    SizeClass& c = classes_[p->class_index];
    ++c.pass_pages;
    c.pass_live += p->live;
  }
}

SlabAllocator::Page* SlabAllocator::FindTarget(SizeClass& c, const Page* avoid) {
  // Bounded: a class with thousands of pages with room is looked at a few
  // dozen at a time; any page fuller than the source will do.
  constexpr int kMaxLook = 32;
  Page* best = nullptr;
  int looked = 0;
  for (Page* p = c.first; p != nullptr && looked < kMaxLook; p = p->next, ++looked) {
    if (p == avoid) continue;
    if (best == nullptr || p->live > best->live) best = p;
  }
  return best;
}

void* SlabAllocator::TakeFrom(SizeClass& c, Page* page) {
  const uint32_t bsize = page->block_size;
  void* block = page->free_head;
  if (block) {
    VIREO_SLAB_UNPOISON(block, bsize);
    __builtin_memcpy(&page->free_head, block, sizeof(void*));
  } else {
    block = reinterpret_cast<char*>(page) + page->bump;
    VIREO_SLAB_UNPOISON(block, bsize);
    page->bump += bsize;
  }
  ++page->live;
  if (page->free_head == nullptr && page->bump + bsize > kPageSize) Unlink(c, page);
  live_bytes_ += bsize;
  ++live_blocks_;
  return block;
}

void* SlabAllocator::MoveIfSparse(void* p, size_t size) {
  if (!Handles(size) || p == nullptr) return nullptr;
  Page* page = PageOf(p);
  SizeClass& c = classes_[page->class_index];
  // A full page is as used as a page gets; a page above the class average
  // is where blocks should go, not leave.
  if (!page->in_list || c.pass_pages == 0) return nullptr;
  if (size_t(page->live) * c.pass_pages > c.pass_live) return nullptr;
  Page* target = c.target;
  if (target == nullptr || target == page || !target->in_list || target->live <= page->live) {
    target = FindTarget(c, page);
    c.target = target;
  }
  if (target == nullptr || target->live <= page->live) return nullptr;
  void* fresh = TakeFrom(c, target);
  __builtin_memcpy(fresh, p, page->block_size);
  Free(p, size);
  return fresh;
}

namespace slab_internal {
constinit thread_local NeverDestroyed g_entry_slab;
}  // namespace slab_internal

}  // namespace vireo
