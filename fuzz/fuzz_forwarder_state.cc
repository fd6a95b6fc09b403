// libFuzzer target for vireo-forwarder's state file (its control channel,
// forwarder/state.h): arbitrary bytes must parse or be refused, never crash;
// a parsed table must print back to text that parses to the same table.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "forwarder/state.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  vireo::forwarder::State st, again;
  std::string err;
  if (vireo::forwarder::ParseState(in, &st, &err)) {
    if (!vireo::forwarder::ParseState(vireo::forwarder::FormatState(st), &again, &err) || !(again == st))
      __builtin_trap();
  } else if (err.empty()) {
    __builtin_trap();
  }
  return 0;
}
