// SetValue: encodings, the intset -> hashtable conversions, and type ops.
#include "types/set_value.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace vireo {
namespace {

std::vector<std::string> Members(const SetValue& s) {
  std::vector<std::string> out;
  s.ForEach([&](std::string_view m) { out.emplace_back(m); });
  std::sort(out.begin(), out.end());
  return out;
}

TEST(SetValueTest, EncodingFollowsFirstMember) {
  SetValue a(SetValue::CreateFor("12"));
  EXPECT_TRUE(a.is_intset());
  SetValue b(SetValue::CreateFor("x"));
  EXPECT_FALSE(b.is_intset());
  // Not canonical integers: leading zero, plus sign, spaces, -0, overflow.
  for (const char* m : {"007", "+5", " 5", "-0", "9223372036854775808", ""}) {
    SetValue c(SetValue::CreateFor(m));
    EXPECT_FALSE(c.is_intset()) << m;
    SetValue::Free(c.object());
  }
  SetValue::Free(a.object());
  SetValue::Free(b.object());
}

TEST(SetValueTest, ConvertsOnStringMember) {
  SetValue s(SetValue::CreateIntset());
  EXPECT_TRUE(s.Add("1", 512));
  EXPECT_TRUE(s.Add("-20", 512));
  EXPECT_FALSE(s.Add("1", 512));
  EXPECT_TRUE(s.is_intset());
  EXPECT_TRUE(s.Add("abc", 512));
  EXPECT_FALSE(s.is_intset());
  EXPECT_EQ(Members(s), (std::vector<std::string>{"-20", "1", "abc"}));
  EXPECT_TRUE(s.Contains("-20"));
  EXPECT_FALSE(s.Contains("020"));
  EXPECT_TRUE(s.Remove("abc"));
  EXPECT_FALSE(s.is_intset());  // never back
  SetValue::Free(s.object());
}

TEST(SetValueTest, ConvertsPastMaxIntsetEntries) {
  SetValue s(SetValue::CreateIntset());
  for (int i = 0; i < 4; ++i) s.Add(std::to_string(i), 4);
  EXPECT_TRUE(s.is_intset());
  EXPECT_FALSE(s.Add("3", 4));  // a duplicate does not convert
  EXPECT_TRUE(s.is_intset());
  EXPECT_TRUE(s.Add("4", 4));
  EXPECT_FALSE(s.is_intset());
  EXPECT_EQ(s.size(), 5u);
  SetValue::Free(s.object());
}

TEST(SetValueTest, IntsetMembersContainAndRemove) {
  SetValue s(SetValue::CreateIntset());
  s.Add("5", 512);
  EXPECT_FALSE(s.Contains("abc"));
  EXPECT_FALSE(s.Remove("abc"));
  EXPECT_FALSE(s.Remove("05"));
  EXPECT_TRUE(s.Remove("5"));
  EXPECT_EQ(s.size(), 0u);
  SetValue::Free(s.object());
}

TEST(SetValueTest, LongAndBinaryMembers) {
  SetValue s(SetValue::CreateHashtable());
  std::string big(70000, 'x');
  std::string bin("a\0b", 3);
  EXPECT_TRUE(s.Add(big, 512));
  EXPECT_TRUE(s.Add(bin, 512));
  EXPECT_TRUE(s.Add(std::string(254, 'y'), 512));
  EXPECT_TRUE(s.Add(std::string(255, 'y'), 512));
  EXPECT_TRUE(s.Contains(big));
  EXPECT_TRUE(s.Contains(bin));
  EXPECT_FALSE(s.Contains("a"));
  EXPECT_TRUE(s.Contains(std::string(255, 'y')));
  EXPECT_GT(SetValue::Memory(s.object()), 70000u);
  SetValue::Free(s.object());
}

TEST(SetValueTest, CopyIsDeep) {
  for (bool ints : {true, false}) {
    SetValue s(SetValue::CreateFor(ints ? "1" : "a"));
    for (int i = 0; i < 100; ++i) s.Add(ints ? std::to_string(i) : "m" + std::to_string(i), 512);
    SetValue c(SetValue::Copy(s.object()));
    EXPECT_EQ(c.is_intset(), s.is_intset());
    EXPECT_EQ(Members(c), Members(s));
    s.Add("zzz", 512);
    EXPECT_FALSE(c.Contains("zzz"));
    SetValue::Free(s.object());
    SetValue::Free(c.object());
  }
}

TEST(SetValueTest, RandomMemberAndScanCoverEverything) {
  SetValue s(SetValue::CreateHashtable());
  for (int i = 0; i < 200; ++i) s.Add("k" + std::to_string(i), 512);
  std::set<std::string> seen;
  std::string m;
  for (uint64_t r = 1; r < 20000 && seen.size() < 200; ++r) {
    s.RandomMember(r * 0x9e3779b97f4a7c15ULL, &m);
    ASSERT_TRUE(s.Contains(m));
    seen.insert(m);
  }
  EXPECT_EQ(seen.size(), 200u);
  std::set<std::string> scanned;
  uint64_t cursor = 0;
  do {
    cursor = s.Scan(cursor, [&](std::string_view x) { scanned.emplace(x); });
  } while (cursor != 0);
  EXPECT_EQ(scanned.size(), 200u);
  SetValue::Free(s.object());
}

}  // namespace
}  // namespace vireo
