// HyperLogLog values in Redis's exact byte representation, so a GET of an
// HLL key, DUMP/RESTORE and RDB files carry the same bytes as Redis's:
//
//   "HYLL" | encoding (0 dense, 1 sparse) | 3 unused bytes |
//   cached cardinality (8 bytes, little endian; top bit of the last byte set
//   = stale) | registers
//
// 16384 registers of 6 bits (precision 14). Dense: the registers packed LSB
// first, 12288 bytes. Sparse: run-length opcodes ZERO (00xxxxxx: 1-64 zero
// registers), XZERO (01xxxxxx yyyyyyyy: 1-16384 zeros), VAL (1vvvvvxx: 1-4
// registers of value 1-32). A sparse value turns dense when a register
// needs more than 32 or it would grow past hll-sparse-max-bytes. Elements
// are hashed with MurmurHash64A (seed 0xadc83b19), and the estimate is
// Ertl's improved estimator over the register histogram, as Redis 7.0 does.
// Values are outside input (SET can write anything), so every reader checks
// bounds and reports corruption instead of trusting the run lengths.
// Thread rule: none (functions over caller memory).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace vireo::hll {

inline constexpr int kP = 14;
inline constexpr int kRegisters = 1 << kP;
inline constexpr size_t kHeaderSize = 16;
inline constexpr size_t kDenseSize = kHeaderSize + (kRegisters * 6 + 7) / 8;
inline constexpr uint8_t kDense = 0;
inline constexpr uint8_t kSparse = 1;

uint64_t MurmurHash64A(const void* key, size_t len, uint64_t seed);

// Register index and run length (1..51) of an element.
int PatternLength(std::string_view element, uint32_t* index);

// Redis's isHLLObject checks on a string value: magic, known encoding, and
// the exact size of a dense value.
bool LooksValid(std::string_view v);

// A new empty sparse HLL (18 bytes, cached cardinality 0, valid).
std::string NewSparse();

inline uint8_t Encoding(std::string_view v) { return uint8_t(v[4]); }
bool CacheValid(std::string_view v);
uint64_t CachedCardinality(std::string_view v);
void SetCachedCardinality(uint8_t* v, uint64_t card);
inline void InvalidateCache(uint8_t* v) { v[15] |= 0x80; }

// Dense register access (registers = v + kHeaderSize, 12288 bytes).
uint8_t DenseGet(const uint8_t* registers, uint32_t index);
void DenseSet(uint8_t* registers, uint32_t index, uint8_t value);

// Sets register `index` to `count` if larger. The value (dense or sparse)
// may grow or become dense. Returns 1 if a register changed, 0 if not, -1
// if the sparse value is corrupt.
int SetRegister(std::string& v, uint32_t index, uint8_t count, size_t sparse_max_bytes);
// SetRegister for an element's hash.
int Add(std::string& v, std::string_view element, size_t sparse_max_bytes);
// Dense in place, for values already dense: 1 if a register changed.
int DenseAdd(uint8_t* v, std::string_view element);

// Rewrites a sparse value as dense (header kept, encoding changed). False
// if the sparse data is corrupt. A dense value is left alone.
bool ToDense(std::string& v);

// max[i] = max(max[i], register i of v) for all 16384 registers. False if
// the value is corrupt.
bool MergeInto(uint8_t* max, std::string_view v);

// Estimate of a value (dense or sparse); *invalid is set on corrupt sparse data.
uint64_t Count(std::string_view v, bool* invalid);
// Estimate of 16384 byte registers (the multi-key PFCOUNT union).
uint64_t CountRegisters(const uint8_t* registers);

// PFDEBUG DECODE text of a sparse value ("Z:16384", "v:3,1 z:12"...).
std::string DecodeSparse(std::string_view v);

// PFSELFTEST: empty string when the checks pass, else the failure text.
std::string SelfTest();

}  // namespace vireo::hll
