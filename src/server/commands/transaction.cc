// Transaction commands: MULTI EXEC DISCARD WATCH UNWATCH (Redis 7.0).
// Queueing happens in Server::ProcessCommand; the WATCH bookkeeping in
// server/transaction.*. EXEC runs each queued command through Server::Call,
// the one command path, with blocking denied (a blocking command answers
// at once, as at its timeout).
#include <string>
#include <vector>

#include "resp/reply_builder.h"
#include "server/client.h"
#include "server/commands/server_context.h"
#include "server/server.h"

namespace vireo {
namespace {

void CmdMulti(ServerContext& ctx) {
  if (ctx.client.multi.active) return ctx.reply.Error("ERR MULTI calls can not be nested");
  // (dirty_cas may already be set: a watched key changed before MULTI.)
  ctx.client.multi.active = true;
  ctx.reply.Ok();
}

void CmdDiscard(ServerContext& ctx) {
  if (!ctx.client.multi.active) return ctx.reply.Error("ERR DISCARD without MULTI");
  ctx.server.DiscardTransaction(&ctx.client);
  ctx.reply.Ok();
}

void CmdExec(ServerContext& ctx) {
  Client& c = ctx.client;
  Server& s = ctx.server;
  if (!c.multi.active) return ctx.reply.Error("ERR EXEC without MULTI");
  if (!c.multi.dirty_cas && s.watches().AnyExpiredSinceWatch(c, s.keyspace(), ctx.now_ms)) {
    c.multi.dirty_cas = true;
  }
  if (c.multi.dirty_exec || c.multi.dirty_cas) {
    if (c.multi.dirty_exec) {
      ctx.reply.Error("EXECABORT Transaction discarded because of previous errors.");
    } else {
      ctx.reply.NullArray();
    }
    s.DiscardTransaction(&c);
    return;
  }
  // Nothing can make this transaction fail any more: stop watching now.
  s.watches().UnwatchAll(&c);

  const bool old_deny = c.deny_blocking, old_in_exec = c.in_exec;
  c.deny_blocking = true;
  c.in_exec = true;
  // The queue stays in place while it runs, so CLIENT LIST inside EXEC
  // shows the transaction (flags x, multi=N) as Redis does.
  const size_t n = c.multi.queue.size();
  ctx.reply.ArrayHeader(n);
  std::vector<std::string_view> views;
  for (size_t i = 0; i < n; ++i) {
    QueuedCommand& q = c.multi.queue[i];
    views.assign(q.args.begin(), q.args.end());
    // Rules may have changed since the command was queued (Redis checks again).
    if (!c.user->unrestricted()) {
      size_t pos = 0;
      const AclResult r = s.CheckCommandPermission(c.user, q.cmd, views, &pos);
      if (r != kAclOk) {
        s.LogAclDenial(&c, r, kAclCtxMulti, q.cmd, views, pos);
        const char* reason = r == kAclDeniedCmd   ? "no permission to execute the command or subcommand"
                             : r == kAclDeniedKey ? "no permission to touch the specified keys"
                                                  : "no permission to access one of the channels used as arguments";
        std::string msg =
            "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. "
            "This command is no longer allowed for the following reason: ";
        msg += reason;
        ctx.reply.Error(msg);
        s.CountError(msg);
        continue;
      }
    }
    s.Call(&c, q.cmd, views);
  }
  c.deny_blocking = old_deny;
  c.in_exec = old_in_exec;
  s.DiscardTransaction(&c);
}

void CmdWatch(ServerContext& ctx) {
  if (ctx.client.multi.active) return ctx.reply.Error("ERR WATCH inside MULTI is not allowed");
  Database& db = ctx.db();
  for (size_t i = 1; i < ctx.args.size(); ++i) {
    const Entry* e = db.Find(ctx.args[i]);
    ctx.server.watches().Watch(&ctx.client, ctx.session.db_index, ctx.args[i],
                               e && Database::IsExpired(e, ctx.now_ms));
  }
  ctx.reply.Ok();
}

void CmdUnwatch(ServerContext& ctx) {
  ctx.server.watches().UnwatchAll(&ctx.client);
  ctx.client.multi.dirty_cas = false;
  ctx.reply.Ok();
}

}  // namespace

void BindTransactionCommands(CommandTable& t) {
  t.Bind("multi", OnServer<CmdMulti>);
  t.Bind("exec", OnServer<CmdExec>);
  t.Bind("discard", OnServer<CmdDiscard>);
  t.Bind("watch", OnServer<CmdWatch>);
  t.Bind("unwatch", OnServer<CmdUnwatch>);
  for (const char* name : {"multi", "exec", "discard", "watch", "quit", "reset"}) {
    if (Command* cmd = t.Find(name)) cmd->flags |= kCmdTransactionControl;
  }
}

}  // namespace vireo
