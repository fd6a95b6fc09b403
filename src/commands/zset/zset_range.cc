// Sorted-set range commands: ZRANGE (BYSCORE BYLEX REV LIMIT WITHSCORES),
// ZRANGESTORE, ZREVRANGE, ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZRANGEBYLEX,
// ZREVRANGEBYLEX, and ZREMRANGEBYRANK/SCORE/LEX. All of ZRANGE's forms go
// through one parser, as in Redis, so their option checks and errors agree.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "commands/core/args.h"
#include "commands/core/errors.h"
#include "commands/zset/zset_family.h"
#include "engine/database.h"
#include "resp/reply_builder.h"

namespace vireo {
namespace zset_cmd {
namespace {

enum class By { kAuto, kRank, kScore, kLex };
enum class Dir { kAuto, kForward, kReverse };

// Where a range's elements go: to the client, or collected for ZRANGESTORE.
class RangeSink {
 public:
  RangeSink(CommandContext& ctx, bool store, bool with_scores)
      : ctx_(ctx), store_(store), writer_(ctx, with_scores) {}
  void Begin(long long known) {
    known_ = known;
    if (store_) return;
    if (known >= 0) {
      writer_.Header(size_t(known));
    } else {
      writer_.Begin();
    }
  }
  void Add(std::string_view m, double s) {
    if (store_) {
      out_.emplace_back(std::string(m), s);
    } else {
      writer_.Add(m, s);
    }
  }
  void End(std::string_view dst, bool reversed) {
    if (!store_) return writer_.End();
    ListpackPrefix();
    if (reversed) std::reverse(out_.begin(), out_.end());
    StoreSorted(ctx_, dst, out_, "zrangestore");
    ctx_.reply.Integer((long long)out_.size());
  }

 private:
  // Redis builds the result as a listpack unless its length is known to be
  // too large, adding the elements in range order and converting when one
  // no longer fits. The scores stored before that went through the
  // listpack's text, where -0 becomes 0; the same happens here.
  void ListpackPrefix() {
    const ZSetLimits lim = Limits(ctx_);
    if (known_ > (long long)lim.max_listpack_entries) return;
    for (size_t i = 0; i < out_.size(); ++i) {
      if (i + 1 > lim.max_listpack_entries || out_[i].first.size() > lim.max_listpack_value) return;
      if (out_[i].second == 0) out_[i].second = 0.0;
    }
  }

  CommandContext& ctx_;
  bool store_;
  long long known_ = -1;
  ElementWriter writer_;
  std::vector<std::pair<std::string, double>> out_;
};

void RangeByRank(ZSetValue* z, long long start, long long end, bool rev, RangeSink* sink) {
  const long long len = (long long)z->size();
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (start > end || start >= len) {
    sink->Begin(0);
    return;
  }
  if (end >= len) end = len - 1;
  long long n = end - start + 1;
  sink->Begin(n);
  ZSetValue::Cursor c = z->AtRank(size_t(rev ? len - 1 - start : start));
  for (; n > 0 && c.valid(); --n) {
    sink->Add(c.member(), c.score());
    if (rev) {
      c.Prev();
    } else {
      c.Next();
    }
  }
}

// Score and lex ranges: start at the first element inside (the last, going
// backwards), skip `offset` elements without checking them, then emit while
// inside, at most `limit`, as Redis does.
template <class Range, class InRange>
void RangeByBound(ZSetValue* z, const Range& r, bool rev, long long offset, long long limit, RangeSink* sink,
                  InRange in_range) {
  sink->Begin(-1);
  // A negative offset skips everything; a negative limit means no limit.
  if (offset < 0 || (offset > 0 && offset >= (long long)z->size())) return;
  ZSetValue::Cursor c = rev ? z->LastIn(r) : z->FirstIn(r);
  auto step = [&] {
    if (rev) {
      c.Prev();
    } else {
      c.Next();
    }
  };
  for (; c.valid() && offset > 0; --offset) step();
  for (; c.valid() && limit != 0; limit = limit > 0 ? limit - 1 : limit) {
    if (!in_range(c)) break;
    sink->Add(c.member(), c.score());
    step();
  }
}

void RangeGeneric(CommandContext& ctx, size_t key_idx, bool store, By by, Dir dir) {
  const auto& a = ctx.args;
  bool with_scores = false;
  long long offset = 0, limit = -1;
  for (size_t j = key_idx + 3; j < a.size(); ++j) {
    const size_t left = a.size() - j - 1;
    if (!store && EqualsNoCase(a[j], "withscores")) {
      with_scores = true;
    } else if (EqualsNoCase(a[j], "limit") && left >= 2) {
      if (!ArgInt64(ctx, j + 1, &offset) || !ArgInt64(ctx, j + 2, &limit)) return;
      j += 2;
    } else if (dir == Dir::kAuto && EqualsNoCase(a[j], "rev")) {
      dir = Dir::kReverse;
    } else if (by == By::kAuto && EqualsNoCase(a[j], "bylex")) {
      by = By::kLex;
    } else if (by == By::kAuto && EqualsNoCase(a[j], "byscore")) {
      by = By::kScore;
    } else {
      return ctx.reply.Error(err::kSyntax);
    }
  }
  if (dir == Dir::kAuto) dir = Dir::kForward;
  if (by == By::kAuto) by = By::kRank;
  if (limit != -1 && by == By::kRank) {
    return ctx.reply.Error("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
  }
  if (with_scores && by == By::kLex) {
    return ctx.reply.Error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
  }
  const bool rev = dir == Dir::kReverse;
  size_t min_idx = key_idx + 1, max_idx = key_idx + 2;
  // BYSCORE/BYLEX with REV take the range as max, min.
  if (rev && by != By::kRank) std::swap(min_idx, max_idx);

  long long start = 0, end = 0;
  ScoreRange sr;
  LexRange lr;
  if (by == By::kRank) {
    if (!ArgInt64(ctx, min_idx, &start) || !ArgInt64(ctx, max_idx, &end)) return;
  } else if (by == By::kScore) {
    if (!ArgScoreRange(ctx, min_idx, max_idx, &sr)) return;
  } else if (!ArgLexRange(ctx, min_idx, max_idx, &lr)) {
    return;
  }

  Entry* e;
  ZSetValue* z;
  if (!LookupRead(ctx, a[key_idx], &e, &z)) return;
  RangeSink sink(ctx, store, with_scores);
  std::string_view dst = store ? a[1] : std::string_view();
  if (!z) {
    if (!store) return ctx.reply.ArrayHeader(0);
    sink.End(dst, rev);
    return;
  }
  if (by == By::kRank) {
    RangeByRank(z, start, end, rev, &sink);
  } else if (by == By::kScore) {
    RangeByBound(z, sr, rev, offset, limit, &sink, [&](ZSetValue::Cursor& c) {
      return rev ? sr.AboveMin(c.score()) : sr.BelowMax(c.score());
    });
  } else {
    RangeByBound(z, lr, rev, offset, limit, &sink, [&](ZSetValue::Cursor& c) {
      return rev ? lr.AboveMin(c.member()) : lr.BelowMax(c.member());
    });
  }
  sink.End(dst, rev);
}

void CmdZRange(CommandContext& ctx) { RangeGeneric(ctx, 1, false, By::kAuto, Dir::kAuto); }
void CmdZRangeStore(CommandContext& ctx) { RangeGeneric(ctx, 2, true, By::kAuto, Dir::kAuto); }
void CmdZRevRange(CommandContext& ctx) { RangeGeneric(ctx, 1, false, By::kRank, Dir::kReverse); }
void CmdZRangeByScore(CommandContext& ctx) { RangeGeneric(ctx, 1, false, By::kScore, Dir::kForward); }
void CmdZRevRangeByScore(CommandContext& ctx) { RangeGeneric(ctx, 1, false, By::kScore, Dir::kReverse); }
void CmdZRangeByLex(CommandContext& ctx) { RangeGeneric(ctx, 1, false, By::kLex, Dir::kForward); }
void CmdZRevRangeByLex(CommandContext& ctx) { RangeGeneric(ctx, 1, false, By::kLex, Dir::kReverse); }

// ZREMRANGEBY*: the range is parsed before the key is looked up.
void RemRangeGeneric(CommandContext& ctx, By by) {
  long long start = 0, end = 0;
  ScoreRange sr;
  LexRange lr;
  if (by == By::kRank) {
    if (!ArgInt64(ctx, 2, &start) || !ArgInt64(ctx, 3, &end)) return;
  } else if (by == By::kScore) {
    if (!ArgScoreRange(ctx, 2, 3, &sr)) return;
  } else if (!ArgLexRange(ctx, 2, 3, &lr)) {
    return;
  }
  Entry* e;
  ZSetValue* z;
  if (!LookupWrite(ctx, ctx.args[1], &e, &z)) return;
  if (!z) return ctx.reply.Integer(0);
  size_t removed;
  if (by == By::kRank) {
    const long long len = (long long)z->size();
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (start > end || start >= len) return ctx.reply.Integer(0);
    if (end >= len) end = len - 1;
    removed = z->EraseRanks(size_t(start), size_t(end));
  } else if (by == By::kScore) {
    removed = z->Erase(sr);
  } else {
    removed = z->Erase(lr);
  }
  static const char* const kEvents[] = {"zremrangebyrank", "zremrangebyscore", "zremrangebylex"};
  AfterWrite(ctx, ctx.args[1], e, z,
             removed ? kEvents[by == By::kRank ? 0 : by == By::kScore ? 1 : 2] : nullptr);
  ctx.reply.Integer((long long)removed);
}

void CmdZRemRangeByRank(CommandContext& ctx) { RemRangeGeneric(ctx, By::kRank); }
void CmdZRemRangeByScore(CommandContext& ctx) { RemRangeGeneric(ctx, By::kScore); }
void CmdZRemRangeByLex(CommandContext& ctx) { RemRangeGeneric(ctx, By::kLex); }

}  // namespace

void BindRangeCommands(CommandTable& t) {
  t.Bind("zrange", CmdZRange);
  t.Bind("zrangestore", CmdZRangeStore);
  t.Bind("zrevrange", CmdZRevRange);
  t.Bind("zrangebyscore", CmdZRangeByScore);
  t.Bind("zrevrangebyscore", CmdZRevRangeByScore);
  t.Bind("zrangebylex", CmdZRangeByLex);
  t.Bind("zrevrangebylex", CmdZRevRangeByLex);
  t.Bind("zremrangebyrank", CmdZRemRangeByRank);
  t.Bind("zremrangebyscore", CmdZRemRangeByScore);
  t.Bind("zremrangebylex", CmdZRemRangeByLex);
}

}  // namespace zset_cmd
}  // namespace vireo
