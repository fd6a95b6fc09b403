#include "server/latency_monitor.h"

#include <strings.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <vector>

#include "base/sparkline.h"

namespace vireo {

void LatencyMonitor::Add(std::string_view event, int64_t ms, int64_t now_sec) {
  auto it = events_.find(event);
  if (it == events_.end()) it = events_.emplace(std::string(event), Series()).first;
  Series& s = it->second;
  if (ms > s.max_ms) s.max_ms = ms;
  if (!s.samples.empty() && s.samples.back().time_sec == now_sec) {
    if (ms > s.samples.back().latency_ms) s.samples.back().latency_ms = ms;
    return;
  }
  s.samples.push_back({now_sec, ms});
  if (s.samples.size() > kHistoryLen) s.samples.pop_front();
}

const LatencyMonitor::Series* LatencyMonitor::Find(std::string_view event) const {
  auto it = events_.find(event);
  return it == events_.end() ? nullptr : &it->second;
}

size_t LatencyMonitor::Reset(std::string_view event) {
  size_t n = 0;
  for (auto it = events_.begin(); it != events_.end();) {
    if (it->first.size() == event.size() && strncasecmp(it->first.data(), event.data(), event.size()) == 0) {
      it = events_.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  return n;
}

size_t LatencyMonitor::ResetAll() {
  size_t n = events_.size();
  events_.clear();
  return n;
}

namespace {

std::string Format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string Format(const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  if (n < 0) return std::string();
  if (size_t(n) < sizeof(buf)) return std::string(buf, size_t(n));
  std::string out(size_t(n) + 1, '\0');
  va_start(ap, fmt);
  vsnprintf(out.data(), out.size(), fmt, ap);
  va_end(ap);
  out.resize(size_t(n));
  return out;
}

// "12s", "3m", "5h", "2d": how long ago a sample was taken.
std::string AgeLabel(int64_t elapsed) {
  if (elapsed < 60) return std::to_string(elapsed) + "s";
  if (elapsed < 3600) return std::to_string(elapsed / 60) + "m";
  if (elapsed < 86400) return std::to_string(elapsed / 3600) + "h";
  return std::to_string(elapsed / 86400) + "d";
}

// DOCTOR's figures for one event: the samples' average and mean absolute
// deviation (integer ms, truncated) and the seconds since the oldest (at
// least 1).
struct EventStats {
  int samples = 0;
  uint64_t avg = 0, mad = 0;
  int64_t period = 0;
};

EventStats Analyze(const LatencyMonitor::Series& s, int64_t now_sec) {
  EventStats st;
  uint64_t sum = 0;
  int64_t oldest = 0;
  for (const auto& x : s.samples) {
    ++st.samples;
    sum += uint64_t(x.latency_ms);
    if (oldest == 0 || x.time_sec < oldest) oldest = x.time_sec;
  }
  if (st.samples == 0) return st;
  st.avg = sum / uint64_t(st.samples);
  st.period = now_sec - oldest;
  if (st.period == 0) st.period = 1;
  uint64_t dev = 0;
  for (const auto& x : s.samples) {
    int64_t d = int64_t(st.avg) - x.latency_ms;
    dev += uint64_t(d < 0 ? -d : d);
  }
  st.mad = dev / uint64_t(st.samples);
  return st;
}

bool Is(std::string_view a, const char* b) { return strcasecmp(std::string(a).c_str(), b) == 0; }

}  // namespace

std::string LatencyMonitor::Graph(std::string_view event, const Series& s, int64_t now_sec) {
  std::vector<SparklineSample> points;
  int64_t lo = 0, hi = 0;
  for (const auto& x : s.samples) {
    if (points.empty()) {
      lo = hi = x.latency_ms;
    } else {
      lo = std::min(lo, x.latency_ms);
      hi = std::max(hi, x.latency_ms);
    }
    points.push_back({double(x.latency_ms), AgeLabel(now_sec - x.time_sec)});
  }
  std::string out = Format("%.*s - high %lu ms, low %lu ms (all time high %lu ms)\n", int(event.size()),
                           event.data(), (unsigned long)hi, (unsigned long)lo, (unsigned long)s.max_ms);
  out.append(80, '-');
  out += '\n';
  RenderSparkline(points, 80, 4, /*fill=*/true, &out);
  return out;
}

// The report's texts are Redis 7.0's, word for word: operators and tools
// read them. Which advice is given follows from the events seen, as Redis
// decides it; events Redis does not know (Vireo's snapshot-*, see
// ARCHITECTURE.md) are listed without advice of their own.
std::string LatencyMonitor::Doctor(const DoctorInputs& in, int64_t now_sec) const {
  if (events_.empty() && in.threshold_ms == 0) {
    return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use "
           "\"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep "
           "space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n";
  }
  bool slowlog_enable = false, slowlog_tuning = false, slowlog_inspect = false, disk_contention = false,
       scheduler = false, data_writeback = false, no_appendfsync = false, local_disk = false, ssd = false,
       write_load_info = false, hz = false, large_objects = false, mass_eviction = false, relax_fsync = false,
       disable_thp = false;
  int advices = 0, eventnum = 0;
  std::string report;
  for (const auto& [event, series] : events_) {
    ++eventnum;
    if (eventnum == 1) {
      report += "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you "
                "Dave?\n\n";
    }
    EventStats st = Analyze(series, now_sec);
    report += Format(
        "%d. %s: %d latency spikes (average %lums, mean deviation %lums, period %.2f sec). Worst all time event "
        "%lums.",
        eventnum, event.c_str(), st.samples, (unsigned long)st.avg, (unsigned long)st.mad,
        st.samples ? double(st.period) / st.samples : 0.0, (unsigned long)series.max_ms);
    if (Is(event, "command")) {
      if (in.slowlog_log_slower_than < 0) {
        slowlog_enable = true;
        ++advices;
      } else if (in.slowlog_log_slower_than / 1000 > in.threshold_ms) {
        slowlog_tuning = true;
        ++advices;
      }
      slowlog_inspect = large_objects = true;
      advices += 2;
    }
    if (Is(event, "fast-command")) {
      scheduler = true;
      ++advices;
    }
    if (Is(event, "aof-write-pending-fsync")) {
      local_disk = disk_contention = ssd = data_writeback = true;
      advices += 4;
    }
    if (Is(event, "aof-write-active-child")) {
      no_appendfsync = data_writeback = ssd = true;
      advices += 3;
    }
    if (Is(event, "aof-write-alone")) {
      local_disk = data_writeback = ssd = true;
      advices += 3;
    }
    if (Is(event, "aof-fsync-always")) {
      relax_fsync = true;
      ++advices;
    }
    if (Is(event, "aof-fstat") || Is(event, "rdb-unlink-temp-file")) {
      disk_contention = local_disk = true;
      advices += 2;
    }
    if (Is(event, "aof-rewrite-diff-write") || Is(event, "aof-rename")) {
      write_load_info = data_writeback = ssd = local_disk = true;
      advices += 4;
    }
    if (Is(event, "expire-cycle")) {
      hz = large_objects = true;
      advices += 2;
    }
    if (Is(event, "eviction-del")) {
      large_objects = true;
      ++advices;
    }
    if (Is(event, "eviction-cycle")) {
      mass_eviction = true;
      ++advices;
    }
    report += '\n';
  }
  if (in.anon_huge_pages > 0) {
    disable_thp = true;
    ++advices;
  }

  if (eventnum == 0 && advices == 0) {
    report +=
        "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I "
        "honestly think you ought to sit down calmly, take a stress pill, and think things over.\n";
    return report;
  }
  if (eventnum > 0 && advices == 0) {
    report +=
        "\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis "
        "community to get some help, providing this report in your help request.\n";
    return report;
  }
  report += "\nI have a few advices for you:\n\n";
  const unsigned long long slowlog_us = (unsigned long long)in.threshold_ms * 1000;
  if (slowlog_enable) {
    report += Format(
        "- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis "
        "feature using the command 'CONFIG SET slowlog-log-slower-than %llu'. If the Slow log is disabled Redis is "
        "not able to log slow commands execution for you.\n",
        slowlog_us);
  }
  if (slowlog_tuning) {
    report += Format(
        "- Your current Slow Log configuration only logs events that are slower than your configured latency "
        "monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than %llu'.\n",
        slowlog_us);
  }
  if (slowlog_inspect) {
    report +=
        "- Check your Slow Log to understand what are the commands you are running which are too slow to execute. "
        "Please check https://redis.io/commands/slowlog for more information.\n";
  }
  if (scheduler) {
    report +=
        "- The system is slow to execute Redis code paths not containing system calls. This usually means the "
        "system does not provide Redis CPU time to run for long periods. You should try to:\n"
        "  1) Lower the system load.\n"
        "  2) Use a computer / VM just for Redis if you are running other software in the same system.\n"
        "  3) Check if you have a \"noisy neighbour\" problem.\n"
        "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n"
        "  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using "
        "Jemalloc. However this may create fragmentation problems.\n";
  }
  if (local_disk) {
    report +=
        "- It is strongly advised to use local disks for persistence, especially if you are using AOF. Remote disks "
        "provided by platform-as-a-service providers are known to be slow.\n";
  }
  if (ssd) {
    report +=
        "- SSD disks are able to reduce fsync latency, and total time needed for snapshotting and AOF log rewriting "
        "(resulting in smaller memory usage). With extremely high write load SSD disks can be a good option. However "
        "Redis should perform reasonably with high load using normal disks. Use this advice as a last resort.\n";
  }
  if (data_writeback) {
    report +=
        "- Mounting ext3/4 filesystems with data=writeback can provide a performance boost compared to "
        "data=ordered, however this mode of operation provides less guarantees, and sometimes it can happen that "
        "after a hard crash the AOF file will have a half-written command at the end and will require to be repaired "
        "before Redis restarts.\n";
  }
  if (disk_contention) {
    report +=
        "- Try to lower the disk contention. This is often caused by other disk intensive processes running in the "
        "same computer (including other Redis instances).\n";
  }
  if (no_appendfsync) {
    report +=
        "- Assuming from the point of view of data safety this is viable in your environment, you could try to "
        "enable the 'no-appendfsync-on-rewrite' option, so that fsync will not be performed while there is a child "
        "rewriting the AOF file or producing an RDB file (the moment where there is high disk contention).\n";
  }
  if (relax_fsync && in.appendfsync_always) {
    report +=
        "- Your fsync policy is set to 'always'. It is very hard to get good performances with such a setup, if "
        "possible try to relax the fsync policy to 'onesec'.\n";
  }
  if (write_load_info) {
    report +=
        "- Latency during the AOF atomic rename operation or when the final difference is flushed to the AOF file at "
        "the end of the rewrite, sometimes is caused by very high write load, causing the AOF buffer to get very "
        "large. If possible try to send less commands to accomplish the same work, or use Lua scripts to group "
        "multiple operations into a single EVALSHA call.\n";
  }
  if (hz && in.hz < 100) {
    report +=
        "- In order to make the Redis keys expiring process more incremental, try to set the 'hz' configuration "
        "parameter to 100 using 'CONFIG SET hz 100'.\n";
  }
  if (large_objects) {
    report +=
        "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If "
        "you have very large objects that are often deleted, expired, or evicted, try to fragment those objects "
        "into multiple smaller objects.\n";
  }
  if (mass_eviction) {
    report +=
        "- Sudden changes to the 'maxmemory' setting via 'CONFIG SET', or allocation of large objects via sets or "
        "sorted sets intersections, STORE option of SORT, Redis Cluster large keys migrations (RESTORE command), may "
        "create sudden memory pressure forcing the server to block trying to evict keys. \n";
  }
  if (disable_thp) {
    report +=
        "- I detected a non zero amount of anonymous huge pages used by your process. This creates very serious "
        "latency events in different conditions, especially when Redis is persisting on disk. To disable THP "
        "support use the command 'echo never > /sys/kernel/mm/transparent_hugepage/enabled', make sure to also add "
        "it into /etc/rc.local so that the command will be executed again after a reboot. Note that even if you "
        "have already disabled THP, you still need to restart the Redis process to get rid of the huge pages "
        "already created.\n";
  }
  return report;
}

}  // namespace vireo
