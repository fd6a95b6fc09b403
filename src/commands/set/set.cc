// Set commands that add, remove and read members: SADD, SREM, SCARD,
// SISMEMBER, SMISMEMBER, SMEMBERS, SMOVE, SSCAN; the helpers of the set
// family (set_family.h) and BindSetCommands. Random picks are in
// set_random.cc, intersections/unions/differences in set_algebra.cc.
#include <cerrno>
#include <cctype>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "base/glob.h"
#include "base/numbers.h"
#include "commands/core/args.h"
#include "commands/core/scan_args.h"
#include "commands/core/errors.h"
#include "commands/keys/generic_family.h"
#include "commands/set/set_family.h"
#include "engine/database.h"
#include "engine/type_ops.h"
#include "resp/reply_builder.h"

namespace vireo {
namespace set_cmd {

namespace {

bool CheckSet(CommandContext& ctx, Entry* e, Entry** out) {
  if (e != nullptr && e->type() != ObjType::kSet) {
    ctx.reply.Error(err::kWrongType);
    return false;
  }
  *out = e;
  return true;
}

}  // namespace

bool LookupSetRead(CommandContext& ctx, std::string_view key, Entry** out) {
  return CheckSet(ctx, generic_cmd::LookupRead(ctx, ctx.db(), key, true), out);
}

bool LookupSetWrite(CommandContext& ctx, std::string_view key, Entry** out) {
  return CheckSet(ctx, generic_cmd::LookupWrite(ctx, ctx.db(), key), out);
}

void StoreBack(Entry* e, const SetValue& s) {
  e->set_object(s.object());
  e->set_encoding(s.is_intset() ? Encoding::kIntset : Encoding::kHashtable);
}

void StoreOrDelete(CommandContext& ctx, std::string_view key, Entry* e, const SetValue& s, const char* event) {
  StoreBack(e, s);
  ctx.Modified(key, kNotifySet, event);
  if (s.size() == 0) {
    ctx.db().Delete(key);
    ctx.Notify(kNotifyGeneric, "del", key);
  }
}

void StoreResult(CommandContext& ctx, std::string_view dst, void* obj, const char* event) {
  SetValue s(obj);
  if (s.size() == 0) {
    SetValue::Free(obj);
    if (ctx.db().Delete(dst)) ctx.Modified(dst, kNotifyGeneric, "del");
    return;
  }
  Encoding enc = s.is_intset() ? Encoding::kIntset : Encoding::kHashtable;
  ctx.db().Overwrite(Entry::NewObject(dst, ObjType::kSet, enc, obj));
  ctx.Modified(dst, kNotifySet, event);
}

size_t MaxIntsetEntries(const CommandContext& ctx) {
  long long v = ctx.limits.set_max_intset_entries;
  return v < 0 ? 0 : size_t(v);
}

uint64_t RandomBits() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

namespace {

void CmdSAdd(CommandContext& ctx) {
  Entry* e;
  if (!LookupSetWrite(ctx, ctx.args[1], &e)) return;
  const size_t max = MaxIntsetEntries(ctx);
  // A new set's encoding follows its first member, as in Redis.
  SetValue s(e ? e->object() : SetValue::CreateFor(ctx.args[2]));
  long long added = 0;
  for (size_t i = 2; i < ctx.args.size(); ++i) added += s.Add(ctx.args[i], max);
  if (e) {
    StoreBack(e, s);
  } else {
    Encoding enc = s.is_intset() ? Encoding::kIntset : Encoding::kHashtable;
    ctx.db().Add(Entry::NewObject(ctx.args[1], ObjType::kSet, enc, s.object()));
  }
  if (added) ctx.Modified(ctx.args[1], kNotifySet, "sadd");
  ctx.reply.Integer(added);
}

void CmdSRem(CommandContext& ctx) {
  Entry* e;
  if (!LookupSetWrite(ctx, ctx.args[1], &e)) return;
  if (!e) return ctx.reply.Integer(0);
  SetValue s(e->object());
  long long removed = 0;
  for (size_t i = 2; i < ctx.args.size() && s.size() > 0; ++i) removed += s.Remove(ctx.args[i]);
  if (!removed) {
    StoreBack(e, s);
    return ctx.reply.Integer(0);
  }
  StoreOrDelete(ctx, ctx.args[1], e, s, "srem");
  ctx.reply.Integer(removed);
}

void CmdSCard(CommandContext& ctx) {
  Entry* e;
  if (!LookupSetRead(ctx, ctx.args[1], &e)) return;
  ctx.reply.Integer(e ? (long long)SetValue(e->object()).size() : 0);
}

void CmdSIsMember(CommandContext& ctx) {
  Entry* e;
  if (!LookupSetRead(ctx, ctx.args[1], &e)) return;
  ctx.reply.Integer(e && SetValue(e->object()).Contains(ctx.args[2]) ? 1 : 0);
}

void CmdSMIsMember(CommandContext& ctx) {
  Entry* e;
  if (!LookupSetRead(ctx, ctx.args[1], &e)) return;
  ctx.reply.ArrayHeader(ctx.args.size() - 2);
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    ctx.reply.Integer(e && SetValue(e->object()).Contains(ctx.args[i]) ? 1 : 0);
  }
}

void CmdSMembers(CommandContext& ctx) {
  Entry* e;
  if (!LookupSetRead(ctx, ctx.args[1], &e)) return;
  if (!e) return ctx.reply.SetHeader(0);
  SetValue s(e->object());
  ctx.reply.SetHeader(s.size());
  s.ForEach([&](std::string_view m) { ctx.reply.Bulk(m); });
}

void CmdSMove(CommandContext& ctx) {
  std::string_view src_key = ctx.args[1], dst_key = ctx.args[2], member = ctx.args[3];
  Entry* src = generic_cmd::LookupWrite(ctx, ctx.db(), src_key);
  Entry* dst = generic_cmd::LookupWrite(ctx, ctx.db(), dst_key);
  if (!src) return ctx.reply.Integer(0);
  if (src->type() != ObjType::kSet || (dst && dst->type() != ObjType::kSet)) {
    return ctx.reply.Error(err::kWrongType);
  }
  if (src == dst) return ctx.reply.Integer(SetValue(src->object()).Contains(member) ? 1 : 0);
  SetValue from(src->object());
  if (!from.Remove(member)) {
    StoreBack(src, from);
    return ctx.reply.Integer(0);
  }
  StoreOrDelete(ctx, src_key, src, from, "srem");
  bool added;
  if (dst) {
    SetValue to(dst->object());
    added = to.Add(member, MaxIntsetEntries(ctx));
    StoreBack(dst, to);
  } else {
    SetValue to(SetValue::CreateFor(member));
    added = to.Add(member, MaxIntsetEntries(ctx));
    Encoding enc = to.is_intset() ? Encoding::kIntset : Encoding::kHashtable;
    ctx.db().Add(Entry::NewObject(dst_key, ObjType::kSet, enc, to.object()));
  }
  if (added) ctx.Modified(dst_key, kNotifySet, "sadd");
  ctx.reply.Integer(1);
}

void CmdSScan(CommandContext& ctx) {
  uint64_t cursor;
  if (!ParseScanCursor(ctx.args[2], &cursor)) return ctx.reply.Error(err::kInvalidCursor);
  Entry* e;
  if (!LookupSetRead(ctx, ctx.args[1], &e)) return;
  if (!e) {
    return ReplyEmptyScan(ctx);
  }
  ScanOptions o;
  if (!ParseScanOptions(ctx, 3, /*allow_type=*/false, &o)) return;
  const long long count = o.count;
  const std::string_view pattern = o.pattern;
  const bool use_pattern = o.use_pattern;
  SetValue s(e->object());
  // Members are copied out: the filter runs after the walk, as in Redis.
  std::vector<std::string> found;
  long long max_steps = count > LLONG_MAX / 10 ? LLONG_MAX : count * 10;
  auto collect = [&](std::string_view m) { found.emplace_back(m); };
  do {
    cursor = s.Scan(cursor, collect);
  } while (cursor != 0 && max_steps-- > 0 && found.size() < static_cast<unsigned long long>(count));

  ReplyScanCursor(ctx, cursor);
  size_t mark = ctx.reply.BeginDeferred();
  size_t n = 0;
  for (const std::string& m : found) {
    if (use_pattern && !GlobMatch(pattern, m)) continue;
    ctx.reply.Bulk(m);
    ++n;
  }
  ctx.reply.EndDeferredArray(mark, n);
}

}  // namespace
}  // namespace set_cmd

void BindSetCommands(CommandTable& t) {
  using namespace set_cmd;
  t.Bind("sadd", CmdSAdd);
  t.Bind("srem", CmdSRem);
  t.Bind("scard", CmdSCard);
  t.Bind("sismember", CmdSIsMember);
  t.Bind("smismember", CmdSMIsMember);
  t.Bind("smembers", CmdSMembers);
  t.Bind("smove", CmdSMove);
  t.Bind("sscan", CmdSScan);
  BindRandomCommands(t);
  BindAlgebraCommands(t);
}

}  // namespace vireo
