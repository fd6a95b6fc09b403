// Unit tests for the bit helpers of types/bitops.h, checked against a
// bit-by-bit reference over random buffers and unaligned ranges.
#include "types/bitops.h"

#include <cstdint>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace vireo::bits {
namespace {

int RefBit(const std::vector<uint8_t>& v, uint64_t i) { return (v[i >> 3] >> (7 - (i & 7))) & 1; }

TEST(BitopsTest, PopcountMatchesReference) {
  std::mt19937_64 rng(7);
  for (size_t n : {0, 1, 7, 8, 9, 31, 32, 33, 100, 1000}) {
    std::vector<uint8_t> v(n);
    for (auto& b : v) b = uint8_t(rng());
    uint64_t ref = 0;
    for (uint64_t i = 0; i < n * 8; ++i) ref += uint64_t(RefBit(v, i));
    EXPECT_EQ(Popcount(v.data(), n), ref) << n;
  }
}

TEST(BitopsTest, RangesAndSearchMatchReference) {
  std::mt19937_64 rng(11);
  std::vector<uint8_t> v(80);
  for (int round = 0; round < 2000; ++round) {
    // Sparse, dense and mixed buffers so searches both hit and miss.
    int kind = round % 3;
    for (auto& b : v) b = kind == 0 ? (rng() % 50 == 0 ? uint8_t(rng()) : 0) : kind == 1 ? uint8_t(~(rng() % 50 == 0 ? uint8_t(rng()) : 0)) : uint8_t(rng());
    uint64_t a = rng() % 640, b = rng() % 640;
    if (a > b) std::swap(a, b);
    uint64_t ref = 0;
    int64_t first1 = -1, first0 = -1;
    for (uint64_t i = a; i <= b; ++i) {
      int bit = RefBit(v, i);
      ref += uint64_t(bit);
      if (bit && first1 < 0) first1 = int64_t(i);
      if (!bit && first0 < 0) first0 = int64_t(i);
    }
    EXPECT_EQ(PopcountRange(v.data(), a, b), ref);
    EXPECT_EQ(FindBit(v.data(), a, b, 1), first1);
    EXPECT_EQ(FindBit(v.data(), a, b, 0), first0);
  }
}

TEST(BitopsTest, FieldsRoundTrip) {
  std::mt19937_64 rng(3);
  std::vector<uint8_t> v(20);
  for (int round = 0; round < 5000; ++round) {
    int width = int(rng() % 64) + 1;
    uint64_t offset = rng() % 80;
    uint64_t value = rng();
    if (width < 64) value &= (uint64_t(1) << width) - 1;
    std::vector<uint8_t> before = v;
    SetField(v.data(), offset, width, value);
    EXPECT_EQ(GetUnsigned(v.data(), offset, width), value);
    // Bits outside the field are untouched.
    for (uint64_t i = 0; i < v.size() * 8; ++i) {
      if (i < offset || i >= offset + uint64_t(width)) {
        ASSERT_EQ(RefBit(v, i), RefBit(before, i));
      }
    }
    int64_t s = GetSigned(v.data(), offset, width);
    if (width < 64 && (value >> (width - 1)) & 1) {
      EXPECT_EQ(uint64_t(s), value | (~uint64_t(0) << width));
    } else {
      EXPECT_EQ(uint64_t(s), value);
    }
  }
}

TEST(BitopsTest, OverflowRules) {
  // Values from redis-server 7.0.15 (BITFIELD ... OVERFLOW WRAP|SAT|FAIL).
  EXPECT_EQ(int64_t(AddSigned(100, 100, 8, Overflow::kWrap).bits), -56);
  EXPECT_EQ(int64_t(AddSigned(100, 100, 8, Overflow::kSat).bits), 127);
  EXPECT_TRUE(AddSigned(100, 100, 8, Overflow::kFail).overflowed);
  EXPECT_FALSE(AddSigned(100, 27, 8, Overflow::kFail).overflowed);
  EXPECT_EQ(int64_t(AddSigned(-100, -300, 8, Overflow::kSat).bits), -128);
  EXPECT_EQ(int64_t(AddSigned(INT64_MAX, 1, 64, Overflow::kWrap).bits), INT64_MIN);
  EXPECT_EQ(int64_t(AddSigned(INT64_MIN, INT64_MIN, 64, Overflow::kSat).bits), INT64_MIN);
  // Redis's quirk: a SET value far below a narrow field's range saturates to the maximum.
  EXPECT_EQ(int64_t(AddSigned(INT64_MIN, 0, 24, Overflow::kSat).bits), 8388607);
  EXPECT_EQ(int64_t(AddSigned(-1000, 0, 24, Overflow::kSat).bits), -1000);
  EXPECT_EQ(int64_t(AddSigned(-9000000, 0, 24, Overflow::kSat).bits), -8388608);
  EXPECT_EQ(AddUnsigned(3, 1, 2, Overflow::kWrap).bits, 0u);
  EXPECT_EQ(AddUnsigned(3, 1, 2, Overflow::kSat).bits, 3u);
  EXPECT_EQ(AddUnsigned(0, -9, 2, Overflow::kSat).bits, 0u);
  EXPECT_EQ(AddUnsigned(0, -1, 8, Overflow::kWrap).bits, 255u);
  // SET u8 -1 is the 64-bit pattern of -1: too big, saturates to the maximum.
  EXPECT_EQ(AddUnsigned(uint64_t(-1), 0, 8, Overflow::kSat).bits, 255u);
  EXPECT_EQ(AddUnsigned(uint64_t(INT64_MAX), 3, 63, Overflow::kWrap).bits, 2u);
}

}  // namespace
}  // namespace vireo::bits
