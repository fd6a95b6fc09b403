#include "base/latency_histogram.h"

#include <algorithm>

namespace vireo {
namespace {

// 2 significant digits need single-unit resolution up to 2 * 10^2 = 200,
// so a bucket has 2^8 = 256 sub-buckets, the upper half of which is new in
// each bucket after the first. The unit is 1 ns (lowest value 1).
constexpr int kSubBucketCountMagnitude = 8;
constexpr int kSubBucketHalfCountMagnitude = kSubBucketCountMagnitude - 1;
constexpr int64_t kSubBucketCount = int64_t{1} << kSubBucketCountMagnitude;
constexpr int64_t kSubBucketHalfCount = kSubBucketCount / 2;
constexpr int64_t kSubBucketMask = kSubBucketCount - 1;

constexpr int BucketsNeeded() {
  int64_t smallest_untrackable = kSubBucketCount;
  int n = 1;
  while (smallest_untrackable <= LatencyHistogram::kHighest) {
    smallest_untrackable <<= 1;
    n++;
  }
  return n;
}
constexpr int kBucketCount = BucketsNeeded();
constexpr int kCountsLen = (kBucketCount + 1) * int(kSubBucketHalfCount);

int BucketIndex(int64_t v) {
  const int pow2ceiling = 64 - __builtin_clzll(uint64_t(v | kSubBucketMask));
  return pow2ceiling - (kSubBucketHalfCountMagnitude + 1);
}
int64_t SubBucketIndex(int64_t v, int bucket) { return v >> bucket; }

}  // namespace

LatencyHistogram::LatencyHistogram() : counts_(kCountsLen, 0) {}

int LatencyHistogram::IndexFor(int64_t value) {
  const int b = BucketIndex(value);
  const int64_t sb = SubBucketIndex(value, b);
  return int(((int64_t(b) + 1) << kSubBucketHalfCountMagnitude) + (sb - kSubBucketHalfCount));
}

int64_t LatencyHistogram::ValueAtIndex(int index) {
  int b = (index >> kSubBucketHalfCountMagnitude) - 1;
  int64_t sb = (index & (kSubBucketHalfCount - 1)) + kSubBucketHalfCount;
  if (b < 0) {
    sb -= kSubBucketHalfCount;
    b = 0;
  }
  return sb << b;
}

int64_t LatencyHistogram::LowestEquivalent(int64_t value) {
  const int b = BucketIndex(value);
  return SubBucketIndex(value, b) << b;
}

int64_t LatencyHistogram::HighestEquivalent(int64_t value) {
  const int b = BucketIndex(value);
  const int64_t sb = SubBucketIndex(value, b);
  const int adjusted = sb >= kSubBucketCount ? b + 1 : b;
  return (sb << b) + (int64_t{1} << adjusted) - 1;
}

void LatencyHistogram::Record(int64_t ns) {
  ns = std::clamp(ns, kLowest, kHighest);
  const int i = IndexFor(ns);
  if (i < 0 || i >= kCountsLen) return;
  counts_[size_t(i)]++;
  total_++;
}

int64_t LatencyHistogram::ValueAtPercentile(double percentile) const {
  const double p = percentile < 100.0 ? percentile : 100.0;
  int64_t want = int64_t((p / 100) * double(total_) + 0.5);
  if (want < 1) want = 1;
  int64_t seen = 0;
  for (int i = 0; i < kCountsLen; i++) {
    seen += int64_t(counts_[size_t(i)]);
    if (seen >= want) {
      const int64_t v = ValueAtIndex(i);
      return percentile == 0.0 ? LowestEquivalent(v) : HighestEquivalent(v);
    }
  }
  return 0;
}

// The logarithmic walk: levels 1024 ns, doubling. A level is reported at the
// first index whose value reaches it, with the count up to and including
// that index and the highest value equivalent to it.
std::vector<std::pair<int64_t, int64_t>> LatencyHistogram::CumulativeUsec() const {
  std::vector<std::pair<int64_t, int64_t>> out;
  int index = -1;
  int64_t value = 0, cumulative = 0, previous = 0;
  int64_t level = 1024;
  int64_t level_lowest = LowestEquivalent(level);
  auto move_next = [&]() {
    if (++index >= kCountsLen) return false;
    cumulative += int64_t(counts_[size_t(index)]);
    value = ValueAtIndex(index);
    return true;
  };
  for (;;) {
    const bool more = uint64_t(cumulative) < total_ ||
                      (index + 1 < kCountsLen && ValueAtIndex(index + 1) > level_lowest);
    if (!more) break;
    bool stepped = true;
    while (value < level_lowest) {
      if (!move_next()) {
        stepped = false;
        break;
      }
    }
    if (!stepped) break;
    level *= 2;
    level_lowest = LowestEquivalent(level);
    if (cumulative > previous) out.emplace_back(HighestEquivalent(value) / 1000, cumulative);
    previous = cumulative;
  }
  return out;
}

}  // namespace vireo
