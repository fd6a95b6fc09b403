// BatchWriter: writes to many sockets with one system call (io_uring), for
// the loop's flush of every client with pending output before it sleeps.
// A system call costs about 1 us on a kernel with page-table isolation, as
// much as the send itself for a small reply, so k replies in one
// io_uring_enter instead of k write() calls is most of a request's overhead
// at pipeline 1. Each send is non-blocking (MSG_DONTWAIT) and completes
// inside the submitting call, so the results are read at once and the
// caller's buffers need not outlive Submit: it behaves as k write() calls.
// Where io_uring is missing or refused (old kernel, seccomp), or a submit
// fails, ok() is false and callers write as before (a send that was not
// made reports -EAGAIN, so the caller's own write() path takes it).
// Thread rule: one instance per event-loop thread, used from that thread.
#pragma once
#include <sys/types.h>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <vector>

struct io_uring;

namespace vireo {

class BatchWriter {
 public:
  // entries: the most sends one Submit carries (more are sent in rounds).
  explicit BatchWriter(unsigned entries = 256);
  ~BatchWriter();
  BatchWriter(const BatchWriter&) = delete;
  BatchWriter& operator=(const BatchWriter&) = delete;

  bool ok() const { return ring_ != nullptr; }
  // Queues a send of [data, data+len) to fd; tag comes back with its result.
  void Add(int fd, const char* data, size_t len, void* tag);
  size_t queued() const { return sends_.size(); }
  // Drops what was queued, unsent.
  void Discard() { sends_.clear(); }
  // Sends everything queued; calls done(tag, result) for each, result as
  // write() would return it (bytes, or -errno). Returns the system calls made.
  template <typename Done>
  int Submit(Done&& done) {
    int calls = 0;
    for (size_t first = 0; first < sends_.size(); first += entries_) {
      const size_t n = std::min(sends_.size() - first, size_t(entries_));
      SubmitRange(first, n);
      ++calls;
      for (size_t i = 0; i < n; ++i) done(sends_[first + i].tag, results_[i]);
    }
    sends_.clear();
    return calls;
  }

 private:
  struct Send {
    int fd;
    const char* data;
    size_t len;
    void* tag;
  };
  void SubmitRange(size_t first, size_t n);  // fills results_[0..n)
  std::unique_ptr<io_uring> ring_;
  unsigned entries_;
  std::vector<Send> sends_;
  std::vector<ssize_t> results_;
};

}  // namespace vireo
