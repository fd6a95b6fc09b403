#include "server/memory_overview.h"

#include <algorithm>

#include "base/memory_accounting.h"
#include "base/memory_stats.h"
#include "engine/keyspace.h"
#include "replication/backlog.h"
#include "scripting/eval_scripts.h"
#include "scripting/function_libraries.h"
#include "server/aof.h"
#include "server/client.h"
#include "server/replication.h"
#include "server/script_runner.h"
#include "server/server.h"

namespace vireo {
namespace {

float Ratio(size_t a, size_t b) { return b ? float(a) / float(b) : 0.0f; }

}  // namespace

MemoryOverview ComputeMemoryOverview(Server& s) {
  MemoryOverview m;
  m.used = UsedMemory();
  m.peak = std::max(m.used, s.peak_memory());
  m.startup = s.startup_memory();
  if (const ReplicationBacklog* b = s.repl().backlog()) m.repl_backlog = b->size();
  m.repl_buffers = m.repl_backlog;
  for (const auto& [id, c] : s.clients()) {
    if (c->closing) continue;
    // Redis's two INFO classes (replicas; everyone else), as CLIENT LIST's tot-mem.
    if (c->replica && !c->monitor) {
      m.clients_replicas += c->MemoryUsage();
      m.repl_buffers += c->pending_output();
      ++m.replicas;
    } else {
      m.clients_normal += c->MemoryUsage();
      ++m.normal_clients;
    }
  }
  m.aof_buffer = s.aof().info().buffer_length;
  ScriptRunner& scripts = s.scripts();
  m.lua_caches = scripts.eval().memory_used();
  m.functions_caches = scripts.functions().memory_used();
  m.eval_scripts = scripts.eval().size();
  m.overhead = m.startup + m.repl_backlog + m.clients_replicas + m.clients_normal + m.aof_buffer + m.lua_caches +
               m.functions_caches;
  for (int i = 0; i < s.keyspace().count(); ++i) {
    Database& db = s.keyspace().db(i);
    if (db.size() == 0) continue;
    m.keys += db.size();
    m.dbs.push_back({i, db.KeyTableBytes(), db.ExpireTableBytes()});
    m.overhead += db.KeyTableBytes() + db.ExpireTableBytes();
  }
  m.dataset = m.used > m.overhead ? m.used - m.overhead : 0;
  const size_t net = m.used > m.startup ? m.used - m.startup : 0;
  m.dataset_perc = net ? float(m.dataset) * 100.0f / float(net) : 0.0f;
  m.peak_perc = Ratio(m.used, m.peak) * 100.0f;

  const MemoryStats ms = ReadMemoryStats();
  m.allocator = ms.allocator;
  m.allocator_allocated = ms.allocated;
  m.allocator_active = ms.active;
  m.allocator_resident = ms.resident;
  m.rss = ms.rss;
  // The free blocks of entry-slab pages are fragmentation jemalloc cannot
  // see (it counts the pages as allocated): they count here, as the active
  // defragmenter counts them (engine/active_defrag.h).
  const Fragmentation frag = ActiveDefrag::FragmentationOf(ms.allocated, ms.active);
  m.allocator_frag = ms.active > frag.bytes ? Ratio(ms.active, ms.active - frag.bytes) : 0;
  m.allocator_frag_bytes = (long long)frag.bytes;
  m.allocator_rss = Ratio(ms.resident, ms.active);
  m.allocator_rss_bytes = (long long)ms.resident - (long long)ms.active;
  m.rss_extra = Ratio(ms.rss, ms.resident);
  m.rss_extra_bytes = (long long)ms.rss - (long long)ms.resident;
  m.total_frag = Ratio(ms.rss, m.used);
  m.total_frag_bytes = (long long)ms.rss - (long long)m.used;
  return m;
}

std::string MemoryDoctorReport(const MemoryOverview& m) {
  // Redis 7.0's checks: below 5 MB there is nothing to judge; each other
  // finding needs both a ratio and at least 10 MB at stake.
  constexpr long long kTenMb = 10ll << 20;
  if (m.used < (5u << 20)) {
    return "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in "
           "these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I "
           "will be back to our programming as soon as I finished rebooting.\n";
  }
  const bool big_peak = Ratio(m.peak, m.used) > 1.5f;
  const bool high_frag = m.total_frag > 1.4f && m.total_frag_bytes > kTenMb;
  const bool high_alloc_frag = m.allocator_frag > 1.1f && m.allocator_frag_bytes > kTenMb;
  const bool high_alloc_rss = m.allocator_rss > 1.1f && m.allocator_rss_bytes > kTenMb;
  const bool high_proc_rss = m.rss_extra > 1.1f && m.rss_extra_bytes > kTenMb;
  const bool big_client_buf = m.normal_clients > 0 && m.clients_normal / m.normal_clients > 1024 * 200;
  const bool big_replica_buf = m.replicas > 0 && m.clients_replicas / m.replicas > 1024 * 1024 * 10;
  const bool many_scripts = m.eval_scripts > 1000;
  if (!(big_peak || high_frag || high_alloc_frag || high_alloc_rss || high_proc_rss || big_client_buf ||
        big_replica_buf || many_scripts)) {
    return "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this "
           "base.\n";
  }
  std::string s = "Sam, I detected a few issues in this Redis instance memory implants:\n\n";
  if (big_peak) {
    s += " * Peak memory: In the past this instance used more than 150% the memory that is currently using. The "
         "allocator is normally not able to release memory after a peak, so you can expect to see a big "
         "fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the "
         "Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as "
         "soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want "
         "to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to "
         "shutdown and restart the instance.\n\n";
  }
  if (high_frag) {
    s += " * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this "
         "means that the Resident Set Size of the Redis process is much larger than the sum of the logical "
         "allocations Redis performed). This problem is usually due either to a large peak memory (check if there "
         "is a peak memory entry above in the report) or may result from a workload that causes the allocator to "
         "fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make "
         "sure you are using the Jemalloc allocator and not the default libc malloc. Note: The currently used "
         "allocator is \"" +
         m.allocator + "\".\n\n";
  }
  if (high_alloc_frag) {
    s += " * High allocator fragmentation: This instance has an allocator external fragmentation greater than "
         "1.1. This problem is usually due either to a large peak memory (check if there is a peak memory entry "
         "above in the report) or may result from a workload that causes the allocator to fragment memory a lot. "
         "You can try enabling 'activedefrag' config option.\n\n";
  }
  if (high_alloc_rss) {
    s += " * High allocator RSS overhead: This instance has an RSS memory overhead is greater than 1.1 (this "
         "means that the Resident Set Size of the allocator is much larger than the sum what the allocator "
         "actually holds). This problem is usually due to a large peak memory (check if there is a peak memory "
         "entry above in the report), you can try the MEMORY PURGE command to reclaim it.\n\n";
  }
  if (high_proc_rss) {
    s += " * High process RSS overhead: This instance has non-allocator RSS memory overhead is greater than 1.1 "
         "(this means that the Resident Set Size of the Redis process is much larger than the RSS the allocator "
         "holds). This problem may be due to Lua scripts or Modules.\n\n";
  }
  if (big_replica_buf) {
    s += " * Big replica buffers: The replica output buffers in this instance are greater than 10MB for each "
         "replica (on average). This likely means that there is some replica instance that is struggling "
         "receiving data, either because it is too slow or because of networking issues. As a result, data piles "
         "on the master output buffers. Please try to identify what replica is not receiving data correctly and "
         "why. You can use the INFO output in order to check the replicas delays and the CLIENT LIST command to "
         "check the output buffers of each replica.\n\n";
  }
  if (big_client_buf) {
    s += " * Big client buffers: The clients output buffers in this instance are greater than 200K per client "
         "(on average). This may result from different causes, like Pub/Sub clients subscribed to channels bot "
         "not receiving data fast enough, so that data piles on the Redis instance output buffer, or clients "
         "sending commands with large replies or very large sequences of commands in the same pipeline. Please "
         "use the CLIENT LIST command in order to investigate the issue if it causes problems in your instance, "
         "or to understand better why certain clients are using a big amount of memory.\n\n";
  }
  if (many_scripts) {
    s += " * Many scripts: There seem to be many cached scripts in this instance (more than 1000). This may be "
         "because scripts are generated and `EVAL`ed, instead of being parameterized (with KEYS and ARGV), "
         "`SCRIPT LOAD`ed and `EVALSHA`ed. Unless `SCRIPT FLUSH` is called periodically, the scripts' caches may "
         "end up consuming most of your memory.\n\n";
  }
  s += "I'm here to keep you safe, Sam. I want to help you.\n";
  return s;
}

}  // namespace vireo
