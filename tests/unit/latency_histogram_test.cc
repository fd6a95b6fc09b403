#include "base/latency_histogram.h"

#include <gtest/gtest.h>

namespace vireo {
namespace {

TEST(LatencyHistogram, EquivalentRangesAsTwoSignificantDigits) {
  // 1000 ns sits in a 4 ns wide sub-bucket; 7007 ns in a 32 ns one.
  EXPECT_EQ(LatencyHistogram::HighestEquivalent(1000), 1003);
  EXPECT_EQ(LatencyHistogram::LowestEquivalent(7007), 6976);
  EXPECT_EQ(LatencyHistogram::HighestEquivalent(7007), 7007);
  EXPECT_EQ(LatencyHistogram::HighestEquivalent(80000), 80383);
  for (int i = 1; i < 3000; i++) {
    int64_t v = LatencyHistogram::ValueAtIndex(i);
    EXPECT_EQ(LatencyHistogram::IndexFor(v), i);
  }
}

TEST(LatencyHistogram, PercentilesAndCumulativeWalk) {
  LatencyHistogram h;
  EXPECT_EQ(h.ValueAtPercentile(50), 0);
  h.Record(7000);
  h.Record(80000);
  EXPECT_EQ(h.total(), 2u);
  // Values a redis-server 7.0.15 reported for the same two latencies.
  EXPECT_EQ(h.ValueAtPercentile(50), 7007);
  EXPECT_EQ(h.ValueAtPercentile(99), 80383);
  EXPECT_EQ(h.ValueAtPercentile(0), 6976);
  auto points = h.CumulativeUsec();
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0], std::make_pair(int64_t{8}, int64_t{1}));
  EXPECT_EQ(points[1], std::make_pair(int64_t{132}, int64_t{2}));
}

TEST(LatencyHistogram, ClampsOutOfRange) {
  LatencyHistogram h;
  h.Record(0);
  h.Record(-5);
  h.Record(5000000000LL);
  EXPECT_EQ(h.total(), 3u);
  EXPECT_EQ(h.ValueAtPercentile(0), 1);
  EXPECT_GE(h.ValueAtPercentile(100), LatencyHistogram::kHighest);
}

}  // namespace
}  // namespace vireo
