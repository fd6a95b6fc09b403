// See hyperloglog.h. The sparse update follows the representation's rules
// (the opcode covering a register is split into at most five opcodes, then
// neighbouring equal VAL opcodes are joined) because the resulting bytes
// must be the ones Redis produces for the same sequence of additions.
#include "types/hyperloglog.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

namespace vireo::hll {
namespace {

constexpr int kQ = 64 - kP;  // bits of the hash left for the run length
constexpr uint8_t kRegisterMax = 63;
constexpr int kSparseValMax = 32;
constexpr int kSparseValMaxLen = 4;
constexpr int kSparseZeroMaxLen = 64;
constexpr int kSparseXZeroMaxLen = 16384;
constexpr double kAlphaInf = 0.721347520444481703680;  // 1 / (2 ln 2)

// Opcode helpers.
bool IsZero(uint8_t b) { return (b & 0xC0) == 0; }
bool IsXZero(uint8_t b) { return (b & 0xC0) == 0x40; }
int ZeroLen(uint8_t b) { return (b & 0x3F) + 1; }
int XZeroLen(const uint8_t* p) { return (((p[0] & 0x3F) << 8) | p[1]) + 1; }
// An XZERO cut by the end of the value reads its second byte as zero, as
// Redis does (it reads the string's terminator there).
int XZeroLenAt(const uint8_t* p, const uint8_t* end) {
  uint8_t two[2] = {p[0], p + 1 < end ? p[1] : uint8_t(0)};
  return XZeroLen(two);
}
int ValValue(uint8_t b) { return ((b >> 2) & 0x1F) + 1; }
int ValLen(uint8_t b) { return (b & 0x3) + 1; }
uint8_t MakeVal(int value, int len) { return uint8_t(0x80 | ((value - 1) << 2) | (len - 1)); }
uint8_t MakeZero(int len) { return uint8_t(len - 1); }
void MakeXZero(uint8_t* p, int len) {
  int l = len - 1;
  p[0] = uint8_t((l >> 8) | 0x40);
  p[1] = uint8_t(l & 0xFF);
}
// Writes a run of `len` zero registers as ZERO or XZERO; returns bytes written.
int PutZeros(uint8_t* p, int len) {
  if (len > kSparseZeroMaxLen) {
    MakeXZero(p, len);
    return 2;
  }
  p[0] = MakeZero(len);
  return 1;
}

double Sigma(double x) {
  if (x == 1.) return INFINITY;
  double z_prev, y = 1, z = x;
  do {
    x *= x;
    z_prev = z;
    z += x * y;
    y += y;
  } while (z_prev != z);
  return z;
}

double Tau(double x) {
  if (x == 0. || x == 1.) return 0.;
  double z_prev, y = 1.0, z = 1 - x;
  do {
    x = sqrt(x);
    z_prev = z;
    y *= 0.5;
    z -= pow(1 - x, 2) * y;
  } while (z_prev != z);
  return z / 3;
}

uint64_t Estimate(const int* histo) {
  const double m = kRegisters;
  double z = m * Tau((m - histo[kQ + 1]) / m);
  for (int j = kQ; j >= 1; --j) {
    z += histo[j];
    z *= 0.5;
  }
  z += m * Sigma(histo[0] / m);
  return uint64_t(llroundl(kAlphaInf * m * m / z));
}

// Register histogram of a sparse value; false when the runs do not cover
// exactly 16384 registers.
bool SparseHisto(const uint8_t* p, const uint8_t* end, int* histo) {
  long idx = 0;
  while (p < end) {
    if (IsZero(*p)) {
      int n = ZeroLen(*p);
      idx += n;
      histo[0] += n;
      ++p;
    } else if (IsXZero(*p)) {
      int n = XZeroLenAt(p, end);
      idx += n;
      histo[0] += n;
      p += 2;
    } else {
      int n = ValLen(*p);
      idx += n;
      histo[ValValue(*p)] += n;
      ++p;
    }
    if (idx > kRegisters) return false;
  }
  return idx == kRegisters;
}

}  // namespace

uint64_t MurmurHash64A(const void* key, size_t len, uint64_t seed) {
  const uint64_t m = 0xc6a4a7935bd1e995ULL;
  const int r = 47;
  uint64_t h = seed ^ (len * m);
  const auto* data = static_cast<const uint8_t*>(key);
  const uint8_t* end = data + (len - (len & 7));
  for (; data != end; data += 8) {
    uint64_t k;
    memcpy(&k, data, 8);  // little-endian hosts only, as the block order of the hash
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
  }
  switch (len & 7) {
    case 7: h ^= uint64_t(data[6]) << 48; [[fallthrough]];
    case 6: h ^= uint64_t(data[5]) << 40; [[fallthrough]];
    case 5: h ^= uint64_t(data[4]) << 32; [[fallthrough]];
    case 4: h ^= uint64_t(data[3]) << 24; [[fallthrough]];
    case 3: h ^= uint64_t(data[2]) << 16; [[fallthrough]];
    case 2: h ^= uint64_t(data[1]) << 8; [[fallthrough]];
    case 1:
      h ^= uint64_t(data[0]);
      h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

int PatternLength(std::string_view element, uint32_t* index) {
  uint64_t hash = MurmurHash64A(element.data(), element.size(), 0xadc83b19ULL);
  *index = uint32_t(hash & (kRegisters - 1));
  hash >>= kP;
  hash |= uint64_t(1) << kQ;  // the run ends by bit kQ at the latest
  return __builtin_ctzll(hash) + 1;
}

bool LooksValid(std::string_view v) {
  if (v.size() < kHeaderSize || v.substr(0, 4) != "HYLL") return false;
  uint8_t enc = Encoding(v);
  if (enc > kSparse) return false;
  return enc != kDense || v.size() == kDenseSize;
}

std::string NewSparse() {
  std::string v(kHeaderSize + 2, '\0');
  memcpy(v.data(), "HYLL", 4);
  v[4] = char(kSparse);
  MakeXZero(reinterpret_cast<uint8_t*>(v.data() + kHeaderSize), kRegisters);
  return v;
}

bool CacheValid(std::string_view v) { return (uint8_t(v[15]) & 0x80) == 0; }

uint64_t CachedCardinality(std::string_view v) {
  uint64_t card = 0;
  for (int i = 7; i >= 0; --i) card = (card << 8) | uint8_t(v[8 + i]);
  return card;
}

void SetCachedCardinality(uint8_t* v, uint64_t card) {
  for (int i = 0; i < 8; ++i) v[8 + i] = uint8_t(card >> (8 * i));
}

uint8_t DenseGet(const uint8_t* registers, uint32_t index) {
  uint32_t bit = index * 6, byte = bit >> 3, fb = bit & 7;
  unsigned v = registers[byte] >> fb;
  // The last register never spills into a next byte (fb <= 2 there).
  if (fb > 2) v |= unsigned(registers[byte + 1]) << (8 - fb);
  return uint8_t(v & kRegisterMax);
}

void DenseSet(uint8_t* registers, uint32_t index, uint8_t value) {
  uint32_t bit = index * 6, byte = bit >> 3, fb = bit & 7;
  registers[byte] = uint8_t((registers[byte] & ~(kRegisterMax << fb)) | (value << fb));
  if (fb > 2) {
    unsigned shift = 8 - fb;
    registers[byte + 1] = uint8_t((registers[byte + 1] & ~(kRegisterMax >> shift)) | (value >> shift));
  }
}

// Calls f(i, r[i], r[i+1], r[i+2], r[i+3]) for every group of four 6-bit
// registers (three bytes, least significant bits first): whole groups unpack
// without the per-register shift arithmetic and branch of DenseGet, which is
// what the PFCOUNT/PFMERGE loops over all 16384 registers spend their time on.
template <typename F>
static void UnpackDense(const uint8_t* p, F f) {
  for (int i = 0; i < kRegisters; i += 4, p += 3) {
    unsigned b0 = p[0], b1 = p[1], b2 = p[2];
    f(i, uint8_t(b0 & 63), uint8_t((b0 >> 6) | ((b1 & 15) << 2)), uint8_t((b1 >> 4) | ((b2 & 3) << 4)),
      uint8_t(b2 >> 2));
  }
}

// A register histogram kept as four, one per position in a group of four,
// so that consecutive increments of one bucket do not wait on each other's
// store; SumInto folds them into the one histogram Estimate reads.
struct SplitHisto {
  int h[4][64] = {};
  void Add(uint8_t r0, uint8_t r1, uint8_t r2, uint8_t r3) {
    ++h[0][r0];
    ++h[1][r1];
    ++h[2][r2];
    ++h[3][r3];
  }
  void SumInto(int* histo) const {
    for (int j = 0; j < 64; ++j) histo[j] = h[0][j] + h[1][j] + h[2][j] + h[3][j];
  }
};

bool ToDense(std::string& v) {
  if (Encoding(v) == kDense) return true;
  std::string dense(kDenseSize, '\0');
  memcpy(dense.data(), v.data(), kHeaderSize);
  dense[4] = char(kDense);
  auto* regs = reinterpret_cast<uint8_t*>(dense.data() + kHeaderSize);
  const auto* p = reinterpret_cast<const uint8_t*>(v.data() + kHeaderSize);
  const auto* end = reinterpret_cast<const uint8_t*>(v.data() + v.size());
  long idx = 0;
  while (p < end) {
    if (IsZero(*p)) {
      idx += ZeroLen(*p);
      ++p;
    } else if (IsXZero(*p)) {
      idx += XZeroLenAt(p, end);
      p += 2;
    } else {
      int n = ValLen(*p), val = ValValue(*p);
      if (idx + n > kRegisters) return false;
      for (int i = 0; i < n; ++i) DenseSet(regs, uint32_t(idx++), uint8_t(val));
      ++p;
    }
    if (idx > kRegisters) return false;
  }
  if (idx != kRegisters) return false;
  v.swap(dense);
  return true;
}

namespace {

int SparseSet(std::string& v, uint32_t index, uint8_t count, size_t sparse_max_bytes) {
  auto promote = [&]() -> int {
    if (!ToDense(v)) return -1;
    DenseSet(reinterpret_cast<uint8_t*>(v.data() + kHeaderSize), index, count);
    return 1;
  };
  if (count > kSparseValMax) return promote();

  // Find the opcode covering `index`, remembering the one before it.
  auto* start = reinterpret_cast<uint8_t*>(v.data() + kHeaderSize);
  uint8_t* end = reinterpret_cast<uint8_t*>(v.data() + v.size());
  uint8_t* p = start;
  uint8_t* prev = nullptr;
  long first = 0;
  int span = 0, oplen = 1;
  while (p < end) {
    if (IsZero(*p)) {
      span = ZeroLen(*p);
      oplen = 1;
    } else if (IsXZero(*p)) {
      span = XZeroLenAt(p, end);
      oplen = 2;
    } else {
      span = ValLen(*p);
      oplen = 1;
    }
    if (long(index) <= first + span - 1) break;
    prev = p;
    p += oplen;
    first += span;
  }
  if (span == 0 || p >= end) return -1;

  bool is_zero = IsZero(*p), is_xzero = IsXZero(*p), is_val = !is_zero && !is_xzero;
  size_t p_off = size_t(p - start);
  // An XZERO cut by the end of the value: Redis reads the terminator after
  // it as the opcode's second byte and replaces both, but the value's length
  // only changes by the size difference, so the last byte written is lost.
  bool cut = is_xzero && p + 1 >= end;
  if (cut) {
    size_t prev_off = prev ? size_t(prev - start) : 0;
    v.push_back('\0');
    start = reinterpret_cast<uint8_t*>(v.data() + kHeaderSize);
    p = start + p_off;
    if (prev) prev = start + prev_off;
  }
  if (is_val) {
    if (ValValue(*p) >= count) return 0;
    if (ValLen(*p) == 1) {
      *p = MakeVal(count, 1);
      goto updated;
    }
  }
  {
    // Replace the opcode with up to five: run before, the register, run after.
    uint8_t seq[5];
    uint8_t* n = seq;
    long last = first + span - 1;
    if (is_val) {
      int cur = ValValue(*p);
      if (long(index) != first) *n++ = MakeVal(cur, int(long(index) - first));
      *n++ = MakeVal(count, 1);
      if (long(index) != last) *n++ = MakeVal(cur, int(last - long(index)));
    } else {
      if (long(index) != first) n += PutZeros(n, int(long(index) - first));
      *n++ = MakeVal(count, 1);
      if (long(index) != last) n += PutZeros(n, int(last - long(index)));
    }
    int seqlen = int(n - seq), oldlen = is_xzero ? 2 : 1, delta = seqlen - oldlen;
    if (delta > 0 && v.size() - (cut ? 1 : 0) + size_t(delta) > sparse_max_bytes) return promote();
    size_t prev_off = prev ? size_t(prev - start) : 0;
    bool has_prev = prev != nullptr;
    std::string tail = v.substr(kHeaderSize + p_off + size_t(oldlen));
    v.resize(kHeaderSize + p_off);
    v.append(reinterpret_cast<const char*>(seq), size_t(seqlen));
    v.append(tail);
    if (cut) v.pop_back();
    start = reinterpret_cast<uint8_t*>(v.data() + kHeaderSize);
    end = reinterpret_cast<uint8_t*>(v.data() + v.size());
    prev = has_prev ? start + prev_off : nullptr;
  }
updated: {
  // Join equal neighbouring VAL opcodes, looking at no more than five
  // opcodes from the one before the change.
  start = reinterpret_cast<uint8_t*>(v.data() + kHeaderSize);
  end = reinterpret_cast<uint8_t*>(v.data() + v.size());
  uint8_t* q = prev ? prev : start;
  int scan = 5;
  while (q < end && scan--) {
    if (IsXZero(*q)) {
      q += 2;
      continue;
    }
    if (IsZero(*q)) {
      ++q;
      continue;
    }
    if (q + 1 < end && !IsZero(q[1]) && !IsXZero(q[1])) {
      int v1 = ValValue(q[0]), v2 = ValValue(q[1]);
      if (v1 == v2) {
        int len = ValLen(q[0]) + ValLen(q[1]);
        if (len <= kSparseValMaxLen) {
          q[1] = MakeVal(v1, len);
          size_t off = size_t(q - reinterpret_cast<uint8_t*>(v.data()));
          v.erase(off, 1);
          q = reinterpret_cast<uint8_t*>(v.data()) + off;
          end = reinterpret_cast<uint8_t*>(v.data() + v.size());
          continue;  // the joined opcode may join its right neighbour too
        }
      }
    }
    ++q;
  }
  InvalidateCache(reinterpret_cast<uint8_t*>(v.data()));
  return 1;
}
}

}  // namespace

int SetRegister(std::string& v, uint32_t index, uint8_t count, size_t sparse_max_bytes) {
  if (Encoding(v) == kDense) {
    auto* regs = reinterpret_cast<uint8_t*>(v.data() + kHeaderSize);
    if (DenseGet(regs, index) >= count) return 0;
    DenseSet(regs, index, count);
    return 1;
  }
  if (Encoding(v) == kSparse) return SparseSet(v, index, count, sparse_max_bytes);
  return -1;
}

int Add(std::string& v, std::string_view element, size_t sparse_max_bytes) {
  uint32_t index;
  int count = PatternLength(element, &index);
  return SetRegister(v, index, uint8_t(count), sparse_max_bytes);
}

int DenseAdd(uint8_t* v, std::string_view element) {
  uint32_t index;
  uint8_t count = uint8_t(PatternLength(element, &index));
  uint8_t* regs = v + kHeaderSize;
  if (DenseGet(regs, index) >= count) return 0;
  DenseSet(regs, index, count);
  return 1;
}

bool MergeInto(uint8_t* max, std::string_view v) {
  const auto* p = reinterpret_cast<const uint8_t*>(v.data() + kHeaderSize);
  if (Encoding(v) == kDense) {
    UnpackDense(p, [max](int i, uint8_t r0, uint8_t r1, uint8_t r2, uint8_t r3) {
      max[i] = std::max(max[i], r0);
      max[i + 1] = std::max(max[i + 1], r1);
      max[i + 2] = std::max(max[i + 2], r2);
      max[i + 3] = std::max(max[i + 3], r3);
    });
    return true;
  }
  const auto* end = reinterpret_cast<const uint8_t*>(v.data() + v.size());
  long i = 0;
  while (p < end) {
    if (IsZero(*p)) {
      i += ZeroLen(*p);
      ++p;
    } else if (IsXZero(*p)) {
      i += XZeroLenAt(p, end);
      p += 2;
    } else {
      int n = ValLen(*p), val = ValValue(*p);
      if (i + n > kRegisters) return false;
      for (int k = 0; k < n; ++k, ++i) {
        if (val > max[i]) max[i] = uint8_t(val);
      }
      ++p;
    }
    if (i > kRegisters) return false;
  }
  return i == kRegisters;
}

uint64_t Count(std::string_view v, bool* invalid) {
  int histo[64] = {0};
  const auto* p = reinterpret_cast<const uint8_t*>(v.data() + kHeaderSize);
  if (Encoding(v) == kDense) {
    SplitHisto h;
    UnpackDense(p, [&h](int, uint8_t r0, uint8_t r1, uint8_t r2, uint8_t r3) { h.Add(r0, r1, r2, r3); });
    h.SumInto(histo);
  } else {
    if (!SparseHisto(p, reinterpret_cast<const uint8_t*>(v.data() + v.size()), histo)) {
      *invalid = true;
      return 0;
    }
  }
  return Estimate(histo);
}

uint64_t CountRegisters(const uint8_t* registers) {
  SplitHisto h;
  for (int i = 0; i < kRegisters; i += 4) {
    h.Add(registers[i] & 63, registers[i + 1] & 63, registers[i + 2] & 63, registers[i + 3] & 63);
  }
  int histo[64];
  h.SumInto(histo);
  return Estimate(histo);
}

std::string DecodeSparse(std::string_view v) {
  std::string out;
  const auto* p = reinterpret_cast<const uint8_t*>(v.data() + kHeaderSize);
  const auto* end = reinterpret_cast<const uint8_t*>(v.data() + v.size());
  while (p < end) {
    if (!out.empty()) out += ' ';
    if (IsZero(*p)) {
      out += "z:" + std::to_string(ZeroLen(*p));
      ++p;
    } else if (IsXZero(*p)) {
      out += "Z:" + std::to_string(XZeroLenAt(p, end));
      p += 2;
    } else {
      out += "v:" + std::to_string(ValValue(*p)) + "," + std::to_string(ValLen(*p));
      ++p;
    }
  }
  return out;
}

std::string SelfTest() {
  // 1. Dense registers: random values written and read back.
  std::string dense = NewSparse();
  if (!ToDense(dense)) return "TESTFAILED conversion";
  auto* regs = reinterpret_cast<uint8_t*>(dense.data() + kHeaderSize);
  std::mt19937 rng(12345);
  uint8_t expect[kRegisters];
  for (int round = 0; round < 100; ++round) {
    for (int i = 0; i < kRegisters; ++i) {
      expect[i] = uint8_t(rng() & kRegisterMax);
      DenseSet(regs, uint32_t(i), expect[i]);
    }
    for (int i = 0; i < kRegisters; ++i) {
      if (DenseGet(regs, uint32_t(i)) != expect[i]) return "TESTFAILED Register error at " + std::to_string(i);
    }
  }
  // 2. Sparse and dense agree on every estimate, and the error stays within
  // five standard errors (1.04/sqrt(m)).
  std::string sparse = NewSparse(), full = NewSparse();
  ToDense(full);
  const double rel_err = 1.04 / sqrt(double(kRegisters));
  for (uint64_t j = 1; j <= 100000; ++j) {
    std::string e = std::to_string(j) + ":selftest";
    Add(sparse, e, 3000);
    Add(full, e, 3000);
    if (j % 997 == 0 || j < 100) {
      bool bad = false;
      uint64_t a = Count(sparse, &bad), b = Count(full, &bad);
      if (bad || a != b) return "TESTFAILED sparse/dense estimate mismatch at " + std::to_string(j);
      double err = fabs(double(b) - double(j)) / double(j);
      if (j > 100 && err > 5 * rel_err) return "TESTFAILED too big error. card:" + std::to_string(j);
    }
  }
  return {};
}

}  // namespace vireo::hll
