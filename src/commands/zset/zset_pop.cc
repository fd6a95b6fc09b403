// Sorted-set commands that take elements out or pick them at random:
// ZPOPMIN, ZPOPMAX, ZMPOP, BZPOPMIN, BZPOPMAX, BZMPOP, ZRANDMEMBER.
// The pops share one routine with Redis's reply shapes: flat pairs
// (ZPOPMIN without COUNT, RESP2), nested pairs (COUNT in RESP3, ZMPOP), and
// the key first for the blocking and multi-key forms.
#include <cctype>
#include <cerrno>
#include <climits>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "base/glob.h"
#include "base/numbers.h"
#include "commands/core/args.h"
#include "commands/core/errors.h"
#include "commands/keys/generic_family.h"
#include "commands/zset/zset_family.h"
#include "engine/database.h"
#include "resp/reply_builder.h"

namespace vireo {
namespace zset_cmd {
namespace {

constexpr const char* kCount = "ERR count should be greater than 0";

std::mt19937_64& Rng() {
  // Not node state: any sequence will do, as with RANDOMKEY.
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

// Pops up to `count` elements (-1: one, the plain form) from the first
// non-empty key of `keys`. The caller has checked there is one, or wants
// the empty replies: null array when nil_when_empty, else an empty array.
void PopGeneric(CommandContext& ctx, const std::vector<std::string_view>& keys, bool max, bool emit_key,
                long long count, bool nested, bool nil_when_empty) {
  Entry* e = nullptr;
  ZSetValue* z = nullptr;
  std::string_view key;
  for (std::string_view k : keys) {
    if (!LookupWrite(ctx, k, &e, &z)) return;
    if (z) {
      key = k;
      break;
    }
  }
  if (!z) {
    if (nil_when_empty) return ctx.reply.NullArray();
    return ctx.reply.ArrayHeader(0);
  }
  if (count == 0) return ctx.reply.ArrayHeader(0);
  // BZPOPMIN/BZPOPMAX/[B]ZMPOP propagate as ZPOPMIN/ZPOPMAX (with the count the [B]ZMPOP forms carry).
  if (emit_key && ctx.propagating()) {
    std::vector<std::string> argv{max ? "ZPOPMAX" : "ZPOPMIN", std::string(key)};
    if (count != -1) argv.push_back(std::to_string(count));
    ctx.PropagateAs(std::move(argv));
  }
  if (count == -1) count = 1;
  const size_t n = size_t(count) > z->size() ? z->size() : size_t(count);
  if (!nested && !emit_key) {
    ctx.reply.ArrayHeader(n * 2);
  } else if (nested && !emit_key) {
    ctx.reply.ArrayHeader(n);
  } else if (!nested) {
    ctx.reply.ArrayHeader(n * 2 + 1);
    ctx.reply.Bulk(key);
  } else {
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(key);
    ctx.reply.ArrayHeader(n);
  }
  const size_t len = z->size();
  ZSetValue::Cursor c = z->AtRank(max ? len - 1 : 0);
  for (size_t i = 0; i < n; ++i) {
    if (nested) ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(c.member());
    ctx.reply.Double(c.score());
    if (max) {
      c.Prev();
    } else {
      c.Next();
    }
  }
  if (max) {
    z->EraseRanks(len - n, len - 1);
  } else {
    z->EraseRanks(0, n - 1);
  }
  AfterWrite(ctx, key, e, z, max ? "zpopmax" : "zpopmin");
}

void PopMinMax(CommandContext& ctx, bool max) {
  if (ctx.args.size() > 3) return ctx.reply.Error(err::kSyntax);
  long long count = -1;
  if (ctx.args.size() == 3) {
    // Redis answers a non-integer with the same "must be positive" text.
    if (!ParseInt64(ctx.args[2], &count) || count < 0) return ctx.reply.Error(err::kNotPositive);
  }
  PopGeneric(ctx, {ctx.args[1]}, max, false, count, ctx.reply.proto() > 2 && count != -1, false);
}

void CmdZPopMin(CommandContext& ctx) { PopMinMax(ctx, false); }
void CmdZPopMax(CommandContext& ctx) { PopMinMax(ctx, true); }

// The blocking pops: serve from the first non-empty key, else block.
void BlockingPop(CommandContext& ctx, const std::vector<std::string_view>& keys, bool max, long long count,
                 bool nested, int64_t deadline) {
  for (std::string_view k : keys) {
    Entry* e = generic_cmd::LookupWrite(ctx, ctx.db(), k);
    if (!e) continue;
    if (e->type() != ObjType::kZSet) {
      // A re-run for a blocked client (the key was signalled) ignores a key
      // of another type, as Redis serves only keys of the awaited type.
      if (ctx.session.blocked) continue;
      return ctx.reply.Error(err::kWrongType);
    }
    return PopGeneric(ctx, {k}, max, true, count, nested, nested);
  }
  BlockOnKeys(ctx, keys, deadline, BlockTimeoutReply::kNullArray);
}

void BPopMinMax(CommandContext& ctx, bool max) {
  const auto& a = ctx.args;
  int64_t deadline;
  if (!ArgTimeout(ctx, a.size() - 1, &deadline)) return;
  std::vector<std::string_view> keys(a.begin() + 1, a.end() - 1);
  BlockingPop(ctx, keys, max, -1, false, deadline);
}

void CmdBZPopMin(CommandContext& ctx) { BPopMinMax(ctx, false); }
void CmdBZPopMax(CommandContext& ctx) { BPopMinMax(ctx, true); }

// [B]ZMPOP: numkeys key... MIN|MAX [COUNT n], parsed in Redis's order; the
// blocking form reads its timeout last.
void MPopGeneric(CommandContext& ctx, size_t numkeys_idx, bool block) {
  const auto& a = ctx.args;
  long long numkeys;
  if (!ParseInt64(a[numkeys_idx], &numkeys) || numkeys < 1) return ctx.reply.Error(err::kNumkeysNotPositive);
  if ((unsigned long long)numkeys >= a.size() - numkeys_idx - 1) return ctx.reply.Error(err::kSyntax);
  const size_t where_idx = numkeys_idx + size_t(numkeys) + 1;
  bool max;
  if (EqualsNoCase(a[where_idx], "min")) {
    max = false;
  } else if (EqualsNoCase(a[where_idx], "max")) {
    max = true;
  } else {
    return ctx.reply.Error(err::kSyntax);
  }
  long long count = -1;
  for (size_t j = where_idx + 1; j < a.size(); ++j) {
    if (count == -1 && EqualsNoCase(a[j], "count") && j + 1 < a.size()) {
      ++j;
      if (!ParseInt64(a[j], &count) || count < 1) return ctx.reply.Error(kCount);
    } else {
      return ctx.reply.Error(err::kSyntax);
    }
  }
  if (count == -1) count = 1;
  std::vector<std::string_view> keys(a.begin() + numkeys_idx + 1, a.begin() + where_idx);
  if (!block) return PopGeneric(ctx, keys, max, true, count, true, true);
  int64_t deadline;
  if (!ArgTimeout(ctx, 1, &deadline)) return;
  BlockingPop(ctx, keys, max, count, true, deadline);
}

void CmdZMPop(CommandContext& ctx) { MPopGeneric(ctx, 1, false); }
void CmdBZMPop(CommandContext& ctx) { MPopGeneric(ctx, 2, true); }

// ---- ZRANDMEMBER ----

void RandWithCount(CommandContext& ctx, long long count, bool with_scores) {
  Entry* e;
  ZSetValue* z;
  if (!LookupRead(ctx, ctx.args[1], &e, &z)) return;
  if (!z) return ctx.reply.ArrayHeader(0);
  const size_t size = z->size();
  const bool uniq = count >= 0;
  const unsigned long long n = uniq ? (unsigned long long)count : (unsigned long long)(-count);
  if (n == 0) return ctx.reply.ArrayHeader(0);
  ElementWriter w(ctx, with_scores);
  auto& rng = Rng();
  // Repeats allowed: n independent picks.
  if (!uniq || n == 1) {
    w.Header(size_t(n));
    for (unsigned long long i = 0; i < n; ++i) {
      ZSetValue::Cursor c = z->AtRank(size_t(rng() % size));
      w.Add(c.member(), c.score());
    }
    return;
  }
  // The whole set, from the highest down (Redis walks it from the tail).
  if (n >= size) {
    w.Header(size);
    for (ZSetValue::Cursor c = z->AtRank(size - 1); c.valid(); c.Prev()) w.Add(c.member(), c.score());
    return;
  }
  // n distinct ranks: a partial Fisher-Yates shuffle when n is a large part
  // of the set, rejection sampling otherwise.
  std::vector<size_t> ranks;
  if (n * 3 > size) {
    ranks.resize(size);
    for (size_t i = 0; i < size; ++i) ranks[i] = i;
    for (size_t i = 0; i < n; ++i) std::swap(ranks[i], ranks[i + rng() % (size - i)]);
    ranks.resize(size_t(n));
  } else {
    std::unordered_set<size_t> seen;
    while (ranks.size() < n) {
      size_t r = rng() % size;
      if (seen.insert(r).second) ranks.push_back(r);
    }
  }
  w.Header(size_t(n));
  for (size_t r : ranks) {
    ZSetValue::Cursor c = z->AtRank(r);
    w.Add(c.member(), c.score());
  }
}

void CmdZRandMember(CommandContext& ctx) {
  const auto& a = ctx.args;
  if (a.size() >= 3) {
    long long l;
    if (!ArgInt64(ctx, 2, &l)) return;
    if (l < -LLONG_MAX) {
      return ctx.reply.Error(err::kCountRangeLong);
    }
    bool with_scores = false;
    if (a.size() > 4 || (a.size() == 4 && !EqualsNoCase(a[3], "withscores"))) return ctx.reply.Error(err::kSyntax);
    if (a.size() == 4) {
      with_scores = true;
      if (l < -LLONG_MAX / 2 || l > LLONG_MAX / 2) return ctx.reply.Error("ERR value is out of range");
    }
    return RandWithCount(ctx, l, with_scores);
  }
  Entry* e;
  ZSetValue* z;
  if (!LookupRead(ctx, a[1], &e, &z)) return;
  if (!z) return ctx.reply.Null();
  ZSetValue::Cursor c = z->AtRank(size_t(Rng()() % z->size()));
  ctx.reply.Bulk(c.member());
}

}  // namespace

void BindPopCommands(CommandTable& t) {
  t.Bind("zpopmin", CmdZPopMin);
  t.Bind("zpopmax", CmdZPopMax);
  t.Bind("zmpop", CmdZMPop);
  t.Bind("bzpopmin", CmdBZPopMin);
  t.Bind("bzpopmax", CmdBZPopMax);
  t.Bind("bzmpop", CmdBZMPop);
  t.Bind("zrandmember", CmdZRandMember);
}

}  // namespace zset_cmd
}  // namespace vireo
