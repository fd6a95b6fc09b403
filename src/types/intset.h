// Intset: a set of 64-bit integers kept as one sorted, packed array — the
// small encoding of sets whose members are all integers (OBJECT ENCODING
// "intset"). Every element has the width of the widest one (2, 4 or 8
// bytes); adding a wider value upgrades the whole array, and nothing ever
// narrows it again (as in Redis). Lookups are binary searches; adds and
// removes move the tail, which is cheap at the sizes this encoding is used
// for (set-max-intset-entries, 512 by default).
//
// An Intset is a single variable-size allocation: an 8-byte header followed
// by the elements. Its first byte is always kTag, so that an owner that keeps
// intsets and other objects behind one pointer can tell them apart. Writes
// may move the set: they return the new address, and the old one is invalid.
// Thread rule: none (a value owned by one key; main thread).
#pragma once
#include <cstddef>
#include <cstdint>

namespace vireo {

class Intset {
 public:
  static constexpr uint8_t kTag = 0xA5;

  static Intset* Create();
  static void Destroy(Intset* s);
  Intset* Clone() const;

  size_t size() const { return count_; }
  // Bytes per element: 2, 4 or 8.
  size_t width() const { return width_; }
  // Bytes of the allocation (header and elements).
  size_t bytes() const { return kHeaderBytes + size_t(width_) * count_; }

  // The i-th smallest element (i < size()).
  int64_t At(size_t i) const;
  bool Contains(int64_t v) const;

  // Inserts v unless present; *added tells which. Returns the set's address.
  [[nodiscard]] Intset* Add(int64_t v, bool* added);
  // Removes v if present; *removed tells which. Returns the set's address.
  [[nodiscard]] Intset* Remove(int64_t v, bool* removed);
  // Removes the i-th smallest element (i < size()).
  [[nodiscard]] Intset* RemoveAt(size_t i);

 private:
  static constexpr size_t kHeaderBytes = 8;
  Intset() = default;

  static uint8_t WidthFor(int64_t v);
  // Index of v if present (true), else where it would go (false).
  bool Search(int64_t v, size_t* pos) const;
  void Set(size_t i, int64_t v);
  uint8_t* data() { return reinterpret_cast<uint8_t*>(this) + kHeaderBytes; }
  const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(this) + kHeaderBytes; }
  // Reallocates for `count` elements of `width` bytes; contents up to the old size kept.
  Intset* Resize(size_t count);

  uint8_t tag_ = kTag;
  uint8_t width_ = 2;
  uint16_t reserved_ = 0;
  uint32_t count_ = 0;
};
static_assert(sizeof(Intset) == 8);

}  // namespace vireo
