// RdbChunkEncoder: the second half of RDB writing when it is split across
// two threads. The event loop's RdbWriter (deferred mode) serializes keys
// into chunks but leaves the strings that may be LZF-compressed raw, listing
// where they are (RawSpan); this encoder, run by the file thread, turns each
// chunk into the file's final bytes: every listed string becomes the LZF
// encoding or its length plus its bytes, by exactly the rule the one-thread
// writer applies (so the file is byte for byte the same), and the CRC-64 of
// the file is kept, its trailer appended after the last chunk. The loop
// thus spends no time in LZF or CRC-64, which are most of a save's CPU.
// Chunks are immutable once handed over: a value a command changes later
// was copied into its chunk before the change (snapshot_writer.h).
// Thread rule: one instance per file, used by one thread.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace vireo {

// A string written raw into a chunk, to be encoded by the file thread.
struct RawSpan {
  size_t pos;  // offset in the chunk
  size_t len;
};

class RdbChunkEncoder {
 public:
  RdbChunkEncoder(bool compress, bool checksum) : compress_(compress), checksum_(checksum) {}
  // Appends the final bytes of chunk (spans in order, not overlapping) to
  // *out; after the last chunk, the CRC-64 trailer (zero without checksum).
  void Encode(const std::string& chunk, const std::vector<RawSpan>& spans, bool last, std::string* out);
  uint64_t bytes_out() const { return bytes_out_; }

 private:
  void String(const char* p, size_t n, std::string* out);

  bool compress_;
  bool checksum_;
  uint64_t crc_ = 0;
  uint64_t bytes_out_ = 0;
  std::string scratch_;
};

}  // namespace vireo
