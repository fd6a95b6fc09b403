// libFuzzer target for HyperLogLog values read from outside (any string can
// be SET and then used with PFADD/PFCOUNT/PFMERGE/PFDEBUG): every reader of
// types/hyperloglog must answer (or report corruption) without reading or
// writing out of bounds. The input is taken as the value after a valid
// "HYLL" header whose encoding byte comes from the first input byte.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "types/hyperloglog.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string v = vireo::hll::NewSparse().substr(0, vireo::hll::kHeaderSize);
  v[4] = char(data[0] & 1);
  v.append(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (!vireo::hll::LooksValid(v)) return 0;
  bool invalid = false;
  vireo::hll::Count(v, &invalid);
  std::vector<uint8_t> max(vireo::hll::kRegisters, 0);
  vireo::hll::MergeInto(max.data(), v);
  if (vireo::hll::Encoding(v) == vireo::hll::kSparse) vireo::hll::DecodeSparse(v);
  std::string w = v;
  // A few additions with a small sparse limit (forces conversions too).
  for (int i = 0; i < 4; ++i) {
    if (vireo::hll::Add(w, std::string(1, char('a' + i)) + v.substr(0, 3), 64 + size % 200) < 0) break;
  }
  std::string d = v;
  vireo::hll::ToDense(d);
  return 0;
}
