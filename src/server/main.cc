// vireo-server entry point: `vireo-server [file.conf] [--directive value ...]`,
// the same command line as redis-server.
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "base/log.h"
#include "base/numbers.h"
#include "server/config.h"
#include "server/aof.h"
#include "server/crash_report.h"
#include "server/restart.h"
#include "server/server.h"
#include "server/usage.h"

namespace {

void OnTerminate(int sig) { vireo::Server::RequestShutdownFromSignal(sig); }

void WritePidfile(const std::string& path) {
  if (path.empty()) return;
  std::ofstream f(path);
  f << getpid() << "\n";
}

}  // namespace

#ifdef VIREO_JEMALLOC
// jemalloc's start-up options (MALLOC_CONF in the environment still
// overrides them). Pages freed by the allocator stay resident as "dirty"
// until they decay; jemalloc's default decay of 10 s keeps ~0.2x of
// maxmemory of such pages under a churn of mixed value sizes, where every
// switch of size classes frees whole slabs. A 1 s decay, purged by the
// background thread (jemalloc-bg-thread yes), returns them while the working
// set is steady and costs no measurable throughput (bench/churn_bench.py).
extern "C" {
const char* malloc_conf = "dirty_decay_ms:1000";
}
#endif

// True when /sys says transparent huge pages are "[always]" on.
static bool SystemThpAlways() {
  std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string line;
  return std::getline(f, line) && line.find("[always]") != std::string::npos;
}

int main(int argc, char** argv) {
  vireo::RememberCommandLine(argc, argv);  // DEBUG RESTART execs the same line again
  int exit_code = 0;
  if (vireo::HandleNonConfigOptions(argc, argv, &exit_code)) return exit_code;
  vireo::Config config;
  std::string error;
  if (!config.LoadFromArgs(argc, argv, &error)) {
    fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  const vireo::ServerConfig& c = config.values();
  if (!c.dir.empty() && chdir(c.dir.c_str()) != 0) {
    fprintf(stderr, "Can't chdir to '%s': %s\n", c.dir.c_str(), strerror(errno));
    return 1;
  }
  vireo::Log::Configure(c.logfile, vireo::LogSeverity(c.loglevel));
  vireo::InstallCrashHandlers();
  // disable-thp (Redis's default yes): when the system gives every process
  // transparent huge pages ("always"), this one opts out, as Redis does;
  // under "madvise" nothing asks for them anyway.
  auto thp = c.compat_values.find("disable-thp");
  if ((thp == c.compat_values.end() || thp->second == "yes") && SystemThpAlways()) {
    prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
  }

  // Room for maxclients connections plus listeners and files.
  rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rlim_t want = rlim_t(c.maxclients) + 32;
    if (rl.rlim_cur < want) {
      rl.rlim_cur = std::min(want, rl.rlim_max);
      setrlimit(RLIMIT_NOFILE, &rl);
    }
  }
  signal(SIGPIPE, SIG_IGN);
  struct sigaction sa {};
  sa.sa_handler = OnTerminate;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);

  vireo::Server server(std::move(config));
  if (!server.ApplyCommandRenames(&error)) {
    fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  if (!server.LoadAclAtStartup(&error)) {
    fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  if (!server.Listen(&error)) {
    VLOG_WARNING("%s", error.c_str());
    return 1;
  }
  WritePidfile(server.cfg().pidfile);
  VLOG_NOTICE("Vireo %s (Redis %s compatible) started, pid=%d, port=%d", vireo::kVireoRelease,
              vireo::kRedisCompatVersion, int(getpid()), server.cfg().port);
  VLOG_NOTICE("Server initialized");
  server.ApplyAllocatorConfig();
  server.MarkStartupMemory();  // before any data: the base of used_memory_overhead
  if (server.cfg().appendonly) {
    // With appendonly yes the AOF is the dataset (the RDB is not read), as Redis.
    if (!server.aof().StartAtBoot()) {
      if (!server.cfg().pidfile.empty()) unlink(server.cfg().pidfile.c_str());
      return 1;
    }
  } else {
    bool missing = false;
    if (!server.LoadRdb(&error, &missing, true) && !missing) {
      VLOG_WARNING("Fatal error loading the DB: %s. Exiting.", error.c_str());
      if (!server.cfg().pidfile.empty()) unlink(server.cfg().pidfile.c_str());
      return 1;
    }
  }
  {
    // `replicaof <host> <port>` in the config: start as a replica (after
    // the file is loaded, so its recorded history can be continued).
    auto it = server.cfg().compat_values.find("replicaof");
    if (it != server.cfg().compat_values.end() && !it->second.empty()) {
      const size_t sp = it->second.rfind(' ');
      long long port = 0;
      if (sp == std::string::npos || !vireo::ParseInt64(std::string_view(it->second).substr(sp + 1), &port) ||
          port < 0 || port > 65535) {
        VLOG_WARNING("Invalid master port in replicaof: %s", it->second.c_str());
        return 1;
      }
      server.repl().SetMaster(it->second.substr(0, sp), int(port));
    }
  }
  VLOG_NOTICE("Ready to accept connections tcp");
  int rc = server.Run();
  if (!server.cfg().pidfile.empty()) unlink(server.cfg().pidfile.c_str());
  return rc;
}
