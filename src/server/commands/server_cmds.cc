// Server commands: CONFIG, TIME, LASTSAVE, MONITOR, SLOWLOG, LATENCY,
// SHUTDOWN. INFO, COMMAND, MEMORY and DEBUG have files of their own.
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
#include "resp/reply_builder.h"
#include "server/client.h"
#include "server/commands/config_cmds.h"
#include "server/commands/aof_cmds.h"
#include "server/commands/persistence_cmds.h"
#include "server/commands/server_context.h"
#include "acl/acl_users.h"
#include "server/config_rewrite.h"
#include "server/config_values.h"
#include "server/script_runner.h"
#include "server/replication.h"
#include "server/server.h"

namespace vireo {

void BindInfoCommand(CommandTable& t);
void BindCommandCommand(CommandTable& t);

std::string RewriteRunningConfig(Server& server, bool force_all) {
  const std::string& path = server.config().config_file();
  RewriteInputs in;
  in.values = &server.cfg();
  in.force_all = force_all;
  in.users_in_aclfile = !server.cfg().aclfile.empty();
  for (const auto& [name, u] : server.acl().all()) in.user_lines.push_back("user " + name + " " + u->Describe());
  if (server.repl().is_replica()) {
    in.replicaof = server.repl().master_host() + " " + std::to_string(server.repl().master_port());
  }
  const std::string error = RewriteConfigFile(path, in);
  if (!error.empty()) {
    VLOG_WARNING("CONFIG REWRITE failed: %s", error.c_str());
  } else {
    VLOG_NOTICE("CONFIG REWRITE executed with success.");
  }
  return error;
}

void HelpReply(ServerContext& ctx, std::initializer_list<const char*> lines) {
  ctx.reply.ArrayHeader(lines.size());
  for (const char* l : lines) ctx.reply.SimpleString(l);
}

namespace {

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
  if (ctx.server.config().config_file().empty()) {
    ctx.reply.Error("ERR The server is running without a config file");
    return;
  }
  const std::string error = RewriteRunningConfig(ctx.server);
  if (!error.empty()) {
    ctx.reply.Error("ERR Rewriting config file: " + error);
    return;
  }
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
  BindMemoryCommands(t);
  BindDebugCommand(t);
  BindLolwutCommand(t);
  t.Bind("shutdown", OnServer<CmdShutdown>);
}

}  // namespace vireo
