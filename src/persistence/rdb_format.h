// RDB format constants: the numbers of Redis's RDB file format (version 10,
// as Redis 7.0 writes it; older types still read). Facts of a public format,
// named here once so the writer, the reader and the checkers agree.
// Thread rule: constants only.
#pragma once
#include <cstdint>
#include <string>

namespace vireo::rdb {

inline constexpr int kVersion = 10;  // what we write; files up to this version load
inline constexpr char kMagic[] = "REDIS";

// Value types (the byte before a key).
enum Type : uint8_t {
  kTypeString = 0,
  kTypeList = 1,  // linked list of strings (old)
  kTypeSet = 2,
  kTypeZSet = 3,  // scores as text (old)
  kTypeHash = 4,
  kTypeZSet2 = 5,  // binary double scores
  kTypeModulePre = 6,
  kTypeModule2 = 7,
  kTypeHashZipmap = 9,
  kTypeListZiplist = 10,
  kTypeSetIntset = 11,
  kTypeZSetZiplist = 12,
  kTypeHashZiplist = 13,
  kTypeListQuicklist = 14,  // nodes are ziplists
  kTypeStreamListpacks = 15,
  kTypeHashListpack = 16,
  kTypeZSetListpack = 17,
  kTypeListQuicklist2 = 18,  // nodes are listpacks or plain strings
  kTypeStreamListpacks2 = 19,
};

// Opcodes (bytes in the type position that are not values).
enum Opcode : uint8_t {
  kOpFunction2 = 245,
  kOpFunction = 246,
  kOpModuleAux = 247,
  kOpIdle = 248,
  kOpFreq = 249,
  kOpAux = 250,
  kOpResizeDb = 251,
  kOpExpireTimeMs = 252,
  kOpExpireTime = 253,
  kOpSelectDb = 254,
  kOpEof = 255,
};

// Length encoding: the two high bits of the first byte.
inline constexpr uint8_t kLen6Bit = 0;
inline constexpr uint8_t kLen14Bit = 1;
inline constexpr uint8_t kLen32Bit = 0x80;
inline constexpr uint8_t kLen64Bit = 0x81;
inline constexpr uint8_t kEncVal = 3;  // 11xxxxxx: a specially encoded string follows
// Special string encodings (the low six bits after kEncVal).
inline constexpr uint8_t kEncInt8 = 0;
inline constexpr uint8_t kEncInt16 = 1;
inline constexpr uint8_t kEncInt32 = 2;
inline constexpr uint8_t kEncLzf = 3;

// Appends len in the format's length encoding (6, 14, 32 or 64 bits).
inline void AppendLength(std::string& out, uint64_t len) {
  if (len < (1 << 6)) {
    out.push_back(char(len));
  } else if (len < (1 << 14)) {
    out.push_back(char((len >> 8) | (kLen14Bit << 6)));
    out.push_back(char(len & 0xFF));
  } else if (len <= UINT32_MAX) {
    out.push_back(char(kLen32Bit));
    for (int i = 3; i >= 0; --i) out.push_back(char(len >> (8 * i)));  // big endian
  } else {
    out.push_back(char(kLen64Bit));
    for (int i = 7; i >= 0; --i) out.push_back(char(len >> (8 * i)));
  }
}

// Quicklist-2 node containers.
inline constexpr uint64_t kQuicklistNodePlain = 1;
inline constexpr uint64_t kQuicklistNodePacked = 2;

}  // namespace vireo::rdb
