// RdbInput: the bytes an RDB loader reads, from memory (DUMP payloads) or
// from a file descriptor through a buffer, with the offset reached (for error
// messages), the bytes left when known (to refuse lengths a truncated or
// hostile file cannot back) and the CRC-64 of what was consumed.
// Thread rule: one reader, one thread.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace vireo {

class RdbInput {
 public:
  // Reads from memory; data must outlive the input.
  explicit RdbInput(std::string_view data);
  // Reads from fd (not owned); size is the file's size, or UINT64_MAX if unknown.
  RdbInput(int fd, uint64_t size);

  // Copies n bytes; false at the end of the data or on a read error.
  bool Read(void* out, size_t n);
  // Bytes consumed so far.
  uint64_t offset() const { return consumed_; }
  // Bytes known to remain (UINT64_MAX when unknown).
  uint64_t remaining() const { return total_ == UINT64_MAX ? UINT64_MAX : total_ - consumed_; }
  // CRC-64 of every byte consumed so far.
  uint64_t crc();

 private:
  bool Fill();
  void FoldCrc();

  std::string_view mem_;
  int fd_ = -1;
  std::string buf_;
  size_t pos_ = 0;      // next unread byte in the window (mem_ or buf_)
  size_t crc_pos_ = 0;  // first byte of the window not yet in crc_
  uint64_t crc_ = 0;
  uint64_t consumed_ = 0;
  uint64_t total_;
};

}  // namespace vireo
