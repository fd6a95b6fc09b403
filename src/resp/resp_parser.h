// RespParser turns the bytes a client sends into commands: RESP multibulk
// requests ("*N\r\n$len\r\n...") and inline commands (a text line split on
// blanks with Redis's quoting rules). It accepts and rejects exactly what
// redis-server 7.0 does, with the same error texts (see protocol_errors.h).
//
// Parsing is incremental: Parse() remembers how far it got inside a command,
// so feeding a 500 MB bulk in small reads costs O(n) overall. It keeps only
// offsets into the caller's buffer between calls, never pointers, because the
// caller's buffer may move when it grows.
//
// Threading: one parser per connection; not thread-safe, no shared state.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vireo {

struct ParseLimits {
  long long max_bulk_len = 512LL * 1024 * 1024;  // proto-max-bulk-len
  // Redis 7.0 accepts any *N up to INT_MAX (it grows argv as arguments
  // arrive, so a huge N costs nothing until the bulks are actually sent).
  long long max_multibulk_len = 2147483647LL;
  size_t max_inline_len = 64 * 1024;  // PROTO_INLINE_MAX_SIZE
};

class RespParser {
 public:
  enum class Status { kComplete, kNeedMore, kError };

  void set_limits(const ParseLimits& l) { limits_ = l; }
  const ParseLimits& limits() const { return limits_; }

  // Parses at most one command from buf[0, len). After kNeedMore the caller
  // keeps every byte and calls again with the same prefix plus new bytes.
  // kComplete: args() holds the arguments and *consumed the bytes used; an
  // empty inline line or a "*0"/"*-1" header also completes, with args()
  // empty (callers skip it). kError: error() holds the text without "-ERR ";
  // Redis replies with it and closes the connection. Call Reset() before
  // reusing the parser after an error.
  Status Parse(const char* buf, size_t len, size_t* consumed);

  // Views valid until the next Parse() or Reset(). Multibulk arguments point
  // into the buffer given to Parse(); inline arguments (which may contain
  // unescaped quotes) point into the parser's own storage.
  const std::vector<std::string_view>& args() const { return args_; }
  const std::string& error() const { return error_; }

  // While inside a bulk, how many more bytes the current bulk still needs
  // (including its trailing CRLF); 0 when unknown. Lets the connection
  // reserve buffer space for a big argument in one step.
  size_t pending_bulk_bytes() const;

  // Forgets any partial command and error.
  void Reset();

  // Whether the last complete command was an inline one.
  bool is_inline() const { return last_inline_; }

 private:
  enum class Mode { kIdle, kInline, kMultibulk, kFailed };

  Status ParseInline(const char* buf, size_t len, size_t* consumed);
  Status ParseMultibulk(const char* buf, size_t len, size_t* consumed);
  // Looks for `terminator` from scan_pos_ on, stopping at a NUL byte as
  // Redis's strchr does; returns its offset or npos (and advances scan_pos_
  // so the same bytes are not searched again).
  size_t FindTerminator(const char* buf, size_t len, char terminator);
  // Splits one inline line with Redis's quoting rules into inline_storage_
  // and args_; false on unbalanced quotes.
  bool SplitInline(std::string_view line);
  Status Fail(std::string_view message);
  void StartNext();

  ParseLimits limits_;
  Mode mode_ = Mode::kIdle;
  size_t pos_ = 0;       // where parsing resumes, relative to buf
  size_t scan_pos_ = 0;  // how far the current line has been searched
  bool blocked_by_nul_ = false;  // a NUL hides the terminator, as in Redis
  bool header_done_ = false;     // multibulk: "*N" consumed
  long long multibulk_left_ = 0;
  long long bulk_len_ = -1;      // -1: the next "$len" line is still due
  size_t last_len_ = 0;          // len of the latest Parse() call
  bool last_inline_ = false;
  std::vector<std::pair<size_t, size_t>> arg_offsets_;  // (offset, length)
  std::vector<std::string_view> args_;
  std::string inline_storage_;
  std::vector<std::pair<size_t, size_t>> spans_;  // SplitInline\'s scratch
  std::string error_;
};

}  // namespace vireo
