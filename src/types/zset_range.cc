#include "types/zset_range.h"

#include <cmath>
#include <cstdlib>

namespace vireo {
namespace {

// strtod over the text up to its first NUL (an argument with an embedded NUL
// is cut there, as Redis's C-string parse does); the whole text must parse.
bool ParseBound(std::string_view s, double* out) {
  std::string text(s);
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (*end != '\0' || std::isnan(v)) return false;
  *out = v;
  return true;
}

bool ParseScoreItem(std::string_view s, double* v, bool* ex) {
  *ex = !s.empty() && s[0] == '(';
  return ParseBound(*ex ? s.substr(1) : s, v);
}

// "+" and "-" are checked as C strings, so a NUL right after them still counts.
bool ParseLexItem(std::string_view s, LexRange::Kind* kind, std::string* value, bool* ex) {
  if (s.empty()) return false;
  const bool alone = s.size() == 1 || s[1] == '\0';
  switch (s[0]) {
    case '+':
      if (!alone) return false;
      *kind = LexRange::kPlusInf;
      *ex = true;
      return true;
    case '-':
      if (!alone) return false;
      *kind = LexRange::kMinusInf;
      *ex = true;
      return true;
    case '(':
    case '[':
      *kind = LexRange::kValue;
      *ex = s[0] == '(';
      value->assign(s.substr(1));
      return true;
    default:
      return false;
  }
}

// Redis's comparison of two bounds where "-" sorts before and "+" after
// every member (and equals itself).
int CompareBounds(LexRange::Kind ka, const std::string& a, LexRange::Kind kb, const std::string& b) {
  if (ka != LexRange::kValue || kb != LexRange::kValue) {
    if (ka == kb) return 0;
    if (ka == LexRange::kMinusInf || kb == LexRange::kPlusInf) return -1;
    return 1;
  }
  int c = std::string_view(a).compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

}  // namespace

bool LexRange::NonEmpty() const {
  int c = CompareBounds(min_kind, min, max_kind, max);
  return !(c > 0 || (c == 0 && (min_ex || max_ex)));
}

bool ParseScoreRange(std::string_view min, std::string_view max, ScoreRange* out) {
  return ParseScoreItem(min, &out->min, &out->min_ex) && ParseScoreItem(max, &out->max, &out->max_ex);
}

bool ParseLexRange(std::string_view min, std::string_view max, LexRange* out) {
  return ParseLexItem(min, &out->min_kind, &out->min, &out->min_ex) &&
         ParseLexItem(max, &out->max_kind, &out->max, &out->max_ex);
}

}  // namespace vireo
