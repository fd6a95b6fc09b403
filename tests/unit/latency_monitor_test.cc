#include "server/latency_monitor.h"

#include <gtest/gtest.h>

#include "base/sparkline.h"

namespace vireo {
namespace {

// Six samples, one a second, 8 to 3 seconds ago: the graph redis-server
// 7.0.15 drew for DEBUG SLEEPs of these lengths (compared side by side).
LatencyMonitor SixSamples(int64_t now) {
  LatencyMonitor m;
  const int64_t ms[] = {100, 300, 60, 500, 120, 200};
  for (int i = 0; i < 6; ++i) m.Add("command", ms[i], now - 8 + i);
  return m;
}

TEST(LatencyMonitor, GraphAsRedisDrawsIt) {
  const int64_t now = 1796402000;
  LatencyMonitor m = SixSamples(now);
  EXPECT_EQ(LatencyMonitor::Graph("command", *m.Find("command"), now),
            "command - high 500 ms, low 60 ms (all time high 500 ms)\n" + std::string(80, '-') +
                "\n"
                "   #  \n"
                " _ |  \n"
                " | | _\n"
                "o|_|o|\n"
                "      \n"
                "876543\n"
                "ssssss\n");
}

TEST(LatencyMonitor, SameSecondKeepsWorstAndHistoryIsBounded) {
  LatencyMonitor m;
  m.Add("command", 5, 100);
  m.Add("command", 9, 100);
  m.Add("command", 7, 100);
  ASSERT_EQ(m.Find("command")->samples.size(), 1u);
  EXPECT_EQ(m.Find("command")->samples.back().latency_ms, 9);
  for (int i = 1; i <= 200; ++i) m.Add("command", 1, 100 + i);
  EXPECT_EQ(m.Find("command")->samples.size(), LatencyMonitor::kHistoryLen);
  EXPECT_EQ(m.Find("command")->samples.front().time_sec, 300 - 159);
  EXPECT_EQ(m.Find("command")->max_ms, 9);
  // Threshold: off at 0, inclusive otherwise.
  m.Record("expire-cycle", 50, 0, 400);
  m.Record("expire-cycle", 9, 10, 400);
  EXPECT_EQ(m.Find("expire-cycle"), nullptr);
  m.Record("expire-cycle", 10, 10, 400);
  EXPECT_NE(m.Find("expire-cycle"), nullptr);
  // HISTORY and GRAPH look names up exactly; RESET in any case.
  EXPECT_EQ(m.Find("COMMAND"), nullptr);
  EXPECT_EQ(m.Reset("COMMAND"), 1u);
  EXPECT_EQ(m.ResetAll(), 1u);
}

TEST(LatencyMonitor, DoctorTexts) {
  LatencyMonitor m;
  LatencyMonitor::DoctorInputs in;
  EXPECT_EQ(m.Doctor(in, 0).substr(0, 39), "I'm sorry, Dave, I can't do that. Laten");
  in.threshold_ms = 10;
  EXPECT_EQ(m.Doctor(in, 0).substr(0, 56), "Dave, no latency spike was observed during the lifetime ");
  const int64_t now = 1796402000;
  m = SixSamples(now);
  in.slowlog_log_slower_than = 1000000;  // 1000 ms > 10 ms: the tuning advice
  const std::string report = m.Doctor(in, now - 2);
  const std::string head =
            "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you "
            "Dave?\n\n1. command: 6 latency spikes (average 213ms, mean deviation 124ms, period 1.00 sec). Worst all "
            "time event 500ms.\n\nI have a few advices for you:\n\n- Your current Slow Log configuration only logs "
            "events that are slower than your c";
  EXPECT_EQ(report.substr(0, head.size()), head);
  EXPECT_NE(report.find("Please use 'CONFIG SET slowlog-log-slower-than 10000'.\n- Check your Slow Log"),
            std::string::npos);
  // An event Redis has no advice for.
  LatencyMonitor own;
  own.Add("snapshot-step", 12, now);
  EXPECT_NE(own.Doctor(in, now).find("\nWhile there are latency events logged, I'm not able to suggest any easy fix."),
            std::string::npos);
}

TEST(Sparkline, BlocksOfColumnsShareOneScale) {
  std::vector<SparklineSample> s;
  for (int i = 0; i < 5; ++i) s.push_back({double(i), ""});
  std::string out;
  RenderSparkline(s, 3, 1, false, &out);
  // One row of three levels: 0 -> '_', 1 (*3/4 = 0) -> '_', 2 -> '-', then
  // the next block 3 -> '`' ((3*3)/4 = 2), 4 -> '`' (clamped).
  EXPECT_EQ(out, "__-\n\n``\n");
}

}  // namespace
}  // namespace vireo
