// vireo-loadgen: the load driver of bench.py's hand-built rows (MULTI/EXEC,
// EVALSHA, FCALL, SETBIT, GEOSEARCH...), in C++ so that the client costs
// little CPU and adds little noise next to the server it measures (a Python
// driver on the same two cores swung the ratios by +-15% between runs, and
// at pipeline 1 it measured mostly its own slowness).
//
//   vireo-loadgen PORT SENDS_PER_CONNECTION STREAM_FILE
//
// STREAM_FILE holds records (connection, reply length, payload length: three
// 4-byte little-endian numbers, then the payload's bytes). Connection c sends
// its records in file order, one at a time: a payload (a pipeline of
// requests), then a wait for exactly its reply length in bytes, then the
// next. It cycles through its records until it has sent
// SENDS_PER_CONNECTION payloads (0: each record once). The caller learnt the
// reply lengths from probes, so replies are counted, never parsed. A reply
// that starts with '-' or runs past its length stops the run (exit 3).
//
// Prints "SECONDS PAYLOADS" on success. Single-threaded, one epoll set.

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

struct Record {
  uint32_t reply_len;
  std::string payload;
};

// Records of each connection, in file order; an empty result on a bad file.
std::vector<std::vector<Record>> ReadStreams(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::vector<Record>> out;
  size_t pos = 0;
  while (pos + 12 <= all.size()) {
    uint32_t head[3];
    std::memcpy(head, all.data() + pos, 12);
    pos += 12;
    if (head[0] > 4096 || head[1] == 0 || pos + head[2] > all.size()) return {};
    if (out.size() <= head[0]) out.resize(head[0] + 1);
    out[head[0]].push_back(Record{head[1], std::string(all.data() + pos, head[2])});
    pos += head[2];
  }
  for (auto& s : out) {
    if (s.empty()) return {};
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
  const std::vector<Record>* records;
  long sent = 0;        // payloads sent so far
  long to_send;         // payloads to send in all
  size_t got = 0;       // reply bytes of the payload in flight so far
  uint32_t want = 0;    // its reply length

  const Record& Next() const { return (*records)[sent % records->size()]; }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: vireo-loadgen PORT SENDS_PER_CONNECTION STREAM_FILE\n");
    return 1;
  }
  int port = std::atoi(argv[1]);
  long sends = std::atol(argv[2]);
  std::vector<std::vector<Record>> streams = ReadStreams(argv[3]);
  if (port <= 0 || sends < 0 || streams.empty()) {
    std::fprintf(stderr, "vireo-loadgen: bad arguments or stream file\n");
    return 1;
  }
  int ep = epoll_create1(0);
  if (ep < 0) Die("epoll_create1");
  int n_conns = static_cast<int>(streams.size());
  std::vector<Conn> conns(n_conns);
  long total = 0;
  for (int i = 0; i < n_conns; ++i) {
    Conn& c = conns[i];
    c.fd = Connect(port);
    c.records = &streams[i];
    c.to_send = sends ? sends : static_cast<long>(streams[i].size());
    total += c.to_send;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = i;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev) < 0) Die("epoll_ctl");
  }
  auto send_next = [](Conn& c) {
    const Record& r = c.Next();
    c.want = r.reply_len;
    c.got = 0;
    ++c.sent;
    SendAll(c.fd, r.payload);
  };
  long done = 0;
  auto start = std::chrono::steady_clock::now();
  for (auto& c : conns) send_next(c);
  std::vector<char> buf(1 << 20);
  std::vector<epoll_event> events(n_conns);
  while (done < total) {
    int n = epoll_wait(ep, events.data(), n_conns, 30000);
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
      if ((c.got == 0 && buf[0] == '-') || c.got + r > c.want) {
        std::fprintf(stderr, "vireo-loadgen: unexpected reply (%zu bytes expected): %.*s\n",
                     static_cast<size_t>(c.want), static_cast<int>(std::min<ssize_t>(r, 200)), buf.data());
        return 3;
      }
      c.got += r;
      if (c.got == c.want) {
        ++done;
        if (c.sent < c.to_send) send_next(c);
      }
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%.6f %ld\n", secs, done);
  for (auto& c : conns) close(c.fd);
  return 0;
}
