// Script flags (Redis 7.0): declared in an EVAL script's shebang line
// ("#!lua flags=no-writes,allow-oom") or in redis.register_function's
// flags, and checked by the node before and during a run.
// Thread rule: pure functions.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace vireo {

enum ScriptFlag : uint32_t {
  kScriptNoWrites = 1u << 0,
  kScriptAllowOom = 1u << 1,
  kScriptAllowStale = 1u << 2,
  kScriptNoCluster = 1u << 3,
  kScriptAllowCrossSlot = 1u << 4,
  // An EVAL script without a shebang: the pre-7.0 rules (writes checked per command).
  kScriptEvalCompat = 1u << 5,
};

// The flag named `name` ("no-writes"...), or 0 when there is none.
uint32_t ScriptFlagByName(std::string_view name);
// The names of flags, in Redis's order (FUNCTION LIST).
const char* const* ScriptFlagNames();
uint32_t ScriptFlagBit(size_t index);

// Reads the shebang of an EVAL script body. Without one: kScriptEvalCompat,
// *shebang_len 0. With one: its flags and the length of the line without its
// newline (the newline stays in the code so line numbers do not move).
// False with Redis's error text (without "ERR ") when the line is invalid.
bool ParseShebang(std::string_view body, uint32_t* flags, size_t* shebang_len, std::string* error);

}  // namespace vireo
