#include "types/skiplist.h"

#include <bit>
#include <cstdlib>
#include <new>

#ifdef VIREO_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

namespace vireo {

SkiplistNode* SkiplistNode::New(int height, double score, std::string_view member) {
  size_t bytes = sizeof(SkiplistNode) + size_t(height) * sizeof(Link) + member.size();
  auto* n = static_cast<SkiplistNode*>(malloc(bytes));
  if (!n) throw std::bad_alloc();
  n->score = score;
  n->prev = nullptr;
  n->len_ = uint32_t(member.size());
  n->height_ = uint8_t(height);
  for (int i = 0; i < height; ++i) n->links()[i] = Link{nullptr, 0};
  if (!member.empty()) memcpy(reinterpret_cast<char*>(n->links() + height), member.data(), member.size());
  return n;
}

void SkiplistNode::Free(SkiplistNode* n) { free(n); }

size_t SkiplistNode::AllocatedBytes() const {
#ifdef VIREO_JEMALLOC
  return malloc_usable_size(const_cast<SkiplistNode*>(this));
#else
  return sizeof(SkiplistNode) + size_t(height_) * sizeof(Link) + len_;
#endif
}

Skiplist::Skiplist() : head_(SkiplistNode::New(kMaxHeight, 0, {})) {
  rng_ = reinterpret_cast<uintptr_t>(this) * 0x9e3779b97f4a7c15ULL + 1;
}

Skiplist::~Skiplist() {
  SkiplistNode* x = first();
  while (x) {
    SkiplistNode* next = x->next();
    SkiplistNode::Free(x);
    x = next;
  }
  SkiplistNode::Free(head_);
}

// Each level holds a quarter of the one below (p = 1/4), as Redis's does:
// about 1.33 links per node. Two random bits per level come from one xorshift word.
int Skiplist::RandomHeight() {
  rng_ ^= rng_ << 13;
  rng_ ^= rng_ >> 7;
  rng_ ^= rng_ << 17;
  uint64_t bits = rng_ | (1ULL << 62);  // caps the height at 32
  int h = 1 + std::countr_zero(bits) / 2;
  return h < kMaxHeight ? h : kMaxHeight;
}

void Skiplist::Link(SkiplistNode* x, SkiplistNode** update, size_t* rank) {
  const int h = x->height();
  if (h > height_) {
    for (int i = height_; i < h; ++i) {
      rank[i] = 0;
      update[i] = head_;
      update[i]->links()[i].span = size_;
    }
    height_ = h;
  }
  for (int i = 0; i < h; ++i) {
    SkiplistNode::Link& up = update[i]->links()[i];
    x->links()[i].next = up.next;
    up.next = x;
    // Spans: x takes what was left of update[i]'s span past x's position.
    x->links()[i].span = up.span - (rank[0] - rank[i]);
    up.span = (rank[0] - rank[i]) + 1;
  }
  for (int i = h; i < height_; ++i) update[i]->links()[i].span++;
  x->prev = update[0] == head_ ? nullptr : update[0];
  if (x->links()[0].next) {
    x->links()[0].next->prev = x;
  } else {
    tail_ = x;
  }
  ++size_;
}

SkiplistNode* Skiplist::Insert(double score, std::string_view member) {
  SkiplistNode* update[kMaxHeight];
  size_t rank[kMaxHeight];
  SkiplistNode* x = head_;
  for (int i = height_ - 1; i >= 0; --i) {
    rank[i] = i == height_ - 1 ? 0 : rank[i + 1];
    while (x->links()[i].next && Less(x->links()[i].next->score, x->links()[i].next->member(), score, member)) {
      rank[i] += x->links()[i].span;
      x = x->links()[i].next;
    }
    update[i] = x;
  }
  SkiplistNode* n = SkiplistNode::New(RandomHeight(), score, member);
  Link(n, update, rank);
  return n;
}

void Skiplist::Unlink(SkiplistNode* x, SkiplistNode** update) {
  for (int i = 0; i < height_; ++i) {
    SkiplistNode::Link& up = update[i]->links()[i];
    if (up.next == x) {
      up.span += x->links()[i].span - 1;
      up.next = x->links()[i].next;
    } else {
      up.span -= 1;
    }
  }
  if (x->links()[0].next) {
    x->links()[0].next->prev = x->prev;
  } else {
    tail_ = x->prev;
  }
  while (height_ > 1 && head_->links()[height_ - 1].next == nullptr) --height_;
  --size_;
}

bool Skiplist::Erase(double score, std::string_view member) {
  SkiplistNode* update[kMaxHeight];
  SkiplistNode* x = head_;
  for (int i = height_ - 1; i >= 0; --i) {
    while (x->links()[i].next && Less(x->links()[i].next->score, x->links()[i].next->member(), score, member)) {
      x = x->links()[i].next;
    }
    update[i] = x;
  }
  x = x->links()[0].next;
  if (!x || x->score != score || x->member() != member) return false;
  Unlink(x, update);
  SkiplistNode::Free(x);
  return true;
}

void Skiplist::UpdateScore(SkiplistNode* node, double new_score) {
  // Still between its neighbours: change the score in place.
  SkiplistNode* next = node->next();
  if ((!node->prev || Less(node->prev->score, node->prev->member(), new_score, node->member())) &&
      (!next || Less(new_score, node->member(), next->score, next->member()))) {
    node->score = new_score;
    return;
  }
  SkiplistNode* update[kMaxHeight];
  size_t rank[kMaxHeight];
  std::string_view m = node->member();
  SkiplistNode* x = head_;
  for (int i = height_ - 1; i >= 0; --i) {
    while (x->links()[i].next && Less(x->links()[i].next->score, x->links()[i].next->member(), node->score, m)) {
      x = x->links()[i].next;
    }
    update[i] = x;
  }
  Unlink(node, update);
  node->score = new_score;
  x = head_;
  for (int i = height_ - 1; i >= 0; --i) {
    rank[i] = i == height_ - 1 ? 0 : rank[i + 1];
    while (x->links()[i].next && Less(x->links()[i].next->score, x->links()[i].next->member(), new_score, m)) {
      rank[i] += x->links()[i].span;
      x = x->links()[i].next;
    }
    update[i] = x;
  }
  for (int i = 0; i < node->height(); ++i) node->links()[i] = {nullptr, 0};
  Link(node, update, rank);
}

size_t Skiplist::Rank(double score, std::string_view member) const {
  size_t rank = 0;
  SkiplistNode* x = head_;
  for (int i = height_ - 1; i >= 0; --i) {
    while (x->links()[i].next) {
      SkiplistNode* n = x->links()[i].next;
      if (Less(n->score, n->member(), score, member) || (n->score == score && n->member() == member)) {
        rank += x->links()[i].span;
        x = n;
      } else {
        break;
      }
    }
    if (x != head_ && x->score == score && x->member() == member) return rank;
  }
  return 0;
}

size_t Skiplist::FindBeforeRank(size_t rank, SkiplistNode** update) const {
  size_t traversed = 0;
  SkiplistNode* x = head_;
  for (int i = height_ - 1; i >= 0; --i) {
    while (x->links()[i].next && traversed + x->links()[i].span < rank) {
      traversed += x->links()[i].span;
      x = x->links()[i].next;
    }
    update[i] = x;
  }
  return traversed;
}

SkiplistNode* Skiplist::AtRank(size_t rank) const {
  if (rank == 0 || rank > size_) return nullptr;
  size_t traversed = 0;
  SkiplistNode* x = head_;
  for (int i = height_ - 1; i >= 0; --i) {
    while (x->links()[i].next && traversed + x->links()[i].span <= rank) {
      traversed += x->links()[i].span;
      x = x->links()[i].next;
    }
    if (traversed == rank) return x;
  }
  return nullptr;
}

SkiplistNode* Skiplist::FirstInRange(const ScoreRange& r) const {
  if (!r.NonEmpty() || !tail_ || !r.AboveMin(tail_->score) || !r.BelowMax(first()->score)) return nullptr;
  SkiplistNode* x = head_;
  for (int i = height_ - 1; i >= 0; --i) {
    while (x->links()[i].next && !r.AboveMin(x->links()[i].next->score)) x = x->links()[i].next;
  }
  x = x->next();
  return x && r.BelowMax(x->score) ? x : nullptr;
}

SkiplistNode* Skiplist::LastInRange(const ScoreRange& r) const {
  if (!r.NonEmpty() || !tail_ || !r.AboveMin(tail_->score) || !r.BelowMax(first()->score)) return nullptr;
  SkiplistNode* x = head_;
  for (int i = height_ - 1; i >= 0; --i) {
    while (x->links()[i].next && r.BelowMax(x->links()[i].next->score)) x = x->links()[i].next;
  }
  return x != head_ && r.AboveMin(x->score) ? x : nullptr;
}

SkiplistNode* Skiplist::FirstInRange(const LexRange& r) const {
  if (!r.NonEmpty() || !tail_ || !r.AboveMin(tail_->member()) || !r.BelowMax(first()->member())) return nullptr;
  SkiplistNode* x = head_;
  for (int i = height_ - 1; i >= 0; --i) {
    while (x->links()[i].next && !r.AboveMin(x->links()[i].next->member())) x = x->links()[i].next;
  }
  x = x->next();
  return x && r.BelowMax(x->member()) ? x : nullptr;
}

SkiplistNode* Skiplist::LastInRange(const LexRange& r) const {
  if (!r.NonEmpty() || !tail_ || !r.AboveMin(tail_->member()) || !r.BelowMax(first()->member())) return nullptr;
  SkiplistNode* x = head_;
  for (int i = height_ - 1; i >= 0; --i) {
    while (x->links()[i].next && r.BelowMax(x->links()[i].next->member())) x = x->links()[i].next;
  }
  return x != head_ && r.AboveMin(x->member()) ? x : nullptr;
}

SkiplistNode* Skiplist::SkipBelow(SkiplistNode* x, double min) {
  if (!x || x->score >= min) return x;
  // x is below min. Follow x's tallest link while it stays below min (the
  // node it reaches is at least as tall, so this climbs), then descend.
  int level = x->height() - 1;
  for (;;) {
    SkiplistNode* n = x->links()[level].next;
    if (n && n->score < min) {
      x = n;
      level = n->height() - 1;
    } else if (level == 0) {
      break;
    } else {
      --level;
    }
  }
  return x->next();
}

size_t Skiplist::AllocatedBytes() const {
  size_t n = head_->AllocatedBytes();
  for (SkiplistNode* x = first(); x; x = x->next()) n += x->AllocatedBytes();
  return n;
}

}  // namespace vireo
