// XINFO STREAM [FULL [COUNT n]], XINFO GROUPS, XINFO CONSUMERS, XINFO HELP:
// Redis 7.0's fields, in its order, as maps (RESP3) or flat arrays (RESP2).
#include <algorithm>

#include "commands/core/args.h"
#include "commands/core/errors.h"
#include "commands/keys/generic_family.h"
#include "commands/stream/stream_family.h"
#include "engine/database.h"
#include "resp/reply_builder.h"

namespace vireo {
namespace stream_cmd {

void ReplyGroupLag(CommandContext& ctx, const Stream& s, const StreamGroup& g) {
  // Redis's streamReplyWithCGLag: the lag is known while the group's counter
  // is valid and no deleted entry lies ahead of it, or when it can be derived.
  if (!s.entries_added()) return ctx.reply.Integer(0);
  if (g.entries_read != StreamGroup::kInvalidEntriesRead && !s.RangeHasTombstones(&g.last_id, nullptr)) {
    return ctx.reply.Integer((long long)s.entries_added() - g.entries_read);
  }
  int64_t read = s.EstimateDistanceFromFirstEverEntry(g.last_id);
  if (read == StreamGroup::kInvalidEntriesRead) return ctx.reply.Null();
  ctx.reply.Integer((long long)s.entries_added() - read);
}

namespace {

void SyntaxError(CommandContext& ctx) {
  ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" + std::string(ctx.args[1]) +
                  "'. Try XINFO HELP.");
}

// The stream at args[2], or nullptr after replying.
Stream* InfoLookup(CommandContext& ctx) {
  Entry* e = generic_cmd::LookupRead(ctx, ctx.db(), ctx.args[2], true);
  if (!e) {
    ctx.reply.Error(err::kNoSuchKey);
    return nullptr;
  }
  if (!IsStream(e)) {
    ctx.reply.Error(err::kWrongType);
    return nullptr;
  }
  return StreamOf(e);
}

void ReplyEntriesRead(CommandContext& ctx, const StreamGroup& g) {
  if (g.entries_read != StreamGroup::kInvalidEntriesRead) {
    ctx.reply.Integer(g.entries_read);
  } else {
    ctx.reply.Null();
  }
}

void CmdXInfoConsumers(CommandContext& ctx) {
  Stream* s = InfoLookup(ctx);
  if (!s) return;
  StreamGroup* g = s->FindGroup(ctx.args[3]);
  if (!g) {
    return ctx.reply.Error("NOGROUP No such consumer group '" + ErrText(ctx.args[3]) + "' for key name '" +
                           ErrText(ctx.args[2]) + "'");
  }
  ctx.reply.ArrayHeader(g->consumers.size());
  for (const auto& [name, c] : g->consumers) {
    int64_t idle = ElapsedMs(ctx.now_ms, c->seen_time);
    ctx.reply.MapHeader(3);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(name);
    ctx.reply.Bulk("pending");
    ctx.reply.Integer((long long)c->pel.size());
    ctx.reply.Bulk("idle");
    ctx.reply.Integer(idle < 0 ? 0 : idle);
  }
}

void CmdXInfoGroups(CommandContext& ctx) {
  Stream* s = InfoLookup(ctx);
  if (!s) return;
  ctx.reply.ArrayHeader(s->groups().size());
  for (const auto& [name, g] : s->groups()) {
    ctx.reply.MapHeader(6);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(name);
    ctx.reply.Bulk("consumers");
    ctx.reply.Integer((long long)g->consumers.size());
    ctx.reply.Bulk("pending");
    ctx.reply.Integer((long long)g->pel.size());
    ctx.reply.Bulk("last-delivered-id");
    ReplyID(ctx, g->last_id);
    ctx.reply.Bulk("entries-read");
    ReplyEntriesRead(ctx, *g);
    ctx.reply.Bulk("lag");
    ReplyGroupLag(ctx, *s, *g);
  }
}

void CmdXInfoStream(CommandContext& ctx) {
  const auto& args = ctx.args;
  // The key is looked up before the options are read, as Redis does.
  Stream* s = InfoLookup(ctx);
  if (!s) return;
  bool full = true;
  long long count = 10;  // Redis's default, so FULL cannot stall the server
  size_t extra = args.size() - 3;
  if (extra == 0) {
    full = false;
  } else if (extra == 1 && EqualsNoCase(args[3], "full")) {
  } else if (extra == 3 && EqualsNoCase(args[3], "full") && EqualsNoCase(args[4], "count")) {
    if (!ArgInt64(ctx, 5, &count)) return;
    if (count < 0) count = 10;
  } else {
    return SyntaxError(ctx);
  }
  ctx.reply.MapHeader(full ? 9 : 10);
  ctx.reply.Bulk("length");
  ctx.reply.Integer((long long)s->length());
  ctx.reply.Bulk("radix-tree-keys");
  ctx.reply.Integer((long long)s->node_count());
  ctx.reply.Bulk("radix-tree-nodes");
  ctx.reply.Integer((long long)s->RaxNodeCount());
  ctx.reply.Bulk("last-generated-id");
  ReplyID(ctx, s->last_id());
  ctx.reply.Bulk("max-deleted-entry-id");
  ReplyID(ctx, s->max_deleted_id());
  ctx.reply.Bulk("entries-added");
  ctx.reply.Integer((long long)s->entries_added());
  ctx.reply.Bulk("recorded-first-entry-id");
  ReplyID(ctx, s->first_id());
  if (!full) {
    ctx.reply.Bulk("groups");
    ctx.reply.Integer((long long)s->groups().size());
    for (bool rev : {false, true}) {
      ctx.reply.Bulk(rev ? "last-entry" : "first-entry");
      bool emitted = false;
      s->Range(StreamID::Min(), StreamID::Max(), rev, 1, [&](const StreamEntry& e) {
        ReplyEntry(ctx, e);
        emitted = true;
        return false;
      });
      if (!emitted) ctx.reply.Null();
    }
    return;
  }
  const size_t limit = size_t(count);  // 0 = everything
  ctx.reply.Bulk("entries");
  ReplyRange(ctx, *s, StreamID::Min(), StreamID::Max(), false, limit);
  ctx.reply.Bulk("groups");
  ctx.reply.ArrayHeader(s->groups().size());
  for (const auto& [name, g] : s->groups()) {
    ctx.reply.MapHeader(7);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(name);
    ctx.reply.Bulk("last-delivered-id");
    ReplyID(ctx, g->last_id);
    ctx.reply.Bulk("entries-read");
    ReplyEntriesRead(ctx, *g);
    ctx.reply.Bulk("lag");
    ReplyGroupLag(ctx, *s, *g);
    ctx.reply.Bulk("pel-count");
    ctx.reply.Integer((long long)g->pel.size());
    ctx.reply.Bulk("pending");
    size_t n = limit ? std::min(limit, g->pel.size()) : g->pel.size();
    ctx.reply.ArrayHeader(n);
    auto it = g->pel.begin();
    for (size_t i = 0; i < n; ++i, ++it) {
      ctx.reply.ArrayHeader(4);
      ReplyID(ctx, it->first);
      ctx.reply.Bulk(it->second.consumer->name);
      ctx.reply.Integer(it->second.delivery_time);
      ctx.reply.Integer((long long)it->second.delivery_count);
    }
    ctx.reply.Bulk("consumers");
    ctx.reply.ArrayHeader(g->consumers.size());
    for (const auto& [cname, c] : g->consumers) {
      ctx.reply.MapHeader(4);
      ctx.reply.Bulk("name");
      ctx.reply.Bulk(cname);
      ctx.reply.Bulk("seen-time");
      ctx.reply.Integer(c->seen_time);
      ctx.reply.Bulk("pel-count");
      ctx.reply.Integer((long long)c->pel.size());
      ctx.reply.Bulk("pending");
      size_t cn = limit ? std::min(limit, c->pel.size()) : c->pel.size();
      ctx.reply.ArrayHeader(cn);
      auto cit = c->pel.begin();
      for (size_t i = 0; i < cn; ++i, ++cit) {
        ctx.reply.ArrayHeader(3);
        ReplyID(ctx, cit->first);
        ctx.reply.Integer(cit->second->delivery_time);
        ctx.reply.Integer((long long)cit->second->delivery_count);
      }
    }
  }
}

void CmdXInfoHelp(CommandContext& ctx) {
  static const char* const kLines[] = {
      "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CONSUMERS <key> <groupname>",
      "    Show consumers of <groupname>.",
      "GROUPS <key>",
      "    Show the stream consumer groups.",
      "STREAM <key> [FULL [COUNT <count>]",
      "    Show information about the stream.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(sizeof(kLines) / sizeof(kLines[0]));
  for (const char* l : kLines) ctx.reply.SimpleString(l);
}

}  // namespace

void BindInfoCommands(CommandTable& t) {
  t.Bind("xinfo|consumers", CmdXInfoConsumers);
  t.Bind("xinfo|groups", CmdXInfoGroups);
  t.Bind("xinfo|stream", CmdXInfoStream);
  t.Bind("xinfo|help", CmdXInfoHelp);
}

}  // namespace stream_cmd
}  // namespace vireo
