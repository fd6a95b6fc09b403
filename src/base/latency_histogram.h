// LatencyHistogram: a per-command latency distribution in nanoseconds, laid
// out as an HDR histogram tracking 1 ns .. 1 s with 2 significant digits, the
// parameters Redis 7.0 uses for latency tracking. The layout (log-linear
// buckets of 128 linear sub-buckets each) and the two read-outs Redis
// reports -- the value at a percentile and a walk over power-of-two
// microsecond levels -- follow the published HDR histogram algorithm, so
// INFO latencystats and LATENCY HISTOGRAM show the same figures Redis would
// for the same recorded values. Written for Vireo, not a copy of a library.
//
// Recording is an index computation and an increment. Not thread-safe: each
// histogram belongs to the event-loop thread that owns its Command.
#ifndef VIREO_BASE_LATENCY_HISTOGRAM_H_
#define VIREO_BASE_LATENCY_HISTOGRAM_H_

#include <cstdint>
#include <utility>
#include <vector>

namespace vireo {

class LatencyHistogram {
 public:
  static constexpr int64_t kLowest = 1;            // ns
  static constexpr int64_t kHighest = 1000000000;  // ns (1 s)

  LatencyHistogram();

  // Records one value in ns, clamped into [kLowest, kHighest] as Redis does.
  void Record(int64_t ns);
  uint64_t total() const { return total_; }

  // The highest value equivalent to the one at `percentile` (0..100), in ns;
  // 0 when empty.
  int64_t ValueAtPercentile(double percentile) const;

  // Cumulative distribution as LATENCY HISTOGRAM replies it: pairs of
  // (microseconds, cumulative count) at the levels 1024 ns, 2048 ns, ...,
  // only where the cumulative count grew.
  std::vector<std::pair<int64_t, int64_t>> CumulativeUsec() const;

  // Layout helpers, public for tests.
  static int64_t ValueAtIndex(int index);
  static int IndexFor(int64_t value);
  static int64_t LowestEquivalent(int64_t value);
  static int64_t HighestEquivalent(int64_t value);

 private:
  std::vector<uint64_t> counts_;
  uint64_t total_ = 0;
};

}  // namespace vireo

#endif  // VIREO_BASE_LATENCY_HISTOGRAM_H_
