#include "types/listpack.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace vireo {
namespace {

std::vector<std::string> Contents(const Listpack& lp) {
  std::vector<std::string> out;
  char scratch[Listpack::kScratch];
  for (auto p = lp.First(); p != Listpack::kEnd; p = lp.Next(p)) out.emplace_back(lp.Get(p, scratch));
  return out;
}

std::vector<std::string> Backwards(const Listpack& lp) {
  std::vector<std::string> out;
  char scratch[Listpack::kScratch];
  for (auto p = lp.Last(); p != Listpack::kEnd; p = lp.Prev(p)) out.insert(out.begin(), std::string(lp.Get(p, scratch)));
  return out;
}

TEST(ListpackTest, IntegersAndStringsRoundTrip) {
  Listpack lp;
  std::vector<std::string> want = {"0", "-1", "9223372036854775807", "-9223372036854775808", "012", "",
                                   "hello", std::string(300, 'x'), std::string(20000, 'y'), "+1", "1.5"};
  for (auto& s : want) lp.PushBack(s);
  EXPECT_EQ(lp.size(), want.size());
  EXPECT_EQ(Contents(lp), want);
  EXPECT_EQ(Backwards(lp), want);
  long long v;
  EXPECT_TRUE(lp.GetInt(lp.First(), &v));
  EXPECT_FALSE(lp.GetInt(lp.Seek(4), &v));  // "012" is not canonical
  EXPECT_EQ(lp.Find("hello"), lp.Seek(6));
  EXPECT_EQ(lp.Find("-1"), lp.Seek(1));
  EXPECT_EQ(lp.Find("nope"), Listpack::kEnd);
  EXPECT_TRUE(lp.Equals(lp.Seek(-1), "1.5"));
}

TEST(ListpackTest, SmallIntsAreCompact) {
  Listpack lp;
  for (int i = 0; i < 10; ++i) lp.PushBack(std::to_string(i));
  EXPECT_LE(lp.used_bytes(), 20u);  // 1-byte header + 1-byte backlen each
}

TEST(ListpackTest, RandomEditsMatchVector) {
  std::mt19937 rng(7);
  Listpack lp;
  std::vector<std::string> ref;
  for (int step = 0; step < 20000; ++step) {
    int op = rng() % 6;
    std::string s = (rng() % 2) ? std::to_string(int(rng() % 100000) - 50000) : std::string(rng() % 200, char('a' + rng() % 26));
    if (op <= 1 || ref.empty()) {
      size_t at = ref.empty() ? 0 : rng() % (ref.size() + 1);
      lp.Insert(at == ref.size() ? Listpack::kEnd : lp.Seek(long(at)), s);
      ref.insert(ref.begin() + long(at), s);
    } else if (op == 2) {
      size_t at = rng() % ref.size();
      lp.Erase(lp.Seek(long(at)));
      ref.erase(ref.begin() + long(at));
    } else if (op == 3) {
      size_t at = rng() % ref.size();
      lp.Replace(lp.Seek(long(at)), s);
      ref[at] = s;
    } else if (op == 4) {
      size_t at = rng() % ref.size(), n = rng() % 4;
      lp.EraseRange(at, n);
      ref.erase(ref.begin() + long(at), ref.begin() + long(std::min(ref.size(), at + n)));
    } else {
      long idx = -long(rng() % ref.size()) - 1;
      char scratch[Listpack::kScratch];
      EXPECT_EQ(lp.Get(lp.Seek(idx), scratch), ref[ref.size() + size_t(idx)]);
    }
    ASSERT_EQ(lp.size(), ref.size());
  }
  EXPECT_EQ(Contents(lp), ref);
  EXPECT_EQ(Backwards(lp), ref);
  Listpack copy(lp);
  EXPECT_EQ(Contents(copy), ref);
}

TEST(ListpackTest, FindWithSkipVisitsFieldsOnly) {
  Listpack lp;
  for (auto s : {"f1", "v1", "v1", "f2", "f2", "x"}) lp.PushBack(s);
  // fields are at even positions: "f1", "v1"(field 2), "f2"(field 3)
  EXPECT_EQ(lp.Find("v1", lp.First(), 1), lp.Seek(2));
  EXPECT_EQ(lp.Find("f2", lp.First(), 1), lp.Seek(4));
  EXPECT_EQ(lp.Find("x", lp.First(), 1), Listpack::kEnd);
}

}  // namespace
}  // namespace vireo
