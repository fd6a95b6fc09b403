// ServerContext: the context of the node's own command families (connection,
// CLIENT, CONFIG, INFO, COMMAND, DEBUG, SLOWLOG...). These commands are about
// the node itself, so unlike the data families they may see the Server and
// the calling Client. The node's Call path always builds a ServerContext, so
// OnServer<> may downcast the CommandContext a handler receives.
// Thread rule: main thread, one command at a time.
#pragma once
#include "commands/core/command.h"

namespace vireo {

class Server;
class Client;

struct ServerContext : CommandContext {
  Server& server;
  Client& client;
};

// Adapts a server-family handler to the table's handler type.
template <void (*F)(ServerContext&)>
void OnServer(CommandContext& ctx) {
  F(static_cast<ServerContext&>(ctx));
}

// The node's own families; Server binds them into its command table.
void BindConnectionCommands(CommandTable& t);
void BindServerCommands(CommandTable& t);
// CLIENT LIST's line for c (also used in log lines about a client, as Redis does).
std::string ClientInfoLine(Server& s, const Client& c, int64_t now_ms);
void BindTrackingCommands(CommandTable& t);  // CLIENT TRACKING/CACHING/GETREDIR/TRACKINGINFO (tracking_cmds.cc)
void BindTransactionCommands(CommandTable& t);  // MULTI EXEC DISCARD WATCH UNWATCH (transaction.cc)
void BindPubSubCommands(CommandTable& t);  // SUBSCRIBE ... PUBSUB (pubsub.cc)  // CONFIG, TIME, MONITOR, SLOWLOG, LATENCY, MEMORY, DEBUG, SHUTDOWN, INFO, COMMAND
void BindScriptingCommands(CommandTable& t);
void BindReplicationCommands(CommandTable& t);  // REPLICAOF SLAVEOF ROLE REPLCONF PSYNC SYNC WAIT (replication_cmds.cc)
void BindAclCommands(CommandTable& t);  // AUTH, ACL (acl_cmds.cc)
void BindMigrateCommand(CommandTable& t);  // MIGRATE (migrate_cmd.cc)

}  // namespace vireo
