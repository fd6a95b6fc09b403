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

// The elements ForEachNode shows (the writers' view), in order.
std::vector<std::string> NodeContents(const Quicklist& q, size_t* plain_nodes) {
  std::vector<std::string> out;
  char scratch[Listpack::kScratch];
  *plain_nodes = 0;
  q.ForEachNode([&](const Listpack& lp, bool plain) {
    if (plain) {
      ++*plain_nodes;
      EXPECT_EQ(lp.size(), 1u);
    }
    for (auto p = lp.First(); p != Listpack::kEnd; p = lp.Next(p)) out.emplace_back(lp.Get(p, scratch));
  });
  return out;
}

// Random operations against the model at several fills, compression depths
// and packed thresholds (elements of 250+ bytes become plain nodes at 250).
struct ModelParams {
  int fill;
  int depth;
  unsigned long long threshold;
};
class QuicklistModelTest : public ::testing::TestWithParam<ModelParams> {
 protected:
  void TearDown() override { Quicklist::SetPackedThreshold(0); }
};

TEST_P(QuicklistModelTest, MatchesDeque) {
  const ModelParams mp = GetParam();
  ASSERT_TRUE(Quicklist::SetPackedThreshold(mp.threshold));
  std::mt19937 rng(mp.fill + 1000 + mp.depth * 7);
  Quicklist q(mp.fill, mp.depth);
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
    if (step % 501 == 0) {
      Quicklist copy(q);
      ExpectSame(copy, model);
    }
  }
  ExpectSame(q, model);
  size_t plain = 0;
  std::vector<std::string> want(model.begin(), model.end());
  EXPECT_EQ(NodeContents(q, &plain), want);
  if (mp.threshold == 0) EXPECT_EQ(plain, 0u);
  if (!model.empty()) {
    EXPECT_GT(q.MemoryBytes(), sizeof(Quicklist));
  }
  EXPECT_LE(q.node_count(), model.size());
}

INSTANTIATE_TEST_SUITE_P(Fills, QuicklistModelTest,
                         ::testing::Values(ModelParams{0, 0, 0}, ModelParams{1, 0, 0}, ModelParams{3, 0, 0},
                                           ModelParams{16, 0, 0}, ModelParams{128, 0, 0}, ModelParams{-1, 0, 0},
                                           ModelParams{-2, 0, 0}, ModelParams{-5, 0, 0}, ModelParams{3, 1, 0},
                                           ModelParams{16, 1, 250}, ModelParams{16, 2, 0}, ModelParams{-1, 1, 250},
                                           ModelParams{1, 3, 250}, ModelParams{128, 1, 100}));

// Interior nodes are compressed (at most the open window's few stay raw), the
// list reads back the same, and a copy and a lazily freed list are sound.
TEST(QuicklistTest, CompressesInteriorNodes) {
  Quicklist q(16, 1), raw(16, 0);
  for (int i = 0; i < 4000; ++i) {
    std::string v = "element-" + std::to_string(i % 100) + std::string(20, 'q');
    q.PushBack(v);
    raw.PushBack(v);
  }
  EXPECT_EQ(q.node_count(), raw.node_count());
  EXPECT_LT(q.MemoryBytes() * 2, raw.MemoryBytes());  // 16 similar strings a node compress well
  EXPECT_EQ(q.UncompressedBytes(), raw.UncompressedBytes());
  char s1[Listpack::kScratch], s2[Listpack::kScratch];
  for (long long i = 0; i < 4000; i += 37) EXPECT_EQ(q.Get(q.At(i), s1), raw.Get(raw.At(i), s2));
  // Walking the whole list opens every node in turn; the window keeps the
  // raw interior nodes to a handful.
  size_t n = 0;
  for (auto c = q.Front(); c.valid(); c = q.Next(c)) ++n;
  EXPECT_EQ(n, 4000u);
  EXPECT_LT(q.MemoryBytes() * 2, raw.MemoryBytes());
  Quicklist copy(q);
  EXPECT_LT(copy.MemoryBytes() * 2, raw.MemoryBytes());
  EXPECT_EQ(Contents(copy), Contents(raw));
  // What the lazy freer does: release (the window forgets the list's open
  // nodes), then free. Opening other nodes afterwards must not touch it.
  auto* doomed = new Quicklist(q);
  EXPECT_EQ(Contents(*doomed), Contents(raw));
  doomed->ReleaseForOtherThread();
  delete doomed;
  EXPECT_EQ(Contents(q), Contents(raw));
  EXPECT_EQ(Contents(copy), Contents(raw));
}

TEST(QuicklistTest, PlainNodesHoldOneLargeElement) {
  ASSERT_TRUE(Quicklist::SetPackedThreshold(10));
  EXPECT_FALSE(Quicklist::SetPackedThreshold((1ULL << 32) - (1ULL << 20) + 1));
  EXPECT_EQ(Quicklist::packed_threshold(), 10u);
  Quicklist q(128);
  q.PushBack("a");
  q.PushBack("b");
  q.PushBack(std::string(10, 'L'));  // a plain node of its own
  q.PushBack("c");                   // not joining it
  EXPECT_EQ(q.node_count(), 3u);
  q.InsertAfter(q.At(0), std::string(12, 'M'));  // inside a packed node: split around it
  EXPECT_EQ(q.node_count(), 5u);
  q.Replace(q.At(2), "b2");  // plain -> packed again
  q.Replace(q.At(0), std::string(11, 'N'));
  EXPECT_EQ(Contents(q), (std::vector<std::string>{std::string(11, 'N'), std::string(12, 'M'), "b2",
                                                   std::string(10, 'L'), "c"}));
  size_t plain = 0;
  NodeContents(q, &plain);
  EXPECT_EQ(plain, 3u);
  ASSERT_TRUE(Quicklist::SetPackedThreshold(0));
  EXPECT_EQ(Quicklist::packed_threshold(), size_t(1) << 30);
}

}  // namespace
}  // namespace vireo
