#include "resp/reply_builder.h"


#include "base/numbers.h"

namespace vireo {
namespace {

constexpr std::string_view kCrlf = "\r\n";

// Writes prefix, n and CRLF into out (at least kMaxInt64Chars + 3 bytes).
size_t FormatHeader(char prefix, long long n, char* out) {
  out[0] = prefix;
  size_t len = 1 + FormatInt64(n, out + 1);
  out[len++] = '\r';
  out[len++] = '\n';
  return len;
}

}  // namespace

void ReplyBuilder::AppendHeader(char prefix, long long n) {
  char tmp[kMaxInt64Chars + 3];
  buf_.append(tmp, FormatHeader(prefix, n, tmp));
}

void ReplyBuilder::InsertHeader(size_t mark, char prefix, long long n) {
  char tmp[kMaxInt64Chars + 3];
  buf_.insert(mark, tmp, FormatHeader(prefix, n, tmp));
}

void ReplyBuilder::SimpleString(std::string_view s) {
  buf_.push_back('+');
  buf_.append(s);
  buf_.append(kCrlf);
}

void ReplyBuilder::Ok() { buf_.append("+OK\r\n"); }

void ReplyBuilder::Error(std::string_view msg) {
  buf_.push_back('-');
  size_t start = buf_.size();
  buf_.append(msg);
  for (size_t i = start; i < buf_.size(); ++i) {
    if (buf_[i] == '\r' || buf_[i] == '\n') buf_[i] = ' ';
  }
  buf_.append(kCrlf);
}

void ReplyBuilder::Integer(long long v) { AppendHeader(':', v); }

void ReplyBuilder::Bulk(std::string_view s) {
  AppendHeader('$', static_cast<long long>(s.size()));
  buf_.append(s);
  buf_.append(kCrlf);
}

void ReplyBuilder::BulkInteger(long long v) {
  char digits[kMaxInt64Chars];
  Bulk(std::string_view(digits, FormatInt64(v, digits)));
}

void ReplyBuilder::Null() { buf_.append(proto_ == 3 ? "_\r\n" : "$-1\r\n"); }

void ReplyBuilder::NullArray() { buf_.append(proto_ == 3 ? "_\r\n" : "*-1\r\n"); }

void ReplyBuilder::ArrayHeader(size_t n) { AppendHeader('*', static_cast<long long>(n)); }

void ReplyBuilder::MapHeader(size_t n) {
  if (proto_ == 3) {
    AppendHeader('%', static_cast<long long>(n));
  } else {
    AppendHeader('*', static_cast<long long>(n * 2));
  }
}

void ReplyBuilder::SetHeader(size_t n) {
  AppendHeader(proto_ == 3 ? '~' : '*', static_cast<long long>(n));
}

void ReplyBuilder::PushHeader(size_t n) {
  AppendHeader(proto_ == 3 ? '>' : '*', static_cast<long long>(n));
}

void ReplyBuilder::Double(double d) {
  // FormatDouble spells infinities itself, since libcs disagree on them.
  std::string text = FormatDouble(d);
  if (proto_ == 3) {
    buf_.push_back(',');
    buf_.append(text);
    buf_.append(kCrlf);
  } else {
    Bulk(text);
  }
}

void ReplyBuilder::HumanLongDouble(long double d) {
  std::string text = FormatLongDouble(d);
  if (proto_ == 3) {
    buf_.push_back(',');
    buf_.append(text);
    buf_.append(kCrlf);
  } else {
    Bulk(text);
  }
}

void ReplyBuilder::Bool(bool b) {
  if (proto_ == 3) {
    buf_.append(b ? "#t\r\n" : "#f\r\n");
  } else {
    buf_.append(b ? ":1\r\n" : ":0\r\n");
  }
}

void ReplyBuilder::Verbatim(std::string_view s, std::string_view fmt) {
  if (proto_ != 3) {
    Bulk(s);
    return;
  }
  AppendHeader('=', static_cast<long long>(s.size() + fmt.size() + 1));
  buf_.append(fmt);
  buf_.push_back(':');
  buf_.append(s);
  buf_.append(kCrlf);
}

void ReplyBuilder::EndDeferredArray(size_t mark, size_t n) {
  InsertHeader(mark, '*', static_cast<long long>(n));
}

void ReplyBuilder::EndDeferredMap(size_t mark, size_t n) {
  if (proto_ == 3) {
    InsertHeader(mark, '%', static_cast<long long>(n));
  } else {
    InsertHeader(mark, '*', static_cast<long long>(n * 2));
  }
}

void ReplyBuilder::EndDeferredSet(size_t mark, size_t n) {
  InsertHeader(mark, proto_ == 3 ? '~' : '*', static_cast<long long>(n));
}

}  // namespace vireo
