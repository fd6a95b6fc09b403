#include "base/glob.h"

#include <cstddef>
#include <utility>

namespace vireo {
namespace {

// Redis stops recursing into '*' after this depth and reports "no match".
constexpr int kMaxStarGroups = 1000;

int Lower(int c) { return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c; }

bool SameByte(char a, char b, bool nocase) {
  if (!nocase) return a == b;
  return Lower(static_cast<unsigned char>(a)) == Lower(static_cast<unsigned char>(b));
}

// Matches byte `c` against the class whose body starts at p[*i] (just after
// '['). On return *i indexes the last pattern byte belonging to the class,
// so the caller resumes at *i + 1. An unclosed class ends at the pattern end.
bool MatchClass(std::string_view p, size_t* i, char c, bool nocase) {
  const size_t n = p.size();
  size_t k = *i;
  const bool negate = k < n && p[k] == '^';
  if (negate) ++k;
  bool hit = false;
  while (true) {
    if (k >= n) {
      k = n - 1;
      break;
    }
    if (p[k] == '\\' && n - k >= 2) {
      ++k;
      if (p[k] == c) hit = true;  // escaped bytes compare exactly
    } else if (p[k] == ']') {
      break;
    } else if (n - k >= 3 && p[k + 1] == '-') {
      // Redis compares plain (signed on x86) chars here, so bytes >= 0x80
      // sort below ASCII; keep that so results match byte for byte.
      int lo = static_cast<signed char>(p[k]);
      int hi = static_cast<signed char>(p[k + 2]);
      int ch = static_cast<signed char>(c);
      if (lo > hi) std::swap(lo, hi);
      if (nocase) {
        lo = Lower(lo);
        hi = Lower(hi);
        ch = Lower(ch);
      }
      k += 2;
      if (ch >= lo && ch <= hi) hit = true;
    } else if (SameByte(p[k], c, nocase)) {
      hit = true;
    }
    ++k;
  }
  *i = k;
  return negate ? !hit : hit;
}

// Counts '*' groups that are followed by another token; each one costs Redis
// a recursion level, and past kMaxStarGroups it gives up.
int CountInnerStarGroups(std::string_view p) {
  int groups = 0;
  size_t i = 0;
  const size_t n = p.size();
  while (i < n) {
    if (p[i] == '*') {
      while (i < n && p[i] == '*') ++i;
      if (i < n) ++groups;
      continue;
    }
    if (p[i] == '[') {
      size_t k = i + 1;
      MatchClass(p, &k, '\0', false);
      i = k + 1;
    } else if (p[i] == '\\' && n - i >= 2) {
      i += 2;
    } else {
      ++i;
    }
  }
  return groups;
}

}  // namespace

bool GlobMatch(std::string_view p, std::string_view s, bool nocase) {
  if (s.empty()) return p.empty();
  if (CountInnerStarGroups(p) > kMaxStarGroups) return false;

  const size_t n = p.size();
  constexpr size_t kNone = static_cast<size_t>(-1);
  size_t pi = 0, si = 0;
  // Only the most recent '*' needs remembering: every token other than '*'
  // consumes exactly one byte, so retrying an earlier star can never succeed
  // where retrying the latest one failed. This keeps matching polynomial.
  size_t star_pi = kNone, star_si = 0;
  while (si < s.size()) {
    if (pi < n) {
      const char pc = p[pi];
      if (pc == '*') {
        while (pi + 1 < n && p[pi + 1] == '*') ++pi;
        if (pi + 1 == n) return true;
        star_pi = ++pi;
        star_si = si;
        continue;
      }
      bool ok;
      size_t next;
      if (pc == '?') {
        ok = true;
        next = pi + 1;
      } else if (pc == '[') {
        size_t k = pi + 1;
        ok = MatchClass(p, &k, s[si], nocase);
        next = k + 1;
      } else if (pc == '\\' && n - pi >= 2) {
        ok = SameByte(p[pi + 1], s[si], nocase);
        next = pi + 2;
      } else {
        ok = SameByte(pc, s[si], nocase);
        next = pi + 1;
      }
      if (ok) {
        pi = next;
        ++si;
        continue;
      }
    }
    if (star_pi == kNone) return false;
    pi = star_pi;
    si = ++star_si;
  }
  while (pi < n && p[pi] == '*') ++pi;
  return pi == n;
}

}  // namespace vireo
