#include "net/ring_io.h"

#include <liburing.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/utsname.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace vireo {

namespace {
constexpr unsigned kEntries = 256;
// The provided-buffer pool: a read takes at most one buffer, as read() took
// 16 KB; buffers go back as soon as their bytes are copied, so a pool this
// size covers a loop turn of many busy clients (past it a recv ends with
// ENOBUFS and is re-armed on the next turn, its bytes still in the socket).
constexpr unsigned kBuffers = 64;  // a power of two (the ring's mask)
constexpr unsigned kBufferSize = 16 * 1024;
constexpr uint16_t kGroup = 1;
constexpr size_t kMaxSends = 4096;  // queued sends per loop turn (past it: write())
// user_data of the epoll set's poll and of cancel requests; a reader's is
// (generation << 32) | slot, and generations start at 1, so they differ.
constexpr uint64_t kEpollTag = ~uint64_t(0);
constexpr uint64_t kCancelTag = ~uint64_t(0) - 1;
// A send's user_data: this bit and its index in senders_. Reader
// generations stay below 2^31, so a reader's tag never has it.
constexpr uint64_t kSendBit = uint64_t(1) << 63;

uint64_t Tag(uint32_t slot, uint32_t gen) { return (uint64_t(gen) << 32) | slot; }
uint32_t NextGen(uint32_t gen) { return (gen + 1) & 0x7fffffffu ? (gen + 1) & 0x7fffffffu : 1; }

// Multishot recv needs Linux 6.0.
bool KernelHasMultishotRecv() {
  utsname u{};
  if (uname(&u) != 0) return false;
  int major = 0;
  if (std::sscanf(u.release, "%d.", &major) != 1) return false;
  return major >= 6;
}
}  // namespace

std::unique_ptr<RingIo> RingIo::Create() {
  const char* off = std::getenv("VIREO_NO_IO_URING");
  if (off && *off && std::strcmp(off, "0") != 0) return nullptr;
  if (!KernelHasMultishotRecv()) return nullptr;
  std::unique_ptr<RingIo> r(new RingIo());
  if (!r->Init()) return nullptr;
  return r;
}

bool RingIo::Init() {
  ring_ = std::make_unique<io_uring>();
  io_uring_params p{};
  // Completions are posted when the loop next enters the kernel, not by an
  // interrupt while it runs commands: it enters at every turn anyway.
  p.flags = IORING_SETUP_COOP_TASKRUN | IORING_SETUP_CQSIZE;
  // Room for a turn's completions: every queued send (at most kMaxSends)
  // and the recvs of many readers; a fuller queue overflows into the
  // kernel's list, which the retry in Wait drains.
  p.cq_entries = 16384;
  if (io_uring_queue_init_params(kEntries, ring_.get(), &p) < 0) {
    ring_.reset();
    return false;
  }
  if (!(p.features & IORING_FEAT_EXT_ARG)) return false;  // the destructor frees the ring
  bufs_ring_bytes_ = kBuffers * sizeof(io_uring_buf);
  void* br = mmap(nullptr, bufs_ring_bytes_, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (br == MAP_FAILED) return false;
  bufs_ = static_cast<io_uring_buf_ring*>(br);
  // The pool is outside the allocator on purpose: it is I/O memory, not
  // dataset or client memory, and pages the kernel never fills stay unbacked.
  void* pool = mmap(nullptr, size_t(kBuffers) * kBufferSize, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE,
                    -1, 0);
  if (pool == MAP_FAILED) return false;
  pool_ = static_cast<char*>(pool);
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<uint64_t>(bufs_);
  reg.ring_entries = kBuffers;
  reg.bgid = kGroup;
  if (io_uring_register_buf_ring(ring_.get(), &reg, 0) != 0) return false;
  io_uring_buf_ring_init(bufs_);
  for (unsigned i = 0; i < kBuffers; ++i) {
    io_uring_buf_ring_add(bufs_, pool_ + size_t(i) * kBufferSize, kBufferSize, uint16_t(i),
                          io_uring_buf_ring_mask(kBuffers), int(i));
  }
  io_uring_buf_ring_advance(bufs_, int(kBuffers));
  return true;
}

RingIo::~RingIo() {
  if (ring_) io_uring_queue_exit(ring_.get());
  if (bufs_) munmap(bufs_, bufs_ring_bytes_);
  if (pool_) munmap(pool_, size_t(kBuffers) * kBufferSize);
}

io_uring_sqe* RingIo::Sqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(ring_.get());
  if (!sqe) {  // the queue is full: hand it to the kernel and take a fresh entry
    io_uring_submit(ring_.get());
    sqe = io_uring_get_sqe(ring_.get());
  }
  return sqe;
}

uint64_t RingIo::StartRecv(int fd, RingReader* r) {
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = uint32_t(slots_.size());
    slots_.emplace_back();
  }
  Slot& s = slots_[slot];
  s.reader = r;
  s.fd = fd;
  s.gen = NextGen(s.gen);
  ArmRecv(slot);
  return Tag(slot, s.gen);
}

void RingIo::ArmRecv(uint32_t slot) {
  Slot& s = slots_[slot];
  io_uring_sqe* sqe = Sqe();
  io_uring_prep_recv_multishot(sqe, s.fd, nullptr, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = kGroup;
  io_uring_sqe_set_data64(sqe, Tag(slot, s.gen));
  s.armed = true;
}

void RingIo::StopRecv(uint64_t handle) {
  const uint32_t slot = uint32_t(handle);
  if (slot >= slots_.size()) return;
  Slot& s = slots_[slot];
  if (s.gen != uint32_t(handle >> 32) || !s.reader) return;
  if (s.armed) {
    io_uring_sqe* sqe = Sqe();
    io_uring_prep_cancel64(sqe, handle, 0);
    io_uring_sqe_set_data64(sqe, kCancelTag);
  }
  s.reader = nullptr;
  s.armed = false;
  s.fd = -1;
  s.gen = NextGen(s.gen);  // late completions no longer match
  free_slots_.push_back(slot);
}

void RingIo::ArmEpollPoll(int epfd) {
  io_uring_sqe* sqe = Sqe();
  io_uring_prep_poll_add(sqe, epfd, POLLIN);
  io_uring_sqe_set_data64(sqe, kEpollTag);
  epoll_armed_ = true;
}

bool RingIo::CanQueueSend() const { return senders_.size() < kMaxSends; }

void RingIo::QueueSend(int fd, const char* data, size_t len, RingSender* s) {
  io_uring_sqe* sqe = Sqe();
  io_uring_prep_send(sqe, fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
  io_uring_sqe_set_data64(sqe, kSendBit | senders_.size());
  senders_.push_back(s);
  ++sends_unfinished_;
}

void RingIo::TakeCompletions() {
  io_uring* ring = ring_.get();
  io_uring_cqe* cqe;
  unsigned head, seen = 0;
  io_uring_for_each_cqe(ring, head, cqe) {
    const uint64_t tag = cqe->user_data;
    if ((tag & kSendBit) && tag != kEpollTag && tag != kCancelTag && sends_unfinished_) --sends_unfinished_;
    pending_.push_back({tag, cqe->res, cqe->flags});
    ++seen;
  }
  io_uring_cq_advance(ring, seen);
}

void RingIo::RecycleBuffer(uint16_t bid) {
  io_uring_buf_ring_add(bufs_, pool_ + size_t(bid) * kBufferSize, kBufferSize, bid, io_uring_buf_ring_mask(kBuffers),
                        0);
  io_uring_buf_ring_advance(bufs_, 1);
}

void RingIo::Wait(int timeout_ms, int epfd, const std::function<void()>& epoll_ready) {
  for (uint32_t slot : rearm_) {
    if (slot < slots_.size() && slots_[slot].reader && !slots_[slot].armed) ArmRecv(slot);
  }
  rearm_.clear();
  if (!epoll_armed_) ArmEpollPoll(epfd);
  io_uring* ring = ring_.get();
  for (;;) {
    int ret;
    if (timeout_ms <= 0) {
      ret = io_uring_submit_and_get_events(ring);
    } else {
      __kernel_timespec ts{};
      ts.tv_sec = timeout_ms / 1000;
      ts.tv_nsec = (timeout_ms % 1000) * 1000000LL;
      io_uring_cqe* first = nullptr;
      ret = io_uring_submit_and_wait_timeout(ring, &first, 1, &ts, nullptr);
    }
    // ETIME/EINTR: the wait ended, what was queued is submitted. EBUSY/
    // EAGAIN: nothing was submitted (completions to post first, or no
    // memory): make room and submit again; the queued sends stay valid
    // because nothing else runs meanwhile.
    if (ret >= 0 || ret == -ETIME || ret == -EINTR) break;
    if (ret == -EBUSY || ret == -EAGAIN || ret == -ENOMEM) {
      TakeCompletions();
      timeout_ms = 0;
      continue;
    }
    // Anything else is a misuse of the ring: queued entries could still be
    // submitted later, pointing at bytes that moved, so do not go on.
    std::fprintf(stderr, "io_uring wait failed: %s\n", std::strerror(-ret));
    std::abort();
  }
  // Completions are copied out before any is handled: a handler may run a
  // slow script that waits here again (PollOnce), and that inner wait must
  // deliver a reader's later bytes after these, not before.
  TakeCompletions();
  // Non-blocking sends finish inside the submit; should one not have, its
  // bytes must not move before it does: wait for it before handling anything.
  while (sends_unfinished_) {
    io_uring_cqe* cqe = nullptr;
    if (io_uring_wait_cqe(ring, &cqe) != 0) break;
    TakeCompletions();
  }
  // Sends first: a reply's bookkeeping is done before the next command of
  // its client, whose completion may precede it in the queue, appends more.
  for (size_t i = next_; i < pending_.size(); ++i) {
    Completion& c = pending_[i];
    if ((c.user_data & kSendBit) && c.user_data != kEpollTag && c.user_data != kCancelTag) {
      const size_t idx = size_t(c.user_data & ~kSendBit);
      c.user_data = kCancelTag;  // handled
      if (idx < senders_.size()) senders_[idx]->OnRingSent(c.res);
    }
  }
  senders_.clear();
  while (next_ < pending_.size()) {
    const Completion c = pending_[next_++];
    Complete(c.user_data, c.res, c.flags, epoll_ready);
  }
  pending_.clear();
  next_ = 0;
}


void RingIo::Complete(uint64_t user_data, int res, uint32_t flags, const std::function<void()>& epoll_ready) {
  if (user_data == kCancelTag) return;
  if (user_data == kEpollTag) {
    epoll_armed_ = false;
    epoll_ready();
    return;
  }
  const bool has_buffer = (flags & IORING_CQE_F_BUFFER) != 0;
  const uint16_t bid = uint16_t(flags >> IORING_CQE_BUFFER_SHIFT);
  const uint32_t slot = uint32_t(user_data);
  Slot* s = slot < slots_.size() && slots_[slot].gen == uint32_t(user_data >> 32) ? &slots_[slot] : nullptr;
  if (!s || !s->reader) {  // a stopped reader's late completion
    if (has_buffer) RecycleBuffer(bid);
    return;
  }
  RingReader* reader = s->reader;
  const bool more = (flags & IORING_CQE_F_MORE) != 0;
  if (!more) s->armed = false;
  if (res > 0) {
    if (has_buffer) {
      reader->OnRingData(pool_ + size_t(bid) * kBufferSize, size_t(res));
      RecycleBuffer(bid);
    }
    // The reader may have stopped itself; otherwise a recv that ended with
    // data (a full completion queue ends multishots) is armed again.
    if (!more && slot < slots_.size() && slots_[slot].reader == reader && !slots_[slot].armed) rearm_.push_back(slot);
    return;
  }
  if (has_buffer) RecycleBuffer(bid);
  if (res == -ENOBUFS) {  // the pool ran dry: the bytes wait in the socket for the next turn
    if (!more) rearm_.push_back(slot);
    return;
  }
  if (res == -EINTR || res == -EAGAIN) {
    if (!more) rearm_.push_back(slot);
    return;
  }
  // End of stream or an error: the reader is done with the ring.
  s->reader = nullptr;
  s->armed = false;
  if (more) {  // should not happen for 0/-errno, but never leave a recv armed for nobody
    io_uring_sqe* sqe = Sqe();
    io_uring_prep_cancel64(sqe, user_data, 0);
    io_uring_sqe_set_data64(sqe, kCancelTag);
  }
  s->gen = NextGen(s->gen);
  s->fd = -1;
  free_slots_.push_back(slot);
  reader->OnRingEnd(res);
}

}  // namespace vireo
