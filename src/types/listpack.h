// Listpack: a compact sequence of string-or-integer elements in one
// contiguous allocation — the small encoding of lists, hashes and sorted sets
// (OBJECT ENCODING "listpack"). An element costs its bytes plus 2-3 bytes of
// framing; strings that are canonical 64-bit integers are stored as varints.
// Elements are addressed by byte offsets (Pos), valid until the next
// mutation; every mutation returns the offsets the caller needs next.
// The object itself is one pointer (to [u32 bytes][u32 count][elements]),
// so a small collection costs one allocation sized to its contents.
// Thread rule: none (a value owned by one key; main thread).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace vireo {

class Listpack {
 public:
  using Pos = uint32_t;
  static constexpr Pos kEnd = UINT32_MAX;
  static constexpr size_t kScratch = 24;  // bytes a caller's scratch buffer needs

  Listpack() = default;
  ~Listpack();
  Listpack(const Listpack& o);
  Listpack& operator=(const Listpack& o);
  Listpack(Listpack&& o) noexcept;
  Listpack& operator=(Listpack&& o) noexcept;

  size_t size() const { return buf_ ? Count() : 0; }  // number of elements
  bool empty() const { return size() == 0; }
  size_t bytes() const { return buf_ ? kHeader + Len() : 0; }  // bytes allocated
  size_t used_bytes() const { return buf_ ? Len() : 0; }        // bytes of elements

  // Iteration (kEnd when there is none).
  Pos First() const { return buf_ && Len() ? 0 : kEnd; }
  Pos Last() const;
  Pos Next(Pos p) const;
  Pos Prev(Pos p) const;
  // The element at index (negative counts from the end), kEnd if out of range.
  Pos Seek(long index) const;

  // The element's text; integers are formatted into scratch (kScratch bytes).
  std::string_view Get(Pos p, char* scratch) const;
  // True when the element is stored as an integer (its value in *v).
  bool GetInt(Pos p, long long* v) const;
  // Compares the element with s without formatting when possible.
  bool Equals(Pos p, std::string_view s) const;
  // First element equal to s, from `from`, comparing every (skip+1)-th element
  // (skip=1 visits fields of field/value pairs). kEnd if none.
  Pos Find(std::string_view s, Pos from = 0, size_t skip = 0) const;

  void PushBack(std::string_view s) { Insert(kEnd, s); }
  void PushFront(std::string_view s) { Insert(First(), s); }
  // Inserts s before `before` (kEnd appends); returns the new element's position.
  Pos Insert(Pos before, std::string_view s);
  // Removes the element; returns the position of the one after it (or kEnd).
  Pos Erase(Pos p);
  // Removes count elements starting at index start (start >= 0, clamped).
  void EraseRange(size_t start, size_t count);
  // Replaces the element's value; returns its (unchanged) position.
  Pos Replace(Pos p, std::string_view s);
  void Clear();

  // The whole block (header and elements) as bytes, empty when the listpack
  // is: what a compressed quicklist node keeps. AllocBlock(n) drops the
  // contents and returns an uninitialized block of n bytes that the caller
  // fills with the bytes of an earlier Block().
  std::string_view Block() const {
    return buf_ ? std::string_view(reinterpret_cast<const char*>(buf_), bytes()) : std::string_view();
  }
  uint8_t* AllocBlock(size_t n);

 private:
  static constexpr size_t kHeader = 8;
  size_t EntrySize(Pos p) const;
  // Resizes the block to hold len bytes of elements (contents kept).
  void Resize(size_t len);
  uint32_t Len() const;
  uint32_t Count() const;
  void SetLen(uint32_t v);
  void SetCount(uint32_t v);
  uint8_t* data() const { return buf_ + kHeader; }

  uint8_t* buf_ = nullptr;  // [u32 len][u32 count][elements]; nullptr when empty
};

}  // namespace vireo
