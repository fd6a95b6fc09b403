#include "server/client.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "base/clock.h"
#include "server/server.h"

namespace vireo {

namespace {
constexpr size_t kReadChunk = 16 * 1024;
// Above this much sent output we drop the sent prefix instead of waiting for
// the whole buffer to drain, so a slow reader does not pin memory twice.
constexpr size_t kCompactThreshold = 1 << 20;
}  // namespace

Client::Client(Server* server, int fd, uint64_t id, std::string addr, std::string laddr)
    : server_(server), fd_(fd), id_(id), addr_(std::move(addr)), laddr_(std::move(laddr)) {
  client_id = id;
  created_ms = NowMs();
  last_interaction_ms = created_ms;
}

Client::~Client() {
  if (fd_ >= 0) close(fd_);
}

void Client::OnIo(uint32_t events) {
  if (closing) return;
  if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLIN)) {
    server_->CloseClient(this);
    return;
  }
  if (events & EPOLLOUT) {
    if (!Flush()) return;
  }
  if (!(events & EPOLLIN)) return;
  if (paused) return;  // input stays in the kernel until the pause ends
  // Read what is there; a big pending bulk gets room for all of it at once.
  size_t want = kReadChunk;
  size_t pending = parser.pending_bulk_bytes();
  if (pending > want) want = pending;
  ssize_t n = read(fd_, query.PrepareWrite(want), want);
  if (n <= 0) {
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) server_->CloseClient(this);
    return;
  }
  query.CommitWrite(size_t(n));
  net_input_bytes += uint64_t(n);
  server_->stats().net_input_bytes += uint64_t(n);
  last_interaction_ms = NowMs();
  server_->ProcessInput(this);
}

bool Client::Flush() {
  std::string& out = reply.buffer();
  while (sent_ < out.size()) {
    ssize_t n = write(fd_, out.data() + sent_, out.size() - sent_);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      server_->CloseClient(this);
      return false;
    }
    sent_ += size_t(n);
    net_output_bytes += uint64_t(n);
    server_->stats().net_output_bytes += uint64_t(n);
  }
  if (sent_ == out.size()) {
    out.clear();
    sent_ = 0;
    if (want_write_) {
      want_write_ = false;
      server_->loop().Watch(fd_, this, reading_, false);
    }
    if (close_after_reply) {
      server_->CloseClient(this);
      return false;
    }
    return true;
  }
  if (sent_ > kCompactThreshold) {
    out.erase(0, sent_);
    sent_ = 0;
  }
  if (!want_write_) {
    want_write_ = true;
    server_->loop().Watch(fd_, this, reading_, true);
  }
  return true;
}

void Client::SetReading(bool on) {
  if (reading_ == on || closing) return;
  reading_ = on;
  server_->loop().Watch(fd_, this, reading_, want_write_);
}

}  // namespace vireo
