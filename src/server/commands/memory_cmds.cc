// MEMORY: USAGE, STATS, DOCTOR, MALLOC-STATS, PURGE, HELP (Redis 7.0's
// replies; the figures come from server/memory_overview.h).
#include <cstdio>
#include <string>

#include "base/memory_stats.h"
#include "commands/core/args.h"
#include "engine/keyspace.h"
#include "engine/type_ops.h"
#include "resp/reply_builder.h"
#include "server/commands/config_cmds.h"
#include "server/commands/server_context.h"
#include "server/memory_overview.h"
#include "server/server.h"

namespace vireo {
namespace {

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

// MEMORY STATS: Redis 7.0's keys in its order; ratios and percentages are
// floats sent as doubles (RESP2: bulk strings of "%.17g").
void CmdMemoryStats(ServerContext& ctx) {
  const MemoryOverview m = ComputeMemoryOverview(ctx.server);
  ReplyBuilder& r = ctx.reply;
  auto num = [&r](const char* key, long long v) {
    r.Bulk(key);
    r.Integer(v);
  };
  auto dbl = [&r](const char* key, float v) {
    r.Bulk(key);
    r.Double(double(v));
  };
  r.MapHeader(27 + m.dbs.size());
  num("peak.allocated", (long long)m.peak);
  num("total.allocated", (long long)m.used);
  num("startup.allocated", (long long)m.startup);
  num("replication.backlog", (long long)m.repl_backlog);
  num("clients.slaves", (long long)m.clients_replicas);
  num("clients.normal", (long long)m.clients_normal);
  num("cluster.links", 0);
  num("aof.buffer", (long long)m.aof_buffer);
  num("lua.caches", (long long)m.lua_caches);
  num("functions.caches", (long long)m.functions_caches);
  for (const MemoryOverview::Db& db : m.dbs) {
    r.Bulk("db." + std::to_string(db.id));
    r.MapHeader(3);
    num("overhead.hashtable.main", (long long)db.main);
    num("overhead.hashtable.expires", (long long)db.expires);
    num("overhead.hashtable.slot-to-keys", 0);  // cluster mode only
  }
  num("overhead.total", (long long)m.overhead);
  num("keys.count", (long long)m.keys);
  const size_t net = m.used > m.startup ? m.used - m.startup : 0;
  num("keys.bytes-per-key", m.keys ? (long long)(net / m.keys) : 0);
  num("dataset.bytes", (long long)m.dataset);
  dbl("dataset.percentage", m.dataset_perc);
  dbl("peak.percentage", m.peak_perc);
  num("allocator.allocated", (long long)m.allocator_allocated);
  num("allocator.active", (long long)m.allocator_active);
  num("allocator.resident", (long long)m.allocator_resident);
  dbl("allocator-fragmentation.ratio", m.allocator_frag);
  num("allocator-fragmentation.bytes", m.allocator_frag_bytes);
  dbl("allocator-rss.ratio", m.allocator_rss);
  num("allocator-rss.bytes", m.allocator_rss_bytes);
  dbl("rss-overhead.ratio", m.rss_extra);
  num("rss-overhead.bytes", m.rss_extra_bytes);
  dbl("fragmentation", m.total_frag);
  num("fragmentation.bytes", m.total_frag_bytes);
}

void CmdMemoryDoctor(ServerContext& ctx) {
  ctx.reply.Verbatim(MemoryDoctorReport(ComputeMemoryOverview(ctx.server)));
}

void CmdMemoryMallocStats(ServerContext& ctx) { ctx.reply.Verbatim(AllocatorStatsText()); }

void CmdMemoryPurge(ServerContext& ctx) {
  PurgeAllocator();  // Redis answers OK whatever the allocator did
  ctx.reply.Ok();
}

void CmdMemoryHelp(ServerContext& ctx) {
  HelpReply(ctx, {"MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                  "DOCTOR",
                  "    Return memory problems reports.",
                  "MALLOC-STATS",
                  "    Return internal statistics report from the memory allocator.",
                  "PURGE",
                  "    Attempt to purge dirty pages for reclamation by the allocator.",
                  "STATS",
                  "    Return information about the memory usage of the server.",
                  "USAGE <key> [SAMPLES <count>]",
                  "    Return memory in bytes used by <key> and its value. Nested values are",
                  "    sampled up to <count> times (default: 5, 0 means sample all).",
                  "HELP",
                  "    Prints this help."});
}

}  // namespace

void BindMemoryCommands(CommandTable& t) {
  t.Bind("memory|usage", OnServer<CmdMemoryUsage>);
  t.Bind("memory|stats", OnServer<CmdMemoryStats>);
  t.Bind("memory|doctor", OnServer<CmdMemoryDoctor>);
  t.Bind("memory|malloc-stats", OnServer<CmdMemoryMallocStats>);
  t.Bind("memory|purge", OnServer<CmdMemoryPurge>);
  t.Bind("memory|help", OnServer<CmdMemoryHelp>);
}

}  // namespace vireo
