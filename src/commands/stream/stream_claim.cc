// XCLAIM and XAUTOCLAIM: moving pending entries between consumers of a
// group. Entries deleted from the stream since delivery are dropped from
// the PEL (XAUTOCLAIM lists them in its third reply element), as Redis 7.0.
#include <algorithm>
#include <climits>

#include "base/numbers.h"
#include "commands/core/args.h"
#include "commands/core/errors.h"
#include "commands/keys/generic_family.h"
#include "commands/stream/stream_family.h"
#include "engine/database.h"
#include "resp/reply_builder.h"

namespace vireo {
namespace stream_cmd {
namespace {

using generic_cmd::LookupRead;

// Gives the pending entry to consumer c (creating c on first use).
void Transfer(StreamConsumer* c, const StreamID& id, StreamNack& nack) {
  if (nack.consumer == c) return;
  if (nack.consumer) nack.consumer->pel.erase(id);
  c->pel[id] = &nack;
  nack.consumer = c;
}

// The entry as [id, [fields]], or a null when it is gone.
void ReplyClaimed(CommandContext& ctx, const Stream& s, const StreamID& id, bool justid) {
  if (justid) return ReplyID(ctx, id);
  StreamEntry e;
  if (s.Get(id, &e)) {
    ReplyEntry(ctx, e);
  } else {
    ctx.reply.Null();
  }
}

void CmdXClaim(CommandContext& ctx) {
  const auto& args = ctx.args;
  std::string_view key = args[1];
  Entry* e = LookupRead(ctx, ctx.db(), key, true);
  StreamGroup* g = nullptr;
  if (e) {
    if (!IsStream(e)) return ctx.reply.Error(err::kWrongType);
    g = StreamOf(e)->FindGroup(args[2]);
  }
  if (!g) return ReplyNoGroup(ctx, key, args[2], "");
  Stream* s = StreamOf(e);
  long long minidle;
  if (!ArgInt64(ctx, 4, &minidle, "ERR Invalid min-idle-time argument for XCLAIM")) return;
  if (minidle < 0) minidle = 0;
  // The IDs run until the first argument that is not one; options follow.
  size_t j = 5;
  std::vector<StreamID> ids;
  for (; j < args.size(); ++j) {
    StreamID id;
    if (!ParseStreamID(args[j], 0, true, &id)) break;
    ids.push_back(id);
  }
  const int64_t now = ctx.now_ms;
  long long retrycount = -1, deliverytime = -1;
  bool force = false, justid = false;
  StreamID last_id;
  for (; j < args.size(); ++j) {
    bool more = j + 1 < args.size();
    std::string_view opt = args[j];
    if (EqualsNoCase(opt, "force")) {
      force = true;
    } else if (EqualsNoCase(opt, "justid")) {
      justid = true;
    } else if (EqualsNoCase(opt, "idle") && more) {
      if (!ArgInt64(ctx, ++j, &deliverytime, "ERR Invalid IDLE option argument for XCLAIM")) return;
      deliverytime = ElapsedMs(now, deliverytime);
    } else if (EqualsNoCase(opt, "time") && more) {
      if (!ArgInt64(ctx, ++j, &deliverytime, "ERR Invalid TIME option argument for XCLAIM")) return;
    } else if (EqualsNoCase(opt, "retrycount") && more) {
      if (!ArgInt64(ctx, ++j, &retrycount, "ERR Invalid RETRYCOUNT option argument for XCLAIM")) return;
    } else if (EqualsNoCase(opt, "lastid") && more) {
      if (!ArgID(ctx, ++j, 0, true, &last_id)) return;
    } else {
      return ctx.reply.Error("ERR Unrecognized XCLAIM option '" + ErrText(opt) + "'");
    }
  }
  bool changed = false;
  bool propagate_last_id = false;  // unless an XCLAIM carries it
  if (last_id > g->last_id) {
    g->last_id = last_id;
    changed = propagate_last_id = true;
  }
  // A bogus delivery time (negative, in the future) means now, as Redis.
  if (deliverytime < 0 || deliverytime > now) deliverytime = now;
  StreamConsumer* consumer = nullptr;
  size_t mark = ctx.reply.BeginDeferred();
  size_t n = 0;
  StreamEntry scratch;
  for (size_t i = 0; i < ids.size(); ++i) {
    const StreamID& id = ids[i];
    auto it = g->pel.find(id);
    if (!s->Get(id, &scratch)) {
      if (it != g->pel.end()) {
        PropagateXClaim(ctx, key, args[2], *g, std::string(args[5 + i]), it->second);
        propagate_last_id = false;
        RemoveNack(g, it);
        changed = true;
      }
      continue;
    }
    if (it == g->pel.end()) {
      if (!force) continue;
      it = g->pel.try_emplace(id).first;  // a fresh entry: delivered once, now, to nobody yet
      it->second.delivery_time = now;
      it->second.delivery_count = 1;
    }
    StreamNack& nack = it->second;
    if (nack.consumer && minidle && ElapsedMs(now, nack.delivery_time) < minidle) continue;
    if (!consumer) consumer = LookupOrCreateConsumer(ctx, key, g, args[3]);
    nack.delivery_time = deliverytime;
    if (retrycount >= 0) {
      nack.delivery_count = uint64_t(retrycount);
    } else if (!justid) {
      ++nack.delivery_count;
    }
    Transfer(consumer, id, nack);
    ReplyClaimed(ctx, *s, id, justid);
    PropagateXClaim(ctx, key, args[2], *g, std::string(args[5 + i]), nack);
    propagate_last_id = false;
    ++n;
    changed = true;
  }
  ctx.reply.EndDeferredArray(mark, n);
  if (propagate_last_id) PropagateGroupId(ctx, key, args[2], *g);
  ctx.PreventPropagation();  // its effects went as the commands above
  if (changed) ctx.Modified(key);
}

void CmdXAutoClaim(CommandContext& ctx) {
  const auto& args = ctx.args;
  std::string_view key = args[1];
  constexpr long kAttemptsFactor = 10;
  long long minidle;
  if (!ArgInt64(ctx, 4, &minidle, "ERR Invalid min-idle-time argument for XAUTOCLAIM")) return;
  if (minidle < 0) minidle = 0;
  StreamID start;
  std::string_view t = args[5];
  bool ex = t.size() > 1 && t[0] == '(';
  if (!(ex ? ParseStreamID(t.substr(1), 0, true, &start) : ParseStreamID(t, 0, false, &start))) {
    return ctx.reply.Error(kInvalidID);
  }
  if (ex && !start.Incr()) return ctx.reply.Error("ERR invalid start ID for the interval");
  long long count = 100;
  bool justid = false;
  for (size_t j = 6; j < args.size(); ++j) {
    bool more = j + 1 < args.size();
    if (EqualsNoCase(args[j], "count") && more) {
      const long long max_count = LONG_MAX / std::max<long>(sizeof(StreamID), kAttemptsFactor);
      long long v;
      if (!ParseInt64(args[j + 1], &v) || v < 1 || v > max_count) return ctx.reply.Error("ERR COUNT must be > 0");
      count = v;
      ++j;
    } else if (EqualsNoCase(args[j], "justid")) {
      justid = true;
    } else {
      return ctx.reply.Error(err::kSyntax);
    }
  }
  Entry* e = LookupRead(ctx, ctx.db(), key, true);
  StreamGroup* g = nullptr;
  if (e) {
    if (!IsStream(e)) return ctx.reply.Error(err::kWrongType);
    g = StreamOf(e)->FindGroup(args[2]);
  }
  if (!g) return ReplyNoGroup(ctx, key, args[2], "");
  Stream* s = StreamOf(e);
  long long attempts = count * kAttemptsFactor;
  const int64_t now = ctx.now_ms;
  StreamConsumer* consumer = nullptr;
  std::vector<StreamID> deleted;
  ctx.reply.ArrayHeader(3);
  // The cursor (first element) is known only at the end: build the claimed
  // entries aside, then write both.
  ReplyBuilder claimed;
  claimed.set_proto(ctx.reply.proto());
  size_t n = 0;
  bool changed = false;
  StreamEntry scratch;
  auto it = g->pel.lower_bound(start);
  while (attempts-- && count && it != g->pel.end()) {
    StreamID id = it->first;
    if (!s->Get(id, &scratch)) {
      PropagateXClaim(ctx, key, args[2], *g, id.ToString(), it->second);
      it->second.consumer->pel.erase(id);
      it = g->pel.erase(it);
      deleted.push_back(id);
      --count;
      changed = true;
      continue;
    }
    StreamNack& nack = it->second;
    if (minidle && ElapsedMs(now, nack.delivery_time) < minidle) {
      ++it;
      continue;
    }
    if (!consumer) consumer = LookupOrCreateConsumer(ctx, key, g, args[3]);
    nack.delivery_time = now;
    if (!justid) ++nack.delivery_count;
    Transfer(consumer, id, nack);
    PropagateXClaim(ctx, key, args[2], *g, id.ToString(), nack);
    if (justid) {
      claimed.Bulk(id.ToString());
    } else {
      claimed.ArrayHeader(2);
      claimed.Bulk(id.ToString());
      claimed.ArrayHeader(scratch.fields.size());
      for (const std::string& f : scratch.fields) claimed.Bulk(f);
    }
    ++n;
    --count;
    changed = true;
    ++it;
  }
  ReplyID(ctx, it == g->pel.end() ? StreamID{} : it->first);
  ctx.reply.ArrayHeader(n);
  ctx.reply.Raw(claimed.buffer());
  ctx.reply.ArrayHeader(deleted.size());
  for (const StreamID& id : deleted) ReplyID(ctx, id);
  ctx.PreventPropagation();
  if (changed) ctx.Modified(key);
}

}  // namespace

void BindClaimCommands(CommandTable& t) {
  t.Bind("xclaim", CmdXClaim);
  t.Bind("xautoclaim", CmdXAutoClaim);
}

}  // namespace stream_cmd
}  // namespace vireo
