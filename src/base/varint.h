// LEB128-style unsigned varints (7 bits a byte, low bits first, high bit =
// more bytes follow): the length prefixes of Entry's inline strings and the
// headers of Listpack elements.
// Thread rule: pure functions, safe from any thread.
#pragma once
#include <cstddef>
#include <cstdint>

namespace vireo {

inline size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Writes v at p and returns the byte after it.
inline uint8_t* PutVarint(uint8_t* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = uint8_t(v | 0x80);
    v >>= 7;
  }
  *p++ = uint8_t(v);
  return p;
}

// Reads a varint at p into *v and returns the byte after it.
template <typename T>
inline const uint8_t* GetVarint(const uint8_t* p, T* v) {
  uint64_t r = 0;
  int shift = 0;
  while (*p & 0x80) {
    r |= uint64_t(*p++ & 0x7F) << shift;
    shift += 7;
  }
  *v = T(r | (uint64_t(*p++) << shift));
  return p;
}

}  // namespace vireo
