// ZSetValue: both encodings against a model, the conversion points, ZADD's
// flag rules, range reads and removals, listpack score texts, deep copy.
#include "types/zset_value.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace vireo {
namespace {

using Result = ZSetValue::AddResult;

std::vector<std::pair<std::string, double>> All(const ZSetValue& z) {
  std::vector<std::pair<std::string, double>> out;
  for (ZSetValue::Cursor c = z.AtRank(0); c.valid(); c.Next()) out.emplace_back(std::string(c.member()), c.score());
  return out;
}

TEST(ZSetValueTest, ListpackScoreTexts) {
  char buf[32];
  EXPECT_EQ(ZSetValue::ListpackScoreText(3, buf), "3");
  EXPECT_EQ(ZSetValue::ListpackScoreText(-0.0, buf), "0");
  EXPECT_EQ(ZSetValue::ListpackScoreText(0.1, buf), "0.10000000000000001");
  EXPECT_EQ(ZSetValue::ListpackScoreText(123456789012345678.0, buf), "123456789012345680");
  EXPECT_EQ(ZSetValue::ListpackScoreText(1e20, buf), "1e+20");
  EXPECT_EQ(ZSetValue::ListpackScoreText(INFINITY, buf), "inf");
  EXPECT_EQ(ZSetValue::ListpackScoreText(-INFINITY, buf), "-inf");
  EXPECT_EQ(ZSetValue::FormatScoreText(-0.0), "-0");
}

TEST(ZSetValueTest, CreationEncoding) {
  ZSetLimits lim;
  ZSetValue* a = ZSetValue::CreateFor("short", lim);
  EXPECT_TRUE(a->is_listpack());
  ZSetValue::Free(a);
  ZSetValue* b = ZSetValue::CreateFor(std::string(65, 'x'), lim);
  EXPECT_FALSE(b->is_listpack());
  ZSetValue::Free(b);
  lim.max_listpack_entries = 0;
  ZSetValue* c = ZSetValue::CreateFor("short", lim);
  EXPECT_FALSE(c->is_listpack());
  ZSetValue::Free(c);
}

TEST(ZSetValueTest, ConvertsPastEntriesAndValueLimits) {
  ZSetLimits lim{4, 8};
  ZSetValue* z = ZSetValue::CreateListpack();
  double out;
  for (int i = 0; i < 4; ++i) EXPECT_EQ(z->Add("m" + std::to_string(i), i, 0, lim, &out), Result::kAdded);
  EXPECT_TRUE(z->is_listpack());
  EXPECT_EQ(z->Add("m0", 10, 0, lim, &out), Result::kUpdated);  // updates never convert
  EXPECT_TRUE(z->is_listpack());
  EXPECT_EQ(z->Add("m4", 4, 0, lim, &out), Result::kAdded);
  EXPECT_FALSE(z->is_listpack());
  EXPECT_EQ(z->size(), 5u);
  z->Remove("m1");
  z->Remove("m2");
  EXPECT_FALSE(z->is_listpack());  // never back
  ZSetValue::Free(z);

  z = ZSetValue::CreateListpack();
  EXPECT_EQ(z->Add("12345678", 1, 0, lim, &out), Result::kAdded);
  EXPECT_TRUE(z->is_listpack());
  EXPECT_EQ(z->Add("123456789", 1, 0, lim, &out), Result::kAdded);
  EXPECT_FALSE(z->is_listpack());
  EXPECT_EQ(All(*z), (std::vector<std::pair<std::string, double>>{{"12345678", 1}, {"123456789", 1}}));
  ZSetValue::Free(z);
}

TEST(ZSetValueTest, AddFlags) {
  ZSetLimits lim;
  for (bool big : {false, true}) {
    ZSetValue* z = big ? ZSetValue::CreateSkiplist() : ZSetValue::CreateListpack();
    double out = 0;
    EXPECT_EQ(z->Add("a", 5, ZSetValue::kXx, lim, &out), Result::kNop);
    EXPECT_EQ(z->Add("a", 5, 0, lim, &out), Result::kAdded);
    EXPECT_EQ(z->Add("a", 6, ZSetValue::kNx, lim, &out), Result::kNop);
    EXPECT_EQ(z->Add("a", 4, ZSetValue::kGt, lim, &out), Result::kNop);
    EXPECT_EQ(z->Add("a", 7, ZSetValue::kGt, lim, &out), Result::kUpdated);
    EXPECT_EQ(out, 7);
    EXPECT_EQ(z->Add("a", 8, ZSetValue::kLt, lim, &out), Result::kNop);
    EXPECT_EQ(z->Add("a", 7, 0, lim, &out), Result::kSame);
    EXPECT_EQ(z->Add("a", 2, ZSetValue::kIncr, lim, &out), Result::kUpdated);
    EXPECT_EQ(out, 9);
    EXPECT_EQ(z->Add("a", INFINITY, ZSetValue::kIncr, lim, &out), Result::kUpdated);
    EXPECT_EQ(z->Add("a", -INFINITY, ZSetValue::kIncr, lim, &out), Result::kNaN);
    EXPECT_EQ(z->Add("b", NAN, 0, lim, &out), Result::kNaN);
    EXPECT_EQ(z->Add("g", 1, ZSetValue::kGt, lim, &out), Result::kAdded);  // new members still come in
    double s;
    EXPECT_TRUE(z->Score("a", &s));
    EXPECT_EQ(s, INFINITY);
    EXPECT_FALSE(z->Score("b", &s));
    ZSetValue::Free(z);
  }
}

// The same random operations on a listpack set (with a limit so large it
// never converts) and a skiplist set, checked against a std::set model.
TEST(ZSetValueTest, BothEncodingsMatchModel) {
  ZSetLimits lim{1u << 30, 1u << 30};
  ZSetValue* lp = ZSetValue::CreateListpack();
  ZSetValue* sl = ZSetValue::CreateSkiplist();
  std::map<std::string, double> model;
  std::mt19937 rng(7);
  for (int step = 0; step < 5000; ++step) {
    std::string m = std::to_string(rng() % 200);  // integers: the listpack stores them as ints
    if (rng() % 4 == 0) m = "m" + m;
    double score = double(int(rng() % 41) - 20) / 2;
    int op = rng() % 5;
    if (op < 3) {
      double o1, o2;
      Result r1 = lp->Add(m, score, 0, lim, &o1), r2 = sl->Add(m, score, 0, lim, &o2);
      EXPECT_EQ(r1, r2);
      model[m] = score;
    } else if (op == 3) {
      EXPECT_EQ(lp->Remove(m), model.count(m) == 1);
      EXPECT_EQ(sl->Remove(m), model.count(m) == 1);
      model.erase(m);
    } else {
      size_t r1 = 0, r2 = 0;
      bool f1 = lp->Rank(m, step % 2, &r1), f2 = sl->Rank(m, step % 2, &r2);
      EXPECT_EQ(f1, f2);
      EXPECT_EQ(r1, r2);
    }
  }
  std::set<std::pair<double, std::string>> sorted;
  for (auto& [m, s] : model) sorted.insert({s, m});
  std::vector<std::pair<std::string, double>> want;
  for (auto& [s, m] : sorted) want.emplace_back(m, s);
  EXPECT_TRUE(lp->is_listpack());
  EXPECT_EQ(All(*lp), want);
  EXPECT_EQ(All(*sl), want);

  ScoreRange r{-3, 4.5, true, false};
  EXPECT_EQ(lp->Count(r), sl->Count(r));
  size_t n = 0;
  for (auto& [m, s] : want) n += r.Contains(s);
  EXPECT_EQ(sl->Count(r), n);
  ZSetValue::Cursor c1 = lp->LastIn(r), c2 = sl->LastIn(r);
  ASSERT_TRUE(c1.valid() && c2.valid());
  EXPECT_EQ(c1.member(), c2.member());
  EXPECT_EQ(lp->Erase(r), n);
  EXPECT_EQ(sl->Erase(r), n);
  EXPECT_EQ(All(*lp), All(*sl));
  EXPECT_EQ(lp->EraseRanks(3, 10), sl->EraseRanks(3, 10));
  EXPECT_EQ(All(*lp), All(*sl));

  // Deep copies are independent.
  auto* copy = static_cast<ZSetValue*>(ZSetValue::Copy(sl));
  EXPECT_EQ(All(*copy), All(*sl));
  copy->EraseRanks(0, copy->size() - 1);
  EXPECT_EQ(copy->size(), 0u);
  EXPECT_GT(sl->size(), 0u);
  EXPECT_GT(ZSetValue::Memory(sl), ZSetValue::Memory(copy));
  ZSetValue::Free(copy);
  ZSetValue::Free(lp);
  ZSetValue::Free(sl);
}

TEST(ZSetValueTest, LexSearchesFollowListpackWalk) {
  // Mixed scores: members out of order. Redis's listpack answers: first
  // member >= min, then onwards while <= max.
  ZSetLimits lim;
  ZSetValue* z = ZSetValue::CreateListpack();
  double out;
  const char* members[] = {"d", "a", "c", "b", "e"};
  for (int i = 0; i < 5; ++i) z->Add(members[i], i + 1, 0, lim, &out);
  LexRange r;
  ASSERT_TRUE(ParseLexRange("[a", "[c", &r));
  EXPECT_EQ(z->Count(r), 0u);  // "d" >= "a" but > "c"
  ASSERT_TRUE(ParseLexRange("[b", "+", &r));
  EXPECT_EQ(z->Count(r), 5u);
  ZSetValue::Free(z);
}

TEST(ZSetValueTest, FromSortedPicksEncoding) {
  ZSetLimits lim{2, 4};
  std::vector<std::pair<std::string, double>> two = {{"a", 1}, {"b", 2}};
  ZSetValue* z = ZSetValue::FromSorted(two, lim);
  EXPECT_TRUE(z->is_listpack());
  EXPECT_EQ(All(*z), two);
  ZSetValue::Free(z);
  two.emplace_back("c", 3);
  z = ZSetValue::FromSorted(two, lim);
  EXPECT_FALSE(z->is_listpack());
  EXPECT_EQ(All(*z), two);
  ZSetValue::Free(z);
  z = ZSetValue::FromSorted({{"12345", 1}}, lim);
  EXPECT_FALSE(z->is_listpack());
  ZSetValue::Free(z);
}

TEST(ZSetValueTest, ScanVisitsEverything) {
  ZSetLimits lim{0, 64};
  ZSetValue* z = ZSetValue::CreateSkiplist();
  double out;
  for (int i = 0; i < 1000; ++i) z->Add("m" + std::to_string(i), i * 0.5, 0, lim, &out);
  std::set<std::string> seen;
  uint64_t cursor = 0;
  do {
    cursor = z->Scan(cursor, [&](std::string_view m, std::string_view s) {
      seen.insert(std::string(m));
      EXPECT_FALSE(s.empty());
    });
  } while (cursor != 0);
  EXPECT_EQ(seen.size(), 1000u);
  ZSetValue::Free(z);
}

}  // namespace
}  // namespace vireo
