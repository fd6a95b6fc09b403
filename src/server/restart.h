// Restarting the node in place (DEBUG RESTART, DEBUG CRASH-AND-RECOVER):
// the process execs its own binary again with the command line it started
// with, from the directory it started in (the config may have moved it with
// `dir`), after closing every descriptor above stderr, as Redis's
// restartServer does.
// Thread rule: RememberCommandLine from main() before any thread starts;
// ExecSelf from the main thread.
#pragma once
#include <cstdint>

namespace vireo {

void RememberCommandLine(int argc, char** argv);
// False (and a log line) when the binary cannot be executed; otherwise it
// does not return (an exec failure ends the process with status 1).
bool ExecSelf(int64_t delay_ms);

}  // namespace vireo
