// AOF base files: the whole dataset written as a new AOF base, either as an
// RDB preamble (aof-use-rdb-preamble yes) or as commands that rebuild it, the
// way Redis's rewriteAppendOnlyFileRio writes them: SELECT per database, SET,
// RPUSH/SADD/ZADD/HMSET in batches of 64 items, streams as XADD + XSETID +
// XGROUP CREATE + XCLAIM / XGROUP CREATECONSUMER, PEXPIREAT after a key with
// a TTL, FUNCTION LOAD for each library first.
// Thread rule: runs on the thread that owns the keyspace, which must not
// change while it writes (the node calls it in the foreground).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/keyspace.h"

namespace vireo {

struct AofBaseOptions {
  bool rdb_preamble = true;   // aof-use-rdb-preamble
  bool timestamp = false;     // aof-timestamp-enabled: a "#TS:" annotation first (command form)
  bool rdb_compress = true;   // rdbcompression
  bool rdb_checksum = true;   // rdbchecksum
  int64_t now_ms = 0;
  uint64_t used_memory = 0;
  std::vector<std::string> function_libraries;  // each library's source code
};

// Writes the base to fd (from its current position). False with *error on a write error.
bool WriteAofBase(Keyspace& ks, int fd, const AofBaseOptions& opts, std::string* error);

// Buffered RESP command output to a file descriptor (or a string when fd < 0).
class AofCommandOutput {
 public:
  explicit AofCommandOutput(int fd) : fd_(fd) {}
  void Command(std::initializer_list<std::string_view> args);
  void Header(size_t argc);  // "*argc"
  void Bulk(std::string_view a);
  void Raw(std::string_view s) { buf_.append(s); }
  // Writes out the buffer when it is big (or always when force). False after a write error.
  bool Flush(bool force = false);
  int error() const { return errno_; }
  std::string& buffer() { return buf_; }

 private:
  int fd_;
  int errno_ = 0;
  std::string buf_;
};

}  // namespace vireo
