#include "types/hash_value.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>

namespace vireo {
namespace {

std::map<std::string, std::string> Contents(const HashValue& h) {
  std::map<std::string, std::string> m;
  h.ForEach([&](std::string_view f, std::string_view v) { m.emplace(f, v); });
  return m;
}

std::string GetOr(HashValue& h, std::string_view f, std::string_view dflt = "<none>") {
  char scratch[HashValue::kScratch];
  std::string_view v;
  return h.Get(f, &v, scratch) ? std::string(v) : std::string(dflt);
}

TEST(HashValueTest, ListpackSetGetDelete) {
  HashValue h;
  EXPECT_TRUE(h.is_listpack());
  EXPECT_TRUE(h.empty());
  EXPECT_TRUE(h.Set("a", "1"));
  EXPECT_TRUE(h.Set("b", "two"));
  EXPECT_FALSE(h.Set("a", "one"));
  EXPECT_EQ(h.size(), 2u);
  EXPECT_EQ(GetOr(h, "a"), "one");
  EXPECT_EQ(GetOr(h, "b"), "two");
  EXPECT_EQ(GetOr(h, "c"), "<none>");
  // A value equal to a field name must not be found as a field.
  EXPECT_TRUE(h.Set("x", "b2"));
  EXPECT_TRUE(h.Set("b2", "y"));
  EXPECT_EQ(GetOr(h, "b2"), "y");
  EXPECT_TRUE(h.Delete("a"));
  EXPECT_FALSE(h.Delete("a"));
  EXPECT_FALSE(h.Exists("a"));
  EXPECT_TRUE(h.Exists("b"));
  EXPECT_EQ(h.size(), 3u);
}

TEST(HashValueTest, ListpackKeepsInsertionOrder) {
  HashValue h;
  h.Set("z", "1");
  h.Set("10", "20");  // integers stored compactly come back as text
  h.Set("a", "-7");
  std::vector<std::string> order;
  h.ForEach([&](std::string_view f, std::string_view v) { order.push_back(std::string(f) + "=" + std::string(v)); });
  EXPECT_EQ(order, (std::vector<std::string>{"z=1", "10=20", "a=-7"}));
}

TEST(HashValueTest, BinaryAndEmptyStrings) {
  HashValue h;
  std::string bin("a\0b", 3);
  h.Set(bin, std::string("\0\xff", 2));
  h.Set("", "");
  EXPECT_EQ(GetOr(h, bin), std::string("\0\xff", 2));
  EXPECT_EQ(GetOr(h, ""), "");
  EXPECT_EQ(GetOr(h, "a"), "<none>");
  h.ConvertToTable();
  EXPECT_EQ(GetOr(h, bin), std::string("\0\xff", 2));
  EXPECT_EQ(GetOr(h, ""), "");
}

TEST(HashValueTest, ConversionKeepsEverything) {
  HashValue h;
  for (int i = 0; i < 100; ++i) h.Set("f" + std::to_string(i), std::to_string(i * 3));
  auto before = Contents(h);
  h.ConvertToTable();
  EXPECT_FALSE(h.is_listpack());
  EXPECT_EQ(h.listpack().bytes(), 0u);
  EXPECT_EQ(Contents(h), before);
  EXPECT_EQ(h.size(), 100u);
  h.ConvertToTable();  // no-op
  EXPECT_EQ(h.size(), 100u);
}

// The two encodings behave the same under a random mix of operations.
TEST(HashValueTest, RandomOpsMatchModel) {
  for (bool table : {false, true}) {
    HashValue h;
    if (table) h.ConvertToTable();
    std::map<std::string, std::string> model;
    std::mt19937 rng(table ? 7 : 8);
    for (int i = 0; i < 20000; ++i) {
      std::string f = "k" + std::to_string(rng() % 300);
      int op = rng() % 3;
      if (op == 0) {
        std::string v(rng() % 20, char('a' + rng() % 26));
        EXPECT_EQ(h.Set(f, v), model.count(f) == 0);
        model[f] = v;
      } else if (op == 1) {
        EXPECT_EQ(h.Delete(f), model.erase(f) == 1);
      } else {
        auto it = model.find(f);
        EXPECT_EQ(GetOr(h, f), it == model.end() ? "<none>" : it->second);
      }
    }
    EXPECT_EQ(Contents(h), model);
    EXPECT_EQ(h.size(), model.size());
  }
}

TEST(HashValueTest, CopyIsDeep) {
  for (bool table : {false, true}) {
    HashValue h;
    h.Set("a", "1");
    h.Set("b", "2");
    if (table) h.ConvertToTable();
    HashValue c(h);
    EXPECT_EQ(c.is_listpack(), !table);
    c.Set("a", "changed");
    c.Delete("b");
    EXPECT_EQ(GetOr(h, "a"), "1");
    EXPECT_EQ(GetOr(h, "b"), "2");
    EXPECT_EQ(GetOr(c, "a"), "changed");
  }
}

TEST(HashValueTest, RandomFieldCoversAll) {
  for (bool table : {false, true}) {
    HashValue h;
    for (int i = 0; i < 20; ++i) h.Set("f" + std::to_string(i), "v" + std::to_string(i));
    if (table) h.ConvertToTable();
    std::set<std::string> seen;
    std::mt19937_64 rng(1);
    for (int i = 0; i < 2000; ++i) {
      char fs[HashValue::kScratch], vs[HashValue::kScratch];
      std::string_view f, v;
      h.RandomField(rng(), &f, &v, fs, vs);
      EXPECT_EQ("v" + std::string(f.substr(1)), std::string(v));
      seen.emplace(f);
    }
    EXPECT_EQ(seen.size(), 20u);
  }
}

TEST(HashValueTest, ScanTableVisitsEveryField) {
  HashValue h;
  h.ConvertToTable();
  for (int i = 0; i < 1000; ++i) h.Set("f" + std::to_string(i), "v");
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    cursor = h.ScanTable(cursor, 10, [&](std::string_view f, std::string_view) { seen.emplace(f); });
    ++calls;
  } while (cursor != 0);
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_GT(calls, 10);
}

TEST(HashValueTest, SameLengthUpdateInPlaceAndResize) {
  HashValue h;
  h.ConvertToTable();
  h.Set("f", "abc");
  h.Set("f", "xyz");
  EXPECT_EQ(GetOr(h, "f"), "xyz");
  h.Set("f", "a much longer value");
  EXPECT_EQ(GetOr(h, "f"), "a much longer value");
  h.Set("f", "");
  EXPECT_EQ(GetOr(h, "f"), "");
  EXPECT_GT(h.MemoryBytes(), sizeof(HashValue));
}

}  // namespace
}  // namespace vireo
