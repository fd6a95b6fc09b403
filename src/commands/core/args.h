// Argument helpers shared by command handlers: parse a number or reply with
// Redis's error for it, case-insensitive option matching.
// Thread rule: main thread (they write replies).
#pragma once
#include <string_view>

#include "commands/core/command.h"
#include "commands/core/errors.h"

namespace vireo {

// args[i] as a 64-bit integer; on failure replies `error` and returns false.
bool ArgInt64(CommandContext& ctx, size_t i, long long* out, const char* error = err::kNotInteger);
// args[i] as a double (Redis rules: no NaN); on failure replies `error`.
bool ArgDouble(CommandContext& ctx, size_t i, double* out, const char* error = err::kNotFloat);
// Case-insensitive comparison of args[i] with an option name.
inline bool ArgIs(const CommandContext& ctx, size_t i, std::string_view option) {
  return i < ctx.args.size() && EqualsNoCase(ctx.args[i], option);
}

// Blocks the calling client on keys until one is ready or the deadline
// (absolute ms, 0 = forever) passes; the command runs again when a key is
// ready. The handler must reply nothing when it blocks.
void BlockOnKeys(CommandContext& ctx, const std::vector<std::string_view>& keys, int64_t deadline_ms,
                 BlockTimeoutReply on_timeout);
// Blocking timeouts as Redis parses them: seconds with decimals, 0 = forever.
// On success *deadline_ms is absolute (0 = forever); on failure replies the error.
bool ArgTimeout(CommandContext& ctx, size_t i, int64_t* deadline_ms);
// A write made key ready for clients blocked on it (pushes, ZADD...).
void SignalKeyReady(CommandContext& ctx, std::string_view key);

}  // namespace vireo
