#include "persistence/packed_formats.h"

#include <cstring>

#include "base/numbers.h"
#include "types/intset.h"

namespace vireo {
namespace {

constexpr size_t kLpHeader = 6;  // u32 total bytes, u16 element count
constexpr uint8_t kLpEnd = 0xFF;

uint32_t Le32(const uint8_t* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24; }
uint16_t Le16(const uint8_t* p) { return uint16_t(p[0] | p[1] << 8); }
void PutLe(uint8_t* p, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) p[i] = uint8_t(v >> (8 * i));
}
int64_t SignExtend(uint64_t v, int bits) {
  const uint64_t m = 1ULL << (bits - 1);
  v &= (bits == 64) ? ~0ULL : ((1ULL << bits) - 1);
  return int64_t((v ^ m) - m);
}

// Listpack "backlen": the entry's size, readable from its last byte backwards.
size_t BacklenSize(uint64_t l) {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}
void PutBacklen(uint8_t* out, uint64_t l) {
  const size_t n = BacklenSize(l);
  // Most significant 7-bit group first; every byte but the first has the high bit set.
  for (size_t i = 0; i < n; ++i) {
    uint8_t b = uint8_t((l >> (7 * (n - 1 - i))) & 127);
    if (i > 0) b |= 128;
    out[i] = b;
  }
}
bool ReadBacklen(const uint8_t* start, size_t n, uint64_t* l) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    if ((i > 0) != bool(start[i] & 128)) return false;
    v = (v << 7) | (start[i] & 127);
  }
  *l = v;
  return true;
}

}  // namespace

RedisListpackBuilder::RedisListpackBuilder() { buf_.assign(kLpHeader, '\0'); }

void RedisListpackBuilder::AppendEntry(const uint8_t* enc, size_t len) {
  uint8_t bl[5];
  PutBacklen(bl, len);
  buf_.append(reinterpret_cast<const char*>(enc), len);
  buf_.append(reinterpret_cast<const char*>(bl), BacklenSize(len));
  ++count_;
}

void RedisListpackBuilder::AppendInt(long long v) {
  uint8_t e[9];
  size_t n;
  if (v >= 0 && v <= 127) {
    e[0] = uint8_t(v);
    n = 1;
  } else if (v >= -4096 && v <= 4095) {
    const uint64_t u = uint64_t(v) & 0x1FFF;
    e[0] = uint8_t(0xC0 | (u >> 8));
    e[1] = uint8_t(u & 0xFF);
    n = 2;
  } else if (v >= -32768 && v <= 32767) {
    e[0] = 0xF1;
    PutLe(e + 1, uint64_t(v), 2);
    n = 3;
  } else if (v >= -8388608 && v <= 8388607) {
    e[0] = 0xF2;
    PutLe(e + 1, uint64_t(v), 3);
    n = 4;
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    e[0] = 0xF3;
    PutLe(e + 1, uint64_t(v), 4);
    n = 5;
  } else {
    e[0] = 0xF4;
    PutLe(e + 1, uint64_t(v), 8);
    n = 9;
  }
  AppendEntry(e, n);
}

void RedisListpackBuilder::Append(std::string_view s) {
  long long v;
  if (s.size() <= 20 && ParseInt64(s, &v)) return AppendInt(v);
  std::string e;
  const size_t len = s.size();
  if (len < 64) {
    e.push_back(char(0x80 | len));
  } else if (len < 4096) {
    e.push_back(char(0xE0 | (len >> 8)));
    e.push_back(char(len & 0xFF));
  } else {
    uint8_t h[5] = {0xF0};
    PutLe(h + 1, len, 4);
    e.append(reinterpret_cast<char*>(h), 5);
  }
  e.append(s);
  AppendEntry(reinterpret_cast<const uint8_t*>(e.data()), e.size());
}

std::string RedisListpackBuilder::Finish() {
  buf_.push_back(char(kLpEnd));
  uint8_t* h = reinterpret_cast<uint8_t*>(buf_.data());
  PutLe(h, buf_.size(), 4);
  PutLe(h + 4, count_ < 65535 ? count_ : 65535, 2);
  std::string out;
  out.swap(buf_);
  buf_.assign(kLpHeader, '\0');
  count_ = 0;
  return out;
}

bool ForEachListpackElement(std::string_view blob, const ElementFn& fn) {
  const uint8_t* b = reinterpret_cast<const uint8_t*>(blob.data());
  const size_t size = blob.size();
  if (size < kLpHeader + 1 || size > UINT32_MAX || Le32(b) != size || b[size - 1] != kLpEnd) return false;
  const size_t declared = Le16(b + 4);
  size_t p = kLpHeader, count = 0;
  char scratch[kMaxInt64Chars];
  while (p < size - 1) {
    const uint8_t c = b[p];
    const size_t avail = size - 1 - p;  // bytes before the end marker
    size_t hdr, len = 0;                // encoding header bytes, string bytes
    bool is_int = true;
    int64_t iv = 0;
    auto need = [&](size_t n) { return n <= avail; };
    if ((c & 0x80) == 0) {
      hdr = 1;
      iv = c & 0x7F;
    } else if ((c & 0xC0) == 0x80) {
      hdr = 1;
      len = c & 0x3F;
      is_int = false;
    } else if ((c & 0xE0) == 0xC0) {
      hdr = 2;
      if (!need(2)) return false;
      iv = SignExtend((uint64_t(c & 0x1F) << 8) | b[p + 1], 13);
    } else if ((c & 0xF0) == 0xE0) {
      hdr = 2;
      if (!need(2)) return false;
      len = (size_t(c & 0x0F) << 8) | b[p + 1];
      is_int = false;
    } else if (c == 0xF0) {
      hdr = 5;
      if (!need(5)) return false;
      len = Le32(b + p + 1);
      is_int = false;
    } else if (c >= 0xF1 && c <= 0xF4) {
      static const int kBytes[] = {2, 3, 4, 8};
      const int n = kBytes[c - 0xF1];
      hdr = 1 + n;
      if (!need(hdr)) return false;
      uint64_t u = 0;
      for (int i = 0; i < n; ++i) u |= uint64_t(b[p + 1 + i]) << (8 * i);
      iv = SignExtend(u, 8 * n);
    } else {
      return false;  // 0xF5..0xFE unused; 0xFF is the end marker, not an element
    }
    const size_t entry = hdr + len;
    if (entry < hdr || !need(entry)) return false;
    const size_t bl = BacklenSize(entry);
    if (!need(entry + bl)) return false;
    uint64_t stored;
    if (!ReadBacklen(b + p + entry, bl, &stored) || stored != entry) return false;
    std::string_view v;
    if (is_int) {
      v = std::string_view(scratch, FormatInt64(iv, scratch));
    } else {
      v = std::string_view(reinterpret_cast<const char*>(b + p + hdr), len);
    }
    if (!fn(v)) return false;
    p += entry + bl;
    ++count;
  }
  if (p != size - 1) return false;
  return declared == 65535 || declared == count;
}

bool ForEachZiplistElement(std::string_view blob, const ElementFn& fn) {
  const uint8_t* b = reinterpret_cast<const uint8_t*>(blob.data());
  const size_t size = blob.size();
  constexpr size_t kHeader = 10;
  if (size < kHeader + 1 || size > UINT32_MAX || Le32(b) != size || b[size - 1] != 0xFF) return false;
  const size_t tail = Le32(b + 4);
  const size_t declared = Le16(b + 8);
  size_t p = kHeader, count = 0, prev_len = 0, last = kHeader;
  char scratch[kMaxInt64Chars];
  while (p < size - 1) {
    const size_t start = p;
    const size_t avail = size - 1 - p;
    size_t prevlen, plen;
    if (b[p] < 254) {
      prevlen = b[p];
      plen = 1;
    } else if (b[p] == 254) {
      if (avail < 5) return false;
      prevlen = Le32(b + p + 1);
      plen = 5;
    } else {
      return false;
    }
    if (prevlen != prev_len) return false;
    p += plen;
    if (p >= size - 1) return false;
    const uint8_t c = b[p];
    const size_t rest = size - 1 - p;
    size_t hdr, len = 0;
    bool is_int = true;
    int64_t iv = 0;
    switch (c >> 6) {
      case 0:
        hdr = 1, len = c & 0x3F, is_int = false;
        break;
      case 1:
        if (rest < 2) return false;
        hdr = 2, len = (size_t(c & 0x3F) << 8) | b[p + 1], is_int = false;
        break;
      case 2:
        if (c != 0x80 || rest < 5) return false;
        hdr = 5, is_int = false;
        len = size_t(b[p + 1]) << 24 | size_t(b[p + 2]) << 16 | size_t(b[p + 3]) << 8 | b[p + 4];
        break;
      default: {
        int n;
        if (c == 0xC0) n = 2;
        else if (c == 0xD0) n = 4;
        else if (c == 0xE0) n = 8;
        else if (c == 0xF0) n = 3;
        else if (c == 0xFE) n = 1;
        else if (c >= 0xF1 && c <= 0xFD) n = 0;
        else return false;
        hdr = 1 + n;
        if (rest < hdr) return false;
        if (n == 0) {
          iv = (c & 0x0F) - 1;
        } else {
          uint64_t u = 0;
          for (int i = 0; i < n; ++i) u |= uint64_t(b[p + 1 + i]) << (8 * i);
          iv = SignExtend(u, 8 * n);
        }
      }
    }
    if (len > rest || hdr + len > rest) return false;
    std::string_view v = is_int ? std::string_view(scratch, FormatInt64(iv, scratch))
                                : std::string_view(reinterpret_cast<const char*>(b + p + hdr), len);
    if (!fn(v)) return false;
    p += hdr + len;
    prev_len = p - start;
    last = start;
    ++count;
  }
  if (p != size - 1) return false;
  if (count > 0 && tail != last) return false;
  if (count == 0 && tail != kHeader) return false;
  return declared == 65535 || declared == count;
}

bool ForEachZipmapPair(std::string_view blob,
                       const std::function<bool(std::string_view, std::string_view)>& fn) {
  const uint8_t* b = reinterpret_cast<const uint8_t*>(blob.data());
  const size_t size = blob.size();
  if (size < 2 || b[size - 1] != 0xFF) return false;
  size_t p = 1, count = 0;
  auto read_len = [&](size_t* out) {
    if (p >= size) return false;
    if (b[p] < 254) {
      *out = b[p++];
      return true;
    }
    if (b[p] == 254) {
      if (size - p < 5) return false;
      *out = Le32(b + p + 1);
      p += 5;
      return true;
    }
    return false;
  };
  while (p < size && b[p] != 0xFF) {
    size_t klen, vlen;
    if (!read_len(&klen) || klen > size - p) return false;
    std::string_view k(reinterpret_cast<const char*>(b + p), klen);
    p += klen;
    if (!read_len(&vlen) || p >= size) return false;
    const size_t free_bytes = b[p++];
    if (vlen > size - p || free_bytes > size - p - vlen) return false;
    std::string_view v(reinterpret_cast<const char*>(b + p), vlen);
    p += vlen + free_bytes;
    if (!fn(k, v)) return false;
    ++count;
  }
  if (p != size - 1) return false;
  return b[0] >= 254 || b[0] == count;
}

bool DecodeIntsetBlob(std::string_view blob, std::vector<int64_t>* out) {
  const uint8_t* b = reinterpret_cast<const uint8_t*>(blob.data());
  if (blob.size() < 8) return false;
  const uint32_t width = Le32(b), count = Le32(b + 4);
  if (width != 2 && width != 4 && width != 8) return false;
  if (blob.size() != 8 + uint64_t(width) * count) return false;
  out->clear();
  out->reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    uint64_t u = 0;
    for (uint32_t k = 0; k < width; ++k) u |= uint64_t(b[8 + i * width + k]) << (8 * k);
    const int64_t v = SignExtend(u, int(width * 8));
    if (!out->empty() && v <= out->back()) return false;
    out->push_back(v);
  }
  return true;
}

std::string EncodeIntsetBlob(const Intset& s) {
  const size_t w = s.width(), n = s.size();
  std::string out(8 + w * n, '\0');
  uint8_t* p = reinterpret_cast<uint8_t*>(out.data());
  PutLe(p, w, 4);
  PutLe(p + 4, n, 4);
  for (size_t i = 0; i < n; ++i) PutLe(p + 8 + i * w, uint64_t(s.At(i)), int(w));
  return out;
}

}  // namespace vireo
