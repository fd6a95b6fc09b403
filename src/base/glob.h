// Redis-style glob matching, shared by CONFIG GET, KEYS, SCAN MATCH and
// PSUBSCRIBE. Patterns use '*', '?', '[...]' classes ('^' negates, 'a-z'
// ranges, reversed ranges allowed), and '\' to quote the next byte.
//
// The function is pure and thread-safe. It runs in O(pattern * subject) time
// (no exponential backtracking), while keeping Redis 7.0's observable results,
// including its quirks:
//   - an empty subject matches only an empty pattern (even "*" fails on "");
//   - an unclosed '[' class ends at the end of the pattern;
//   - a trailing '\' matches a literal backslash;
//   - range bounds compare as signed chars, as Redis does on x86;
//   - a pattern with more than 1000 '*' groups before its last token never
//     matches (Redis's recursion limit).
#ifndef VIREO_BASE_GLOB_H_
#define VIREO_BASE_GLOB_H_

#include <string_view>

namespace vireo {

bool GlobMatch(std::string_view pattern, std::string_view s, bool nocase = false);

}  // namespace vireo

#endif  // VIREO_BASE_GLOB_H_
