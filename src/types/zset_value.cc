#include "types/zset_value.h"

#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "base/numbers.h"

#ifdef VIREO_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

namespace vireo {

// ---- score texts ----

std::string_view ZSetValue::ListpackScoreText(double score, char* buf) {
  if (std::isinf(score)) {
    return score > 0 ? std::string_view("inf") : std::string_view("-inf");
  }
  // Redis's double2ll bounds: integral values within +-LLONG_MAX/2 print as integers.
  if (score >= double(-(LLONG_MAX / 2)) && score <= double(LLONG_MAX / 2)) {
    long long ll = (long long)score;
    if (double(ll) == score) return {buf, FormatInt64(ll, buf)};
  }
  int n = snprintf(buf, 32, "%.17g", score);
  return {buf, size_t(n)};
}

std::string ZSetValue::FormatScoreText(double score) { return FormatDouble(score); }

// ---- creation and type ops ----

ZSetValue* ZSetValue::CreateListpack() { return new ZSetValue(); }

ZSetValue* ZSetValue::CreateSkiplist() {
  auto* z = new ZSetValue();
  z->big_ = new Big();
  return z;
}

ZSetValue* ZSetValue::CreateFor(std::string_view first, const ZSetLimits& lim) {
  if (lim.max_listpack_entries == 0 || first.size() > lim.max_listpack_value) return CreateSkiplist();
  return CreateListpack();
}

ZSetValue* ZSetValue::FromSorted(const std::vector<std::pair<std::string, double>>& sorted,
                                 const ZSetLimits& lim) {
  bool small = sorted.size() <= lim.max_listpack_entries;
  for (size_t i = 0; small && i < sorted.size(); ++i) small = sorted[i].first.size() <= lim.max_listpack_value;
  if (!small) {
    ZSetValue* z = CreateSkiplist();
    for (const auto& [m, s] : sorted) z->BigInsert(m, s);
    return z;
  }
  ZSetValue* z = CreateListpack();
  char buf[32];
  for (const auto& [m, s] : sorted) {
    z->lp_.PushBack(m);
    z->lp_.PushBack(ListpackScoreText(s, buf));
  }
  return z;
}

ZSetValue::~ZSetValue() {
  if (big_) {
    // The nodes belong to the skiplist; the table only points at them.
    big_->dict.Clear([](SkiplistNode*) {});
    delete big_;
  }
}

void ZSetValue::Free(void* obj) { delete static_cast<ZSetValue*>(obj); }

void* ZSetValue::Copy(const void* obj) {
  const auto* src = static_cast<const ZSetValue*>(obj);
  ZSetValue* z;
  if (src->big_) {
    z = CreateSkiplist();
    for (SkiplistNode* n = src->big_->list.first(); n; n = n->next()) z->BigInsert(n->member(), n->score);
  } else {
    z = CreateListpack();
    z->lp_ = src->lp_;
  }
  return z;
}

size_t ZSetValue::Memory(const void* obj) {
  const auto* z = static_cast<const ZSetValue*>(obj);
#ifdef VIREO_JEMALLOC
  size_t n = malloc_usable_size(const_cast<ZSetValue*>(z));
#else
  size_t n = sizeof(ZSetValue);
#endif
  if (!z->big_) return n + z->lp_.bytes();
  return n + sizeof(Big) + z->big_->list.AllocatedBytes() + z->big_->dict.bucket_bytes();
}

// ---- listpack helpers ----

double ZSetValue::LpScore(Listpack::Pos p) const {
  long long v;
  if (lp_.GetInt(p, &v)) return double(v);
  char scratch[Listpack::kScratch];
  std::string_view s = lp_.Get(p, scratch);
  char buf[64];
  size_t n = s.size() < sizeof(buf) - 1 ? s.size() : sizeof(buf) - 1;
  if (n) memcpy(buf, s.data(), n);
  buf[n] = '\0';
  return strtod(buf, nullptr);
}

Listpack::Pos ZSetValue::LpFind(std::string_view member, double* score) const {
  Listpack::Pos p = lp_.Find(member, 0, 1);
  if (p != Listpack::kEnd && score) *score = LpScore(lp_.Next(p));
  return p;
}

void ZSetValue::LpInsert(std::string_view member, double score) {
  char ms[Listpack::kScratch], buf[32];
  Listpack::Pos p = lp_.First();
  while (p != Listpack::kEnd) {
    Listpack::Pos sp = lp_.Next(p);
    double s = LpScore(sp);
    if (s > score || (s == score && lp_.Get(p, ms) > member)) break;
    p = lp_.Next(sp);
  }
  std::string_view text = ListpackScoreText(score, buf);
  if (p == Listpack::kEnd) {
    lp_.PushBack(member);
    lp_.PushBack(text);
  } else {
    Listpack::Pos at = lp_.Insert(p, member);
    lp_.Insert(lp_.Next(at), text);
  }
}

SkiplistNode* ZSetValue::BigInsert(std::string_view member, double score) {
  SkiplistNode* n = big_->list.Insert(score, member);
  big_->dict.Insert(n);
  return n;
}

void ZSetValue::ConvertToSkiplist() {
  if (big_) return;
  Big* b = new Big();
  char ms[Listpack::kScratch];
  for (Listpack::Pos p = lp_.First(); p != Listpack::kEnd; p = lp_.Next(lp_.Next(p))) {
    SkiplistNode* n = b->list.Insert(LpScore(lp_.Next(p)), lp_.Get(p, ms));
    b->dict.Insert(n);
  }
  lp_ = Listpack();
  big_ = b;
}

// ---- point operations ----

bool ZSetValue::Score(std::string_view member, double* score) const {
  if (!big_) return LpFind(member, score) != Listpack::kEnd;
  const SkiplistNode* n = static_cast<const NodeTable&>(big_->dict).Find(member);
  if (!n) return false;
  *score = n->score;
  return true;
}

ZSetValue::AddResult ZSetValue::Add(std::string_view member, double score, int flags, const ZSetLimits& lim,
                                    double* newscore) {
  if (std::isnan(score)) return AddResult::kNaN;
  const bool nx = flags & kNx, xx = flags & kXx, gt = flags & kGt, lt = flags & kLt, incr = flags & kIncr;
  double cur;
  Listpack::Pos pos = Listpack::kEnd;
  SkiplistNode* node = nullptr;
  bool exists;
  if (big_) {
    node = big_->dict.Find(member);
    exists = node != nullptr;
    if (exists) cur = node->score;
  } else {
    pos = LpFind(member, &cur);
    exists = pos != Listpack::kEnd;
  }
  if (exists) {
    if (nx) return AddResult::kNop;
    if (incr) {
      score += cur;
      if (std::isnan(score)) return AddResult::kNaN;
    }
    if ((lt && score >= cur) || (gt && score <= cur)) return AddResult::kNop;
    *newscore = score;
    if (score == cur) return AddResult::kSame;
    if (big_) {
      big_->list.UpdateScore(node, score);
    } else {
      lp_.Erase(lp_.Erase(pos));
      LpInsert(member, score);
    }
    return AddResult::kUpdated;
  }
  if (xx) return AddResult::kNop;
  if (!big_ && (size() + 1 > lim.max_listpack_entries || member.size() > lim.max_listpack_value)) {
    ConvertToSkiplist();
  }
  if (big_) {
    BigInsert(member, score);
  } else {
    LpInsert(member, score);
  }
  *newscore = score;
  return AddResult::kAdded;
}

bool ZSetValue::Remove(std::string_view member) {
  if (!big_) {
    Listpack::Pos p = LpFind(member, nullptr);
    if (p == Listpack::kEnd) return false;
    lp_.Erase(lp_.Erase(p));
    return true;
  }
  SkiplistNode* n = big_->dict.Remove(member);
  if (!n) return false;
  // The node's own bytes are compared until it is unlinked, then freed.
  big_->list.Erase(n->score, n->member());
  return true;
}

bool ZSetValue::Rank(std::string_view member, bool reverse, size_t* rank) const {
  size_t r;
  if (!big_) {
    Listpack::Pos p = lp_.First();
    r = 0;
    while (p != Listpack::kEnd && !lp_.Equals(p, member)) {
      p = lp_.Next(lp_.Next(p));
      ++r;
    }
    if (p == Listpack::kEnd) return false;
  } else {
    const SkiplistNode* n = static_cast<const NodeTable&>(big_->dict).Find(member);
    if (!n) return false;
    r = big_->list.Rank(n->score, n->member()) - 1;
  }
  *rank = reverse ? size() - 1 - r : r;
  return true;
}

// ---- cursors ----

std::string_view ZSetValue::Cursor::member() {
  if (node_) return node_->member();
  return z_->lp_.Get(pos_, scratch_);
}

double ZSetValue::Cursor::score() const {
  if (node_) return node_->score;
  return z_->LpScore(z_->lp_.Next(pos_));
}

void ZSetValue::Cursor::Next() {
  if (node_) {
    node_ = node_->next();
  } else if (pos_ != Listpack::kEnd) {
    pos_ = z_->lp_.Next(z_->lp_.Next(pos_));
  }
}

void ZSetValue::Cursor::SkipBelow(double min) {
  if (node_) {
    node_ = Skiplist::SkipBelow(node_, min);
    return;
  }
  while (valid() && score() < min) Next();
}

void ZSetValue::Cursor::Prev() {
  if (node_) {
    node_ = node_->prev;
  } else if (pos_ != Listpack::kEnd) {
    Listpack::Pos p = z_->lp_.Prev(pos_);
    pos_ = p == Listpack::kEnd ? Listpack::kEnd : z_->lp_.Prev(p);
  }
}

ZSetValue::Cursor ZSetValue::MakeLp(Listpack::Pos p) const {
  Cursor c;
  c.z_ = this;
  c.pos_ = p;
  return c;
}

ZSetValue::Cursor ZSetValue::MakeNode(SkiplistNode* n) const {
  Cursor c;
  c.z_ = this;
  c.node_ = n;
  return c;
}

ZSetValue::Cursor ZSetValue::AtRank(size_t rank) const {
  if (big_) return MakeNode(big_->list.AtRank(rank + 1));
  return MakeLp(rank < size() ? lp_.Seek(long(rank * 2)) : Listpack::kEnd);
}

// The listpack searches test the whole range against the first and last
// elements first, as Redis's zzlIsInRange / zzlIsInLexRange do.
ZSetValue::Cursor ZSetValue::FirstIn(const ScoreRange& r) const {
  if (big_) return MakeNode(big_->list.FirstInRange(r));
  if (!r.NonEmpty() || size() == 0) return MakeLp(Listpack::kEnd);
  for (Listpack::Pos p = lp_.First(); p != Listpack::kEnd; p = lp_.Next(lp_.Next(p))) {
    double s = LpScore(lp_.Next(p));
    if (r.AboveMin(s)) return MakeLp(r.BelowMax(s) ? p : Listpack::kEnd);
  }
  return MakeLp(Listpack::kEnd);
}

ZSetValue::Cursor ZSetValue::LastIn(const ScoreRange& r) const {
  if (big_) return MakeNode(big_->list.LastInRange(r));
  if (!r.NonEmpty() || size() == 0) return MakeLp(Listpack::kEnd);
  for (Listpack::Pos sp = lp_.Last(); sp != Listpack::kEnd;) {
    Listpack::Pos p = lp_.Prev(sp);
    double s = LpScore(sp);
    if (r.BelowMax(s)) return MakeLp(r.AboveMin(s) ? p : Listpack::kEnd);
    sp = lp_.Prev(p);
  }
  return MakeLp(Listpack::kEnd);
}

ZSetValue::Cursor ZSetValue::FirstIn(const LexRange& r) const {
  if (big_) return MakeNode(big_->list.FirstInRange(r));
  char ms[Listpack::kScratch];
  if (!r.NonEmpty() || size() == 0) return MakeLp(Listpack::kEnd);
  if (!r.AboveMin(lp_.Get(lp_.Prev(lp_.Last()), ms)) || !r.BelowMax(lp_.Get(lp_.First(), ms))) {
    return MakeLp(Listpack::kEnd);
  }
  for (Listpack::Pos p = lp_.First(); p != Listpack::kEnd; p = lp_.Next(lp_.Next(p))) {
    std::string_view m = lp_.Get(p, ms);
    if (r.AboveMin(m)) return MakeLp(r.BelowMax(m) ? p : Listpack::kEnd);
  }
  return MakeLp(Listpack::kEnd);
}

ZSetValue::Cursor ZSetValue::LastIn(const LexRange& r) const {
  if (big_) return MakeNode(big_->list.LastInRange(r));
  char ms[Listpack::kScratch];
  if (!r.NonEmpty() || size() == 0) return MakeLp(Listpack::kEnd);
  if (!r.AboveMin(lp_.Get(lp_.Prev(lp_.Last()), ms)) || !r.BelowMax(lp_.Get(lp_.First(), ms))) {
    return MakeLp(Listpack::kEnd);
  }
  for (Listpack::Pos sp = lp_.Last(); sp != Listpack::kEnd;) {
    Listpack::Pos p = lp_.Prev(sp);
    std::string_view m = lp_.Get(p, ms);
    if (r.BelowMax(m)) return MakeLp(r.AboveMin(m) ? p : Listpack::kEnd);
    sp = lp_.Prev(p);
  }
  return MakeLp(Listpack::kEnd);
}

size_t ZSetValue::RankOfCursor(const Cursor& c) const {
  if (c.node_) return big_->list.Rank(c.node_->score, c.node_->member()) - 1;
  size_t r = 0;
  for (Listpack::Pos p = lp_.First(); p != c.pos_; p = lp_.Next(lp_.Next(p))) ++r;
  return r;
}

size_t ZSetValue::Count(const ScoreRange& r) const {
  Cursor c = FirstIn(r);
  if (!c.valid()) return 0;
  if (big_) return RankOfCursor(LastIn(r)) - RankOfCursor(c) + 1;
  size_t n = 0;
  for (; c.valid() && r.BelowMax(c.score()); c.Next()) ++n;
  return n;
}

size_t ZSetValue::Count(const LexRange& r) const {
  Cursor c = FirstIn(r);
  if (!c.valid()) return 0;
  if (big_) {
    Cursor last = LastIn(r);
    size_t a = RankOfCursor(c), b = last.valid() ? RankOfCursor(last) : a;
    return b >= a ? b - a + 1 : 0;
  }
  size_t n = 0;
  for (; c.valid() && r.BelowMax(c.member()); c.Next()) ++n;
  return n;
}

// ---- range removal ----

size_t ZSetValue::EraseRanks(size_t start, size_t end) {
  if (start > end || start >= size()) return 0;
  if (end >= size()) end = size() - 1;
  if (!big_) {
    lp_.EraseRange(start * 2, (end - start + 1) * 2);
    return end - start + 1;
  }
  NodeTable& dict = big_->dict;
  return big_->list.EraseRanks(start + 1, end + 1, [&](SkiplistNode* n) { dict.Remove(n->member()); });
}

size_t ZSetValue::Erase(const ScoreRange& r) {
  Cursor c = FirstIn(r);
  if (!c.valid()) return 0;
  size_t start = RankOfCursor(c), n = 0;
  for (; c.valid() && r.BelowMax(c.score()); c.Next()) ++n;
  return EraseRanks(start, start + n - 1);
}

size_t ZSetValue::Erase(const LexRange& r) {
  Cursor c = FirstIn(r);
  if (!c.valid()) return 0;
  size_t start = RankOfCursor(c), n = 0;
  for (; c.valid() && r.BelowMax(c.member()); c.Next()) ++n;
  return EraseRanks(start, start + n - 1);
}

}  // namespace vireo
