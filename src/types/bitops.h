// Bit-level helpers over byte strings, as Redis's bitmap commands see them:
// bit 0 is the most significant bit of byte 0. Pure functions on caller
// memory, no protocol knowledge; the bitmap command family
// (commands/bitmap/) builds SETBIT/BITCOUNT/BITPOS/BITOP/BITFIELD on them.
// Thread rule: none (no state).
#pragma once
#include <cstddef>
#include <cstdint>

namespace vireo::bits {

// Number of set bits in n bytes (hardware popcount, 8 bytes at a time).
uint64_t Popcount(const uint8_t* p, size_t n);

// Set bits of the bit range [first, last] (inclusive, first <= last,
// last < 8*len of the buffer behind p).
uint64_t PopcountRange(const uint8_t* p, uint64_t first, uint64_t last);

// Index of the first bit equal to `bit` in the bit range [first, last]
// (inclusive), or -1 if there is none.
int64_t FindBit(const uint8_t* p, uint64_t first, uint64_t last, int bit);

// Unsigned value of the `width` (1..64) bits at bit `offset`, most
// significant first. The bytes touched must exist.
uint64_t GetUnsigned(const uint8_t* p, uint64_t offset, int width);
// Two's-complement value of the `width` bits at `offset`.
int64_t GetSigned(const uint8_t* p, uint64_t offset, int width);
// Writes the low `width` bits of v at `offset`.
void SetField(uint8_t* p, uint64_t offset, int width, uint64_t v);

// Result of adding incr to value in a `width`-bit field under BITFIELD's
// overflow rules. `value` is the field's current value (or, for SET, the
// requested one, which is checked against the field's range the same way).
enum class Overflow { kWrap, kSat, kFail };
struct FieldResult {
  bool overflowed;  // the exact result did not fit
  uint64_t bits;    // the value to store and reply (as int64 when signed)
};
FieldResult AddUnsigned(uint64_t value, int64_t incr, int width, Overflow mode);
FieldResult AddSigned(int64_t value, int64_t incr, int width, Overflow mode);

}  // namespace vireo::bits
