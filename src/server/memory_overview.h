// MemoryOverview: where the server's memory goes, in Redis 7.0's terms
// (its getMemoryOverheadData): the startup baseline, replication backlog,
// client buffers, AOF buffer, script caches and keyspace tables are the
// overhead; the rest of used_memory is the dataset. INFO memory, MEMORY
// STATS and MEMORY DOCTOR read the same figures, so they always agree.
// Thread rule: computed on the main thread (it walks the clients).
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace vireo {

class Server;

struct MemoryOverview {
  size_t used = 0, peak = 0, startup = 0;
  size_t repl_backlog = 0;           // the backlog's ring
  size_t repl_buffers = 0;           // backlog + what replicas still have to read
  size_t clients_replicas = 0, clients_normal = 0;
  size_t replicas = 0, normal_clients = 0;  // how many of each
  size_t aof_buffer = 0;
  size_t lua_caches = 0, functions_caches = 0;
  size_t eval_scripts = 0;
  struct Db {
    int id;
    size_t main, expires;
  };
  std::vector<Db> dbs;  // databases holding keys
  size_t overhead = 0;  // startup + the above + every db's tables
  size_t keys = 0;
  size_t dataset = 0;
  // Redis computes the percentages and ratios as floats: kept so, so that
  // the %.17g text of MEMORY STATS has the same digits.
  float dataset_perc = 0, peak_perc = 0;
  // Allocator and process: jemalloc's allocated/active/resident, the RSS.
  size_t allocator_allocated = 0, allocator_active = 0, allocator_resident = 0, rss = 0;
  float allocator_frag = 0, allocator_rss = 0, rss_extra = 0, total_frag = 0;
  long long allocator_frag_bytes = 0, allocator_rss_bytes = 0, rss_extra_bytes = 0, total_frag_bytes = 0;
  std::string allocator;
};

MemoryOverview ComputeMemoryOverview(Server& server);

// MEMORY DOCTOR's report (Redis 7.0's checks and texts).
std::string MemoryDoctorReport(const MemoryOverview& m);

}  // namespace vireo
