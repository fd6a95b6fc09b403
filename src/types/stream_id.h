// StreamID: the <milliseconds>-<sequence> identifier of a stream entry, and
// its text parser. The parser follows the rules Redis 7.0 applies to IDs
// given as arguments (each part an unsigned 64-bit decimal, a missing
// sequence filled in by the caller's choice, "-" and "+" as the smallest and
// largest IDs unless strict, "ms-*" for XADD's partial IDs), so the same
// inputs are accepted and refused.
// Thread rule: none (plain values and pure functions).
#pragma once
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace vireo {

struct StreamID {
  uint64_t ms = 0;
  uint64_t seq = 0;

  auto operator<=>(const StreamID&) const = default;
  bool IsZero() const { return ms == 0 && seq == 0; }
  static constexpr StreamID Min() { return {0, 0}; }
  static constexpr StreamID Max() { return {UINT64_MAX, UINT64_MAX}; }
  // The next / previous ID; false (unchanged) at the end of the ID space.
  bool Incr();
  bool Decr();
  std::string ToString() const;
};

// Parses an ID argument. missing_seq fills "ms" without "-seq". Not strict:
// "-" and "+" are Min and Max. When seq_auto is not null, "ms-*" is accepted
// and sets *seq_auto (otherwise false). Returns false for anything Redis
// refuses with "Invalid stream ID specified as stream command argument".
bool ParseStreamID(std::string_view text, uint64_t missing_seq, bool strict, StreamID* out,
                   bool* seq_auto = nullptr);

// Redis's string2ull: an unsigned 64-bit decimal as strtoull reads it after
// a strict signed parse fails (so "+5", " 5" and "-0" are accepted, "-5" is not).
bool ParseStreamIDPart(std::string_view text, uint64_t* out);

}  // namespace vireo
