// AofReader: reads the commands of an AOF file (or of the AOF part after an
// RDB preamble) the way redis-server 7.0's loader does: "#" lines are
// annotations (#TS:...), every command is "*argc" then argc "$len" + bytes +
// two bytes of line end. It tells a clean end, a truncated tail (the file
// ends inside a command: aof-load-truncated decides) and a format error
// apart, and keeps the offset up to which the file held whole commands.
// Thread rule: one reader, one thread.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace vireo {

class AofReader {
 public:
  enum class Status { kCommand, kAnnotation, kEnd, kTruncated, kFormatError, kReadError };

  // Reads f (not owned) from its current position.
  explicit AofReader(FILE* f) : f_(f) {}

  // The next command in *argv (or annotation line in *annotation when
  // annotations are asked for; otherwise they are skipped).
  Status Next(std::vector<std::string>* argv, std::string* annotation = nullptr);
  // File offset just after the last whole command (or annotation) read.
  long long valid_up_to() const { return valid_up_to_; }
  // Bytes of the largest argument allowed (a longer length is a format
  // error rather than an allocation the file cannot back).
  void set_max_bulk(long long n) { max_bulk_ = n; }

 private:
  FILE* f_;
  long long valid_up_to_ = -1;
  long long max_bulk_ = 1LL << 40;
};

}  // namespace vireo
