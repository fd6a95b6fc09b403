#include "server/config_values.h"

#include <climits>
#include <cstdio>

#include "base/ascii.h"
#include "base/numbers.h"

namespace vireo {

// Strict decimal, as Redis's string2ll (no '+', spaces, leading zeros, "-0"
// or overflow): the same parser command arguments use.
bool ParseStrictInt(std::string_view s, long long* out) { return ParseInt64(s, out); }

// Memory values: digits then an optional unit (b, k, kb, m, mb, g, gb; any
// case; k = 1000, kb = 1024). Like Redis, an empty number counts as 0, a
// too-large number saturates and the unit multiplication wraps around.
bool ParseMemory(std::string_view s, unsigned long long* out) {
  if (!s.empty() && s[0] == '-') return false;
  size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
  const std::string_view unit = s.substr(digits);
  unsigned long long mul;
  if (unit.empty() || EqualsNoCase(unit, "b")) {
    mul = 1;
  } else if (EqualsNoCase(unit, "k")) {
    mul = 1000;
  } else if (EqualsNoCase(unit, "kb")) {
    mul = 1024;
  } else if (EqualsNoCase(unit, "m")) {
    mul = 1000ULL * 1000;
  } else if (EqualsNoCase(unit, "mb")) {
    mul = 1024ULL * 1024;
  } else if (EqualsNoCase(unit, "g")) {
    mul = 1000ULL * 1000 * 1000;
  } else if (EqualsNoCase(unit, "gb")) {
    mul = 1024ULL * 1024 * 1024;
  } else {
    return false;
  }
  if (digits >= 128) return false;  // Redis copies the digits to a 128-byte buffer
  unsigned long long v = 0;
  for (size_t i = 0; i < digits; ++i) {
    const unsigned d = s[i] - '0';
    if (v > (ULLONG_MAX - d) / 10) {
      v = ULLONG_MAX;
      break;
    }
    v = v * 10 + d;
  }
  *out = v * mul;
  return true;
}

std::string RangeError(long long lo, long long hi) {
  return "argument must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
         " inclusive";
}

std::string EnumError(const std::vector<std::string_view>& names) {
  std::string s = "argument(s) must be one of the following: ";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) s += ", ";
    s += names[i];
  }
  return s;
}

bool ParseBool(std::string_view s, bool* out) {
  if (EqualsNoCase(s, "yes")) {
    *out = true;
  } else if (EqualsNoCase(s, "no")) {
    *out = false;
  } else {
    return false;
  }
  return true;
}

// Redis prints a percentile with "%f" and drops the trailing zeros.
std::string FormatPercentile(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%f", v);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s;
}

}  // namespace vireo
