#include "server/server.h"
#include "persistence/dump_restore_cmds.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

#include "base/clock.h"
#include "base/log.h"
#include "base/memory_accounting.h"
#include "base/memory_stats.h"
#include "net/listener.h"
#include "resp/reply_builder.h"
#include "server/aof.h"
#include "server/commands/server_context.h"
#include "server/script_runner.h"

namespace vireo {

namespace {

// A query buffer bigger than this is freed once it is empty (a big argument
// was consumed); smaller ones are kept for the next read.
constexpr size_t kKeepIdleQueryBuffer = 64 * 1024;

// Redis 7.0's reply to a non-loopback client in protected mode, verbatim
// (clients and operators search for it), written on accept before closing.
constexpr std::string_view kProtectedModeError =
    "-DENIED Redis is running in protected mode because protected mode is enabled and no "
    "password is set for the default user. In this mode connections are only accepted from the "
    "loopback interface. If you want to connect from external computers to Redis you may adopt "
    "one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG "
    "SET protected-mode no' from the loopback interface by connecting to Redis from the same "
    "host the server is running, however MAKE SURE Redis is not publicly accessible from "
    "internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively "
    "you can just disable the protected mode by editing the Redis configuration file, and "
    "setting the protected mode option to 'no', and then restarting the server. 3) If you "
    "started the server manually just for testing, restart it with the '--protected-mode no' "
    "option. 4) Setup a an authentication password for the default user. NOTE: You only need "
    "to do one of the above things in order for the server to start accepting connections from "
    "the outside.\r\n";

volatile sig_atomic_t g_shutdown_signal = 0;

std::string RandomHex(size_t n) {
  std::random_device rd;
  static const char* kHex = "0123456789abcdef";
  std::string s(n, '0');
  for (auto& c : s) c = kHex[rd() & 15];
  return s;
}

}  // namespace

Server::Server(Config config)
    : config_(std::move(config)), keyspace_(config_.values().databases) {
  BindConnectionCommands(commands_);
  BindServerCommands(commands_);
  BindDumpRestoreCommands(commands_);
  BindPubSubCommands(commands_);
  BindTransactionCommands(commands_);
  BindTrackingCommands(commands_);
  exec_handler_ = commands_.Find("exec")->handler;
  debug_cmd_ = commands_.Find("debug");
  BindScriptingCommands(commands_);
  BindAclCommands(commands_);
  scripts_ = std::make_unique<ScriptRunner>(*this);
  aof_ = std::make_unique<Aof>(*this);
  repl_ = std::make_unique<Replication>(*this);
  BindReplicationCommands(commands_);
  run_id_ = RandomHex(40);
  start_ms_ = NowMs();
  rdb_.lastsave_sec = start_ms_ / 1000;
  keyspace_.UpdateLruClock(start_ms_);
  config_.set_on_change([this](std::string_view name) { ApplyConfigChange(name); });
  // Changes that can fail (Config keeps one hook: each feature's branch here).
  // CONFIG SET reports a failure and keeps the old values.
  config_.set_apply_hook([this](std::string_view name) -> std::string {
    if (name == "appendonly") {
      if (cfg().appendonly && !aof_->on() && !aof_->Enable()) return "Unable to turn on AOF. Check server logs.";
      if (!cfg().appendonly && aof_->on()) aof_->Disable();
      return std::string();
    }
    if (name == "port" || name == "bind") return ApplyListenChange(name);
    return name == "vireo-endpoint-ports" ? ApplyEndpointPorts() : ApplyTlsChange(name);
  });
  KeyEventHooks hooks;
  hooks.ctx = this;
  hooks.ready = [](void* self, int db, std::string_view key) {
    static_cast<Server*>(self)->blocking_.SignalKeyReady(db, key);
  };
  hooks.expired = [](void* self, int db, std::string_view key) {
    static_cast<Server*>(self)->KeyExpired(db, key);
  };
  hooks.evicted = [](void* self, int db, std::string_view key) {
    static_cast<Server*>(self)->KeyEvicted(db, key);
  };
  hooks.keymiss = [](void* self, int db, std::string_view key) {
    static_cast<Server*>(self)->Notify(kNotifyKeyMiss, "keymiss", key, db);
  };
  hooks.added = [](void* self, int db, std::string_view key) {
    static_cast<Server*>(self)->Notify(kNotifyNew, "new", key, db);
  };
  keyspace_.set_key_event_hooks(hooks);
  ApplyEvictionConfig();
  ApplyLatencyMonitorConfig();
  ApplyLazyFreeConfig();
  ApplyClientEvictionConfig();
  pubsub_.set_output_hook([](void* self, Client* c) { static_cast<Server*>(self)->OutputAdded(c); }, this);
}

Server::~Server() {
  for (auto& [id, c] : clients_) loop_.Unwatch(c->fd());
  clients_.clear();  // closes their sockets
  for (int fd : listen_fds_) close(fd);
  for (auto& [port, fds] : endpoint_listeners_) {
    for (auto& [fd, handler] : fds) close(fd);
  }
}

void Server::RequestShutdownFromSignal(int sig) { g_shutdown_signal = sig; }

bool Server::ApplyCommandRenames(std::string* error) {
  for (const Config::CommandRename& r : config_.command_renames()) {
    const std::string why = commands_.Rename(r.from, r.to);
    if (!why.empty()) {
      *error = Config::RenameError(r, why);
      return false;
    }
  }
  return true;
}

bool Server::Listen(std::string* error) {
  const ServerConfig& c = cfg();
  std::vector<int> fds;
  if (!OpenTcpListeners(c.bind, c.port, &fds, error)) return false;
  InstallTcpListeners(std::move(fds));
  open_port_ = c.port;
  open_bind_ = c.bind;
  if (!ListenTls(error)) return false;
  if (listen_fds_.empty()) {
    *error = "Failed listening on any address";
    return false;
  }
  const std::string why = ApplyEndpointPorts();
  if (!why.empty()) {
    *error = why;
    return false;
  }
  return true;
}

std::string Server::ApplyEndpointPorts() {
  const ServerConfig& c = cfg();
  const std::vector<int>& want = c.endpoint_ports;
  for (auto it = endpoint_listeners_.begin(); it != endpoint_listeners_.end();) {
    if (std::find(want.begin(), want.end(), it->first) != want.end()) {
      ++it;
      continue;
    }
    for (auto& [fd, handler] : it->second) {
      loop_.Unwatch(fd);
      close(fd);
    }
    it = endpoint_listeners_.erase(it);
  }
  for (int port : want) {
    if (endpoint_listeners_.count(port)) continue;
    std::vector<std::pair<int, std::unique_ptr<IoHandler>>> opened;
    for (const std::string& addr : c.bind) {
      std::string err;
      bool optional = false;
      int fd = OpenListener(addr, port, c.tcp_backlog, &err, &optional, /*shared=*/true);
      if (fd < 0) {
        if (optional) continue;
        for (auto& [ofd, handler] : opened) {
          loop_.Unwatch(ofd);
          close(ofd);
        }
        return "Could not create server TCP listening socket " + addr + ":" + std::to_string(port) +
               ": " + err;
      }
      auto handler = std::make_unique<Listener>(fd, [this](int lfd) { OnAcceptable(lfd); });
      loop_.Watch(fd, handler.get(), true, false);
      opened.emplace_back(fd, std::move(handler));
    }
    endpoint_listeners_[port] = std::move(opened);
  }
  return std::string();
}

void Server::OnAcceptable(int listen_fd) {
  for (int i = 0; i < 64; ++i) {  // bounded, so one busy listener cannot starve clients
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    int fd = accept4(listen_fd, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    stats_.total_connections_received++;
    if (int(clients_.size()) >= cfg().maxclients) {
      static const char kMsg[] = "-ERR max number of clients reached\r\n";
      ssize_t ignored = write(fd, kMsg, sizeof(kMsg) - 1);
      (void)ignored;
      close(fd);
      stats_.rejected_connections++;
      continue;
    }
    if (cfg().protected_mode && (acl_.default_user()->flags & kUserNoPass) && !IsLoopbackPeer(ss)) {
      // Redis 7.0 applies protected mode whatever `bind` says, as long as
      // the default user has no password.
      ssize_t ignored = write(fd, kProtectedModeError.data(), kProtectedModeError.size());
      (void)ignored;
      close(fd);
      stats_.rejected_connections++;
      continue;
    }
    ConfigureClientSocket(fd, cfg().tcp_keepalive);
    const bool tls = tls_ctx_ && is_tls_listener(listen_fd);
    Client* c = NewClient(fd, SockAddrText(ss), LocalAddrText(fd));
    // Redis's createClient: a client is authenticated from the start when
    // "default" needs no password (and is on).
    const AclUser* def = acl_.default_user();
    c->user = acl_.default_user();
    c->authenticated = (def->flags & kUserNoPass) && !(def->flags & kUserOff);
    if (!tls && loop_.ring()) c->StartRingRecv(loop_.ring());
    if (tls) {
      c->StartTls(std::make_unique<TlsConnection>(*tls_ctx_, fd));
      if (cfg().tls_handshake_timeout_ms > 0) {
        tls_handshake_deadlines_.emplace_back(c->id(), NowMs() + cfg().tls_handshake_timeout_ms);
      }
    }
  }
}

Client* Server::NewClient(int fd, std::string addr, std::string laddr) {
  auto owned = std::make_unique<Client>(this, fd, next_client_id_++, std::move(addr), std::move(laddr));
  Client* c = owned.get();
  ParseLimits limits;
  limits.max_bulk_len = cfg().proto_max_bulk_len;
  c->parser.set_limits(limits);
  clients_.emplace(c->id(), std::move(owned));
  loop_.Watch(fd, c, true, false);
  return c;
}

Client* Server::AdoptConnection(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  Client* c = NewClient(fd, SockAddrText(ss), LocalAddrText(fd));
  c->user = acl_.default_user();
  c->authenticated = true;
  return c;
}

Client* Server::FindClient(uint64_t id) {
  auto it = clients_.find(id);
  return it == clients_.end() || it->second->closing ? nullptr : it->second.get();
}

void Server::CloseClient(Client* c) {
  if (c->closing) return;
  c->closing = true;
  clients_mem_ -= c->mem_tracked;
  c->mem_tracked = 0;
  c->StopRingRecv();
  loop_.Unwatch(c->fd());
  to_free_.push_back(c);
}

void Server::FreeClosedClients() {
  for (Client* c : to_free_) {
    auto drop = [c](std::vector<Client*>& v) { v.erase(std::remove(v.begin(), v.end(), c), v.end()); };
    drop(monitors_);
    drop(paused_clients_);
    drop(pending_writes_);
    drop(pending_pushes_);
    drop(ring_sends_);
    drop(resumed_);
    blocking_.Unblock(c);
    pubsub_.RemoveClient(c);
    watches_.UnwatchAll(c);
    tracking_.ClientClosed(c);
    repl_->ClientClosed(c);
    clients_.erase(c->id());  // the last owner: frees the client, closes its socket
  }
  to_free_.clear();
}

void Server::QueueWrite(Client* c) {
  if (!c->pending_write) {
    c->pending_write = true;
    pending_writes_.push_back(c);
  }
}

void Server::QueuePush(Client* c) {
  if (!c->pending_write) {
    c->pending_write = true;
    pending_pushes_.push_back(c);
  }
}

void Server::QueueRingSends() {
  RingIo* ring = loop_.ring();
  for (Client* c : ring_sends_) {
    if (c->closing || !c->has_pending_output()) continue;
    if (ring->CanQueueSend()) {
      c->QueueRingSend(ring);
    } else {
      c->Flush();
    }
  }
  ring_sends_.clear();
}

void Server::FlushPendingWrites(bool defer) {
  // With the loop's ring, plain sockets' output leaves in the loop's next
  // wait, in the same system call (QueueRingSends, the last step before it):
  // not while a BGSAVE slice or client eviction runs after the flush (they
  // want the replies out first), nor when the loop is about to end.
  if (defer && loop_.ring() && !loop_.stopping() && !bgsave_ && !rdb_.bgsave_scheduled && !client_eviction_limit_) {
    for (std::vector<Client*>* list : {&pending_writes_, &pending_pushes_}) {
      for (Client* c : *list) {
        c->pending_write = false;
        if (c->closing) continue;
        if (c->PlainSocket()) {
          ring_sends_.push_back(c);
        } else {
          c->Flush();
        }
      }
      list->clear();
    }
    return;
  }
  // Two or more plain sockets with output: one io_uring submit carries all
  // their sends (a lone write() is cheaper for one). Flush below then only
  // does the bookkeeping, or writes what a full socket left.
  if (batch_writer_.ok() && pending_writes_.size() + pending_pushes_.size() >= 2) {
    for (std::vector<Client*>* list : {&pending_writes_, &pending_pushes_}) {
      for (Client* c : *list) {
        if (!c->closing && c->PlainSocket() && c->has_pending_output()) {
          const std::string& out = c->reply.buffer();
          const size_t n = c->pending_output();
          batch_writer_.Add(c->fd(), out.data() + (out.size() - n), n, c);
        }
      }
    }
    if (batch_writer_.queued() >= 2) {
      batch_writer_.Submit([](void* tag, ssize_t res) { static_cast<Client*>(tag)->AccountBatchedWrite(res); });
    } else {
      batch_writer_.Discard();  // one send: Flush's write() is cheaper
    }
  }
  for (std::vector<Client*>* list : {&pending_writes_, &pending_pushes_}) {
    for (size_t i = 0; i < list->size(); ++i) {
      Client* c = (*list)[i];
      c->pending_write = false;
      if (!c->closing) c->Flush();
    }
    list->clear();
  }
}

void Server::AddMonitor(Client* c) {
  if (!c->monitor) {
    c->monitor = true;
    monitors_.push_back(c);
  }
}

// A pause issued while another is on keeps the later end and the stricter
// mode (Redis 7.0's pauseClients: ALL wins over WRITE).
void Server::Pause(int64_t until_ms, bool all) {
  if (pause_until_ms_ && NowMs() < pause_until_ms_) {
    pause_until_ms_ = std::max(pause_until_ms_, until_ms);
    pause_all_ = pause_all_ || all;
  } else {
    pause_until_ms_ = until_ms;
    pause_all_ = all;
  }
  SyncDeletionPause();
}

void Server::Unpause() {
  pause_until_ms_ = 0;
  SyncDeletionPause();
  ResumePausedClients();
}

void Server::SetFailoverPause(bool on) {
  failover_pause_ = on;
  SyncDeletionPause();
  if (!on) ResumePausedClients();
}

// Redis 7.0 keeps the dataset static while any pause (CLIENT PAUSE WRITE or
// ALL, FAILOVER's) is on, so a failover's new primary has every key the old
// one had and no DEL is in flight; the pause's end releases the deletions.
void Server::SyncDeletionPause() {
  keyspace_.PauseDeletions(failover_pause_ ? INT64_MAX : pause_until_ms_);
}

// Held clients run again; those a remaining pause still covers are held again.
void Server::ResumePausedClients() {
  std::vector<Client*> resume;
  resume.swap(paused_clients_);
  for (Client* c : resume) {
    c->paused = false;
    c->SetReading(true);
    if (!c->closing) ProcessInput(c);
  }
}

bool Server::paused_for(const Command* cmd, int64_t now_ms) const {
  if (failover_pause_ && (cmd->flags & (kCmdWrite | kCmdMayReplicate))) return true;
  if (pause_until_ms_ == 0 || now_ms >= pause_until_ms_) return false;
  if (pause_all_) return true;
  // WRITE pauses hold writes and commands that may write (as Redis does for EVAL, PUBLISH...).
  return (cmd->flags & (kCmdWrite | kCmdMayReplicate)) != 0;
}

Server::InputStep Server::NextInputCommand(Client* c, size_t pos, size_t* consumed) {
  *consumed = 0;
  RespParser::Status st = c->parser.Parse(c->query.data() + pos, c->query.size() - pos, consumed);
  if (st == RespParser::Status::kNeedMore) return InputStep::kNeedMore;
  if (st == RespParser::Status::kError) return InputStep::kError;
  const auto& args = c->parser.args();
  if (args.empty()) return InputStep::kEmpty;
  // A paused client must keep its unconsumed command: check before consuming.
  if (pause_until_ms_ || failover_pause_) [[unlikely]] {
    Command* cmd = commands_.Find(args[0]);
    if (cmd && paused_for(cmd, NowMs())) {
      c->paused = true;
      c->SetReading(false);
      paused_clients_.push_back(c);
      return InputStep::kPaused;
    }
  }
  return InputStep::kCommand;
}

void Server::ProcessInput(Client* c) {
  if (c->is_master) return ProcessMasterInput(c);
  size_t pos = 0;
  while (!c->closing && !c->paused && !c->blocked && !c->close_after_reply && pos < c->query.size()) {
    size_t consumed = 0;
    const InputStep step = NextInputCommand(c, pos, &consumed);
    if (step == InputStep::kNeedMore || step == InputStep::kPaused) break;
    if (step == InputStep::kError) {
      c->reply.Error("ERR " + c->parser.error());
      stats_.total_error_replies++;
      stats_.error_counts["ERR"]++;
      VLOG_VERBOSE("Protocol error (%s) from client: id=%llu addr=%s", c->parser.error().c_str(),
                   (unsigned long long)c->id(), c->addr().c_str());
      c->close_after_reply = true;
      c->query.Clear();
      pos = 0;
      c->parser.Reset();
      QueueWrite(c);
      return;
    }
    if (step == InputStep::kCommand) {
      const auto& args = c->parser.args();
      ProcessCommand(c, args);
      // CLIENT CACHING applies to the next command only (outside MULTI; a
      // CLIENT command, e.g. CACHING itself, keeps it), as Redis's resetClient.
      if (c->tracking.caching_given && !c->multi.active && !EqualsNoCase(args[0], "client")) {
        c->tracking.caching_given = false;
      }
      if (blocking_.has_ready()) blocking_.ServeReadyKeys(*this);
    }
    pos += consumed;
  }
  if (pos > 0) c->query.Consume(pos);
  // A big argument's buffer goes back to the allocator once it is consumed,
  // so a client's memory (tot-mem, maxmemory-clients) falls back with it.
  if (c->query.empty()) c->query.ShrinkIfIdle(kKeepIdleQueryBuffer);
  if (!CheckQueryLimit(c)) return;
  if (c->has_pending_output()) {
    QueueWrite(c);
    CheckOutputLimit(c);
  }
  ClientMemoryChanged(c);
}

bool Server::CheckQueryLimit(Client* c) {
  if (c->query.size() <= size_t(cfg().client_query_buffer_limit)) return true;
  VLOG_WARNING("Closing client that reached max query buffer length: id=%llu addr=%s (qbuf initial bytes: ...)",
               (unsigned long long)c->id(), c->addr().c_str());
  stats_.client_qbuf_limit_disconnections++;
  CloseClient(c);
  return false;
}

void Server::ResetStats() {
  int64_t now = NowMs();
  ServerStats fresh;
  fresh.last_sample_ms = now;
  stats_ = fresh;
  commands_.ResetStats();
  rdb_.saves = 0;
  aof_->ResetStats();
  repl_->ResetStats();
  auto& ks = keyspace_.stats();
  ks.expired_keys = ks.evicted_keys = ks.keyspace_hits = ks.keyspace_misses = 0;
  keyspace_.lazy_freer().ResetFreedCount();
  ks.expired_time_cap_reached_count = ks.expire_cycle_cpu_milliseconds = 0;
  ks.expired_stale_perc = 0;
}

void Server::ApplyLazyFreeConfig() {
  FreeSettings& f = keyspace_.free_settings();
  f.eviction = cfg().lazyfree_lazy_eviction;
  f.expire = cfg().lazyfree_lazy_expire;
  f.server_del = cfg().lazyfree_lazy_server_del;
  f.user_del = cfg().lazyfree_lazy_user_del;
  f.user_flush = cfg().lazyfree_lazy_user_flush;
}

void Server::ApplyEvictionConfig() {
  AccessClock& clock = keyspace_.access_clock();
  clock.lfu = IsLfuPolicy(EvictionPolicy(cfg().maxmemory_policy));
  clock.lfu_log_factor = cfg().lfu_log_factor;
  clock.lfu_decay_time = cfg().lfu_decay_time;
  const EvictionPolicy p = EvictionPolicy(cfg().maxmemory_policy);
  clock.private_ints = cfg().maxmemory && (IsLfuPolicy(p) || IsLruPolicy(p));
}

// Expiry and eviction deletions are timed only while the latency monitor is
// on (Redis's expire-del / eviction-del events).
void Server::ApplyLatencyMonitorConfig() {
  KeyEventHooks::TimeFn timer = [](void* self, bool evicted, int64_t us) {
    static_cast<Server*>(self)->RecordLatency(evicted ? "eviction-del" : "expire-del", us / 1000);
  };
  keyspace_.set_deletion_timer(cfg().latency_monitor_threshold > 0 ? timer : nullptr);
}

void Server::ApplyConfigChange(std::string_view name) {
  if (name == "requirepass") ApplyRequirepass();
  if (name.substr(0, 9) == "lazyfree-") ApplyLazyFreeConfig();
  if (name == "maxmemory-policy") evictor_.ResetPool();
  if (name == "maxmemory-policy" || name == "lfu-log-factor" || name == "lfu-decay-time" || name == "maxmemory") {
    ApplyEvictionConfig();
  }
  // A limit set below usage evicts at once, as Redis's CONFIG SET maxmemory does.
  if (name == "maxmemory" && cfg().maxmemory) PerformEvictions();
  if (name == "maxmemory-clients" || name == "maxmemory") ApplyClientEvictionConfig();
  if (name == "hz") loop_.set_timer_period(1000 / std::max(1, cfg().hz));
  if (name == "jemalloc-bg-thread") ApplyAllocatorConfig();
  if (name == "latency-monitor-threshold") ApplyLatencyMonitorConfig();
  if (name.substr(0, 4) == "repl" || name.substr(0, 7) == "replica" || name.substr(0, 12) == "min-replicas" ||
      name.substr(0, 6) == "master") {
    repl_->ReloadConfig();
  }
  if (name == "proto-max-bulk-len") {
    ParseLimits limits;
    limits.max_bulk_len = cfg().proto_max_bulk_len;
    for (auto& [id, c] : clients_) c->parser.set_limits(limits);
  }
}

void Server::ApplyAllocatorConfig() {
  auto it = cfg().compat_values.find("jemalloc-bg-thread");
  SetAllocatorBackgroundThread(it == cfg().compat_values.end() || it->second == "yes");
}

void Server::MarkStartupMemory() { startup_memory_ = UsedMemory(); }

void Server::Cron() {
  if (loading_.active) return;  // a loader is serving events between its commands
  ++cron_loops_;
  int64_t now = NowMs();
  keyspace_.UpdateLruClock(now);
  if (tracking_.clients()) tracking_.EnforceLimit(cfg().tracking_table_max_keys);
  if (g_shutdown_signal) {
    VLOG_WARNING("Received %s scheduling shutdown...", g_shutdown_signal == SIGINT ? "SIGINT" : "SIGTERM");
    std::string error;
    if (PrepareForShutdown(false, false, false, &error)) {
      RequestShutdown();
      return;
    }
    // As Redis: a failed final save keeps the node up; another signal retries.
    VLOG_WARNING("SIGTERM received but errors trying to shut down the server, check the logs for more information");
    g_shutdown_signal = 0;
  }
  // DEBUG PAUSE-CRON stops the periodic work (Redis skips its whole cron;
  // a shutdown signal is still honoured here so a paused node can be stopped).
  if (cron_paused_) [[unlikely]] return;
  RdbCron(now);
  aof_->Cron(now);
  if (pause_until_ms_ && now >= pause_until_ms_) Unpause();
  // instantaneous_ops_per_sec: a smoothed rate over the cron samples.
  if (now - stats_.last_sample_ms >= 100) {
    double rate = double(stats_.total_commands_processed - stats_.last_sample_commands) * 1000.0 /
                  double(now - stats_.last_sample_ms);
    stats_.ops_per_sec = stats_.last_sample_ms ? (stats_.ops_per_sec * 0.8 + rate * 0.2) : rate;
    stats_.last_sample_commands = stats_.total_commands_processed;
    const uint64_t bytes[4] = {stats_.net_input_bytes, stats_.net_output_bytes, stats_.net_repl_input_bytes,
                               stats_.net_repl_output_bytes};
    for (int i = 0; i < 4; ++i) {
      const double kbps = double(bytes[i] - stats_.last_sample_bytes[i]) / 1024.0 * 1000.0 / double(now - stats_.last_sample_ms);
      stats_.kbps[i] = stats_.last_sample_ms ? (stats_.kbps[i] * 0.8 + kbps * 0.2) : kbps;
      stats_.last_sample_bytes[i] = bytes[i];
    }
    stats_.last_sample_ms = now;
  }
  // Idle clients (timeout), checked at most once a second per client set.
  int timeout = cfg().timeout;
  if (timeout > 0 && cron_loops_ % std::max(1, cfg().hz) == 0) {
    for (auto& [id, c] : clients_) {
      if (!c->monitor && !c->paused && now - c->last_interaction_ms > int64_t(timeout) * 1000) CloseClient(c.get());
    }
  }
  if (!tls_handshake_deadlines_.empty()) CloseStalledTlsHandshakes(now);
  repl_->Cron(now);
  if (cron_loops_ % std::max(1, cfg().hz) == 0) migrate_sockets_.CloseIdle(now / 1000);
  // A replica leaves expiry to its primary, which sends the DELs (Redis),
  // except for keys its own clients wrote with a TTL.
  if (!repl_->is_replica()) {
    const int64_t t0 = LatencyStart();
    keyspace_.ActiveExpireCycle(false, cfg().hz, cfg().active_expire_effort, now);
    LatencyEnd("expire-cycle", t0);
  } else if (!replica_written_.empty() && keyspace_.active_expire_enabled()) {
    replica_written_.ExpireStep(keyspace_, now);
  }
  peak_memory_ = std::max(peak_memory_, UsedMemory());
  footprint_.Tick(cfg().maxmemory, cfg().maxmemory_fragmentation_share, MonoUs());
  // maxmemory-clients: re-measure everyone now and then (Redis's clientsCron does).
  if (client_eviction_limit_) {
    for (auto& [id, c] : clients_) TrackClientMemory(c.get());
  }
  // Incremental rehash gets 1 ms per cron, on top of the steps done by lookups.
  keyspace_.RehashStep(1000);
  if (cfg().activedefrag || keyspace_.defrag().stats().running) [[unlikely]]
    DefragCron();
}

void Server::DefragCron() {
  const ServerConfig& c = cfg();
  DefragSettings s;
  s.enabled = c.activedefrag;
  s.ignore_bytes = c.active_defrag_ignore_bytes;
  s.threshold_lower = c.active_defrag_threshold_lower;
  s.threshold_upper = c.active_defrag_threshold_upper;
  s.cycle_min = c.active_defrag_cycle_min;
  s.cycle_max = c.active_defrag_cycle_max;
  // Never while a snapshot reads entries in place (Redis: while a child runs).
  const int64_t t0 = LatencyStart();
  keyspace_.defrag().Cron(keyspace_, s, c.hz, keyspace_.preserver() == nullptr);
  LatencyEnd("active-defrag-cycle", t0);
}

void Server::ResumeClient(Client* c) {
  QueueWrite(c);
  resumed_.push_back(c);
}

void Server::BeforeSleep() {
  FreeClosedClients();
  if (blocking_.blocked_count()) {
    int64_t next = blocking_.ExpireTimeouts(*this, NowMs());
    if (next) loop_.WakeBy(next);
  }
  while (!resumed_.empty()) {
    std::vector<Client*> list;
    list.swap(resumed_);
    for (Client* c : list) {
      if (!c->closing && !c->blocked) ProcessInput(c);
      if (!c->closing && c->hangup_due()) CloseClient(c);
    }
  }
  if (!repl_->is_replica()) {
    const int64_t t0 = LatencyStart();
    keyspace_.ActiveExpireCycle(true, cfg().hz, cfg().active_expire_effort, NowMs());
    LatencyEnd("expire-cycle", t0);
  }
  repl_->BeforeSleep();
  // An eviction run that spent its time budget goes on here (Redis's
  // evictionTimeProc), a slice per loop turn, until memory is under the limit.
  if (evictor_.running()) PerformEvictions();
  // maxmemory-fragmentation-share: the allocator is re-read every 10 ms
  // while commands run, not only once a cron tick, so eviction follows a
  // sudden change of size class within a few milliseconds.
  if (cfg().maxmemory_fragmentation_share && cfg().maxmemory) [[unlikely]]
    footprint_.Tick(cfg().maxmemory, cfg().maxmemory_fragmentation_share, MonoUs());
  tracking_.BroadcastPending();  // BCAST invalidations, one message per prefix
  // The AOF is written (and with appendfsync always, synced) before any
  // reply leaves: a client never sees a write the file does not hold.
  aof_->BeforeSleep();
  FlushPendingWrites(/*defer=*/true);
  // The BGSAVE slice runs after the replies are out: a client whose command
  // ran this turn does not wait behind the snapshot's slice as well.
  if (bgsave_ || rdb_.bgsave_scheduled) BgsaveStep();
  // maxmemory-clients: after the writes, as Redis's beforeSleep (a client
  // whose output just drained is no longer a candidate).
  if (client_eviction_limit_) EvictClients();
  FreeClosedClients();
  if (!ring_sends_.empty()) QueueRingSends();
}

void Server::ProcessEventsWhileLoading(uint64_t loaded_bytes) {
  loading_.loaded_bytes = loaded_bytes;
  const int64_t now = NowMs();
  // A long load says how far it is, every 5 s (INFO has the same figures).
  if (!loading_.last_log_ms) loading_.last_log_ms = now;
  if (now - loading_.last_log_ms >= 5000 && loading_.total_bytes) {
    loading_.last_log_ms = now;
    VLOG_NOTICE("Loading the dataset: %.1f%% (%llu of %llu bytes)",
                double(loaded_bytes) * 100.0 / double(loading_.total_bytes), (unsigned long long)loaded_bytes,
                (unsigned long long)loading_.total_bytes);
  }
  // Clients waiting meanwhile get -LOADING (ProcessCommand); at most every 100 ms.
  if (now - loading_.last_events_ms < 100) return;
  loading_.last_events_ms = now;
  ProcessEventsWhileBusy();
}

void Server::ProcessEventsWhileBusy() {
  loop_.PollOnce(0);
  // Replies only: closed clients are freed after the script, never under it.
  FlushPendingWrites();
}

int Server::Run() {
  loop_.set_timer(1000 / std::max(1, cfg().hz), [this] { Cron(); });
  loop_.set_before_sleep([this] { BeforeSleep(); });
  loop_.Run();
  aof_->FlushForShutdown();
  // Best effort: deliver replies already produced (e.g. to SHUTDOWN callers is not needed).
  FlushPendingWrites();
  VLOG_WARNING("Vireo is now ready to exit, bye bye...");
  return 0;
}

}  // namespace vireo
