#include "base/numbers.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "base/ascii.h"

namespace vireo {
namespace {

// Redis refuses numeric strings of 21 bytes or more before looking at them.
constexpr size_t kMaxIntegerTextLen = 20;
// Redis parses long doubles from a buffer of 5 KB (MAX_LONG_DOUBLE_CHARS).
constexpr size_t kLongDoubleBufferSize = 5 * 1024;

// Accumulates the digits of s (no sign) into *out; false on a non-digit, a
// leading zero in a multi-digit number, or overflow of 64 bits.
bool ParseMagnitude(std::string_view s, unsigned long long* out) {
  if (s.empty()) return false;
  if (s.size() == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  if (s[0] < '1' || s[0] > '9') return false;
  unsigned long long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    unsigned digit = unsigned(c - '0');
    if (v > (~0ULL - digit) / 10) return false;
    v = v * 10 + digit;
  }
  *out = v;
  return true;
}


// strtod/strtold need a NUL-terminated string; arguments are views into the
// query buffer, so copy them (on the stack when short, which is the usual case).
template <typename T, typename Convert>
bool ParseFloating(std::string_view s, T* out, Convert convert) {
  if (s.empty() || IsCSpace(s[0])) return false;
  char small[128];
  std::vector<char> large;
  char* text = small;
  if (s.size() >= sizeof(small)) {
    large.resize(s.size() + 1);
    text = large.data();
  }
  if (!s.empty()) std::memcpy(text, s.data(), s.size());
  text[s.size()] = '\0';
  errno = 0;
  char* end = nullptr;
  T value = convert(text, &end);
  // An embedded NUL stops the conversion early and so fails this test too.
  if (size_t(end - text) != s.size()) return false;
  if (errno == ERANGE && (std::isinf(value) || value == 0)) return false;
  if (errno == EINVAL || std::isnan(value)) return false;
  *out = value;
  return true;
}

// Two digits at a time halves the divisions of the naive loop.
constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

}  // namespace

bool ParseInt64(std::string_view s, long long* out) {
  if (s.empty() || s.size() > kMaxIntegerTextLen) return false;
  bool negative = s[0] == '-';
  if (negative) s.remove_prefix(1);
  unsigned long long magnitude;
  // "-0" is rejected by Redis: after the sign the first digit must be 1-9.
  if (negative && !s.empty() && s[0] == '0') return false;
  if (!ParseMagnitude(s, &magnitude)) return false;
  if (negative) {
    if (magnitude > (1ULL << 63)) return false;
    *out = magnitude == (1ULL << 63) ? (-9223372036854775807LL - 1) : -static_cast<long long>(magnitude);
  } else {
    if (magnitude > 9223372036854775807ULL) return false;
    *out = static_cast<long long>(magnitude);
  }
  return true;
}

bool ParseUint64(std::string_view s, unsigned long long* out) {
  if (s.size() > kMaxIntegerTextLen) return false;
  return ParseMagnitude(s, out);
}

bool ParseDouble(std::string_view s, double* out) {
  return ParseFloating<double>(s, out, [](const char* p, char** e) { return std::strtod(p, e); });
}

bool ParseLongDouble(std::string_view s, long double* out) {
  if (s.size() >= kLongDoubleBufferSize) return false;
  return ParseFloating<long double>(s, out,
                                    [](const char* p, char** e) { return std::strtold(p, e); });
}

size_t FormatUint64(unsigned long long v, char* buf) {
  char tmp[kMaxInt64Chars];
  char* p = tmp + sizeof(tmp);
  while (v >= 100) {
    unsigned pair = unsigned(v % 100) * 2;
    v /= 100;
    *--p = kDigitPairs[pair + 1];
    *--p = kDigitPairs[pair];
  }
  if (v >= 10) {
    unsigned pair = unsigned(v) * 2;
    *--p = kDigitPairs[pair + 1];
    *--p = kDigitPairs[pair];
  } else {
    *--p = char('0' + v);
  }
  size_t len = size_t(tmp + sizeof(tmp) - p);
  std::memcpy(buf, p, len);
  return len;
}

size_t FormatInt64(long long v, char* buf) {
  if (v >= 0) return FormatUint64(static_cast<unsigned long long>(v), buf);
  buf[0] = '-';
  // Negating in unsigned arithmetic keeps LLONG_MIN well defined.
  unsigned long long magnitude = 0ULL - static_cast<unsigned long long>(v);
  return 1 + FormatUint64(magnitude, buf + 1);
}

std::string Int64ToString(long long v) {
  char buf[kMaxInt64Chars];
  return std::string(buf, FormatInt64(v, buf));
}

std::string FormatLongDouble(long double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  // The largest long double has 4933 integer digits; ask for the exact size
  // rather than trusting a fixed buffer.
  int needed = std::snprintf(nullptr, 0, "%.17Lf", v);
  if (needed <= 0) return std::string();
  std::string out(size_t(needed) + 1, '\0');
  std::snprintf(out.data(), out.size(), "%.17Lf", v);
  out.resize(size_t(needed));
  if (out.find('.') != std::string::npos) {
    size_t end = out.size();
    while (out[end - 1] == '0') --end;
    if (out[end - 1] == '.') --end;
    out.resize(end);
  }
  // A tiny negative result rounds to "-0.000..." and must read as zero.
  if (out == "-0") out = "0";
  return out;
}

std::string FormatDouble(double d) {
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[64];
  int len = std::snprintf(buf, sizeof(buf), "%.17g", d);
  return std::string(buf, size_t(len));
}

bool ParseScanCursor(std::string_view arg, uint64_t* cursor) {
  std::string text(arg);
  if (!text.empty() && IsCSpace(text[0])) return false;
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (*end != '\0' || errno == ERANGE) return false;
  *cursor = v;
  return true;
}

}  // namespace vireo
