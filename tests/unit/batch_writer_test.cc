#include "net/batch_writer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
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
    close(fd[0]);
    close(fd[1]);
  }
  std::string Read() {
    char buf[4096];
    ssize_t n = read(fd[1], buf, sizeof buf);
    return n > 0 ? std::string(buf, size_t(n)) : std::string();
  }
};

// Several sockets in one submit (and more than a ring's worth, so in
// rounds): each gets its bytes, each result comes back with its tag.
TEST(BatchWriterTest, SendsToEverySocketAndReportsEach) {
  BatchWriter w(4);
  if (!w.ok()) GTEST_SKIP() << "io_uring unavailable here";
  std::vector<Pair> pairs(10);
  std::vector<std::string> msgs;
  for (int i = 0; i < 10; ++i) msgs.push_back("reply-" + std::to_string(i));
  for (int i = 0; i < 10; ++i) w.Add(pairs[i].fd[0], msgs[i].data(), msgs[i].size(), &msgs[i]);
  std::vector<std::pair<void*, ssize_t>> got;
  const int calls = w.Submit([&](void* tag, ssize_t res) { got.emplace_back(tag, res); });
  EXPECT_EQ(calls, 3);  // 4 + 4 + 2
  ASSERT_EQ(got.size(), 10u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(got[i].first, &msgs[i]);
    EXPECT_EQ(got[i].second, ssize_t(msgs[i].size()));
    EXPECT_EQ(pairs[i].Read(), msgs[i]);
  }
  EXPECT_EQ(w.queued(), 0u);
}

// A full socket answers -EAGAIN at once (the loop then waits for EPOLLOUT),
// a closed peer an error; neither blocks the others.
TEST(BatchWriterTest, FullAndBrokenSocketsDoNotBlock) {
  BatchWriter w;
  if (!w.ok()) GTEST_SKIP() << "io_uring unavailable here";
  Pair full, broken, fine;
  std::string big(1 << 16, 'x');
  while (write(full.fd[0], big.data(), big.size()) > 0) {
  }
  close(broken.fd[1]);
  broken.fd[1] = open("/dev/null", O_RDONLY);  // keep the destructor's close harmless
  std::string msg = "ok";
  w.Add(full.fd[0], big.data(), big.size(), &full);
  w.Add(broken.fd[0], msg.data(), msg.size(), &broken);
  w.Add(fine.fd[0], msg.data(), msg.size(), &fine);
  std::vector<ssize_t> res;
  w.Submit([&](void*, ssize_t r) { res.push_back(r); });
  ASSERT_EQ(res.size(), 3u);
  EXPECT_EQ(res[0], -EAGAIN);
  EXPECT_EQ(res[1], -EPIPE);
  EXPECT_EQ(res[2], 2);
  EXPECT_EQ(fine.Read(), "ok");
}

TEST(BatchWriterTest, DiscardSendsNothing) {
  BatchWriter w;
  if (!w.ok()) GTEST_SKIP() << "io_uring unavailable here";
  Pair p;
  std::string msg = "x";
  w.Add(p.fd[0], msg.data(), msg.size(), nullptr);
  w.Discard();
  EXPECT_EQ(w.Submit([](void*, ssize_t) {}), 0);
  fcntl(p.fd[1], F_SETFL, O_NONBLOCK);
  EXPECT_EQ(p.Read(), "");
}

}  // namespace
}  // namespace vireo
