#include "base/slab_allocator.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/entry.h"

namespace vireo {
namespace {

struct Block {
  void* p;
  size_t size;
  uint8_t fill;
};

// Fills a block with a pattern derived from its address, to detect two live
// blocks overlapping.
void Fill(const Block& b) { memset(b.p, b.fill, b.size); }
bool Intact(const Block& b) {
  const auto* c = static_cast<const uint8_t*>(b.p);
  for (size_t i = 0; i < b.size; ++i)
    if (c[i] != b.fill) return false;
  return true;
}

TEST(SlabAllocatorTest, SizeClassesAreEightBytesApart) {
  EXPECT_EQ(SlabAllocator::BlockSize(0), 16u);
  EXPECT_EQ(SlabAllocator::BlockSize(1), 16u);
  EXPECT_EQ(SlabAllocator::BlockSize(16), 16u);
  EXPECT_EQ(SlabAllocator::BlockSize(17), 24u);
  EXPECT_EQ(SlabAllocator::BlockSize(39), 40u);
  EXPECT_EQ(SlabAllocator::BlockSize(40), 40u);
  EXPECT_EQ(SlabAllocator::BlockSize(121), 128u);
  EXPECT_EQ(SlabAllocator::BlockSize(128), 128u);
  EXPECT_EQ(SlabAllocator::BlockSize(129), 0u);  // malloc's
  EXPECT_TRUE(SlabAllocator::Handles(128));
  EXPECT_FALSE(SlabAllocator::Handles(129));
}

TEST(SlabAllocatorTest, StatsCountLiveBlocksAndPages) {
  SlabAllocator slab;
  EXPECT_EQ(slab.live_bytes(), 0u);
  EXPECT_EQ(slab.page_bytes(), 0u);
  void* a = slab.Allocate(39);
  EXPECT_EQ(slab.live_bytes(), 40u);
  EXPECT_EQ(slab.page_bytes(), SlabAllocator::kPageSize);
  void* b = slab.Allocate(39);
  EXPECT_EQ(slab.live_bytes(), 80u);
  EXPECT_EQ(slab.pages(), 1u);
  EXPECT_EQ(static_cast<char*>(b) - static_cast<char*>(a), 40);  // packed, no header
  void* c = slab.Allocate(100);  // another class, another page
  EXPECT_EQ(slab.live_bytes(), 80u + 104u);
  EXPECT_EQ(slab.pages(), 2u);
  void* big = slab.Allocate(1000);  // malloc's: not counted
  EXPECT_EQ(slab.live_bytes(), 184u);
  EXPECT_EQ(slab.live_blocks(), 3u);
  slab.Free(big, 1000);
  slab.Free(a, 39);
  slab.Free(b, 39);
  slab.Free(c, 100);
  slab.Free(nullptr, 39);
  EXPECT_EQ(slab.live_bytes(), 0u);
  EXPECT_EQ(slab.live_blocks(), 0u);
  // Each class keeps its emptied page as a spare.
  EXPECT_EQ(slab.pages(), 2u);
}

TEST(SlabAllocatorTest, FreedBlockIsReusedFirst) {
  SlabAllocator slab;
  void* a = slab.Allocate(24);
  void* b = slab.Allocate(24);
  slab.Free(a, 24);
  EXPECT_EQ(slab.Allocate(24), a);
  slab.Free(a, 24);
  slab.Free(b, 24);
}

TEST(SlabAllocatorTest, EmptyPagesGoBackKeepingOneSpare) {
  SlabAllocator slab;
  const size_t per_page = (SlabAllocator::kPageSize - 64) / 40;
  std::vector<void*> blocks;
  for (size_t i = 0; i < per_page * 10; ++i) blocks.push_back(slab.Allocate(40));
  size_t held = slab.pages();
  EXPECT_GE(held, 10u);
  EXPECT_LE(held, 11u);
  for (void* p : blocks) {
    // Every block lies inside one 64 KiB aligned page, after its header.
    uintptr_t off = reinterpret_cast<uintptr_t>(p) & (SlabAllocator::kPageSize - 1);
    EXPECT_GE(off, 40u);
    EXPECT_LE(off + 40, SlabAllocator::kPageSize);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 8, 0u);
  }
  for (void* p : blocks) slab.Free(p, 40);
  EXPECT_EQ(slab.pages(), 1u);  // the spare
  EXPECT_EQ(slab.page_bytes(), SlabAllocator::kPageSize);
  // Alloc/free in a loop on an empty class does not churn pages.
  for (int i = 0; i < 1000; ++i) {
    void* p = slab.Allocate(40);
    slab.Free(p, 40);
    ASSERT_EQ(slab.pages(), 1u);
  }
}

TEST(SlabAllocatorTest, PartlyFreedFullPageTakesAllocationsAgain) {
  SlabAllocator slab;
  std::vector<void*> blocks;
  for (int i = 0; i < 5000; ++i) blocks.push_back(slab.Allocate(128));
  size_t pages = slab.pages();
  // Free every other block: pages that were full get room again, so the next
  // 2500 allocations need no new page.
  for (size_t i = 0; i < blocks.size(); i += 2) slab.Free(blocks[i], 128);
  for (size_t i = 0; i < blocks.size(); i += 2) blocks[i] = slab.Allocate(128);
  EXPECT_EQ(slab.pages(), pages);
  for (void* p : blocks) slab.Free(p, 128);
  EXPECT_EQ(slab.live_bytes(), 0u);
}

TEST(SlabAllocatorTest, RandomAgainstReference) {
  SlabAllocator slab;
  std::mt19937_64 rng(12345);
  std::vector<Block> live;
  size_t expect_live_bytes = 0;
  uint8_t next_fill = 1;
  const int kOps = 3'000'000;
  for (int op = 0; op < kOps; ++op) {
    // Phases that grow and shrink the live set, so pages fill, drain and go
    // back to the system.
    int phase = (op / 200'000) % 3;
    int grow_pct = phase == 0 ? 70 : phase == 1 ? 50 : 25;
    if (live.empty() || int(rng() % 100) < grow_pct) {
      size_t size = rng() % 10 == 0 ? 129 + rng() % 200 : 1 + rng() % 128;
      Block b{slab.Allocate(size), size, next_fill++};
      if (next_fill == 0) next_fill = 1;
      ASSERT_NE(b.p, nullptr);
      ASSERT_EQ(reinterpret_cast<uintptr_t>(b.p) % 8, 0u);
      Fill(b);
      expect_live_bytes += SlabAllocator::BlockSize(size);
      live.push_back(b);
    } else {
      size_t i = rng() % live.size();
      Block b = live[i];
      ASSERT_TRUE(Intact(b)) << "block of " << b.size << " overwritten";
      slab.Free(b.p, b.size);
      expect_live_bytes -= SlabAllocator::BlockSize(b.size);
      live[i] = live.back();
      live.pop_back();
    }
    if (op % 100'000 == 0) {
      ASSERT_EQ(slab.live_bytes(), expect_live_bytes);
      ASSERT_GE(slab.page_bytes(), slab.live_bytes());
    }
  }
  ASSERT_EQ(slab.live_bytes(), expect_live_bytes);
  for (const Block& b : live) {
    ASSERT_TRUE(Intact(b));
    slab.Free(b.p, b.size);
  }
  EXPECT_EQ(slab.live_bytes(), 0u);
  EXPECT_EQ(slab.live_blocks(), 0u);
  // Only the spares remain: at most one page per class.
  EXPECT_LE(slab.pages(), SlabAllocator::kNumClasses);
}

TEST(SlabAllocatorTest, DestructorReleasesPagesWithLiveBlocks) {
  // Run under ASan/LSan this would report a leak if full pages were lost.
  SlabAllocator slab;
  for (int i = 0; i < 10000; ++i) slab.Allocate(16 + (i % 8) * 8);
  EXPECT_GT(slab.pages(), 8u);
}

TEST(SlabAllocatorTest, EntrySlabIsOneInstance) { EXPECT_EQ(&EntrySlab(), &EntrySlab()); }

// Entries free their blocks by recomputing their size: every path (Free, and
// WithExpire/WithKey which free the old block) must find the size the block
// was allocated with, including across the 128-byte slab limit.
TEST(SlabAllocatorTest, EntriesReturnEveryBlockTheyTake) {
  SlabAllocator& slab = EntrySlab();
  {
    Entry* probe = Entry::NewString("k", "v");
    bool slab_on = slab.live_blocks() > 0;
    Entry::Free(probe);
    if (!slab_on) GTEST_SKIP() << "entries use malloc in sanitizer builds";
  }
  size_t base_bytes = slab.live_bytes();
  size_t base_blocks = slab.live_blocks();
  char scratch[24];
  for (size_t klen = 0; klen < 140; klen += 1) {
    std::string key(klen, 'k');
    for (size_t vlen : {size_t(0), size_t(1), size_t(7), size_t(20), size_t(44), size_t(45), size_t(200)}) {
      std::string value(vlen, 'v');
      size_t before = slab.live_bytes();
      Entry* e = Entry::NewString(key, value);
      size_t taken = slab.live_bytes() - before;
      if (taken) {
        // A slab block: MEMORY USAGE counts its class size.
        size_t heap = e->encoding() == Encoding::kRaw ? e->AllocatedBytes() - taken : 0;
        EXPECT_EQ(e->AllocatedBytes() - heap, taken);
      }
      e = Entry::WithExpire(e, true, 1700000000000);   // +8 bytes: may cross 128
      e = Entry::WithKey(e, key + "xyzxyzxy");          // +8 more
      Entry* copy = Entry::Clone(e, "c", nullptr);
      e = Entry::WithExpire(e, false, 0);
      e = Entry::WithKey(e, key);
      ASSERT_EQ(e->StringValue(scratch), value);
      ASSERT_EQ(copy->StringValue(scratch), value);
      Entry::Free(copy);
      Entry::Free(e);
      ASSERT_EQ(slab.live_bytes(), before) << "klen=" << klen << " vlen=" << vlen;
    }
    Entry* n = Entry::NewInt(key, -12345);
    n = Entry::WithExpire(n, true, 5);
    Entry::Free(n);
  }
  EXPECT_EQ(slab.live_bytes(), base_bytes);
  EXPECT_EQ(slab.live_blocks(), base_blocks);
}

#if defined(__SANITIZE_ADDRESS__)
TEST(SlabAllocatorDeathTest, FreedBlockIsPoisonedUnderAsan) {
  EXPECT_DEATH(
      {
        SlabAllocator slab;
        void* keep = slab.Allocate(48);
        auto* p = static_cast<volatile char*>(slab.Allocate(48));
        slab.Free(const_cast<char*>(p), 48);
        (void)p[20];
        slab.Free(keep, 48);
      },
      "use-after-poison");
}
#endif

}  // namespace
}  // namespace vireo
