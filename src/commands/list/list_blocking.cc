// Blocking list commands: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP. Each
// answers at once when a key can serve it, else blocks the client on its
// keys (server/blocking.h); the registry runs the command again when one of
// them is written, first-come first-served per key. Timeouts answer a null
// array, as Redis 7.0 does for all five.
#include "commands/core/args.h"
#include "commands/core/errors.h"
#include "commands/keys/generic_family.h"
#include "commands/list/list_family.h"
#include "engine/database.h"
#include "resp/reply_builder.h"

namespace vireo {
namespace list_cmd {
namespace {

constexpr auto kOnTimeout = BlockTimeoutReply::kNullArray;

// BLPOP/BRPOP key... timeout: [key, element] from the first non-empty list.
void BlockingPop(CommandContext& ctx, End end) {
  int64_t deadline;
  if (!ArgTimeout(ctx, ctx.args.size() - 1, &deadline)) return;
  std::vector<std::string_view> keys(ctx.args.begin() + 1, ctx.args.end() - 1);
  for (std::string_view key : keys) {
    Entry* e = generic_cmd::LookupWrite(ctx, ctx.db(), key);
    if (!e) continue;
    if (!IsList(e)) {
      if (IsRerun(ctx)) continue;
      return ctx.reply.Error(err::kWrongType);
    }
    Quicklist* q = ListOf(e);
    std::string value = PopOne(q, end);
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(key);
    ctx.reply.Bulk(value);
    if (ctx.propagating()) ctx.PropagateAs({end == End::kLeft ? "LPOP" : "RPOP", std::string(key)});
    return ListChanged(ctx, key, q, PopEvent(end));
  }
  BlockOnKeys(ctx, keys, deadline, kOnTimeout);
}

void CmdBLPop(CommandContext& ctx) { BlockingPop(ctx, End::kLeft); }
void CmdBRPop(CommandContext& ctx) { BlockingPop(ctx, End::kRight); }

void CmdBLMove(CommandContext& ctx) {
  End from, to;
  if (!ParseEnd(ctx.args[3], &from) || !ParseEnd(ctx.args[4], &to)) return ctx.reply.Error(err::kSyntax);
  int64_t deadline;
  if (!ArgTimeout(ctx, 5, &deadline)) return;
  MoveGeneric(ctx, from, to, true, deadline);
}

void CmdBRPopLPush(CommandContext& ctx) {
  int64_t deadline;
  if (!ArgTimeout(ctx, 3, &deadline)) return;
  MoveGeneric(ctx, End::kRight, End::kLeft, true, deadline);
}

// BLMPOP timeout numkeys key... LEFT|RIGHT [COUNT n]: the arguments are
// checked before the timeout, as in Redis.
void CmdBLMPop(CommandContext& ctx) {
  MpopArgs a;
  if (!ParseMpop(ctx, 2, &a)) return;
  int64_t deadline;
  if (!ArgTimeout(ctx, 1, &deadline)) return;
  if (!ServeMpop(ctx, a)) BlockOnKeys(ctx, a.keys, deadline, kOnTimeout);
}

}  // namespace

void BindBlockingCommands(CommandTable& t) {
  t.Bind("blpop", CmdBLPop);
  t.Bind("brpop", CmdBRPop);
  t.Bind("blmove", CmdBLMove);
  t.Bind("brpoplpush", CmdBRPopLPush);
  t.Bind("blmpop", CmdBLMPop);
}

}  // namespace list_cmd
}  // namespace vireo
