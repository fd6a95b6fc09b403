// Unit tests for types/hyperloglog: the empty value's bytes, sparse and
// dense agreeing register by register, corruption detection, and the
// estimate's error bound. Exact bytes and estimates against redis-server
// are checked by tests/integration/test_hll_estimates.py and hll.txt.
#include "types/hyperloglog.h"

#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace vireo::hll {
namespace {

TEST(HyperLogLogTest, EmptySparseValue) {
  std::string v = NewSparse();
  // Bytes of a fresh key as redis-server 7.0.15 stores it (before PFADD's invalidation).
  EXPECT_EQ(v, std::string("HYLL\x01\0\0\0\0\0\0\0\0\0\0\0\x7f\xff", 18));
  EXPECT_TRUE(LooksValid(v));
  EXPECT_TRUE(CacheValid(v));
  bool invalid = false;
  EXPECT_EQ(Count(v, &invalid), 0u);
  EXPECT_FALSE(invalid);
  EXPECT_EQ(DecodeSparse(v), "Z:16384");
}

TEST(HyperLogLogTest, SparseAndDenseAgree) {
  std::string sparse = NewSparse(), dense = NewSparse();
  ASSERT_TRUE(ToDense(dense));
  EXPECT_EQ(dense.size(), kDenseSize);
  for (int i = 0; i < 3000; ++i) {
    std::string e = "e" + std::to_string(i);
    int a = Add(sparse, e, 1u << 30), b = Add(dense, e, 1u << 30);
    ASSERT_EQ(a, b) << i;
  }
  std::vector<uint8_t> m1(kRegisters, 0), m2(kRegisters, 0);
  ASSERT_TRUE(MergeInto(m1.data(), sparse));
  ASSERT_TRUE(MergeInto(m2.data(), dense));
  EXPECT_EQ(m1, m2);
  bool invalid = false;
  EXPECT_EQ(Count(sparse, &invalid), Count(dense, &invalid));
  EXPECT_EQ(CountRegisters(m1.data()), Count(dense, &invalid));
  std::string converted = sparse;
  ASSERT_TRUE(ToDense(converted));
  EXPECT_EQ(converted.substr(kHeaderSize), dense.substr(kHeaderSize));
}

TEST(HyperLogLogTest, SparseLimitPromotes) {
  std::string v = NewSparse();
  for (int i = 0; i < 200; ++i) Add(v, std::to_string(i), 100);
  EXPECT_EQ(Encoding(v), kDense);
  EXPECT_EQ(v.size(), kDenseSize);
}

TEST(HyperLogLogTest, CorruptSparseIsReported) {
  std::string v = NewSparse();
  v.back() = char(0xfe);  // runs cover 16383 registers
  bool invalid = false;
  Count(v, &invalid);
  EXPECT_TRUE(invalid);
  std::vector<uint8_t> m(kRegisters, 0);
  EXPECT_FALSE(MergeInto(m.data(), v));
  std::string d = v;
  EXPECT_FALSE(ToDense(d));
  std::string w = NewSparse();
  w += char(0x80);  // one register too many
  EXPECT_FALSE(MergeInto(m.data(), w));
  EXPECT_FALSE(LooksValid("HYLL\x00"));
  EXPECT_FALSE(LooksValid(std::string("HYLL\x02\0\0\0\0\0\0\0\0\0\0\0", 16)));
  EXPECT_FALSE(LooksValid(std::string("HYLL\x00\0\0\0\0\0\0\0\0\0\0\0", 16)));
}

TEST(HyperLogLogTest, CachedCardinalityBytes) {
  std::string v = NewSparse();
  auto* p = reinterpret_cast<uint8_t*>(v.data());
  SetCachedCardinality(p, 0x0102030405060708ULL);
  EXPECT_EQ(CachedCardinality(v), 0x0102030405060708ULL);
  EXPECT_EQ(uint8_t(v[8]), 0x08);
  InvalidateCache(p);
  EXPECT_FALSE(CacheValid(v));
}

TEST(HyperLogLogTest, SelfTestPasses) { EXPECT_EQ(SelfTest(), ""); }

}  // namespace
}  // namespace vireo::hll
