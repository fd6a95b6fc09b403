// Skiplist: the ordered index of a large sorted set (OBJECT ENCODING
// "skiplist"). Elements are (score, member) pairs ordered by score, then by
// member bytes (memcmp, shorter first on a tie). Every forward link carries
// its span (how many elements it skips), so rank lookups and "the n-th
// element" take O(log n), as do searches by score or by member range.
//
// A node is one allocation: the fixed header, its links, then the member
// bytes. Nodes never move once allocated (a score update relinks the same
// node), so ZSetValue's member -> node hash table can hold node pointers.
//
// Thread rule: none (a value owned by one key; main thread).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "types/zset_range.h"

namespace vireo {

class SkiplistNode {
 public:
  struct Link {
    SkiplistNode* next;
    size_t span;  // elements from this node to `next` (to the end when next is null)
  };

  double score;
  SkiplistNode* prev;  // previous element, nullptr for the first

  std::string_view member() const {
    return {reinterpret_cast<const char*>(links() + height_), len_};
  }
  int height() const { return height_; }
  Link* links() { return reinterpret_cast<Link*>(this + 1); }
  const Link* links() const { return reinterpret_cast<const Link*>(this + 1); }
  SkiplistNode* next() const { return links()[0].next; }
  // Bytes of this node's allocation (for MEMORY USAGE).
  size_t AllocatedBytes() const;

 private:
  friend class Skiplist;
  static SkiplistNode* New(int height, double score, std::string_view member);
  static void Free(SkiplistNode* n);

  uint32_t len_;
  uint8_t height_;
};

class Skiplist {
 public:
  static constexpr int kMaxHeight = 32;

  Skiplist();
  ~Skiplist();
  Skiplist(const Skiplist&) = delete;
  Skiplist& operator=(const Skiplist&) = delete;

  size_t size() const { return size_; }
  SkiplistNode* first() const { return head_->links()[0].next; }
  SkiplistNode* last() const { return tail_; }

  // Adds an element whose member is absent; returns its node.
  SkiplistNode* Insert(double score, std::string_view member);
  // Removes and frees the node holding (score, member); false if absent.
  bool Erase(double score, std::string_view member);
  // Moves node to its place for new_score (the same node, so pointers to it
  // stay valid).
  void UpdateScore(SkiplistNode* node, double new_score);

  // 1-based rank of (score, member), 0 if absent.
  size_t Rank(double score, std::string_view member) const;
  // The element of 1-based rank, nullptr when out of range.
  SkiplistNode* AtRank(size_t rank) const;

  // First / last element inside the range, nullptr when none.
  SkiplistNode* FirstInRange(const ScoreRange& r) const;
  SkiplistNode* LastInRange(const ScoreRange& r) const;
  SkiplistNode* FirstInRange(const LexRange& r) const;
  SkiplistNode* LastInRange(const LexRange& r) const;
  // The first node at or after `from` whose score is >= min (nullptr when
  // none): a finger search that climbs the links of the nodes it passes, so
  // a nearby target costs O(log distance) nodes, not a walk of level 0.
  static SkiplistNode* SkipBelow(SkiplistNode* from, double min);

  // Removes the elements of 1-based ranks [start, end]; calls
  // before_free(node) for each (to drop it from the hash) before freeing.
  template <class Fn>
  size_t EraseRanks(size_t start, size_t end, Fn&& before_free) {
    SkiplistNode* update[kMaxHeight];
    size_t traversed = FindBeforeRank(start, update);
    SkiplistNode* x = update[0]->links()[0].next;
    size_t removed = 0;
    while (x && traversed + 1 <= end) {
      SkiplistNode* next = x->links()[0].next;
      Unlink(x, update);
      before_free(x);
      SkiplistNode::Free(x);
      ++removed;
      ++traversed;
      x = next;
    }
    return removed;
  }

  // Bytes held by all nodes and the head.
  size_t AllocatedBytes() const;

 private:
  static bool Less(double s1, std::string_view m1, double s2, std::string_view m2) {
    return s1 < s2 || (s1 == s2 && m1 < m2);
  }
  int RandomHeight();
  // Fills update[i] with the last node at level i before rank `rank` (1-based)
  // and returns the rank of update[0].
  size_t FindBeforeRank(size_t rank, SkiplistNode** update) const;
  void Link(SkiplistNode* x, SkiplistNode** update, size_t* rank);
  void Unlink(SkiplistNode* x, SkiplistNode** update);

  SkiplistNode* head_;  // sentinel of kMaxHeight links, no member
  SkiplistNode* tail_ = nullptr;
  size_t size_ = 0;
  int height_ = 1;
  uint64_t rng_;
};

}  // namespace vireo
