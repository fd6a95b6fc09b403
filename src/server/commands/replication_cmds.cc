// Replication commands (Redis 7.0): REPLICAOF/SLAVEOF, ROLE, REPLCONF, PSYNC,
// SYNC and WAIT. The protocol state lives in server/replication.*.
#include <string>

#include "base/clock.h"
#include "base/log.h"
#include "base/numbers.h"
#include "commands/core/errors.h"
#include "resp/reply_builder.h"
#include "server/client.h"
#include "server/commands/server_context.h"
#include "server/server.h"

namespace vireo {
namespace {

void CmdReplicaof(ServerContext& ctx) {
  Replication& r = ctx.server.repl();
  const auto& a = ctx.args;
  if (EqualsNoCase(a[1], "no") && EqualsNoCase(a[2], "one")) {
    if (r.is_replica()) {
      r.Promote();
      VLOG_NOTICE("MASTER MODE enabled (user request from '%s')", ctx.client.addr().c_str());
    }
    ctx.reply.Ok();
    return;
  }
  if (ctx.client.replica) {
    ctx.reply.Error("ERR Command is not valid when client is a replica.");
    return;
  }
  long long port;
  if (!ParseInt64(a[2], &port) || port < 0 || port > 65535) {
    ctx.reply.Error("ERR Invalid master port");
    return;
  }
  const std::string host(a[1]);
  if (r.is_replica() && EqualsNoCase(r.master_host(), host) && r.master_port() == port) {
    VLOG_NOTICE("REPLICAOF would result into synchronization with the master we are already connected with. No "
                "operation performed.");
    ctx.reply.SimpleString("OK Already connected to specified master");
    return;
  }
  r.SetMaster(host, int(port));
  VLOG_NOTICE("REPLICAOF %s:%lld enabled (user request from '%s')", host.c_str(), port, ctx.client.addr().c_str());
  ctx.reply.Ok();
}

void CmdRole(ServerContext& ctx) { ctx.server.repl().ReplyRole(&ctx.client); }

void CmdReplconf(ServerContext& ctx) {
  const auto& a = ctx.args;
  Client& c = ctx.client;
  Replication& r = ctx.server.repl();
  if (a.size() % 2 == 0) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  for (size_t j = 1; j < a.size(); j += 2) {
    std::string_view opt = a[j], val = a[j + 1];
    if (EqualsNoCase(opt, "listening-port")) {
      long long port;
      if (!ParseInt64(val, &port)) {
        ctx.reply.Error("ERR value is not an integer or out of range");
        return;
      }
      c.repl_listening_port = int(port);
    } else if (EqualsNoCase(opt, "ip-address")) {
      if (val.size() >= 46) {  // NET_HOST_STR_LEN
        ctx.reply.Error("ERR REPLCONF ip-address provided by replica instance is too long: " +
                        std::to_string(val.size()) + " bytes");
        return;
      }
      c.repl_announced_ip = std::string(val);
    } else if (EqualsNoCase(opt, "capa")) {
      if (EqualsNoCase(val, "eof")) c.repl_capa_eof = true;
      if (EqualsNoCase(val, "psync2")) c.repl_capa_psync2 = true;
    } else if (EqualsNoCase(opt, "ack")) {
      // No reply, ever: the primary must not answer its replicas' ACKs.
      long long off;
      if (!c.replica || !ParseInt64(val, &off)) return;
      r.HandleAck(&c, off);
      return;
    } else if (EqualsNoCase(opt, "getack")) {
      if (c.is_master) r.RequestAck();
      return;
    } else if (EqualsNoCase(opt, "rdb-only")) {
      long long v;
      if (!ParseInt64(val, &v) || (v != 0 && v != 1)) {
        ctx.reply.Error("ERR value is not an integer or out of range");
        return;
      }
    } else {
      ctx.reply.Error("ERR Unrecognized REPLCONF option: " + std::string(opt));
      return;
    }
  }
  ctx.reply.Ok();
}

void CmdPsync(ServerContext& ctx) {
  ctx.server.repl().HandlePsync(&ctx.client, ctx.args[1], ctx.args[2], false);
}

void CmdSync(ServerContext& ctx) { ctx.server.repl().HandlePsync(&ctx.client, "?", "-1", true); }

void CmdWait(ServerContext& ctx) {
  Replication& r = ctx.server.repl();
  if (r.is_replica()) {
    ctx.reply.Error(
        "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is "
        "configured to be writable (which is not the default) writes to replicas are just local and are not "
        "propagated.");
    return;
  }
  long long numreplicas, timeout;
  if (!ParseInt64(ctx.args[1], &numreplicas)) {
    ctx.reply.Error("ERR value is not an integer or out of range");
    return;
  }
  if (!ParseInt64(ctx.args[2], &timeout)) {
    ctx.reply.Error("ERR timeout is not an integer or out of range");
    return;
  }
  if (timeout < 0) {
    ctx.reply.Error(err::kTimeoutNegative);
    return;
  }
  Client& c = ctx.client;
  const int acked = r.CountAcked(c.woff);
  if (acked >= numreplicas || c.deny_blocking) {
    ctx.reply.Integer(acked);
    return;
  }
  r.AddWaiter(&c, c.woff, int(numreplicas), timeout ? ctx.now_ms + timeout : 0);
}

}  // namespace

void BindReplicationCommands(CommandTable& t) {
  t.Bind("replicaof", OnServer<CmdReplicaof>);
  t.Bind("slaveof", OnServer<CmdReplicaof>);
  t.Bind("role", OnServer<CmdRole>);
  t.Bind("replconf", OnServer<CmdReplconf>);
  t.Bind("psync", OnServer<CmdPsync>);
  t.Bind("sync", OnServer<CmdSync>);
  t.Bind("wait", OnServer<CmdWait>);
}

}  // namespace vireo
