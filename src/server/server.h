// Server: one vireo-server node — listeners, clients, the keyspace, the
// command table and the loop that ties them together. The path of a command:
// socket -> Client::query -> RespParser -> Server::ProcessCommand (lookup,
// arity, refusals) -> Server::Call (handler, statistics, slowlog, MONITOR;
// call.cc documents the steps) -> ReplyBuilder -> flushed before the loop
// sleeps. The Server implements CommandServices, the narrow interface data
// command handlers use to reach it.
// Thread rule: everything runs on the thread that calls Run(); signal
// handlers only set a flag that the cron reads.
#pragma once
#include <csignal>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "acl/acl_users.h"
#include "commands/core/command.h"
#include "engine/eviction.h"
#include "engine/keyspace.h"
#include "net/batch_writer.h"
#include "net/event_loop.h"
#include "net/tls.h"
#include "persistence/snapshot_job.h"
#include "server/blocking.h"
#include "server/client.h"
#include "server/command_keys.h"
#include "base/clock.h"
#include "base/version.h"
#include "server/config.h"
#include "server/footprint_guard.h"
#include "server/latency_monitor.h"
#include "server/migrate_sockets.h"
#include "server/propagation.h"
#include "server/pubsub.h"
#include "server/replica_written_expires.h"
#include "server/replication.h"
#include "server/tracking.h"

namespace vireo {

struct ServerStats {
  uint64_t total_connections_received = 0;
  uint64_t total_commands_processed = 0;
  uint64_t rejected_connections = 0;
  uint64_t net_input_bytes = 0;   // clients (Redis 7.0: not the master link)
  uint64_t net_output_bytes = 0;  // clients (not replicas)
  uint64_t net_repl_input_bytes = 0, net_repl_output_bytes = 0;
  uint64_t reads_processed = 0, writes_processed = 0;  // read/write events served
  // Time with memory over maxmemory while eviction ran in the background.
  uint64_t eviction_exceeded_ms = 0;
  int64_t eviction_exceeded_since_ms = 0;  // 0: not over now
  uint64_t total_error_replies = 0;
  uint64_t unexpected_error_replies = 0;
  uint64_t client_qbuf_limit_disconnections = 0;
  uint64_t client_obuf_limit_disconnections = 0;  // client-output-buffer-limit closes
  uint64_t evicted_clients = 0;                   // maxmemory-clients closes
  std::map<std::string, uint64_t> error_counts;  // INFO errorstats, by error code
  // ops/sec sampling (instantaneous_ops_per_sec)
  uint64_t last_sample_commands = 0;
  int64_t last_sample_ms = 0;
  double ops_per_sec = 0;
  // instantaneous_*_kbps: the same smoothing over the byte counters.
  uint64_t last_sample_bytes[4] = {};  // input, output, repl input, repl output
  double kbps[4] = {};
};

struct SlowlogEntry {
  uint64_t id;
  int64_t time_sec;
  int64_t duration_us;
  std::vector<std::string> args;
  std::string peer, name;
};


class ScriptRunner;
class Aof;

class Server final : public CommandServices {
 public:
  explicit Server(Config config);
  ~Server();

  // Opens the listening sockets; false with a message on failure.
  bool Listen(std::string* error);
  // Applies the config's rename-command lines to the command table (once,
  // before Listen); false with Redis's fatal config text on the first bad one.
  bool ApplyCommandRenames(std::string* error);
  // Sets up the ACL users once at start (after the renames): requirepass,
  // then the config's `user` lines or the aclfile. False with the message.
  bool LoadAclAtStartup(std::string* error);
  // Runs the loop until shutdown; returns the process exit code.
  int Run();
  // Requested by SIGTERM/SIGINT (async-signal-safe: sets a flag).
  static void RequestShutdownFromSignal(int sig);

  // ---- used by command handlers ----
  Config& config() { return config_; }
  const ServerConfig& cfg() const { return config_.values(); }
  Keyspace& keyspace() { return keyspace_; }
  CommandTable& commands() { return commands_; }
  ServerStats& stats() { return stats_; }
  EventLoop& loop() { return loop_; }
  const std::unordered_map<uint64_t, std::unique_ptr<Client>>& clients() const { return clients_; }
  Client* FindClient(uint64_t id);
  void CloseClient(Client* c);  // deferred: freed before the next sleep
  void QueueWrite(Client* c);
  void RequestShutdown() { shutdown_requested_ = true; loop_.Stop(); }
  bool shutdown_requested() const { return shutdown_requested_; }

  // Scripting (EVAL, SCRIPT): the cache, the interpreter and the script in progress.
  ScriptRunner& scripts() { return *scripts_; }
  long long busy_reply_threshold_ms() const { return cfg().busy_reply_threshold; }
  // While a slow script runs: serve other clients' input once (they get
  // -BUSY but for SCRIPT KILL, SHUTDOWN NOSAVE...) and send their replies.
  void ProcessEventsWhileBusy();

  // CLIENT PAUSE / UNPAUSE. While either pause holds, the dataset stays
  // static (Keyspace::PauseDeletions): no expiry, no eviction.
  void Pause(int64_t until_ms, bool all);
  void Unpause();
  bool paused_for(const Command* cmd, int64_t now_ms) const;
  // FAILOVER's write pause, beside CLIENT PAUSE's (either holds writes).
  void SetFailoverPause(bool on);

  std::deque<SlowlogEntry>& slowlog() { return slowlog_; }
  uint64_t& slowlog_next_id() { return slowlog_next_id_; }
  LatencyMonitor& latency_monitor() { return latency_; }

  const std::string& run_id() const { return run_id_; }
  int64_t start_time_ms() const { return start_ms_; }
  uint64_t cron_loops() const { return cron_loops_; }
  size_t peak_memory() const { return peak_memory_; }
  // used_memory once the server is set up, before any data is loaded (INFO
  // used_memory_startup, the base of MEMORY STATS' overhead).
  size_t startup_memory() const { return startup_memory_; }
  void MarkStartupMemory();
  // jemalloc-bg-thread (at start and on CONFIG SET).
  void ApplyAllocatorConfig();
  // DEBUG PAUSE-CRON: the periodic jobs stop (shutdown signals still act).
  void set_cron_paused(bool on) { cron_paused_ = on; }
  // The running command's reply starts with '-' but is not an error reply
  // of the server (DEBUG ERROR's raw text): not counted anywhere, as Redis.
  void NextReplyIsRawError() { raw_error_reply_ = true; }
  void ResetStats();
  void AddMonitor(Client* c);
  int executable_port() const { return cfg().port; }

  BlockingRegistry& blocking() { return blocking_; }
  PubSubRegistry& pubsub() { return pubsub_; }
  WatchRegistry& watches() { return watches_; }
  Tracking& tracking() { return tracking_; }
  Replication& repl() { return *repl_; }
  // Makes a client of an already connected socket (the replica's link to
  // its primary once the handshake is over).
  Client* AdoptConnection(int fd);
  // Output was appended to c outside its own command (pub/sub delivery,
  // notifications): queue the write and apply client-output-buffer-limit.
  void OutputAdded(Client* c);
  // client-output-buffer-limit: closes c (and logs it) when its pending
  // output passed the hard limit, or the soft one for too long.
  void CheckOutputLimit(Client* c);
  // ---- maxmemory-clients (client_eviction.cc).
  // The limit in bytes, 0 when client eviction is off.
  size_t client_eviction_limit() const { return client_eviction_limit_; }
  // Memory of every normal and pub/sub client as last measured (kept only while eviction is on).
  size_t clients_memory() const { return clients_mem_; }
  // c's buffers may have changed: re-measure it. One branch when eviction is off.
  void ClientMemoryChanged(Client* c) {
    if (client_eviction_limit_) [[unlikely]] TrackClientMemory(c);
  }
  // Closes the evictable clients using the most memory until all clients
  // together are under the limit (Redis's evictClients).
  void EvictClients();
  // Runs a blocked client's command again (BlockingRegistry).
  void Reexecute(Client* c, const std::vector<std::string>& args);
  // A client that was blocked may go on with its pending input (before the next sleep).
  void ResumeClient(Client* c);

  // The one execution path (call.cc): every caller runs commands through Call.
  void Call(Client* c, Command* cmd, const std::vector<std::string_view>& args);
  // Ends a client's MULTI state and drops its WATCHes (EXEC, DISCARD, RESET).
  void DiscardTransaction(Client* c);
  // Counts an error reply in INFO errorstats (text without the leading '-').
  void CountError(std::string_view error);
  // The running command's error reply repeats an error already counted (a
  // script returning or raising what its redis.call got): Call counts the
  // failed call but not the error again, as Redis.
  void SkipNextErrorCount() { skip_error_count_ = true; }
  // An error element nested in the running command's reply (a script's
  // table): counted in errorstats unless already counted, and the command
  // counts as failed as in Redis 7.0 (once for any fresh ones, once per
  // already-counted one).
  void CountNestedReplyError(std::string_view error, bool already_counted) {
    if (already_counted) {
      ++nested_errors_precounted_;
    } else {
      CountError(error);
      nested_errors_fresh_ = true;
    }
  }
  // A blocked command ended with an error not produced by its handler (CLIENT UNBLOCK ERROR).
  void CountBlockedCommandError(const std::vector<std::string>& args, std::string_view error);
  // Latency monitor (LATENCY LATEST...): records `ms` for `event` when
  // latency-monitor-threshold is set and reached. LatencyStart/LatencyEnd
  // time a stretch of loop work, reading the clock only when the monitor is
  // on (LatencyStart returns 0 when it is off).
  void RecordLatency(std::string_view event, int64_t ms) {
    latency_.Record(event, ms, cfg().latency_monitor_threshold, NowMs() / 1000);
  }
  int64_t LatencyStart() const { return cfg().latency_monitor_threshold > 0 ? MonoUs() : 0; }
  void LatencyEnd(std::string_view event, int64_t start_us) {
    if (start_us) [[unlikely]] RecordLatency(event, (MonoUs() - start_us) / 1000);
  }
  // Changes made to the dataset since start (save points, INFO rdb_changes_since_last_save).
  uint64_t dirty() const { return dirty_; }

  // ---- propagation (step 7 of Call): the AOF and replication register sinks
  // that receive every execution unit's effects as RESP commands.
  void AddPropagationSink(PropagationSink* sink) { propagator_.AddSink(sink); }
  void RemovePropagationSink(PropagationSink* sink) { propagator_.RemoveSink(sink); }
  Propagator& propagator() { return propagator_; }
  // Runs a propagated command on a pseudo-client (AOF loading, a primary's
  // stream): looked up without the client-facing refusals, queued inside
  // MULTI, else run through Call. False with *error for an unknown command
  // or a wrong argument count.
  bool ExecuteReplayed(Client* c, const std::vector<std::string_view>& args, std::string* error);

  // ---- AOF (server/aof.*): appendonly, its files, rewrites, fsync policy.
  Aof& aof() { return *aof_; }
  // While a dataset is loading: clients get -LOADING (but for commands
  // flagged loading), INFO shows loading:1 and the fields below.
  struct LoadingState {
    bool active = false;
    int64_t start_sec = 0;
    uint64_t total_bytes = 0;
    uint64_t loaded_bytes = 0;
    int64_t last_events_ms = 0;
    int64_t last_log_ms = 0;
  };
  LoadingState& loading() { return loading_; }
  // Called now and then by a loader: serves clients (-LOADING) at most every 2 ms... 100 ms.
  void ProcessEventsWhileLoading(uint64_t loaded_bytes);
  // ---- Access control (access_control.cc).
  AclUsers& acl() { return acl_; }
  MigrateSockets& migrate_sockets() { return migrate_sockets_; }
  // Keys a writable replica's clients gave a TTL (INFO slave_expires_tracked_keys).
  const ReplicaWrittenExpires& replica_written_expires() const { return replica_written_; }
  // Redis's authRequired: "default" needs a password (or is off) and the
  // client has not authenticated.
  bool AuthRequired(const Client* c) const;
  // AUTH / HELLO AUTH: checks the pair; on success c runs as that user,
  // otherwise the failure is logged (reason auth). Redis's ACLAuthenticateUser.
  bool Authenticate(Client* c, std::string_view username, std::string_view password, std::string_view command);
  // Whether `user` may run cmd with args (args[0] is the command name); on
  // denial *pos is the argument (key or channel) the reason is about.
  AclResult CheckCommandPermission(const AclUser* user, const Command* cmd,
                                   const std::vector<std::string_view>& args, size_t* pos);
  // Records a denial in ACL LOG (object from the reason and args).
  void LogAclDenial(Client* c, AclResult reason, AclLogContext ctx, const Command* cmd,
                    const std::vector<std::string_view>& args, size_t pos);
  // The user was deleted or replaced: its clients become unauthenticated
  // "default" clients and are closed (the current one after its reply).
  void DisconnectUserClients(const AclUser* u);
  // SETUSER narrowed u's channels to `updated`'s: close u's subscribers
  // whose subscriptions the new rules no longer allow (Redis 7.0).
  void DisconnectRevokedSubscribers(const AclUser* u, const AclUser& updated);
  // requirepass: the default user's password (resetpass, then >pass or nopass).
  void ApplyRequirepass();
  bool acl_pubsub_allchannels() const { return cfg().acl_pubsub_default == 0; }

  // ---- RDB persistence (rdb_persistence.cc): what SAVE, LASTSAVE, the save
  // points, DEBUG RELOAD, SHUTDOWN and INFO persistence share.
  struct RdbState {
    int64_t lastsave_sec = 0;          // last successful save (start-up time before any)
    int64_t last_save_try_sec = 0;
    bool last_save_ok = true;          // rdb_last_bgsave_status
    int64_t last_save_duration_sec = -1;
    uint64_t dirty_at_last_save = 0;   // dirty() when the last save started
    uint64_t saves = 0;                // rdb_saves
    uint64_t last_load_keys_loaded = 0;
    uint64_t last_load_keys_expired = 0;
    uint64_t last_cow_size = 0;        // rdb_last_cow_size: bytes preserved for commands
    bool bgsave_scheduled = false;     // BGSAVE SCHEDULE / inside EXEC
  };
  const RdbState& rdb_state() const { return rdb_; }
  uint64_t changes_since_save() const { return dirty_ - rdb_.dirty_at_last_save; }
  // dir/dbfilename.
  std::string RdbPath() const;
  // Writes the whole dataset to RdbPath() now (SAVE). Stops a background
  // save first. False with a message logged and in *error.
  bool SaveRdb(std::string* error);
  // The LRU/LFU opcodes RDB images carry under the current maxmemory-policy.
  RdbWriter::AccessOpcodes RdbAccessOpcodes() const;
  // BGSAVE: starts a fork-less background save (see persistence/
  // snapshot_writer.h); BgsaveStep writes a slice of it before each sleep.
  bool StartBgsave(std::string* error);
  // A BGSAVE, or a streamed full sync (Redis's RDB child to replica sockets).
  bool bgsave_in_progress() const { return bgsave_ != nullptr || repl_->streaming_sync(); }
  // Stops a background save; its temp file is removed (reason is logged).
  void AbortBgsave(const char* reason);
  // What INFO persistence shows of the running save.
  struct BgsaveProgress {
    int64_t elapsed_sec = -1;
    uint64_t keys_processed = 0, keys_total = 0, preserved_bytes = 0;
  };
  BgsaveProgress bgsave_progress() const;
  void ScheduleBgsave() { rdb_.bgsave_scheduled = true; }
  void CountSaveAttempt() { rdb_.saves++; }
  // stop-writes-on-bgsave-error: writes are refused with -MISCONF.
  bool WritesDeniedByDiskError() const {
    return cfg().stop_writes_on_bgsave_error && !cfg().save_params.empty() && !rdb_.last_save_ok;
  }
  // Replaces the dataset with RdbPath()'s; a missing file is not an error
  // (*missing tells). On failure the dataset is unchanged.
  // serve_clients (start-up): clients get -LOADING and INFO the loading_*
  // fields meanwhile; DEBUG RELOAD loads without serving anyone.
  bool LoadRdb(std::string* error, bool* missing, bool serve_clients = false);
  // What a shutdown must do first: save when asked or when save points are
  // set (unless nosave). False (stay up) when that save fails and !force.
  bool PrepareForShutdown(bool save, bool nosave, bool force, std::string* error);

  // CommandServices.
  void BlockOnKeys(ClientSession& session, int db, const std::vector<std::string_view>& keys,
                   const std::vector<std::string_view>& command, int64_t deadline_ms,
                   BlockTimeoutReply on_timeout) override;
  void SignalKeyReady(int db, std::string_view key) override;
  void SignalDb(int db) override;
  void KeyModified(int db, std::string_view key) override;
  void DbModified(int db, int replaced_with) override;
  void Notify(uint32_t cls, std::string_view event, std::string_view key, int db) override;
  // The engine is deleting a key whose TTL passed (lazily or actively).
  void KeyExpired(int db, std::string_view key);
  // The engine is deleting a key to free memory (maxmemory eviction).
  void KeyEvicted(int db, std::string_view key);

  // ---- maxmemory (eviction.cc in engine/; the node side in server.cc)
  // Brings used memory under maxmemory as the policy allows (kFail: over
  // the limit with nothing to evict).
  Evictor::Result PerformEvictions();
  // Whether the last client command found the node out of memory (scripts
  // refuse deny-oom commands then, as Redis's pre_command_oom_state).
  bool pre_command_oom() const { return pre_command_oom_; }
  // Bytes left out of the maxmemory comparison (Redis's
  // freeMemoryGetNotCountedMemory: replica and AOF buffers; none yet).
  size_t MemNotCountedForEvict() const { return 0; }
  const Evictor& evictor() const { return evictor_; }
  const FootprintGuard& footprint() const { return footprint_; }

  // ---- TLS (tls_listeners.cc): tls-port beside the plain port.
  int tls_port() const;
  // tls-replication yes: our link to a primary is TLS (tls_client_ctx()).
  bool tls_replication() const;
  TlsSettings TlsSettingsFromConfig() const;
  // (Re)builds the TLS contexts from the tls-* values: the server one when
  // tls-port is set, the client one (replica links) when tls-replication is
  // yes. Both or neither change.
  bool ConfigureTls(std::string* error);
  // The replica link's context (null unless tls-replication is yes); a
  // link holds its own reference, so a reload does not pull it away.
  const std::shared_ptr<TlsContext>& tls_client_ctx() const { return tls_client_ctx_; }
  // Opens tls-port on every bind address.
  bool ListenTls(std::string* error);
  void CloseTlsListeners();
  bool is_tls_listener(int fd) const;
  // Config apply hook for tls-*: "" or the CONFIG SET failure reason.
  std::string ApplyTlsChange(std::string_view name);

  // ---- plain TCP listeners (tcp_listeners.cc): `port` on every `bind` address.
  // Opens them (none for port 0); false with the message, nothing left open.
  bool OpenTcpListeners(const std::vector<std::string>& bind, int port, std::vector<int>* fds,
                        std::string* error);
  // Replaces the open TCP listeners by `fds` (closing the old ones).
  void InstallTcpListeners(std::vector<int> fds);
  // Config apply hook for port and bind: re-opens the listeners (and, for
  // bind, TLS and endpoint ports); "" or Redis's CONFIG SET failure reason,
  // the old sockets kept.
  std::string ApplyListenChange(std::string_view name);

  // Called from the client on readable data and after unpausing.
  void ProcessInput(Client* c);
  // client-query-buffer-limit: closes c (logged, counted) when its query
  // buffer is over the limit; returns whether it is still open.
  bool CheckQueryLimit(Client* c);
  void OnAcceptable(int listen_fd);

 private:
  // A replica's stream from its primary (replica_input.cc): like
  // ProcessInput, but replies are dropped and applied bytes counted.
  void ProcessMasterInput(Client* c);
  // The step both input loops share: parses the command at `pos` of the
  // query buffer (*consumed its length) and, when a CLIENT PAUSE covers it,
  // parks the client with the command still unconsumed.
  enum class InputStep { kCommand, kEmpty, kNeedMore, kError, kPaused };
  InputStep NextInputCommand(Client* c, size_t pos, size_t* consumed);
  Client* NewClient(int fd, std::string addr, std::string laddr);
  // Client-facing steps before Call (lookup, arity, refusals).
  void ProcessCommand(Client* c, const std::vector<std::string_view>& args);
  // The command for args, or nullptr after replying Redis's error.
  Command* LookupForClient(Client* c, const std::vector<std::string_view>& args);
  // Replies a refusal before execution (counted in errorstats); inside MULTI
  // it makes EXEC abort; a refused EXEC discards its transaction.
  void RejectCommand(Client* c, std::string_view error, const Command* cmd = nullptr);
  void QueueCommand(Client* c, Command* cmd, const std::vector<std::string_view>& args);
  // Step 7 of Call, when a sink listens: queue what the command propagates,
  // and send the execution unit when it was the outermost command.
  void QueuePropagation(CommandContext& ctx, const Command* cmd, const std::vector<std::string_view>& args,
                        bool outermost);
  void RememberReadKeys(Client* c, const Command* cmd, const std::vector<std::string_view>& args);
  void FeedMonitors(Client* c, const std::vector<std::string_view>& args, int64_t now_us);
  void RecordSlowlog(Client* c, const Command* cmd, const std::vector<std::string_view>& args,
                     int64_t duration_us);
  void Cron();
  // Active defragmentation's slice of the cron (activedefrag, engine/active_defrag.h).
  void DefragCron();
  void BeforeSleep();
  void FreeClosedClients();
  void ApplyConfigChange(std::string_view name);
  // Opens and closes the vireo-endpoint-ports listeners to match the
  // config; returns "" or why a port could not be opened (nothing changes
  // for that port then).
  std::string ApplyEndpointPorts();
  // Save points (`save <seconds> <changes>`), from the cron.
  void RdbCron(int64_t now_ms);
  void BgsaveStep();
  void FinishBgsave(bool ok, const std::string& error);
  void PreserveCommandKeys(Client* c, const Command* cmd, const std::vector<std::string_view>& args);
  void RememberReplicaWrittenExpires(Client* c, const Command* cmd, const std::vector<std::string_view>& args);

  Config config_;
  AclUsers acl_;
  MigrateSockets migrate_sockets_;
  ReplicaWrittenExpires replica_written_;
  Keyspace keyspace_;
  CommandTable commands_;
  EventLoop loop_;
  std::vector<std::unique_ptr<IoHandler>> listeners_;
  std::vector<int> listen_fds_;
  // The plain TCP listeners (also in listen_fds_) and what they listen on.
  std::vector<std::pair<int, std::unique_ptr<IoHandler>>> tcp_listeners_;
  int open_port_ = 0;
  std::vector<std::string> open_bind_;
  std::vector<int> tls_listen_fds_;
  // TLS connections by accept time (client id, handshake deadline), for
  // vireo-tls-handshake-timeout: deadlines only grow (one timeout for all,
  // a change applies to new connections), so the cron pops the front.
  std::deque<std::pair<uint64_t, int64_t>> tls_handshake_deadlines_;
  void CloseStalledTlsHandshakes(int64_t now_ms);
  std::shared_ptr<TlsContext> tls_ctx_;
  std::shared_ptr<TlsContext> tls_client_ctx_;
  // vireo-endpoint-ports: port -> its listeners (fd, handler), one per bind
  // address; apart from listen_fds_ because they change at run time.
  std::map<int, std::vector<std::pair<int, std::unique_ptr<IoHandler>>>> endpoint_listeners_;
  std::unordered_map<uint64_t, std::unique_ptr<Client>> clients_;  // owns every client
  // Clients with output to write before the next sleep. Replies to commands
  // go first, output pushed to other clients (pub/sub deliveries,
  // invalidations) after them: the clients that sent requests get their
  // replies, and can send the next ones, while a fan-out is still being
  // written, so the next loop turn finds more requests ready and each
  // subscriber's write carries more messages (Redis's pending-write list
  // ends up in the same order: it adds at the head).
  std::vector<Client*> pending_writes_;
  std::vector<Client*> pending_pushes_;
  BatchWriter batch_writer_;  // one io_uring submit for the flush's sends
  void QueuePush(Client* c);
  // defer: plain sockets' output goes to ring_sends_, sent with the loop's
  // next wait (BeforeSleep only; other callers need the bytes out now).
  void FlushPendingWrites(bool defer = false);
  std::vector<Client*> ring_sends_;
  void QueueRingSends();
  std::vector<Client*> to_free_;
  std::vector<Client*> monitors_;
  std::vector<Client*> paused_clients_;
  std::vector<Client*> resumed_;
  BlockingRegistry blocking_;
  PubSubRegistry pubsub_;
  WatchRegistry watches_;
  Tracking tracking_{*this};
  Propagator propagator_;
  // The client whose command is running (Call sets it; nested calls keep the outer one).
  Client* executing_ = nullptr;
  CommandHandler exec_handler_ = nullptr;  // EXEC's, for its OOM refusal
  const Command* debug_cmd_ = nullptr;     // DEBUG: refused before AUTH when disabled
  uint64_t next_client_id_ = 1;
  ServerStats stats_;
  std::deque<SlowlogEntry> slowlog_;
  uint64_t slowlog_next_id_ = 0;
  LatencyMonitor latency_;
  int64_t pause_until_ms_ = 0;
  bool pause_all_ = false;
  bool failover_pause_ = false;
  void ResumePausedClients();
  void SyncDeletionPause();
  bool shutdown_requested_ = false;
  std::string run_id_;
  int64_t start_ms_ = 0;
  uint64_t cron_loops_ = 0;
  size_t peak_memory_ = 0;
  size_t startup_memory_ = 0;
  bool cron_paused_ = false;
  bool raw_error_reply_ = false;
  std::vector<std::string_view> args_scratch_;
  std::vector<KeyAccess> acl_keys_scratch_;
  uint64_t dirty_ = 0;
  RdbState rdb_;
  struct BgsaveJob {
    SnapshotJob snap;
    uint64_t dirty_at_start = 0;
  };
  std::unique_ptr<BgsaveJob> bgsave_;
  bool save_after_command_ = false;  // FLUSHALL with save points
  bool skip_error_count_ = false;    // SkipNextErrorCount
  bool nested_errors_fresh_ = false;        // CountNestedReplyError, read by Call
  uint32_t nested_errors_precounted_ = 0;   // CountNestedReplyError, read by Call
  int64_t next_lru_tick_ms_ = 0;     // Call updates the LRU clock when a second starts
  std::unique_ptr<ScriptRunner> scripts_;
  std::unique_ptr<Aof> aof_;
  LoadingState loading_;
  std::unique_ptr<Replication> repl_;
  Evictor evictor_;
  FootprintGuard footprint_;  // maxmemory-fragmentation-share
  bool pre_command_oom_ = false;
  // Applies the maxmemory policy and LFU parameters to the keyspace's access clock.
  void ApplyEvictionConfig();
  void ApplyLatencyMonitorConfig();
  // maxmemory-clients and maxmemory -> client_eviction_limit_ (re-measures
  // every client when eviction turns on).
  void ApplyClientEvictionConfig();
  void TrackClientMemory(Client* c);
  size_t client_eviction_limit_ = 0;
  size_t clients_mem_ = 0;
  int64_t last_client_evict_warning_ms_ = 0;
  // Applies lazyfree-lazy-* to the keyspace's free settings.
  void ApplyLazyFreeConfig();
};

}  // namespace vireo
