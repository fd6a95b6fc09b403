// Parsers for configuration values with Redis 7.0's accepted syntax and its
// reason texts ("argument must be a memory value", ...), shared by the table
// of implemented options (config_table.cc) and the table of compatibility
// directives (config_compat.cc).
//
// Pure functions; thread-safe.
#ifndef VIREO_SERVER_CONFIG_VALUES_H_
#define VIREO_SERVER_CONFIG_VALUES_H_

#include <string>
#include <string_view>
#include <vector>

namespace vireo {

inline constexpr std::string_view kNotInteger = "argument couldn't be parsed into an integer";
inline constexpr std::string_view kNotMemory = "argument must be a memory value";
inline constexpr std::string_view kNotBool = "argument must be 'yes' or 'no'";

// Strict decimal, as Redis's string2ll (no '+', spaces, leading zeros, "-0"
// or overflow): the same parser command arguments use.
bool ParseStrictInt(std::string_view s, long long* out);

// Memory values: digits then an optional unit (b, k, kb, m, mb, g, gb; any
// case; k = 1000, kb = 1024). Like Redis, an empty number counts as 0, a
// too-large number saturates and the unit multiplication wraps around.
bool ParseMemory(std::string_view s, unsigned long long* out);

// "yes" / "no", any case.
bool ParseBool(std::string_view s, bool* out);

// "argument must be between LO and HI inclusive".
std::string RangeError(long long lo, long long hi);

// "argument(s) must be one of the following: a, b, c".
std::string EnumError(const std::vector<std::string_view>& names);

// A percentile as Redis prints it: "%f" without trailing zeros (99.9, 50).
std::string FormatPercentile(double v);

}  // namespace vireo

#endif  // VIREO_SERVER_CONFIG_VALUES_H_
