// Argument helpers shared by command handlers: parse a number or reply with
// Redis's error for it, case-insensitive option matching.
// Thread rule: main thread (they write replies).
#pragma once
#include <string_view>

#include "commands/command.h"
#include "commands/errors.h"

namespace vireo {

// args[i] as a 64-bit integer; on failure replies `error` and returns false.
bool ArgInt64(CommandContext& ctx, size_t i, long long* out, const char* error = err::kNotInteger);
// args[i] as a double (Redis rules: no NaN); on failure replies `error`.
bool ArgDouble(CommandContext& ctx, size_t i, double* out, const char* error = err::kNotFloat);
// Case-insensitive comparison of args[i] with an option name.
inline bool ArgIs(const CommandContext& ctx, size_t i, std::string_view option) {
  return i < ctx.args.size() && EqualsNoCase(ctx.args[i], option);
}

}  // namespace vireo
