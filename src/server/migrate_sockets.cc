#include "server/migrate_sockets.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <random>

#include "base/clock.h"

namespace vireo {
namespace {

constexpr size_t kMaxCached = 64;
constexpr int64_t kIdleSeconds = 10;
constexpr size_t kMaxLine = 1024;

// Waits for events on fd until deadline_ms; false on timeout.
bool WaitFor(int fd, short events, int64_t deadline_ms) {
  for (;;) {
    int64_t left = deadline_ms - NowMs();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    int n = poll(&p, 1, int(std::min<int64_t>(left, 1 << 30)));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return true;  // let the next call report the error
  }
}

// A non-blocking connect bounded by timeout_ms; like Redis's blocking connect,
// it succeeds once the socket is writable (a refusal surfaces at write time).
int ConnectWithin(const std::string& host, int port, int64_t timeout_ms) {
  addrinfo hints{}, *res = nullptr;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  const std::string service = std::to_string(port);
  if (getaddrinfo(host.c_str(), service.c_str(), &hints, &res) != 0 || !res) return -1;
  int fd = -1;
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS) break;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) return -1;
  if (!WaitFor(fd, POLLOUT, NowMs() + timeout_ms)) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

}  // namespace

MigrateSockets::~MigrateSockets() {
  for (auto& [name, c] : conns_) close(c->fd);
}

MigrateSockets::Conn* MigrateSockets::Get(const std::string& host, const std::string& port, int64_t timeout_ms,
                                          int64_t now_s) {
  const std::string name = host + ":" + port;
  if (auto it = conns_.find(name); it != conns_.end()) {
    it->second->last_use_s = now_s;
    return it->second.get();
  }
  if (conns_.size() >= kMaxCached) {
    // Full: one cached connection makes room, picked at random as Redis does.
    static std::minstd_rand rng(12345);
    auto victim = conns_.begin();
    std::advance(victim, rng() % conns_.size());
    close(victim->second->fd);
    conns_.erase(victim);
  }
  // The port is read as atoi reads it (Redis's parsing: "abc" is port 0).
  const int fd = ConnectWithin(host, atoi(port.c_str()), timeout_ms);
  if (fd < 0) return nullptr;
  auto c = std::make_unique<Conn>();
  c->fd = fd;
  c->last_use_s = now_s;
  Conn* raw = c.get();
  conns_.emplace(name, std::move(c));
  return raw;
}

void MigrateSockets::Close(const std::string& host, const std::string& port) {
  auto it = conns_.find(host + ":" + port);
  if (it == conns_.end()) return;
  close(it->second->fd);
  conns_.erase(it);
}

void MigrateSockets::CloseIdle(int64_t now_s) {
  for (auto it = conns_.begin(); it != conns_.end();) {
    if (now_s - it->second->last_use_s > kIdleSeconds) {
      close(it->second->fd);
      it = conns_.erase(it);
    } else {
      ++it;
    }
  }
}

MigrateSockets::IoError MigrateSockets::Write(Conn* c, std::string_view data, int64_t timeout_ms) {
  const int64_t deadline = NowMs() + timeout_ms;
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = send(c->fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n > 0) {
      off += size_t(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!WaitFor(c->fd, POLLOUT, deadline)) return IoError::kTimeout;
      continue;
    }
    return IoError::kOther;
  }
  return IoError::kNone;
}

MigrateSockets::IoError MigrateSockets::ReadLine(Conn* c, std::string* line, int64_t timeout_ms) {
  const int64_t deadline = NowMs() + timeout_ms;
  for (;;) {
    const size_t nl = c->in.find('\n');
    if (nl != std::string::npos) {
      size_t end = nl;
      if (end > 0 && c->in[end - 1] == '\r') --end;
      line->assign(c->in, 0, std::min(end, kMaxLine - 1));
      c->in.erase(0, nl + 1);
      return line->empty() ? IoError::kOther : IoError::kNone;
    }
    if (c->in.size() >= kMaxLine) {
      // Redis stops at its 1 KiB line buffer; what it read is the reply.
      line->assign(c->in, 0, kMaxLine - 1);
      c->in.clear();
      return IoError::kNone;
    }
    char buf[4096];
    ssize_t n = recv(c->fd, buf, sizeof(buf), 0);
    if (n > 0) {
      c->in.append(buf, size_t(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!WaitFor(c->fd, POLLIN, deadline)) return IoError::kTimeout;
      continue;
    }
    return IoError::kOther;
  }
}

}  // namespace vireo
