#include "types/quicklist.h"

#include <algorithm>
#include <utility>

namespace vireo {
namespace {

// Redis keeps count-limited nodes under 8 KB too, so one node never grows
// without bound when its elements are large.
constexpr size_t kSafetyBytes = 8192;

// Bytes an element of len bytes adds to a listpack: its text plus the
// header and back-length. An estimate that errs high for integers, which
// the listpack stores as varints.
size_t ElementCost(size_t len) { return len + (len < 64 ? 2 : len < 8192 ? 4 : 8); }

}  // namespace

Quicklist::~Quicklist() { Clear(); }

Quicklist::Quicklist(const Quicklist& o) : fill_(o.fill_) {
  for (const Node* n = o.head_; n; n = n->next) {
    Node* m = NewNodeAfter(tail_);
    m->lp = n->lp;
  }
  count_ = o.count_;
}

void Quicklist::Clear() {
  Node* n = head_;
  while (n) {
    Node* next = n->next;
    delete n;
    n = next;
  }
  head_ = tail_ = nullptr;
  count_ = 0;
  nodes_ = 0;
}

bool Quicklist::Fits(const Listpack& lp, size_t len) const {
  if (lp.empty()) return true;
  // Whole allocation (header included), as Redis counts its listpack bytes;
  // a full -2 node then fills exactly one 8 KB allocator size class.
  size_t need = lp.bytes() + ElementCost(len);
  if (fill_ >= 0) return lp.size() < size_t(std::max(fill_, 1)) && need <= kSafetyBytes;
  int level = std::min(-fill_ - 1, 4);  // -1..-5 -> 4..64 KB; beyond -5 stays 64 KB
  return need <= (size_t(4096) << level);
}

bool Quicklist::OverLimit(const Listpack& lp) const {
  if (lp.size() <= 1) return false;
  if (fill_ >= 0) return lp.size() > size_t(std::max(fill_, 1)) || lp.bytes() > kSafetyBytes;
  int level = std::min(-fill_ - 1, 4);
  return lp.bytes() > (size_t(4096) << level);
}

Quicklist::Node* Quicklist::NewNodeAfter(Node* after) {
  Node* n = new Node();
  if (!after) {
    n->next = head_;
    if (head_) head_->prev = n;
    head_ = n;
    if (!tail_) tail_ = n;
  } else {
    n->prev = after;
    n->next = after->next;
    if (after->next) {
      after->next->prev = n;
    } else {
      tail_ = n;
    }
    after->next = n;
  }
  ++nodes_;
  return n;
}

void Quicklist::Unlink(Node* n) {
  if (n->prev) {
    n->prev->next = n->next;
  } else {
    head_ = n->next;
  }
  if (n->next) {
    n->next->prev = n->prev;
  } else {
    tail_ = n->prev;
  }
  delete n;
  --nodes_;
}

void Quicklist::Split(Node* n) {
  size_t total = n->lp.size();
  size_t half = total / 2;
  Node* m = NewNodeAfter(n);
  char scratch[Listpack::kScratch];
  for (Listpack::Pos p = n->lp.Seek(long(half)); p != Listpack::kEnd; p = n->lp.Next(p)) {
    m->lp.PushBack(n->lp.Get(p, scratch));
  }
  n->lp.EraseRange(half, total - half);
}

void Quicklist::PushFront(std::string_view s) {
  if (!head_ || !Fits(head_->lp, s.size())) NewNodeAfter(nullptr);
  head_->lp.PushFront(s);
  ++count_;
}

void Quicklist::PushBack(std::string_view s) {
  if (!tail_ || !Fits(tail_->lp, s.size())) NewNodeAfter(tail_);
  tail_->lp.PushBack(s);
  ++count_;
}

void Quicklist::PopFront() {
  head_->lp.Erase(head_->lp.First());
  --count_;
  if (head_->lp.empty()) Unlink(head_);
}

void Quicklist::PopBack() {
  tail_->lp.Erase(tail_->lp.Last());
  --count_;
  if (tail_->lp.empty()) Unlink(tail_);
}

Quicklist::Cursor Quicklist::Front() const {
  if (!head_) return {};
  return {head_, head_->lp.First()};
}

Quicklist::Cursor Quicklist::Back() const {
  if (!tail_) return {};
  return {tail_, tail_->lp.Last()};
}

Quicklist::Cursor Quicklist::Next(Cursor c) const {
  Listpack::Pos p = c.node->lp.Next(c.pos);
  if (p != Listpack::kEnd) return {c.node, p};
  Node* n = c.node->next;  // nodes are never empty
  if (!n) return {};
  return {n, n->lp.First()};
}

Quicklist::Cursor Quicklist::Prev(Cursor c) const {
  Listpack::Pos p = c.node->lp.Prev(c.pos);
  if (p != Listpack::kEnd) return {c.node, p};
  Node* n = c.node->prev;
  if (!n) return {};
  return {n, n->lp.Last()};
}

Quicklist::Cursor Quicklist::At(long long index) const {
  long long n = (long long)count_;
  if (index < 0) index += n;
  if (index < 0 || index >= n) return {};
  if (index < n / 2) {
    Node* node = head_;
    size_t i = size_t(index);
    while (i >= node->lp.size()) {
      i -= node->lp.size();
      node = node->next;
    }
    return {node, node->lp.Seek(long(i))};
  }
  // From the tail: r counts elements after the wanted one.
  Node* node = tail_;
  size_t r = size_t(n - 1 - index);
  while (r >= node->lp.size()) {
    r -= node->lp.size();
    node = node->prev;
  }
  return {node, node->lp.Seek(-long(r) - 1)};
}

void Quicklist::Replace(Cursor c, std::string_view s) {
  c.node->lp.Replace(c.pos, s);
  if (OverLimit(c.node->lp)) Split(c.node);
}

void Quicklist::InsertAt(Cursor c, std::string_view s, bool after) {
  Node* n = c.node;
  Listpack::Pos at = after ? n->lp.Next(c.pos) : c.pos;  // kEnd appends
  ++count_;
  if (Fits(n->lp, s.size())) {
    n->lp.Insert(at, s);
    return;
  }
  // A full node: at its edges the neighbour (or a fresh node) takes the
  // element; inside, the node takes it and splits in two.
  if (at == Listpack::kEnd) {
    Node* m = n->next;
    if (!m || !Fits(m->lp, s.size())) m = NewNodeAfter(n);
    m->lp.PushFront(s);
  } else if (at == n->lp.First()) {
    Node* m = n->prev;
    if (!m || !Fits(m->lp, s.size())) m = NewNodeAfter(n->prev);
    m->lp.PushBack(s);
  } else {
    n->lp.Insert(at, s);
    if (OverLimit(n->lp)) Split(n);
  }
}

Quicklist::Cursor Quicklist::Erase(Cursor c) {
  Node* n = c.node;
  Listpack::Pos p = n->lp.Erase(c.pos);
  --count_;
  if (n->lp.empty()) {
    Node* next = n->next;
    Unlink(n);
    if (!next) return {};
    return {next, next->lp.First()};
  }
  if (p != Listpack::kEnd) return {n, p};
  if (!n->next) return {};
  return {n->next, n->next->lp.First()};
}

void Quicklist::EraseRange(size_t start, size_t n) {
  if (start >= count_) return;
  n = std::min(n, count_ - start);
  Node* node = head_;
  while (node && start >= node->lp.size()) {
    start -= node->lp.size();
    node = node->next;
  }
  while (node && n > 0) {
    size_t size = node->lp.size();
    size_t k = std::min(n, size - start);
    Node* next = node->next;
    if (start == 0 && k == size) {
      Unlink(node);
    } else {
      node->lp.EraseRange(start, k);
    }
    count_ -= k;
    n -= k;
    start = 0;
    node = next;
  }
}

size_t Quicklist::MemoryBytes() const {
  size_t total = sizeof(*this);
  for (const Node* n = head_; n; n = n->next) total += sizeof(Node) + n->lp.bytes();
  return total;
}

}  // namespace vireo
