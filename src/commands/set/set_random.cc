// Set commands that pick random members: SPOP (remove them) and SRANDMEMBER
// (leave them). Which members come out is unspecified, as in Redis; the
// reply shapes, the counts and the edge cases (count 0, count >= size,
// negative counts with repetitions) are Redis's.
#include <algorithm>
#include <climits>
#include <string>
#include <unordered_set>
#include <vector>

#include "commands/core/args.h"
#include "commands/core/errors.h"
#include "commands/set/set_family.h"
#include "engine/database.h"
#include "resp/reply_builder.h"

namespace vireo {
namespace set_cmd {
namespace {

std::vector<std::string> AllMembers(const SetValue& s) {
  std::vector<std::string> out;
  out.reserve(s.size());
  s.ForEach([&](std::string_view m) { out.emplace_back(m); });
  return out;
}

// count (< size) distinct random members.
std::vector<std::string> DistinctRandom(SetValue& s, size_t count) {
  std::vector<std::string> out;
  if (count * 3 > s.size()) {
    // Many wanted: a partial shuffle of all members beats rejection sampling.
    out = AllMembers(s);
    for (size_t i = 0; i < count; ++i) {
      size_t j = i + RandomBits() % (out.size() - i);
      std::swap(out[i], out[j]);
    }
    out.resize(count);
    return out;
  }
  std::unordered_set<std::string> seen;
  std::string m;
  while (out.size() < count) {
    s.RandomMember(RandomBits(), &m);
    if (seen.insert(m).second) out.push_back(m);
  }
  return out;
}

// SPOP with a count propagates one SREM per popped member (Redis 7.0), the
// unit wrapped in MULTI/EXEC as it holds several commands.
void PropagateSrems(CommandContext& ctx, const std::vector<std::string>& popped) {
  if (!ctx.propagating()) return;
  for (const std::string& m : popped) ctx.AlsoPropagate({"SREM", std::string(ctx.args[1]), m});
  ctx.PreventPropagation();
}

void CmdSPop(CommandContext& ctx) {
  if (ctx.args.size() > 3) return ctx.reply.Error(err::kSyntax);
  const bool with_count = ctx.args.size() == 3;
  long long count = 1;
  if (with_count) {
    if (!ArgInt64(ctx, 2, &count, err::kNotPositive)) return;
    if (count < 0) return ctx.reply.Error(err::kNotPositive);
  }
  Entry* e;
  if (!LookupSetWrite(ctx, ctx.args[1], &e)) return;
  if (!e) return with_count ? ctx.reply.SetHeader(0) : ctx.reply.Null();
  SetValue s(e->object());
  if (!with_count) {
    std::string m;
    s.RandomMember(RandomBits(), &m);
    s.Remove(m);
    ctx.reply.Bulk(m);
    if (ctx.propagating()) ctx.PropagateAs({"SREM", std::string(ctx.args[1]), m});
    return StoreOrDelete(ctx, ctx.args[1], e, s, "spop");
  }
  if (count == 0) return ctx.reply.SetHeader(0);
  if (size_t(count) >= s.size()) {
    // The whole set, in its own order, and the key goes.
    ctx.reply.SetHeader(s.size());
    s.ForEach([&](std::string_view m) { ctx.reply.Bulk(m); });
    ctx.Modified(ctx.args[1], kNotifySet, "spop");
    ctx.db().Delete(ctx.args[1]);
    ctx.Notify(kNotifyGeneric, "del", ctx.args[1]);
    if (ctx.propagating()) ctx.PropagateAs({"DEL", std::string(ctx.args[1])});
    return;
  }
  const size_t remaining = s.size() - size_t(count);
  if (remaining * 5 > size_t(count)) {
    std::vector<std::string> popped = DistinctRandom(s, size_t(count));
    ctx.reply.SetHeader(popped.size());
    for (const std::string& m : popped) {
      s.Remove(m);
      ctx.reply.Bulk(m);
    }
    PropagateSrems(ctx, popped);
    return StoreOrDelete(ctx, ctx.args[1], e, s, "spop");
  }
  // Most members go: like Redis, move the few that stay into a new set
  // (whose encoding follows its first member again, so a hashtable set can
  // come back as an intset) and hand out the old one whole.
  std::vector<std::string> kept = DistinctRandom(s, remaining);
  SetValue fresh(SetValue::CreateFor(kept[0]));
  const size_t max = MaxIntsetEntries(ctx);
  for (const std::string& m : kept) {
    fresh.Add(m, max);
    s.Remove(m);
  }
  ctx.reply.SetHeader(s.size());
  s.ForEach([&](std::string_view m) { ctx.reply.Bulk(m); });
  if (ctx.propagating()) PropagateSrems(ctx, AllMembers(s));
  SetValue::Free(s.object());
  StoreBack(e, fresh);
  ctx.Modified(ctx.args[1], kNotifySet, "spop");
}

void CmdSRandMember(CommandContext& ctx) {
  if (ctx.args.size() > 3) return ctx.reply.Error(err::kSyntax);
  if (ctx.args.size() == 2) {
    Entry* e;
    if (!LookupSetRead(ctx, ctx.args[1], &e)) return;
    if (!e) return ctx.reply.Null();
    std::string m;
    SetValue(e->object()).RandomMember(RandomBits(), &m);
    return ctx.reply.Bulk(m);
  }
  long long count;
  if (!ArgInt64(ctx, 2, &count)) return;
  if (count == LLONG_MIN) return ctx.reply.Error(err::kCountRangeLong);
  Entry* e;
  if (!LookupSetRead(ctx, ctx.args[1], &e)) return;
  if (!e || count == 0) return ctx.reply.ArrayHeader(0);
  SetValue s(e->object());
  std::string m;
  if (count < 0 || count == 1) {
    // Repetitions allowed: independent picks.
    unsigned long long n = count < 0 ? 0ULL - (unsigned long long)count : 1;
    ctx.reply.ArrayHeader(n);
    while (n-- > 0) {
      s.RandomMember(RandomBits(), &m);
      ctx.reply.Bulk(m);
    }
    return;
  }
  if (size_t(count) >= s.size()) {
    ctx.reply.ArrayHeader(s.size());
    s.ForEach([&](std::string_view x) { ctx.reply.Bulk(x); });
    return;
  }
  std::vector<std::string> picked = DistinctRandom(s, size_t(count));
  ctx.reply.ArrayHeader(picked.size());
  for (const std::string& x : picked) ctx.reply.Bulk(x);
}

}  // namespace

void BindRandomCommands(CommandTable& t) {
  t.Bind("spop", CmdSPop);
  t.Bind("srandmember", CmdSRandMember);
}

}  // namespace set_cmd
}  // namespace vireo
