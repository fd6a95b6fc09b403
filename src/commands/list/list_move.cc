// List commands that move elements between keys or pop from the first of
// several: LMOVE, RPOPLPUSH, LMPOP, and the parts their blocking variants
// (list_blocking.cc) share with them.
#include "base/numbers.h"
#include "commands/core/args.h"
#include "commands/core/errors.h"
#include "commands/keys/generic_family.h"
#include "commands/list/list_family.h"
#include "engine/database.h"
#include "resp/reply_builder.h"

namespace vireo {
namespace list_cmd {

using generic_cmd::LookupWrite;

void MoveGeneric(CommandContext& ctx, End from, End to, bool blocking, int64_t deadline_ms) {
  std::string_view src = ctx.args[1], dst = ctx.args[2];
  Entry* se = LookupWrite(ctx, ctx.db(), src);
  if (!se || (!IsList(se) && IsRerun(ctx))) {
    // Inside EXEC a blocking move answers a null bulk at once (its timeout would give a null array).
    if (!blocking || ctx.session.deny_blocking) return ctx.reply.Null();
    return BlockOnKeys(ctx, {src}, deadline_ms, BlockTimeoutReply::kNullArray);
  }
  if (!IsList(se)) return ctx.reply.Error(err::kWrongType);
  // The destination's type is checked before anything is popped, so a
  // failed move leaves both keys alone.
  Entry* de = LookupWrite(ctx, ctx.db(), dst);
  if (de && !IsList(de)) return ctx.reply.Error(err::kWrongType);
  Quicklist* sq = ListOf(se);
  std::string value = PopOne(sq, from);
  // With src == dst, de is se: the element goes back into the same list,
  // which therefore never looks empty below.
  Quicklist* dq = de ? ListOf(de) : CreateList(ctx, dst);
  PushOne(dq, to, value);
  if (de) SignalKeyReady(ctx, dst);
  ctx.Modified(dst, kNotifyList, PushEvent(to));
  ListChanged(ctx, src, sq, PopEvent(from));
  ctx.reply.Bulk(value);
  if (blocking && ctx.propagating()) {
    // Propagated as the non-blocking move. A client served after blocking
    // names the ends in capitals, as Redis's serveClientBlockedOnList does.
    if (ctx.args.size() == 4) {
      ctx.PropagateAs({"RPOPLPUSH", std::string(src), std::string(dst)});
    } else if (IsRerun(ctx)) {
      ctx.PropagateAs({"LMOVE", std::string(src), std::string(dst), from == End::kLeft ? "LEFT" : "RIGHT",
                       to == End::kLeft ? "LEFT" : "RIGHT"});
    } else {
      ctx.PropagateAs({"LMOVE", std::string(src), std::string(dst), std::string(ctx.args[3]),
                       std::string(ctx.args[4])});
    }
  }
}

bool ParseMpop(CommandContext& ctx, size_t first, MpopArgs* out) {
  const auto& args = ctx.args;
  long long numkeys;
  if (!ParseInt64(args[first], &numkeys) || numkeys <= 0) {
    ctx.reply.Error(err::kNumkeysNotPositive);
    return false;
  }
  // The keys and the LEFT|RIGHT after them must all be there.
  if (numkeys > (long long)(args.size() - first) - 2) {
    ctx.reply.Error(err::kSyntax);
    return false;
  }
  size_t where = first + 1 + size_t(numkeys);
  out->keys.assign(args.begin() + first + 1, args.begin() + where);
  if (!ParseEnd(args[where], &out->end)) {
    ctx.reply.Error(err::kSyntax);
    return false;
  }
  bool has_count = false;
  for (size_t i = where + 1; i < args.size(); i += 2) {
    if (has_count || i + 1 >= args.size() || !EqualsNoCase(args[i], "count")) {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
    if (!ParseInt64(args[i + 1], &out->count) || out->count <= 0) {
      ctx.reply.Error(err::kListMpopCount);
      return false;
    }
    has_count = true;
  }
  return true;
}

bool ServeMpop(CommandContext& ctx, const MpopArgs& a) {
  for (std::string_view key : a.keys) {
    Entry* e = LookupWrite(ctx, ctx.db(), key);
    if (!e) continue;
    if (!IsList(e)) {
      if (IsRerun(ctx)) continue;
      ctx.reply.Error(err::kWrongType);
      return true;
    }
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(key);
    PopManyReply(ctx, key, ListOf(e), a.end, a.count);
    // [B]LMPOP propagates as LPOP/RPOP key count.
    if (ctx.propagating()) {
      ctx.PropagateAs({a.end == End::kLeft ? "LPOP" : "RPOP", std::string(key), std::to_string(a.count)});
    }
    return true;
  }
  return false;
}

namespace {

void CmdLMove(CommandContext& ctx) {
  End from, to;
  if (!ParseEnd(ctx.args[3], &from) || !ParseEnd(ctx.args[4], &to)) return ctx.reply.Error(err::kSyntax);
  MoveGeneric(ctx, from, to, false, 0);
}

void CmdRPopLPush(CommandContext& ctx) { MoveGeneric(ctx, End::kRight, End::kLeft, false, 0); }

void CmdLMPop(CommandContext& ctx) {
  MpopArgs a;
  if (!ParseMpop(ctx, 1, &a)) return;
  if (!ServeMpop(ctx, a)) ctx.reply.NullArray();
}

}  // namespace

void BindMoveCommands(CommandTable& t) {
  t.Bind("lmove", CmdLMove);
  t.Bind("rpoplpush", CmdRPopLPush);
  t.Bind("lmpop", CmdLMPop);
}

}  // namespace list_cmd
}  // namespace vireo
