// Set algebra: SINTER, SINTERSTORE, SINTERCARD, SUNION, SUNIONSTORE, SDIFF,
// SDIFFSTORE. Missing keys are empty sets; any key of another type is
// WRONGTYPE even after a missing one. Results are built the way Redis
// builds them (a fresh set that starts as an intset and converts as members
// arrive), so a stored result has the encoding Redis would give it, and a
// reply lists members in the order Redis would for intsets.
#include <algorithm>
#include <string>
#include <vector>

#include "commands/core/args.h"
#include "commands/core/errors.h"
#include "commands/keys/generic_family.h"
#include "commands/set/set_family.h"
#include "engine/database.h"
#include "resp/reply_builder.h"

namespace vireo {
namespace set_cmd {
namespace {

// The sets behind keys (nullptr for missing ones). False after replying
// WRONGTYPE. Store commands look keys up as writes (no hit/miss counting).
bool LoadSets(CommandContext& ctx, size_t first, size_t count, bool store, std::vector<Entry*>* out) {
  out->clear();
  for (size_t i = first; i < first + count; ++i) {
    Entry* e;
    if (!(store ? LookupSetWrite(ctx, ctx.args[i], &e) : LookupSetRead(ctx, ctx.args[i], &e))) return false;
    out->push_back(e);
  }
  return true;
}

enum class IntersectMode { kReply, kStore, kCardinality };

void Intersect(CommandContext& ctx, size_t first, size_t count, IntersectMode mode, std::string_view dst,
               long long limit) {
  std::vector<Entry*> entries;
  if (!LoadSets(ctx, first, count, mode == IntersectMode::kStore, &entries)) return;
  if (std::find(entries.begin(), entries.end(), nullptr) != entries.end()) {
    // Intersection with an empty set.
    switch (mode) {
      case IntersectMode::kStore:
        if (ctx.db().Delete(dst)) ctx.Modified(dst, kNotifyGeneric, "del");
        return ctx.reply.Integer(0);
      case IntersectMode::kCardinality:
        return ctx.reply.Integer(0);
      case IntersectMode::kReply:
        return ctx.reply.SetHeader(0);
    }
  }
  // Walk the smallest set, probing the others; a stable sort keeps key
  // order among equal sizes, which decides the reply order as in Redis.
  std::stable_sort(entries.begin(), entries.end(), [](Entry* a, Entry* b) {
    return SetValue(a->object()).size() < SetValue(b->object()).size();
  });
  SetValue smallest(entries[0]->object());
  std::vector<SetValue> others;
  for (size_t j = 1; j < entries.size(); ++j) {
    if (entries[j] != entries[0]) others.emplace_back(entries[j]->object());
  }
  auto in_all = [&](std::string_view m) {
    for (const SetValue& o : others) {
      if (!o.Contains(m)) return false;
    }
    return true;
  };

  if (mode == IntersectMode::kCardinality) {
    long long n = 0;
    // Stop early once LIMIT is reached: the point of the option.
    std::vector<std::string> members;
    smallest.ForEach([&](std::string_view m) { members.emplace_back(m); });
    for (const std::string& m : members) {
      if (in_all(m) && ++n == limit) break;
    }
    return ctx.reply.Integer(n);
  }
  if (mode == IntersectMode::kStore) {
    SetValue result(SetValue::CreateIntset());
    const size_t max = MaxIntsetEntries(ctx);
    smallest.ForEach([&](std::string_view m) {
      if (in_all(m)) result.Add(m, max);
    });
    const size_t n = result.size();
    StoreResult(ctx, dst, result.object(), "sinterstore");
    return ctx.reply.Integer((long long)n);
  }
  size_t mark = ctx.reply.BeginDeferred();
  size_t n = 0;
  smallest.ForEach([&](std::string_view m) {
    if (in_all(m)) {
      ctx.reply.Bulk(m);
      ++n;
    }
  });
  ctx.reply.EndDeferredSet(mark, n);
}

void CmdSInter(CommandContext& ctx) { Intersect(ctx, 1, ctx.args.size() - 1, IntersectMode::kReply, {}, 0); }

void CmdSInterStore(CommandContext& ctx) {
  Intersect(ctx, 2, ctx.args.size() - 2, IntersectMode::kStore, ctx.args[1], 0);
}

void CmdSInterCard(CommandContext& ctx) {
  long long numkeys;
  if (!ArgInt64(ctx, 1, &numkeys, err::kNumkeysNotPositive)) return;
  if (numkeys <= 0) return ctx.reply.Error(err::kNumkeysNotPositive);
  if (numkeys > (long long)ctx.args.size() - 2) return ctx.reply.Error(err::kSetNumkeysTooMany);
  long long limit = 0;
  for (size_t i = 2 + numkeys; i < ctx.args.size(); ++i) {
    if (ArgIs(ctx, i, "limit") && i + 1 < ctx.args.size()) {
      if (!ArgInt64(ctx, i + 1, &limit, err::kSetLimitNegative)) return;
      if (limit < 0) return ctx.reply.Error(err::kSetLimitNegative);
      ++i;
    } else {
      return ctx.reply.Error(err::kSyntax);
    }
  }
  Intersect(ctx, 2, size_t(numkeys), IntersectMode::kCardinality, {}, limit);
}

// SUNION / SDIFF and their STORE forms.
void UnionOrDiff(CommandContext& ctx, size_t first, bool diff, std::string_view dst, bool store) {
  const size_t count = ctx.args.size() - first;
  std::vector<Entry*> entries;
  if (!LoadSets(ctx, first, count, store, &entries)) return;
  const size_t max = MaxIntsetEntries(ctx);
  SetValue result(SetValue::CreateIntset());

  if (!diff) {
    for (Entry* e : entries) {
      if (e) SetValue(e->object()).ForEach([&](std::string_view m) { result.Add(m, max); });
    }
  } else if (entries[0] != nullptr) {
    const bool same_set = std::find(entries.begin() + 1, entries.end(), entries[0]) != entries.end();
    if (!same_set) {
      // Redis's choice between its two algorithms; it shows in the stored
      // result's encoding (the second one adds members and removes them
      // again, so a non-integer member may have converted the result).
      long long work_one = 0, work_two = 0;
      for (Entry* e : entries) {
        if (!e) continue;
        work_one += (long long)SetValue(entries[0]->object()).size();
        work_two += (long long)SetValue(e->object()).size();
      }
      work_one /= 2;
      SetValue head(entries[0]->object());
      if (work_one <= work_two) {
        std::vector<SetValue> others;
        for (size_t j = 1; j < entries.size(); ++j) {
          if (entries[j]) others.emplace_back(entries[j]->object());
        }
        head.ForEach([&](std::string_view m) {
          for (const SetValue& o : others) {
            if (o.Contains(m)) return;
          }
          result.Add(m, max);
        });
      } else {
        head.ForEach([&](std::string_view m) { result.Add(m, max); });
        std::vector<std::string> drop;
        for (size_t j = 1; j < entries.size() && result.size() > 0; ++j) {
          if (!entries[j]) continue;
          drop.clear();
          SetValue(entries[j]->object()).ForEach([&](std::string_view m) { drop.emplace_back(m); });
          for (const std::string& m : drop) result.Remove(m);
        }
      }
    }
  }

  if (store) {
    const size_t n = result.size();
    StoreResult(ctx, dst, result.object(), diff ? "sdiffstore" : "sunionstore");
    return ctx.reply.Integer((long long)n);
  }
  ctx.reply.SetHeader(result.size());
  result.ForEach([&](std::string_view m) { ctx.reply.Bulk(m); });
  SetValue::Free(result.object());
}

void CmdSUnion(CommandContext& ctx) { UnionOrDiff(ctx, 1, false, {}, false); }
void CmdSUnionStore(CommandContext& ctx) { UnionOrDiff(ctx, 2, false, ctx.args[1], true); }
void CmdSDiff(CommandContext& ctx) { UnionOrDiff(ctx, 1, true, {}, false); }
void CmdSDiffStore(CommandContext& ctx) { UnionOrDiff(ctx, 2, true, ctx.args[1], true); }

}  // namespace

void BindAlgebraCommands(CommandTable& t) {
  t.Bind("sinter", CmdSInter);
  t.Bind("sinterstore", CmdSInterStore);
  t.Bind("sintercard", CmdSInterCard);
  t.Bind("sunion", CmdSUnion);
  t.Bind("sunionstore", CmdSUnionStore);
  t.Bind("sdiff", CmdSDiff);
  t.Bind("sdiffstore", CmdSDiffStore);
}

}  // namespace set_cmd
}  // namespace vireo
