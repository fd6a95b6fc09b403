// ReplicationBacklog: the last repl-backlog-size bytes of the replication
// stream, in a ring, so a replica that lost its link can continue from its
// offset (+CONTINUE) instead of a full resync. Offsets are Redis's: the
// stream's first byte is offset 1, and `end_offset` is the offset of the last
// byte fed (master_repl_offset).
// Thread rule: one thread (the node's main thread).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace vireo {

class ReplicationBacklog {
 public:
  // An empty backlog whose next byte will be end_offset + 1.
  ReplicationBacklog(size_t size, int64_t end_offset);

  void Feed(std::string_view data);
  // Keeps the newest min(histlen, size) bytes.
  void Resize(size_t size);

  size_t size() const { return ring_.size(); }
  size_t histlen() const { return histlen_; }
  int64_t end_offset() const { return end_; }
  // Offset of the oldest byte held (end_offset + 1 when empty), as INFO shows it.
  int64_t first_byte_offset() const { return end_ - int64_t(histlen_) + 1; }
  // True when the stream from `offset` (the next byte a replica wants) to
  // the end is held, including offset == end_offset + 1 (nothing to send).
  bool Covers(int64_t offset) const { return offset >= first_byte_offset() && offset <= end_ + 1; }
  // Appends the bytes from offset to the end to *out; Covers(offset) must hold.
  void CopyFrom(int64_t offset, std::string* out) const;

 private:
  std::string ring_;
  size_t head_ = 0;     // where the next byte goes
  size_t histlen_ = 0;  // valid bytes, ending just before head_
  int64_t end_;
};

}  // namespace vireo
