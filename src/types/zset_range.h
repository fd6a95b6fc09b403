// Score and member ranges of the sorted-set range commands (ZRANGEBYSCORE,
// ZCOUNT, ZRANGEBYLEX, ZLEXCOUNT, ZREMRANGEBY*...), parsed with Redis's
// rules: "(x" is exclusive; scores are read by strtod (so "", " 1" and
// "1e999" are valid, NaN is not); member bounds are "[x", "(x", "-" or "+".
// Thread rule: plain values; the parse functions are pure.
#pragma once
#include <string>
#include <string_view>

namespace vireo {

struct ScoreRange {
  double min = 0, max = 0;
  bool min_ex = false, max_ex = false;

  bool AboveMin(double v) const { return min_ex ? v > min : v >= min; }
  bool BelowMax(double v) const { return max_ex ? v < max : v <= max; }
  bool Contains(double v) const { return AboveMin(v) && BelowMax(v); }
  // False when no score can be inside.
  bool NonEmpty() const { return !(min > max || (min == max && (min_ex || max_ex))); }
};

struct LexRange {
  enum Kind { kValue, kMinusInf, kPlusInf };
  Kind min_kind = kValue, max_kind = kValue;
  std::string min, max;
  bool min_ex = false, max_ex = false;

  bool AboveMin(std::string_view m) const {
    if (min_kind == kMinusInf) return true;
    if (min_kind == kPlusInf) return false;
    return min_ex ? m > std::string_view(min) : m >= std::string_view(min);
  }
  bool BelowMax(std::string_view m) const {
    if (max_kind == kPlusInf) return true;
    if (max_kind == kMinusInf) return false;
    return max_ex ? m < std::string_view(max) : m <= std::string_view(max);
  }
  bool Contains(std::string_view m) const { return AboveMin(m) && BelowMax(m); }
  bool NonEmpty() const;
};

// False on a malformed bound (the caller replies Redis's error).
bool ParseScoreRange(std::string_view min, std::string_view max, ScoreRange* out);
bool ParseLexRange(std::string_view min, std::string_view max, LexRange* out);

}  // namespace vireo
