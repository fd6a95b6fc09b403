// libFuzzer target for the stream ID parser (XADD/XRANGE/XREAD arguments):
// arbitrary bytes must parse or be refused, never crash; a parsed ID must
// print back to text that parses to the same ID.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "types/stream_id.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  const bool strict = data[0] & 1;
  const bool allow_auto = data[0] & 2;
  vireo::StreamID id, again;
  bool seq_auto = false;
  if (vireo::ParseStreamID(in, (data[0] & 4) ? UINT64_MAX : 0, strict, &id, allow_auto ? &seq_auto : nullptr)) {
    if (!vireo::ParseStreamID(id.ToString(), 0, true, &again) || again != id) __builtin_trap();
  }
  return 0;
}
