// vireo-forwarder's event loop (forwarder.h).
#include "forwarder/forwarder.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

namespace vireo::forwarder {

namespace {

using Clock = std::chrono::steady_clock;

void Log(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void Log(const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  fprintf(stderr, "vireo-forwarder: %s\n", buf);
  fflush(stderr);
}

constexpr unsigned kSpliceFlags = SPLICE_F_MOVE | SPLICE_F_NONBLOCK;

}  // namespace

struct Forwarder::Handle {
  enum Type : uint8_t { kSignal, kListener, kClient, kUpstream } type;
  void* owner;
};

// One direction of a connection: bytes read from its source socket wait in
// the pipe until its destination takes them.
struct Dir {
  int r = -1, w = -1;   // the pipe's read and write ends
  size_t bytes = 0;     // in the pipe now
  size_t cap = 0;       // the pipe's capacity
  bool eof = false;     // the source ended its writes
  bool full = false;    // the pipe took no more although bytes < cap
  bool shut = false;    // the destination was shut for writing
  bool dead = false;    // the destination failed: nothing more moves here

  bool CanRead() const { return !eof && !full && !dead && bytes < cap; }
  bool Done() const { return dead || (eof && bytes == 0 && shut); }
};

struct Forwarder::Listener {
  Endpoint* ep = nullptr;
  std::string host;
  int fd = -1;
  bool registered = false;
  std::string error;   // why the last open failed
  Handle h{Handle::kListener, this};
};

struct Forwarder::Endpoint {
  uint16_t port = 0;
  Kind kind = Kind::kPrimary;
  std::vector<uint16_t> targets;
  size_t rr = 0;
  bool listening = false;
  Clock::time_point empty_since = Clock::now();
  std::vector<std::unique_ptr<Listener>> listeners;
  std::set<Conn*> conns;
};

struct Forwarder::Conn {
  Endpoint* ep = nullptr;
  uint16_t target = 0;
  int client = -1, upstream = -1;
  bool connecting = true;
  bool closed = false;
  Dir up;     // client -> node
  Dir down;   // node -> client
  uint32_t mask_client = 0, mask_upstream = 0;   // registered; 0: not in epoll
  Handle hc{Handle::kClient, this};
  Handle hu{Handle::kUpstream, this};
};

Forwarder::Forwarder(std::string state_path, int hold_ms)
    : state_path_(std::move(state_path)), hold_ms_(hold_ms) {}

Forwarder::~Forwarder() {
  for (auto& [port, ep] : endpoints_) CloseEndpoint(ep.get());
  for (Conn* c : dead_) delete c;
  if (sigfd_ >= 0) close(sigfd_);
  if (epfd_ >= 0) close(epfd_);
}

int Forwarder::Run() {
  signal(SIGPIPE, SIG_IGN);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  sigfd_ = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (epfd_ < 0 || sigfd_ < 0) {
    Log("epoll/signalfd: %s", strerror(errno));
    return 1;
  }
  sig_handle_ = std::make_unique<Handle>(Handle{Handle::kSignal, nullptr});
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = sig_handle_.get();
  epoll_ctl(epfd_, EPOLL_CTL_ADD, sigfd_, &ev);
  Reload();

  epoll_event events[256];
  auto next_tick = Clock::now();
  while (!stop_) {
    int n = epoll_wait(epfd_, events, 256, 250);
    if (n < 0 && errno != EINTR) {
      Log("epoll_wait: %s", strerror(errno));
      return 1;
    }
    for (int i = 0; i < n; ++i) {
      auto* h = static_cast<Handle*>(events[i].data.ptr);
      switch (h->type) {
        case Handle::kSignal: {
          signalfd_siginfo si;
          while (read(sigfd_, &si, sizeof si) == sizeof si) {
            if (si.ssi_signo == SIGHUP) {
              Reload();
            } else {
              stop_ = true;
            }
          }
          break;
        }
        case Handle::kListener:
          OnAccept(static_cast<Listener*>(h->owner));
          break;
        default: {
          auto* c = static_cast<Conn*>(h->owner);
          if (!c->closed) OnConnEvent(h, events[i].events);
        }
      }
    }
    for (Conn* c : dead_) delete c;
    dead_.clear();
    if (Clock::now() >= next_tick) {
      Tick();
      next_tick = Clock::now() + std::chrono::milliseconds(250);
    }
  }
  Log("stopping");
  return 0;
}

// --- control ------------------------------------------------------------------

void Forwarder::Reload() {
  std::ifstream f(state_path_, std::ios::binary);
  if (!f) {
    Log("no state file %s yet: no endpoints", state_path_.c_str());
    return;
  }
  std::ostringstream ss;
  ss << f.rdbuf();
  State st;
  std::string err;
  if (!ParseState(ss.str(), &st, &err)) {
    Log("state file refused, the previous table stays: %s", err.c_str());
    listen_errors_ = {"state " + err};
    WriteApplied();
    return;
  }
  Apply(st);
}

void Forwarder::Apply(const State& st) {
  if (st.binds != binds_) {
    binds_ = st.binds;
    for (auto& [port, ep] : endpoints_) {
      SetListening(ep.get(), false);
      for (auto& l : ep->listeners)
        if (l->fd >= 0) close(l->fd);
      ep->listeners.clear();
      OpenListeners(ep.get());
    }
  }
  std::set<uint16_t> wanted;
  for (const auto& spec : st.endpoints) wanted.insert(spec.port);
  for (auto it = endpoints_.begin(); it != endpoints_.end();) {
    if (!wanted.count(it->first)) {
      CloseEndpoint(it->second.get());
      it = endpoints_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& spec : st.endpoints) {
    auto& slot = endpoints_[spec.port];
    if (!slot) {
      slot = std::make_unique<Endpoint>();
      slot->port = spec.port;
      slot->kind = spec.kind;
      slot->targets = spec.targets;
      OpenListeners(slot.get());
    } else if (slot->kind != spec.kind || slot->targets != spec.targets) {
      // A primary endpoint whose target changed leads somewhere else now:
      // its clients reconnect and find the new primary. A reader keeps the
      // connections to nodes it still lists.
      std::vector<Conn*> cut;
      for (Conn* c : slot->conns) {
        bool keep = slot->kind == spec.kind && spec.kind == Kind::kReader &&
                    std::find(spec.targets.begin(), spec.targets.end(), c->target) != spec.targets.end();
        if (!keep) cut.push_back(c);
      }
      for (Conn* c : cut) CloseConn(c);
      slot->kind = spec.kind;
      slot->targets = spec.targets;
    }
    SetListening(slot.get(), !slot->targets.empty());
  }
  generation_ = st.generation;
  listen_errors_.clear();
  for (auto& [port, ep] : endpoints_)
    for (auto& l : ep->listeners)
      if (l->fd < 0) listen_errors_.push_back("listen " + std::to_string(port) + " " + l->host + ": " + l->error);
  WriteApplied();
}

void Forwarder::WriteApplied() {
  std::string text = "generation " + std::to_string(generation_) + "\n";
  for (const auto& e : listen_errors_) text += "error " + e + "\n";
  std::string tmp = state_path_ + ".applied.tmp";
  FILE* f = fopen(tmp.c_str(), "w");
  if (!f) {
    Log("cannot write %s: %s", tmp.c_str(), strerror(errno));
    return;
  }
  fwrite(text.data(), 1, text.size(), f);
  fclose(f);
  if (rename(tmp.c_str(), (state_path_ + ".applied").c_str()) != 0)
    Log("cannot rename %s: %s", tmp.c_str(), strerror(errno));
}

// --- listeners ----------------------------------------------------------------

void Forwarder::OpenListeners(Endpoint* ep) {
  if (ep->listeners.empty()) {
    std::vector<std::string> hosts{"127.0.0.1"};
    for (const auto& b : binds_)
      if (b != "127.0.0.1") hosts.push_back(b);
    for (const auto& host : hosts) {
      auto l = std::make_unique<Listener>();
      l->ep = ep;
      l->host = host;
      ep->listeners.push_back(std::move(l));
    }
  }
  for (auto& l : ep->listeners) {
    if (l->fd >= 0) continue;
    sockaddr_storage ss{};
    socklen_t len;
    int family;
    if (inet_pton(AF_INET, l->host.c_str(), &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr) == 1) {
      auto* a = reinterpret_cast<sockaddr_in*>(&ss);
      a->sin_family = family = AF_INET;
      a->sin_port = htons(ep->port);
      len = sizeof(sockaddr_in);
    } else {
      auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
      inet_pton(AF_INET6, l->host.c_str(), &a->sin6_addr);
      a->sin6_family = family = AF_INET6;
      a->sin6_port = htons(ep->port);
      len = sizeof(sockaddr_in6);
    }
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0) {
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    }
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || listen(fd, 511) != 0) {
      std::string why = strerror(errno);
      if (why != l->error) Log("cannot listen on %s:%u: %s", l->host.c_str(), ep->port, why.c_str());
      l->error = why;
      if (fd >= 0) close(fd);
      continue;
    }
    if (!l->error.empty()) Log("listening on %s:%u", l->host.c_str(), ep->port);
    l->error.clear();
    l->fd = fd;
    l->registered = false;
  }
  if (ep->listening) {
    ep->listening = false;
    SetListening(ep, true);
  }
}

void Forwarder::SetListening(Endpoint* ep, bool on) {
  if (!on && ep->listening) ep->empty_since = Clock::now();
  ep->listening = on;
  for (auto& l : ep->listeners) {
    if (l->fd < 0 || l->registered == on) continue;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = &l->h;
    epoll_ctl(epfd_, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, l->fd, &ev);
    l->registered = on;
  }
}

void Forwarder::CloseEndpoint(Endpoint* ep) {
  SetListening(ep, false);
  for (auto& l : ep->listeners)
    if (l->fd >= 0) close(l->fd);
  ep->listeners.clear();
  std::vector<Conn*> all(ep->conns.begin(), ep->conns.end());
  for (Conn* c : all) CloseConn(c);
}

void Forwarder::Tick() {
  auto now = Clock::now();
  for (auto& [port, ep] : endpoints_) {
    bool missing = false;
    for (auto& l : ep->listeners) missing |= l->fd < 0;
    if (missing) OpenListeners(ep.get());
    // Held too long without a target: the waiting clients are refused.
    if (ep->targets.empty() && now - ep->empty_since > std::chrono::milliseconds(hold_ms_)) {
      for (auto& l : ep->listeners) {
        if (l->fd < 0) continue;
        int fd;
        while ((fd = accept4(l->fd, nullptr, nullptr, SOCK_CLOEXEC)) >= 0) close(fd);
      }
    }
  }
}

void Forwarder::OnAccept(Listener* l) {
  Endpoint* ep = l->ep;
  for (int i = 0; i < 64 && ep->listening && l->fd >= 0; ++i) {
    int fd = accept4(l->fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED && errno != EINTR)
        Log("accept on port %u: %s", ep->port, strerror(errno));
      return;
    }
    StartConnect(ep, fd);
  }
}

// --- connections ----------------------------------------------------------------

static bool OpenPipe(Dir* d) {
  int p[2];
  if (pipe2(p, O_NONBLOCK | O_CLOEXEC) != 0) return false;
  d->r = p[0];
  d->w = p[1];
  int cap = fcntl(d->r, F_GETPIPE_SZ);
  d->cap = cap > 0 ? static_cast<size_t>(cap) : 65536;
  return true;
}

void Forwarder::StartConnect(Endpoint* ep, int client_fd) {
  if (ep->targets.empty()) {
    close(client_fd);
    return;
  }
  uint16_t target = ep->kind == Kind::kPrimary ? ep->targets[0] : ep->targets[ep->rr++ % ep->targets.size()];
  auto* c = new Conn;
  c->ep = ep;
  c->target = target;
  c->client = client_fd;
  ep->conns.insert(c);
  int one = 1;
  setsockopt(client_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c->upstream = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->upstream < 0 || !OpenPipe(&c->up) || !OpenPipe(&c->down)) {
    Log("cannot open a connection: %s", strerror(errno));
    CloseConn(c);
    return;
  }
  setsockopt(c->upstream, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(target);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(c->upstream, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    c->connecting = false;
  } else if (errno != EINPROGRESS) {
    CloseConn(c);   // the node is not there: the client sees a closed connection
    return;
  }
  UpdateInterest(c);
}

// Moves what is in the pipe to the destination; false when the destination
// failed (the direction is dead then).
static void Flush(Dir& d, int dst) {
  while (d.bytes > 0 && !d.dead) {
    ssize_t m = splice(d.r, nullptr, dst, nullptr, d.bytes, kSpliceFlags);
    if (m > 0) {
      d.bytes -= static_cast<size_t>(m);
      d.full = false;
      continue;
    }
    if (m < 0 && errno == EINTR) continue;
    if (m < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;   // EPOLLOUT resumes
    d.dead = true;   // the destination is gone: nothing it was sent matters
    d.bytes = 0;
    return;
  }
}

// Reads once from src into the pipe (level-triggered: more comes with the
// next event) and flushes; false when the source failed.
static bool Fill(Dir& d, int src, int dst) {
  if (d.CanRead()) {
    ssize_t n = splice(src, nullptr, d.w, nullptr, d.cap - d.bytes, kSpliceFlags);
    if (n > 0) {
      d.bytes += static_cast<size_t>(n);
    } else if (n == 0) {
      d.eof = true;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      // The socket was readable, so the pipe is what refused (its slots are
      // taken by small segments): stop reading until it drains.
      if (d.bytes > 0) d.full = true;
    } else if (errno != EINTR) {
      return false;
    }
  }
  Flush(d, dst);
  if (d.eof && d.bytes == 0 && !d.shut && !d.dead) {
    shutdown(dst, SHUT_WR);   // pass the half-close on
    d.shut = true;
  }
  return true;
}

void Forwarder::OnConnEvent(Handle* h, uint32_t events) {
  Conn* c = static_cast<Conn*>(h->owner);
  bool is_client = h->type == Handle::kClient;
  if (c->connecting) {
    if (is_client) return;
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c->upstream, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0 || (events & (EPOLLERR | EPOLLHUP))) {
      CloseConn(c);
      return;
    }
    c->connecting = false;
    UpdateInterest(c);
    return;
  }
  if (events & EPOLLERR) {
    CloseConn(c);   // reset or failed: nothing more can pass either way
    return;
  }
  int self = is_client ? c->client : c->upstream;
  int peer = is_client ? c->upstream : c->client;
  Dir& from = is_client ? c->up : c->down;   // self -> peer
  Dir& to = is_client ? c->down : c->up;     // peer -> self
  if (events & EPOLLOUT) {
    Flush(to, self);
    if (to.eof && to.bytes == 0 && !to.shut && !to.dead) {
      shutdown(self, SHUT_WR);
      to.shut = true;
    }
  }
  if (events & (EPOLLIN | EPOLLHUP)) {
    if (!Fill(from, self, peer)) {
      CloseConn(c);
      return;
    }
  }
  if (c->up.Done() && c->down.Done()) {
    CloseConn(c);
    return;
  }
  UpdateInterest(c);
}

void Forwarder::UpdateInterest(Conn* c) {
  uint32_t want_client = 0, want_upstream = 0;
  if (c->connecting) {
    want_upstream = EPOLLOUT;
  } else {
    // A direction whose destination died reads nothing more from its source.
    if (c->up.CanRead()) want_client |= EPOLLIN;
    if (c->down.bytes > 0 && !c->down.dead) want_client |= EPOLLOUT;
    if (c->down.CanRead()) want_upstream |= EPOLLIN;
    if (c->up.bytes > 0 && !c->up.dead) want_upstream |= EPOLLOUT;
  }
  auto apply = [&](int fd, uint32_t want, uint32_t* have, Handle* h) {
    if (want == *have) return;
    epoll_event ev{};
    ev.events = want;
    ev.data.ptr = h;
    // Not registered at all while nothing is wanted, so a hung-up socket
    // that is not read (its peer's pipe is full) cannot wake the loop.
    int op = want == 0 ? EPOLL_CTL_DEL : (*have == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD);
    epoll_ctl(epfd_, op, fd, &ev);
    *have = want;
  };
  apply(c->client, want_client, &c->mask_client, &c->hc);
  apply(c->upstream, want_upstream, &c->mask_upstream, &c->hu);
}

void Forwarder::CloseConn(Conn* c) {
  if (c->closed) return;
  c->closed = true;
  c->ep->conns.erase(c);
  for (int fd : {c->client, c->upstream, c->up.r, c->up.w, c->down.r, c->down.w})
    if (fd >= 0) close(fd);   // closing removes it from epoll
  dead_.push_back(c);
}

}  // namespace vireo::forwarder
