// libFuzzer target for RespParser: feeds the input the way a connection
// does, in pieces whose sizes come from the input itself, and checks that
// chunking never changes the result (the same commands, or the same error,
// as parsing everything at once) and that every argument view stays inside
// the buffer it points into.
//
// Input layout: byte 0 seeds the chunk sizes, the rest is the client stream.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "resp/resp_parser.h"

namespace {

struct Result {
  std::vector<std::vector<std::string>> commands;
  std::string error;
};

void Check(bool ok) {
  if (!ok) std::abort();
}

bool Inside(std::string_view v, const std::string& buffer) {
  const char* begin = buffer.data();
  return v.data() >= begin && v.data() + v.size() <= begin + buffer.size();
}

Result Run(const uint8_t* data, size_t size, uint8_t seed) {
  vireo::RespParser parser;
  vireo::ParseLimits limits;
  // Small limits make the fuzzer reach the "too big" paths quickly.
  limits.max_inline_len = 1024;
  limits.max_bulk_len = 4096;
  parser.set_limits(limits);
  Result result;
  std::string buffer;
  size_t fed = 0;
  uint32_t state = seed * 2654435761u + 1;
  while (fed < size) {
    size_t chunk = size;
    if (seed != 0) {
      state = state * 1103515245u + 12345u;
      chunk = 1 + (state >> 16) % 64;
    }
    size_t n = std::min(chunk, size - fed);
    buffer.append(reinterpret_cast<const char*>(data) + fed, n);
    fed += n;
    while (!buffer.empty()) {
      size_t consumed = 12345;
      auto status = parser.Parse(buffer.data(), buffer.size(), &consumed);
      if (status == vireo::RespParser::Status::kNeedMore) {
        Check(consumed == 0);
        Check(parser.pending_bulk_bytes() <= static_cast<size_t>(limits.max_bulk_len) + 2);
        break;
      }
      if (status == vireo::RespParser::Status::kError) {
        Check(!parser.error().empty());
        Check(parser.error().find('\r') == std::string::npos);
        Check(parser.error().find('\n') == std::string::npos);
        result.error = parser.error();
        return result;
      }
      Check(consumed > 0 && consumed <= buffer.size());
      std::vector<std::string> args;
      for (std::string_view a : parser.args()) {
        // Multibulk arguments live in the buffer; inline ones in the parser.
        if (!parser.is_inline()) {
          Check(Inside(a, buffer));
          Check(a.data() + a.size() <= buffer.data() + consumed);
        }
        args.emplace_back(a);
      }
      result.commands.push_back(std::move(args));
      buffer.erase(0, consumed);
    }
  }
  return result;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  uint8_t seed = data[0];
  ++data;
  --size;
  Result whole = Run(data, size, 0);
  Result split = Run(data, size, seed == 0 ? 1 : seed);
  // Splitting may only turn a long line into a "too big" error earlier (as
  // in Redis, where that check depends on how reads are cut); otherwise the
  // outcome must not depend on the cuts.
  if (split.error.find("too big") != std::string::npos) {
    Check(split.commands.size() <= whole.commands.size());
    for (size_t i = 0; i < split.commands.size(); ++i) Check(split.commands[i] == whole.commands[i]);
  } else {
    Check(split.error == whole.error);
    Check(split.commands == whole.commands);
  }
  return 0;
}
