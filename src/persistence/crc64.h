// Crc64: the CRC-64 Redis puts after an RDB file and a DUMP payload — the
// Jones polynomial (0xad93d23594c935a9), reflected input and output, initial
// value 0, no final xor ("123456789" -> 0xe9c6d914c4b8d9ca). Debian ships no
// library with this polynomial, so it is computed here, slicing 8 bytes per
// step over tables built once.
// Thread rule: pure functions; the tables are built on first use (thread-safe
// static initialisation) and read-only afterwards.
#pragma once
#include <cstddef>
#include <cstdint>

namespace vireo {

// Continues a CRC over more bytes (start with crc = 0).
uint64_t Crc64(uint64_t crc, const void* data, size_t len);

}  // namespace vireo
