// The node's persistence commands (SAVE, BGSAVE, LASTSAVE) and DEBUG's
// persistence subcommands.
// Thread rule: main thread, one command at a time.
#pragma once
#include "server/commands/server_context.h"

namespace vireo {

void BindPersistenceCommands(CommandTable& t);
// DEBUG DIGEST, DIGEST-VALUE, RELOAD; false when args[1] is none of them.
bool DebugPersistence(ServerContext& ctx);

}  // namespace vireo
