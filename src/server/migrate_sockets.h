// MigrateSockets: MIGRATE's connections to target servers, kept open between
// calls as Redis keeps them (at most 64, each closed after 10 s unused, counted
// in INFO's migrate_cached_sockets), with the blocking, time-bounded I/O that
// MIGRATE does on them: the command waits for its target as Redis's does.
// Thread rule: main thread only (commands and cron).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace vireo {

class MigrateSockets {
 public:
  struct Conn {
    int fd = -1;
    int64_t last_dbid = -1;  // the target's selected db (-1: send SELECT)
    int64_t last_use_s = 0;
    std::string in;  // bytes read past the last reply line
  };
  // Why a call failed; timeouts are not retried by MIGRATE.
  enum class IoError { kNone, kTimeout, kOther };

  MigrateSockets() = default;
  MigrateSockets(const MigrateSockets&) = delete;
  MigrateSockets& operator=(const MigrateSockets&) = delete;
  ~MigrateSockets();

  // The cached connection to host:port or a new one; nullptr when the address
  // cannot be resolved or the connection does not complete within timeout_ms.
  // As Redis, a refused connection shows up at the first write, not here.
  Conn* Get(const std::string& host, const std::string& port, int64_t timeout_ms, int64_t now_s);
  void Close(const std::string& host, const std::string& port);
  // Once a second from cron: closes connections unused for more than 10 s.
  void CloseIdle(int64_t now_s);
  size_t size() const { return conns_.size(); }

  // Writes all of data within timeout_ms.
  static IoError Write(Conn* c, std::string_view data, int64_t timeout_ms);
  // Reads one reply line (without its CRLF) within timeout_ms; an empty line,
  // a closed connection or a line over 1 KiB is an error, as in Redis.
  static IoError ReadLine(Conn* c, std::string* line, int64_t timeout_ms);

 private:
  std::unordered_map<std::string, std::unique_ptr<Conn>> conns_;
};

}  // namespace vireo
