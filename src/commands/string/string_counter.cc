// Counter commands on string values: INCR, DECR, INCRBY, DECRBY, INCRBYFLOAT.
// Integer results are stored with the int encoding (they always fit in a
// long long); INCRBYFLOAT stores its formatted text as embstr or raw, never
// int, as Redis does. Both keep the key's TTL.
#include <climits>
#include <cmath>
#include <string>

#include "base/numbers.h"
#include "commands/core/args.h"
#include "commands/core/errors.h"
#include "commands/string/string_family.h"
#include "engine/database.h"
#include "resp/reply_builder.h"

namespace vireo::string_cmd {
namespace {

void IncrBy(CommandContext& ctx, long long delta) {
  std::string_view key = ctx.args[1];
  Entry* e = LookupWrite(ctx, key);
  if (e && !IsString(e)) return ctx.reply.Error(err::kWrongType);
  long long value = 0;
  if (e) {
    if (e->encoding() == Encoding::kInt) {
      value = e->IntValue();
    } else {
      char scratch[32];
      if (!ParseInt64(e->StringValue(scratch), &value)) return ctx.reply.Error(err::kNotInteger);
    }
  }
  long long result;
  if (__builtin_add_overflow(value, delta, &result)) return ctx.reply.Error(err::kOverflow);
  if (e && e->encoding() == Encoding::kInt) {
    e->SetIntValue(result);  // same size: no need to move the entry
  } else if (e) {
    ReplaceKeepTtl(ctx, e, Entry::NewInt(key, result));
  } else {
    ctx.db().Add(Entry::NewInt(key, result));
  }
  ctx.Modified(key, kNotifyString, "incrby");
  ctx.reply.Integer(result);
}

void CmdIncr(CommandContext& ctx) { IncrBy(ctx, 1); }
void CmdDecr(CommandContext& ctx) { IncrBy(ctx, -1); }

void CmdIncrBy(CommandContext& ctx) {
  long long delta;
  if (!ArgInt64(ctx, 2, &delta)) return;
  IncrBy(ctx, delta);
}

void CmdDecrBy(CommandContext& ctx) {
  long long delta;
  if (!ArgInt64(ctx, 2, &delta)) return;
  // LLONG_MIN has no positive counterpart to add.
  if (delta == LLONG_MIN) return ctx.reply.Error(err::kDecrementOverflow);
  IncrBy(ctx, -delta);
}

void CmdIncrByFloat(CommandContext& ctx) {
  std::string_view key = ctx.args[1];
  Entry* e = LookupWrite(ctx, key);
  if (e && !IsString(e)) return ctx.reply.Error(err::kWrongType);
  long double value = 0;
  if (e) {
    if (e->encoding() == Encoding::kInt) {
      value = static_cast<long double>(e->IntValue());
    } else {
      char scratch[32];
      if (!ParseLongDouble(e->StringValue(scratch), &value)) return ctx.reply.Error(err::kNotFloat);
    }
  }
  long double incr;
  if (!ParseLongDouble(ctx.args[2], &incr)) return ctx.reply.Error(err::kNotFloat);
  value += incr;
  if (std::isnan(value) || std::isinf(value)) return ctx.reply.Error(err::kNanOrInf);
  std::string text = FormatLongDouble(value);
  Entry* fresh = text.size() <= kEmbstrMaxLen ? Entry::NewEmbstr(key, text) : Entry::NewRaw(key, text);
  if (e) {
    ReplaceKeepTtl(ctx, e, fresh);
  } else {
    ctx.db().Add(fresh);
  }
  ctx.Modified(key, kNotifyString, "incrbyfloat");
  // The exact value, so float formatting can never make replicas differ.
  if (ctx.propagating()) ctx.PropagateAs({"SET", std::string(key), text, "KEEPTTL"});
  ctx.reply.Bulk(text);
}

}  // namespace

void BindCounterCommands(CommandTable& t) {
  t.Bind("incr", CmdIncr);
  t.Bind("decr", CmdDecr);
  t.Bind("incrby", CmdIncrBy);
  t.Bind("decrby", CmdDecrBy);
  t.Bind("incrbyfloat", CmdIncrByFloat);
}

}  // namespace vireo::string_cmd
