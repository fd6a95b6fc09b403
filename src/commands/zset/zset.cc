// Sorted-set point commands: ZADD, ZINCRBY, ZREM, ZCARD, ZSCORE, ZMSCORE,
// ZRANK, ZREVRANK, ZCOUNT, ZLEXCOUNT; the helpers of zset_family.h; and the
// binding of the whole family with its TypeOps.
#include <cmath>
#include <string>

#include "commands/core/args.h"
#include "commands/core/errors.h"
#include "commands/keys/generic_family.h"
#include "commands/zset/zset_family.h"
#include "engine/database.h"
#include "engine/type_ops.h"
#include "resp/reply_builder.h"

namespace vireo {
namespace zset_cmd {

ZSetLimits Limits(CommandContext& ctx) {
  const auto& cfg = ctx.limits;
  ZSetLimits l;
  l.max_listpack_entries = size_t(cfg.zset_max_listpack_entries);
  l.max_listpack_value = size_t(cfg.zset_max_listpack_value);
  return l;
}

static bool CheckZSet(CommandContext& ctx, Entry* found, Entry** e, ZSetValue** z) {
  *e = found;
  *z = nullptr;
  if (!found) return true;
  if (found->type() != ObjType::kZSet) {
    ctx.reply.Error(err::kWrongType);
    return false;
  }
  *z = ZSetOf(found);
  return true;
}

bool LookupRead(CommandContext& ctx, std::string_view key, Entry** e, ZSetValue** z) {
  return CheckZSet(ctx, generic_cmd::LookupRead(ctx, ctx.db(), key, /*touch=*/true), e, z);
}

bool LookupWrite(CommandContext& ctx, std::string_view key, Entry** e, ZSetValue** z) {
  return CheckZSet(ctx, generic_cmd::LookupWrite(ctx, ctx.db(), key), e, z);
}

static Encoding EncodingOf(const ZSetValue* z) {
  return z->is_listpack() ? Encoding::kListpack : Encoding::kSkiplist;
}

void AfterWrite(CommandContext& ctx, std::string_view key, Entry* e, ZSetValue* z, const char* event) {
  if (z->size() != 0 && e->encoding() != EncodingOf(z)) e->set_encoding(EncodingOf(z));
  if (event) ctx.Modified(key, kNotifyZSet, event);
  if (z->size() == 0) {
    ctx.db().Delete(key);
    ctx.Notify(kNotifyGeneric, "del", key);
  }
}

void StoreSorted(CommandContext& ctx, std::string_view dst,
                 const std::vector<std::pair<std::string, double>>& sorted, const char* event) {
  if (sorted.empty()) {
    if (ctx.db().Delete(dst)) ctx.Modified(dst, kNotifyGeneric, "del");
    return;
  }
  ZSetValue* z = ZSetValue::FromSorted(sorted, Limits(ctx));
  ctx.db().Overwrite(Entry::NewObject(dst, ObjType::kZSet, EncodingOf(z), z));
  ctx.Modified(dst, kNotifyZSet, event);
}

void ElementWriter::Header(size_t n) {
  ctx_.reply.ArrayHeader(with_scores_ && ctx_.reply.proto() == 2 ? n * 2 : n);
  mark_ = SIZE_MAX;
}

void ElementWriter::Begin() {
  mark_ = ctx_.reply.BeginDeferred();
  count_ = 0;
}

void ElementWriter::Add(std::string_view member, double score) {
  if (with_scores_ && ctx_.reply.proto() > 2) ctx_.reply.ArrayHeader(2);
  ctx_.reply.Bulk(member);
  if (with_scores_) ctx_.reply.Double(score);
  ++count_;
}

void ElementWriter::End() {
  if (mark_ == SIZE_MAX) return;
  ctx_.reply.EndDeferredArray(mark_, with_scores_ && ctx_.reply.proto() == 2 ? count_ * 2 : count_);
}

bool ArgScoreRange(CommandContext& ctx, size_t min, size_t max, ScoreRange* r) {
  if (ParseScoreRange(ctx.args[min], ctx.args[max], r)) return true;
  ctx.reply.Error(kMinMaxNotFloat);
  return false;
}

bool ArgLexRange(CommandContext& ctx, size_t min, size_t max, LexRange* r) {
  if (ParseLexRange(ctx.args[min], ctx.args[max], r)) return true;
  ctx.reply.Error(kMinMaxNotLex);
  return false;
}

namespace {

// ZADD and ZINCRBY. Every check happens before the key is touched, in
// Redis's order: options, pair count, conflicts, then every score.
void ZAddGeneric(CommandContext& ctx, int flags) {
  const auto& a = ctx.args;
  bool ch = false;
  size_t i = 2;
  for (; i < a.size(); ++i) {
    if (EqualsNoCase(a[i], "nx")) {
      flags |= ZSetValue::kNx;
    } else if (EqualsNoCase(a[i], "xx")) {
      flags |= ZSetValue::kXx;
    } else if (EqualsNoCase(a[i], "ch")) {
      ch = true;
    } else if (EqualsNoCase(a[i], "incr")) {
      flags |= ZSetValue::kIncr;
    } else if (EqualsNoCase(a[i], "gt")) {
      flags |= ZSetValue::kGt;
    } else if (EqualsNoCase(a[i], "lt")) {
      flags |= ZSetValue::kLt;
    } else {
      break;
    }
  }
  const size_t first = i;
  const size_t args_left = a.size() - first;
  if (args_left == 0 || args_left % 2 != 0) return ctx.reply.Error(err::kSyntax);
  const size_t pairs = args_left / 2;
  const bool nx = flags & ZSetValue::kNx, xx = flags & ZSetValue::kXx, gt = flags & ZSetValue::kGt,
             lt = flags & ZSetValue::kLt, incr = flags & ZSetValue::kIncr;
  if (nx && xx) return ctx.reply.Error("ERR XX and NX options at the same time are not compatible");
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    return ctx.reply.Error("ERR GT, LT, and/or NX options at the same time are not compatible");
  }
  if (incr && pairs > 1) return ctx.reply.Error("ERR INCR option supports a single increment-element pair");
  std::vector<double> scores(pairs);
  for (size_t j = 0; j < pairs; ++j) {
    if (!ArgDouble(ctx, first + 2 * j, &scores[j])) return;
  }

  Entry* e;
  ZSetValue* z;
  if (!LookupWrite(ctx, a[1], &e, &z)) return;
  if (!z && xx) {
    if (incr) return ctx.reply.Null();
    return ctx.reply.Integer(0);
  }
  const ZSetLimits lim = Limits(ctx);
  const bool created = z == nullptr;
  if (created) z = ZSetValue::CreateFor(a[first + 1], lim);

  long long added = 0, updated = 0, processed = 0;
  double score = 0;
  bool nan = false;
  for (size_t j = 0; j < pairs; ++j) {
    double out;
    ZSetValue::AddResult r = z->Add(a[first + 2 * j + 1], scores[j], flags, lim, &out);
    if (r == ZSetValue::AddResult::kNaN) {
      nan = true;
      break;
    }
    if (r == ZSetValue::AddResult::kAdded) ++added;
    if (r == ZSetValue::AddResult::kUpdated) ++updated;
    if (r != ZSetValue::AddResult::kNop) {
      ++processed;
      score = out;
    }
  }
  if (created) {
    if (z->size() == 0) {
      ZSetValue::Free(z);
    } else {
      ctx.db().Add(Entry::NewObject(a[1], ObjType::kZSet, EncodingOf(z), z));
    }
    if (added || updated) ctx.Modified(a[1], kNotifyZSet, incr ? "zincr" : "zadd");
  } else {
    AfterWrite(ctx, a[1], e, z, added || updated ? (incr ? "zincr" : "zadd") : nullptr);
    if (added) SignalKeyReady(ctx, a[1]);
  }
  if (nan) return ctx.reply.Error("ERR resulting score is not a number (NaN)");
  if (incr) {
    if (processed) return ctx.reply.Double(score);
    return ctx.reply.Null();
  }
  ctx.reply.Integer(ch ? added + updated : added);
}

void CmdZAdd(CommandContext& ctx) { ZAddGeneric(ctx, 0); }

// ZINCRBY key increment member: ZADD INCR with the same checks; it has no options.
void CmdZIncrBy(CommandContext& ctx) { ZAddGeneric(ctx, ZSetValue::kIncr); }

void CmdZRem(CommandContext& ctx) {
  Entry* e;
  ZSetValue* z;
  if (!LookupWrite(ctx, ctx.args[1], &e, &z)) return;
  if (!z) return ctx.reply.Integer(0);
  long long removed = 0;
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    if (z->Remove(ctx.args[i])) ++removed;
    if (z->size() == 0) break;
  }
  AfterWrite(ctx, ctx.args[1], e, z, removed ? "zrem" : nullptr);
  ctx.reply.Integer(removed);
}

void CmdZCard(CommandContext& ctx) {
  Entry* e;
  ZSetValue* z;
  if (!LookupRead(ctx, ctx.args[1], &e, &z)) return;
  ctx.reply.Integer(z ? (long long)z->size() : 0);
}

void CmdZScore(CommandContext& ctx) {
  Entry* e;
  ZSetValue* z;
  if (!LookupRead(ctx, ctx.args[1], &e, &z)) return;
  double s;
  if (!z || !z->Score(ctx.args[2], &s)) return ctx.reply.Null();
  ctx.reply.Double(s);
}

void CmdZMScore(CommandContext& ctx) {
  Entry* e;
  ZSetValue* z;
  if (!LookupRead(ctx, ctx.args[1], &e, &z)) return;
  ctx.reply.ArrayHeader(ctx.args.size() - 2);
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    double s;
    if (z && z->Score(ctx.args[i], &s)) {
      ctx.reply.Double(s);
    } else {
      ctx.reply.Null();
    }
  }
}

void RankGeneric(CommandContext& ctx, bool reverse) {
  Entry* e;
  ZSetValue* z;
  if (!LookupRead(ctx, ctx.args[1], &e, &z)) return;
  size_t rank;
  if (!z || !z->Rank(ctx.args[2], reverse, &rank)) return ctx.reply.Null();
  ctx.reply.Integer((long long)rank);
}

void CmdZRank(CommandContext& ctx) { RankGeneric(ctx, false); }
void CmdZRevRank(CommandContext& ctx) { RankGeneric(ctx, true); }

void CmdZCount(CommandContext& ctx) {
  ScoreRange r;
  if (!ArgScoreRange(ctx, 2, 3, &r)) return;
  Entry* e;
  ZSetValue* z;
  if (!LookupRead(ctx, ctx.args[1], &e, &z)) return;
  ctx.reply.Integer(z ? (long long)z->Count(r) : 0);
}

void CmdZLexCount(CommandContext& ctx) {
  LexRange r;
  if (!ArgLexRange(ctx, 2, 3, &r)) return;
  Entry* e;
  ZSetValue* z;
  if (!LookupRead(ctx, ctx.args[1], &e, &z)) return;
  ctx.reply.Integer(z ? (long long)z->Count(r) : 0);
}

}  // namespace

void ZAdd(CommandContext& ctx) { ZAddGeneric(ctx, 0); }

}  // namespace zset_cmd

void BindZSetCommands(CommandTable& t) {
  using namespace zset_cmd;
  t.Bind("zadd", CmdZAdd);
  t.Bind("zincrby", CmdZIncrBy);
  t.Bind("zrem", CmdZRem);
  t.Bind("zcard", CmdZCard);
  t.Bind("zscore", CmdZScore);
  t.Bind("zmscore", CmdZMScore);
  t.Bind("zrank", CmdZRank);
  t.Bind("zrevrank", CmdZRevRank);
  t.Bind("zcount", CmdZCount);
  t.Bind("zlexcount", CmdZLexCount);
  BindRangeCommands(t);
  BindPopCommands(t);
  BindScanCommands(t);
  BindAlgebraCommands(t);
}

}  // namespace vireo
