#include "scripting/script_flags.h"

#include <vector>

#include "base/split_args.h"

namespace vireo {

namespace {
const char* const kNames[] = {"no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys", nullptr};
const uint32_t kBits[] = {kScriptNoWrites, kScriptAllowOom, kScriptAllowStale, kScriptNoCluster, kScriptAllowCrossSlot};
}  // namespace

uint32_t ScriptFlagByName(std::string_view name) {
  for (size_t i = 0; kNames[i]; ++i) {
    if (name == kNames[i]) return kBits[i];
  }
  return 0;
}

const char* const* ScriptFlagNames() { return kNames; }
uint32_t ScriptFlagBit(size_t index) { return kBits[index]; }

bool ParseShebang(std::string_view body, uint32_t* flags, size_t* shebang_len, std::string* error) {
  *flags = kScriptEvalCompat;
  *shebang_len = 0;
  if (body.substr(0, 2) != "#!") return true;
  size_t eol = body.find('\n');
  if (eol == std::string_view::npos) {
    *error = "Invalid script shebang";
    return false;
  }
  *shebang_len = eol;
  std::string storage;
  std::vector<std::pair<size_t, size_t>> spans;
  if (!SplitArgs(body.substr(0, eol), &storage, &spans) || spans.empty()) {
    *error = "Invalid engine in script shebang";
    return false;
  }
  auto part = [&](size_t i) { return std::string_view(storage).substr(spans[i].first, spans[i].second); };
  if (part(0) != "#!lua") {
    *error = "Unexpected engine in script shebang: " + std::string(part(0));
    return false;
  }
  *flags = 0;
  for (size_t i = 1; i < spans.size(); ++i) {
    std::string_view p = part(i);
    if (p.substr(0, 6) != "flags=") {
      *error = "Unknown lua shebang option: " + std::string(p);
      return false;
    }
    std::string_view list = p.substr(6);
    while (!list.empty()) {
      size_t comma = list.find(',');
      std::string_view name = list.substr(0, comma);
      uint32_t bit = ScriptFlagByName(name);
      if (!bit) {
        *error = "Unexpected flag in script shebang: " + std::string(name);
        return false;
      }
      *flags |= bit;
      if (comma == std::string_view::npos) break;
      list = list.substr(comma + 1);
      if (list.empty()) {  // a trailing comma names an empty flag
        *error = "Unexpected flag in script shebang: ";
        return false;
      }
    }
  }
  return true;
}

}  // namespace vireo
