// ZSetValue: the value of a sorted-set key, in one of Redis 7.0's encodings:
//   listpack - (member, score) element pairs in one Listpack, in order;
//              scores stored as Redis stores them there (integers as
//              integers, others as "%.17g" text), so ZSCAN shows the same text;
//   skiplist - a Skiplist for order and ranks plus a HashTable from member
//              to skiplist node for O(1) score lookups. Each member's bytes
//              live once, in its node.
// A set is created as a listpack unless zset-max-listpack-entries is 0 or
// its first member is longer than zset-max-listpack-value, and converts
// (never back) when an insert would pass either limit, exactly as Redis.
//
// Reads go through Cursor, which walks either encoding in order, so the
// command code is written once. Lex-range searches follow Redis's listpack
// algorithm (first element >= min, then onwards while <= max), which gives
// Redis's answers even when members are not sorted (mixed scores).
// Thread rule: none (a value owned by one key; main thread).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/hash_table.h"
#include "types/listpack.h"
#include "types/skiplist.h"
#include "types/zset_range.h"

namespace vireo {

struct ZSetLimits {
  size_t max_listpack_entries = 128;
  size_t max_listpack_value = 64;
};

class ZSetValue {
 public:
  // ZADD's input flags and per-element outcome (Redis's zsetAdd).
  enum AddFlag { kNx = 1, kXx = 2, kGt = 4, kLt = 8, kIncr = 16 };
  enum class AddResult { kNaN, kNop, kAdded, kUpdated, kSame };

  // A new empty set in the encoding Redis picks for a key whose first member is `first`.
  static ZSetValue* CreateFor(std::string_view first, const ZSetLimits& lim);
  static ZSetValue* CreateListpack();
  static ZSetValue* CreateSkiplist();
  // A set holding `sorted` (ascending by score then member, no duplicates),
  // in the encoding Redis gives a stored result (ZUNIONSTORE, ZRANGESTORE...).
  static ZSetValue* FromSorted(const std::vector<std::pair<std::string, double>>& sorted,
                               const ZSetLimits& lim);
  ~ZSetValue();
  ZSetValue(const ZSetValue&) = delete;
  ZSetValue& operator=(const ZSetValue&) = delete;

  // Type ops (engine/type_ops.h).
  static void Free(void* obj);
  static void* Copy(const void* obj);
  static size_t Memory(const void* obj);

  bool is_listpack() const { return big_ == nullptr; }
  size_t size() const { return big_ ? big_->list.size() : lp_.size() / 2; }

  bool Score(std::string_view member, double* score) const;
  // ZADD for one element; *newscore is the element's score afterwards
  // (when not kNop/kNaN). May convert the encoding.
  AddResult Add(std::string_view member, double score, int flags, const ZSetLimits& lim, double* newscore);
  bool Remove(std::string_view member);
  // 0-based rank from the lowest (or highest when reverse); false if absent.
  bool Rank(std::string_view member, bool reverse, size_t* rank) const;

  // An in-order position over either encoding, valid until the set changes.
  class Cursor {
   public:
    bool valid() const { return node_ != nullptr || pos_ != Listpack::kEnd; }
    std::string_view member();
    double score() const;
    void Next();
    void Prev();
    // Moves forward to the first element whose score is >= min (invalid
    // when none); the skiplist skips by its links, a listpack walks.
    void SkipBelow(double min);

   private:
    friend class ZSetValue;
    const ZSetValue* z_ = nullptr;
    Listpack::Pos pos_ = Listpack::kEnd;  // listpack: the member element
    SkiplistNode* node_ = nullptr;        // skiplist
    char scratch_[Listpack::kScratch];
  };
  Cursor AtRank(size_t rank) const;  // 0-based from the lowest; invalid when out of range
  Cursor FirstIn(const ScoreRange& r) const;
  Cursor LastIn(const ScoreRange& r) const;
  Cursor FirstIn(const LexRange& r) const;
  Cursor LastIn(const LexRange& r) const;
  size_t Count(const ScoreRange& r) const;
  size_t Count(const LexRange& r) const;

  // Removes ranks [start, end] (0-based, inclusive, end < size()).
  size_t EraseRanks(size_t start, size_t end);
  size_t Erase(const ScoreRange& r);
  size_t Erase(const LexRange& r);

  void ConvertToSkiplist();

  // One ZSCAN step: fn(member, score_text) for some elements; returns the next
  // cursor (0 = done). A listpack is visited whole.
  template <class Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) const {
    if (!big_) {
      char ms[Listpack::kScratch], ss[Listpack::kScratch];
      for (Listpack::Pos p = lp_.First(); p != Listpack::kEnd; p = lp_.Next(lp_.Next(p))) {
        fn(lp_.Get(p, ms), lp_.Get(lp_.Next(p), ss));
      }
      return 0;
    }
    return big_->dict.Scan(cursor, [&](SkiplistNode* n) { fn(n->member(), FormatScoreText(n->score)); });
  }

  // The text a listpack stores for a score: integers (within +-2^62) as
  // integers, others as "%.17g"; -0 becomes "0". buf: 32 bytes.
  static std::string_view ListpackScoreText(double score, char* buf);
  // The text ZSCAN shows for a skiplist score ("%.17g", inf, -inf).
  static std::string FormatScoreText(double score);

 private:
  struct NodeTraits {
    static std::string_view Key(const SkiplistNode* n) { return n->member(); }
  };
  using NodeTable = HashTable<SkiplistNode, NodeTraits>;
  struct Big {
    Skiplist list;
    NodeTable dict;
  };

  ZSetValue() = default;
  Listpack::Pos LpFind(std::string_view member, double* score) const;
  double LpScore(Listpack::Pos score_pos) const;
  void LpInsert(std::string_view member, double score);
  SkiplistNode* BigInsert(std::string_view member, double score);
  size_t RankOfCursor(const Cursor& c) const;
  Cursor MakeLp(Listpack::Pos p) const;
  Cursor MakeNode(SkiplistNode* n) const;

  Listpack lp_;         // listpack encoding (empty when big_)
  Big* big_ = nullptr;  // skiplist encoding
};

}  // namespace vireo
