// Hash commands that only read: HGET, HMGET, HEXISTS, HLEN, HSTRLEN, HKEYS,
// HVALS, HGETALL.
#include "commands/core/args.h"
#include "commands/core/errors.h"
#include "commands/hash/hash_family.h"
#include "resp/reply_builder.h"

namespace vireo::hash_cmd {
namespace {

void CmdHget(CommandContext& ctx) {
  Entry* e;
  if (!LookupHashRead(ctx, ctx.args[1], &e)) return;
  char scratch[HashValue::kScratch];
  std::string_view v;
  if (e && HashOf(e)->Get(ctx.args[2], &v, scratch)) return ctx.reply.Bulk(v);
  ctx.reply.Null();
}

void CmdHmget(CommandContext& ctx) {
  Entry* e;
  if (!LookupHashRead(ctx, ctx.args[1], &e)) return;
  HashValue* h = e ? HashOf(e) : nullptr;
  ctx.reply.ArrayHeader(ctx.args.size() - 2);
  char scratch[HashValue::kScratch];
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    std::string_view v;
    if (h && h->Get(ctx.args[i], &v, scratch)) {
      ctx.reply.Bulk(v);
    } else {
      ctx.reply.Null();
    }
  }
}

void CmdHexists(CommandContext& ctx) {
  Entry* e;
  if (!LookupHashRead(ctx, ctx.args[1], &e)) return;
  ctx.reply.Integer(e && HashOf(e)->Exists(ctx.args[2]) ? 1 : 0);
}

void CmdHlen(CommandContext& ctx) {
  Entry* e;
  if (!LookupHashRead(ctx, ctx.args[1], &e)) return;
  ctx.reply.Integer(e ? (long long)HashOf(e)->size() : 0);
}

void CmdHstrlen(CommandContext& ctx) {
  Entry* e;
  if (!LookupHashRead(ctx, ctx.args[1], &e)) return;
  char scratch[HashValue::kScratch];
  std::string_view v;
  ctx.reply.Integer(e && HashOf(e)->Get(ctx.args[2], &v, scratch) ? (long long)v.size() : 0);
}

enum Parts { kFields = 1, kValues = 2 };

// HKEYS, HVALS and HGETALL; HGETALL is a map in RESP3.
void GetAll(CommandContext& ctx, int parts) {
  Entry* e;
  if (!LookupHashRead(ctx, ctx.args[1], &e)) return;
  const size_t n = e ? HashOf(e)->size() : 0;
  if (parts == (kFields | kValues)) {
    ctx.reply.MapHeader(n);
  } else {
    ctx.reply.ArrayHeader(n);
  }
  if (!e) return;
  HashOf(e)->ForEach([&](std::string_view f, std::string_view v) {
    if (parts & kFields) ctx.reply.Bulk(f);
    if (parts & kValues) ctx.reply.Bulk(v);
  });
}

void CmdHkeys(CommandContext& ctx) { GetAll(ctx, kFields); }
void CmdHvals(CommandContext& ctx) { GetAll(ctx, kValues); }
void CmdHgetall(CommandContext& ctx) { GetAll(ctx, kFields | kValues); }

}  // namespace

void BindHashReadCommands(CommandTable& t) {
  t.Bind("hget", CmdHget);
  t.Bind("hmget", CmdHmget);
  t.Bind("hexists", CmdHexists);
  t.Bind("hlen", CmdHlen);
  t.Bind("hstrlen", CmdHstrlen);
  t.Bind("hkeys", CmdHkeys);
  t.Bind("hvals", CmdHvals);
  t.Bind("hgetall", CmdHgetall);
}

}  // namespace vireo::hash_cmd
