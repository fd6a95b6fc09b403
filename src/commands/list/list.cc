// List commands on one key: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE
// LINDEX LSET LINSERT LREM LTRIM LPOS, the helpers of list_family.h, and
// BindListCommands. Moves and multi-key pops are in list_move.cc, the
// blocking variants in list_blocking.cc.
#include <algorithm>
#include <climits>

#include "base/numbers.h"
#include "commands/core/args.h"
#include "commands/core/errors.h"
#include "commands/keys/generic_family.h"
#include "commands/list/list_family.h"
#include "engine/database.h"
#include "engine/type_ops.h"
#include "resp/reply_builder.h"

namespace vireo {
namespace list_cmd {

bool ParseEnd(std::string_view arg, End* out) {
  if (EqualsNoCase(arg, "left")) {
    *out = End::kLeft;
  } else if (EqualsNoCase(arg, "right")) {
    *out = End::kRight;
  } else {
    return false;
  }
  return true;
}

Quicklist* CreateList(CommandContext& ctx, std::string_view key) {
  auto* q = new Quicklist(ctx.limits.list_max_listpack_size, ctx.limits.list_compress_depth);
  ctx.db().Add(Entry::NewObject(key, ObjType::kList, Encoding::kQuicklist, q));
  return q;
}

std::string PopOne(Quicklist* q, End end) {
  char scratch[Listpack::kScratch];
  if (end == End::kLeft) {
    std::string v(q->Get(q->Front(), scratch));
    q->PopFront();
    return v;
  }
  std::string v(q->Get(q->Back(), scratch));
  q->PopBack();
  return v;
}

void PushOne(Quicklist* q, End end, std::string_view value) {
  if (end == End::kLeft) {
    q->PushFront(value);
  } else {
    q->PushBack(value);
  }
}

void ListChanged(CommandContext& ctx, std::string_view key, const Quicklist* q, const char* event) {
  ctx.Modified(key, kNotifyList, event);
  if (q->empty()) {
    ctx.db().Delete(key);
    ctx.Notify(kNotifyGeneric, "del", key);
  }
}

void PopManyReply(CommandContext& ctx, std::string_view key, Quicklist* q, End end, long long count) {
  size_t n = std::min<size_t>(size_t(count), q->size());
  char scratch[Listpack::kScratch];
  ctx.reply.ArrayHeader(n);
  for (size_t i = 0; i < n; ++i) {
    // The reply copies the bytes before the pop invalidates them.
    if (end == End::kLeft) {
      ctx.reply.Bulk(q->Get(q->Front(), scratch));
      q->PopFront();
    } else {
      ctx.reply.Bulk(q->Get(q->Back(), scratch));
      q->PopBack();
    }
  }
  ListChanged(ctx, key, q, PopEvent(end));
}

bool IsRerun(const CommandContext& ctx) { return ctx.session.blocked; }

namespace {

using generic_cmd::LookupRead;
using generic_cmd::LookupWrite;

void ReplyWrongType(CommandContext& ctx) { ctx.reply.Error(err::kWrongType); }

// LPUSH/RPUSH (existing_only=false) and LPUSHX/RPUSHX.
void PushGeneric(CommandContext& ctx, End end, bool existing_only) {
  std::string_view key = ctx.args[1];
  Entry* e = LookupWrite(ctx, ctx.db(), key);
  if (e && !IsList(e)) return ReplyWrongType(ctx);
  Quicklist* q;
  if (e) {
    q = ListOf(e);
  } else {
    if (existing_only) return ctx.reply.Integer(0);
    q = CreateList(ctx, key);  // a new key wakes its waiters by itself
  }
  for (size_t i = 2; i < ctx.args.size(); ++i) PushOne(q, end, ctx.args[i]);
  if (e) SignalKeyReady(ctx, key);
  ctx.Modified(key, kNotifyList, PushEvent(end));
  ctx.reply.Integer((long long)q->size());
}

void CmdLPush(CommandContext& ctx) { PushGeneric(ctx, End::kLeft, false); }
void CmdRPush(CommandContext& ctx) { PushGeneric(ctx, End::kRight, false); }
void CmdLPushX(CommandContext& ctx) { PushGeneric(ctx, End::kLeft, true); }
void CmdRPushX(CommandContext& ctx) { PushGeneric(ctx, End::kRight, true); }

// LPOP/RPOP key [count]: without a count one bulk (or null); with one an
// array (null array for a missing key, empty array for count 0).
void PopGeneric(CommandContext& ctx, End end, const char* name) {
  if (ctx.args.size() > 3) return generic_cmd::ReplyFormattedError(ctx, err::kWrongArity, name);
  bool has_count = ctx.args.size() == 3;
  long long count = 1;
  if (has_count && (!ParseInt64(ctx.args[2], &count) || count < 0)) return ctx.reply.Error(err::kNotPositive);
  std::string_view key = ctx.args[1];
  Entry* e = LookupWrite(ctx, ctx.db(), key);
  if (!e) return has_count ? ctx.reply.NullArray() : ctx.reply.Null();
  if (!IsList(e)) return ReplyWrongType(ctx);
  Quicklist* q = ListOf(e);
  if (!has_count) {
    char scratch[Listpack::kScratch];
    if (end == End::kLeft) {
      ctx.reply.Bulk(q->Get(q->Front(), scratch));
      q->PopFront();
    } else {
      ctx.reply.Bulk(q->Get(q->Back(), scratch));
      q->PopBack();
    }
    return ListChanged(ctx, key, q, PopEvent(end));
  }
  if (count == 0) return ctx.reply.ArrayHeader(0);
  PopManyReply(ctx, key, q, end, count);
}

void CmdLPop(CommandContext& ctx) { PopGeneric(ctx, End::kLeft, "lpop"); }
void CmdRPop(CommandContext& ctx) { PopGeneric(ctx, End::kRight, "rpop"); }

void CmdLLen(CommandContext& ctx) {
  Entry* e = LookupRead(ctx, ctx.db(), ctx.args[1], true);
  if (!e) return ctx.reply.Integer(0);
  if (!IsList(e)) return ReplyWrongType(ctx);
  ctx.reply.Integer((long long)ListOf(e)->size());
}

void CmdLRange(CommandContext& ctx) {
  long long start, stop;
  if (!ArgInt64(ctx, 2, &start) || !ArgInt64(ctx, 3, &stop)) return;
  Entry* e = LookupRead(ctx, ctx.db(), ctx.args[1], true);
  if (!e) return ctx.reply.ArrayHeader(0);
  if (!IsList(e)) return ReplyWrongType(ctx);
  Quicklist* q = ListOf(e);
  long long len = (long long)q->size();
  if (start < 0) start = std::max(start, -len) + len;
  if (stop < 0) stop = std::max(stop, -len - 1) + len;
  if (start > stop || start >= len) return ctx.reply.ArrayHeader(0);
  if (stop >= len) stop = len - 1;
  long long n = stop - start + 1;
  ctx.reply.ArrayHeader(size_t(n));
  char scratch[Listpack::kScratch];
  for (auto c = q->At(start); n-- > 0; c = q->Next(c)) ctx.reply.Bulk(q->Get(c, scratch));
}

void CmdLIndex(CommandContext& ctx) {
  Entry* e = LookupRead(ctx, ctx.db(), ctx.args[1], true);
  if (!e) return ctx.reply.Null();
  if (!IsList(e)) return ReplyWrongType(ctx);
  long long index;
  if (!ArgInt64(ctx, 2, &index)) return;
  Quicklist* q = ListOf(e);
  auto c = q->At(index);
  if (!c.valid()) return ctx.reply.Null();
  char scratch[Listpack::kScratch];
  ctx.reply.Bulk(q->Get(c, scratch));
}

void CmdLSet(CommandContext& ctx) {
  Entry* e = LookupWrite(ctx, ctx.db(), ctx.args[1]);
  if (!e) return ctx.reply.Error(err::kNoSuchKey);
  if (!IsList(e)) return ReplyWrongType(ctx);
  long long index;
  if (!ArgInt64(ctx, 2, &index)) return;
  Quicklist* q = ListOf(e);
  auto c = q->At(index);
  if (!c.valid()) return ctx.reply.Error(err::kOutOfRange);
  q->Replace(c, ctx.args[3]);
  ctx.Modified(ctx.args[1], kNotifyList, "lset");
  ctx.reply.Ok();
}

void CmdLInsert(CommandContext& ctx) {
  bool after;
  if (EqualsNoCase(ctx.args[2], "after")) {
    after = true;
  } else if (EqualsNoCase(ctx.args[2], "before")) {
    after = false;
  } else {
    return ctx.reply.Error(err::kSyntax);
  }
  std::string_view key = ctx.args[1];
  Entry* e = LookupWrite(ctx, ctx.db(), key);
  if (!e) return ctx.reply.Integer(0);
  if (!IsList(e)) return ReplyWrongType(ctx);
  Quicklist* q = ListOf(e);
  auto c = q->Front();
  while (c.valid() && !q->Equals(c, ctx.args[3])) c = q->Next(c);
  if (!c.valid()) return ctx.reply.Integer(-1);
  if (after) {
    q->InsertAfter(c, ctx.args[4]);
  } else {
    q->InsertBefore(c, ctx.args[4]);
  }
  SignalKeyReady(ctx, key);
  ctx.Modified(key, kNotifyList, "linsert");
  ctx.reply.Integer((long long)q->size());
}

// LREM key count element: count > 0 removes from the head, < 0 from the
// tail, 0 every match.
void CmdLRem(CommandContext& ctx) {
  long long count;
  if (!ArgInt64(ctx, 2, &count)) return;
  std::string_view key = ctx.args[1];
  Entry* e = LookupWrite(ctx, ctx.db(), key);
  if (!e) return ctx.reply.Integer(0);
  if (!IsList(e)) return ReplyWrongType(ctx);
  Quicklist* q = ListOf(e);
  std::string_view value = ctx.args[3];
  // A limit of 0 means all; count's magnitude otherwise (LLONG_MIN included).
  unsigned long long limit = count < 0 ? 0ULL - (unsigned long long)count : (unsigned long long)count;
  unsigned long long removed = 0;
  if (count >= 0) {
    for (auto c = q->Front(); c.valid() && (limit == 0 || removed < limit);) {
      if (q->Equals(c, value)) {
        c = q->Erase(c);
        ++removed;
      } else {
        c = q->Next(c);
      }
    }
  } else {
    for (auto c = q->Back(); c.valid() && removed < limit;) {
      auto prev = q->Prev(c);  // offsets before c survive erasing c
      if (q->Equals(c, value)) {
        q->Erase(c);
        ++removed;
      }
      c = prev;
    }
  }
  if (removed) ListChanged(ctx, key, q, "lrem");
  ctx.reply.Integer((long long)removed);
}

void CmdLTrim(CommandContext& ctx) {
  long long start, stop;
  if (!ArgInt64(ctx, 2, &start) || !ArgInt64(ctx, 3, &stop)) return;
  std::string_view key = ctx.args[1];
  Entry* e = LookupWrite(ctx, ctx.db(), key);
  if (!e) return ctx.reply.Ok();
  if (!IsList(e)) return ReplyWrongType(ctx);
  Quicklist* q = ListOf(e);
  long long len = (long long)q->size();
  if (start < 0) start = std::max(start, -len) + len;
  if (stop < 0) stop = std::max(stop, -len - 1) + len;
  if (start > stop || start >= len) {
    q->Clear();
  } else {
    if (stop >= len) stop = len - 1;
    q->EraseRange(size_t(stop + 1), size_t(len - stop - 1));
    q->EraseRange(0, size_t(start));
  }
  ListChanged(ctx, key, q, "ltrim");
  ctx.reply.Ok();
}

// LPOS key element [RANK r] [COUNT n] [MAXLEN m].
void CmdLPos(CommandContext& ctx) {
  long long rank = 1, count = -1, maxlen = 0;  // count -1: no COUNT given
  const auto& args = ctx.args;
  for (size_t i = 3; i < args.size(); i += 2) {
    bool has_value = i + 1 < args.size();
    if (has_value && EqualsNoCase(args[i], "rank")) {
      if (!ArgInt64(ctx, i + 1, &rank)) return;
      if (rank == 0) return ctx.reply.Error(err::kListRankZero);
    } else if (has_value && EqualsNoCase(args[i], "count")) {
      if (!ParseInt64(args[i + 1], &count) || count < 0) return ctx.reply.Error(err::kListCountNegative);
    } else if (has_value && EqualsNoCase(args[i], "maxlen")) {
      if (!ParseInt64(args[i + 1], &maxlen) || maxlen < 0) return ctx.reply.Error(err::kListMaxlenNegative);
    } else {
      return ctx.reply.Error(err::kSyntax);
    }
  }
  bool has_count = count >= 0;
  Entry* e = LookupRead(ctx, ctx.db(), args[1], true);
  if (!e) return has_count ? ctx.reply.ArrayHeader(0) : ctx.reply.Null();
  if (!IsList(e)) return ReplyWrongType(ctx);
  Quicklist* q = ListOf(e);

  bool backward = rank < 0;
  // Redis negates RANK without a range check: LLONG_MIN stays negative, so
  // every match qualifies from the first one on and COUNT never stops the
  // scan. Same answers here.
  bool unbounded = rank == LLONG_MIN;
  long long skip = unbounded ? 0 : (backward ? -rank : rank) - 1;
  long long len = (long long)q->size();
  long long found = 0, matches = 0;
  size_t mark = has_count ? ctx.reply.BeginDeferred() : 0;
  long long visited = 0;
  for (auto c = backward ? q->Back() : q->Front(); c.valid() && (maxlen == 0 || visited < maxlen);
       c = backward ? q->Prev(c) : q->Next(c), ++visited) {
    if (!q->Equals(c, args[2])) continue;
    if (matches++ < skip) continue;
    long long index = backward ? len - 1 - visited : visited;
    if (!has_count) return ctx.reply.Integer(index);
    ctx.reply.Integer(index);
    ++found;
    if (count > 0 && !unbounded && found >= count) break;
  }
  if (!has_count) return ctx.reply.Null();
  ctx.reply.EndDeferredArray(mark, size_t(found));
}

}  // namespace
}  // namespace list_cmd

void BindListCommands(CommandTable& t) {
  using namespace list_cmd;
  t.Bind("lpush", CmdLPush);
  t.Bind("rpush", CmdRPush);
  t.Bind("lpushx", CmdLPushX);
  t.Bind("rpushx", CmdRPushX);
  t.Bind("lpop", CmdLPop);
  t.Bind("rpop", CmdRPop);
  t.Bind("llen", CmdLLen);
  t.Bind("lrange", CmdLRange);
  t.Bind("lindex", CmdLIndex);
  t.Bind("lset", CmdLSet);
  t.Bind("linsert", CmdLInsert);
  t.Bind("lrem", CmdLRem);
  t.Bind("ltrim", CmdLTrim);
  t.Bind("lpos", CmdLPos);
  BindMoveCommands(t);
  BindBlockingCommands(t);
}

}  // namespace vireo
