// ASCII helpers with the C locale's meaning, independent of the process
// locale: the character classes Redis's parsers use and case-insensitive
// comparison of command names and options.
// Thread rule: pure functions, safe from any thread.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace vireo {

// isspace() in the C locale.
inline bool IsCSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// The value of a hex digit, or -1.
inline int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

inline char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? char(c + 32) : c; }

inline bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

// Lower-cases ASCII into out (a reused buffer) and returns it.
inline std::string_view ToLower(std::string_view s, std::string* out) {
  out->assign(s);
  for (char& c : *out) c = AsciiLower(c);
  return *out;
}

// Hash and equality for maps keyed by lower-case names that are looked up
// with names in any case, without copying or lowering them first
// (heterogeneous lookup: map.find(std::string_view)).
struct NoCaseHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const {
    uint64_t h = 1469598103934665603ULL;  // FNV-1a over the lowered bytes
    for (char c : s) h = (h ^ uint8_t(AsciiLower(c))) * 1099511628211ULL;
    return size_t(h);
  }
};
struct NoCaseEq {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const { return EqualsNoCase(a, b); }
};

}  // namespace vireo
