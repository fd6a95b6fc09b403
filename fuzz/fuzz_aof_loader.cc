// libFuzzer target for the AOF readers: the command reader the loader uses
// (AofReader, over the bytes as a file) and the manifest parser. Arbitrary
// bytes must end as commands, a clean end, a truncated tail or a format
// error, never a crash or an allocation the input cannot back; a parsed
// manifest must format back to text that parses to the same files.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "persistence/aof_manifest.h"
#include "persistence/aof_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    vireo::AofManifest m, again;
    std::string error;
    if (vireo::AofManifest::Parse(in, &m, &error)) {
      const std::string text = m.Format();
      // Quoting can lengthen a name (a raw byte becomes \xNN), so a line may
      // outgrow the 1024-byte line reader Redis and we share: that must be
      // refused as such, anything else must read back to the same files.
      bool long_line = false;
      for (size_t a = 0, nl; a < text.size(); a = nl + 1) {
        nl = text.find('\n', a);
        if (nl + 1 - a > 1024) long_line = true;
      }
      const bool ok = vireo::AofManifest::Parse(text, &again, &error);
      if (long_line) {
        if (ok || error != "The AOF manifest file contains too long line") __builtin_trap();
      } else if (!ok || again.Format() != text) {
        __builtin_trap();
      }
    }
    return 0;
  }
  std::string copy(in);
  FILE* f = fmemopen(copy.data(), copy.size() ? copy.size() : 1, "r");
  if (!f) return 0;
  if (copy.empty()) {
    fclose(f);
    return 0;
  }
  vireo::AofReader reader(f);
  std::vector<std::string> argv;
  std::string annotation;
  for (int i = 0; i < 100000; ++i) {
    vireo::AofReader::Status st = reader.Next(&argv, (data[0] & 2) ? &annotation : nullptr);
    if (st == vireo::AofReader::Status::kCommand) {
      if (argv.empty()) __builtin_trap();
      if (reader.valid_up_to() > (long long)copy.size()) __builtin_trap();
      continue;
    }
    if (st == vireo::AofReader::Status::kAnnotation) continue;
    break;
  }
  fclose(f);
  return 0;
}
