// vireo-loadgen: the load driver of bench/scripted.py's rows (a MULTI/EXEC
// block, EVALSHA, FCALL), in C++ so that the client costs little CPU and
// adds little noise next to the server it measures (a Python driver on the
// same two cores swung the ratios by +-15% between runs).
//
//   vireo-loadgen PORT CONNECTIONS ROUNDS REPLY_LEN PAYLOAD_FILE
//
// PAYLOAD_FILE holds payloads as (4-byte little-endian length, bytes)
// records. Each connection sends one payload (a pipeline of requests), waits
// for REPLY_LEN bytes of replies, then sends the next payload, until ROUNDS
// payloads have been answered in all. The caller learnt REPLY_LEN from a
// probe: every payload's replies have the same length, so replies are
// counted, never parsed. An error reply ('-' at the start of a round's
// replies) stops the run with exit status 3.
//
// Prints "SECONDS ROUNDS" on success. Single-threaded, one epoll set.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

[[noreturn]] void Die(const char* what) {
  std::perror(what);
  std::exit(2);
}

std::vector<std::string> ReadPayloads(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos + 4 <= all.size()) {
    uint32_t len;
    std::memcpy(&len, all.data() + pos, 4);
    pos += 4;
    if (pos + len > all.size()) break;
    out.emplace_back(all.data() + pos, len);
    pos += len;
  }
  return out;
}

int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) Die("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) Die("connect");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// Blocking send of the whole payload (the socket stays blocking: a payload
// is a few KB and the server reads it all before answering).
void SendAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0) Die("send");
    off += n;
  }
}

struct Conn {
  int fd;
  size_t got = 0;       // reply bytes of the current round so far
  bool first = true;    // the next byte read starts a round's replies
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: vireo-loadgen PORT CONNECTIONS ROUNDS REPLY_LEN PAYLOAD_FILE\n");
    return 1;
  }
  int port = std::atoi(argv[1]);
  int connections = std::atoi(argv[2]);
  long rounds = std::atol(argv[3]);
  size_t reply_len = std::strtoul(argv[4], nullptr, 10);
  std::vector<std::string> payloads = ReadPayloads(argv[5]);
  if (port <= 0 || connections <= 0 || rounds <= 0 || reply_len == 0 || payloads.empty()) {
    std::fprintf(stderr, "vireo-loadgen: bad arguments or empty payload file\n");
    return 1;
  }
  int ep = epoll_create1(0);
  if (ep < 0) Die("epoll_create1");
  std::vector<Conn> conns(connections);
  for (int i = 0; i < connections; ++i) {
    conns[i].fd = Connect(port);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = i;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev) < 0) Die("epoll_ctl");
  }
  long sent = 0, done = 0;
  auto start = std::chrono::steady_clock::now();
  for (auto& c : conns) {
    if (sent < rounds) SendAll(c.fd, payloads[sent++ % payloads.size()]);
  }
  std::vector<char> buf(1 << 20);
  std::vector<epoll_event> events(connections);
  while (done < rounds) {
    int n = epoll_wait(ep, events.data(), connections, 30000);
    if (n < 0) Die("epoll_wait");
    if (n == 0) {
      std::fprintf(stderr, "vireo-loadgen: no reply for 30 s\n");
      return 2;
    }
    for (int e = 0; e < n; ++e) {
      Conn& c = conns[events[e].data.u32];
      ssize_t r = recv(c.fd, buf.data(), buf.size(), MSG_DONTWAIT);
      if (r < 0) Die("recv");
      if (r == 0) {
        std::fprintf(stderr, "vireo-loadgen: server closed the connection\n");
        return 2;
      }
      if (c.first && buf[0] == '-') {
        std::fprintf(stderr, "vireo-loadgen: error reply: %.*s\n", static_cast<int>(std::min<ssize_t>(r, 200)),
                     buf.data());
        return 3;
      }
      c.first = false;
      c.got += r;
      if (c.got >= reply_len) {
        c.got = 0;
        c.first = true;
        ++done;
        if (sent < rounds) SendAll(c.fd, payloads[sent++ % payloads.size()]);
      }
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%.6f %ld\n", secs, done);
  for (auto& c : conns) close(c.fd);
  return 0;
}
