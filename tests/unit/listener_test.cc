// Address helpers of net/listener: which peers protected mode counts as
// loopback (Redis's rule: 127.0.0.0/8 and ::1 only).
#include "net/listener.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <cstring>

namespace vireo {
namespace {

sockaddr_storage Addr(const char* text) {
  sockaddr_storage ss{};
  if (std::strchr(text, ':') != nullptr) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    EXPECT_EQ(inet_pton(AF_INET6, text, &a->sin6_addr), 1) << text;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    EXPECT_EQ(inet_pton(AF_INET, text, &a->sin_addr), 1) << text;
  }
  return ss;
}

TEST(ListenerTest, LoopbackPeersForProtectedMode) {
  for (const char* ok : {"127.0.0.1", "127.255.0.9", "::1"}) {
    EXPECT_TRUE(IsLoopbackPeer(Addr(ok))) << ok;
  }
  for (const char* no : {"128.0.0.1", "10.0.0.1", "192.0.2.2", "0.0.0.0", "::", "::ffff:127.0.0.1",
                         "fd00::2", "::2"}) {
    EXPECT_FALSE(IsLoopbackPeer(Addr(no))) << no;
  }
  sockaddr_storage unix_like{};
  unix_like.ss_family = AF_UNIX;
  EXPECT_TRUE(IsLoopbackPeer(unix_like));  // a Unix socket is local, as in Redis
}

}  // namespace
}  // namespace vireo
