// Tests for HashTable: bulk insert/find/remove against a reference map,
// incremental rehash, the SCAN guarantee across grows and shrinks, Random,
// Sample, overflow chains (forced with bad hash functions), and ownership.
#include "base/hash_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace vireo {
namespace {

struct TestEntry {
  std::string key;
  uint64_t value = 0;
};

struct TestTraits {
  static std::string_view Key(const TestEntry* e) { return e->key; }
};

// Every key in the same bucket with the same fragment: one long chain, and
// every probe has to compare keys.
struct SameHashTraits {
  static std::string_view Key(const TestEntry* e) { return e->key; }
  static uint64_t Hash(std::string_view) { return 42; }
};

// Only a few distinct bucket indices whatever the table size, but varied
// fragments: long chains that still split on the fragment byte.
struct FourBucketTraits {
  static std::string_view Key(const TestEntry* e) { return e->key; }
  static uint64_t Hash(std::string_view k) { return HashBytes(k) & 0xFF00000000000003ULL; }
};
struct SixtyFourBucketTraits {
  static std::string_view Key(const TestEntry* e) { return e->key; }
  static uint64_t Hash(std::string_view k) { return HashBytes(k) & 0xFF0000000000003FULL; }
};

template <class Traits>
using Table = HashTable<TestEntry, Traits>;

std::string KeyOf(uint64_t i) { return "key:" + std::to_string(i); }

TestEntry* NewEntry(uint64_t i) { return new TestEntry{KeyOf(i), i}; }

template <class Traits>
void DeleteAll(Table<Traits>& t) {
  t.Clear([](TestEntry* e) { delete e; });
}

// Runs a full scan, calling between(step) before each cursor call after the
// first, and returns every key returned (with multiplicity).
template <class Traits, class Between>
std::unordered_map<std::string, int> ScanAll(Table<Traits>& t, Between&& between) {
  std::unordered_map<std::string, int> seen;
  uint64_t cursor = 0;
  int step = 0;
  do {
    if (step > 0) between(step);
    cursor = t.Scan(cursor, [&](TestEntry* e) { ++seen[e->key]; });
    ++step;
    EXPECT_LT(step, 100000000) << "scan does not terminate";
  } while (cursor != 0);
  return seen;
}

TEST(HashTableTest, EmptyTable) {
  Table<TestTraits> t;
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.bucket_bytes(), 0u);
  EXPECT_EQ(t.Find("a"), nullptr);
  EXPECT_EQ(t.FindSlot("a"), nullptr);
  EXPECT_EQ(t.Remove("a"), nullptr);
  EXPECT_EQ(t.Random(123), nullptr);
  TestEntry* out[4];
  EXPECT_EQ(t.Sample(1, out, 4), 0u);
  EXPECT_EQ(t.Scan(0, [](TestEntry*) { ADD_FAILURE(); }), 0u);
  EXPECT_FALSE(t.rehashing());
  EXPECT_FALSE(t.RehashMicroseconds(100));
}

TEST(HashTableTest, InsertFindRemoveOne) {
  Table<TestTraits> t;
  TestEntry* e = NewEntry(1);
  t.Insert(e);
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.Find(KeyOf(1)), e);
  EXPECT_EQ(t.Find(KeyOf(2)), nullptr);
  EXPECT_EQ(std::as_const(t).Find(KeyOf(1)), e);
  EXPECT_EQ(t.Remove(KeyOf(2)), nullptr);
  EXPECT_EQ(t.Remove(KeyOf(1)), e);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.Find(KeyOf(1)), nullptr);
  delete e;
}

// Random mixed workload over a few million operations, checked against
// std::unordered_map after every operation that returns something.
TEST(HashTableTest, MillionsOfOperationsMatchReferenceMap) {
  Table<TestTraits> t;
  std::unordered_map<std::string, TestEntry*> ref;
  std::vector<uint64_t> live;  // ids present, for picking removals
  std::mt19937_64 rng(7);
  uint64_t next_id = 0;
  const int kOps = 2000000;
  for (int op = 0; op < kOps; ++op) {
    // Three phases: mostly inserts, mixed, mostly removes (grow then shrink).
    const int phase = op * 3 / kOps;
    const int insert_percent = phase == 0 ? 80 : phase == 1 ? 50 : 15;
    const uint64_t r = rng();
    if (static_cast<int>(r % 100) < insert_percent || live.empty()) {
      TestEntry* e = NewEntry(next_id);
      live.push_back(next_id++);
      t.Insert(e);
      ref[e->key] = e;
    } else if (r % 3 == 0) {
      // Lookup of a present and an absent key.
      const uint64_t id = live[(r >> 8) % live.size()];
      ASSERT_EQ(t.Find(KeyOf(id)), ref[KeyOf(id)]);
      ASSERT_EQ(t.Find(KeyOf(next_id + 5)), nullptr);
    } else {
      const size_t pos = (r >> 8) % live.size();
      const std::string key = KeyOf(live[pos]);
      live[pos] = live.back();
      live.pop_back();
      TestEntry* e = t.Remove(key);
      ASSERT_NE(e, nullptr);
      ASSERT_EQ(e, ref[key]);
      ref.erase(key);
      ASSERT_EQ(t.Find(key), nullptr);
      delete e;
    }
    ASSERT_EQ(t.size(), ref.size());
  }
  // Everything still findable, and ForEach sees each entry exactly once.
  for (const auto& [key, e] : ref) ASSERT_EQ(t.Find(key), e);
  size_t visited = 0;
  t.ForEach([&](TestEntry* e) {
    ++visited;
    ASSERT_EQ(ref.count(e->key), 1u);
  });
  EXPECT_EQ(visited, ref.size());
  DeleteAll(t);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.bucket_bytes(), 0u);
}

TEST(HashTableTest, IncrementalRehashInterleavedWithInsertsAndRemoves) {
  Table<TestTraits> t;
  std::unordered_set<uint64_t> present;
  uint64_t id = 0;
  // Fill until a grow of a table big enough to take many steps starts.
  while (id < 10000 || !t.rehashing()) {
    t.Insert(NewEntry(id));
    present.insert(id++);
  }
  const size_t bytes_during = t.bucket_bytes();
  int rehashing_ops = 0;
  std::mt19937_64 rng(3);
  while (t.rehashing()) {
    ++rehashing_ops;
    if (rng() % 2) {
      t.Insert(NewEntry(id));
      present.insert(id++);
    } else {
      const uint64_t victim = *present.begin();
      TestEntry* e = t.Remove(KeyOf(victim));
      ASSERT_NE(e, nullptr);
      delete e;
      present.erase(victim);
    }
    // Both arrays must be consulted while rehashing.
    for (int k = 0; k < 20; ++k) {
      const uint64_t probe = rng() % id;
      TestEntry* e = t.Find(KeyOf(probe));
      ASSERT_EQ(e != nullptr, present.count(probe) == 1) << probe;
    }
  }
  EXPECT_GT(rehashing_ops, 1) << "rehash was not incremental";
  EXPECT_LT(t.bucket_bytes(), bytes_during + t.chained_bucket_count() * 64 + 1);
  for (uint64_t p : present) ASSERT_NE(t.Find(KeyOf(p)), nullptr);
  EXPECT_EQ(t.size(), present.size());
  DeleteAll(t);
}

TEST(HashTableTest, RehashMicrosecondsFinishesARehash) {
  Table<TestTraits> t;
  uint64_t id = 0;
  for (; id < 200000; ++id) t.Insert(NewEntry(id));
  while (!t.rehashing()) t.Insert(NewEntry(id++));
  while (t.RehashMicroseconds(1000)) {
  }
  EXPECT_FALSE(t.rehashing());
  for (uint64_t i = 0; i < id; ++i) ASSERT_NE(t.Find(KeyOf(i)), nullptr);
  DeleteAll(t);
}

TEST(HashTableTest, ShrinksAfterMassRemoval) {
  Table<TestTraits> t;
  const uint64_t n = 100000;
  for (uint64_t i = 0; i < n; ++i) t.Insert(NewEntry(i));
  while (t.RehashMicroseconds(1000)) {
  }
  const size_t big = t.bucket_bytes();
  for (uint64_t i = 100; i < n; ++i) delete t.Remove(KeyOf(i));
  while (t.RehashMicroseconds(1000)) {
  }
  EXPECT_LT(t.bucket_bytes() * 100, big);
  for (uint64_t i = 0; i < 100; ++i) ASSERT_NE(t.Find(KeyOf(i)), nullptr);
  for (uint64_t i = 0; i < 100; ++i) delete t.Remove(KeyOf(i));
  // An empty table keeps a single bucket.
  EXPECT_EQ(t.bucket_bytes(), 64u);
  EXPECT_FALSE(t.rehashing());
  DeleteAll(t);
}

TEST(HashTableTest, PauseAutoShrinkKeepsBucketsUntilResumed) {
  Table<TestTraits> t;
  for (uint64_t i = 0; i < 50000; ++i) t.Insert(NewEntry(i));
  while (t.RehashMicroseconds(1000)) {
  }
  const size_t big = t.bucket_count() * 64;
  t.PauseAutoShrink();
  for (uint64_t i = 10; i < 50000; ++i) delete t.Remove(KeyOf(i));
  EXPECT_FALSE(t.rehashing());
  EXPECT_EQ(t.bucket_count() * 64, big);
  // Random still finds the few entries in a very sparse table.
  for (uint64_t r = 0; r < 100; ++r) ASSERT_NE(t.Random(r), nullptr);
  t.ResumeAutoShrink();
  EXPECT_TRUE(t.rehashing());
  while (t.RehashMicroseconds(1000)) {
  }
  EXPECT_LT(t.bucket_bytes(), big / 100);
  for (uint64_t i = 0; i < 10; ++i) ASSERT_NE(t.Find(KeyOf(i)), nullptr);
  DeleteAll(t);
}

TEST(HashTableTest, FindSlotSwapsInAReplacementEntry) {
  Table<TestTraits> t;
  for (uint64_t i = 0; i < 1000; ++i) t.Insert(NewEntry(i));
  TestEntry** slot = t.FindSlot(KeyOf(500));
  ASSERT_NE(slot, nullptr);
  TestEntry* old = *slot;
  *slot = new TestEntry{KeyOf(500), 12345};
  delete old;
  EXPECT_EQ(t.Find(KeyOf(500))->value, 12345u);
  EXPECT_EQ(t.FindSlot(KeyOf(5000)), nullptr);
  DeleteAll(t);
}

TEST(HashTableTest, PrecomputedHashOverloads) {
  Table<TestTraits> t;
  TestEntry* e = NewEntry(9);
  const uint64_t h = Table<TestTraits>::HashOf(e->key);
  EXPECT_EQ(h, HashBytes(e->key));
  EXPECT_EQ(t.FindWithHash(e->key, h), nullptr);
  t.InsertWithHash(e, h);
  EXPECT_EQ(t.FindWithHash(e->key, h), e);
  EXPECT_EQ(t.RemoveWithHash(e->key, h), e);
  delete e;
}

TEST(HashTableTest, MoveTransfersEntries) {
  Table<TestTraits> a;
  for (uint64_t i = 0; i < 1000; ++i) a.Insert(NewEntry(i));
  Table<TestTraits> b(std::move(a));
  EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move): documented state
  EXPECT_EQ(a.bucket_bytes(), 0u);
  EXPECT_EQ(b.size(), 1000u);
  Table<TestTraits> c;
  c.Insert(NewEntry(5000));
  DeleteAll(c);
  c = std::move(b);
  EXPECT_EQ(c.size(), 1000u);
  EXPECT_NE(c.Find(KeyOf(999)), nullptr);
  DeleteAll(c);
}

TEST(HashTableTest, FullScanWithoutChangesReturnsEachEntryOnce) {
  Table<TestTraits> t;
  for (uint64_t i = 0; i < 20000; ++i) t.Insert(NewEntry(i));
  while (t.RehashMicroseconds(1000)) {
  }
  auto seen = ScanAll(t, [](int) {});
  EXPECT_EQ(seen.size(), 20000u);
  for (const auto& [key, count] : seen) ASSERT_EQ(count, 1) << key;
  DeleteAll(t);
}

// The guarantee: keys present from the first to the last cursor call are all
// returned, whatever grows and shrinks happen in between.
template <class Traits>
void CheckScanGuarantee(uint64_t seed, int base_keys, int max_churn_per_step) {
  Table<Traits> t;
  std::mt19937_64 rng(seed);
  for (int i = 0; i < base_keys; ++i) t.Insert(NewEntry(i));
  std::vector<uint64_t> churn;  // keys that come and go
  uint64_t next_id = 1000000;
  auto between = [&](int step) {
    // Alternate long growing and shrinking stretches so that the table both
    // grows and shrinks (often by several powers of two) during the scan.
    const bool growing = (step / 8) % 2 == 0 && churn.size() < 20000;
    const int n = static_cast<int>(rng() % (max_churn_per_step + 1));
    for (int k = 0; k < n; ++k) {
      if (growing || churn.empty()) {
        t.Insert(NewEntry(next_id));
        churn.push_back(next_id++);
      } else {
        const size_t pos = rng() % churn.size();
        delete t.Remove(KeyOf(churn[pos]));
        churn[pos] = churn.back();
        churn.pop_back();
      }
    }
    if (rng() % 4 == 0) t.RehashMicroseconds(5);
  };
  auto seen = ScanAll(t, between);
  for (int i = 0; i < base_keys; ++i) {
    ASSERT_EQ(seen.count(KeyOf(i)), 1u) << "missed " << KeyOf(i) << " seed " << seed;
  }
  DeleteAll(t);
}

TEST(HashTableTest, ScanGuaranteeAcrossGrows) {
  // Many inserts between calls: the table grows several times mid-scan (to
  // 64 times its size; unbounded growth could outrun the cursor forever).
  Table<TestTraits> t;
  for (int i = 0; i < 1000; ++i) t.Insert(NewEntry(i));
  uint64_t next_id = 1000000;
  const size_t start_buckets = t.bucket_count();
  auto seen = ScanAll(t, [&](int) {
    for (int k = 0; k < 500 && t.size() < 64000; ++k) t.Insert(NewEntry(next_id++));
  });
  EXPECT_GE(t.bucket_count(), start_buckets * 8);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(seen.count(KeyOf(i)), 1u) << i;
  DeleteAll(t);
}

TEST(HashTableTest, ScanGuaranteeAcrossShrinks) {
  Table<TestTraits> t;
  for (int i = 0; i < 1000; ++i) t.Insert(NewEntry(i));
  const int kExtra = 200000;
  for (int i = 0; i < kExtra; ++i) t.Insert(NewEntry(1000000 + i));
  while (t.RehashMicroseconds(1000)) {
  }
  const size_t start_buckets = t.bucket_count();
  int next_victim = 0;
  auto seen = ScanAll(t, [&](int) {
    // Few removals per call, so the scan sees many calls mid-shrink.
    for (int k = 0; k < 300 && next_victim < kExtra; ++k) {
      delete t.Remove(KeyOf(1000000 + next_victim++));
    }
  });
  EXPECT_LE(t.bucket_count() * 16, start_buckets);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(seen.count(KeyOf(i)), 1u) << i;
  DeleteAll(t);
}

TEST(HashTableTest, ScanGuaranteeRandomGrowShrink) {
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    CheckScanGuarantee<TestTraits>(seed, 300 + seed * 50, 1 + seed * 20);
  }
}

TEST(HashTableTest, ScanGuaranteeWithChains) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    CheckScanGuarantee<FourBucketTraits>(seed, 200, 30);
    CheckScanGuarantee<SixtyFourBucketTraits>(seed, 2000, 300);
  }
}

TEST(HashTableTest, RandomOnEmptySmallAndLarge) {
  Table<TestTraits> t;
  EXPECT_EQ(t.Random(1), nullptr);
  TestEntry* only = NewEntry(0);
  t.Insert(only);
  for (uint64_t r = 0; r < 100; ++r) ASSERT_EQ(t.Random(r), only);
  for (uint64_t i = 1; i < 5; ++i) t.Insert(NewEntry(i));
  std::mt19937_64 rng(11);
  std::unordered_map<uint64_t, int> small_hits;
  for (int k = 0; k < 10000; ++k) ++small_hits[t.Random(rng())->value];
  EXPECT_EQ(small_hits.size(), 5u);
  for (const auto& [v, hits] : small_hits) EXPECT_GT(hits, 1500) << v;
  // Large: 1000 entries spread over many buckets, 1M draws; each entry
  // expects 1000 hits, so +-25% is far outside normal variation (sd ~32).
  for (uint64_t i = 5; i < 1000; ++i) t.Insert(NewEntry(i));
  std::vector<int> hits(1000);
  for (int k = 0; k < 1000000; ++k) ++hits[t.Random(rng())->value];
  for (int v = 0; v < 1000; ++v) {
    EXPECT_GT(hits[v], 750) << v;
    EXPECT_LT(hits[v], 1250) << v;
  }
  DeleteAll(t);
}

TEST(HashTableTest, RandomDuringRehashReachesBothArrays) {
  Table<TestTraits> t;
  uint64_t id = 0;
  while (id < 10000 || !t.rehashing()) t.Insert(NewEntry(id++));
  // Random advances the rehash too, so sample while still mid-way.
  std::unordered_set<uint64_t> hits;
  std::mt19937_64 rng(5);
  while (t.rehashing()) hits.insert(t.Random(rng())->value);
  EXPECT_GT(hits.size(), 1u);
  DeleteAll(t);
}

TEST(HashTableTest, SampleReturnsDistinctEntries) {
  Table<TestTraits> t;
  for (uint64_t i = 0; i < 10000; ++i) t.Insert(NewEntry(i));
  TestEntry* out[20];
  for (uint64_t r = 0; r < 100; ++r) {
    const size_t n = t.Sample(r, out, 20);
    ASSERT_EQ(n, 20u);
    std::unordered_set<TestEntry*> distinct(out, out + n);
    ASSERT_EQ(distinct.size(), n);
  }
  Table<TestTraits> small;
  for (uint64_t i = 0; i < 3; ++i) small.Insert(NewEntry(i));
  EXPECT_EQ(small.Sample(9, out, 20), 3u);
  DeleteAll(t);
  DeleteAll(small);
}

// Eviction samples a few entries at a time; every slot of a bucket must be
// reachable about as often as the others, or the keys that sit in the last
// slots are (almost) never candidates (the allkeys-lru gap of issue 14).
TEST(HashTableTest, SampleReachesEverySlotAlike) {
  Table<TestTraits> t;
  const uint64_t n = 5000;
  for (uint64_t i = 0; i < n; ++i) t.Insert(NewEntry(i));
  std::vector<int> hits(n);
  std::mt19937_64 rng(11);
  TestEntry* out[5];
  const int rounds = 400000;
  for (int k = 0; k < rounds; ++k) {
    const size_t got = t.Sample(rng(), out, 5);
    for (size_t i = 0; i < got; ++i) ++hits[out[i]->value];
  }
  const double mean = double(rounds) * 5 / double(n);
  int starved = 0;
  for (uint64_t v = 0; v < n; ++v) starved += hits[v] < mean / 3;
  // Fixed slot order left about a fifth of the entries under a third of the
  // mean; a random starting slot leaves none.
  EXPECT_LT(starved, int(n / 100)) << "mean " << mean;
  DeleteAll(t);
}

// Minimal chain length for n entries sharing one bucket: a chain of k
// buckets holds at most 6k+1 entries.
size_t MinChildren(size_t n) { return n <= 7 ? 0 : (n - 1 + 5) / 6 - 1; }

TEST(HashTableTest, ChainsWithIdenticalHashes) {
  Table<SameHashTraits> t;
  const uint64_t n = 1000;
  for (uint64_t i = 0; i < n; ++i) {
    t.Insert(NewEntry(i));
    if (!t.rehashing()) {
      ASSERT_EQ(t.chained_bucket_count(), MinChildren(i + 1));
    }
  }
  for (uint64_t i = 0; i < n; ++i) ASSERT_EQ(t.Find(KeyOf(i))->value, i);
  EXPECT_EQ(t.Find("missing"), nullptr);
  // Remove in random order; chains stay as short as possible.
  std::vector<uint64_t> order(n);
  for (uint64_t i = 0; i < n; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937_64(1));
  size_t left = n;
  for (uint64_t i : order) {
    TestEntry* e = t.Remove(KeyOf(i));
    ASSERT_NE(e, nullptr);
    ASSERT_EQ(e->value, i);
    delete e;
    --left;
    if (!t.rehashing()) {
      ASSERT_EQ(t.chained_bucket_count(), MinChildren(left)) << left;
    }
    if (left % 97 == 0) {
      for (uint64_t j : order) {
        if (j == i) break;
        ASSERT_EQ(t.Find(KeyOf(j)), nullptr);
      }
    }
  }
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.chained_bucket_count(), 0u);
  DeleteAll(t);
}

TEST(HashTableTest, ChainsWithFewBucketsMatchReference) {
  Table<FourBucketTraits> t;
  std::unordered_map<std::string, TestEntry*> ref;
  std::mt19937_64 rng(9);
  for (int op = 0; op < 200000; ++op) {
    const uint64_t id = rng() % 3000;
    const std::string key = KeyOf(id);
    auto it = ref.find(key);
    if (it == ref.end()) {
      TestEntry* e = NewEntry(id);
      t.Insert(e);
      ref[key] = e;
    } else if (rng() % 2) {
      ASSERT_EQ(t.Find(key), it->second);
    } else {
      ASSERT_EQ(t.Remove(key), it->second);
      delete it->second;
      ref.erase(it);
    }
    ASSERT_EQ(t.size(), ref.size());
  }
  EXPECT_GT(t.chained_bucket_count(), 0u);
  size_t visited = 0;
  t.ForEach([&](TestEntry*) { ++visited; });
  EXPECT_EQ(visited, ref.size());
  DeleteAll(t);
}

// Reports memory per entry at 1M entries (not an assertion of speed; the
// bound only catches a gross regression in layout or fill policy).
TEST(HashTableTest, BytesPerEntryAtOneMillion) {
  Table<TestTraits> t;
  const uint64_t n = 1000000;
  std::vector<std::unique_ptr<TestEntry>> owned;
  owned.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    owned.emplace_back(NewEntry(i));
    t.Insert(owned.back().get());
  }
  while (t.RehashMicroseconds(1000)) {
  }
  const double per_entry = static_cast<double>(t.bucket_bytes()) / t.size();
  std::printf("[ info ] 1M entries: %zu buckets, %zu chained, %.2f bytes/entry\n",
              t.bucket_count(), t.chained_bucket_count(), per_entry);
  EXPECT_LT(per_entry, 24.0);
  t.Clear([](TestEntry*) {});
}

}  // namespace
}  // namespace vireo
