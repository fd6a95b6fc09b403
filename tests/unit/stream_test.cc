// Stream and StreamID: ID parsing rules, block layout (appends across
// blocks, deletion marks, trimming at block boundaries), ranges both ways,
// consumer-group bookkeeping and deep copies.
#include "types/stream.h"

#include <gtest/gtest.h>

namespace vireo {
namespace {

std::vector<StreamID> Ids(const Stream& s, bool rev = false, StreamID a = StreamID::Min(),
                          StreamID b = StreamID::Max(), size_t count = 0) {
  std::vector<StreamID> out;
  s.Range(a, b, rev, count, [&](const StreamEntry& e) {
    out.push_back(e.id);
    return true;
  });
  return out;
}

TEST(StreamIDTest, Parse) {
  StreamID id;
  bool seq_auto;
  EXPECT_TRUE(ParseStreamID("1-2", 0, true, &id));
  EXPECT_EQ(id, (StreamID{1, 2}));
  EXPECT_TRUE(ParseStreamID("7", 9, true, &id));
  EXPECT_EQ(id, (StreamID{7, 9}));
  EXPECT_FALSE(ParseStreamID("-", 0, true, &id));
  EXPECT_TRUE(ParseStreamID("+", 0, false, &id));
  EXPECT_EQ(id, StreamID::Max());
  EXPECT_TRUE(ParseStreamID("5-*", 0, true, &id, &seq_auto));
  EXPECT_TRUE(seq_auto);
  EXPECT_FALSE(ParseStreamID("5-*", 0, true, &id));
  EXPECT_FALSE(ParseStreamID("1-x", 0, true, &id));
  EXPECT_FALSE(ParseStreamID("-1", 0, true, &id));
  EXPECT_FALSE(ParseStreamID("18446744073709551616", 0, true, &id));
  EXPECT_TRUE(ParseStreamID("18446744073709551615-18446744073709551615", 0, true, &id));
  EXPECT_EQ(id, StreamID::Max());
  EXPECT_TRUE(ParseStreamID("+3-0", 0, true, &id));  // strtoull's leniency, as Redis
  EXPECT_FALSE(ParseStreamID(std::string(200, '1'), 0, true, &id));
  StreamID m = StreamID::Max();
  EXPECT_FALSE(m.Incr());
  StreamID z;
  EXPECT_FALSE(z.Decr());
  StreamID x{1, UINT64_MAX};
  EXPECT_TRUE(x.Incr());
  EXPECT_EQ(x, (StreamID{2, 0}));
}

TEST(StreamTest, AppendAcrossBlocksAndRange) {
  Stream s;
  StreamLimits lim{4096, 3};
  for (uint64_t i = 1; i <= 10; ++i) s.Append({i, i % 2 == 0 ? 5u : 0u}, {"f", std::to_string(i)}, lim);
  EXPECT_EQ(s.length(), 10u);
  EXPECT_EQ(s.node_count(), 4u);
  auto ids = Ids(s);
  ASSERT_EQ(ids.size(), 10u);
  EXPECT_EQ(ids[1], (StreamID{2, 5}));
  auto rev = Ids(s, true);
  EXPECT_EQ(rev.front(), (StreamID{10, 5}));
  EXPECT_EQ(Ids(s, false, {3, 0}, {6, 0}).size(), 3u);
  EXPECT_EQ(Ids(s, true, {3, 0}, {6, 0}, 2).front(), (StreamID{5, 0}));
  StreamEntry e;
  ASSERT_TRUE(s.Get({4, 5}, &e));
  EXPECT_EQ(e.fields, (std::vector<std::string>{"f", "4"}));
  EXPECT_FALSE(s.Get({4, 4}, &e));
}

TEST(StreamTest, DifferentFieldsAndLargeDeltas) {
  Stream s;
  StreamLimits lim;
  s.Append({5, 100}, {"a", "1", "b", "2"}, lim);
  s.Append({5, 101}, {"b", "2", "a", "1"}, lim);
  s.Append({UINT64_MAX, 0}, {"c", std::string(300, 'x')}, lim);
  StreamEntry e;
  ASSERT_TRUE(s.Get({5, 101}, &e));
  EXPECT_EQ(e.fields, (std::vector<std::string>{"b", "2", "a", "1"}));
  ASSERT_TRUE(s.Get({UINT64_MAX, 0}, &e));
  EXPECT_EQ(e.fields[1].size(), 300u);
}

TEST(StreamTest, DeleteAndTrim) {
  Stream s;
  StreamLimits lim{4096, 10};
  for (uint64_t i = 1; i <= 35; ++i) s.Append({i, 0}, {"f", "v"}, lim);
  EXPECT_TRUE(s.Delete({1, 0}));
  EXPECT_FALSE(s.Delete({1, 0}));
  EXPECT_FALSE(s.Delete({99, 0}));
  s.RefreshFirstID();
  EXPECT_EQ(s.first_id(), (StreamID{2, 0}));
  // Approximate: only whole blocks go.
  EXPECT_EQ(s.TrimMaxLen(20, true, 0), 9);
  EXPECT_EQ(s.length(), 25u);
  EXPECT_EQ(s.TrimMaxLen(20, false, 0), 5);
  EXPECT_EQ(s.length(), 20u);
  EXPECT_EQ(Ids(s).front(), (StreamID{16, 0}));
  EXPECT_EQ(s.TrimMinID({30, 0}, false, 0), 14);
  EXPECT_EQ(Ids(s).front(), (StreamID{30, 0}));
  EXPECT_EQ(s.first_id(), (StreamID{30, 0}));
  // A block emptied by deletions goes away.
  for (uint64_t i = 30; i <= 35; ++i) EXPECT_TRUE(s.Delete({i, 0}));
  EXPECT_EQ(s.length(), 0u);
  EXPECT_EQ(s.node_count(), 0u);
  EXPECT_TRUE(Ids(s).empty());
}

TEST(StreamTest, GroupsAndCopy) {
  Stream s;
  s.Append({1, 0}, {"f", "v"}, StreamLimits{});
  StreamGroup* g = s.CreateGroup("g", {0, 0}, 0);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(s.CreateGroup("g", {0, 0}, 0), nullptr);
  StreamConsumer* c = g->CreateConsumer("alice", 1000);
  ASSERT_NE(c, nullptr);
  StreamNack& n = g->pel[{1, 0}];
  n.consumer = c;
  c->pel[{1, 0}] = &n;
  Stream copy(s);
  StreamGroup* g2 = copy.FindGroup("g");
  ASSERT_NE(g2, nullptr);
  StreamConsumer* c2 = g2->FindConsumer("alice");
  ASSERT_NE(c2, nullptr);
  EXPECT_NE(c2, c);
  ASSERT_EQ(c2->pel.size(), 1u);
  EXPECT_EQ(c2->pel.begin()->second, &g2->pel.begin()->second);
  EXPECT_EQ(g2->pel.begin()->second.consumer, c2);
  EXPECT_EQ(g->DeleteConsumer("alice"), 1u);
  EXPECT_TRUE(g->pel.empty());
  EXPECT_TRUE(s.DestroyGroup("g"));
  EXPECT_FALSE(s.DestroyGroup("g"));
}

TEST(StreamTest, LagEstimates) {
  Stream s;
  for (uint64_t i = 1; i <= 5; ++i) s.Append({i, 0}, {"f", "v"}, StreamLimits{});
  EXPECT_EQ(s.EstimateDistanceFromFirstEverEntry({5, 0}), 5);
  EXPECT_EQ(s.EstimateDistanceFromFirstEverEntry({1, 0}), 1);
  EXPECT_EQ(s.EstimateDistanceFromFirstEverEntry({0, 1}), 0);
  EXPECT_EQ(s.EstimateDistanceFromFirstEverEntry({3, 0}), StreamGroup::kInvalidEntriesRead);
  EXPECT_EQ(s.EstimateDistanceFromFirstEverEntry({9, 0}), StreamGroup::kInvalidEntriesRead);
  s.Delete({3, 0});
  s.set_max_deleted_id({3, 0});
  EXPECT_TRUE(s.RangeHasTombstones(nullptr, nullptr));
  StreamID after{4, 0};
  EXPECT_FALSE(s.RangeHasTombstones(&after, nullptr));
}

}  // namespace
}  // namespace vireo
