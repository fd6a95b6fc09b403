#include "server/usage.h"

#include <cstdio>
#include <cstring>

#include "base/version.h"

namespace vireo {

std::string VersionLine() {
  return std::string("Vireo server v=") + kVireoRelease + " redis_version=" + kRedisCompatVersion +
         " bits=" + std::to_string(sizeof(void*) * 8);
}

std::string UsageText() {
  return "Usage: vireo-server [/path/to/redis.conf] [options] [-]\n"
         "       vireo-server - (read config from stdin)\n"
         "       vireo-server -v or --version\n"
         "       vireo-server -h or --help\n"
         "\n"
         "Options are redis.conf directives written --name value; they are read after\n"
         "the file, so they override it. Every Redis 7.0 directive is known: one that\n"
         "asks for something vireo-server does not do yet is refused at start-up, and\n"
         "all such lines are listed together.\n"
         "\n"
         "Examples:\n"
         "       vireo-server (run the server with default conf)\n"
         "       echo 'maxmemory 128mb' | vireo-server -\n"
         "       vireo-server /etc/redis/6379.conf\n"
         "       vireo-server --port 7777\n"
         "       vireo-server --port 7777 --bind 127.0.0.1 --save \"\"\n"
         "       vireo-server /etc/myredis.conf --loglevel verbose -\n"
         "       vireo-server /etc/myredis.conf --loglevel verbose\n"
         "\n"
         "Not available (redis-server has them): --test-memory, --check-system,\n"
         "--sentinel (vireo-manager speaks the Sentinel protocol instead).\n";
}

bool HandleNonConfigOptions(int argc, char** argv, int* exit_code) {
  for (int i = 1; i < argc; ++i) {
    // redis-server switches to Sentinel mode when --sentinel appears anywhere.
    if (std::strcmp(argv[i], "--sentinel") == 0) {
      std::fprintf(stderr,
                   "vireo-server has no Sentinel mode: vireo-manager provides the Sentinel "
                   "protocol for its groups.\n");
      *exit_code = 1;
      return true;
    }
  }
  if (argc < 2) return false;
  const char* a = argv[1];
  if (!std::strcmp(a, "-v") || !std::strcmp(a, "--version")) {
    std::printf("%s\n", VersionLine().c_str());
    *exit_code = 0;
    return true;
  }
  if (!std::strcmp(a, "-h") || !std::strcmp(a, "--help")) {
    std::fputs(UsageText().c_str(), stdout);
    *exit_code = 0;
    return true;
  }
  if (!std::strcmp(a, "--test-memory")) {
    std::fprintf(stderr,
                 "vireo-server --test-memory is not supported: test the machine's memory with "
                 "memtester or memtest86+ instead.\n");
    *exit_code = 1;
    return true;
  }
  if (!std::strcmp(a, "--check-system")) {
    std::fprintf(stderr, "vireo-server --check-system is not supported yet.\n");
    *exit_code = 1;
    return true;
  }
  return false;
}

}  // namespace vireo
