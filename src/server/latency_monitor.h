// LatencyMonitor: the latency events of one node (Redis's latency monitor).
// For every event name (a command run, an expiry cycle, an AOF write...) it
// keeps the worst latency of each of the last 160 seconds that had one at or
// over latency-monitor-threshold, and the all-time worst. LATENCY LATEST,
// HISTORY, RESET, GRAPH and DOCTOR read it; the event names and where each
// is measured are listed in ARCHITECTURE.md ("Latency monitor").
//
// Threading: owned by the Server and used on its loop thread only (a worker
// thread's figures reach it through the loop, see Aof).
#ifndef VIREO_SERVER_LATENCY_MONITOR_H_
#define VIREO_SERVER_LATENCY_MONITOR_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace vireo {

class LatencyMonitor {
 public:
  static constexpr size_t kHistoryLen = 160;  // samples kept per event, as Redis

  struct Sample {
    int64_t time_sec;
    int64_t latency_ms;
  };
  struct Series {
    std::deque<Sample> samples;  // oldest first, one per second at most
    int64_t max_ms = 0;          // all-time worst (survives the history)
  };
  using Events = std::map<std::string, Series, std::less<>>;

  // What DOCTOR's advice depends on besides the events.
  struct DoctorInputs {
    int64_t threshold_ms = 0;              // latency-monitor-threshold
    int64_t slowlog_log_slower_than = 0;   // microseconds, -1 disabled
    int hz = 10;
    bool appendfsync_always = false;
    size_t anon_huge_pages = 0;            // bytes of the process in THP
  };

  // Records `ms` for `event` at `now_sec`: a second's sample keeps its worst.
  // The caller checks the threshold (Record below does both).
  void Add(std::string_view event, int64_t ms, int64_t now_sec);
  // Adds the sample when the monitor is on (threshold > 0) and ms reaches it.
  void Record(std::string_view event, int64_t ms, int64_t threshold_ms, int64_t now_sec) {
    if (threshold_ms > 0 && ms >= threshold_ms) [[unlikely]] Add(event, ms, now_sec);
  }

  const Events& events() const { return events_; }
  // The series of `event`, exact name (HISTORY and GRAPH, as Redis); null if none.
  const Series* Find(std::string_view event) const;
  // Forgets `event` (any case, as Redis's RESET); returns how many went.
  size_t Reset(std::string_view event);
  size_t ResetAll();

  // LATENCY GRAPH's text for one event (an 80-column sparkline, labels say
  // how long ago each sample was taken).
  static std::string Graph(std::string_view event, const Series& s, int64_t now_sec);
  // LATENCY DOCTOR's report: Redis's text, derived from the events.
  std::string Doctor(const DoctorInputs& in, int64_t now_sec) const;

 private:
  Events events_;
};

}  // namespace vireo

#endif  // VIREO_SERVER_LATENCY_MONITOR_H_
