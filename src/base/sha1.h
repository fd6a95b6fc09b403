// Sha1: the SHA-1 digest (FIPS 180-4), used by DEBUG DIGEST, whose output
// must equal Redis's bit for bit. Not for security.
// Thread rule: a Sha1 object is used by one thread; Sha1Of is pure.
#pragma once
#include <cstddef>
#include <cstdint>

namespace vireo {

class Sha1 {
 public:
  Sha1();
  void Update(const void* data, size_t len);
  void Final(uint8_t out[20]);

 private:
  void Block(const uint8_t* b);
  uint32_t h_[5];
  uint64_t total_ = 0;
  uint8_t buf_[64];
  size_t used_ = 0;
};

void Sha1Of(const void* data, size_t len, uint8_t out[20]);

}  // namespace vireo
