#include "net/batch_writer.h"

#include <liburing.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

namespace vireo {

BatchWriter::BatchWriter(unsigned entries) : ring_(std::make_unique<io_uring>()), entries_(entries) {
  // No SQPOLL: a kernel thread polling the ring would burn a core.
  if (io_uring_queue_init(entries, ring_.get(), 0) < 0) ring_.reset();
  results_.resize(entries);
}

BatchWriter::~BatchWriter() {
  if (ring_) io_uring_queue_exit(ring_.get());
}

void BatchWriter::Add(int fd, const char* data, size_t len, void* tag) { sends_.push_back({fd, data, len, tag}); }

void BatchWriter::SubmitRange(size_t first, size_t n) {
  io_uring* ring = ring_.get();
  for (size_t i = 0; i < n; ++i) {
    const Send& s = sends_[first + i];
    io_uring_sqe* sqe = io_uring_get_sqe(ring);  // the ring holds entries_ >= n
    io_uring_prep_send(sqe, s.fd, s.data, s.len, MSG_DONTWAIT | MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, i);
    results_[i] = -EAGAIN;
  }
  // Every send is non-blocking, so all of them complete during this call;
  // waiting for n completions returns without sleeping.
  int ret;
  do {
    ret = io_uring_submit_and_wait(ring, unsigned(n));
  } while (ret == -EINTR);
  if (ret < 0) {  // the ring is unusable: writes go back to write()
    io_uring_queue_exit(ring);
    ring_.reset();
    return;
  }
  const size_t submitted = size_t(ret);
  size_t seen = 0;
  while (seen < submitted) {
    io_uring_cqe* cqe = nullptr;
    if (io_uring_peek_cqe(ring, &cqe) != 0) {
      if (io_uring_wait_cqe(ring, &cqe) != 0) break;
    }
    const uint64_t i = io_uring_cqe_get_data64(cqe);
    if (i < n) results_[i] = cqe->res;
    io_uring_cqe_seen(ring, cqe);
    ++seen;
  }
}

}  // namespace vireo
