// Sorted-set algebra: ZUNION, ZINTER, ZDIFF, their STORE forms, and
// ZINTERCARD. Inputs may be sorted sets or plain sets (members scoring 1).
// As in Redis, the inputs are looked up (WRONGTYPE) before the options are
// parsed, union and intersection visit the inputs from the smallest to the
// largest (which fixes the order floating-point sums are taken in), and a
// weighted score that comes out NaN (inf * 0) counts as 0.
#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/numbers.h"
#include "commands/core/args.h"
#include "commands/core/errors.h"
#include "commands/keys/generic_family.h"
#include "commands/zset/zset_family.h"
#include "engine/database.h"
#include "resp/reply_builder.h"
#include "types/set_value.h"

namespace vireo {
namespace zset_cmd {
namespace {

enum class Op { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };

struct Source {
  Entry* entry = nullptr;  // nullptr: missing key, an empty input
  double weight = 1;
  size_t size() const {
    if (!entry) return 0;
    if (entry->type() == ObjType::kZSet) return ZSetOf(entry)->size();
    return SetValue(entry->object()).size();
  }
  // Calls fn(member, score) for every element.
  template <class Fn>
  void ForEach(Fn&& fn) const {
    if (!entry) return;
    if (entry->type() == ObjType::kSet) {
      SetValue(entry->object()).ForEach([&](std::string_view m) { fn(m, 1.0); });
      return;
    }
    for (ZSetValue::Cursor c = ZSetOf(entry)->AtRank(0); c.valid(); c.Next()) fn(c.member(), c.score());
  }
  bool Find(std::string_view m, double* score) const {
    if (!entry) return false;
    if (entry->type() == ObjType::kSet) {
      *score = 1.0;
      return SetValue(entry->object()).Contains(m);
    }
    return ZSetOf(entry)->Score(m, score);
  }
};

void Combine(double* target, double v, Aggregate agg) {
  switch (agg) {
    case Aggregate::kSum:
      *target += v;
      if (std::isnan(*target)) *target = 0;  // inf + -inf
      break;
    case Aggregate::kMin:
      *target = v < *target ? v : *target;
      break;
    case Aggregate::kMax:
      *target = v > *target ? v : *target;
      break;
  }
}

using Result = std::vector<std::pair<std::string, double>>;

void Union(std::vector<Source>& src, Aggregate agg, Result* out) {
  std::unordered_map<std::string, double> acc;
  for (const Source& s : src) {
    s.ForEach([&](std::string_view m, double v) {
      double score = s.weight * v;
      if (std::isnan(score)) score = 0;
      auto [it, fresh] = acc.try_emplace(std::string(m), score);
      if (!fresh) Combine(&it->second, score, agg);
    });
  }
  out->reserve(acc.size());
  for (auto& [m, s] : acc) out->emplace_back(m, s);
}

// With limit > 0 (ZINTERCARD) stops counting at limit; *count gets the size.
void Inter(std::vector<Source>& src, Aggregate agg, Result* out, size_t* count, size_t limit) {
  *count = 0;
  if (src[0].size() == 0) return;
  bool stop = false;
  src[0].ForEach([&](std::string_view m, double v) {
    if (stop) return;
    double score = src[0].weight * v;
    if (std::isnan(score)) score = 0;
    for (size_t j = 1; j < src.size(); ++j) {
      double value;
      if (src[j].entry == src[0].entry) {
        value = v * src[j].weight;
      } else if (src[j].Find(m, &value)) {
        value *= src[j].weight;
      } else {
        return;
      }
      Combine(&score, value, agg);
    }
    ++*count;
    if (out) out->emplace_back(std::string(m), score);
    if (limit && *count >= limit) stop = true;
  });
}

void Diff(std::vector<Source>& src, Result* out) {
  src[0].ForEach([&](std::string_view m, double v) {
    double ignored;
    for (size_t j = 1; j < src.size(); ++j) {
      if (src[j].Find(m, &ignored)) return;
    }
    out->emplace_back(std::string(m), v);
  });
}

// ZUNION/ZINTER/ZDIFF numkeys key... [WEIGHTS w...] [AGGREGATE a] [WITHSCORES],
// the STORE forms (dst first, no WITHSCORES) and ZINTERCARD numkeys key... [LIMIT n].
void AlgebraGeneric(CommandContext& ctx, size_t numkeys_idx, bool store, Op op, bool card_only) {
  const auto& a = ctx.args;
  long long setnum;
  if (!ArgInt64(ctx, numkeys_idx, &setnum)) return;
  if (setnum < 1) {
    std::string lower;
    generic_cmd::ReplyFormattedError(ctx, "ERR at least 1 input key is needed for '%s' command",
                                     ToLower(a[0], &lower));
    return;
  }
  if ((unsigned long long)setnum > a.size() - numkeys_idx - 1) return ctx.reply.Error(err::kSyntax);

  std::vector<Source> src(static_cast<size_t>(setnum));
  size_t j = numkeys_idx + 1;
  for (size_t i = 0; i < src.size(); ++i, ++j) {
    Entry* e = store ? generic_cmd::LookupWrite(ctx, ctx.db(), a[j])
                     : generic_cmd::LookupRead(ctx, ctx.db(), a[j], /*touch=*/true);
    if (e && e->type() != ObjType::kZSet && e->type() != ObjType::kSet) return ctx.reply.Error(err::kWrongType);
    src[i].entry = e;
  }

  Aggregate agg = Aggregate::kSum;
  bool with_scores = false;
  size_t limit = 0;
  while (j < a.size()) {
    const size_t remaining = a.size() - j;
    if (op != Op::kDiff && !card_only && remaining >= src.size() + 1 && EqualsNoCase(a[j], "weights")) {
      ++j;
      for (size_t i = 0; i < src.size(); ++i, ++j) {
        if (!ArgDouble(ctx, j, &src[i].weight, "ERR weight value is not a float")) return;
      }
    } else if (op != Op::kDiff && !card_only && remaining >= 2 && EqualsNoCase(a[j], "aggregate")) {
      if (EqualsNoCase(a[j + 1], "sum")) {
        agg = Aggregate::kSum;
      } else if (EqualsNoCase(a[j + 1], "min")) {
        agg = Aggregate::kMin;
      } else if (EqualsNoCase(a[j + 1], "max")) {
        agg = Aggregate::kMax;
      } else {
        return ctx.reply.Error(err::kSyntax);
      }
      j += 2;
    } else if (!store && !card_only && EqualsNoCase(a[j], "withscores")) {
      with_scores = true;
      ++j;
    } else if (card_only && remaining >= 2 && EqualsNoCase(a[j], "limit")) {
      long long l;
      if (!ParseInt64(a[j + 1], &l) || l < 0) return ctx.reply.Error("ERR LIMIT can't be negative");
      limit = size_t(l);
      j += 2;
    } else {
      return ctx.reply.Error(err::kSyntax);
    }
  }

  if (op != Op::kDiff) {
    std::stable_sort(src.begin(), src.end(), [](const Source& x, const Source& y) { return x.size() < y.size(); });
  }
  Result result;
  size_t count = 0;
  if (op == Op::kUnion) {
    Union(src, agg, &result);
  } else if (op == Op::kInter) {
    Inter(src, agg, card_only ? nullptr : &result, &count, limit);
  } else {
    Diff(src, &result);
  }
  if (card_only) return ctx.reply.Integer((long long)count);
  std::sort(result.begin(), result.end(), [](const auto& x, const auto& y) {
    return x.second < y.second || (x.second == y.second && x.first < y.first);
  });
  if (store) {
    StoreSorted(ctx, a[1], result,
                op == Op::kUnion ? "zunionstore" : op == Op::kInter ? "zinterstore" : "zdiffstore");
    return ctx.reply.Integer((long long)result.size());
  }
  ElementWriter w(ctx, with_scores);
  w.Header(result.size());
  for (const auto& [m, s] : result) w.Add(m, s);
}

void CmdZUnion(CommandContext& ctx) { AlgebraGeneric(ctx, 1, false, Op::kUnion, false); }
void CmdZInter(CommandContext& ctx) { AlgebraGeneric(ctx, 1, false, Op::kInter, false); }
void CmdZDiff(CommandContext& ctx) { AlgebraGeneric(ctx, 1, false, Op::kDiff, false); }
void CmdZUnionStore(CommandContext& ctx) { AlgebraGeneric(ctx, 2, true, Op::kUnion, false); }
void CmdZInterStore(CommandContext& ctx) { AlgebraGeneric(ctx, 2, true, Op::kInter, false); }
void CmdZDiffStore(CommandContext& ctx) { AlgebraGeneric(ctx, 2, true, Op::kDiff, false); }
void CmdZInterCard(CommandContext& ctx) { AlgebraGeneric(ctx, 1, false, Op::kInter, true); }

}  // namespace

void BindAlgebraCommands(CommandTable& t) {
  t.Bind("zunion", CmdZUnion);
  t.Bind("zinter", CmdZInter);
  t.Bind("zdiff", CmdZDiff);
  t.Bind("zunionstore", CmdZUnionStore);
  t.Bind("zinterstore", CmdZInterStore);
  t.Bind("zdiffstore", CmdZDiffStore);
  t.Bind("zintercard", CmdZInterCard);
}

}  // namespace zset_cmd
}  // namespace vireo
