// Crash reports. On a fatal signal (SIGSEGV, SIGBUS, SIGFPE, SIGILL,
// SIGABRT) the node writes a report to its log as Redis does -- "crashed by
// signal", the faulting address, a stack trace -- and then dies of that same
// signal, so exit status and core dumps stay the kernel's. PanicNow and
// AssertFailed are the deliberate crashes (DEBUG PANIC / ASSERT): they log
// Redis's "Guru Meditation" / "ASSERTION FAILED" lines, the stack, and abort.
// Not installed under sanitizers: they print their own reports.
// Thread rule: any thread (signal context); best effort, like Redis's.
#pragma once

namespace vireo {

void InstallCrashHandlers();
[[noreturn]] void PanicNow(const char* reason);
[[noreturn]] void AssertFailed(const char* expression, const char* file, int line);

}  // namespace vireo
