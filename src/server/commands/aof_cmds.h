// The AOF's commands: BGREWRITEAOF and DEBUG LOADAOF (server/aof.* does the work).
// Thread rule: main thread, one command at a time.
#pragma once
#include "server/commands/server_context.h"

namespace vireo {

void BindAofCommands(CommandTable& t);
// DEBUG LOADAOF; false when args[1] is not it.
bool DebugAof(ServerContext& ctx);

}  // namespace vireo
