// RingIo: the event loop's sleep and the plain client sockets' reads through
// one io_uring, so a request at pipeline 1 costs one system call to wait for
// and receive, instead of epoll_wait() plus read().
// A system call costs about 1 us on a kernel with page-table isolation; at
// pipeline 1 a request is wait + read + write, so every call saved is about
// a tenth of the server's CPU per request.
//
// How: each reader socket has a multishot recv armed in the ring whose bytes
// land in a shared pool of provided buffers (the kernel picks one when data
// arrives, so an idle connection pins no buffer); the epoll set, which still
// holds listeners, TLS clients, replication links and sockets waiting to be
// writable, is watched by a one-shot poll re-armed after each use (a
// re-armed poll checks the set's level-triggered readiness again, which a
// multishot poll would miss). Wait() submits what is queued (re-arms,
// cancels) and sleeps in the same io_uring_enter.
//
// A reader's bytes are copied out of the pool at once and the buffer goes
// back: a reader may keep bytes it does not process yet in its own buffer.
// Stopping a reader cancels its recv; completions of a stopped reader are
// recognised by a generation number and dropped (their buffers still go
// back), so a handler is never called after StopRecv.
//
// Where io_uring, multishot recv or provided-buffer rings are missing or
// refused (old kernel, seccomp), Create() returns null and the loop uses
// epoll alone; VIREO_NO_IO_URING=1 in the environment forces that (A/B).
// Thread rule: one instance per event-loop thread, used from that thread.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

struct io_uring;
struct io_uring_buf_ring;
struct io_uring_sqe;

namespace vireo {

// A socket whose input arrives through the ring.
class RingReader {
 public:
  virtual ~RingReader() = default;
  // n > 0 bytes received.
  virtual void OnRingData(const char* data, size_t n) = 0;
  // The peer closed (0) or the socket failed (-errno). No call follows.
  virtual void OnRingEnd(int result) = 0;
};

// A socket whose sends are queued in the ring (output of one loop turn).
class RingSender {
 public:
  virtual ~RingSender() = default;
  // What the send returned, as write() would (bytes, or -errno).
  virtual void OnRingSent(long result) = 0;
};

class RingIo {
 public:
  // Null when the ring cannot be used here (see the header comment).
  static std::unique_ptr<RingIo> Create();
  ~RingIo();
  RingIo(const RingIo&) = delete;
  RingIo& operator=(const RingIo&) = delete;

  // Starts receiving fd's bytes into r; returns a handle for StopRecv.
  uint64_t StartRecv(int fd, RingReader* r);
  // No more calls to the reader of `handle` (safe to close its fd after).
  void StopRecv(uint64_t handle);

  // Queues a non-blocking send of [data, data+len) to fd, made by the next
  // Wait in the same system call as the sleep; s->OnRingSent follows from
  // that Wait, before any other completion of it is handled. The bytes and
  // s must stay as they are until then (nothing runs between the loop's
  // last queued send and its wait, which is where the loop queues them).
  void QueueSend(int fd, const char* data, size_t len, RingSender* s);
  bool CanQueueSend() const;

  // Submits what is queued and waits up to timeout_ms (0: no wait) for a
  // completion; dispatches received bytes to their readers and, when the
  // epoll set has events, calls epoll_ready(). A full completion queue is
  // drained and the submit retried; any other failure aborts (queued sends
  // could otherwise be submitted later, pointing at bytes that moved).
  void Wait(int timeout_ms, int epfd, const std::function<void()>& epoll_ready);

 private:
  RingIo() = default;
  bool Init();
  struct Slot {
    RingReader* reader = nullptr;
    int fd = -1;
    uint32_t gen = 0;
    bool armed = false;  // a multishot recv is in the ring
  };
  io_uring_sqe* Sqe();  // a free submission entry (submits a full ring first)
  void ArmRecv(uint32_t slot);
  void ArmEpollPoll(int epfd);
  void RecycleBuffer(uint16_t bid);
  void Complete(uint64_t user_data, int res, uint32_t flags, const std::function<void()>& epoll_ready);

  std::unique_ptr<io_uring> ring_;
  io_uring_buf_ring* bufs_ = nullptr;  // the provided-buffer ring (mmap)
  size_t bufs_ring_bytes_ = 0;
  char* pool_ = nullptr;  // kBuffers x kBufferSize bytes (mmap)
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_slots_;
  std::vector<uint32_t> rearm_;  // slots whose multishot recv ended (ENOBUFS)
  bool epoll_armed_ = false;
  struct Completion {
    uint64_t user_data;
    int res;
    uint32_t flags;
  };
  std::vector<RingSender*> senders_;  // queued sends, by index (their tag)
  size_t sends_unfinished_ = 0;       // submitted sends whose result is not in pending_ yet
  void TakeCompletions();             // moves the ring's completions to pending_
  std::vector<Completion> pending_;  // taken from the ring, not yet handled
  size_t next_ = 0;                  // the next of pending_ to handle
};

}  // namespace vireo
