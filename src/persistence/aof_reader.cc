#include "persistence/aof_reader.h"

#include <cstdlib>
#include <cstring>

namespace vireo {

namespace {
// Redis's AOF_ANNOTATION_LINE_MAX_LEN: the line buffer of its loader.
constexpr int kLineMax = 1024;
}  // namespace

AofReader::Status AofReader::Next(std::vector<std::string>* argv, std::string* annotation) {
  char buf[kLineMax];
  if (valid_up_to_ < 0) valid_up_to_ = ftello(f_);
  for (;;) {
    if (!fgets(buf, sizeof(buf), f_)) return feof(f_) ? Status::kEnd : Status::kReadError;
    if (buf[0] == '#') {
      if (annotation) {
        size_t n = strlen(buf);
        while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) --n;
        annotation->assign(buf, n);
        return Status::kAnnotation;
      }
      continue;
    }
    break;
  }
  if (buf[0] != '*') return Status::kFormatError;
  if (buf[1] == '\0') return feof(f_) ? Status::kTruncated : Status::kReadError;
  long argc = atol(buf + 1);
  if (argc < 1 || argc > (1L << 31)) return Status::kFormatError;
  argv->clear();
  for (long j = 0; j < argc; ++j) {
    if (!fgets(buf, sizeof(buf), f_)) return feof(f_) ? Status::kTruncated : Status::kReadError;
    if (buf[0] != '$') return Status::kFormatError;
    long long len = strtoll(buf + 1, nullptr, 10);
    if (len < 0 || len > max_bulk_) return Status::kFormatError;
    std::string arg;
    if (len) {
      // Grow with the data actually read, so a hostile length costs nothing.
      long long left = len;
      char chunk[65536];
      while (left > 0) {
        size_t want = left > static_cast<long long>(sizeof(chunk)) ? sizeof(chunk) : size_t(left);
        size_t got = fread(chunk, 1, want, f_);
        arg.append(chunk, got);
        if (got < want) return feof(f_) ? Status::kTruncated : Status::kReadError;
        left -= static_cast<long long>(got);
      }
    }
    // The line end after the bytes (not checked, as Redis's loader).
    if (fread(buf, 2, 1, f_) != 1) return feof(f_) ? Status::kTruncated : Status::kReadError;
    argv->push_back(std::move(arg));
  }
  valid_up_to_ = ftello(f_);
  return Status::kCommand;
}

}  // namespace vireo
