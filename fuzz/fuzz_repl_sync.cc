// libFuzzer target for what a replica reads from its primary before the
// stream (src/replication/sync_protocol.h): handshake lines, the PSYNC
// answer, the payload header and its framing. Arbitrary bytes must be
// split, parsed or refused without crashing; the framing must never claim
// more bytes than it was given, and a sized payload ends exactly at its size.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "replication/sync_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string buf(reinterpret_cast<const char*>(data), size);
  std::string line;
  bool too_long = false;
  while (vireo::TakeLine(&buf, &line, &too_long)) {
    vireo::PsyncReply r = vireo::ParsePsyncReply(line);
    if (r.kind == vireo::PsyncReply::kFullResync && r.replid.size() != vireo::kReplIdLength) __builtin_trap();
    vireo::PayloadHeader h;
    if (!vireo::ParsePayloadHeader(line, &h)) continue;
    if (h.eof_marked && h.mark.size() != vireo::kEofMarkLength) __builtin_trap();
    // Feed the rest of the input to the framing in uneven chunks.
    vireo::PayloadFraming f(h);
    size_t pos = 0, step = 1;
    while (pos < buf.size() && !f.done()) {
      const size_t n = std::min(step, buf.size() - pos);
      const size_t took = f.Feed(buf.data() + pos, n);
      if (took > n) __builtin_trap();
      pos += took;
      if (took < n && !f.done()) __builtin_trap();
      step = step * 3 + 1;
    }
    if (!h.eof_marked && f.done() && f.received() != h.size) __builtin_trap();
    break;
  }
  return 0;
}
