// vireo-check-aof: checks (and with --fix truncates) an AOF the way
// redis-check-aof 7.0 does, with its messages and exit codes: a manifest
// (every base and incremental file it lists), an old single-file AOF, or
// one with an RDB preamble. --truncate-to-timestamp cuts the last file at
// the first "#TS:" annotation past the given time.
// Thread rule: a command-line tool, one thread.
#pragma once

namespace vireo {

// The tool's main: prints to stdout, returns the exit code (0 valid or fixed, 1 otherwise).
int CheckAofMain(int argc, char** argv);

}  // namespace vireo
