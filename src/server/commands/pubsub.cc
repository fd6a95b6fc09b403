// Pub/Sub commands: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE PUBLISH
// SSUBSCRIBE SUNSUBSCRIBE SPUBLISH and PUBSUB (standalone Redis 7.0
// behaviour). The registry (server/pubsub.h) holds the subscriptions; these
// handlers parse, reply with Redis's confirmation messages (RESP2 arrays,
// RESP3 pushes) and publish.
#include <string>
#include <vector>

#include "base/glob.h"
#include "resp/reply_builder.h"
#include "server/client.h"
#include "server/commands/server_context.h"
#include "server/server.h"

namespace vireo {
namespace {

using Kind = PubSubRegistry::Kind;

// ["subscribe", channel, count] and friends.
void Confirm(ReplyBuilder& r, std::string_view what, std::string_view channel, size_t count) {
  r.PushHeader(3);
  r.Bulk(what);
  r.Bulk(channel);
  r.Integer((long long)count);
}

// Replies when an unsubscribe without arguments finds nothing to drop.
void ConfirmNone(ReplyBuilder& r, std::string_view what, size_t count) {
  r.PushHeader(3);
  r.Bulk(what);
  r.Null();
  r.Integer((long long)count);
}

size_t Count(const Client& c) { return c.subs ? c.subs->count() : 0; }
size_t ShardCount(const Client& c) { return c.subs ? c.subs->shard_channels.size() : 0; }

// SUBSCRIBE and PSUBSCRIBE are allowed inside EXEC (Redis keeps that for old
// clients) but not for other deny-blocking callers (scripts).
bool DeniedSubscribe(ServerContext& ctx, const char* name) {
  if (ctx.client.deny_blocking && !ctx.client.in_exec) {
    ctx.reply.Error(std::string("ERR ") + name + " isn't allowed for a DENY BLOCKING client");
    return true;
  }
  return false;
}

void CmdSubscribe(ServerContext& ctx) {
  if (DeniedSubscribe(ctx, "SUBSCRIBE")) return;
  PubSubRegistry& ps = ctx.server.pubsub();
  for (size_t i = 1; i < ctx.args.size(); ++i) {
    ps.Subscribe(&ctx.client, Kind::kChannel, ctx.args[i]);
    Confirm(ctx.reply, "subscribe", ctx.args[i], Count(ctx.client));
  }
}

void CmdPsubscribe(ServerContext& ctx) {
  if (DeniedSubscribe(ctx, "PSUBSCRIBE")) return;
  PubSubRegistry& ps = ctx.server.pubsub();
  for (size_t i = 1; i < ctx.args.size(); ++i) {
    ps.PSubscribe(&ctx.client, ctx.args[i]);
    Confirm(ctx.reply, "psubscribe", ctx.args[i], Count(ctx.client));
  }
}

void CmdSsubscribe(ServerContext& ctx) {
  // No EXEC exception for shard channels in Redis 7.0.
  if (ctx.client.deny_blocking) {
    ctx.reply.Error("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
    return;
  }
  PubSubRegistry& ps = ctx.server.pubsub();
  for (size_t i = 1; i < ctx.args.size(); ++i) {
    ps.Subscribe(&ctx.client, Kind::kShard, ctx.args[i]);
    Confirm(ctx.reply, "ssubscribe", ctx.args[i], ShardCount(ctx.client));
  }
}

// UNSUBSCRIBE / SUNSUBSCRIBE: the named channels, or every one the client has.
void Unsubscribe(ServerContext& ctx, Kind kind, std::string_view what) {
  PubSubRegistry& ps = ctx.server.pubsub();
  Client& c = ctx.client;
  auto count = [&c, kind] { return kind == Kind::kChannel ? Count(c) : ShardCount(c); };
  if (ctx.args.size() > 1) {
    for (size_t i = 1; i < ctx.args.size(); ++i) {
      ps.Unsubscribe(&c, kind, ctx.args[i]);
      Confirm(ctx.reply, what, ctx.args[i], count());
    }
    return;
  }
  std::vector<std::string> all;
  if (c.subs) {
    const auto& own = kind == Kind::kChannel ? c.subs->channels : c.subs->shard_channels;
    all.assign(own.begin(), own.end());
  }
  if (all.empty()) {
    ConfirmNone(ctx.reply, what, count());
    return;
  }
  for (const std::string& ch : all) {
    ps.Unsubscribe(&c, kind, ch);
    Confirm(ctx.reply, what, ch, count());
  }
}

void CmdUnsubscribe(ServerContext& ctx) { Unsubscribe(ctx, Kind::kChannel, "unsubscribe"); }
void CmdSunsubscribe(ServerContext& ctx) { Unsubscribe(ctx, Kind::kShard, "sunsubscribe"); }

void CmdPunsubscribe(ServerContext& ctx) {
  PubSubRegistry& ps = ctx.server.pubsub();
  Client& c = ctx.client;
  if (ctx.args.size() > 1) {
    for (size_t i = 1; i < ctx.args.size(); ++i) {
      ps.PUnsubscribe(&c, ctx.args[i]);
      Confirm(ctx.reply, "punsubscribe", ctx.args[i], Count(c));
    }
    return;
  }
  std::vector<std::string> all;
  if (c.subs) all.assign(c.subs->patterns.begin(), c.subs->patterns.end());
  if (all.empty()) {
    ConfirmNone(ctx.reply, "punsubscribe", Count(c));
    return;
  }
  for (const std::string& p : all) {
    ps.PUnsubscribe(&c, p);
    Confirm(ctx.reply, "punsubscribe", p, Count(c));
  }
}

void CmdPublish(ServerContext& ctx) {
  size_t n = ctx.server.pubsub().Publish(Kind::kChannel, ctx.args[1], ctx.args[2]);
  ctx.ForcePropagation(kPropagateRepl);  // replicas' subscribers get it too (not the AOF)
  ctx.reply.Integer((long long)n);
}

void CmdSpublish(ServerContext& ctx) {
  size_t n = ctx.server.pubsub().Publish(Kind::kShard, ctx.args[1], ctx.args[2]);
  ctx.ForcePropagation(kPropagateRepl);
  ctx.reply.Integer((long long)n);
}

// PUBSUB subcommands that take a fixed shape answer Redis's generic
// "unknown subcommand or wrong number of arguments" for other counts.
bool SubcommandArgs(ServerContext& ctx, size_t max) {
  if (ctx.args.size() <= max) return true;
  ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" + std::string(ctx.args[1]) +
                  "'. Try PUBSUB HELP.");
  return false;
}

void ListChannels(ServerContext& ctx, Kind kind) {
  if (!SubcommandArgs(ctx, 3)) return;
  const auto& channels = ctx.server.pubsub().channels(kind);
  size_t mark = ctx.reply.BeginDeferred();
  size_t n = 0;
  for (const auto& [name, clients] : channels) {
    if (ctx.args.size() == 3 && !GlobMatch(ctx.args[2], name)) continue;
    ctx.reply.Bulk(name);
    ++n;
  }
  ctx.reply.EndDeferredArray(mark, n);
}

void NumSub(ServerContext& ctx, Kind kind) {
  const auto& channels = ctx.server.pubsub().channels(kind);
  ctx.reply.ArrayHeader((ctx.args.size() - 2) * 2);
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    auto it = channels.find(std::string(ctx.args[i]));
    ctx.reply.Bulk(ctx.args[i]);
    ctx.reply.Integer(it == channels.end() ? 0 : (long long)it->second.size());
  }
}

void CmdPubsubChannels(ServerContext& ctx) { ListChannels(ctx, Kind::kChannel); }
void CmdPubsubShardchannels(ServerContext& ctx) { ListChannels(ctx, Kind::kShard); }
void CmdPubsubNumsub(ServerContext& ctx) { NumSub(ctx, Kind::kChannel); }
void CmdPubsubShardnumsub(ServerContext& ctx) { NumSub(ctx, Kind::kShard); }
void CmdPubsubNumpat(ServerContext& ctx) { ctx.reply.Integer((long long)ctx.server.pubsub().pattern_count()); }

void CmdPubsubHelp(ServerContext& ctx) {
  static const char* kLines[] = {
      "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CHANNELS [<pattern>]",
      "    Return the currently active channels matching a <pattern> (default: '*').",
      "NUMPAT",
      "    Return number of subscriptions to patterns.",
      "NUMSUB [<channel> ...]",
      "    Return the number of subscribers for the specified channels, excluding",
      "    pattern subscriptions(default: no channels).",
      "SHARDCHANNELS [<pattern>]",
      "    Return the currently active shard level channels matching a <pattern> (default: '*').",
      "SHARDNUMSUB [<shardchannel> ...]",
      "    Return the number of subscribers for the specified shard level channel(s)",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(sizeof(kLines) / sizeof(kLines[0]));
  for (const char* l : kLines) ctx.reply.SimpleString(l);
}

}  // namespace

void BindPubSubCommands(CommandTable& t) {
  t.Bind("subscribe", OnServer<CmdSubscribe>);
  t.Bind("unsubscribe", OnServer<CmdUnsubscribe>);
  t.Bind("psubscribe", OnServer<CmdPsubscribe>);
  t.Bind("punsubscribe", OnServer<CmdPunsubscribe>);
  t.Bind("ssubscribe", OnServer<CmdSsubscribe>);
  t.Bind("sunsubscribe", OnServer<CmdSunsubscribe>);
  t.Bind("publish", OnServer<CmdPublish>);
  t.Bind("spublish", OnServer<CmdSpublish>);
  t.Bind("pubsub|channels", OnServer<CmdPubsubChannels>);
  t.Bind("pubsub|shardchannels", OnServer<CmdPubsubShardchannels>);
  t.Bind("pubsub|numsub", OnServer<CmdPubsubNumsub>);
  t.Bind("pubsub|shardnumsub", OnServer<CmdPubsubShardnumsub>);
  t.Bind("pubsub|numpat", OnServer<CmdPubsubNumpat>);
  t.Bind("pubsub|help", OnServer<CmdPubsubHelp>);
  for (const char* name : {"subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ssubscribe", "sunsubscribe",
                           "ping", "quit", "reset"}) {
    t.Find(name)->flags |= kCmdAllowedInSubscriberMode;
  }
}

}  // namespace vireo
