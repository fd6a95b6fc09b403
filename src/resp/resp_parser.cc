#include "resp/resp_parser.h"

#include <algorithm>
#include <cstring>

#include "base/numbers.h"
#include "base/split_args.h"
#include "resp/protocol_errors.h"

namespace vireo {
namespace {

constexpr size_t kNotFound = static_cast<size_t>(-1);

}  // namespace

void RespParser::Reset() {
  StartNext();
  args_.clear();
  inline_storage_.clear();
  error_.clear();
  last_len_ = 0;
  last_inline_ = false;
}

void RespParser::StartNext() {
  mode_ = Mode::kIdle;
  pos_ = 0;
  scan_pos_ = 0;
  blocked_by_nul_ = false;
  header_done_ = false;
  multibulk_left_ = 0;
  bulk_len_ = -1;
  arg_offsets_.clear();
}

RespParser::Status RespParser::Fail(std::string_view message) {
  mode_ = Mode::kFailed;
  error_.assign(message);
  // The error becomes a one-line reply: no CR/LF may survive in it (Redis
  // turns them into spaces too).
  std::replace(error_.begin(), error_.end(), '\r', ' ');
  std::replace(error_.begin(), error_.end(), '\n', ' ');
  args_.clear();
  return Status::kError;
}

size_t RespParser::pending_bulk_bytes() const {
  if (mode_ != Mode::kMultibulk || bulk_len_ < 0) return 0;
  unsigned long long need = pos_ + static_cast<unsigned long long>(bulk_len_) + 2;
  return need > last_len_ ? static_cast<size_t>(need - last_len_) : 0;
}

size_t RespParser::FindTerminator(const char* buf, size_t len, char terminator) {
  if (blocked_by_nul_ || scan_pos_ >= len) {
    scan_pos_ = std::max(scan_pos_, len);
    return kNotFound;
  }
  const char* from = buf + scan_pos_;
  size_t span = len - scan_pos_;
  const void* hit = std::memchr(from, terminator, span);
  size_t limit = hit ? static_cast<size_t>(static_cast<const char*>(hit) - from) : span;
  // Redis searches with strchr on a NUL-terminated buffer, so a NUL before
  // the terminator hides it for good: the request stays incomplete until it
  // trips the size limit. Reproduced so both servers treat garbage alike.
  if (std::memchr(from, '\0', limit) != nullptr) {
    blocked_by_nul_ = true;
    scan_pos_ = len;
    return kNotFound;
  }
  if (!hit) {
    scan_pos_ = len;
    return kNotFound;
  }
  scan_pos_ += limit;  // found: the next call finds it again at once
  return scan_pos_;
}

RespParser::Status RespParser::Parse(const char* buf, size_t len, size_t* consumed) {
  *consumed = 0;
  if (mode_ == Mode::kFailed) return Status::kError;
  // A caller that shrank the buffer broke the contract; start over rather
  // than read past its end.
  if (mode_ != Mode::kIdle && len < last_len_) StartNext();
  last_len_ = len;
  if (mode_ == Mode::kIdle) {
    args_.clear();
    if (len == 0) return Status::kNeedMore;
    mode_ = buf[0] == '*' ? Mode::kMultibulk : Mode::kInline;
  }
  return mode_ == Mode::kInline ? ParseInline(buf, len, consumed)
                                : ParseMultibulk(buf, len, consumed);
}

RespParser::Status RespParser::ParseInline(const char* buf, size_t len, size_t* consumed) {
  size_t newline = FindTerminator(buf, len, '\n');
  if (newline == kNotFound) {
    if (len > limits_.max_inline_len) return Fail(proto_err::kTooBigInline);
    return Status::kNeedMore;
  }
  size_t line_end = newline;
  if (line_end > 0 && buf[line_end - 1] == '\r') --line_end;
  if (!SplitInline(std::string_view(buf, line_end))) return Fail(proto_err::kUnbalancedQuotes);
  *consumed = newline + 1;
  last_inline_ = true;
  StartNext();
  return Status::kComplete;
}

bool RespParser::SplitInline(std::string_view line) {
  inline_storage_.clear();
  spans_.clear();
  if (!SplitArgs(line, &inline_storage_, &spans_)) return false;
  args_.clear();
  args_.reserve(spans_.size());
  for (auto [off, size] : spans_) args_.emplace_back(inline_storage_.data() + off, size);
  return true;
}

RespParser::Status RespParser::ParseMultibulk(const char* buf, size_t len, size_t* consumed) {
  if (!header_done_) {
    size_t cr = FindTerminator(buf, len, '\r');
    if (cr == kNotFound) {
      if (len > limits_.max_inline_len) return Fail(proto_err::kTooBigMbulkCount);
      return Status::kNeedMore;
    }
    // Redis wants one more byte after the CR, and skips it unchecked.
    if (cr + 1 >= len) return Status::kNeedMore;
    long long count;
    if (!ParseInt64(std::string_view(buf + 1, cr - 1), &count) ||
        count > limits_.max_multibulk_len) {
      return Fail(proto_err::kInvalidMultibulkLength);
    }
    pos_ = cr + 2;
    if (count <= 0) {  // "*0" and "*-1" are requests with no command
      *consumed = pos_;
      last_inline_ = false;
      StartNext();
      return Status::kComplete;
    }
    header_done_ = true;
    multibulk_left_ = count;
    scan_pos_ = pos_;
    // Never trust N for the allocation: it may be a lie of 2^31.
    arg_offsets_.reserve(static_cast<size_t>(std::min<long long>(count, 1024)));
  }
  while (multibulk_left_ > 0) {
    if (bulk_len_ < 0) {
      size_t cr = FindTerminator(buf, len, '\r');
      if (cr == kNotFound) {
        if (len - pos_ > limits_.max_inline_len) return Fail(proto_err::kTooBigBulkCount);
        return Status::kNeedMore;
      }
      if (cr + 1 >= len) return Status::kNeedMore;
      if (buf[pos_] != '$') {
        std::string message(proto_err::kExpectedDollarPrefix);
        message.push_back(buf[pos_]);
        message.push_back('\'');
        return Fail(message);
      }
      long long size;
      if (!ParseInt64(std::string_view(buf + pos_ + 1, cr - pos_ - 1), &size) || size < 0 ||
          size > limits_.max_bulk_len) {
        return Fail(proto_err::kInvalidBulkLength);
      }
      pos_ = cr + 2;
      bulk_len_ = size;
    }
    // The two bytes after the data are skipped unchecked, as Redis does.
    if (static_cast<unsigned long long>(len - pos_) < static_cast<unsigned long long>(bulk_len_) + 2) {
      return Status::kNeedMore;
    }
    arg_offsets_.emplace_back(pos_, static_cast<size_t>(bulk_len_));
    pos_ += static_cast<size_t>(bulk_len_) + 2;
    scan_pos_ = pos_;
    bulk_len_ = -1;
    --multibulk_left_;
  }
  args_.clear();
  args_.reserve(arg_offsets_.size());
  for (auto [off, size] : arg_offsets_) args_.emplace_back(buf + off, size);
  *consumed = pos_;
  last_inline_ = false;
  StartNext();
  return Status::kComplete;
}

}  // namespace vireo
