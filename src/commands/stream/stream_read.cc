// XREAD and XREADGROUP, with BLOCK. A read that finds nothing blocks the
// client on its keys through the node's blocking registry, which runs the
// command again when a key is written (XADD), deleted, or its group
// destroyed. Before blocking, the arguments kept for that re-run are
// rewritten as Redis remembers a blocked read: "$" becomes the stream's last
// ID at the time of the call, and a read without COUNT is served at most
// 1000 entries. Inside MULTI a BLOCK read answers at once; from scripts BLOCK
// is refused, both as Redis 7.0.
#include <climits>

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

// Redis's XREAD_BLOCKED_DEFAULT_COUNT.
constexpr const char* kBlockedDefaultCount = "1000";

// Entries after `after` for a group read with ">": each is delivered to the
// consumer (added to the PELs unless noack) and moves the group's last ID
// and entries-read counter as Redis 7.0 does.
void ServeGroupNew(CommandContext& ctx, std::string_view key, std::string_view group, Stream* s, StreamGroup* g,
                   StreamConsumer* c, StreamID start, size_t count, bool noack) {
  bool moved = false;
  size_t mark = ctx.reply.BeginDeferred();
  size_t n = 0;
  s->Range(start, StreamID::Max(), false, count, [&](const StreamEntry& e) {
    if (e.id > g->last_id) {
      if (g->entries_read != StreamGroup::kInvalidEntriesRead && !s->RangeHasTombstones(&e.id, nullptr)) {
        ++g->entries_read;
      } else if (s->entries_added()) {
        g->entries_read = s->EstimateDistanceFromFirstEverEntry(e.id);
      }
      g->last_id = e.id;
      moved = true;
    }
    ReplyEntry(ctx, e);
    ++n;
    if (!noack) {
      auto [it, added] = g->pel.try_emplace(e.id);
      StreamNack& nack = it->second;
      if (!added) nack.consumer->pel.erase(e.id);
      nack.consumer = c;
      nack.delivery_time = ctx.now_ms;
      nack.delivery_count = 1;
      c->pel[e.id] = &nack;
      PropagateXClaim(ctx, key, group, *g, e.id.ToString(), nack);
    }
    return true;
  });
  ctx.reply.EndDeferredArray(mark, n);
  // Without acknowledgements to track, only the group's position travels.
  if (noack && moved) PropagateGroupId(ctx, key, group, *g);
}

// The consumer's own pending entries from start (XREADGROUP with an ID):
// entries deleted since delivery come back as [id, nil].
void ServeGroupHistory(CommandContext& ctx, Stream* s, StreamConsumer* c, StreamID start, size_t count) {
  size_t mark = ctx.reply.BeginDeferred();
  size_t n = 0;
  StreamEntry e;
  for (auto it = c->pel.lower_bound(start); it != c->pel.end() && (!count || n < count); ++it) {
    if (s->Get(it->first, &e)) {
      ReplyEntry(ctx, e);
      it->second->delivery_time = ctx.now_ms;
      ++it->second->delivery_count;
    } else {
      ctx.reply.ArrayHeader(2);
      ReplyID(ctx, it->first);
      ctx.reply.NullArray();
    }
    ++n;
  }
  ctx.reply.EndDeferredArray(mark, n);
}

void ReadGeneric(CommandContext& ctx, bool group_read) {
  const auto& args = ctx.args;
  const bool rerun = ctx.session.blocked;
  long long timeout = -1;
  long long count = 0;
  size_t streams_arg = 0, nstreams = 0, count_pos = 0;
  bool noack = false;
  std::string_view group_name, consumer_name;
  bool has_group = false;
  for (size_t i = 1; i < args.size(); ++i) {
    size_t more = args.size() - i - 1;
    std::string_view o = args[i];
    if (EqualsNoCase(o, "block") && more) {
      if (ctx.session.in_script) {
        return ctx.reply.Error("ERR " + std::string(args[0]) + " command is not allowed with BLOCK option from scripts");
      }
      ++i;
      if (!ArgInt64(ctx, i, &timeout, "ERR timeout is not an integer or out of range")) return;
      if (timeout < 0) return ctx.reply.Error(err::kTimeoutNegative);
    } else if (EqualsNoCase(o, "count") && more) {
      ++i;
      if (!ArgInt64(ctx, i, &count)) return;
      if (count < 0) count = 0;
    } else if (EqualsNoCase(o, "streams") && more) {
      streams_arg = i + 1;
      nstreams = args.size() - streams_arg;
      if (nstreams % 2 != 0) {
        // Redis 7.0 names XREAD and '$' here for both commands.
        return ctx.reply.Error(
            "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
      }
      nstreams /= 2;
      count_pos = i;
      break;
    } else if (EqualsNoCase(o, "group") && more >= 2) {
      if (!group_read) {
        return ctx.reply.Error("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
      }
      group_name = args[i + 1];
      consumer_name = args[i + 2];
      has_group = true;
      i += 2;
    } else if (EqualsNoCase(o, "noack")) {
      if (!group_read) {
        return ctx.reply.Error("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
      }
      noack = true;
    } else {
      return ctx.reply.Error(err::kSyntax);
    }
  }
  if (streams_arg == 0) return ctx.reply.Error(err::kSyntax);
  if (group_read && !has_group) return ctx.reply.Error("ERR Missing GROUP option for XREADGROUP");

  std::vector<StreamID> ids(nstreams);
  std::vector<StreamGroup*> groups(nstreams, nullptr);
  std::vector<bool> dollar(nstreams, false);
  constexpr StreamID kNew = StreamID::Max();  // ">" (a group's new entries)
  for (size_t k = 0; k < nstreams; ++k) {
    std::string_view key = args[streams_arg + k];
    std::string_view idarg = args[streams_arg + nstreams + k];
    Entry* e = LookupRead(ctx, ctx.db(), key, true);
    if (e && !IsStream(e)) {
      if (rerun) {
        if (has_group) return ctx.reply.Error("UNBLOCKED the stream key no longer exists");
        e = nullptr;
      } else {
        return ctx.reply.Error(err::kWrongType);
      }
    }
    if (has_group) {
      StreamGroup* g = e ? StreamOf(e)->FindGroup(group_name) : nullptr;
      if (!g) {
        if (rerun && !e) return ctx.reply.Error("UNBLOCKED the stream key no longer exists");
        if (rerun) return ctx.reply.Error("NOGROUP the consumer group this client was blocked on no longer exists");
        return ReplyNoGroup(ctx, key, group_name, " in XREADGROUP with GROUP option");
      }
      groups[k] = g;
    }
    if (idarg == "$") {
      if (group_read) {
        return ctx.reply.Error(
            "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this "
            "consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return "
            "an empty result set.");
      }
      ids[k] = e ? StreamOf(e)->last_id() : StreamID{};
      dollar[k] = true;
      continue;
    }
    if (idarg == ">") {
      if (!group_read) {
        return ctx.reply.Error(
            "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.");
      }
      ids[k] = kNew;
      continue;
    }
    if (!ArgID(ctx, streams_arg + nstreams + k, 0, true, &ids[k])) return;
  }

  // Serve at once what can be served. Woken from blocking, Redis 7.0
  // answers from the stream whose key woke the client only (its first
  // mention), even when others have new entries too.
  size_t served = 0, mark = 0;
  const std::string* woken_by = rerun ? ctx.session.woken_by : nullptr;
  for (size_t k = 0; k < nstreams; ++k) {
    std::string_view key = args[streams_arg + k];
    if (woken_by && (key != *woken_by || served)) continue;
    Entry* e = LookupRead(ctx, ctx.db(), key, true);
    if (!e || !IsStream(e)) continue;
    Stream* s = StreamOf(e);
    StreamID gt = ids[k];
    bool now = false, history = false;
    if (has_group) {
      if (gt != kNew) {
        now = history = true;
      } else if (s->length()) {
        StreamID maxid;
        s->EdgeID(false, &maxid);
        if (maxid > groups[k]->last_id) {
          now = true;
          gt = groups[k]->last_id;
        }
      }
    } else if (s->length()) {
      StreamID maxid;
      s->EdgeID(false, &maxid);
      now = maxid > gt;
    }
    if (!now) {
      if (woken_by) break;  // nothing for it after all: stay blocked
      continue;
    }
    if (++served == 1) mark = ctx.reply.BeginDeferred();
    StreamID start = gt;
    start.Incr();
    if (ctx.reply.proto() == 2) ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(key);
    if (!has_group) {
      ReplyRange(ctx, *s, start, StreamID::Max(), false, size_t(count));
      continue;
    }
    const bool existed = groups[k]->FindConsumer(consumer_name) != nullptr;
    StreamConsumer* c = LookupOrCreateConsumer(ctx, key, groups[k], consumer_name);
    // A NOACK read leaves no XCLAIM to create the consumer on the other
    // side: its creation travels first (Redis 7.0).
    if (!existed && noack && !history && ctx.propagating()) {
      ctx.AlsoPropagate({"XGROUP", "CREATECONSUMER", std::string(key), std::string(group_name),
                         std::string(consumer_name)});
    }
    if (history) {
      ServeGroupHistory(ctx, s, c, start, size_t(count));
    } else {
      ServeGroupNew(ctx, key, group_name, s, groups[k], c, start, size_t(count), noack);
      ctx.Signal(key);
      ++ctx.dirty;
    }
  }
  // XREADGROUP itself is never propagated: its deliveries are (XCLAIM, XGROUP SETID).
  if (has_group) ctx.PreventPropagation();
  if (served) {
    if (ctx.reply.proto() == 2) {
      ctx.reply.EndDeferredArray(mark, served);
    } else {
      ctx.reply.EndDeferredMap(mark, served);
    }
    return;
  }
  if (timeout == -1 || ctx.session.deny_blocking) return ctx.reply.NullArray();

  // Block: keep the command as Redis remembers it ("$" resolved, a default COUNT).
  std::vector<std::string> kept;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i == count_pos && count == 0) {
      kept.emplace_back("COUNT");
      kept.emplace_back(kBlockedDefaultCount);
    }
    size_t k = i - (streams_arg + nstreams);
    if (i >= streams_arg + nstreams && dollar[k]) {
      kept.push_back(ids[k].ToString());
    } else {
      kept.emplace_back(args[i]);
    }
  }
  std::vector<std::string_view> kept_views(kept.begin(), kept.end());
  std::vector<std::string_view> keys(args.begin() + long(streams_arg), args.begin() + long(streams_arg + nstreams));
  // A deadline past the clock's range waits for ever.
  int64_t deadline = timeout > 0 ? (timeout > LLONG_MAX - ctx.now_ms ? 0 : ctx.now_ms + timeout) : 0;
  ctx.services.BlockOnKeys(ctx.session, ctx.session.db_index, keys, kept_views, deadline,
                           BlockTimeoutReply::kNullArray);
}

void CmdXRead(CommandContext& ctx) { ReadGeneric(ctx, false); }
void CmdXReadGroup(CommandContext& ctx) { ReadGeneric(ctx, true); }

}  // namespace

void BindReadCommands(CommandTable& t) {
  t.Bind("xread", CmdXRead);
  t.Bind("xreadgroup", CmdXReadGroup);
}

}  // namespace stream_cmd
}  // namespace vireo
