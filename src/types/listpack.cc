#include "types/listpack.h"

#include <cstdlib>
#include <cstring>

#include "base/numbers.h"
#include "base/varint.h"

namespace vireo {
namespace {

// Element layout: [header varint][string bytes][backlen]. The header is
// (len << 1) for a string, (zigzag(value) << 1) | 1 for an integer. backlen
// holds the size of header+bytes, written so that it can be read from its
// last byte backwards (7 bits a byte, high bit = more bytes before).

constexpr size_t kMaxHeader = 10;
constexpr size_t kMaxBacklen = 5;

size_t BacklenSize(size_t n) { return VarintSize(n); }

// Writes backlen for n ending right before `end`'s position + size.
void PutBacklen(uint8_t* p, size_t n) {
  size_t k = BacklenSize(n);
  for (size_t i = 0; i < k; ++i) {
    uint8_t b = uint8_t((n >> (7 * i)) & 0x7F);
    if (i + 1 < k) b |= 0x80;
    p[k - 1 - i] = b;
  }
}

// Reads the backlen whose last byte is at p (p points at that byte).
size_t GetBacklen(const uint8_t* p) {
  size_t n = 0;
  int shift = 0;
  while (true) {
    n |= size_t(*p & 0x7F) << shift;
    if (!(*p & 0x80)) break;
    --p;
    shift += 7;
  }
  return n;
}

uint64_t ZigZag(long long v) { return (uint64_t(v) << 1) ^ uint64_t(v >> 63); }

// The header keeps one bit for the tag, so integers whose zigzag form needs
// all 64 bits (|v| >= 2^62) are stored as strings.
bool AsInt(std::string_view s, long long* v) {
  return s.size() <= 20 && ParseInt64(s, v) && *v > -(1LL << 62) && *v < (1LL << 62);
}
long long UnZigZag(uint64_t u) { return (long long)(u >> 1) ^ -(long long)(u & 1); }

// Encodes s as one element into out (kMaxHeader + s.size() + kMaxBacklen bytes); returns its size.
size_t Encode(std::string_view s, uint8_t* out) {
  long long v;
  uint8_t* p;
  if (AsInt(s, &v)) {
    p = PutVarint(out, (ZigZag(v) << 1) | 1);
  } else {
    p = PutVarint(out, uint64_t(s.size()) << 1);
    if (!s.empty()) memcpy(p, s.data(), s.size());  // an empty view may have no data()
    p += s.size();
  }
  size_t n = size_t(p - out);
  PutBacklen(p, n);
  return n + BacklenSize(n);
}

size_t EncodedSize(std::string_view s) {
  long long v;
  size_t n;
  if (AsInt(s, &v)) {
    n = VarintSize((ZigZag(v) << 1) | 1);
  } else {
    n = VarintSize(uint64_t(s.size()) << 1) + s.size();
  }
  return n + BacklenSize(n);
}

}  // namespace

Listpack::~Listpack() { free(buf_); }

uint32_t Listpack::Len() const {
  uint32_t v;
  memcpy(&v, buf_, 4);
  return v;
}
uint32_t Listpack::Count() const {
  uint32_t v;
  memcpy(&v, buf_ + 4, 4);
  return v;
}
void Listpack::SetLen(uint32_t v) { memcpy(buf_, &v, 4); }
void Listpack::SetCount(uint32_t v) { memcpy(buf_ + 4, &v, 4); }

Listpack::Listpack(const Listpack& o) {
  if (o.buf_) {
    buf_ = static_cast<uint8_t*>(malloc(o.bytes()));
    if (!buf_) abort();
    memcpy(buf_, o.buf_, o.bytes());
  }
}

Listpack& Listpack::operator=(const Listpack& o) {
  if (this != &o) {
    Listpack copy(o);
    *this = std::move(copy);
  }
  return *this;
}

Listpack::Listpack(Listpack&& o) noexcept : buf_(o.buf_) { o.buf_ = nullptr; }

Listpack& Listpack::operator=(Listpack&& o) noexcept {
  if (this != &o) {
    free(buf_);
    buf_ = o.buf_;
    o.buf_ = nullptr;
  }
  return *this;
}

uint8_t* Listpack::AllocBlock(size_t n) {
  free(buf_);
  buf_ = static_cast<uint8_t*>(malloc(n));
  if (!buf_) abort();
  return buf_;
}

void Listpack::Resize(size_t len) {
  // Exact sizes keep small collections small; the allocator's size classes
  // make most growth an in-place realloc.
  bool fresh = buf_ == nullptr;
  auto* nb = static_cast<uint8_t*>(realloc(buf_, kHeader + len));
  if (!nb) abort();
  buf_ = nb;
  if (fresh) SetCount(0);
  SetLen(uint32_t(len));
}

size_t Listpack::EntrySize(Pos p) const {
  uint64_t tag;
  const uint8_t* q = GetVarint(data() + p, &tag);
  size_t n = size_t(q - (data() + p)) + ((tag & 1) ? 0 : size_t(tag >> 1));
  return n + BacklenSize(n);
}

Listpack::Pos Listpack::Last() const { return First() == kEnd ? kEnd : Prev(Len()); }

Listpack::Pos Listpack::Next(Pos p) const {
  Pos n = Pos(p + EntrySize(p));
  return n >= Len() ? kEnd : n;
}

Listpack::Pos Listpack::Prev(Pos p) const {
  if (p == 0 || p == kEnd) return kEnd;
  size_t n = GetBacklen(data() + p - 1);
  return Pos(p - (n + BacklenSize(n)));
}

Listpack::Pos Listpack::Seek(long index) const {
  size_t count = size();
  if (index >= 0) {
    if (size_t(index) >= count) return kEnd;
    Pos p = First();
    for (long i = 0; i < index; ++i) p = Next(p);
    return p;
  }
  if (size_t(-index) > count) return kEnd;
  Pos p = Last();
  for (long i = -1; i > index; --i) p = Prev(p);
  return p;
}

std::string_view Listpack::Get(Pos p, char* scratch) const {
  uint64_t tag;
  const uint8_t* q = GetVarint(data() + p, &tag);
  if (tag & 1) return {scratch, FormatInt64(UnZigZag(tag >> 1), scratch)};
  return {reinterpret_cast<const char*>(q), size_t(tag >> 1)};
}

bool Listpack::GetInt(Pos p, long long* v) const {
  uint64_t tag;
  GetVarint(data() + p, &tag);
  if (!(tag & 1)) return false;
  *v = UnZigZag(tag >> 1);
  return true;
}

bool Listpack::Equals(Pos p, std::string_view s) const {
  uint64_t tag;
  const uint8_t* q = GetVarint(data() + p, &tag);
  if (tag & 1) {
    long long v;
    return AsInt(s, &v) && v == UnZigZag(tag >> 1);
  }
  return size_t(tag >> 1) == s.size() && (s.empty() || memcmp(q, s.data(), s.size()) == 0);
}

Listpack::Pos Listpack::Find(std::string_view s, Pos from, size_t skip) const {
  // Decide once whether s can only match an integer element.
  long long iv = 0;
  bool s_is_int = AsInt(s, &iv);
  uint32_t len = buf_ ? Len() : 0;
  for (Pos p = from; p != kEnd && p < len;) {
    uint64_t tag;
    const uint8_t* q = GetVarint(data() + p, &tag);
    bool hit = (tag & 1) ? (s_is_int && UnZigZag(tag >> 1) == iv)
                         : (!s_is_int && size_t(tag >> 1) == s.size() &&
                            (s.empty() || memcmp(q, s.data(), s.size()) == 0));
    if (hit) return p;
    p = Next(p);
    for (size_t k = 0; k < skip && p != kEnd; ++k) p = Next(p);
  }
  return kEnd;
}

Listpack::Pos Listpack::Insert(Pos before, std::string_view s) {
  size_t esize = EncodedSize(s);
  uint32_t len = buf_ ? Len() : 0;
  Pos at = before == kEnd ? len : before;
  Resize(size_t(len) + esize);
  memmove(data() + at + esize, data() + at, len - at);
  if (s.size() + kMaxHeader + kMaxBacklen <= 64) {
    uint8_t tmp[64];
    Encode(s, tmp);
    memcpy(data() + at, tmp, esize);
  } else {
    Encode(s, data() + at);  // a long string: header+bytes+backlen written in place
  }
  SetCount(Count() + 1);
  return at;
}

Listpack::Pos Listpack::Erase(Pos p) {
  size_t esize = EntrySize(p);
  uint32_t len = Len();
  memmove(data() + p, data() + p + esize, len - p - esize);
  uint32_t count = Count() - 1;
  if (count == 0) {
    Clear();
    return kEnd;
  }
  Resize(len - esize);
  SetCount(count);
  return p < Len() ? p : kEnd;
}

void Listpack::EraseRange(size_t start, size_t count) {
  size_t n = size();
  if (start >= n || count == 0) return;
  if (count > n - start) count = n - start;
  if (count == n) {
    Clear();
    return;
  }
  Pos from = Seek(long(start));
  Pos to = from;
  for (size_t i = 0; i < count; ++i) to = Pos(to + EntrySize(to));
  uint32_t len = Len();
  memmove(data() + from, data() + to, len - to);
  uint32_t left = Count() - uint32_t(count);
  Resize(len - (to - from));
  SetCount(left);
}

Listpack::Pos Listpack::Replace(Pos p, std::string_view s) {
  bool last = Next(p) == kEnd;
  Erase(p);
  return Insert(last ? kEnd : p, s);
}

void Listpack::Clear() {
  free(buf_);
  buf_ = nullptr;
}

}  // namespace vireo
