// INFO: the node's state in Redis's sections and field names, so monitoring
// tools and client libraries that parse INFO work unchanged.
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <string>

#include "base/clock.h"
#include "base/memory_accounting.h"
#include "base/memory_stats.h"
#include "commands/core/args.h"
#include "server/config_values.h"
#include "resp/reply_builder.h"
#include "server/client.h"
#include "server/commands/server_context.h"
#include "server/script_runner.h"
#include "server/aof.h"
#include "server/memory_overview.h"
#include "server/server.h"

namespace vireo {
namespace {

std::string Human(double bytes) {
  char buf[32];
  if (bytes < 1024) {
    snprintf(buf, sizeof(buf), "%.0fB", bytes);
  } else if (bytes < 1024.0 * 1024) {
    snprintf(buf, sizeof(buf), "%.2fK", bytes / 1024);
  } else if (bytes < 1024.0 * 1024 * 1024) {
    snprintf(buf, sizeof(buf), "%.2fM", bytes / 1024 / 1024);
  } else {
    snprintf(buf, sizeof(buf), "%.2fG", bytes / 1024 / 1024 / 1024);
  }
  return buf;
}

class InfoWriter {
 public:
  void Section(const char* name) {
    if (!out_.empty()) out_ += "\r\n";
    out_ += "# ";
    out_ += name;
    out_ += "\r\n";
  }
  void Field(const char* k, const std::string& v) {
    out_ += k;
    out_ += ':';
    out_ += v;
    out_ += "\r\n";
  }
  void Field(const char* k, long long v) { Field(k, std::to_string(v)); }
  void Field(const char* k, unsigned long long v) { Field(k, std::to_string(v)); }
  void Field(const char* k, uint64_t v) { Field(k, std::to_string((unsigned long long)v)); }
  void Field(const char* k, int v) { Field(k, std::to_string(v)); }
  void FieldF(const char* k, double v, int decimals) {
    char buf[64];
    snprintf(buf, sizeof(buf), "%.*f", decimals, v);
    Field(k, std::string(buf));
  }
  void Raw(const std::string& line) {
    out_ += line;
    out_ += "\r\n";
  }
  std::string& str() { return out_; }

 private:
  std::string out_;
};

void ServerSection(Server& s, InfoWriter& w, int64_t now_ms) {
  utsname u;
  uname(&u);
  w.Section("Server");
  w.Field("redis_version", kRedisCompatVersion);
  w.Field("redis_git_sha1", "00000000");
  w.Field("redis_git_dirty", 0);
  w.Field("redis_build_id", "0");
  w.Field("redis_mode", "standalone");
  w.Field("vireo_version", kVireoRelease);
  w.Field("os", std::string(u.sysname) + " " + u.release + " " + u.machine);
  w.Field("arch_bits", 64);
  w.Field("monotonic_clock", "POSIX clock_gettime");
  w.Field("multiplexing_api", "epoll");
  w.Field("atomicvar_api", "c11-builtin");  // std::atomic, the C11 model
  w.Field("gcc_version", std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
                             std::to_string(__GNUC_PATCHLEVEL__));
  w.Field("process_id", (long long)getpid());
  w.Field("process_supervised", "no");
  w.Field("run_id", s.run_id());
  w.Field("tcp_port", s.cfg().port);
  w.Field("server_time_usec", (long long)(now_ms * 1000));
  long long up = (now_ms - s.start_time_ms()) / 1000;
  w.Field("uptime_in_seconds", up);
  w.Field("uptime_in_days", up / 86400);
  w.Field("hz", s.cfg().hz);
  w.Field("configured_hz", s.cfg().hz);
  w.Field("lru_clock", (long long)s.keyspace().lru_clock());
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  w.Field("executable", n > 0 ? std::string(exe, size_t(n)) : std::string());
  w.Field("config_file", s.config().config_file());
  w.Field("io_threads_active", 0);
}

void ClientsSection(Server& s, InfoWriter& w) {
  size_t max_in = 0, max_out = 0;
  long long n = 0, paused = 0;
  for (auto& [id, c] : s.clients()) {
    if (c->closing) continue;
    ++n;
    max_in = std::max(max_in, c->query.size());
    max_out = std::max(max_out, c->pending_output());
    if (c->paused) ++paused;
  }
  w.Section("Clients");
  w.Field("connected_clients", n);
  w.Field("cluster_connections", 0);
  w.Field("maxclients", s.cfg().maxclients);
  w.Field("client_recent_max_input_buffer", (long long)max_in);
  w.Field("client_recent_max_output_buffer", (long long)max_out);
  w.Field("blocked_clients", (long long)s.blocking().blocked_count());
  w.Field("tracking_clients", (long long)s.tracking().clients());
  w.Field("clients_in_timeout_table", 0);
}

// "%.2f%%" of a float, as Redis prints used_memory_peak_perc.
std::string Percent(float v) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%.2f%%", double(v));
  return buf;
}

void MemorySection(Server& s, InfoWriter& w) {
  // used_memory is what maxmemory compares (base/memory_accounting.h); the
  // allocator_* fields are jemalloc's own statistics; the overhead split is
  // MEMORY STATS' (server/memory_overview.h).
  const MemoryOverview m = ComputeMemoryOverview(s);
  w.Section("Memory");
  w.Field("used_memory", (long long)m.used);
  w.Field("used_memory_human", Human(double(m.used)));
  w.Field("used_memory_rss", (long long)m.rss);
  w.Field("used_memory_rss_human", Human(double(m.rss)));
  w.Field("used_memory_peak", (long long)m.peak);
  w.Field("used_memory_peak_human", Human(double(m.peak)));
  w.Field("used_memory_peak_perc", Percent(m.peak_perc));
  w.Field("used_memory_overhead", (long long)m.overhead);
  w.Field("used_memory_startup", (long long)m.startup);
  w.Field("used_memory_dataset", (long long)m.dataset);
  w.Field("used_memory_dataset_perc", Percent(m.dataset_perc));
  w.Field("allocator_allocated", (long long)m.allocator_allocated);
  w.Field("allocator_active", (long long)m.allocator_active);
  w.Field("allocator_resident", (long long)m.allocator_resident);
  w.Field("total_system_memory", (long long)TotalSystemMemory());
  w.Field("total_system_memory_human", Human(double(TotalSystemMemory())));
  // Scripting: the two interpreters' heaps and what the caches hold (Redis 7.0's fields).
  ScriptRunner& scripts = s.scripts();
  const long long vm_eval = (long long)scripts.eval().vm().memory_used();
  const long long vm_functions = (long long)scripts.functions().vm().memory_used();
  const long long scripts_eval = (long long)m.lua_caches;
  const long long functions_mem = (long long)m.functions_caches;
  w.Field("used_memory_lua", vm_eval);
  w.Field("used_memory_vm_eval", vm_eval);
  w.Field("used_memory_lua_human", Human(double(vm_eval)));
  w.Field("used_memory_scripts_eval", scripts_eval);
  w.Field("number_of_cached_scripts", (long long)scripts.eval().size());
  w.Field("number_of_functions", (long long)scripts.functions().functions().size());
  w.Field("number_of_libraries", (long long)scripts.functions().libraries().size());
  w.Field("used_memory_vm_functions", vm_functions);
  w.Field("used_memory_vm_total", vm_eval + vm_functions);
  w.Field("used_memory_vm_total_human", Human(double(vm_eval + vm_functions)));
  w.Field("used_memory_functions", functions_mem);
  w.Field("used_memory_scripts", scripts_eval + functions_mem);
  w.Field("used_memory_scripts_human", Human(double(scripts_eval + functions_mem)));
  w.Field("maxmemory", (long long)s.cfg().maxmemory);
  w.Field("maxmemory_human", Human(double(s.cfg().maxmemory)));
  w.Field("maxmemory_policy", kEvictionPolicyNames[s.cfg().maxmemory_policy]);
  w.FieldF("allocator_frag_ratio", m.allocator_frag, 2);
  w.Field("allocator_frag_bytes", m.allocator_frag_bytes);
  w.FieldF("allocator_rss_ratio", m.allocator_rss, 2);
  w.Field("allocator_rss_bytes", m.allocator_rss_bytes);
  w.FieldF("rss_overhead_ratio", m.rss_extra, 2);
  w.Field("rss_overhead_bytes", m.rss_extra_bytes);
  w.FieldF("mem_fragmentation_ratio", m.total_frag, 2);
  w.Field("mem_fragmentation_bytes", m.total_frag_bytes);
  w.Field("mem_not_counted_for_evict", (long long)s.MemNotCountedForEvict());
  // Vireo's maxmemory-fragmentation-share: shown only when set, so INFO at
  // the defaults lists what Redis 7.0 lists.
  if (s.cfg().maxmemory_fragmentation_share)
    w.Field("mem_fragmentation_counted_for_evict", (long long)s.footprint().counted());
  w.Field("mem_replication_backlog", (long long)m.repl_backlog);
  w.Field("mem_total_replication_buffers", (long long)m.repl_buffers);
  w.Field("mem_clients_slaves", (long long)m.clients_replicas);
  w.Field("mem_clients_normal", (long long)m.clients_normal);
  w.Field("mem_cluster_links", 0);
  w.Field("mem_aof_buffer", (long long)m.aof_buffer);
  w.Field("mem_allocator", m.allocator);
  w.Field("active_defrag_running", s.keyspace().defrag().stats().running);
  w.Field("lazyfree_pending_objects", (long long)s.keyspace().lazy_freer().pending());
  w.Field("lazyfreed_objects", (long long)s.keyspace().lazy_freer().freed());
}

void PersistenceSection(Server& s, InfoWriter& w) {
  const Server::RdbState& r = s.rdb_state();
  w.Section("Persistence");
  const Server::LoadingState& loading = s.loading();
  const Aof::Info aof = s.aof().info();
  w.Field("loading", loading.active ? 1 : 0);
  w.Field("async_loading", 0);
  // Snapshots do not fork: the copy-on-write figures are the bytes written
  // early for commands about to change a key the save had not reached.
  const Server::BgsaveProgress bg = s.bgsave_progress();
  w.Field("current_cow_peak", (long long)bg.preserved_bytes);
  w.Field("current_cow_size", (long long)bg.preserved_bytes);
  w.Field("current_cow_size_age", 0);
  char perc[32];
  snprintf(perc, sizeof(perc), "%.2f",
           bg.keys_total ? 100.0 * double(bg.keys_processed) / double(bg.keys_total) : 0.0);
  w.Field("current_fork_perc", perc);
  w.Field("current_save_keys_processed", (long long)bg.keys_processed);
  w.Field("current_save_keys_total", (long long)bg.keys_total);
  w.Field("rdb_changes_since_last_save", (long long)s.changes_since_save());
  w.Field("rdb_bgsave_in_progress", s.bgsave_in_progress() ? 1 : 0);
  w.Field("rdb_last_save_time", (long long)r.lastsave_sec);
  w.Field("rdb_last_bgsave_status", r.last_save_ok ? "ok" : "err");
  w.Field("rdb_last_bgsave_time_sec", (long long)r.last_save_duration_sec);
  w.Field("rdb_current_bgsave_time_sec", s.bgsave_in_progress() ? (long long)bg.elapsed_sec : -1);
  w.Field("rdb_saves", (long long)r.saves);
  w.Field("rdb_last_cow_size", (long long)r.last_cow_size);
  w.Field("rdb_last_load_keys_expired", (long long)r.last_load_keys_expired);
  w.Field("rdb_last_load_keys_loaded", (long long)r.last_load_keys_loaded);
  w.Field("aof_enabled", aof.enabled ? 1 : 0);
  // Rewrites run in-process in slices (no fork), see server/aof.h.
  w.Field("aof_rewrite_in_progress", aof.rewrite_in_progress ? 1 : 0);
  w.Field("aof_rewrite_scheduled", aof.rewrite_scheduled ? 1 : 0);
  w.Field("aof_last_rewrite_time_sec", aof.last_rewrite_time_sec);
  w.Field("aof_current_rewrite_time_sec", aof.current_rewrite_time_sec);
  w.Field("aof_last_bgrewrite_status", aof.last_rewrite_ok ? "ok" : "err");
  w.Field("aof_rewrites", aof.rewrites);
  w.Field("aof_rewrites_consecutive_failures", aof.consecutive_failures);
  w.Field("aof_last_write_status", aof.last_write_ok ? "ok" : "err");
  w.Field("aof_last_cow_size", aof.last_cow_size);
  w.Field("module_fork_in_progress", 0);
  w.Field("module_fork_last_cow_size", 0);
  if (aof.enabled) {
    w.Field("aof_current_size", aof.current_size);
    w.Field("aof_base_size", aof.base_size);
    w.Field("aof_pending_rewrite", 0);
    w.Field("aof_buffer_length", (unsigned long long)aof.buffer_length);
    w.Field("aof_pending_bio_fsync", (unsigned long long)aof.pending_bio_fsync);
    w.Field("aof_delayed_fsync", (unsigned long long)aof.delayed_fsync);
  }
  if (loading.active) {
    const int64_t now_sec = NowMs() / 1000;
    const double perc = loading.total_bytes ? double(loading.loaded_bytes) * 100.0 / double(loading.total_bytes) : 0;
    const int64_t elapsed = now_sec - loading.start_sec;
    long long eta = 1;
    if (elapsed > 0 && loading.loaded_bytes) {
      eta = (long long)((double(loading.total_bytes - std::min(loading.total_bytes, loading.loaded_bytes)) /
                         (double(loading.loaded_bytes) / double(elapsed))));
    }
    char pbuf[32];
    snprintf(pbuf, sizeof(pbuf), "%.2f", perc);
    w.Field("loading_start_time", (long long)loading.start_sec);
    w.Field("loading_total_bytes", (unsigned long long)loading.total_bytes);
    w.Field("loading_rdb_used_mem", 0);
    w.Field("loading_loaded_bytes", (unsigned long long)loading.loaded_bytes);
    w.Field("loading_loaded_perc", pbuf);
    w.Field("loading_eta_seconds", eta);
  }
}

void StatsSection(Server& s, InfoWriter& w, int64_t now_ms) {
  ServerStats& st = s.stats();
  KeyspaceStats& ks = s.keyspace().stats();
  w.Section("Stats");
  w.Field("total_connections_received", st.total_connections_received);
  w.Field("total_commands_processed", st.total_commands_processed);
  w.Field("instantaneous_ops_per_sec", (long long)st.ops_per_sec);
  w.Field("total_net_input_bytes", st.net_input_bytes);
  w.Field("total_net_output_bytes", st.net_output_bytes);
  w.Field("total_net_repl_input_bytes", st.net_repl_input_bytes);
  w.Field("total_net_repl_output_bytes", st.net_repl_output_bytes);
  w.FieldF("instantaneous_input_kbps", st.kbps[0], 2);
  w.FieldF("instantaneous_output_kbps", st.kbps[1], 2);
  w.FieldF("instantaneous_input_repl_kbps", st.kbps[2], 2);
  w.FieldF("instantaneous_output_repl_kbps", st.kbps[3], 2);
  w.Field("rejected_connections", st.rejected_connections);
  w.Field("sync_full", (unsigned long long)s.repl().stats().sync_full);
  w.Field("sync_partial_ok", (unsigned long long)s.repl().stats().sync_partial_ok);
  w.Field("sync_partial_err", (unsigned long long)s.repl().stats().sync_partial_err);
  w.Field("expired_keys", ks.expired_keys);
  w.FieldF("expired_stale_perc", ks.expired_stale_perc * 100, 2);
  w.Field("expired_time_cap_reached_count", ks.expired_time_cap_reached_count);
  w.Field("expire_cycle_cpu_milliseconds", ks.expire_cycle_cpu_milliseconds);
  w.Field("evicted_keys", ks.evicted_keys);
  w.Field("evicted_clients", st.evicted_clients);
  const uint64_t exceeded_now = st.eviction_exceeded_since_ms ? uint64_t(now_ms - st.eviction_exceeded_since_ms) : 0;
  w.Field("total_eviction_exceeded_time", st.eviction_exceeded_ms + exceeded_now);
  w.Field("current_eviction_exceeded_time", exceeded_now);
  w.Field("keyspace_hits", ks.keyspace_hits);
  w.Field("keyspace_misses", ks.keyspace_misses);
  w.Field("pubsub_channels", (long long)s.pubsub().channels(PubSubRegistry::kChannel).size());
  w.Field("pubsub_patterns", (long long)s.pubsub().pattern_count());
  w.Field("pubsubshard_channels", (long long)s.pubsub().channels(PubSubRegistry::kShard).size());
  w.Field("latest_fork_usec", 0);
  w.Field("total_forks", 0);
  w.Field("migrate_cached_sockets", (long long)s.migrate_sockets().size());
  w.Field("slave_expires_tracked_keys", (long long)s.replica_written_expires().size());
  const ActiveDefrag& defrag = s.keyspace().defrag();
  w.Field("active_defrag_hits", (unsigned long long)defrag.stats().hits);
  w.Field("active_defrag_misses", (unsigned long long)defrag.stats().misses);
  w.Field("active_defrag_key_hits", (unsigned long long)defrag.stats().key_hits);
  w.Field("active_defrag_key_misses", (unsigned long long)defrag.stats().key_misses);
  w.Field("total_active_defrag_time", (unsigned long long)(defrag.stats().total_time_ms + defrag.current_time_ms()));
  w.Field("current_active_defrag_time", (unsigned long long)defrag.current_time_ms());
  w.Field("tracking_total_keys", (long long)s.tracking().total_keys());
  w.Field("tracking_total_items", (long long)s.tracking().total_items());
  w.Field("tracking_total_prefixes", (long long)s.tracking().total_prefixes());
  w.Field("unexpected_error_replies", st.unexpected_error_replies);
  w.Field("total_error_replies", st.total_error_replies);
  w.Field("total_reads_processed", st.reads_processed);
  w.Field("total_writes_processed", st.writes_processed);
  w.Field("io_threaded_reads_processed", 0);  // no I/O threads: the loop does every read
  w.Field("io_threaded_writes_processed", 0);
  w.Field("client_query_buffer_limit_disconnections", st.client_qbuf_limit_disconnections);
  w.Field("client_output_buffer_limit_disconnections", st.client_obuf_limit_disconnections);
}

void ReplicationSection(Server& s, InfoWriter& w, int64_t now_ms) {
  w.Section("Replication");
  s.repl().AppendInfo(&w.str(), now_ms);
}

void CpuSection(InfoWriter& w) {
  rusage self;
  getrusage(RUSAGE_SELF, &self);
  w.Section("CPU");
  w.FieldF("used_cpu_sys", double(self.ru_stime.tv_sec) + self.ru_stime.tv_usec / 1e6, 6);
  w.FieldF("used_cpu_user", double(self.ru_utime.tv_sec) + self.ru_utime.tv_usec / 1e6, 6);
  w.FieldF("used_cpu_sys_children", 0, 6);
  w.FieldF("used_cpu_user_children", 0, 6);
  // INFO runs on the main thread: RUSAGE_THREAD is the main thread's share.
  rusage main_thread;
  getrusage(RUSAGE_THREAD, &main_thread);
  w.FieldF("used_cpu_sys_main_thread", double(main_thread.ru_stime.tv_sec) + main_thread.ru_stime.tv_usec / 1e6, 6);
  w.FieldF("used_cpu_user_main_thread", double(main_thread.ru_utime.tv_sec) + main_thread.ru_utime.tv_usec / 1e6, 6);
}

void CommandStatsLine(InfoWriter& w, const Command* c) {
  if (c->calls == 0 && c->rejected_calls == 0 && c->failed_calls == 0) return;
  char buf[256];
  snprintf(buf, sizeof(buf), "cmdstat_%s:calls=%llu,usec=%llu,usec_per_call=%.2f,rejected_calls=%llu,failed_calls=%llu",
           c->full_name.c_str(), (unsigned long long)c->calls, (unsigned long long)c->usec,
           c->calls ? double(c->usec) / double(c->calls) : 0.0, (unsigned long long)c->rejected_calls,
           (unsigned long long)c->failed_calls);
  w.Raw(buf);
}

void CommandStatsSection(Server& s, InfoWriter& w) {
  w.Section("Commandstats");
  for (const Command* c : s.commands().all()) {
    CommandStatsLine(w, c);
    for (const Command* sub : c->subcommands) CommandStatsLine(w, sub);
  }
}

void ErrorStatsSection(Server& s, InfoWriter& w) {
  w.Section("Errorstats");
  for (auto& [code, n] : s.stats().error_counts) w.Raw("errorstat_" + code + ":count=" + std::to_string(n));
}

// One line per command with a histogram: the configured percentiles in
// microseconds, three decimals, as Redis 7.0 prints them.
void LatencyStatsLine(InfoWriter& w, const Command* c, const std::vector<double>& percentiles) {
  if (!c->latency) return;
  std::string line = "latency_percentiles_usec_" + c->full_name + ":";
  char buf[96];
  for (size_t j = 0; j < percentiles.size(); ++j) {
    if (j) line.push_back(',');
    snprintf(buf, sizeof(buf), "p%s=%.3f", FormatPercentile(percentiles[j]).c_str(),
             double(c->latency->ValueAtPercentile(percentiles[j])) / 1000.0);
    line += buf;
  }
  w.Raw(line);
}

void LatencyStatsSection(Server& s, InfoWriter& w) {
  w.Section("Latencystats");
  if (!s.cfg().latency_tracking) return;
  const std::vector<double>& p = s.cfg().latency_tracking_info_percentiles;
  for (const Command* c : s.commands().all()) {
    LatencyStatsLine(w, c, p);
    for (const Command* sub : c->subcommands) LatencyStatsLine(w, sub, p);
  }
}

void KeyspaceSection(Server& s, InfoWriter& w, int64_t now_ms) {
  w.Section("Keyspace");
  for (int i = 0; i < s.keyspace().count(); ++i) {
    Database& db = s.keyspace().db(i);
    if (db.size() == 0) continue;
    // avg_ttl: Redis estimates it from the expiry sampling; we sample a few TTLs.
    long long avg = 0, n = 0;
    db.expires().Scan(0, [&](Entry* e) {
      if (n < 32 && e->expire_ms() > now_ms) {
        avg += e->expire_ms() - now_ms;
        ++n;
      }
    });
    char buf[128];
    snprintf(buf, sizeof(buf), "db%d:keys=%zu,expires=%zu,avg_ttl=%lld", i, db.size(), db.expires_size(),
             n ? avg / n : 0);
    w.Raw(buf);
  }
}

void CmdInfo(ServerContext& ctx) {
  std::set<std::string> want;
  bool all = false, everything = false, defaults = ctx.args.size() == 1;
  std::string lower;
  for (size_t i = 1; i < ctx.args.size(); ++i) {
    std::string s(ToLower(ctx.args[i], &lower));
    if (s == "all") all = true;
    else if (s == "everything") everything = true;
    else if (s == "default") defaults = true;
    else want.insert(s);
  }
  auto on = [&](const char* name, bool in_default) {
    return everything || want.count(name) || ((all || defaults) && in_default);
  };
  InfoWriter w;
  Server& s = ctx.server;
  if (on("server", true)) ServerSection(s, w, ctx.now_ms);
  if (on("clients", true)) ClientsSection(s, w);
  if (on("memory", true)) MemorySection(s, w);
  if (on("persistence", true)) PersistenceSection(s, w);
  if (on("stats", true)) StatsSection(s, w, ctx.now_ms);
  if (on("replication", true)) ReplicationSection(s, w, ctx.now_ms);
  if (on("cpu", true)) CpuSection(w);
  if (on("modules", true)) w.Section("Modules");  // modules cannot be loaded: always empty
  if (everything || all || want.count("commandstats")) CommandStatsSection(s, w);
  if (on("errorstats", true)) ErrorStatsSection(s, w);
  if (everything || all || want.count("latencystats")) LatencyStatsSection(s, w);
  if (on("cluster", true)) {
    w.Section("Cluster");
    w.Field("cluster_enabled", 0);  // standalone only (see README: cluster mode)
  }
  if (on("keyspace", true)) KeyspaceSection(s, w, ctx.now_ms);
  ctx.reply.Verbatim(w.str());
}

}  // namespace

void BindInfoCommand(CommandTable& t) { t.Bind("info", OnServer<CmdInfo>); }

}  // namespace vireo
