// Skiplist: order, ranks, spans and range searches checked against a
// std::set model through random inserts, score updates and deletions.
#include "types/skiplist.h"

#include <gtest/gtest.h>

#include <iterator>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>

namespace vireo {
namespace {

using Model = std::set<std::pair<double, std::string>>;

void ExpectSame(const Skiplist& sl, const Model& m) {
  ASSERT_EQ(sl.size(), m.size());
  size_t rank = 1;
  const SkiplistNode* prev = nullptr;
  const SkiplistNode* n = sl.first();
  for (const auto& [score, member] : m) {
    ASSERT_NE(n, nullptr);
    EXPECT_EQ(n->score, score);
    EXPECT_EQ(n->member(), member);
    EXPECT_EQ(n->prev, prev);
    EXPECT_EQ(sl.Rank(score, member), rank);
    EXPECT_EQ(sl.AtRank(rank), n);
    prev = n;
    n = n->next();
    ++rank;
  }
  EXPECT_EQ(n, nullptr);
  EXPECT_EQ(sl.last(), prev);
}

TEST(SkiplistTest, EmptyList) {
  Skiplist sl;
  EXPECT_EQ(sl.size(), 0u);
  EXPECT_EQ(sl.first(), nullptr);
  EXPECT_EQ(sl.last(), nullptr);
  EXPECT_EQ(sl.AtRank(1), nullptr);
  EXPECT_EQ(sl.Rank(1, "a"), 0u);
  EXPECT_FALSE(sl.Erase(1, "a"));
  ScoreRange r{0, 10, false, false};
  EXPECT_EQ(sl.FirstInRange(r), nullptr);
}

TEST(SkiplistTest, OrdersByScoreThenMemberBytes) {
  Skiplist sl;
  sl.Insert(2, "b");
  sl.Insert(1, "z");
  sl.Insert(2, "a");
  sl.Insert(2, std::string("a\0", 2));
  sl.Insert(2, "\xff");
  Model m = {{2, "b"}, {1, "z"}, {2, "a"}, {2, std::string("a\0", 2)}, {2, "\xff"}};
  // std::string compares bytes as unsigned char, as the skiplist must.
  ExpectSame(sl, m);
}

TEST(SkiplistTest, RandomOperationsMatchModel) {
  std::mt19937 rng(42);
  Skiplist sl;
  Model m;
  std::map<std::string, double> scores;
  for (int step = 0; step < 20000; ++step) {
    std::string member = "m" + std::to_string(rng() % 500);
    double score = double(int(rng() % 100)) / 4;
    auto it = scores.find(member);
    int op = rng() % 3;
    if (it == scores.end()) {
      SkiplistNode* n = sl.Insert(score, member);
      EXPECT_EQ(n->member(), member);
      m.insert({score, member});
      scores[member] = score;
    } else if (op == 0) {
      EXPECT_TRUE(sl.Erase(it->second, member));
      m.erase({it->second, member});
      scores.erase(it);
    } else {
      // Find the node by rank, then move it.
      size_t rank = sl.Rank(it->second, member);
      SkiplistNode* n = sl.AtRank(rank);
      ASSERT_NE(n, nullptr);
      sl.UpdateScore(n, score);
      m.erase({it->second, member});
      m.insert({score, member});
      it->second = score;
    }
    if (step % 1000 == 0) ExpectSame(sl, m);
  }
  ExpectSame(sl, m);
}

TEST(SkiplistTest, ScoreRanges) {
  Skiplist sl;
  for (int i = 0; i < 100; ++i) sl.Insert(i, "m" + std::to_string(i));
  ScoreRange r{10, 20, false, false};
  EXPECT_EQ(sl.FirstInRange(r)->score, 10);
  EXPECT_EQ(sl.LastInRange(r)->score, 20);
  r.min_ex = r.max_ex = true;
  EXPECT_EQ(sl.FirstInRange(r)->score, 11);
  EXPECT_EQ(sl.LastInRange(r)->score, 19);
  ScoreRange none{20.5, 20.7, false, false};
  EXPECT_EQ(sl.FirstInRange(none), nullptr);
  EXPECT_EQ(sl.LastInRange(none), nullptr);
  ScoreRange inverted{30, 10, false, false};
  EXPECT_EQ(sl.FirstInRange(inverted), nullptr);
  ScoreRange above{1000, 2000, false, false};
  EXPECT_EQ(sl.FirstInRange(above), nullptr);
}

TEST(SkiplistTest, LexRanges) {
  Skiplist sl;
  for (char c = 'a'; c <= 'z'; ++c) sl.Insert(0, std::string(1, c));
  LexRange r;
  ASSERT_TRUE(ParseLexRange("[c", "(f", &r));
  EXPECT_EQ(sl.FirstInRange(r)->member(), "c");
  EXPECT_EQ(sl.LastInRange(r)->member(), "e");
  ASSERT_TRUE(ParseLexRange("-", "+", &r));
  EXPECT_EQ(sl.FirstInRange(r)->member(), "a");
  EXPECT_EQ(sl.LastInRange(r)->member(), "z");
  ASSERT_TRUE(ParseLexRange("+", "-", &r));
  EXPECT_EQ(sl.FirstInRange(r), nullptr);
}

TEST(SkiplistTest, EraseRanksKeepsSpans) {
  Skiplist sl;
  Model m;
  for (int i = 0; i < 1000; ++i) {
    sl.Insert(i, "m" + std::to_string(i));
    m.insert({i, "m" + std::to_string(i)});
  }
  size_t seen = 0;
  EXPECT_EQ(sl.EraseRanks(100, 199, [&](SkiplistNode*) { ++seen; }), 100u);
  EXPECT_EQ(seen, 100u);
  m.erase(std::next(m.begin(), 99), std::next(m.begin(), 199));
  ExpectSame(sl, m);
  EXPECT_EQ(sl.EraseRanks(1, sl.size(), [](SkiplistNode*) {}), 900u);
  EXPECT_EQ(sl.size(), 0u);
  EXPECT_EQ(sl.first(), nullptr);
  EXPECT_EQ(sl.last(), nullptr);
}

TEST(ZSetRangeTest, ParsesLikeRedis) {
  ScoreRange s;
  EXPECT_TRUE(ParseScoreRange("(1.5", "inf", &s));
  EXPECT_TRUE(s.min_ex);
  EXPECT_EQ(s.min, 1.5);
  EXPECT_TRUE(ParseScoreRange("", " 2", &s));  // strtod: empty is 0, leading space is fine
  EXPECT_EQ(s.min, 0);
  EXPECT_EQ(s.max, 2);
  EXPECT_FALSE(ParseScoreRange("1 ", "2", &s));
  EXPECT_FALSE(ParseScoreRange("nan", "2", &s));
  EXPECT_FALSE(ParseScoreRange("abc", "2", &s));
  LexRange l;
  EXPECT_TRUE(ParseLexRange("[a", "(b", &l));
  EXPECT_FALSE(ParseLexRange("a", "+", &l));
  EXPECT_FALSE(ParseLexRange("-x", "+", &l));
  EXPECT_FALSE(ParseLexRange("", "+", &l));
  EXPECT_TRUE(ParseLexRange("-", "-", &l));
  EXPECT_FALSE(l.NonEmpty());
  EXPECT_TRUE(ParseLexRange("[a", "[a", &l));
  EXPECT_TRUE(l.NonEmpty());
  EXPECT_TRUE(ParseLexRange("(a", "[a", &l));
  EXPECT_FALSE(l.NonEmpty());
}

}  // namespace
}  // namespace vireo
