// Server log in redis-server's line format ("pid:M 26 Nov 2026 04:34:10.123 * text").
// Not thread-safe: used from the node's main thread only (the role letter is atomic).
#pragma once
#include <string>

namespace vireo {

enum class LogSeverity { kDebug = 0, kVerbose = 1, kNotice = 2, kWarning = 3 };

class Log {
 public:
  // Empty path: standard output.
  static void Configure(const std::string& path, LogSeverity level);
  static void Write(LogSeverity level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
  // The role letter after the pid, as Redis writes it: 'M' for a primary,
  // 'S' for a replica. Set by replication when the node changes role.
  static void SetRole(char role);
  // The log's file descriptor (crash reports write stack traces to it).
  static int Fd();
};

#define VLOG_NOTICE(...) ::vireo::Log::Write(::vireo::LogSeverity::kNotice, __VA_ARGS__)
#define VLOG_WARNING(...) ::vireo::Log::Write(::vireo::LogSeverity::kWarning, __VA_ARGS__)
#define VLOG_VERBOSE(...) ::vireo::Log::Write(::vireo::LogSeverity::kVerbose, __VA_ARGS__)

}  // namespace vireo
