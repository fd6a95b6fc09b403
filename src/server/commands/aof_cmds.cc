#include "server/commands/aof_cmds.h"

#include "base/log.h"
#include "resp/reply_builder.h"
#include "server/aof.h"
#include "server/client.h"
#include "server/server.h"

namespace vireo {
namespace {

// No fork: the new base is written in this process, a slice at a time
// (Aof::StartRewrite); the replies are those of Redis's forked rewrite.
void CmdBgrewriteaof(ServerContext& ctx) {
  Aof& aof = ctx.server.aof();
  if (aof.rewrite_in_progress()) {
    ctx.reply.Error("ERR Background append only file rewriting already in progress");
    return;
  }
  if (ctx.client.in_exec || ctx.server.bgsave_in_progress()) {
    aof.ScheduleRewrite();
    ctx.reply.SimpleString("Background append only file rewriting scheduled");
    return;
  }
  std::string error;
  if (aof.StartRewrite(&error)) {
    ctx.reply.SimpleString("Background append only file rewriting started");
  } else {
    ctx.reply.Error("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.");
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
