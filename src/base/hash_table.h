// HashTable: the open hash table behind every database's keyspace and, later,
// the large encodings of hashes and sets. It stores only Entry pointers; each
// entry owns its key bytes and the table reads the key through Traits.
//
// Layout: an array of 64-byte, cache-line-aligned buckets. A bucket has seven
// pointer slots, one byte of hash fragment per slot (so a probe compares keys
// only when the fragment matches, about 1 time in 256 for a wrong key) and
// presence bits. When a full bucket takes one more entry, its last slot turns
// into a pointer to a child bucket (an overflow chain). At the fill we keep,
// most lookups touch exactly one cache line plus the entry itself.
//
// Resizing is incremental, as in Redis: a resize allocates a second bucket
// array and every Find/Insert/Remove/Random moves one bucket (with its chain)
// from the old array to the new one; the owner may also call
// RehashMicroseconds() from its timer. Lookups during a rehash check both
// arrays. Scan uses Redis's reverse-binary cursor, so every entry present for
// the whole scan is returned at least once, whatever grows and shrinks happen
// between calls (duplicates are possible).
//
// Resize policy: grow when an insert would push the fill above kMaxFillPercent
// of 7 slots per bucket; shrink when a remove leaves it under kMinFillPercent.
// Either resize targets kTargetFillPercent. No new resize starts while one is
// in progress (the current one finishes first, helped by extra steps when the
// destination is overfull), and no shrink starts while PauseAutoShrink() is in
// effect (for example while a forked child shares the pages: a rehash would
// make the kernel copy them all).
//
// Threading: not thread-safe. One thread owns the table. The non-const
// lookups (Find, FindSlot, Random, Sample) advance the rehash, so they count
// as writes; only the const Find may run concurrently with other const calls.
#pragma once

#include <algorithm>
#include <bit>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>
#include <utility>

#include "base/hash.h"

#ifdef VIREO_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

namespace vireo {

namespace hash_table_internal {

// Bucket memory. With jemalloc, mallocx can hand back lazily zeroed pages for
// a huge array, so starting a resize of a table with millions of buckets does
// not stop the world to memset it (the same trick Redis gets from calloc).
inline void* AllocZeroed(size_t bytes) {
#ifdef VIREO_JEMALLOC
  void* p = mallocx(bytes, MALLOCX_ALIGN(64) | MALLOCX_ZERO);
#else
  void* p = std::aligned_alloc(64, bytes);
  if (p != nullptr) std::memset(p, 0, bytes);
#endif
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

inline void Free(void* p, size_t bytes) {
#ifdef VIREO_JEMALLOC
  sdallocx(p, bytes, MALLOCX_ALIGN(64));
#else
  (void)bytes;
  std::free(p);
#endif
}

// splitmix64: stretches the caller's single random word into as many as
// Random() and Sample() need.
inline uint64_t NextRandom(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

inline uint64_t ReverseBits(uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
  v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
  v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
  return __builtin_bswap64(v);
}

// The next SCAN cursor: increments the bits under `mask` starting from the
// most significant one. Setting the bits above the mask first makes the carry
// fall off them, so the result is the same whatever larger table the next call
// sees; that is what keeps the guarantee across resizes.
inline uint64_t NextCursor(uint64_t cursor, uint64_t mask) {
  cursor |= ~mask;
  cursor = ReverseBits(cursor);
  ++cursor;
  return ReverseBits(cursor);
}

}  // namespace hash_table_internal

// Traits must provide:  static std::string_view Key(const Entry* e);
// and may provide:      static uint64_t Hash(std::string_view key);
// (defaults to HashBytes; tests use it to force collisions).
template <class Entry, class Traits>
class HashTable {
 public:
  static constexpr int kSlotsPerBucket = 7;
  static constexpr size_t kMaxFillPercent = 77;
  static constexpr size_t kTargetFillPercent = 50;
  static constexpr size_t kMinFillPercent = 13;

  HashTable() = default;
  // Frees the buckets, not the entries (the owner's job; see Clear).
  ~HashTable() { ReleaseBuckets(); }
  HashTable(const HashTable&) = delete;
  HashTable& operator=(const HashTable&) = delete;
  HashTable(HashTable&& other) noexcept { Swap(other); }
  HashTable& operator=(HashTable&& other) noexcept {
    if (this != &other) {
      ReleaseBuckets();
      Reset();
      Swap(other);
    }
    return *this;
  }
  void Swap(HashTable& other) noexcept {
    std::swap(tables_, other.tables_);
    std::swap(rehash_index_, other.rehash_index_);
    std::swap(size_, other.size_);
    std::swap(child_buckets_, other.child_buckets_);
    std::swap(shrink_pauses_, other.shrink_pauses_);
  }

  // The hash the table uses for key. The *WithHash overloads below take it
  // precomputed, so a caller that does lookup-then-insert hashes once.
  static uint64_t HashOf(std::string_view key) {
    if constexpr (requires { { Traits::Hash(key) } -> std::convertible_to<uint64_t>; }) {
      return Traits::Hash(key);
    } else {
      return HashBytes(key);
    }
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  bool rehashing() const { return tables_[1].count != 0; }
  // Memory held by bucket arrays and chains, for INFO/MEMORY.
  size_t bucket_bytes() const {
    return (tables_[0].count + tables_[1].count + child_buckets_) * sizeof(Bucket);
  }
  size_t bucket_count() const { return tables_[0].count + tables_[1].count; }
  size_t chained_bucket_count() const { return child_buckets_; }

  Entry* Find(std::string_view key) { return FindWithHash(key, HashOf(key)); }
  Entry* FindWithHash(std::string_view key, uint64_t hash) {
    Entry** slot = FindSlotWithHash(key, hash);
    return slot ? *slot : nullptr;
  }
  // Lookup without rehash work, for const contexts.
  const Entry* Find(std::string_view key) const {
    Entry** slot = Locate(key, HashOf(key));
    return slot ? *slot : nullptr;
  }

  // Pointer to the slot holding key's entry, to swap in a reallocated entry
  // for the same key. Valid until the next non-const call.
  Entry** FindSlot(std::string_view key) { return FindSlotWithHash(key, HashOf(key)); }
  Entry** FindSlotWithHash(std::string_view key, uint64_t hash) {
    if (rehashing()) RehashStep();
    return Locate(key, hash);
  }

  // Adds e; its key must not be present.
  void Insert(Entry* e) { InsertWithHash(e, HashOf(Traits::Key(e))); }
  void InsertWithHash(Entry* e, uint64_t hash) {
    if (rehashing()) {
      RehashStep();
      // An insert-heavy burst during a shrink could overfill the small
      // destination array before the rehash ends; finish it faster then.
      for (int i = 0; i < 4 && rehashing() && Overfull(tables_[1], size_ + 1); ++i) {
        RehashStep();
      }
    }
    GrowIfNeeded();
    Table& t = rehashing() ? tables_[1] : tables_[0];
    InsertIntoChain(&t.buckets[hash & t.mask()], e, Fragment(hash));
    ++size_;
  }

  // Unlinks the entry with this key and returns it (caller frees), or nullptr.
  Entry* Remove(std::string_view key) { return RemoveWithHash(key, HashOf(key)); }
  Entry* RemoveWithHash(std::string_view key, uint64_t hash) {
    if (size_ == 0) return nullptr;
    if (rehashing()) RehashStep();
    Table& t0 = tables_[0];
    size_t i0 = hash & t0.mask();
    Entry* e = nullptr;
    if (i0 >= rehash_index_) e = RemoveFromChain(&t0.buckets[i0], key, Fragment(hash));
    if (e == nullptr && rehashing()) {
      Table& t1 = tables_[1];
      e = RemoveFromChain(&t1.buckets[hash & t1.mask()], key, Fragment(hash));
    }
    if (e != nullptr) {
      --size_;
      ShrinkIfNeeded();
    }
    return e;
  }

  // Calls fn(entry) for the entries of one cursor step; returns the next
  // cursor (0 = done). fn must not modify the table.
  template <class Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) {
    using hash_table_internal::NextCursor;
    if (size_ == 0) return 0;
    if (!rehashing()) {
      const Table& t = tables_[0];
      VisitChain(&t.buckets[cursor & t.mask()], fn);
      return NextCursor(cursor, t.mask());
    }
    // Visit the bucket in the small array, then every bucket of the large
    // array that it splits into (those share the small array's low bits).
    const Table* small = &tables_[0];
    const Table* large = &tables_[1];
    if (small->count > large->count) std::swap(small, large);
    const uint64_t small_mask = small->mask();
    const uint64_t large_mask = large->mask();
    VisitChain(&small->buckets[cursor & small_mask], fn);
    do {
      VisitChain(&large->buckets[cursor & large_mask], fn);
      cursor = NextCursor(cursor, large_mask);
    } while (cursor & (small_mask ^ large_mask));
    return cursor;
  }

  // Scan's walk, giving fn(Entry*& slot) each slot itself, so the caller can
  // store another pointer for the same key (an entry moved by active
  // defragmentation). fn must not otherwise modify the table.
  template <class Fn>
  uint64_t ScanSlots(uint64_t cursor, Fn&& fn) {
    using hash_table_internal::NextCursor;
    if (size_ == 0) return 0;
    if (!rehashing()) {
      Table& t = tables_[0];
      VisitChainSlots(&t.buckets[cursor & t.mask()], fn);
      return NextCursor(cursor, t.mask());
    }
    Table* small = &tables_[0];
    Table* large = &tables_[1];
    if (small->count > large->count) std::swap(small, large);
    const uint64_t small_mask = small->mask();
    const uint64_t large_mask = large->mask();
    VisitChainSlots(&small->buckets[cursor & small_mask], fn);
    do {
      VisitChainSlots(&large->buckets[cursor & large_mask], fn);
      cursor = NextCursor(cursor, large_mask);
    } while (cursor & (small_mask ^ large_mask));
    return cursor;
  }

  // A random entry (nullptr if empty). A random bucket is accepted with
  // probability (entries in its chain)/kRandomChainSlots and then a random
  // entry of the chain taken: exactly uniform while no chain holds more than
  // 13 entries (two buckets), slightly favouring entries of shorter chains
  // beyond that. random_bits seeds the few random numbers needed.
  Entry* Random(uint64_t random_bits) {
    using hash_table_internal::NextRandom;
    if (size_ == 0) return nullptr;
    if (rehashing()) RehashStep();
    uint64_t rng = random_bits;
    const size_t positions = LiveBucketCount();
    for (int attempt = 0; attempt < 256; ++attempt) {
      Bucket* b = LiveBucket(NextRandom(rng) % positions);
      const size_t n = ChainCount(b);
      if (n == 0) continue;
      const uint64_t pick = NextRandom(rng) % std::max(n, kRandomChainSlots);
      if (pick < n) return NthInChain(b, pick);
    }
    // Very sparse (shrink paused): walk from a random bucket to a used one.
    const size_t start = NextRandom(rng) % positions;
    for (size_t i = 0;; ++i) {
      Bucket* b = LiveBucket((start + i) % positions);
      if (const size_t n = ChainCount(b); n > 0) return NthInChain(b, NextRandom(rng) % n);
    }
  }

  // Writes up to `count` distinct entries found from a random bucket onwards
  // to out and returns how many; cheap, not uniform (for eviction and expiry
  // sampling, as Redis's dictGetSomeKeys). Visits at most about 10 buckets per
  // wanted entry unless it has found nothing yet.
  size_t Sample(uint64_t random_bits, Entry** out, size_t count) {
    if (size_ == 0 || count == 0) return 0;
    if (rehashing()) RehashStep();
    uint64_t rng = random_bits;
    const size_t positions = LiveBucketCount();
    const uint64_t r = hash_table_internal::NextRandom(rng);
    const size_t start = r % positions;
    // Each chain is read from a random entry onwards, wrapping round. Taking
    // entries in fixed slot order would sample the first slots (and the
    // chain heads) far more often than the rest; as evictions empty the first
    // slots and new keys refill them, the keys left behind (the oldest, under
    // LRU) would hardly ever be seen: the pool would run out of good
    // candidates and evict recently used keys.
    const uint64_t offset_bits = r >> 20;
    size_t got = 0;
    for (size_t i = 0; i < positions && got < count; ++i) {
      if (i >= count * 10 && got > 0) break;
      Bucket* head = LiveBucket((start + i) % positions);
      const size_t n = ChainCount(head);
      if (n == 0) continue;
      const size_t offset = offset_bits % n;
      size_t index = 0;
      // First the entries from `offset` to the chain's end, then the rest.
      for (int pass = 0; pass < 2 && got < count; ++pass) {
        index = 0;
        for (Bucket* b = head; b != nullptr && got < count; b = b->child()) {
          for (unsigned p = b->present(); p != 0 && got < count; p &= p - 1, ++index) {
            if ((pass == 0) == (index >= offset)) out[got++] = b->slot[std::countr_zero(p)].entry;
          }
          if (pass == 1 && index >= offset) break;
        }
      }
    }
    return got;
  }

  // Visits every entry (fn must not modify the table).
  template <class Fn>
  void ForEach(Fn&& fn) {
    for (const Table& t : tables_) {
      for (size_t i = 0; i < t.count; ++i) VisitChain(&t.buckets[i], fn);
    }
  }

  // Removes all entries, calling deleter(entry) on each, and frees the buckets.
  template <class Fn>
  void Clear(Fn&& deleter) {
    ForEach(deleter);
    ReleaseBuckets();
    const int pauses = shrink_pauses_;
    Reset();
    shrink_pauses_ = pauses;
  }

  // Works on an in-progress rehash for at most about `us` microseconds;
  // returns true if still rehashing.
  bool RehashMicroseconds(int us) {
    if (!rehashing()) return false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(us);
    do {
      for (int i = 0; i < 100 && rehashing(); ++i) RehashStep();
    } while (rehashing() && std::chrono::steady_clock::now() < deadline);
    return rehashing();
  }

  // Pauses/unpauses the automatic shrink; calls nest. Resuming applies a
  // shrink that became due meanwhile.
  void PauseAutoShrink() { ++shrink_pauses_; }
  void ResumeAutoShrink() {
    if (shrink_pauses_ > 0 && --shrink_pauses_ == 0) ShrinkIfNeeded();
  }

 private:
  static constexpr uint8_t kPresentMask = 0x7F;
  static constexpr uint8_t kChainedBit = 0x80;
  static constexpr int kChainSlot = kSlotsPerBucket - 1;
  // Entries of a two-bucket chain; see Random.
  static constexpr size_t kRandomChainSlots = 2 * kSlotsPerBucket - 1;

  // Byte 0: presence bits for slots 0..6 and the chained flag; bytes 1..7: a
  // hash fragment per slot; then the slots. When chained, slot 6 holds the
  // child bucket and its presence bit is clear.
  struct alignas(64) Bucket {
    uint8_t meta;
    uint8_t fragment[kSlotsPerBucket];
    union Slot {
      Entry* entry;
      Bucket* child;
    } slot[kSlotsPerBucket];

    bool chained() const { return (meta & kChainedBit) != 0; }
    unsigned present() const { return meta & kPresentMask; }
    Bucket* child() const { return chained() ? slot[kChainSlot].child : nullptr; }
    unsigned free_slots() const {
      const unsigned usable = chained() ? (kPresentMask >> 1) : kPresentMask;
      return ~meta & usable;
    }
    // Bit 8*i+7 is set for each slot i whose fragment equals f (present or
    // not): a SWAR byte compare over the 7 fragment bytes in one word.
    uint64_t FragmentMatches(uint8_t f) const {
      static_assert(std::endian::native == std::endian::little);
      uint64_t word;  // meta and the 7 fragments, the first 8 bytes
      std::memcpy(&word, reinterpret_cast<const unsigned char*>(this), 8);
      const uint64_t x = word ^ (0x0101010101010101ULL * f);
      const uint64_t low7 = 0x7F7F7F7F7F7F7F7FULL;
      const uint64_t zero_bytes = ~(((x & low7) + low7) | x | low7);
      return zero_bytes >> 8;  // drop the meta byte
    }
  };
  static_assert(sizeof(Bucket) == 64);

  struct Table {
    Bucket* buckets = nullptr;
    size_t count = 0;  // 0 (not allocated) or a power of two
    uint64_t mask() const { return count - 1; }
  };

  static uint8_t Fragment(uint64_t hash) { return static_cast<uint8_t>(hash >> 56); }

  static bool Overfull(const Table& t, size_t entries) {
    return entries * 100 > t.count * kSlotsPerBucket * kMaxFillPercent;
  }

  // Smallest power-of-two bucket count holding n entries at the target fill.
  static size_t BucketsFor(size_t n) {
    const size_t per_100_buckets = kSlotsPerBucket * kTargetFillPercent;
    const size_t need = (n * 100 + per_100_buckets - 1) / per_100_buckets;
    return std::bit_ceil(std::max<size_t>(need, 1));
  }

  Entry** Locate(std::string_view key, uint64_t hash) const {
    if (size_ == 0) return nullptr;
    const uint8_t f = Fragment(hash);
    const Table& t0 = tables_[0];
    const size_t i0 = hash & t0.mask();
    // Buckets below rehash_index_ have moved to the new array already.
    if (i0 >= rehash_index_) {
      if (Entry** slot = FindInChain(&t0.buckets[i0], key, f)) return slot;
    }
    if (rehashing()) {
      const Table& t1 = tables_[1];
      return FindInChain(&t1.buckets[hash & t1.mask()], key, f);
    }
    return nullptr;
  }

  static Entry** FindInChain(Bucket* b, std::string_view key, uint8_t f) {
    for (; b != nullptr; b = b->child()) {
      for (uint64_t m = b->FragmentMatches(f); m != 0; m &= m - 1) {
        const int i = std::countr_zero(m) >> 3;
        if (((b->meta >> i) & 1) && Traits::Key(b->slot[i].entry) == key) {
          return &b->slot[i].entry;
        }
      }
    }
    return nullptr;
  }

  void InsertIntoChain(Bucket* b, Entry* e, uint8_t f) {
    for (;;) {
      if (unsigned free = b->free_slots(); free != 0) {
        const int i = std::countr_zero(free);
        b->slot[i].entry = e;
        b->fragment[i] = f;
        b->meta |= static_cast<uint8_t>(1u << i);
        return;
      }
      if (b->chained()) {
        b = b->slot[kChainSlot].child;
        continue;
      }
      // Full and last in its chain: its last entry moves to a new child and
      // the slot becomes the link; the loop then places e in the child.
      Bucket* c = static_cast<Bucket*>(hash_table_internal::AllocZeroed(sizeof(Bucket)));
      ++child_buckets_;
      c->slot[0].entry = b->slot[kChainSlot].entry;
      c->fragment[0] = b->fragment[kChainSlot];
      c->meta = 1;
      b->slot[kChainSlot].child = c;
      b->meta = static_cast<uint8_t>((b->meta & ~(1u << kChainSlot)) | kChainedBit);
      b = c;
    }
  }

  // Chains are kept compact: every bucket but the last is full and a child
  // holds at least two entries. Then a chain is as short as it can be, and a
  // removal needs at most one entry move and one free. Entries only move
  // within their chain, which Scan visits whole, so this is scan-safe.
  Entry* RemoveFromChain(Bucket* head, std::string_view key, uint8_t f) {
    for (Bucket* b = head; b != nullptr; b = b->child()) {
      for (uint64_t m = b->FragmentMatches(f); m != 0; m &= m - 1) {
        const int i = std::countr_zero(m) >> 3;
        if (((b->meta >> i) & 1) && Traits::Key(b->slot[i].entry) == key) {
          Entry* e = b->slot[i].entry;
          b->meta &= static_cast<uint8_t>(~(1u << i));
          if (head->chained()) Compact(head, b, i);
          return e;
        }
      }
    }
    return nullptr;
  }

  void Compact(Bucket* head, Bucket* hole, int hole_slot) {
    Bucket* parent = nullptr;
    Bucket* last = head;
    while (last->chained()) {
      parent = last;
      last = last->slot[kChainSlot].child;
    }
    if (hole != last) {
      const int j = std::countr_zero(last->present());
      MoveSlot(last, j, hole, hole_slot);
    }
    if (std::popcount(last->present()) <= 1) {
      // Fold the last child's remaining entry (if any) into its parent's
      // link slot and free the child.
      parent->meta &= static_cast<uint8_t>(~kChainedBit);
      if (last->present() != 0) {
        MoveSlot(last, std::countr_zero(last->present()), parent, kChainSlot);
      } else {
        parent->slot[kChainSlot].entry = nullptr;
      }
      FreeChild(last);
    }
  }

  static void MoveSlot(Bucket* from, int i, Bucket* to, int j) {
    to->slot[j].entry = from->slot[i].entry;
    to->fragment[j] = from->fragment[i];
    to->meta |= static_cast<uint8_t>(1u << j);
    from->meta &= static_cast<uint8_t>(~(1u << i));
  }

  void FreeChild(Bucket* b) {
    hash_table_internal::Free(b, sizeof(Bucket));
    --child_buckets_;
  }

  template <class Fn>
  static void VisitChain(const Bucket* b, Fn& fn) {
    for (; b != nullptr; b = b->child()) {
      for (unsigned p = b->present(); p != 0; p &= p - 1) fn(b->slot[std::countr_zero(p)].entry);
    }
  }

  template <class Fn>
  static void VisitChainSlots(Bucket* b, Fn& fn) {
    for (; b != nullptr; b = b->child()) {
      for (unsigned p = b->present(); p != 0; p &= p - 1) fn(b->slot[std::countr_zero(p)].entry);
    }
  }

  static size_t ChainCount(const Bucket* b) {
    size_t n = 0;
    for (; b != nullptr; b = b->child()) n += std::popcount(b->present());
    return n;
  }

  static Entry* NthInChain(Bucket* b, size_t n) {
    for (; b != nullptr; b = b->child()) {
      for (unsigned p = b->present(); p != 0; p &= p - 1) {
        if (n-- == 0) return b->slot[std::countr_zero(p)].entry;
      }
    }
    return nullptr;
  }

  // Buckets that can hold entries: the unmoved part of the old array followed
  // by the new array. Random and Sample index into this range.
  size_t LiveBucketCount() const {
    return tables_[0].count - rehash_index_ + tables_[1].count;
  }
  Bucket* LiveBucket(size_t i) const {
    const size_t old_live = tables_[0].count - rehash_index_;
    if (i < old_live) return &tables_[0].buckets[rehash_index_ + i];
    return &tables_[1].buckets[i - old_live];
  }

  void GrowIfNeeded() {
    if (rehashing()) return;
    if (tables_[0].count == 0) {
      tables_[0] = NewTable(BucketsFor(size_ + 1));
    } else if (Overfull(tables_[0], size_ + 1)) {
      StartResize(BucketsFor(size_ + 1));
    }
  }

  void ShrinkIfNeeded() {
    if (shrink_pauses_ > 0) return;
    if (size_ == 0 && (tables_[0].count > 1 || rehashing())) {
      // Nothing to move: drop both arrays (and any rehash) at once.
      ReleaseBuckets();
      Reset();
      tables_[0] = NewTable(1);
      return;
    }
    if (rehashing() || tables_[0].count <= 1) return;
    if (size_ * 100 < tables_[0].count * kSlotsPerBucket * kMinFillPercent) {
      StartResize(BucketsFor(size_));
    }
  }

  void StartResize(size_t buckets) {
    if (buckets == tables_[0].count) return;
    tables_[1] = NewTable(buckets);
    rehash_index_ = 0;
  }

  static Table NewTable(size_t buckets) {
    Table t;
    t.buckets = static_cast<Bucket*>(hash_table_internal::AllocZeroed(buckets * sizeof(Bucket)));
    t.count = buckets;
    return t;
  }

  // Moves one non-empty bucket of the old array (skipping at most 10 empty
  // ones, to bound the work of one call) and ends the rehash when done.
  void RehashStep() {
    Table& t0 = tables_[0];
    for (int empty = 0; rehash_index_ < t0.count && t0.buckets[rehash_index_].meta == 0;) {
      ++rehash_index_;
      if (++empty == 10) break;
    }
    if (rehash_index_ < t0.count && t0.buckets[rehash_index_].meta != 0) {
      MoveBucket(&t0.buckets[rehash_index_]);
      ++rehash_index_;
    }
    if (rehash_index_ == t0.count) {
      hash_table_internal::Free(t0.buckets, t0.count * sizeof(Bucket));
      t0 = tables_[1];
      tables_[1] = Table{};
      rehash_index_ = 0;
    }
  }

  void MoveBucket(Bucket* head) {
    Table& t1 = tables_[1];
    for (Bucket* b = head; b != nullptr;) {
      Bucket* next = b->child();
      for (unsigned p = b->present(); p != 0; p &= p - 1) {
        const int i = std::countr_zero(p);
        Entry* e = b->slot[i].entry;
        const uint64_t hash = HashOf(Traits::Key(e));
        InsertIntoChain(&t1.buckets[hash & t1.mask()], e, b->fragment[i]);
      }
      if (b != head) FreeChild(b);
      b = next;
    }
    head->meta = 0;
  }

  void ReleaseBuckets() {
    for (Table& t : tables_) {
      // Skip the walk when there are no chains: an empty table can be huge.
      for (size_t i = 0; child_buckets_ > 0 && i < t.count; ++i) {
        for (Bucket* b = t.buckets[i].child(); b != nullptr;) {
          Bucket* next = b->child();
          FreeChild(b);
          b = next;
        }
      }
      if (t.buckets != nullptr) hash_table_internal::Free(t.buckets, t.count * sizeof(Bucket));
      t = Table{};
    }
  }

  void Reset() {
    tables_[0] = tables_[1] = Table{};
    rehash_index_ = 0;
    size_ = 0;
    child_buckets_ = 0;
    shrink_pauses_ = 0;
  }

  // tables_[0] is the current array; tables_[1] is allocated only while
  // rehashing into it, and then tables_[0]'s buckets below rehash_index_ are
  // empty (already moved).
  Table tables_[2];
  size_t rehash_index_ = 0;
  size_t size_ = 0;
  size_t child_buckets_ = 0;
  int shrink_pauses_ = 0;
};

}  // namespace vireo
