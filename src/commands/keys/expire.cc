// Key TTL commands: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (with NX/XX/GT/LT),
// TTL, PTTL, EXPIRETIME, PEXPIRETIME and PERSIST.
#include <climits>
#include <cstdint>

#include "base/numbers.h"
#include "commands/core/args.h"
#include "commands/core/errors.h"
#include "commands/keys/generic_family.h"
#include "engine/database.h"
#include "resp/reply_builder.h"

namespace vireo::generic_cmd {
namespace {

enum ExpireFlag : unsigned { kNx = 1, kXx = 2, kGt = 4, kLt = 8 };

// The NX/XX/GT/LT options after the time. Redis checks them before the time
// argument itself, so their errors win over a malformed number.
bool ParseExpireFlags(CommandContext& ctx, unsigned* flags) {
  for (size_t i = 3; i < ctx.args.size(); ++i) {
    if (ArgIs(ctx, i, "nx")) {
      *flags |= kNx;
    } else if (ArgIs(ctx, i, "xx")) {
      *flags |= kXx;
    } else if (ArgIs(ctx, i, "gt")) {
      *flags |= kGt;
    } else if (ArgIs(ctx, i, "lt")) {
      *flags |= kLt;
    } else {
      ReplyFormattedError(ctx, err::kUnsupportedOption, ctx.args[i]);
      return false;
    }
  }
  if ((*flags & kNx) && (*flags & (kXx | kGt | kLt))) {
    ctx.reply.Error(err::kExpireNxConflict);
    return false;
  }
  if ((*flags & kGt) && (*flags & kLt)) {
    ctx.reply.Error(err::kExpireGtLtConflict);
    return false;
  }
  return true;
}

// Whether the options let a key whose current deadline is `current` (-1:
// none) take the deadline `when`. A key without a TTL counts as expiring
// never: GT always fails on it, LT always passes.
bool FlagsAllow(unsigned flags, int64_t current, int64_t when) {
  if ((flags & kNx) && current != -1) return false;
  if ((flags & kXx) && current == -1) return false;
  if ((flags & kGt) && (current == -1 || when <= current)) return false;
  if ((flags & kLt) && current != -1 && when >= current) return false;
  return true;
}

// The four EXPIRE forms: basetime is now for the relative ones and 0 for the
// *AT ones; seconds says the argument's unit. Negative times are allowed
// (they delete the key); only an overflow of the conversion to absolute
// milliseconds is an error.
void ExpireGeneric(CommandContext& ctx, int64_t basetime, bool seconds, const char* name) {
  unsigned flags = 0;
  if (!ParseExpireFlags(ctx, &flags)) return;
  long long when;
  if (!ArgInt64(ctx, 2, &when)) return;
  if (seconds) {
    if (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000) {
      return ReplyFormattedError(ctx, err::kInvalidExpire, name);
    }
    when *= 1000;
  }
  if (when > LLONG_MAX - basetime) return ReplyFormattedError(ctx, err::kInvalidExpire, name);
  when += basetime;

  Database& db = ctx.db();
  Entry* e = LookupWrite(ctx, db, ctx.args[1]);
  if (!e) return ctx.reply.Integer(0);
  if (flags && !FlagsAllow(flags, e->has_expire() ? e->expire_ms() : -1, when)) {
    return ctx.reply.Integer(0);
  }
  if (when <= ctx.now_ms) {
    // A deadline already past deletes the key, as DEL would (it is not
    // counted as an expired key).
    db.Delete(ctx.args[1]);
    ctx.Modified(ctx.args[1], kNotifyGeneric, "del");
    if (ctx.propagating()) {
      ctx.PropagateAs({ctx.limits.lazyfree_lazy_expire ? "UNLINK" : "DEL", std::string(ctx.args[1])});
    }
  } else {
    db.SetExpire(e, when);
    ctx.Modified(ctx.args[1], kNotifyGeneric, "expire");
    // Propagated as PEXPIREAT with the absolute deadline; the options stay.
    if (ctx.propagating()) {
      if (basetime != 0 || seconds) {
        ctx.RewritePropagatedArg(0, "PEXPIREAT");
        ctx.RewritePropagatedArg(2, std::to_string(when));
      }
    }
  }
  ctx.reply.Integer(1);
}

void CmdExpire(CommandContext& ctx) { ExpireGeneric(ctx, ctx.now_ms, true, "expire"); }
void CmdPExpire(CommandContext& ctx) { ExpireGeneric(ctx, ctx.now_ms, false, "pexpire"); }
void CmdExpireAt(CommandContext& ctx) { ExpireGeneric(ctx, 0, true, "expireat"); }
void CmdPExpireAt(CommandContext& ctx) { ExpireGeneric(ctx, 0, false, "pexpireat"); }

// TTL/PTTL (remaining time) and EXPIRETIME/PEXPIRETIME (absolute deadline):
// -2 for a missing key, -1 for a key without a TTL. Seconds are rounded to
// the nearest, as Redis does.
void TtlGeneric(CommandContext& ctx, bool in_ms, bool absolute) {
  Entry* e = LookupRead(ctx, ctx.db(), ctx.args[1], /*touch=*/false);
  if (!e) return ctx.reply.Integer(-2);
  if (!e->has_expire()) return ctx.reply.Integer(-1);
  int64_t v = e->expire_ms();
  if (!absolute) {
    v -= ctx.now_ms;
    if (v < 0) v = 0;
  }
  // v >= 0 here. The rounding is done unsigned: for a deadline near 2^63 ms
  // Redis's arithmetic yields the unsigned quotient, not a wrapped negative.
  ctx.reply.Integer(in_ms ? v : static_cast<long long>((static_cast<uint64_t>(v) + 500) / 1000));
}

void CmdTtl(CommandContext& ctx) { TtlGeneric(ctx, false, false); }
void CmdPTtl(CommandContext& ctx) { TtlGeneric(ctx, true, false); }
void CmdExpireTime(CommandContext& ctx) { TtlGeneric(ctx, false, true); }
void CmdPExpireTime(CommandContext& ctx) { TtlGeneric(ctx, true, true); }

void CmdPersist(CommandContext& ctx) {
  Database& db = ctx.db();
  Entry* e = LookupWrite(ctx, db, ctx.args[1]);
  if (!e || !e->has_expire()) return ctx.reply.Integer(0);
  db.SetExpire(e, -1);
  ctx.Modified(ctx.args[1], kNotifyGeneric, "persist");
  ctx.reply.Integer(1);
}

}  // namespace

void BindExpireCommands(CommandTable& t) {
  t.Bind("expire", CmdExpire);
  t.Bind("pexpire", CmdPExpire);
  t.Bind("expireat", CmdExpireAt);
  t.Bind("pexpireat", CmdPExpireAt);
  t.Bind("ttl", CmdTtl);
  t.Bind("pttl", CmdPTtl);
  t.Bind("expiretime", CmdExpireTime);
  t.Bind("pexpiretime", CmdPExpireTime);
  t.Bind("persist", CmdPersist);
}

}  // namespace vireo::generic_cmd
