#include "base/log.h"

#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <ctime>

namespace vireo {
namespace {
FILE* g_out = nullptr;  // process-wide sink; the log is a process concern
LogSeverity g_level = LogSeverity::kNotice;
std::atomic<char> g_role{'M'};
}  // namespace

void Log::Configure(const std::string& path, LogSeverity level) {
  g_level = level;
  if (g_out && g_out != stdout) fclose(g_out);
  g_out = stdout;
  if (!path.empty()) {
    FILE* f = fopen(path.c_str(), "a");
    if (f) g_out = f;
  }
}

int Log::Fd() { return fileno(g_out ? g_out : stdout); }

void Log::SetRole(char role) { g_role.store(role, std::memory_order_relaxed); }

void Log::Write(LogSeverity level, const char* fmt, ...) {
  if (level < g_level) return;
  if (!g_out) g_out = stdout;
  static const char kMarks[] = {'.', '-', '*', '#'};
  timeval tv;
  gettimeofday(&tv, nullptr);
  tm t;
  localtime_r(&tv.tv_sec, &t);
  char when[64];
  size_t n = strftime(when, sizeof(when), "%d %b %Y %H:%M:%S.", &t);
  snprintf(when + n, sizeof(when) - n, "%03d", int(tv.tv_usec / 1000));
  fprintf(g_out, "%d:%c %s %c ", int(getpid()), g_role.load(std::memory_order_relaxed), when, kMarks[int(level)]);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(g_out, fmt, ap);
  va_end(ap);
  fputc('\n', g_out);
  fflush(g_out);
}

}  // namespace vireo
