// Text-level helpers for redis.conf syntax: splitting a line into arguments
// with Redis's quoting rules, quoting a value back, and turning command-line
// options (`--port 7000 --save ""`) into config lines the way redis-server
// does, so both sources go through one parser.
//
// All functions are pure and thread-safe.
#ifndef VIREO_SERVER_CONFIG_ARGS_H_
#define VIREO_SERVER_CONFIG_ARGS_H_

#include <string>
#include <string_view>
#include <vector>

namespace vireo {

// Splits `line` into arguments. Double quotes understand \n \r \t \b \a \\ \"
// and \xHH; single quotes understand \'. A closing quote must be followed by
// whitespace or the end of the line. Returns false on unbalanced quotes (the
// caller reports "Unbalanced quotes in configuration line").
bool SplitConfigArgs(std::string_view line, std::vector<std::string>* out);

// Returns `arg` inside double quotes with non-printable bytes escaped, so that
// SplitConfigArgs gives back exactly `arg`.
std::string QuoteConfigArg(std::string_view arg);

// Converts command-line options into config text, one directive per line:
// `--name` starts a line, the words after it become its quoted arguments.
// Mirrors redis-server: a value may itself start with "--" when the option
// name has no value yet, and a bare `--save` (last, or followed by another
// option) means `save ""`.
std::string CommandLineToConfigText(const std::vector<std::string>& args);

}  // namespace vireo

#endif  // VIREO_SERVER_CONFIG_ARGS_H_
