// Consumer-group management: XGROUP CREATE/SETID/DESTROY/CREATECONSUMER/
// DELCONSUMER/HELP, XACK and XPENDING (summary and extended forms), with
// Redis 7.0's check order and error texts.
#include "commands/core/args.h"
#include "commands/core/errors.h"
#include "commands/keys/generic_family.h"
#include "commands/stream/stream_family.h"
#include "engine/database.h"
#include "resp/reply_builder.h"

namespace vireo {
namespace stream_cmd {

void ReplyNoGroup(CommandContext& ctx, std::string_view key, std::string_view group, std::string_view suffix) {
  ctx.reply.Error("NOGROUP No such key '" + ErrText(key) + "' or consumer group '" + ErrText(group) + "'" +
                  std::string(suffix));
}

StreamConsumer* LookupOrCreateConsumer(CommandContext& ctx, std::string_view key, StreamGroup* g,
                                       std::string_view name) {
  StreamConsumer* c = g->FindConsumer(name);
  if (c) {
    c->seen_time = ctx.now_ms;
    return c;
  }
  c = g->CreateConsumer(name, ctx.now_ms);
  ctx.Modified(key, kNotifyStream, "xgroup-createconsumer");
  return c;
}

void RemoveNack(StreamGroup* g, std::map<StreamID, StreamNack>::iterator it) {
  it->second.consumer->pel.erase(it->first);
  g->pel.erase(it);
}

void PropagateXClaim(CommandContext& ctx, std::string_view key, std::string_view group, const StreamGroup& g,
                     std::string id_text, const StreamNack& nack) {
  if (!ctx.propagating()) return;
  ctx.AlsoPropagate({"XCLAIM", std::string(key), std::string(group), nack.consumer ? nack.consumer->name : "", "0",
                     std::move(id_text), "TIME", std::to_string(nack.delivery_time), "RETRYCOUNT",
                     std::to_string(nack.delivery_count), "FORCE", "JUSTID", "LASTID", g.last_id.ToString()});
}

void PropagateGroupId(CommandContext& ctx, std::string_view key, std::string_view group, const StreamGroup& g) {
  if (!ctx.propagating()) return;
  ctx.AlsoPropagate({"XGROUP", "SETID", std::string(key), std::string(group), g.last_id.ToString(), "ENTRIESREAD",
                     std::to_string(g.entries_read)});
}

namespace {

using generic_cmd::LookupRead;
using generic_cmd::LookupWrite;

void SubcommandSyntaxError(CommandContext& ctx) {
  ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" + std::string(ctx.args[1]) +
                  "'. Try XGROUP HELP.");
}

constexpr const char* kEntriesReadRange = "ERR value for ENTRIESREAD must be positive or -1";

// The common head of the XGROUP subcommands that name a key and a group:
// the key must exist (unless CREATE ... MKSTREAM) and, for SETID and the
// consumer subcommands, the group too. Returns false after replying.
bool GroupHead(CommandContext& ctx, bool mkstream, bool need_group, Stream** s, StreamGroup** g) {
  std::string_view key = ctx.args[2];
  Entry* e = LookupWrite(ctx, ctx.db(), key);
  *s = nullptr;
  *g = nullptr;
  if (e) {
    if (!IsStream(e)) {
      ctx.reply.Error(err::kWrongType);
      return false;
    }
    *s = StreamOf(e);
  }
  if (mkstream) return true;
  if (!*s) {
    ctx.reply.Error(
        "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the "
        "MKSTREAM option to create an empty stream automatically.");
    return false;
  }
  *g = (*s)->FindGroup(ctx.args[3]);
  if (!*g && need_group) {
    ctx.reply.Error("NOGROUP No such consumer group '" + ErrText(ctx.args[3]) + "' for key name '" +
                    ErrText(key) + "'");
    return false;
  }
  return true;
}

void CmdXGroupCreate(CommandContext& ctx) {
  bool mkstream = false;
  long long entries_read = StreamGroup::kInvalidEntriesRead;
  for (size_t i = 5; i < ctx.args.size();) {
    if (EqualsNoCase(ctx.args[i], "mkstream")) {
      mkstream = true;
      ++i;
    } else if (EqualsNoCase(ctx.args[i], "entriesread") && i + 1 < ctx.args.size()) {
      if (!ArgInt64(ctx, i + 1, &entries_read)) return;
      if (entries_read < 0 && entries_read != StreamGroup::kInvalidEntriesRead) {
        return ctx.reply.Error(kEntriesReadRange);
      }
      i += 2;
    } else {
      return SubcommandSyntaxError(ctx);
    }
  }
  Stream* s;
  StreamGroup* g;
  if (!GroupHead(ctx, mkstream, false, &s, &g)) return;
  if (ctx.args.size() > 8) return SubcommandSyntaxError(ctx);
  StreamID id;
  if (ctx.args[4] == "$") {
    id = s ? s->last_id() : StreamID{};
  } else if (!ArgID(ctx, 4, 0, true, &id)) {
    return;
  }
  std::string_view key = ctx.args[2];
  if (!s) {
    s = CreateStream(ctx, key);
    ctx.Signal(key);
  }
  if (!s->CreateGroup(ctx.args[3], id, entries_read)) {
    return ctx.reply.Error("BUSYGROUP Consumer Group name already exists");
  }
  ctx.Modified(key, kNotifyStream, "xgroup-create");
  ctx.reply.Ok();
}

void CmdXGroupSetID(CommandContext& ctx) {
  // The options are checked before the key is looked up, as in Redis.
  if (ctx.args.size() != 5 && ctx.args.size() != 7) return SubcommandSyntaxError(ctx);
  long long entries_read = StreamGroup::kInvalidEntriesRead;
  if (ctx.args.size() == 7) {
    if (!EqualsNoCase(ctx.args[5], "entriesread")) return SubcommandSyntaxError(ctx);
    if (!ArgInt64(ctx, 6, &entries_read)) return;
    if (entries_read < 0 && entries_read != StreamGroup::kInvalidEntriesRead) {
      return ctx.reply.Error(kEntriesReadRange);
    }
  }
  Stream* s;
  StreamGroup* g;
  if (!GroupHead(ctx, false, true, &s, &g)) return;
  StreamID id;
  if (ctx.args[4] == "$") {
    id = s->last_id();
  } else if (!ArgID(ctx, 4, 0, false, &id)) {
    return;
  }
  g->last_id = id;
  g->entries_read = entries_read;
  ctx.Modified(ctx.args[2], kNotifyStream, "xgroup-setid");
  ctx.reply.Ok();
}

void CmdXGroupDestroy(CommandContext& ctx) {
  Stream* s;
  StreamGroup* g;
  if (!GroupHead(ctx, false, false, &s, &g)) return;
  if (!g) return ctx.reply.Integer(0);
  s->DestroyGroup(ctx.args[3]);
  ctx.Modified(ctx.args[2], kNotifyStream, "xgroup-destroy");
  // Readers blocked on the group answer NOGROUP.
  SignalKeyReady(ctx, ctx.args[2]);
  ctx.reply.Integer(1);
}

void CmdXGroupCreateConsumer(CommandContext& ctx) {
  Stream* s;
  StreamGroup* g;
  if (!GroupHead(ctx, false, true, &s, &g)) return;
  if (!g->CreateConsumer(ctx.args[4], ctx.now_ms)) return ctx.reply.Integer(0);
  ctx.Modified(ctx.args[2], kNotifyStream, "xgroup-createconsumer");
  ctx.reply.Integer(1);
}

void CmdXGroupDelConsumer(CommandContext& ctx) {
  Stream* s;
  StreamGroup* g;
  if (!GroupHead(ctx, false, true, &s, &g)) return;
  if (!g->FindConsumer(ctx.args[4])) return ctx.reply.Integer(0);
  size_t pending = g->DeleteConsumer(ctx.args[4]);
  ctx.Modified(ctx.args[2], kNotifyStream, "xgroup-delconsumer");
  ctx.reply.Integer((long long)pending);
}

void CmdXGroupHelp(CommandContext& ctx) {
  static const char* const kLines[] = {
      "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CREATE <key> <groupname> <id|$> [option]",
      "    Create a new consumer group. Options are:",
      "    * MKSTREAM",
      "      Create the empty stream if it does not exist.",
      "    * ENTRIESREAD entries_read",
      "      Set the group's entries_read counter (internal use).",
      "CREATECONSUMER <key> <groupname> <consumer>",
      "    Create a new consumer in the specified group.",
      "DELCONSUMER <key> <groupname> <consumer>",
      "    Remove the specified consumer.",
      "DESTROY <key> <groupname>",
      "    Remove the specified group.",
      "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
      "    Set the current group ID and entries_read counter.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(sizeof(kLines) / sizeof(kLines[0]));
  for (const char* l : kLines) ctx.reply.SimpleString(l);
}

void CmdXAck(CommandContext& ctx) {
  Entry* e = LookupRead(ctx, ctx.db(), ctx.args[1], true);
  StreamGroup* g = nullptr;
  if (e) {
    if (!IsStream(e)) return ctx.reply.Error(err::kWrongType);
    g = StreamOf(e)->FindGroup(ctx.args[2]);
  }
  if (!g) return ctx.reply.Integer(0);
  // All IDs are checked first: the reply cannot be an error once some are acknowledged.
  std::vector<StreamID> ids(ctx.args.size() - 3);
  for (size_t j = 3; j < ctx.args.size(); ++j) {
    if (!ArgID(ctx, j, 0, true, &ids[j - 3])) return;
  }
  long long acked = 0;
  for (const StreamID& id : ids) {
    auto it = g->pel.find(id);
    if (it == g->pel.end()) continue;
    RemoveNack(g, it);
    ++acked;
  }
  if (acked) {
    ctx.Signal(ctx.args[1]);
    ctx.dirty += uint64_t(acked);
  }
  ctx.reply.Integer(acked);
}

void CmdXPending(CommandContext& ctx) {
  const auto& args = ctx.args;
  bool summary = args.size() == 3;
  if (!summary && (args.size() < 6 || args.size() > 9)) return ctx.reply.Error(err::kSyntax);
  StreamID start, end;
  long long count = 0, minidle = 0;
  std::string_view consumer_name;
  bool has_consumer = false;
  if (!summary) {
    size_t si = 3;
    if (EqualsNoCase(args[3], "idle")) {
      if (!ArgInt64(ctx, 4, &minidle)) return;
      if (args.size() < 8) return ctx.reply.Error(err::kSyntax);
      si += 2;
    }
    if (!ArgInt64(ctx, si + 2, &count)) return;
    if (count < 0) count = 0;
    bool ex;
    std::string_view t = args[si];
    ex = t.size() > 1 && t[0] == '(';
    if (!(ex ? ParseStreamID(t.substr(1), 0, true, &start) : ParseStreamID(t, 0, false, &start))) {
      return ctx.reply.Error(kInvalidID);
    }
    if (ex && !start.Incr()) return ctx.reply.Error("ERR invalid start ID for the interval");
    t = args[si + 1];
    ex = t.size() > 1 && t[0] == '(';
    if (!(ex ? ParseStreamID(t.substr(1), UINT64_MAX, true, &end)
             : ParseStreamID(t, UINT64_MAX, false, &end))) {
      return ctx.reply.Error(kInvalidID);
    }
    if (ex && !end.Decr()) return ctx.reply.Error("ERR invalid end ID for the interval");
    if (si + 3 < args.size()) {
      consumer_name = args[si + 3];
      has_consumer = true;
    }
  }
  Entry* e = LookupRead(ctx, ctx.db(), args[1], true);
  if (e && !IsStream(e)) return ctx.reply.Error(err::kWrongType);
  StreamGroup* g = e ? StreamOf(e)->FindGroup(args[2]) : nullptr;
  if (!g) return ReplyNoGroup(ctx, args[1], args[2], "");
  if (summary) {
    ctx.reply.ArrayHeader(4);
    ctx.reply.Integer((long long)g->pel.size());
    if (g->pel.empty()) {
      ctx.reply.Null();
      ctx.reply.Null();
      ctx.reply.NullArray();
      return;
    }
    ReplyID(ctx, g->pel.begin()->first);
    ReplyID(ctx, g->pel.rbegin()->first);
    size_t mark = ctx.reply.BeginDeferred();
    size_t n = 0;
    for (const auto& [name, c] : g->consumers) {
      if (c->pel.empty()) continue;
      ctx.reply.ArrayHeader(2);
      ctx.reply.Bulk(name);
      ctx.reply.BulkInteger((long long)c->pel.size());
      ++n;
    }
    ctx.reply.EndDeferredArray(mark, n);
    return;
  }
  auto reply_one = [&](const StreamID& id, const StreamNack& nack) {
    if (minidle && ElapsedMs(ctx.now_ms, nack.delivery_time) < minidle) return false;
    ctx.reply.ArrayHeader(4);
    ReplyID(ctx, id);
    ctx.reply.Bulk(nack.consumer->name);
    int64_t elapsed = ElapsedMs(ctx.now_ms, nack.delivery_time);
    ctx.reply.Integer(elapsed < 0 ? 0 : elapsed);
    ctx.reply.Integer((long long)nack.delivery_count);
    return true;
  };
  size_t mark = ctx.reply.BeginDeferred();
  size_t n = 0;
  if (has_consumer) {
    StreamConsumer* c = g->FindConsumer(consumer_name);
    if (!c) return ctx.reply.ArrayHeader(0);
    for (auto it = c->pel.lower_bound(start); count && it != c->pel.end() && it->first <= end; ++it) {
      if (reply_one(it->first, *it->second)) {
        ++n;
        --count;
      }
    }
  } else {
    for (auto it = g->pel.lower_bound(start); count && it != g->pel.end() && it->first <= end; ++it) {
      if (reply_one(it->first, it->second)) {
        ++n;
        --count;
      }
    }
  }
  ctx.reply.EndDeferredArray(mark, n);
}

}  // namespace

void BindGroupCommands(CommandTable& t) {
  t.Bind("xgroup|create", CmdXGroupCreate);
  t.Bind("xgroup|setid", CmdXGroupSetID);
  t.Bind("xgroup|destroy", CmdXGroupDestroy);
  t.Bind("xgroup|createconsumer", CmdXGroupCreateConsumer);
  t.Bind("xgroup|delconsumer", CmdXGroupDelConsumer);
  t.Bind("xgroup|help", CmdXGroupHelp);
  t.Bind("xack", CmdXAck);
  t.Bind("xpending", CmdXPending);
}

}  // namespace stream_cmd
}  // namespace vireo
