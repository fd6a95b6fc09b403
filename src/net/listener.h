// TCP listening and accepted sockets: opening a listener for a redis.conf
// bind address, the loop handler that reports a listener ready to accept,
// the options every client socket gets (TCP_NODELAY, keepalive), and the
// "host:port" texts CLIENT LIST shows.
// Thread rule: the loop's thread (handlers); the free functions are pure
// system-call wrappers.
#pragma once
#include <sys/socket.h>

#include <functional>
#include <string>

#include "net/event_loop.h"

namespace vireo {

// Tells its owner when its listening socket is ready to accept.
class Listener : public IoHandler {
 public:
  Listener(int fd, std::function<void(int)> on_acceptable) : fd_(fd), on_acceptable_(std::move(on_acceptable)) {}
  void OnIo(uint32_t) override { on_acceptable_(fd_); }

 private:
  int fd_;
  std::function<void(int)> on_acceptable_;
};

// Opens one non-blocking listening socket for a bind address ("*" = any
// IPv4, "::*" = any IPv6; a leading '-' marks the address optional: failing
// to bind it is not fatal, *optional says so). Returns -1 with *error set.
// `shared` sets SO_REUSEPORT: several processes may listen on the port at
// once (the kernel spreads connections over them), which is how the nodes
// of a managed group serve one endpoint port (vireo-endpoint-ports).
int OpenListener(std::string addr, int port, int backlog, std::string* error, bool* optional,
                 bool shared = false);

// TCP_NODELAY, and keepalive probes after `keepalive_s` idle seconds (0: off).
void ConfigureClientSocket(int fd, int keepalive_s);

// True for a loopback peer as Redis's protected mode sees it: an IPv4
// address in 127.0.0.0/8, the IPv6 address ::1 (an IPv4-mapped address is
// not loopback), or a Unix socket peer.
bool IsLoopbackPeer(const sockaddr_storage& ss);

// "ip:port" of a socket address; of a connected socket's local end.
std::string SockAddrText(const sockaddr_storage& ss);
std::string LocalAddrText(int fd);

}  // namespace vireo
