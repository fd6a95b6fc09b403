// vireo-forwarder --state FILE [--hold-ms N]: the endpoints of engine redis
// groups, started by vireo-manager once per host (forwarder.h).
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "forwarder/forwarder.h"

int main(int argc, char** argv) {
  std::string state;
  int hold_ms = 10000;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--state") && i + 1 < argc) {
      state = argv[++i];
    } else if (!strcmp(argv[i], "--hold-ms") && i + 1 < argc) {
      hold_ms = atoi(argv[++i]);
    } else {
      fprintf(stderr, "usage: vireo-forwarder --state FILE [--hold-ms N]\n");
      return 2;
    }
  }
  if (state.empty() || hold_ms < 0) {
    fprintf(stderr, "usage: vireo-forwarder --state FILE [--hold-ms N]\n");
    return 2;
  }
  // Six descriptors per connection (two sockets, two pipes).
  rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  vireo::forwarder::Forwarder f(state, hold_ms);
  return f.Run();
}
