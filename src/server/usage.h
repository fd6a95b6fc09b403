// The command-line options that are not configuration: --help, --version,
// and redis-server's tool modes (--test-memory, --check-system, --sentinel),
// which vireo-server refuses with a clear message.
//
// Pure functions of argv that print to stdout/stderr; call from main() only.
#ifndef VIREO_SERVER_USAGE_H_
#define VIREO_SERVER_USAGE_H_

#include <string>

namespace vireo {

// The `--version` line: Vireo's release and the Redis version it answers as.
std::string VersionLine();

// The `--help` text, with examples, in redis-server's layout.
std::string UsageText();

// Handles argv when it asks for one of the options above: prints, sets
// *exit_code and returns true (main then exits). Returns false when argv is
// a normal start (config file and --directive options).
bool HandleNonConfigOptions(int argc, char** argv, int* exit_code);

}  // namespace vireo

#endif  // VIREO_SERVER_USAGE_H_
