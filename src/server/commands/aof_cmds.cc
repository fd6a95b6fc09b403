#include "server/commands/aof_cmds.h"

#include "base/log.h"
#include "resp/reply_builder.h"
#include "server/aof.h"
#include "server/client.h"
#include "server/server.h"

namespace vireo {
namespace {

// No fork: the rewrite runs at once (in the foreground) and answers as
// Redis does when its child has started. Inside EXEC Redis schedules it for
// later; here it runs after the transaction's commands, which is the same.
void CmdBgrewriteaof(ServerContext& ctx) {
  std::string error;
  if (ctx.server.aof().Rewrite(&error)) {
    ctx.reply.SimpleString("Background append only file rewriting started");
  } else {
    ctx.reply.Error("ERR " + error);
  }
}

}  // namespace

bool DebugAof(ServerContext& ctx) {
  if (!EqualsNoCase(ctx.args[1], "loadaof")) return false;
  std::string error;
  if (!ctx.server.aof().Reload(&error)) {
    ctx.reply.Error("ERR Error loading the AOF, check server logs.");
    return true;
  }
  VLOG_NOTICE("Append Only File loaded by DEBUG LOADAOF");
  ctx.reply.Ok();
  return true;
}

void BindAofCommands(CommandTable& t) { t.Bind("bgrewriteaof", OnServer<CmdBgrewriteaof>); }

}  // namespace vireo
