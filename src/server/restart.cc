#include "server/restart.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <climits>
#include <string>
#include <vector>

#include "base/log.h"

extern char** environ;

namespace vireo {
namespace {

std::vector<std::string> g_argv;
std::string g_executable;
std::string g_start_dir;

}  // namespace

void RememberCommandLine(int argc, char** argv) {
  g_argv.assign(argv, argv + argc);
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n > 0) g_executable.assign(buf, size_t(n));
  if (getcwd(buf, sizeof(buf))) g_start_dir = buf;
}

bool ExecSelf(int64_t delay_ms) {
  if (g_executable.empty() || access(g_executable.c_str(), X_OK) != 0) {
    VLOG_WARNING("Can't restart: this process has no permissions to execute %s", g_executable.c_str());
    return false;
  }
  rlimit rl{};
  const long max_fd = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? long(rl.rlim_cur) : 65536;
  for (long fd = 3; fd < max_fd; ++fd) {
    if (fcntl(int(fd), F_GETFD) != -1) close(int(fd));
  }
  if (delay_ms > 0) usleep(useconds_t(delay_ms * 1000));
  if (!g_start_dir.empty() && chdir(g_start_dir.c_str()) != 0) _exit(1);
  std::vector<char*> argv;
  for (std::string& a : g_argv) argv.push_back(a.data());
  argv.push_back(nullptr);
  execve(g_executable.c_str(), argv.data(), environ);
  _exit(1);  // nothing else can be done: every descriptor is closed
}

}  // namespace vireo
