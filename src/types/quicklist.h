// Quicklist: the list value (OBJECT ENCODING "quicklist", which Redis 7.0
// reports for every list): a doubly linked list of Listpack nodes. Pushes and
// pops at either end touch one node; indexed access walks whole nodes by
// their counts, so it costs O(nodes + node size) instead of O(elements).
//
// Node size follows list-max-listpack-size ("fill"): a positive fill caps the
// elements per node (and the node stays under 8 KB as a safety limit), a
// negative fill -1..-5 caps the node's bytes at 4, 8, 16, 32 or 64 KB. The
// fill and list-compress-depth are taken when the list is created, as Redis
// does.
//
// Plain nodes: an element of packed_threshold() bytes or more (1 GB unless
// DEBUG QUICKLIST-PACKED-THRESHOLD changes it) gets a node of its own that no
// other element joins, as in Redis.
//
// Compression (list-compress-depth = d > 0): the d nodes at each end stay
// raw; the nodes between are kept LZF-compressed (Debian's liblzf) when that
// saves at least 8 bytes of a node of 48 bytes or more, as Redis does. A
// compressed node is opened (decompressed) when a cursor reaches it and
// joins a small process-wide window of open nodes; the node leaving that
// window is compressed again. So a cursor stays usable while the caller
// takes up to kOpenWindow - 1 more cursors in other nodes, and at most
// kOpenWindow interior nodes are raw at a time. Every mutation ends by
// re-establishing the raw ends (Settle), which costs O(d).
//
// Cursors (node + offset) are valid until the next mutation, except where a
// mutation returns a cursor to continue from.
// Thread rule: main thread (a value owned by one key; the open window is
// main-thread state). A list handed to another thread to be freed must first
// go through ReleaseForOtherThread().
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "types/listpack.h"

namespace vireo {

class Quicklist {
 public:
  struct Node {
    Node* prev = nullptr;
    Node* next = nullptr;
    Listpack lp;        // the elements; empty while the node is compressed
    uintptr_t aux = 0;  // compressed block pointer | kPlainBit

    Node() = default;
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;
    ~Node();
    bool plain() const { return aux & kPlainBit; }
    bool compressed() const { return (aux & ~uintptr_t(7)) != 0; }
    size_t count() const;  // elements, compressed or not
  };
  // One element's position. An invalid cursor (node == nullptr) means "none".
  struct Cursor {
    Node* node = nullptr;
    Listpack::Pos pos = Listpack::kEnd;
    bool valid() const { return node != nullptr; }
  };
  static constexpr uintptr_t kPlainBit = 1;
  static constexpr int kOpenWindow = 4;

  explicit Quicklist(int fill = -2, int compress_depth = 0);
  ~Quicklist();
  Quicklist(const Quicklist& o);
  Quicklist& operator=(const Quicklist&) = delete;

  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  size_t node_count() const { return nodes_; }
  int fill() const { return fill_; }
  int compress_depth() const { return depth_; }

  // DEBUG QUICKLIST-PACKED-THRESHOLD: process-wide, as in Redis. Returns
  // false (and keeps the old value) outside 1 .. 4 GB - 1 MB; 0 restores 1 GB.
  static bool SetPackedThreshold(unsigned long long bytes);
  static size_t packed_threshold();

  void PushFront(std::string_view s);
  void PushBack(std::string_view s);
  // Appends a node holding just s, plain (RDB's PLAIN container) or not.
  void AppendNode(std::string_view s, bool plain);
  // Remove the first / last element (the list must not be empty).
  void PopFront();
  void PopBack();

  Cursor Front() const;
  Cursor Back() const;
  Cursor Next(Cursor c) const;
  Cursor Prev(Cursor c) const;
  // The element at index (negative counts from the end); invalid if out of range.
  Cursor At(long long index) const;

  // The element's text; integers are formatted into scratch (Listpack::kScratch bytes).
  std::string_view Get(Cursor c, char* scratch) const { return c.node->lp.Get(c.pos, scratch); }
  bool Equals(Cursor c, std::string_view s) const { return c.node->lp.Equals(c.pos, s); }

  // Replaces the element's value (LSET).
  void Replace(Cursor c, std::string_view s);
  // Inserts s next to the element (LINSERT).
  void InsertBefore(Cursor c, std::string_view s) { InsertAt(c, s, false); }
  void InsertAfter(Cursor c, std::string_view s) { InsertAt(c, s, true); }
  // Removes the element; returns the cursor of the element that followed it
  // (invalid if it was the last).
  Cursor Erase(Cursor c);
  // Removes n elements starting at index start (clamped to the list).
  void EraseRange(size_t start, size_t n);
  void Clear();

  // Calls fn(const Listpack& elements, bool plain) for each node, head to
  // tail; a compressed node is decompressed into a temporary (the list is
  // not changed, no cursor is disturbed). For writers (RDB, AOF, digests).
  template <class F>
  void ForEachNode(F&& fn) const {
    for (const Node* n = head_; n; n = n->next) {
      if (n->compressed()) {
        Listpack tmp;
        Inflate(n, &tmp);
        fn(static_cast<const Listpack&>(tmp), n->plain());
      } else {
        fn(n->lp, n->plain());
      }
    }
  }
  // Bytes of the nodes' listpacks as if none were compressed (DEBUG OBJECT's
  // ql_uncompressed_size).
  size_t UncompressedBytes() const;

  // Bytes held by the list (header, nodes and their buffers).
  size_t MemoryBytes() const;

  // Drops this list's nodes from the open window so that another thread may
  // free it; the list must not be used on this thread afterwards.
  void ReleaseForOtherThread();

 private:
  friend struct OpenWindow;
  // Whether node n may take one more element of `len` bytes.
  bool Fits(const Node* n, size_t len) const;
  bool OverLimit(const Listpack& lp) const;
  Node* NewNodeAfter(Node* after);  // after == nullptr: new head
  void Unlink(Node* n);             // frees n
  // Moves the elements from index `at` on into a new node after n.
  Node* SplitAt(Node* n, size_t at);
  void Split(Node* n);
  void InsertAt(Cursor c, std::string_view s, bool after);
  void InsertPlainNode(Node* n, std::string_view s, bool after);

  // Compression (no-ops while depth_ == 0).
  static void Inflate(const Node* n, Listpack* out);
  static void Decompress(Node* n);  // in place, outside the window
  void Open(Node* n) const;       // decompress if needed, enter the window
  void Touched(Node* n) const;    // a node changed or created mid-list
  // The node of a mutation's cursor enters the window whatever its place, so
  // that nothing the mutation does (new nodes shifting it inward, Settle)
  // compresses it under the cursor.
  void Hold(Node* n) const;
  bool Interior(const Node* n) const;
  void TryCompress(Node* n) const;
  // After a change in the number of nodes: the depth_ nodes at each end
  // raw, the next few compressed unless open.
  void Settle();

  Node* head_ = nullptr;
  Node* tail_ = nullptr;
  size_t count_ = 0;
  uint32_t nodes_ = 0;
  int16_t fill_;
  uint16_t depth_;
};

}  // namespace vireo
