#include "types/stream_id.h"

#include <cerrno>
#include <cstdlib>

#include "base/numbers.h"

namespace vireo {

bool StreamID::Incr() {
  if (seq == UINT64_MAX) {
    if (ms == UINT64_MAX) return false;
    ++ms;
    seq = 0;
  } else {
    ++seq;
  }
  return true;
}

bool StreamID::Decr() {
  if (seq == 0) {
    if (ms == 0) return false;
    --ms;
    seq = UINT64_MAX;
  } else {
    --seq;
  }
  return true;
}

std::string StreamID::ToString() const { return std::to_string(ms) + "-" + std::to_string(seq); }

bool ParseStreamIDPart(std::string_view text, uint64_t* out) {
  long long ll;
  if (ParseInt64(text, &ll)) {
    if (ll < 0) return false;
    *out = uint64_t(ll);
    return true;
  }
  // strtoull needs a terminated copy; it also takes what the strict parse
  // refused (leading '+', spaces, zeros, "-0"), as Redis's fallback does.
  std::string copy(text);
  if (copy.empty()) return false;
  errno = 0;
  char* end = nullptr;
  unsigned long long v = strtoull(copy.c_str(), &end, 10);
  if (errno == EINVAL || errno == ERANGE || *end != '\0') return false;
  *out = v;
  return true;
}

bool ParseStreamID(std::string_view text, uint64_t missing_seq, bool strict, StreamID* out,
                   bool* seq_auto) {
  if (seq_auto) *seq_auto = false;
  // Redis copies the argument into a 128-byte buffer first.
  if (text.size() > 127) return false;
  if (!strict && text.size() == 1) {
    if (text[0] == '-') {
      *out = StreamID::Min();
      return true;
    }
    if (text[0] == '+') {
      *out = StreamID::Max();
      return true;
    }
  }
  // A NUL inside the argument ends the C string Redis parses.
  size_t nul = text.find('\0');
  if (nul != std::string_view::npos) text = text.substr(0, nul);
  size_t dash = text.find('-');
  uint64_t ms, seq;
  if (dash == std::string_view::npos) {
    if (!ParseStreamIDPart(text, &ms)) return false;
    seq = missing_seq;
  } else {
    if (!ParseStreamIDPart(text.substr(0, dash), &ms)) return false;
    std::string_view rest = text.substr(dash + 1);
    if (seq_auto && rest == "*") {
      seq = 0;
      *seq_auto = true;
    } else if (!ParseStreamIDPart(rest, &seq)) {
      return false;
    }
  }
  *out = StreamID{ms, seq};
  return true;
}

}  // namespace vireo
