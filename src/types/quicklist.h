// Quicklist: the list value (OBJECT ENCODING "quicklist", which Redis 7.0
// reports for every list): a doubly linked list of Listpack nodes. Pushes and
// pops at either end touch one node; indexed access walks whole nodes by
// their counts, so it costs O(nodes + node size) instead of O(elements).
//
// Node size follows list-max-listpack-size ("fill"): a positive fill caps the
// elements per node (and the node stays under 8 KB as a safety limit), a
// negative fill -1..-5 caps the node's bytes at 4, 8, 16, 32 or 64 KB. The
// fill is taken when the list is created, as Redis does.
//
// Cursors (node + offset) are valid until the next mutation, except where a
// mutation returns a cursor to continue from.
// Thread rule: none (a value owned by one key; main thread).
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
    Listpack lp;
  };
  // One element's position. An invalid cursor (node == nullptr) means "none".
  struct Cursor {
    Node* node = nullptr;
    Listpack::Pos pos = Listpack::kEnd;
    bool valid() const { return node != nullptr; }
  };

  explicit Quicklist(int fill = -2) : fill_(fill) {}
  ~Quicklist();
  Quicklist(const Quicklist& o);
  Quicklist& operator=(const Quicklist&) = delete;

  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  size_t node_count() const { return nodes_; }
  int fill() const { return fill_; }

  void PushFront(std::string_view s);
  void PushBack(std::string_view s);
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

  // Bytes held by the list (header, nodes and their buffers).
  size_t MemoryBytes() const;

 private:
  // Whether a node holding `lp` may take one more element of `len` bytes.
  bool Fits(const Listpack& lp, size_t len) const;
  bool OverLimit(const Listpack& lp) const;
  Node* NewNodeAfter(Node* after);  // after == nullptr: new head
  void Unlink(Node* n);             // frees n
  // Moves the second half of n into a new node after it.
  void Split(Node* n);
  void InsertAt(Cursor c, std::string_view s, bool after);

  Node* head_ = nullptr;
  Node* tail_ = nullptr;
  size_t count_ = 0;
  uint32_t nodes_ = 0;
  int32_t fill_;
};

}  // namespace vireo
