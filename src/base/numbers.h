// Number parsing and formatting with exactly the rules Redis 7.0 applies to
// command arguments and replies. Every command that reads a count, score or
// increment goes through here, so a value accepted or rejected by redis-server
// is accepted or rejected here too, and a number is printed with the same bytes.
//
// Threading: free functions without shared state; safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace vireo {

// Bytes FormatInt64/FormatUint64 may write: 20 digits plus a sign.
inline constexpr size_t kMaxInt64Chars = 21;

// Strict decimal integer, as Redis's string2ll: optional '-', then digits with
// no leading zero (except "0" itself); "-0", '+', spaces, empty strings,
// strings longer than 20 bytes and out-of-range values are all rejected.
bool ParseInt64(std::string_view s, long long* out);

// The same strictness for unsigned values (no sign at all, up to 2^64-1).
bool ParseUint64(std::string_view s, unsigned long long* out);

// A double as Redis's getDoubleFromObject reads it: strtod over the whole
// string, no leading whitespace, "inf"/"+inf"/"-inf"/"infinity" and hex
// floats accepted, NaN rejected, overflow and underflow-to-zero rejected
// (gradual underflow to a denormal is accepted).
bool ParseDouble(std::string_view s, double* out);

// A long double as Redis's string2ld reads it (INCRBYFLOAT, HINCRBYFLOAT):
// the same rules with strtold, plus a length limit of 5119 bytes.
bool ParseLongDouble(std::string_view s, long double* out);

// (long long)d as Redis's x86-64 build computes it: truncation toward zero,
// and the "integer indefinite" INT64_MIN for NaN, inf and anything outside
// the int64 range, where a plain C++ cast is undefined behaviour.
inline long long TruncToInt64(long double d) {
  if (!(d > -9223372036854775809.0L && d < 9223372036854775808.0L)) return INT64_MIN;
  return static_cast<long long>(d);
}

// Writes the decimal text of v to buf (at least kMaxInt64Chars bytes, not
// NUL-terminated) and returns its length.
size_t FormatInt64(long long v, char* buf);
size_t FormatUint64(unsigned long long v, char* buf);
std::string Int64ToString(long long v);

// The text INCRBYFLOAT/HINCRBYFLOAT store and reply: "%.17Lf" with trailing
// zeros (and a bare trailing dot) removed, "-0" shown as "0", infinities as
// "inf"/"-inf".
std::string FormatLongDouble(long double v);

// The text Redis 7.0 replies for a double (addReplyDouble): "%.17g", with
// infinities as "inf"/"-inf". 0.1 gives "0.10000000000000001".
std::string FormatDouble(double d);

// A SCAN/SSCAN/HSCAN/ZSCAN cursor as Redis reads it: strtoul in base 10 over
// the whole argument, no leading space (so "+5" and "" are accepted).
bool ParseScanCursor(std::string_view arg, uint64_t* cursor);

}  // namespace vireo

