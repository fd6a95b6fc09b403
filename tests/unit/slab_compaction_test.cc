// SlabAllocator compaction (active defragmentation): blocks leave pages used
// below their class average for fuller pages, contents intact, and emptied
// pages go back; Entry::Defrag and Database::DefragStep re-point the tables.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "base/alloc_defrag.h"
#include "base/slab_allocator.h"
#include "engine/database.h"

namespace vireo {
namespace {

TEST(SlabCompactionTest, SparsePagesDrainIntoFullerOnes) {
  SlabAllocator slab;
  constexpr size_t kSize = 48;
  const size_t per_page = (SlabAllocator::kPageSize - SlabAllocator::kFirstBlock) / kSize;
  std::vector<void*> blocks;
  for (size_t i = 0; i < per_page * 8; ++i) {
    void* p = slab.Allocate(kSize);
    memset(p, int(i % 251), kSize);
    blocks.push_back(p);
  }
  EXPECT_EQ(slab.pages(), 8u);
  // Keep every 8th block: each page is 1/8 used.
  std::vector<std::pair<void*, int>> live;
  for (size_t i = 0; i < blocks.size(); ++i) {
    if (i % 8 == 0) {
      live.push_back({blocks[i], int(i % 251)});
    } else {
      slab.Free(blocks[i], kSize);
    }
  }
  const size_t pages_before = slab.pages();
  // Passes, as the defragmenter runs them while fragmentation remains.
  size_t moved = 0;
  for (int pass = 0; pass < 4; ++pass) {
    slab.BeginCompaction();
    for (auto& [p, fill] : live) {
      if (void* n = slab.MoveIfSparse(p, kSize)) {
        p = n;
        ++moved;
      }
    }
  }
  EXPECT_GT(moved, 0u);
  for (auto& [p, fill] : live) {
    for (size_t j = 0; j < kSize; ++j) ASSERT_EQ(static_cast<unsigned char*>(p)[j], fill);
  }
  // Same live blocks in fewer pages (one spare page may be kept back).
  EXPECT_EQ(slab.live_blocks(), live.size());
  EXPECT_LT(slab.pages(), pages_before);
  EXPECT_LE(slab.pages(), 1 + (live.size() + per_page - 1) / per_page + 1);
  for (auto& [p, fill] : live) slab.Free(p, kSize);
  EXPECT_EQ(slab.live_blocks(), 0u);
}

TEST(SlabCompactionTest, FullAndAboveAveragePagesStay) {
  SlabAllocator slab;
  constexpr size_t kSize = 64;
  const size_t per_page = (SlabAllocator::kPageSize - SlabAllocator::kFirstBlock) / kSize;
  std::vector<void*> blocks;
  for (size_t i = 0; i < per_page; ++i) blocks.push_back(slab.Allocate(kSize));
  slab.BeginCompaction();
  // One full page: nowhere fuller to go.
  EXPECT_EQ(slab.MoveIfSparse(blocks[0], kSize), nullptr);
  for (void* p : blocks) slab.Free(p, kSize);
}

// Moves every allocation it is offered: the pointer fixing is checked whatever
// the allocator says (and under ASan a stale pointer is a report).
// Entry blocks come from this thread's slab (sizes up to 128; malloc above),
// or from malloc in sanitizer builds.
bool g_entries_in_slab = false;
void* MoveAlwaysBlock(void* p, size_t size) {
  if (!g_entries_in_slab) return alloc_defrag::Move(p);
  void* n = EntrySlab().Allocate(size);
  memcpy(n, p, size);
  EntrySlab().Free(p, size);
  return n;
}
void* MoveAlwaysHeap(void* p) { return alloc_defrag::Move(p); }

TEST(SlabCompactionTest, DatabaseDefragStepRepointsBothTables) {
  KeyspaceStats stats;
  AccessClock clock;
  KeyEventHooks hooks;
  EntryPreserver* preserver = nullptr;
  Database db(0, &stats, &clock, &hooks, &preserver);
  const size_t slab_blocks = EntrySlab().live_blocks();
  for (int i = 0; i < 2000; ++i) {
    const std::string key = "k" + std::to_string(i);
    const std::string value = std::string(size_t(i % 120), 'v') + std::to_string(i);
    Entry* e = Entry::NewString(key, value);
    if (i % 3 == 0 && e->encoding() != Encoding::kInt) {
      db.Add(e);
      db.SetExpire(db.Find(key), 9000000000000LL + i);
    } else {
      db.Add(e);
    }
  }
  g_entries_in_slab = EntrySlab().live_blocks() > slab_blocks;
  Entry::DefragMovers always{MoveAlwaysBlock, MoveAlwaysHeap};
  uint64_t hits = 0, misses = 0, key_hits = 0, key_misses = 0;
  uint64_t cursor = 0;
  do {
    cursor = db.DefragStep(cursor, always, &hits, &misses, &key_hits, &key_misses);
  } while (cursor != 0);
  EXPECT_GE(key_hits, 2000u);
  EXPECT_EQ(key_misses, 0u);
  for (int i = 0; i < 2000; ++i) {
    const std::string key = "k" + std::to_string(i);
    Entry* e = db.Find(key);
    ASSERT_NE(e, nullptr) << key;
    char scratch[24];
    EXPECT_EQ(e->StringValue(scratch), std::string(size_t(i % 120), 'v') + std::to_string(i));
    if (e->has_expire()) {
      EXPECT_EQ(db.expires().Find(key), e) << key;
      EXPECT_EQ(e->expire_ms(), 9000000000000LL + i);
    }
  }
  EXPECT_EQ(db.expires_size(), db.expires().size());
}

}  // namespace
}  // namespace vireo
