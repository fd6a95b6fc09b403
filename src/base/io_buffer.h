// IoBuffer: a byte buffer for socket input. Bytes are appended at the end
// (straight from read(2), without zero-filling spare room as std::string's
// resize would) and consumed from the front by moving a read offset; the
// unread tail is moved to the front only when that makes room cheaply.
// Thread rule: owned by one connection, used on its thread.
#pragma once
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace vireo {

class IoBuffer {
 public:
  IoBuffer() = default;
  ~IoBuffer() { free(data_); }
  IoBuffer(const IoBuffer&) = delete;
  IoBuffer& operator=(const IoBuffer&) = delete;

  const char* data() const { return data_ + start_; }
  size_t size() const { return end_ - start_; }
  bool empty() const { return end_ == start_; }
  size_t capacity() const { return cap_; }
  std::string_view view() const { return {data(), size()}; }

  // Room for at least n more bytes at the end; returns where to write them.
  char* PrepareWrite(size_t n) {
    if (cap_ - end_ < n) {
      if (start_ > 0 && cap_ - size() >= n && size() < cap_ / 2) {
        memmove(data_, data_ + start_, size());
      } else {
        size_t want = size() + n;
        size_t ncap = cap_ ? cap_ : 1024;
        while (ncap < want) ncap *= 2;
        char* fresh = static_cast<char*>(malloc(ncap));
        if (!fresh) abort();
        if (size()) memcpy(fresh, data_ + start_, size());
        free(data_);
        data_ = fresh;
        cap_ = ncap;
      }
      end_ -= start_;
      start_ = 0;
    }
    return data_ + end_;
  }
  void CommitWrite(size_t n) { end_ += n; }
  void Append(std::string_view s) {
    memcpy(PrepareWrite(s.size()), s.data(), s.size());
    end_ += s.size();
  }
  void Consume(size_t n) {
    start_ += n;
    if (start_ == end_) start_ = end_ = 0;
  }
  void Clear() { start_ = end_ = 0; }
  // Returns memory to the allocator when a big burst is over.
  void ShrinkIfIdle(size_t keep) {
    if (empty() && cap_ > keep) {
      free(data_);
      data_ = nullptr;
      cap_ = start_ = end_ = 0;
    }
  }

 private:
  char* data_ = nullptr;
  size_t cap_ = 0, start_ = 0, end_ = 0;
};

}  // namespace vireo
