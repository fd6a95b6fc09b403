#include "replication/backlog.h"

#include <algorithm>

namespace vireo {

ReplicationBacklog::ReplicationBacklog(size_t size, int64_t end_offset)
    : ring_(std::max<size_t>(size, 1), '\0'), end_(end_offset) {}

void ReplicationBacklog::Feed(std::string_view data) {
  end_ += int64_t(data.size());
  const size_t cap = ring_.size();
  if (data.size() >= cap) {  // only the tail fits
    data = data.substr(data.size() - cap);
    ring_.assign(data);
    head_ = 0;
    histlen_ = cap;
    return;
  }
  const size_t first = std::min(data.size(), cap - head_);
  ring_.replace(head_, first, data.substr(0, first));
  if (first < data.size()) ring_.replace(0, data.size() - first, data.substr(first));
  head_ = (head_ + data.size()) % cap;
  histlen_ = std::min(cap, histlen_ + data.size());
}

void ReplicationBacklog::CopyFrom(int64_t offset, std::string* out) const {
  size_t skip = size_t(offset - first_byte_offset());
  size_t n = histlen_ - skip;
  if (n == 0) return;
  const size_t cap = ring_.size();
  size_t start = (head_ + cap - histlen_ + skip) % cap;
  const size_t first = std::min(n, cap - start);
  out->append(ring_, start, first);
  if (first < n) out->append(ring_, 0, n - first);
}

void ReplicationBacklog::Resize(size_t size) {
  size = std::max<size_t>(size, 1);
  if (size == ring_.size()) return;
  std::string held;
  CopyFrom(first_byte_offset(), &held);
  if (held.size() > size) held.erase(0, held.size() - size);
  ring_.assign(size, '\0');
  ring_.replace(0, held.size(), held);
  histlen_ = held.size();
  head_ = histlen_ % size;
}

}  // namespace vireo
