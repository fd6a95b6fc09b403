#include "persistence/rdb_input.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "persistence/crc64.h"

namespace vireo {

RdbInput::RdbInput(std::string_view data) : mem_(data), total_(data.size()) {}

RdbInput::RdbInput(int fd, uint64_t size) : fd_(fd), total_(size) {}

void RdbInput::FoldCrc() {
  const char* base = fd_ >= 0 ? buf_.data() : mem_.data();
  if (pos_ > crc_pos_) crc_ = Crc64(crc_, base + crc_pos_, pos_ - crc_pos_);
  crc_pos_ = pos_;
}

uint64_t RdbInput::crc() {
  FoldCrc();
  return crc_;
}

bool RdbInput::Fill() {
  FoldCrc();
  buf_.erase(0, pos_);
  pos_ = crc_pos_ = 0;
  constexpr size_t kChunk = 1 << 20;
  const size_t old = buf_.size();
  buf_.resize(old + kChunk);
  ssize_t n;
  do {
    n = read(fd_, buf_.data() + old, kChunk);
  } while (n < 0 && errno == EINTR);
  buf_.resize(old + (n > 0 ? size_t(n) : 0));
  return n > 0;
}

bool RdbInput::Read(void* out, size_t n) {
  char* dst = static_cast<char*>(out);
  if (fd_ < 0) {
    if (mem_.size() - pos_ < n) return false;
    memcpy(dst, mem_.data() + pos_, n);
    pos_ += n;
    consumed_ += n;
    return true;
  }
  // A read the file cannot satisfy consumes nothing (offsets in errors are
  // then where the missing data starts, as Redis reports them).
  if (total_ != UINT64_MAX && n > total_ - consumed_) return false;
  while (n > 0) {
    if (pos_ == buf_.size() && !Fill()) return false;
    const size_t take = std::min(n, buf_.size() - pos_);
    memcpy(dst, buf_.data() + pos_, take);
    pos_ += take;
    dst += take;
    n -= take;
    consumed_ += take;
  }
  return true;
}

}  // namespace vireo
