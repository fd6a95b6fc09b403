#include "net/ring_io.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

namespace vireo {
namespace {

struct Pair {
  int fd[2];
  Pair() {
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fd), 0);
    fcntl(fd[0], F_SETFL, O_NONBLOCK);
  }
  ~Pair() {
    if (fd[0] >= 0) close(fd[0]);
    if (fd[1] >= 0) close(fd[1]);
  }
  void Send(const std::string& s) { ASSERT_EQ(write(fd[1], s.data(), s.size()), ssize_t(s.size())); }
  std::string Read() {
    char buf[4096];
    ssize_t n = read(fd[1], buf, sizeof buf);
    return n > 0 ? std::string(buf, size_t(n)) : std::string();
  }
};

struct Reader : RingReader, RingSender {
  std::string got;
  int ended = 1;  // 1: not ended
  long sent = -1000;
  RingIo* ring = nullptr;
  uint64_t* stop_other = nullptr;  // a handle to stop from inside OnRingData
  void OnRingData(const char* data, size_t n) override {
    got.append(data, n);
    if (stop_other && *stop_other) {
      ring->StopRecv(*stop_other);
      *stop_other = 0;
    }
  }
  void OnRingEnd(int result) override { ended = result; }
  void OnRingSent(long result) override { sent = result; }
};

struct Loop {
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  int epoll_calls = 0;
  std::unique_ptr<RingIo> ring = RingIo::Create();
  ~Loop() { close(epfd); }
  void Turn(int timeout_ms = 100) {
    ring->Wait(timeout_ms, epfd, [this] {
      ++epoll_calls;
      epoll_event ev[8];
      epoll_wait(epfd, ev, 8, 0);
    });
  }
};

TEST(RingIoTest, ReceivesBytesAndTheHangUp) {
  Loop l;
  if (!l.ring) GTEST_SKIP() << "io_uring unavailable here";
  Pair p;
  Reader r;
  l.ring->StartRecv(p.fd[0], &r);
  p.Send("PING\r\n");
  l.Turn();
  EXPECT_EQ(r.got, "PING\r\n");
  p.Send("a");
  p.Send("b");
  l.Turn();
  if (r.got.size() < 8) l.Turn();
  EXPECT_EQ(r.got, "PING\r\nab");
  close(p.fd[1]);
  p.fd[1] = -1;
  l.Turn();
  EXPECT_EQ(r.ended, 0);
}

// More bytes than the whole buffer pool, from many sockets at once: the
// recvs that find the pool dry are armed again and nothing is lost.
TEST(RingIoTest, PoolExhaustionLosesNothing) {
  Loop l;
  if (!l.ring) GTEST_SKIP() << "io_uring unavailable here";
  constexpr int kSockets = 40;
  std::vector<Pair> pairs(kSockets);
  std::vector<Reader> readers(kSockets);
  std::string chunk(60000, 'x');
  for (int i = 0; i < kSockets; ++i) {
    int big = 1 << 20;
    setsockopt(pairs[i].fd[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    setsockopt(pairs[i].fd[0], SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    l.ring->StartRecv(pairs[i].fd[0], &readers[i]);
    chunk[0] = char('A' + i % 26);
    pairs[i].Send(chunk);
  }
  for (int turn = 0; turn < 200; ++turn) {
    bool all = true;
    for (auto& r : readers) all = all && r.got.size() == chunk.size();
    if (all) break;
    l.Turn(10);
  }
  for (int i = 0; i < kSockets; ++i) {
    ASSERT_EQ(readers[i].got.size(), chunk.size()) << i;
    EXPECT_EQ(readers[i].got[0], char('A' + i % 26));
    EXPECT_EQ(readers[i].ended, 1);
  }
}

// A stopped reader hears nothing more, even when its bytes were already
// received in the same turn by the ring (stopped from another's handler).
TEST(RingIoTest, StoppedReaderIsNeverCalled) {
  Loop l;
  if (!l.ring) GTEST_SKIP() << "io_uring unavailable here";
  Pair a, b;
  Reader ra, rb;
  l.ring->StartRecv(a.fd[0], &ra);
  uint64_t hb = l.ring->StartRecv(b.fd[0], &rb);
  l.Turn(0);  // arm both
  ra.ring = l.ring.get();
  rb.ring = l.ring.get();
  ra.stop_other = &hb;
  rb.stop_other = nullptr;
  a.Send("x");
  b.Send("y");
  usleep(1000);
  l.Turn();
  // Whichever came first, b is stopped by a's handler or got "y" before it.
  EXPECT_EQ(ra.got, "x");
  EXPECT_TRUE(rb.got.empty() || rb.got == "y");
  const std::string before = rb.got;
  b.Send("z");
  l.Turn(20);
  l.Turn(20);
  EXPECT_EQ(rb.got, before);
  EXPECT_EQ(rb.ended, 1);
}

// Sends go out with the wait and report their results before anything else.
TEST(RingIoTest, QueuedSendsLeaveWithTheWait) {
  Loop l;
  if (!l.ring) GTEST_SKIP() << "io_uring unavailable here";
  Pair p;
  Reader r;
  const std::string msg = "+PONG\r\n";
  l.ring->QueueSend(p.fd[0], msg.data(), msg.size(), &r);
  l.Turn(0);
  EXPECT_EQ(r.sent, long(msg.size()));
  EXPECT_EQ(p.Read(), msg);
  // A full socket: the non-blocking send reports what fit, or -EAGAIN.
  int small = 4096;
  setsockopt(p.fd[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  std::string big(1 << 20, 'z');
  l.ring->QueueSend(p.fd[0], big.data(), big.size(), &r);
  l.Turn(0);
  EXPECT_TRUE(r.sent == -EAGAIN || (r.sent > 0 && r.sent < long(big.size()))) << r.sent;
}

// The epoll set is polled through the ring: a ready fd there wakes the wait.
TEST(RingIoTest, EpollSetWakesTheWait) {
  Loop l;
  if (!l.ring) GTEST_SKIP() << "io_uring unavailable here";
  Pair p;
  epoll_event ev{};
  ev.events = EPOLLIN;
  epoll_ctl(l.epfd, EPOLL_CTL_ADD, p.fd[0], &ev);
  p.Send("q");
  l.Turn(1000);
  EXPECT_EQ(l.epoll_calls, 1);
  // Still readable (level-triggered, nothing read): the re-armed poll sees it again.
  l.Turn(1000);
  EXPECT_EQ(l.epoll_calls, 2);
}

}  // namespace
}  // namespace vireo
