// What the server command files share: the HELP reply shape and the running
// configuration's rewrite (CONFIG REWRITE, DEBUG RESTART).
// Main thread only, like every command handler.
#pragma once
#include <initializer_list>
#include <string>

namespace vireo {

class CommandTable;
class Server;
struct ServerContext;

// Rewrites the config file the node started from with the running values;
// "" on success, else the error (also logged). The caller checks that there
// is a config file.
std::string RewriteRunningConfig(Server& server, bool force_all = false);

// A subcommand HELP reply: one simple string per line.
void HelpReply(ServerContext& ctx, std::initializer_list<const char*> lines);

void BindMemoryCommands(CommandTable& t);
void BindDebugCommand(CommandTable& t);
void BindLolwutCommand(CommandTable& t);

}  // namespace vireo
