// Commands that move or duplicate keys across keys and databases: COPY,
// MOVE and SWAPDB. Non-string values are copied through engine/type_ops.h.
#include "commands/core/args.h"
#include "commands/core/errors.h"
#include "commands/keys/generic_family.h"
#include "engine/database.h"
#include "engine/keyspace.h"
#include "engine/type_ops.h"
#include "resp/reply_builder.h"

namespace vireo {
namespace generic_cmd {
namespace {

bool ValidDb(const CommandContext& ctx, int id) { return id >= 0 && id < ctx.keyspace.count(); }

// COPY source destination [DB index] [REPLACE]. The copy keeps the TTL.
void CmdCopy(CommandContext& ctx) {
  Keyspace& ks = ctx.keyspace;
  const int src_id = ctx.session.db_index;
  int dst_id = src_id;
  bool replace = false;
  for (size_t i = 3; i < ctx.args.size(); ++i) {
    if (ArgIs(ctx, i, "replace")) {
      replace = true;
    } else if (ArgIs(ctx, i, "db") && i + 1 < ctx.args.size()) {
      if (!ArgInt32(ctx, i + 1, &dst_id)) return;
      if (!ValidDb(ctx, dst_id)) return ctx.reply.Error(err::kDbIndex);
      ++i;
    } else {
      return ctx.reply.Error(err::kSyntax);
    }
  }
  std::string_view from = ctx.args[1], to = ctx.args[2];
  if (src_id == dst_id && from == to) return ctx.reply.Error(err::kSameObject);

  Database& src = ks.db(src_id);
  Database& dst = ks.db(dst_id);
  Entry* e = LookupRead(ctx, src, from, /*touch=*/true);
  if (!e) return ctx.reply.Integer(0);
  const bool exists = LookupWrite(ctx, dst, to) != nullptr;
  if (exists && !replace) return ctx.reply.Integer(0);

  Entry* fresh = Entry::Clone(e, to, &CopyObject);
  if (exists) dst.Delete(to);
  dst.Add(fresh);
  ++ctx.dirty;
  ctx.services.KeyModified(dst_id, to);
  ctx.services.Notify(kNotifyGeneric, "copy_to", to, dst_id);
  ctx.reply.Integer(1);
}

// MOVE key db: succeeds only when the key exists here and not there.
void CmdMove(CommandContext& ctx) {
  Keyspace& ks = ctx.keyspace;
  int dst_id;
  if (!ArgInt32(ctx, 2, &dst_id)) return;
  if (!ValidDb(ctx, dst_id)) return ctx.reply.Error(err::kDbIndex);
  if (dst_id == ctx.session.db_index) return ctx.reply.Error(err::kSameObject);

  Database& src = ctx.db();
  Database& dst = ks.db(dst_id);
  std::string_view key = ctx.args[1];
  if (!LookupWrite(ctx, src, key)) return ctx.reply.Integer(0);
  if (LookupWrite(ctx, dst, key)) return ctx.reply.Integer(0);
  // The entry itself moves, with its TTL.
  dst.Add(src.Detach(key));
  ctx.Modified(key);
  ctx.services.KeyModified(dst_id, key);
  ctx.Notify(kNotifyGeneric, "move_from", key);
  ctx.services.Notify(kNotifyGeneric, "move_to", key, dst_id);
  ctx.reply.Integer(1);
}

void CmdSwapDb(CommandContext& ctx) {
  int a, b;
  if (!ArgInt32(ctx, 1, &a, err::kInvalidFirstDb)) return;
  if (!ArgInt32(ctx, 2, &b, err::kInvalidSecondDb)) return;
  if (!ValidDb(ctx, a) || !ValidDb(ctx, b)) return ctx.reply.Error(err::kDbIndex);
  Keyspace& ks = ctx.keyspace;
  if (a != b) {
    ctx.services.DbModified(a, b);
    ctx.services.DbModified(b, a);
    ks.db(a).SwapContents(ks.db(b));
    ++ctx.dirty;
    // Clients blocked in either database may now find their keys.
    ctx.services.SignalDb(a);
    ctx.services.SignalDb(b);
  }
  ctx.reply.Ok();
}

}  // namespace

void BindDbCommands(CommandTable& t) {
  t.Bind("copy", CmdCopy);
  t.Bind("move", CmdMove);
  t.Bind("swapdb", CmdSwapDb);
}

}  // namespace generic_cmd
}  // namespace vireo
