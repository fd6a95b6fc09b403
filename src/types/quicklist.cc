#include "types/quicklist.h"

#include <liblzf/lzf.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
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

// Redis's limits: nodes under 48 bytes are not compressed, nor are nodes
// that compression would shrink by less than 8 bytes.
constexpr size_t kMinCompressBytes = 48;
constexpr size_t kMinCompressImprove = 8;

// Redis's default packed threshold (1 GB) and its upper bound (4 GB - 1 MB).
constexpr size_t kDefaultPackedThreshold = size_t(1) << 30;
size_t g_packed_threshold = kDefaultPackedThreshold;

// A compressed node's block: the raw listpack's size and element count, then
// the LZF bytes.
struct Compressed {
  uint32_t raw_bytes;
  uint32_t count;
  uint32_t lzf_bytes;
  char data[];
};

Compressed* BlockOf(const Quicklist::Node* n) {
  return reinterpret_cast<Compressed*>(n->aux & ~uintptr_t(7));
}

}  // namespace

// The open window: the nodes most recently decompressed for a cursor (or
// changed mid-list), most recent first, across all lists. Main thread only.
struct OpenWindow {
  struct Slot {
    const Quicklist* list;
    Quicklist::Node* node;
  };
  static Slot slots[Quicklist::kOpenWindow];
  static int used;

  static int Find(const Quicklist::Node* n) {
    for (int i = 0; i < used; ++i) {
      if (slots[i].node == n) return i;
    }
    return -1;
  }
  static void Remove(int i) {
    for (int j = i; j + 1 < used; ++j) slots[j] = slots[j + 1];
    --used;
  }
  // Puts (list, n) first; the slot pushed out is compressed again.
  static void Enter(const Quicklist* list, Quicklist::Node* n) {
    int i = Find(n);
    if (i == 0) return;
    if (i > 0) {
      Remove(i);
    } else if (used == Quicklist::kOpenWindow) {
      Slot out = slots[--used];
      if (out.list->Interior(out.node)) out.list->TryCompress(out.node);
    }
    for (int j = used; j > 0; --j) slots[j] = slots[j - 1];
    slots[0] = {list, n};
    ++used;
  }
  static void Forget(const Quicklist::Node* n) {
    int i = Find(n);
    if (i >= 0) Remove(i);
  }
  static void ForgetList(const Quicklist* list) {
    for (int i = 0; i < used;) {
      if (slots[i].list == list) {
        Remove(i);
      } else {
        ++i;
      }
    }
  }
};
OpenWindow::Slot OpenWindow::slots[Quicklist::kOpenWindow];
int OpenWindow::used = 0;

Quicklist::Node::~Node() { free(BlockOf(this)); }

size_t Quicklist::Node::count() const { return compressed() ? BlockOf(this)->count : lp.size(); }

bool Quicklist::SetPackedThreshold(unsigned long long bytes) {
  if (bytes > (1ULL << 32) - (1ULL << 20)) return false;
  g_packed_threshold = bytes == 0 ? kDefaultPackedThreshold : size_t(bytes);
  return true;
}

size_t Quicklist::packed_threshold() { return g_packed_threshold; }

Quicklist::Quicklist(int fill, int compress_depth)
    : fill_(int16_t(std::clamp(fill, -5, 32767))), depth_(uint16_t(std::clamp(compress_depth, 0, 65535))) {}

Quicklist::~Quicklist() { Clear(); }

Quicklist::Quicklist(const Quicklist& o) : fill_(o.fill_), depth_(o.depth_) {
  for (const Node* n = o.head_; n; n = n->next) {
    Node* m = NewNodeAfter(tail_);
    if (n->compressed()) {
      const Compressed* b = BlockOf(n);
      const size_t sz = sizeof(Compressed) + b->lzf_bytes;
      auto* copy = static_cast<Compressed*>(malloc(sz));
      if (!copy) abort();
      memcpy(copy, b, sz);
      m->aux = reinterpret_cast<uintptr_t>(copy);
    } else {
      m->lp = n->lp;
    }
    m->aux |= n->aux & kPlainBit;
  }
  count_ = o.count_;
  // Nodes open in o are raw here and not in the window: compress them now.
  if (depth_) {
    for (Node* n = head_; n; n = n->next) {
      if (!n->compressed() && Interior(n)) TryCompress(n);
    }
  }
}

void Quicklist::Clear() {
  if (depth_) OpenWindow::ForgetList(this);
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

void Quicklist::ReleaseForOtherThread() {
  if (depth_) OpenWindow::ForgetList(this);
  depth_ = 0;
}

// ---- compression ----

void Quicklist::Inflate(const Node* n, Listpack* out) {
  const Compressed* b = BlockOf(n);
  uint8_t* dst = out->AllocBlock(b->raw_bytes);
  if (lzf_decompress(b->data, b->lzf_bytes, dst, b->raw_bytes) != b->raw_bytes) abort();  // our own bytes
}

bool Quicklist::Interior(const Node* n) const {
  if (nodes_ <= 2u * depth_) return false;
  const Node* a = head_;
  const Node* z = tail_;
  for (int i = 0; i < depth_; ++i, a = a->next, z = z->prev) {
    if (a == n || z == n) return false;
  }
  return true;
}

void Quicklist::TryCompress(Node* n) const {
  if (n->compressed()) return;
  const std::string_view raw = n->lp.Block();
  if (raw.size() < kMinCompressBytes) return;
  auto* b = static_cast<Compressed*>(malloc(sizeof(Compressed) + raw.size()));
  if (!b) abort();
  const unsigned got = lzf_compress(raw.data(), unsigned(raw.size()), b->data, unsigned(raw.size()));
  if (got == 0 || got + kMinCompressImprove >= raw.size()) {
    free(b);
    return;
  }
  b->raw_bytes = uint32_t(raw.size());
  b->count = uint32_t(n->lp.size());
  b->lzf_bytes = got;
  void* shrunk = realloc(b, sizeof(Compressed) + got);
  if (shrunk) b = static_cast<Compressed*>(shrunk);
  n->lp.Clear();
  n->aux = reinterpret_cast<uintptr_t>(b) | (n->aux & kPlainBit);
}

void Quicklist::Decompress(Node* n) {
  Compressed* b = BlockOf(n);
  Inflate(n, &n->lp);
  free(b);
  n->aux &= kPlainBit;
}

void Quicklist::Open(Node* n) const {
  if (!depth_) return;
  if (n->compressed()) {
    Decompress(n);
  } else if (OpenWindow::Find(n) < 0) {
    return;  // a raw end node, or one that does not compress
  }
  OpenWindow::Enter(this, n);
}

void Quicklist::Touched(Node* n) const {
  if (depth_ && Interior(n)) OpenWindow::Enter(this, n);
}

void Quicklist::Hold(Node* n) const {
  if (depth_) OpenWindow::Enter(this, n);
}

void Quicklist::Settle() {
  if (!depth_) return;
  // The ends raw; the first few nodes past them compressed unless open
  // (a mutation moves at most a couple of nodes across each boundary).
  Node* a = head_;
  Node* z = tail_;
  for (int i = 0; i < depth_ && a; ++i, a = a->next, z = z->prev) {
    if (a->compressed()) Decompress(a);
    if (z->compressed()) Decompress(z);
  }
  if (nodes_ <= 2u * depth_) return;
  for (int i = 0; i < 3 && a && z; ++i, a = a->next, z = z->prev) {
    if (Interior(a) && OpenWindow::Find(a) < 0) TryCompress(a);
    if (Interior(z) && OpenWindow::Find(z) < 0) TryCompress(z);
  }
}

// ---- shape ----

bool Quicklist::Fits(const Node* n, size_t len) const {
  if (n->plain() || len >= g_packed_threshold) return false;
  const Listpack& lp = n->lp;
  if (lp.empty()) return true;
  // Whole allocation (header included), as Redis counts its listpack bytes;
  // a full -2 node then fills exactly one 8 KB allocator size class.
  size_t need = lp.bytes() + ElementCost(len);
  if (fill_ >= 0) return lp.size() < size_t(std::max<int>(fill_, 1)) && need <= kSafetyBytes;
  int level = std::min(-fill_ - 1, 4);  // -1..-5 -> 4..64 KB
  return need <= (size_t(4096) << level);
}

bool Quicklist::OverLimit(const Listpack& lp) const {
  if (lp.size() <= 1) return false;
  if (fill_ >= 0) return lp.size() > size_t(std::max<int>(fill_, 1)) || lp.bytes() > kSafetyBytes;
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
  if (depth_) OpenWindow::Forget(n);
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

Quicklist::Node* Quicklist::SplitAt(Node* n, size_t at) {
  const size_t total = n->lp.size();
  Node* m = NewNodeAfter(n);
  char scratch[Listpack::kScratch];
  for (Listpack::Pos p = n->lp.Seek(long(at)); p != Listpack::kEnd; p = n->lp.Next(p)) {
    m->lp.PushBack(n->lp.Get(p, scratch));
  }
  n->lp.EraseRange(at, total - at);
  Touched(m);
  return m;
}

void Quicklist::Split(Node* n) { SplitAt(n, n->lp.size() / 2); }

// ---- mutations ----

void Quicklist::PushFront(std::string_view s) {
  if (!head_ || !Fits(head_, s.size())) {
    NewNodeAfter(nullptr);
    if (s.size() >= g_packed_threshold) head_->aux |= kPlainBit;
  }
  head_->lp.PushFront(s);
  ++count_;
  if (head_->lp.size() == 1) Settle();  // a new node shifted the others
}

void Quicklist::PushBack(std::string_view s) {
  if (!tail_ || !Fits(tail_, s.size())) {
    NewNodeAfter(tail_);
    if (s.size() >= g_packed_threshold) tail_->aux |= kPlainBit;
  }
  tail_->lp.PushBack(s);
  ++count_;
  if (tail_->lp.size() == 1) Settle();
}

void Quicklist::AppendNode(std::string_view s, bool plain) {
  Node* n = NewNodeAfter(tail_);
  if (plain) n->aux |= kPlainBit;
  n->lp.PushBack(s);
  ++count_;
  Settle();
}

void Quicklist::PopFront() {
  head_->lp.Erase(head_->lp.First());
  --count_;
  if (head_->lp.empty()) {
    Unlink(head_);
    Settle();
  }
}

void Quicklist::PopBack() {
  tail_->lp.Erase(tail_->lp.Last());
  --count_;
  if (tail_->lp.empty()) {
    Unlink(tail_);
    Settle();
  }
}

void Quicklist::Replace(Cursor c, std::string_view s) {
  Node* n = c.node;
  Hold(n);
  const bool large = s.size() >= g_packed_threshold;
  if (n->plain() == large) {
    // Like for like: a packed element stays packed, a plain node keeps its
    // one (large) element.
    n->lp.Replace(c.pos, s);
    if (OverLimit(n->lp)) Split(n);
    Touched(n);
    Settle();
    return;
  }
  // A large value into a packed node, or a small one into a plain node: the
  // new element goes in after the old one (in a node of the right kind), and
  // the old one goes, as Redis does. Erasing keeps c.pos valid: the insert
  // leaves the elements up to c where they are.
  InsertAt(c, s, true);
  Erase(c);
}

void Quicklist::InsertPlainNode(Node* n, std::string_view s, bool after) {
  Node* m = NewNodeAfter(after ? n : n->prev);
  m->aux |= kPlainBit;
  m->lp.PushBack(s);
  Touched(m);
}

void Quicklist::InsertAt(Cursor c, std::string_view s, bool after) {
  Node* n = c.node;
  Hold(n);
  Listpack::Pos at = after ? n->lp.Next(c.pos) : c.pos;  // kEnd appends
  ++count_;
  if (s.size() >= g_packed_threshold) {
    // A large element gets a plain node next to n; inside a packed node, n
    // splits around it.
    if (n->plain() || at == Listpack::kEnd || at == n->lp.First()) {
      InsertPlainNode(n, s, at == Listpack::kEnd);
    } else {
      size_t index = 0;
      for (Listpack::Pos p = n->lp.First(); p != at; p = n->lp.Next(p)) ++index;
      SplitAt(n, index);
      InsertPlainNode(n, s, true);
    }
    Settle();
    return;
  }
  if (Fits(n, s.size())) {
    n->lp.Insert(at, s);
    Touched(n);
    Settle();
    return;
  }
  // A full (or plain) node: at its edges the neighbour (or a fresh node)
  // takes the element; inside, the node takes it and splits in two.
  if (at == Listpack::kEnd) {
    Node* m = n->next;
    if (m) Open(m);
    if (!m || !Fits(m, s.size())) m = NewNodeAfter(n);
    m->lp.PushFront(s);
    Touched(m);
  } else if (at == n->lp.First()) {
    Node* m = n->prev;
    if (m) Open(m);
    if (!m || !Fits(m, s.size())) m = NewNodeAfter(n->prev);
    m->lp.PushBack(s);
    Touched(m);
  } else {
    n->lp.Insert(at, s);
    if (OverLimit(n->lp)) Split(n);
    Touched(n);
  }
  Settle();
}

Quicklist::Cursor Quicklist::Erase(Cursor c) {
  Node* n = c.node;
  Hold(n);
  Listpack::Pos p = n->lp.Erase(c.pos);
  --count_;
  Cursor out;
  if (n->lp.empty()) {
    Node* next = n->next;
    Unlink(n);
    if (next) {
      Open(next);
      out = {next, next->lp.First()};
    }
  } else if (p != Listpack::kEnd) {
    out = {n, p};
  } else if (n->next) {
    Open(n->next);
    out = {n->next, n->next->lp.First()};
  }
  Settle();
  return out;
}

void Quicklist::EraseRange(size_t start, size_t n) {
  if (start >= count_) return;
  n = std::min(n, count_ - start);
  Node* node = head_;
  while (node && start >= node->count()) {
    start -= node->count();
    node = node->next;
  }
  while (node && n > 0) {
    size_t size = node->count();
    size_t k = std::min(n, size - start);
    Node* next = node->next;
    if (start == 0 && k == size) {
      Unlink(node);
    } else {
      Open(node);
      node->lp.EraseRange(start, k);
    }
    count_ -= k;
    n -= k;
    start = 0;
    node = next;
  }
  Settle();
}

// ---- reading ----

Quicklist::Cursor Quicklist::Front() const {
  if (!head_) return {};
  return {head_, head_->lp.First()};  // an end node: never compressed
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
  Open(n);
  return {n, n->lp.First()};
}

Quicklist::Cursor Quicklist::Prev(Cursor c) const {
  Listpack::Pos p = c.node->lp.Prev(c.pos);
  if (p != Listpack::kEnd) return {c.node, p};
  Node* n = c.node->prev;
  if (!n) return {};
  Open(n);
  return {n, n->lp.Last()};
}

Quicklist::Cursor Quicklist::At(long long index) const {
  long long n = (long long)count_;
  if (index < 0) index += n;
  if (index < 0 || index >= n) return {};
  if (index < n / 2) {
    Node* node = head_;
    size_t i = size_t(index);
    while (i >= node->count()) {
      i -= node->count();
      node = node->next;
    }
    Open(node);
    return {node, node->lp.Seek(long(i))};
  }
  // From the tail: r counts elements after the wanted one.
  Node* node = tail_;
  size_t r = size_t(n - 1 - index);
  while (r >= node->count()) {
    r -= node->count();
    node = node->prev;
  }
  Open(node);
  return {node, node->lp.Seek(-long(r) - 1)};
}

size_t Quicklist::UncompressedBytes() const {
  size_t total = 0;
  for (const Node* n = head_; n; n = n->next) total += n->compressed() ? BlockOf(n)->raw_bytes : n->lp.bytes();
  return total;
}

size_t Quicklist::MemoryBytes() const {
  size_t total = sizeof(*this);
  for (const Node* n = head_; n; n = n->next) {
    total += sizeof(Node) + (n->compressed() ? sizeof(Compressed) + BlockOf(n)->lzf_bytes : n->lp.bytes());
  }
  return total;
}

}  // namespace vireo
