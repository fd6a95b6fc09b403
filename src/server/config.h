// The node's configuration: the values (ServerConfig) and the code that fills
// them from redis.conf text, command-line options and CONFIG SET, and reports
// them for CONFIG GET, with Redis 7.0's names, defaults, bounds and error
// texts.
//
// Every Redis 7.0 directive is known (config_table.h). One that only tunes
// something Vireo does differently is accepted and shown by CONFIG GET; a
// value asking for a behaviour Vireo lacks (`requirepass x`, `daemonize
// yes`, `appendonly yes`...) is refused, and start-up lists every such
// refusal in one message.
//
// Threading: a Config belongs to the node's main thread; nothing here locks.
// Other threads must receive copies of the values they need.
#ifndef VIREO_SERVER_CONFIG_H_
#define VIREO_SERVER_CONFIG_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/glob.h"
#include "base/version.h"
#include "engine/encoding_limits.h"

namespace vireo {


// client-output-buffer-limit classes (Redis's order in CONFIG GET).
enum ObufClass { kObufNormal = 0, kObufReplica = 1, kObufPubsub = 2, kObufClasses = 3 };
struct OutputBufferLimit {
  unsigned long long hard = 0;  // bytes; 0 = none
  unsigned long long soft = 0;  // bytes; 0 = none
  long long soft_seconds = 0;   // how long the soft limit may be passed
};

// Plain values, read by the whole node on its thread. Defaults are Redis
// 7.0.15's.
struct ServerConfig : EncodingLimits {
  int port = 6379;
  std::vector<std::string> bind = {"*", "-::*"};
  // vireo-endpoint-ports (not a Redis directive; hidden from CONFIG GET *):
  // more ports to accept clients on, on every bind address, opened with
  // SO_REUSEPORT so that the node serving a managed group's endpoint can
  // change without the endpoint closing (vireo-manager sets it).
  std::vector<int> endpoint_ports;
  std::string dir;  // absolute; the process working directory by default
  std::string logfile;
  std::string pidfile;
  int loglevel = 2;  // 0 debug, 1 verbose, 2 notice, 3 warning (base/log.h order)
  int databases = 16;
  int maxclients = 10000;  // Redis allows up to 2^32-1; we clamp to INT_MAX
  int timeout = 0;
  // vireo-tls-handshake-timeout (ms): a TLS connection that has not finished
  // its handshake by then is closed (0: never, as Redis, where only
  // `timeout` applies). Redis has no such bound; see ARCHITECTURE.md's TLS.
  int tls_handshake_timeout_ms = 10000;
  // Refuse non-loopback clients while the default user has no password, as Redis 7.0 does.
  bool protected_mode = true;
  // Access control: requirepass is the default user's password ("" = nopass);
  // aclfile holds the users (ACL LOAD/SAVE); acl_pubsub_default 0 is
  // allchannels, 1 resetchannels (Redis's default) for new users.
  std::string requirepass;
  std::string aclfile;
  long long acllog_max_len = 128;
  int acl_pubsub_default = 1;
  int tcp_keepalive = 300;
  int tcp_backlog = 511;
  int hz = 10;  // stored clamped to 1..500, as Redis does
  long long client_query_buffer_limit = 1LL << 30;
  unsigned long long maxmemory = 0;  // 0 = no limit
  int maxmemory_policy = 7;          // EvictionPolicy (engine/eviction.h); 7 = noeviction
  int maxmemory_samples = 5;
  int maxmemory_eviction_tenacity = 10;
  int maxmemory_fragmentation_share = 0;  // Vireo's: server/footprint_guard.h; 0 = Redis's behaviour
  int lfu_log_factor = 10;
  int lfu_decay_time = 1;
  OutputBufferLimit client_obuf_limits[kObufClasses] = {
      {0, 0, 0}, {256ULL << 20, 64ULL << 20, 60}, {32ULL << 20, 8ULL << 20, 60}};
  // maxmemory-clients: 0 off, > 0 bytes, < 0 minus a percentage of maxmemory (Redis's encoding).
  long long maxmemory_clients = 0;
  int notify_keyspace_events = 0;  // NotifyClass bits (commands/core/context.h)

  // Collection encodings and proto-max-bulk-len: see EncodingLimits.

  // Monitoring.
  long long slowlog_log_slower_than = 10000;  // microseconds, -1 disables
  int slowlog_max_len = 128;                  // Redis allows up to 2^63-1; we clamp to INT_MAX
  long long latency_monitor_threshold = 0;    // milliseconds, 0 disables
  bool latency_tracking = true;               // per-command histograms
  std::vector<double> latency_tracking_info_percentiles = {50.0, 99.0, 99.9};
  long long tracking_table_max_keys = 1000000;  // client-side caching table bound, 0: none
  // Scripts: after this many ms a running script lets other clients in (-BUSY, SCRIPT KILL).
  long long busy_reply_threshold = 5000;      // lua-time-limit is its old name

  // Active defragmentation (engine/active_defrag.h), Redis's defaults.
  bool activedefrag = false;
  long long active_defrag_ignore_bytes = 100LL << 20;
  int active_defrag_threshold_lower = 10;
  int active_defrag_threshold_upper = 100;
  int active_defrag_cycle_min = 1;
  int active_defrag_cycle_max = 25;
  long long active_defrag_max_scan_fields = 1000;

  // Expiry and freeing.
  int active_expire_effort = 1;  // 1..10
  bool lazyfree_lazy_eviction = false;
  // (lazyfree-lazy-expire and -server-del live in EncodingLimits: handlers read them.)
  bool lazyfree_lazy_user_del = false;
  bool lazyfree_lazy_user_flush = false;

  // DEBUG command: 0 = no, 1 = yes, 2 = local (loopback clients only).
  int enable_debug_command = 0;

  // Persistence (RDB snapshots, DUMP/RESTORE, AOF settings).
  std::string dbfilename = "dump.rdb";
  std::vector<std::pair<long long, long long>> save_params = {{3600, 1}, {300, 100}, {60, 10000}};
  bool rdbcompression = true;
  bool rdbchecksum = true;
  bool rdb_del_sync_files = false;
  bool rdb_save_incremental_fsync = true;
  bool stop_writes_on_bgsave_error = true;
  int rdb_key_save_delay = 0;     // microseconds slept per key saved (tests)
  int key_load_delay = 0;         // microseconds slept per key loaded (tests; < 0: 1 us every -n keys)
  int loading_process_events_interval_bytes = 2 << 20;  // clients served every N bytes of an RDB load
  int sanitize_dump_payload = 0;  // 0 no, 1 yes, 2 clients
  bool appendonly = false;
  std::string appenddirname = "appendonlydir";
  std::string appendfilename = "appendonly.aof";
  int appendfsync = 1;  // 0 always, 1 everysec, 2 no
  int auto_aof_rewrite_percentage = 100;
  long long auto_aof_rewrite_min_size = 64LL << 20;
  bool aof_load_truncated = true;
  bool aof_use_rdb_preamble = true;
  bool aof_timestamp_enabled = false;
  bool aof_rewrite_incremental_fsync = true;
  bool aof_disable_auto_gc = false;

  // Values of the compatibility directives (config_compat.cc: Redis 7.0
  // directives Vireo accepts without acting on them), by canonical name, as
  // CONFIG GET shows them; a directive never set is at Redis's default.
  std::map<std::string, std::string, std::less<>> compat_values;
};

class Config {
 public:
  Config();

  // Parses argv like redis-server: argv[1] is a config file unless it starts
  // with '-' ("-" alone, first or last, reads the config from stdin), then
  // the `--name value` options are appended as config lines. On error
  // returns false and sets *error to the message to print on stderr (the
  // multi-line FATAL CONFIG FILE ERROR block, or "Fatal error, can't open
  // config file ..."). Call once, before Set().
  bool LoadFromArgs(int argc, char** argv, std::string* error);

  // Parses redis.conf text. Line numbers in errors count from 1 in `text`.
  bool LoadFromString(std::string_view text, std::string* error);

  const ServerConfig& values() const { return values_; }
  ServerConfig& mutable_values() { return values_; }

  // Absolute path of the config file given on the command line, or "".
  const std::string& config_file() const { return config_file_; }

  // CONFIG GET: each (name, value) matching any pattern (nocase globs; a
  // pattern without glob characters is looked up and echoed as written), as
  // Redis 7.0 formats values. No name appears twice.
  std::vector<std::pair<std::string, std::string>> Get(
      const std::vector<std::string_view>& patterns) const;

  // CONFIG SET of several name/value pairs, all or nothing. Returns "" on
  // success or Redis's error text without the leading '-', e.g.
  // "ERR Unknown option or number of arguments for CONFIG SET - 'foo'".
  std::string Set(const std::vector<std::pair<std::string_view, std::string_view>>& pairs);

  // Optional: called during Set for each changed option (canonical name)
  // before Set returns; a non-empty result (a reason, e.g. "Failed to bind to
  // specified addresses.") makes Set restore every value, re-apply the old
  // ones and fail with that reason. Use it for changes that can fail (bind,
  // port, maxclients).
  void set_apply_hook(std::function<std::string(std::string_view name)> fn) {
    apply_hook_ = std::move(fn);
  }
  // Called after a successful Set for each changed option (canonical name),
  // so the node can react (e.g. hz, maxclients).
  void set_on_change(std::function<void(std::string_view name)> fn) { on_change_ = std::move(fn); }

  // `rename-command NAME NEWNAME` lines, in file order; NEWNAME "" disables
  // the command. They are applied to the command table by the Server (the
  // table does not exist while the file is read), and a failure is reported
  // with the line it came from, as Redis's fatal config errors are.
  struct CommandRename {
    std::string from, to;
    int line = 0;
    std::string text;
  };
  const std::vector<CommandRename>& command_renames() const { return renames_; }
  // `user NAME RULES...` lines, in file order (applied by the Server after
  // requirepass, as Redis loads them once the server is set up).
  struct UserLine {
    std::vector<std::string> args;  // name, then the rules
    int line = 0;
    std::string text;
  };
  const std::vector<UserLine>& user_lines() const { return user_lines_; }
  static std::string UserLineError(const UserLine& u, std::string_view why);
  // Redis's fatal-config-error text for `r` with the reason `why`.
  static std::string RenameError(const CommandRename& r, std::string_view why);

 private:
  // Applies one parsed config line; returns "" or the reason text, with
  // *refused telling a value Vireo lacks a behaviour for from a bad line.
  std::string ApplyLine(std::vector<std::string>& argv, bool* refused);

  ServerConfig values_;
  std::string config_file_;
  std::vector<CommandRename> renames_;
  std::vector<UserLine> user_lines_;
  bool save_line_seen_ = false;  // later `save` lines in a file add points (Redis)
  std::function<std::string(std::string_view)> apply_hook_;
  std::function<void(std::string_view)> on_change_;
};

}  // namespace vireo

#endif  // VIREO_SERVER_CONFIG_H_
