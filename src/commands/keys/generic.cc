// Generic key commands that work on whole keys whatever their type: DEL,
// UNLINK, EXISTS, TYPE, TOUCH, RENAME, RENAMENX, RANDOMKEY, DBSIZE, FLUSHDB,
// FLUSHALL; plus the helpers of the generic family (generic_family.h) and
// BindGenericCommands. TTLs are in expire.cc, KEYS/SCAN in scan.cc, OBJECT in
// object.cc, COPY/MOVE/SWAPDB in generic_db.cc.
#include <climits>
#include <random>
#include <string>

#include "base/numbers.h"
#include "commands/core/args.h"
#include "commands/core/errors.h"
#include "commands/keys/generic_family.h"
#include "engine/database.h"
#include "engine/keyspace.h"
#include "resp/reply_builder.h"

namespace vireo {
namespace generic_cmd {

Entry* LookupRead(CommandContext& ctx, Database& db, std::string_view key, bool touch) {
  return db.LookupRead(key, ctx.now_ms, touch);
}

Entry* LookupWrite(CommandContext& ctx, Database& db, std::string_view key) { return db.LookupWrite(key, ctx.now_ms); }

void ReplyFormattedError(CommandContext& ctx, const char* format, std::string_view arg) {
  std::string msg(format);
  size_t at = msg.find("%s");
  if (at != std::string::npos) msg.replace(at, 2, arg);
  ctx.reply.Error(msg);
}

bool ArgInt32(CommandContext& ctx, size_t i, int* out, const char* error) {
  long long v;
  if (!ParseInt64(ctx.args[i], &v)) {
    ctx.reply.Error(error ? error : err::kNotInteger);
    return false;
  }
  if (v < INT_MIN || v > INT_MAX) {
    ctx.reply.Error(error ? error : err::kIntRange);
    return false;
  }
  *out = int(v);
  return true;
}

namespace {

// DEL and UNLINK. UNLINK hands big values to the background free thread
// (engine/lazy_free.h); DEL does too with lazyfree-lazy-user-del.
void DeleteKeys(CommandContext& ctx, bool unlink) {
  Database& db = ctx.db();
  long long deleted = 0;
  for (size_t i = 1; i < ctx.args.size(); ++i) {
    // The lookup removes an expired key first (counted as expired, not as deleted).
    if (LookupWrite(ctx, db, ctx.args[i]) && db.DeleteByUser(ctx.args[i], unlink)) {
      ++deleted;
      ctx.Modified(ctx.args[i], kNotifyGeneric, "del");
    }
  }
  ctx.reply.Integer(deleted);
}

void CmdDel(CommandContext& ctx) { DeleteKeys(ctx, false); }
void CmdUnlink(CommandContext& ctx) { DeleteKeys(ctx, true); }

// A key named twice counts twice, as in Redis.
void CmdExists(CommandContext& ctx) {
  Database& db = ctx.db();
  long long count = 0;
  for (size_t i = 1; i < ctx.args.size(); ++i) {
    if (LookupRead(ctx, db, ctx.args[i], /*touch=*/false)) ++count;
  }
  ctx.reply.Integer(count);
}

void CmdTouch(CommandContext& ctx) {
  Database& db = ctx.db();
  long long count = 0;
  for (size_t i = 1; i < ctx.args.size(); ++i) {
    if (LookupRead(ctx, db, ctx.args[i], /*touch=*/true)) ++count;
  }
  ctx.reply.Integer(count);
}

void CmdType(CommandContext& ctx) {
  Entry* e = LookupRead(ctx, ctx.db(), ctx.args[1], /*touch=*/false);
  ctx.reply.SimpleString(e ? TypeName(e->type()) : "none");
}

// RENAME (nx=false) and RENAMENX. The value moves with its TTL; the entry is
// re-keyed in place rather than copied.
void RenameGeneric(CommandContext& ctx, bool nx) {
  Database& db = ctx.db();
  std::string_view from = ctx.args[1], to = ctx.args[2];
  if (!LookupWrite(ctx, db, from)) return ctx.reply.Error(err::kNoSuchKey);
  // Renaming a key onto itself changes nothing, but only once it is known to exist.
  if (from == to) {
    if (nx) return ctx.reply.Integer(0);
    return ctx.reply.Ok();
  }
  if (LookupWrite(ctx, db, to)) {
    if (nx) return ctx.reply.Integer(0);
    db.Delete(to);
  }
  Entry* moved = Entry::WithKey(db.Detach(from), to);
  db.Add(moved);
  ctx.Modified(from);
  ctx.Signal(to);
  ctx.Notify(kNotifyGeneric, "rename_from", from);
  ctx.Notify(kNotifyGeneric, "rename_to", to);
  if (nx) return ctx.reply.Integer(1);
  ctx.reply.Ok();
}

void CmdRename(CommandContext& ctx) { RenameGeneric(ctx, false); }
void CmdRenameNx(CommandContext& ctx) { RenameGeneric(ctx, true); }

// Random bits for RANDOMKEY's bucket choice. Not node state (any sequence
// is as good as another), so one generator per thread is shared by every
// node a process might run; seeded from the OS so runs differ.
uint64_t RandomBits() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

// Redis deletes an expired key it picks and tries again, so RANDOMKEY never
// answers a dead key; each retry removes one key, so the loop ends.
// While deletions are paused (CLIENT PAUSE), or on a replica, an expired key
// stays. A replica whose keys all have a TTL answers the 100th pick even if
// it is expired, as Redis 7.0 (its primary's DEL is on the way). Otherwise,
// after 100 expired picks this walks the table once for a live key (nil when
// there is none): Redis 7.0 loops for ever under a pause when every key left
// is expired.
void CmdRandomKey(CommandContext& ctx) {
  Database& db = ctx.db();
  int expired_picks = 0;
  for (;;) {
    Entry* e = db.keys().Random(RandomBits());
    if (!e) return ctx.reply.Null();
    if (!Database::IsExpired(e, ctx.now_ms)) return ctx.reply.Bulk(e->key());
    if (db.MayDeleteExpired(ctx.now_ms)) {
      db.ExpireEntry(e);
      continue;
    }
    if (++expired_picks < 100) continue;
    if (db.HidesExpired() && db.size() == db.expires_size()) return ctx.reply.Bulk(e->key());
    Entry* live = nullptr;
    uint64_t cursor = 0;
    do {
      cursor = db.keys().Scan(cursor, [&](Entry* c) {
        if (!live && !Database::IsExpired(c, ctx.now_ms)) live = c;
      });
    } while (cursor != 0 && !live);
    return live ? ctx.reply.Bulk(live->key()) : ctx.reply.Null();
  }
}

void CmdDbSize(CommandContext& ctx) { ctx.reply.Integer(static_cast<long long>(ctx.db().size())); }

// The optional SYNC / ASYNC argument of FLUSHDB and FLUSHALL; without one,
// lazyfree-lazy-user-flush decides. ASYNC hands big values to the
// background free thread; the entries themselves (slab blocks of this
// thread) are still freed here, so the flush is O(keys) of cheap frees, not
// O(1) as in Redis. False after replying a syntax error.
bool ParseFlushMode(CommandContext& ctx, bool* lazy) {
  *lazy = ctx.keyspace.free_settings().user_flush;
  if (ctx.args.size() == 1) return true;
  if (ctx.args.size() == 2 && (ArgIs(ctx, 1, "sync") || ArgIs(ctx, 1, "async"))) {
    *lazy = ArgIs(ctx, 1, "async");
    return true;
  }
  ctx.reply.Error(err::kSyntax);
  return false;
}

void CmdFlushDb(CommandContext& ctx) {
  bool lazy;
  if (!ParseFlushMode(ctx, &lazy)) return;
  ctx.services.DbModified(ctx.session.db_index);
  ctx.dirty += ctx.db().size();
  ctx.db().Clear(lazy);
  ctx.force_propagate = true;
  ctx.reply.Ok();
}

void CmdFlushAll(CommandContext& ctx) {
  bool lazy;
  if (!ParseFlushMode(ctx, &lazy)) return;
  ctx.services.DbModified(-1);
  ctx.dirty += ctx.keyspace.TotalKeys();
  ctx.keyspace.FlushAll(lazy);
  ctx.force_propagate = true;
  ctx.reply.Ok();
}

}  // namespace
}  // namespace generic_cmd

void BindGenericCommands(CommandTable& t) {
  using namespace generic_cmd;
  t.Bind("del", CmdDel);
  t.Bind("unlink", CmdUnlink);
  t.Bind("exists", CmdExists);
  t.Bind("touch", CmdTouch);
  t.Bind("type", CmdType);
  t.Bind("rename", CmdRename);
  t.Bind("renamenx", CmdRenameNx);
  t.Bind("randomkey", CmdRandomKey);
  t.Bind("dbsize", CmdDbSize);
  t.Bind("flushdb", CmdFlushDb);
  t.Bind("flushall", CmdFlushAll);
  BindExpireCommands(t);
  BindScanCommands(t);
  BindObjectCommands(t);
  BindDbCommands(t);
}

}  // namespace vireo
