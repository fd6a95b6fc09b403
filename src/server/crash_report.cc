#include "server/crash_report.h"

#include <cxxabi.h>
#include <execinfo.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "base/log.h"
#include "base/version.h"

namespace vireo {
namespace {

constexpr int kFatalSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};

// One line per frame, with C++ names demangled ("binary(name+0x1f)[addr]").
// It allocates: acceptable for a process that is going down anyway (Redis
// makes the same trade), and the raw addresses are the fallback.
void WriteStackTrace() {
  VLOG_WARNING("\n------ STACK TRACE ------\n");
  void* frames[64];
  const int n = backtrace(frames, 64);
  char** symbols = backtrace_symbols(frames, n);
  if (!symbols) {
    backtrace_symbols_fd(frames, n, Log::Fd());
    return;
  }
  for (int i = 0; i < n; ++i) {
    std::string line = symbols[i];
    const size_t open = line.find('('), plus = line.find('+', open == std::string::npos ? 0 : open);
    if (open != std::string::npos && plus != std::string::npos && plus > open + 1) {
      int status = 0;
      char* name = abi::__cxa_demangle(line.substr(open + 1, plus - open - 1).c_str(), nullptr, nullptr, &status);
      if (status == 0 && name) line = line.substr(0, open + 1) + name + line.substr(plus);
      free(name);
    }
    line += '\n';
    if (write(Log::Fd(), line.data(), line.size()) < 0) break;
  }
  free(symbols);
}

void ReportStart() { VLOG_WARNING("\n\n=== VIREO BUG REPORT START: Cut & paste starting from here ==="); }

void ReportEnd() {
  VLOG_WARNING("\n=== VIREO BUG REPORT END. Make sure to include from START to END. ===\n");
}

// Back to the default action and re-raised: the process ends by `sig`.
[[noreturn]] void DieBy(int sig) {
  struct sigaction sa {};
  sa.sa_handler = SIG_DFL;
  sigemptyset(&sa.sa_mask);
  sigaction(sig, &sa, nullptr);
  raise(sig);
  _exit(128 + sig);
}

void OnFatalSignal(int sig, siginfo_t* info, void* /*context*/) {
  ReportStart();
  VLOG_WARNING("Vireo %s (Redis %s compatible) crashed by signal: %d, si_code: %d", kVireoRelease,
               kRedisCompatVersion, sig, info ? info->si_code : 0);
  // The address means something only for a fault the kernel raised (si_code > 0).
  if (info && info->si_code > 0 && (sig == SIGSEGV || sig == SIGBUS)) {
    VLOG_WARNING("Accessing address: %p", info->si_addr);
  }
  if (info && info->si_pid && sig != SIGSEGV) {
    VLOG_WARNING("Killed by PID: %d, UID: %d", int(info->si_pid), int(info->si_uid));
  }
  WriteStackTrace();
  ReportEnd();
  DieBy(sig);
}

}  // namespace

void InstallCrashHandlers() {
#if !defined(VIREO_SANITIZE) && !defined(__SANITIZE_ADDRESS__)
  struct sigaction sa {};
  sa.sa_sigaction = OnFatalSignal;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  for (int sig : kFatalSignals) sigaction(sig, &sa, nullptr);
#endif
}

void PanicNow(const char* reason) {
  VLOG_WARNING("------------------------------------------------");
  VLOG_WARNING("!!! Software Failure. Press left mouse button to continue");
  VLOG_WARNING("Guru Meditation: %s", reason);
  ReportStart();
  WriteStackTrace();
  ReportEnd();
  DieBy(SIGABRT);
}

void AssertFailed(const char* expression, const char* file, int line) {
  ReportStart();
  VLOG_WARNING("=== ASSERTION FAILED ===");
  VLOG_WARNING("==> %s:%d '%s' is not true", file, line, expression);
  WriteStackTrace();
  ReportEnd();
  DieBy(SIGABRT);
}

}  // namespace vireo
