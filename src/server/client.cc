#include "server/client.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "base/clock.h"
#include "base/log.h"
#include "net/tls.h"
#include "server/server.h"

namespace vireo {

namespace {
constexpr size_t kReadChunk = 16 * 1024;
// Above this much sent output we drop the sent prefix instead of waiting for
// the whole buffer to drain, so a slow reader does not pin memory twice.
constexpr size_t kCompactThreshold = 1 << 20;
// A drained reply buffer bigger than this goes back to the allocator (a big
// reply is over), so the client's memory falls back with it.
constexpr size_t kKeepIdleReplyBuffer = 64 * 1024;
}  // namespace

Client::Client(Server* server, int fd, uint64_t id, std::string addr, std::string laddr)
    : server_(server), fd_(fd), id_(id), addr_(std::move(addr)), laddr_(std::move(laddr)) {
  client_id = id;
  created_ms = NowMs();
  last_interaction_ms = created_ms;
}

Client::~Client() {
  tls_.reset();  // its close_notify goes out before the socket closes
  if (fd_ >= 0) close(fd_);
}

size_t Client::MemoryUsage() const {
  size_t m = sizeof(Client) + query.capacity() + reply.buffer().capacity();
  if (multi.active) m += multi.arg_bytes + multi.queue.capacity() * sizeof(QueuedCommand);
  m += watched.capacity() * sizeof(WatchedKey);
  // Subscriptions: the set entries (the names are shared with the registry in
  // Redis; here each client holds its copy, counted by its size class).
  if (subs) {
    constexpr size_t kSetNode = 48;
    m += (subs->channels.size() + subs->patterns.size() + subs->shard_channels.size()) * kSetNode;
  }
  m += tracking.prefixes.size() * sizeof(std::string);
  return m;
}

void Client::StartTls(std::unique_ptr<TlsConnection> tls) { tls_ = std::move(tls); }

bool Client::tls_handshaking() const { return tls_ && !tls_->handshake_done(); }

void Client::ReadTlsBuffered() {
  if (tls_ && tls_->handshake_done() && !closing && !paused && tls_->HasBuffered()) ReadTls();
}

void Client::OnTlsIo(uint32_t events) {
  if (!tls_->handshake_done()) {
    switch (tls_->Handshake()) {
      case TlsConnection::Io::kDone:
        server_->loop().Watch(fd_, this, reading_, want_write_);
        break;
      case TlsConnection::Io::kWantRead:
        server_->loop().Watch(fd_, this, true, false);
        return;
      case TlsConnection::Io::kWantWrite:
        server_->loop().Watch(fd_, this, true, true);
        return;
      default:
        // Plain text on the TLS port, a bad or missing client certificate,
        // a peer that hung up half way: the connection is closed, logged
        // as Redis 7.0 does (a replica with the wrong CA shows up here).
        VLOG_WARNING("Error accepting a client connection: %s", tls_->error().c_str());
        server_->CloseClient(this);
        return;
    }
  }
  if (events & EPOLLOUT) {
    if (!Flush()) return;
  }
  if (paused) return;
  ReadTls();
}

void Client::ReadTls() {
  bool got = false;
  // OpenSSL may hold decrypted bytes of a record epoll no longer reports.
  do {
    size_t want = kReadChunk;
    size_t pending = parser.pending_bulk_bytes();
    if (pending > want) want = pending;
    TlsConnection::Io io;
    ssize_t n = tls_->Read(query.PrepareWrite(want), want, &io);
    if (n <= 0) {
      if (io == TlsConnection::Io::kWantRead) break;
      if (io == TlsConnection::Io::kWantWrite) {
        server_->loop().Watch(fd_, this, reading_, true);
        break;
      }
      server_->CloseClient(this);
      return;
    }
    query.CommitWrite(size_t(n));
    CountInput(size_t(n));
    got = true;
  } while (tls_->HasBuffered());
  if (!got) return;
  last_interaction_ms = NowMs();
  server_->ProcessInput(this);
}

void Client::OnIo(uint32_t events) {
  if (closing) return;
  if (tls_) {
    if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLIN)) {
      server_->CloseClient(this);
      return;
    }
    OnTlsIo(events);
    return;
  }
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
  CountInput(size_t(n));
  last_interaction_ms = NowMs();
  server_->ProcessInput(this);
}

void Client::CountInput(size_t n) {
  net_input_bytes += uint64_t(n);
  ServerStats& st = server_->stats();
  ++st.reads_processed;
  (is_master ? st.net_repl_input_bytes : st.net_input_bytes) += uint64_t(n);
}

void Client::AccountBatchedWrite(ssize_t result) {
  if (result < 0) {
    // EAGAIN: the socket is full (Flush's own write finds that out again and
    // watches EPOLLOUT); other errors end the connection as in Flush.
    if (result != -EAGAIN && result != -EINTR) server_->CloseClient(this);
    return;
  }
  AccountSent(size_t(result));
}

void Client::AccountSent(size_t n) {
  sent_ += n;
  net_output_bytes += uint64_t(n);
  ServerStats& st = server_->stats();
  ++st.writes_processed;
  (replica ? st.net_repl_output_bytes : st.net_output_bytes) += uint64_t(n);
}

bool Client::Flush() {
  std::string& out = reply.buffer();
  while (sent_ < out.size()) {
    ssize_t n;
    if (tls_) {
      if (!tls_->handshake_done()) break;
      TlsConnection::Io io;
      n = tls_->Write(out.data() + sent_, out.size() - sent_, &io);
      if (n < 0) {
        if (io == TlsConnection::Io::kWantWrite || io == TlsConnection::Io::kWantRead) break;
        server_->CloseClient(this);
        return false;
      }
    } else {
      n = write(fd_, out.data() + sent_, out.size() - sent_);
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      server_->CloseClient(this);
      return false;
    }
    AccountSent(size_t(n));
  }
  if (sent_ == out.size()) {
    out.clear();
    if (out.capacity() > kKeepIdleReplyBuffer) std::string().swap(out);
    sent_ = 0;
    server_->ClientMemoryChanged(this);
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
  server_->ClientMemoryChanged(this);
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
