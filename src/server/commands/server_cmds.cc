// Server commands: CONFIG, TIME, LASTSAVE, MONITOR, SLOWLOG, LATENCY, MEMORY,
// DEBUG, SHUTDOWN. INFO and COMMAND have files of their own.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "base/clock.h"
#include "base/log.h"
#include "base/memory_stats.h"
#include "base/numbers.h"
#include "commands/core/args.h"
#include "engine/keyspace.h"
#include "engine/type_ops.h"
#include "resp/reply_builder.h"
#include "server/client.h"
#include "server/commands/debug_protocol.h"
#include "server/commands/aof_cmds.h"
#include "server/commands/persistence_cmds.h"
#include "server/commands/server_context.h"
#include "acl/acl_users.h"
#include "server/config_rewrite.h"
#include "server/config_values.h"
#include "types/quicklist.h"
#include "persistence/rdb_writer.h"
#include "server/script_runner.h"
#include "server/replication.h"
#include "server/server.h"

namespace vireo {

void BindInfoCommand(CommandTable& t);
void BindCommandCommand(CommandTable& t);

namespace {

void HelpReply(ServerContext& ctx, std::initializer_list<const char*> lines) {
  ctx.reply.ArrayHeader(lines.size());
  for (const char* l : lines) ctx.reply.SimpleString(l);
}

// ---- CONFIG ----

void CmdConfigGet(ServerContext& ctx) {
  std::vector<std::string_view> patterns(ctx.args.begin() + 2, ctx.args.end());
  auto pairs = ctx.server.config().Get(patterns);
  ctx.reply.MapHeader(pairs.size());
  for (auto& [k, v] : pairs) {
    ctx.reply.Bulk(k);
    ctx.reply.Bulk(v);
  }
}

void CmdConfigSet(ServerContext& ctx) {
  if ((ctx.args.size() - 2) % 2 != 0) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  for (size_t i = 2; i + 1 < ctx.args.size(); i += 2) pairs.emplace_back(ctx.args[i], ctx.args[i + 1]);
  std::string error = ctx.server.config().Set(pairs);
  if (error.empty()) {
    ctx.reply.Ok();
  } else {
    ctx.reply.Error(error);
  }
}

void CmdConfigResetstat(ServerContext& ctx) {
  // As Redis: statistics only; the slowlog and latency events have RESET subcommands of their own.
  ctx.server.ResetStats();
  ctx.reply.Ok();
}

void CmdConfigRewrite(ServerContext& ctx) {
  Server& server = ctx.server;
  const std::string& path = server.config().config_file();
  if (path.empty()) {
    ctx.reply.Error("ERR The server is running without a config file");
    return;
  }
  RewriteInputs in;
  in.values = &server.cfg();
  in.users_in_aclfile = !server.cfg().aclfile.empty();
  for (const auto& [name, u] : server.acl().all()) in.user_lines.push_back("user " + name + " " + u->Describe());
  if (server.repl().is_replica()) {
    in.replicaof = server.repl().master_host() + " " + std::to_string(server.repl().master_port());
  }
  const std::string error = RewriteConfigFile(path, in);
  if (!error.empty()) {
    VLOG_WARNING("CONFIG REWRITE failed: %s", error.c_str());
    ctx.reply.Error("ERR Rewriting config file: " + error);
    return;
  }
  VLOG_NOTICE("CONFIG REWRITE executed with success.");
  ctx.reply.Ok();
}

void CmdConfigHelp(ServerContext& ctx) {
  HelpReply(ctx, {"CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                  "GET <pattern>",
                  "    Return parameters matching the glob-like <pattern> and their values.",
                  "SET <directive> <value>",
                  "    Set the configuration <directive> to <value>.",
                  "RESETSTAT",
                  "    Reset statistics reported by the INFO command.",
                  "REWRITE",
                  "    Rewrite the configuration file.",
                  "HELP",
                  "    Prints this help."});
}

// ---- TIME / LASTSAVE ----

void CmdTime(ServerContext& ctx) {
  int64_t us = NowUs();
  ctx.reply.ArrayHeader(2);
  ctx.reply.BulkInteger(us / 1000000);
  ctx.reply.BulkInteger(us % 1000000);
}

void CmdMonitor(ServerContext& ctx) {
  ctx.server.AddMonitor(&ctx.client);
  ctx.reply.Ok();
}

// ---- SLOWLOG ----

void CmdSlowlogGet(ServerContext& ctx) {
  long long count = 10;
  if (ctx.args.size() == 3) {
    if (!ParseInt64(ctx.args[2], &count) || count < -1) {
      ctx.reply.Error("ERR count should be greater than or equal to -1");
      return;
    }
    if (count == -1) count = (long long)ctx.server.slowlog().size();
  }
  auto& log = ctx.server.slowlog();
  size_t n = std::min(size_t(count), log.size());
  ctx.reply.ArrayHeader(n);
  for (size_t i = 0; i < n; ++i) {
    const SlowlogEntry& e = log[i];
    ctx.reply.ArrayHeader(6);
    ctx.reply.Integer((long long)e.id);
    ctx.reply.Integer(e.time_sec);
    ctx.reply.Integer(e.duration_us);
    ctx.reply.ArrayHeader(e.args.size());
    for (auto& a : e.args) ctx.reply.Bulk(a);
    ctx.reply.Bulk(e.peer);
    ctx.reply.Bulk(e.name);
  }
}

void CmdSlowlogLen(ServerContext& ctx) { ctx.reply.Integer((long long)ctx.server.slowlog().size()); }

void CmdSlowlogReset(ServerContext& ctx) {
  ctx.server.slowlog().clear();
  ctx.reply.Ok();
}

void CmdSlowlogHelp(ServerContext& ctx) {
  HelpReply(ctx, {"SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                  "GET [<count>]",
                  "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
                  "    Entries are made of:",
                  "    id, timestamp, time in microseconds, arguments array, client IP and port,",
                  "    client name",
                  "LEN",
                  "    Return the length of the slowlog.",
                  "RESET",
                  "    Reset the slowlog.",
                  "HELP",
                  "    Prints this help."});
}

// ---- LATENCY ----

void CmdLatencyLatest(ServerContext& ctx) {
  const auto& events = ctx.server.latency_monitor().events();
  ctx.reply.ArrayHeader(events.size());
  for (const auto& [name, s] : events) {
    ctx.reply.ArrayHeader(4);
    ctx.reply.Bulk(name);
    ctx.reply.Integer(s.samples.back().time_sec);
    ctx.reply.Integer(s.samples.back().latency_ms);
    ctx.reply.Integer(s.max_ms);
  }
}

void CmdLatencyHistory(ServerContext& ctx) {
  const LatencyMonitor::Series* s = ctx.server.latency_monitor().Find(ctx.args[2]);
  if (!s) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  ctx.reply.ArrayHeader(s->samples.size());
  for (const auto& x : s->samples) {
    ctx.reply.ArrayHeader(2);
    ctx.reply.Integer(x.time_sec);
    ctx.reply.Integer(x.latency_ms);
  }
}

void CmdLatencyReset(ServerContext& ctx) {
  LatencyMonitor& m = ctx.server.latency_monitor();
  size_t n = 0;
  if (ctx.args.size() == 2) {
    n = m.ResetAll();
  } else {
    for (size_t i = 2; i < ctx.args.size(); ++i) n += m.Reset(ctx.args[i]);
  }
  ctx.reply.Integer((long long)n);
}

void CmdLatencyGraph(ServerContext& ctx) {
  const LatencyMonitor::Series* s = ctx.server.latency_monitor().Find(ctx.args[2]);
  if (!s) {
    ctx.reply.Error("ERR No samples available for event '" + std::string(ctx.args[2]) + "'");
    return;
  }
  ctx.reply.Verbatim(LatencyMonitor::Graph(ctx.args[2], *s, NowMs() / 1000));
}

void CmdLatencyDoctor(ServerContext& ctx) {
  const ServerConfig& cfg = ctx.server.cfg();
  LatencyMonitor::DoctorInputs in;
  in.threshold_ms = cfg.latency_monitor_threshold;
  in.slowlog_log_slower_than = cfg.slowlog_log_slower_than;
  in.hz = cfg.hz;
  in.appendfsync_always = cfg.appendfsync == 0;
  in.anon_huge_pages = ReadAnonHugePages();
  ctx.reply.Verbatim(ctx.server.latency_monitor().Doctor(in, NowMs() / 1000));
}

// LATENCY HISTOGRAM [command ...]: per-command cumulative distributions.
void LatencyHistogramEntry(ServerContext& ctx, const Command* c) {
  ctx.reply.Bulk(c->full_name);
  ctx.reply.MapHeader(2);
  ctx.reply.Bulk("calls");
  ctx.reply.Integer((long long)c->latency->total());
  ctx.reply.Bulk("histogram_usec");
  auto points = c->latency->CumulativeUsec();
  ctx.reply.MapHeader(points.size());
  for (auto& [usec, count] : points) {
    ctx.reply.Integer(usec);
    ctx.reply.Integer(count);
  }
}

// "get" or "config|get", any case; nullptr when unknown.
const Command* LookupFullName(CommandTable& t, std::string_view name) {
  size_t bar = name.find('|');
  const Command* c = t.Find(name.substr(0, bar));
  if (!c || bar == std::string_view::npos) return c;
  auto it = c->sub_by_name.find(name.substr(bar + 1));
  return it == c->sub_by_name.end() ? nullptr : it->second;
}

void CmdLatencyHistogram(ServerContext& ctx) {
  std::vector<const Command*> show;
  auto add = [&](const Command* c) {
    if (c->latency) show.push_back(c);
    for (const Command* sub : c->subcommands) {
      if (sub->latency) show.push_back(sub);
    }
  };
  if (ctx.args.size() == 2) {
    for (const Command* c : ctx.server.commands().all()) add(c);
  } else {
    for (size_t i = 2; i < ctx.args.size(); ++i) {
      if (const Command* c = LookupFullName(ctx.server.commands(), ctx.args[i])) add(c);
    }
  }
  ctx.reply.MapHeader(show.size());
  for (const Command* c : show) LatencyHistogramEntry(ctx, c);
}

void CmdLatencyHelp(ServerContext& ctx) {
  HelpReply(ctx, {"LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                  "DOCTOR",
                  "    Return a human readable latency analysis report.",
                  "GRAPH <event>",
                  "    Return an ASCII latency graph for the <event> class.",
                  "HISTORY <event>",
                  "    Return time-latency samples for the <event> class.",
                  "LATEST",
                  "    Return the latest latency samples for all events.",
                  "RESET [<event> ...]",
                  "    Reset latency data of one or more <event> classes.",
                  "    (default: reset all data for all event classes)",
                  "HISTOGRAM [COMMAND ...]",
                  "    Return a cumulative distribution of latencies in the format of a histogram for the specified "
                  "command names.",
                  "    If no commands are specified then all histograms are replied.",
                  "HELP",
                  "    Prints this help."});
}

// ---- MEMORY ----

void CmdMemoryUsage(ServerContext& ctx) {
  const auto& a = ctx.args;
  for (size_t i = 3; i < a.size(); i += 2) {
    if (EqualsNoCase(a[i], "samples") && i + 1 < a.size()) {
      long long samples;
      if (!ArgInt64(ctx, i + 1, &samples)) return;
      if (samples < 0) {
        ctx.reply.Error(err::kSyntax);
        return;
      }
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  Entry* e = ctx.db().Lookup(a[2], ctx.now_ms, false);
  if (!e) {
    ctx.reply.Null();
    return;
  }
  // The entry's allocation, its share of a table slot (64-byte buckets of
  // 7), and for collections what the value holds.
  size_t bytes = e->AllocatedBytes() + 10;
  if (e->type() != ObjType::kString) bytes += ObjectMemory(e->type(), e->object());
  ctx.reply.Integer((long long)bytes);
}

void CmdMemoryHelp(ServerContext& ctx) {
  HelpReply(ctx, {"MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                  "USAGE <key> [SAMPLES <count>]",
                  "    Return memory in bytes used by <key> and its value. Nested values are",
                  "    sampled up to <count> times (default: 5, 0 means sample all).",
                  "HELP",
                  "    Prints this help."});
}

// ---- DEBUG ----

// DEBUG POPULATE count [prefix] [size]: keys "prefix:N" (default "key",
// the name cut at 127 bytes as Redis's buffer cuts it) holding "value:N",
// padded with zero bytes or cut to size; existing keys are left alone. Like
// Redis, nothing is propagated or counted as a change; watchers are told.
void DebugPopulate(ServerContext& ctx) {
  const auto& a = ctx.args;
  // One message for a bad or negative number, as Redis's.
  const char* kPositive = "ERR value is out of range, must be positive";
  long long count, size = 0;
  if (!ArgInt64(ctx, 2, &count, kPositive)) return;
  if (count < 0) return ctx.reply.Error(kPositive);
  if (a.size() == 5) {
    if (!ArgInt64(ctx, 4, &size, kPositive)) return;
    if (size < 0) return ctx.reply.Error(kPositive);
  }
  const std::string prefix(a.size() >= 4 ? a[3] : std::string_view("key"));
  Database& db = ctx.db();
  std::string key, value;
  for (long long j = 0; j < count; ++j) {
    key = prefix;
    key += ':';
    key += std::to_string(j);
    if (key.size() > 127) key.resize(127);
    if (db.LookupWrite(key, ctx.now_ms)) continue;
    value = "value:" + std::to_string(j);
    if (size) value.resize(size_t(size), '\0');
    db.Add(Entry::NewString(key, value));
    ctx.Signal(key);
  }
  ctx.reply.Ok();
}

void CmdDebug(ServerContext& ctx) {
  const auto& a = ctx.args;
  if (!ctx.server.cfg().enable_debug_command) {
    ctx.reply.Error(
        "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it "
        "from a local connection, otherwise you need to set this option in the configuration file, and then "
        "restart the server.");
    return;
  }
  if (DebugPersistence(ctx)) return;
  if (DebugAof(ctx)) return;
  if (EqualsNoCase(a[1], "sleep") && a.size() == 3) {
    // Redis reads the number with strtod and ignores what follows it: "x" is 0.
    const double secs = std::strtod(std::string(a[2]).c_str(), nullptr);
    if (secs > 0) usleep(useconds_t(secs * 1e6));
    ctx.reply.Ok();
  } else if (EqualsNoCase(a[1], "set-active-expire") && a.size() == 3) {
    long long on;
    if (!ArgInt64(ctx, 2, &on)) return;
    ctx.server.keyspace().set_active_expire_enabled(on != 0);
    ctx.reply.Ok();
  } else if (EqualsNoCase(a[1], "object") && a.size() == 3) {
    Entry* e = ctx.db().Lookup(a[2], ctx.now_ms, false);
    if (!e) {
      ctx.reply.Error(err::kNoSuchKey);
      return;
    }
    char buf[384];
    int len = snprintf(buf, sizeof(buf),
                       "Value at:%p refcount:1 encoding:%s serializedlength:%zu lru:%u lru_seconds_idle:%llu",
                       static_cast<void*>(e), EncodingName(e->encoding()),
                       RdbWriter::SerializedLength(e, ctx.server.cfg().rdbcompression), e->lru(),
                       (unsigned long long)ctx.server.keyspace().IdleSeconds(e));
    if (e->type() == ObjType::kList) {
      // Redis's quicklist fields (sizes are of Vireo's node format).
      const auto* q = static_cast<const Quicklist*>(e->object());
      snprintf(buf + len, sizeof(buf) - size_t(len),
               " ql_nodes:%zu ql_avg_node:%.2f ql_listpack_max:%d ql_compressed:%d ql_uncompressed_size:%zu",
               q->node_count(), q->node_count() ? double(q->size()) / double(q->node_count()) : 0.0, q->fill(),
               q->compress_depth() != 0 ? 1 : 0, q->UncompressedBytes());
    }
    ctx.reply.SimpleString(buf);
  } else if (EqualsNoCase(a[1], "populate") && a.size() >= 3 && a.size() <= 5) {
    DebugPopulate(ctx);
  } else if (EqualsNoCase(a[1], "quicklist-packed-threshold") && a.size() == 3) {
    unsigned long long bytes;
    if (!ParseMemory(a[2], &bytes) || !Quicklist::SetPackedThreshold(bytes)) {
      ctx.reply.Error("ERR argument must be a memory value bigger than 1 and smaller than 4gb");
    } else {
      ctx.reply.Ok();
    }
  } else if (EqualsNoCase(a[1], "protocol") && a.size() == 3) {
    DebugProtocolReply(a[2], ctx.reply);
  } else if (EqualsNoCase(a[1], "help")) {
    // Redis's lines for the subcommands Vireo has, in Redis's order.
    HelpReply(ctx, {"DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                    "DIGEST",
                    "    Output a hex signature representing the current DB content.",
                    "DIGEST-VALUE <key> [<key> ...]",
                    "    Output a hex signature of the values of all the specified keys.",
                    "OBJECT <key>",
                    "    Show low level info about `key` and associated value.",
                    "POPULATE <count> [<prefix>] [<size>]",
                    "    Create <count> string keys named key:<num>. If <prefix> is specified then",
                    "    it is used instead of the 'key' prefix. These are not propagated to",
                    "    replicas. Cluster slots are not respected so keys not belonging to the",
                    "    current node can be created in cluster mode.",
                    "PROTOCOL <type>",
                    "    Reply with a test value of the specified type. <type> can be: string,",
                    "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
                    "    true, false.",
                    "RELOAD [NOSAVE]",
                    "    Save the RDB on disk and reload it back to memory (NOSAVE: load the",
                    "    existing RDB file). MERGE and NOFLUSH are not supported.",
                    "SET-ACTIVE-EXPIRE <0|1>",
                    "    Setting it to 0 disables expiring keys in background when they are not",
                    "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
                    "    default.",
                    "QUICKLIST-PACKED-THRESHOLD <size>",
                    "    Sets the threshold for elements to be inserted as plain vs packed nodes",
                    "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
                    "SLEEP <seconds>",
                    "    Stop the server for <seconds>. Decimals allowed.",
                    "HELP",
                    "    Prints this help."});
  } else {
    // Redis prints at most 128 bytes of the name.
    ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" + std::string(a[1].substr(0, 128)) +
                    "'. Try DEBUG HELP.");
  }
}

// ---- SHUTDOWN ----

void CmdShutdown(ServerContext& ctx) {
  // Flags are checked as Redis does. The final save (SAVE, or save points
  // without NOSAVE) must succeed unless FORCE; NOW has nothing to skip
  // (no replicas to wait for).
  bool nosave = false, save = false, abort_flag = false, other = false;
  for (size_t i = 1; i < ctx.args.size(); ++i) {
    std::string_view f = ctx.args[i];
    if (EqualsNoCase(f, "nosave")) {
      nosave = true;
    } else if (EqualsNoCase(f, "save")) {
      save = true;
    } else if (EqualsNoCase(f, "now") || EqualsNoCase(f, "force")) {
      other = true;
    } else if (EqualsNoCase(f, "abort")) {
      abort_flag = true;
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  if ((abort_flag && (nosave || save || other)) || (nosave && save)) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  if (abort_flag) {
    ctx.reply.Error("ERR No shutdown in progress.");
    return;
  }
  // While a slow script runs only SHUTDOWN NOSAVE may end the server (Redis).
  if (!nosave && ctx.server.scripts().timed_out()) {
    ctx.reply.Error(ctx.server.scripts().BusyError());
    return;
  }
  VLOG_WARNING("User requested shutdown...");
  std::string error;
  const bool force = std::any_of(ctx.args.begin() + 1, ctx.args.end(),
                                 [](std::string_view f) { return EqualsNoCase(f, "force"); });
  if (!ctx.server.PrepareForShutdown(save, nosave, force, &error)) {
    ctx.reply.Error("ERR Errors trying to SHUTDOWN. Check logs.");
    return;
  }
  ctx.server.RequestShutdown();
}

}  // namespace

void BindServerCommands(CommandTable& t) {
  BindInfoCommand(t);
  BindCommandCommand(t);
  t.Bind("config|get", OnServer<CmdConfigGet>);
  t.Bind("config|set", OnServer<CmdConfigSet>);
  t.Bind("config|resetstat", OnServer<CmdConfigResetstat>);
  t.Bind("config|rewrite", OnServer<CmdConfigRewrite>);
  t.Bind("config|help", OnServer<CmdConfigHelp>);
  t.Bind("time", OnServer<CmdTime>);
  BindPersistenceCommands(t);
  BindMigrateCommand(t);
  BindAofCommands(t);
  t.Bind("monitor", OnServer<CmdMonitor>);
  t.Bind("slowlog|get", OnServer<CmdSlowlogGet>);
  t.Bind("slowlog|len", OnServer<CmdSlowlogLen>);
  t.Bind("slowlog|reset", OnServer<CmdSlowlogReset>);
  t.Bind("slowlog|help", OnServer<CmdSlowlogHelp>);
  t.Bind("latency|latest", OnServer<CmdLatencyLatest>);
  t.Bind("latency|history", OnServer<CmdLatencyHistory>);
  t.Bind("latency|reset", OnServer<CmdLatencyReset>);
  t.Bind("latency|help", OnServer<CmdLatencyHelp>);
  t.Bind("latency|histogram", OnServer<CmdLatencyHistogram>);
  t.Bind("latency|graph", OnServer<CmdLatencyGraph>);
  t.Bind("latency|doctor", OnServer<CmdLatencyDoctor>);
  t.Bind("memory|usage", OnServer<CmdMemoryUsage>);
  t.Bind("memory|help", OnServer<CmdMemoryHelp>);
  t.Bind("debug", OnServer<CmdDebug>);
  t.Bind("shutdown", OnServer<CmdShutdown>);
}

}  // namespace vireo
