#include "persistence/dump_restore_cmds.h"

#include "commands/core/args.h"
#include "commands/core/command.h"
#include "persistence/rdb_reader.h"
#include "persistence/rdb_writer.h"
#include "resp/reply_builder.h"

namespace vireo {
namespace {

void CmdDump(CommandContext& ctx) {
  Entry* e = ctx.db().Lookup(ctx.args[1], ctx.now_ms);
  if (!e) {
    ctx.reply.Null();
    return;
  }
  RdbWriter w;
  w.Object(e);
  w.DumpTrailer();
  ctx.reply.Bulk(w.buffer());
}

// RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
void CmdRestore(CommandContext& ctx) {
  const auto& a = ctx.args;
  bool replace = false, absttl = false;
  long long idle = -1, freq = -1;
  for (size_t j = 4; j < a.size(); ++j) {
    const bool more = j + 1 < a.size();
    if (EqualsNoCase(a[j], "replace")) {
      replace = true;
    } else if (EqualsNoCase(a[j], "absttl")) {
      absttl = true;
    } else if (EqualsNoCase(a[j], "idletime") && more && freq == -1) {
      if (!ArgInt64(ctx, j + 1, &idle)) return;
      if (idle < 0) {
        ctx.reply.Error("ERR Invalid IDLETIME value, must be >= 0");
        return;
      }
      ++j;
    } else if (EqualsNoCase(a[j], "freq") && more && idle == -1) {
      if (!ArgInt64(ctx, j + 1, &freq)) return;
      if (freq < 0 || freq > 255) {
        ctx.reply.Error("ERR Invalid FREQ value, must be >= 0 and <= 255");
        return;
      }
      ++j;
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  Database& db = ctx.db();
  const std::string_view key = a[1];
  if (!replace && db.Lookup(key, ctx.now_ms, false)) {
    ctx.reply.Error("BUSYKEY Target key name already exists.");
    return;
  }
  long long ttl;
  if (!ArgInt64(ctx, 2, &ttl)) return;
  if (ttl < 0) {
    ctx.reply.Error("ERR Invalid TTL value, must be >= 0");
    return;
  }
  std::string error;
  Entry* e = LoadDumpPayload(a[3], key, ctx.limits, &error);
  if (!e) {
    ctx.reply.Error(error);
    return;
  }
  bool deleted = replace && db.Delete(key);
  if (ttl && !absttl) ttl += ctx.now_ms;
  if (ttl && ttl <= ctx.now_ms) {
    // Already expired: the key is not created (an old one was deleted).
    Entry::Free(e);
    if (deleted) {
      ctx.Modified(key, kNotifyGeneric, "del");
      if (ctx.propagating()) ctx.PropagateAs({ctx.limits.lazyfree_lazy_server_del ? "UNLINK" : "DEL", std::string(key)});
    }
    ctx.reply.Ok();
    return;
  }
  if (ttl) e = Entry::WithExpire(e, true, ttl);
  db.Add(e);
  // Redis's objectSetLRUOrLFU: FREQ sets the counter under an LFU policy,
  // IDLETIME sets the clock back otherwise; the other one is ignored.
  const AccessClock& clock = ctx.keyspace.access_clock();
  if (clock.lfu) {
    if (freq >= 0) e->set_lru((clock.minutes << 8) | uint32_t(freq));
  } else if (idle > 0) e->set_lru(uint32_t(ctx.keyspace.lru_clock() - uint64_t(idle)) & Keyspace::kLruMask);
  ctx.Modified(key, kNotifyGeneric, "restore");
  // A relative TTL propagates as an absolute one (the deadline, plus ABSTTL).
  if (ttl && !absttl && ctx.propagating()) {
    ctx.RewritePropagatedArg(2, std::to_string(ttl));
    ctx.RewritePropagatedArg(a.size(), "ABSTTL");
  }
  ctx.reply.Ok();
}

}  // namespace

void BindDumpRestoreCommands(CommandTable& t) {
  t.Bind("dump", CmdDump);
  t.Bind("restore", CmdRestore);
}

}  // namespace vireo
