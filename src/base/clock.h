// Wall and monotonic clocks in the units the node uses everywhere.
// Thread-safe: pure functions.
#pragma once
#include <cstdint>
#include <ctime>

namespace vireo {

// Milliseconds since the Unix epoch (used for TTLs, which are absolute times).
inline int64_t NowMs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// Microseconds since the Unix epoch (TIME, SLOWLOG timestamps).
inline int64_t NowUs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

// Monotonic microseconds, for measuring durations (never jumps with the wall clock).
inline int64_t MonoUs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

}  // namespace vireo
