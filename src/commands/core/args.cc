#include "commands/core/args.h"

#include <cmath>
#include <cstdint>

#include "base/numbers.h"
#include "resp/reply_builder.h"

namespace vireo {

bool ArgInt64(CommandContext& ctx, size_t i, long long* out, const char* error) {
  if (ParseInt64(ctx.args[i], out)) return true;
  ctx.reply.Error(error);
  return false;
}

bool ArgDouble(CommandContext& ctx, size_t i, double* out, const char* error) {
  if (ParseDouble(ctx.args[i], out)) return true;
  ctx.reply.Error(error);
  return false;
}

}  // namespace vireo

namespace vireo {

void BlockOnKeys(CommandContext& ctx, const std::vector<std::string_view>& keys, int64_t deadline_ms,
                 BlockTimeoutReply on_timeout) {
  // Inside EXEC (and scripts) a blocking command answers at once, with what
  // its timeout would have given, as Redis does for CLIENT_DENY_BLOCKING.
  if (ctx.session.deny_blocking) {
    if (on_timeout == BlockTimeoutReply::kNullArray) {
      ctx.reply.NullArray();
    } else {
      ctx.reply.Null();
    }
    return;
  }
  ctx.services.BlockOnKeys(ctx.session, ctx.session.db_index, keys, ctx.args, deadline_ms, on_timeout);
}

bool ArgTimeout(CommandContext& ctx, size_t i, int64_t* deadline_ms) {
  long double secs;
  if (!ParseLongDouble(ctx.args[i], &secs)) {
    ctx.reply.Error(err::kTimeoutNotFloat);
    return false;
  }
  long double ms = secs * 1000.0L;
  // Redis 7.0 converts without a range check; on x86 an out-of-range value
  // (inf, >= 2^63 ms) becomes INT64_MIN, hence "negative". Same answer here.
  long long t = TruncToInt64(ceill(ms));
  if (t < 0) {
    ctx.reply.Error(err::kTimeoutNegative);
    return false;
  }
  if (t > 0) {
    if (t > INT64_MAX - ctx.now_ms) {
      ctx.reply.Error("ERR timeout is out of range");
      return false;
    }
    t += ctx.now_ms;
  }
  *deadline_ms = t;
  return true;
}

void SignalKeyReady(CommandContext& ctx, std::string_view key) {
  ctx.services.SignalKeyReady(ctx.session.db_index, key);
}

}  // namespace vireo
