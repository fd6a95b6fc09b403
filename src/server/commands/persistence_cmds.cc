// SAVE, BGSAVE, LASTSAVE and the persistence subcommands of DEBUG (RELOAD,
// DIGEST, DIGEST-VALUE); the node's persistence state lives in Server
// (rdb_persistence.cc).
#include <cstdio>

#include "base/log.h"
#include "commands/core/args.h"
#include "persistence/dataset_digest.h"
#include "resp/reply_builder.h"
#include "server/aof.h"
#include "server/commands/persistence_cmds.h"
#include "server/server.h"

namespace vireo {
namespace {

void CmdSave(ServerContext& ctx) {
  if (ctx.server.bgsave_in_progress()) {
    ctx.reply.Error("ERR Background save already in progress");
    return;
  }
  ctx.server.CountSaveAttempt();  // rdb_saves: every SAVE, as Redis
  std::string error;
  if (ctx.server.SaveRdb(&error)) {
    ctx.reply.Ok();
  } else {
    ctx.reply.Error("ERR");
  }
}

// No fork: the save runs in this process, a slice at a time (see
// Server::StartBgsave); the replies are those of Redis's forked save.
void CmdBgsave(ServerContext& ctx) {
  if (ctx.args.size() > 2 || (ctx.args.size() == 2 && !EqualsNoCase(ctx.args[1], "schedule"))) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  if (ctx.server.bgsave_in_progress()) {
    ctx.reply.Error("ERR Background save already in progress");
    return;
  }
  // Redis never forks inside EXEC, nor beside its AOF rewrite child; here
  // one snapshot runs at a time for the same reason (see SnapshotJob).
  if (ctx.client.in_exec || ctx.server.aof().rewrite_in_progress()) {
    if (ctx.client.in_exec || ctx.args.size() == 2) {
      ctx.server.ScheduleBgsave();
      ctx.reply.SimpleString("Background saving scheduled");
    } else {
      ctx.reply.Error(
          "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to "
          "schedule a BGSAVE whenever possible.");
    }
    return;
  }
  // A save that cannot open its file fails as Redis's child does: after the
  // reply, in the log and in rdb_last_bgsave_status.
  std::string error;
  ctx.server.StartBgsave(&error);
  ctx.reply.SimpleString("Background saving started");
}

void CmdLastsave(ServerContext& ctx) { ctx.reply.Integer(ctx.server.rdb_state().lastsave_sec); }

}  // namespace

bool DebugPersistence(ServerContext& ctx) {
  const auto& a = ctx.args;
  if (EqualsNoCase(a[1], "digest") && a.size() == 2) {
    ctx.reply.SimpleString(DatasetDigestHex(ctx.server.keyspace()));
  } else if (EqualsNoCase(a[1], "digest-value") && a.size() >= 2) {
    ctx.reply.ArrayHeader(a.size() - 2);
    for (size_t i = 2; i < a.size(); ++i) {
      ctx.reply.SimpleString(ValueDigestHex(ctx.db().Lookup(a[i], ctx.now_ms, false)));
    }
  } else if (EqualsNoCase(a[1], "reload")) {
    // DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: MERGE and NOFLUSH need a
    // loader that keeps the old keys, which DEBUG alone would use; refused.
    bool save = true;
    for (size_t i = 2; i < a.size(); ++i) {
      if (EqualsNoCase(a[i], "nosave")) {
        save = false;
      } else if (EqualsNoCase(a[i], "merge") || EqualsNoCase(a[i], "noflush")) {
        ctx.reply.Error("ERR DEBUG RELOAD " + std::string(a[i]) + " is not supported by vireo-server");
        return true;
      } else {
        ctx.reply.Error("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
        return true;
      }
    }
    std::string error;
    if (save && !ctx.server.SaveRdb(&error)) {
      ctx.reply.Error("ERR");
      return true;
    }
    bool missing = false;
    if (!ctx.server.LoadRdb(&error, &missing)) {
      VLOG_WARNING("Error loading the RDB: %s", error.c_str());
      ctx.reply.Error("ERR Error trying to load the RDB dump, check server logs.");
      return true;
    }
    VLOG_NOTICE("DB reloaded by DEBUG RELOAD");
    ctx.reply.Ok();
  } else {
    return false;
  }
  return true;
}

void BindPersistenceCommands(CommandTable& t) {
  t.Bind("save", OnServer<CmdSave>);
  t.Bind("bgsave", OnServer<CmdBgsave>);
  t.Bind("lastsave", OnServer<CmdLastsave>);
}

}  // namespace vireo
