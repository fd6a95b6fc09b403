// Quicklist against a std::deque model: every operation the list commands
// use, at several fills (count limits, byte limits, one element per node), so
// node splits, node removal and cross-node cursors are all exercised.
#include "types/quicklist.h"

#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <string>

namespace vireo {
namespace {

std::vector<std::string> Contents(const Quicklist& q) {
  std::vector<std::string> out;
  char scratch[Listpack::kScratch];
  for (auto c = q.Front(); c.valid(); c = q.Next(c)) out.emplace_back(q.Get(c, scratch));
  return out;
}

std::vector<std::string> Reversed(const Quicklist& q) {
  std::vector<std::string> out;
  char scratch[Listpack::kScratch];
  for (auto c = q.Back(); c.valid(); c = q.Prev(c)) out.emplace_back(q.Get(c, scratch));
  return {out.rbegin(), out.rend()};
}

void ExpectSame(const Quicklist& q, const std::deque<std::string>& model) {
  std::vector<std::string> want(model.begin(), model.end());
  ASSERT_EQ(q.size(), model.size());
  ASSERT_EQ(Contents(q), want);
  ASSERT_EQ(Reversed(q), want);
}

TEST(QuicklistTest, PushPopBothEnds) {
  Quicklist q(3);
  for (int i = 0; i < 10; ++i) q.PushBack(std::to_string(i));
  q.PushFront("x");
  EXPECT_EQ(q.size(), 11u);
  EXPECT_EQ(q.node_count(), 5u);  // x | 0 1 2 | 3 4 5 | 6 7 8 | 9
  char s[Listpack::kScratch];
  EXPECT_EQ(q.Get(q.Front(), s), "x");
  EXPECT_EQ(q.Get(q.Back(), s), "9");
  q.PopFront();
  q.PopBack();
  EXPECT_EQ(q.Get(q.Front(), s), "0");
  EXPECT_EQ(q.Get(q.Back(), s), "8");
  EXPECT_EQ(q.node_count(), 3u);
}

TEST(QuicklistTest, AtCountsFromBothEnds) {
  Quicklist q(4);
  for (int i = 0; i < 50; ++i) q.PushBack(std::to_string(i));
  char s[Listpack::kScratch];
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(q.Get(q.At(i), s), std::to_string(i));
    EXPECT_EQ(q.Get(q.At(i - 50), s), std::to_string(i));
  }
  EXPECT_FALSE(q.At(50).valid());
  EXPECT_FALSE(q.At(-51).valid());
}

TEST(QuicklistTest, ByteLimitedNodes) {
  Quicklist q(-1);  // 4 KB nodes
  std::string big(1000, 'a');
  for (int i = 0; i < 20; ++i) q.PushBack(big);
  EXPECT_GE(q.node_count(), 5u);
  EXPECT_LE(q.node_count(), 7u);
  // An element larger than the limit gets a node of its own.
  q.PushBack(std::string(10000, 'b'));
  q.PushBack("c");
  EXPECT_EQ(q.size(), 22u);
}

TEST(QuicklistTest, CopyIsDeep) {
  Quicklist q(2);
  for (int i = 0; i < 7; ++i) q.PushBack("v" + std::to_string(i));
  Quicklist c(q);
  q.PopFront();
  EXPECT_EQ(c.size(), 7u);
  EXPECT_EQ(Contents(c)[0], "v0");
  EXPECT_EQ(c.node_count(), 4u);
  q.PopFront();
  EXPECT_EQ(q.node_count(), 3u);  // an emptied node is freed
  EXPECT_EQ(c.node_count(), 4u);
}

TEST(QuicklistTest, EraseRangeAcrossNodes) {
  Quicklist q(3);
  std::deque<std::string> model;
  for (int i = 0; i < 20; ++i) {
    q.PushBack(std::to_string(i));
    model.push_back(std::to_string(i));
  }
  q.EraseRange(2, 9);
  model.erase(model.begin() + 2, model.begin() + 11);
  ExpectSame(q, model);
  q.EraseRange(5, 100);
  model.erase(model.begin() + 5, model.end());
  ExpectSame(q, model);
  q.EraseRange(0, 5);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.node_count(), 0u);
}

// Random operations against the model at several fills.
class QuicklistModelTest : public ::testing::TestWithParam<int> {};

TEST_P(QuicklistModelTest, MatchesDeque) {
  std::mt19937 rng(GetParam() + 1000);
  Quicklist q(GetParam());
  std::deque<std::string> model;
  auto value = [&] {
    switch (rng() % 4) {
      case 0: return std::to_string(int(rng() % 2000) - 1000);
      case 1: return std::string(rng() % 300, char('a' + rng() % 26));
      case 2: return std::string("x") + std::to_string(rng() % 50);
      default: return std::string(rng() % 10, 'z');
    }
  };
  for (int step = 0; step < 4000; ++step) {
    int op = rng() % 10;
    if (op <= 2 || model.empty()) {
      std::string v = value();
      if (rng() % 2) {
        q.PushFront(v);
        model.push_front(v);
      } else {
        q.PushBack(v);
        model.push_back(v);
      }
    } else if (op == 3) {
      q.PopFront();
      model.pop_front();
    } else if (op == 4) {
      q.PopBack();
      model.pop_back();
    } else if (op == 5) {
      size_t i = rng() % model.size();
      std::string v = value();
      bool after = rng() % 2;
      auto c = q.At((long long)i);
      if (after) {
        q.InsertAfter(c, v);
        model.insert(model.begin() + i + 1, v);
      } else {
        q.InsertBefore(c, v);
        model.insert(model.begin() + i, v);
      }
    } else if (op == 6) {
      size_t i = rng() % model.size();
      std::string v = value();
      q.Replace(q.At((long long)i), v);
      model[i] = v;
    } else if (op == 7) {
      // Erase every element equal to a small value, forward.
      std::string v = std::string(rng() % 3, 'z');
      for (auto c = q.Front(); c.valid();) c = q.Equals(c, v) ? q.Erase(c) : q.Next(c);
      std::erase(model, v);
    } else if (op == 8) {
      // Erase backwards from the tail up to two matches.
      std::string v = "x" + std::to_string(rng() % 50);
      int removed = 0;
      for (auto c = q.Back(); c.valid() && removed < 2;) {
        auto prev = q.Prev(c);
        if (q.Equals(c, v)) {
          q.Erase(c);
          ++removed;
        }
        c = prev;
      }
      removed = 0;
      for (size_t i = model.size(); i-- > 0 && removed < 2;) {
        if (model[i] == v) {
          model.erase(model.begin() + i);
          ++removed;
        }
      }
    } else {
      size_t start = rng() % (model.size() + 2);
      size_t n = rng() % 5;
      q.EraseRange(start, n);
      if (start < model.size()) model.erase(model.begin() + start, model.begin() + std::min(model.size(), start + n));
    }
    if (step % 97 == 0) ExpectSame(q, model);
  }
  ExpectSame(q, model);
  if (!model.empty()) {
    EXPECT_GT(q.MemoryBytes(), sizeof(Quicklist));
  }
  EXPECT_LE(q.node_count(), model.size());
}

INSTANTIATE_TEST_SUITE_P(Fills, QuicklistModelTest, ::testing::Values(0, 1, 3, 16, 128, -1, -2, -5));

}  // namespace
}  // namespace vireo
