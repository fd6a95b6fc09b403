#include "replication/sync_protocol.h"

#include <algorithm>
#include <cstring>

namespace vireo {

bool TakeLine(std::string* buf, std::string* line, bool* too_long) {
  *too_long = false;
  const size_t nl = buf->find('\n');
  if (nl == std::string::npos) {
    *too_long = buf->size() > kMaxHandshakeLine;
    return false;
  }
  if (nl > kMaxHandshakeLine) {
    *too_long = true;
    return false;
  }
  size_t end = nl;
  if (end > 0 && (*buf)[end - 1] == '\r') --end;
  line->assign(*buf, 0, end);
  buf->erase(0, nl + 1);
  return true;
}

bool ValidReplId(std::string_view id) { return id.size() == kReplIdLength; }

namespace {

bool ParseOffset(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 19) return false;
  bool neg = s[0] == '-';
  if (neg) s.remove_prefix(1);
  if (s.empty()) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = neg ? -v : v;
  return true;
}

}  // namespace

PsyncReply ParsePsyncReply(std::string_view line) {
  PsyncReply r;
  if (line.substr(0, 11) == "+FULLRESYNC") {
    // "+FULLRESYNC <replid> <offset>"
    std::string_view rest = line.substr(11);
    if (rest.size() < 1 + kReplIdLength + 2 || rest[0] != ' ') return r;
    std::string_view id = rest.substr(1, kReplIdLength);
    rest.remove_prefix(1 + kReplIdLength);
    if (rest[0] != ' ') return r;
    int64_t off;
    if (!ParseOffset(rest.substr(1), &off)) return r;
    r.kind = PsyncReply::kFullResync;
    r.replid.assign(id);
    r.offset = off;
    return r;
  }
  if (line.substr(0, 9) == "+CONTINUE") {
    std::string_view rest = line.substr(9);
    r.kind = PsyncReply::kContinue;
    // "+CONTINUE <replid>" from a PSYNC2 primary; anything else keeps the id.
    while (!rest.empty() && (rest[0] == ' ')) rest.remove_prefix(1);
    while (!rest.empty() && (rest.back() == ' ')) rest.remove_suffix(1);
    if (ValidReplId(rest)) r.replid.assign(rest);
    return r;
  }
  if (line.substr(0, 13) == "-NOMASTERLINK" || line.substr(0, 8) == "-LOADING") {
    r.kind = PsyncReply::kTryLater;
    return r;
  }
  return r;
}

bool ParsePayloadHeader(std::string_view line, PayloadHeader* out) {
  if (line.empty() || line[0] != '$') return false;
  line.remove_prefix(1);
  if (line.substr(0, 4) == "EOF:") {
    if (line.size() != 4 + kEofMarkLength) return false;
    out->eof_marked = true;
    out->size = 0;
    out->mark.assign(line.substr(4));
    return true;
  }
  if (line.empty() || line.size() > 19) return false;
  uint64_t v = 0;
  for (char c : line) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + uint64_t(c - '0');
  }
  out->eof_marked = false;
  out->size = v;
  out->mark.clear();
  return true;
}

size_t PayloadFraming::Feed(const char* data, size_t n) {
  if (done_) return 0;
  if (!h_.eof_marked) {
    const uint64_t left = h_.size - received_;
    const size_t take = size_t(std::min<uint64_t>(left, n));
    received_ += take;
    done_ = received_ == h_.size;
    return take;
  }
  // EOF-marked: everything belongs to the payload until its last bytes are
  // the mark (the primary sends nothing after it until the replica's first
  // ACK, so the end of a read is where to look).
  received_ += n;
  if (n >= kEofMarkLength) {
    tail_.assign(data + n - kEofMarkLength, kEofMarkLength);
  } else {
    tail_.append(data, n);
    if (tail_.size() > kEofMarkLength) tail_.erase(0, tail_.size() - kEofMarkLength);
  }
  done_ = tail_.size() == kEofMarkLength && tail_ == h_.mark;
  return n;
}

}  // namespace vireo
