// Intset: sorted packed integers with width upgrades.
#include "types/intset.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <vector>

namespace vireo {
namespace {

std::vector<int64_t> Elements(const Intset* s) {
  std::vector<int64_t> out;
  for (size_t i = 0; i < s->size(); ++i) out.push_back(s->At(i));
  return out;
}

TEST(IntsetTest, StartsEmptyAndNarrow) {
  Intset* s = Intset::Create();
  EXPECT_EQ(s->size(), 0u);
  EXPECT_EQ(s->width(), 2u);
  EXPECT_EQ(s->bytes(), 8u);
  EXPECT_FALSE(s->Contains(0));
  Intset::Destroy(s);
}

TEST(IntsetTest, AddKeepsOrderAndRejectsDuplicates) {
  Intset* s = Intset::Create();
  bool added;
  for (int64_t v : {5, -3, 10, 0, 5, -3}) s = s->Add(v, &added);
  EXPECT_EQ(Elements(s), (std::vector<int64_t>{-3, 0, 5, 10}));
  s = s->Add(10, &added);
  EXPECT_FALSE(added);
  s = s->Add(7, &added);
  EXPECT_TRUE(added);
  EXPECT_EQ(s->bytes(), 8u + 5 * 2);
  Intset::Destroy(s);
}

TEST(IntsetTest, UpgradesAtBothEnds) {
  Intset* s = Intset::Create();
  bool added;
  s = s->Add(1, &added);
  s = s->Add(-1, &added);
  s = s->Add(40000, &added);  // 32-bit, appended
  EXPECT_EQ(s->width(), 4u);
  EXPECT_EQ(Elements(s), (std::vector<int64_t>{-1, 1, 40000}));
  s = s->Add(INT64_MIN, &added);  // 64-bit, prepended
  EXPECT_EQ(s->width(), 8u);
  EXPECT_EQ(Elements(s), (std::vector<int64_t>{INT64_MIN, -1, 1, 40000}));
  EXPECT_TRUE(s->Contains(INT64_MIN));
  EXPECT_FALSE(s->Contains(INT64_MAX));
  // Removing the wide value does not narrow the array (as in Redis).
  bool removed;
  s = s->Remove(INT64_MIN, &removed);
  EXPECT_TRUE(removed);
  EXPECT_EQ(s->width(), 8u);
  EXPECT_EQ(Elements(s), (std::vector<int64_t>{-1, 1, 40000}));
  Intset::Destroy(s);
}

TEST(IntsetTest, ContainsOfWiderValueOnNarrowSet) {
  Intset* s = Intset::Create();
  bool added;
  s = s->Add(100, &added);
  EXPECT_FALSE(s->Contains(100 + 65536));  // would alias if truncated
  EXPECT_FALSE(s->Contains(int64_t(1) << 40));
  bool removed;
  s = s->Remove(int64_t(1) << 40, &removed);
  EXPECT_FALSE(removed);
  Intset::Destroy(s);
}

TEST(IntsetTest, RemoveAtAndClone) {
  Intset* s = Intset::Create();
  bool added;
  for (int64_t v = 0; v < 10; ++v) s = s->Add(v * 3, &added);
  s = s->RemoveAt(0);
  s = s->RemoveAt(s->size() - 1);
  Intset* c = s->Clone();
  EXPECT_EQ(Elements(c), (std::vector<int64_t>{3, 6, 9, 12, 15, 18, 21, 24}));
  Intset::Destroy(s);
  EXPECT_EQ(c->size(), 8u);
  Intset::Destroy(c);
}

TEST(IntsetTest, RandomOperationsMatchStdSet) {
  std::mt19937_64 rng(42);
  Intset* s = Intset::Create();
  std::set<int64_t> model;
  const int64_t ranges[] = {100, 70000, 5000000000LL, INT64_MAX};
  for (int i = 0; i < 20000; ++i) {
    int64_t r = ranges[rng() % 4];
    int64_t v = int64_t(rng() % uint64_t(r)) - r / 2;
    bool changed;
    if (rng() % 3 == 0) {
      s = s->Remove(v, &changed);
      EXPECT_EQ(changed, model.erase(v) == 1);
    } else {
      s = s->Add(v, &changed);
      EXPECT_EQ(changed, model.insert(v).second);
    }
  }
  EXPECT_EQ(Elements(s), std::vector<int64_t>(model.begin(), model.end()));
  for (int64_t v : model) EXPECT_TRUE(s->Contains(v));
  Intset::Destroy(s);
}

}  // namespace
}  // namespace vireo
