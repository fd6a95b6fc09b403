// The one path every command takes (Redis's processCommand + call()).
//
//   ProcessCommand (a client's input only)
//     1. lookup, subcommand and arity          -> rejected_calls, errorstats
//     2. authentication (-NOAUTH) and ACL permissions (-NOPERM, ACL LOG):
//        a client of an unrestricted user that has authenticated (the
//        default user with no password) pays one test
//     3. refusals: OOM (cluster, READONLY, MISCONF, NOREPLICAS, BUSY, LOADING
//        hook in here as their features land)
//     4. MULTI queueing: inside MULTI every command but EXEC, DISCARD,
//        MULTI, WATCH, QUIT and RESET is queued ("+QUEUED"); a rejection at
//        steps 1-3 while queueing makes EXEC abort (EXECABORT)
//   Call (every caller: client input, blocked-client re-runs, EXEC; scripts,
//   AOF loading and replication streams as they land)
//     5. execute the handler with a ServerContext
//     6. keyspace notifications: emitted by handlers through CommandServices
//     7. propagation (AOF, replicas) as effects: the handler may replace its
//        arguments (SET EX -> SET PXAT...) or add commands (SPOP -> SREMs);
//        an execution unit (the outermost Call: a command, EXEC, a script)
//        is sent when it ends, in MULTI/EXEC if it propagated more than one
//        command (server/propagation.h). No sink: one branch.
//     8. statistics: calls, usec, failed calls, errorstats
//     9. slowlog, latency monitor
//    10. MONITOR feed (after execution, as Redis 7.0: SELECT shows its new db)
//   ProcessInput, after each command: 11. clients blocked on keys that became
//   ready are served (BlockingRegistry re-runs them through Call).
//
// Counting follows Redis 7.0 per caller: a blocking command counts one call
// when it first runs (blocked or not); its re-run when a key is ready adds
// its time but no call; rejected commands count rejected_calls only.
#include <algorithm>
#include <cstring>

#include "base/clock.h"
#include "server/aof.h"
#include "server/command_keys.h"
#include "resp/reply_builder.h"
#include "server/commands/server_context.h"
#include "server/script_runner.h"
#include "server/server.h"

namespace vireo {

namespace {

// Redis formats these errors with C strings: text stops at a NUL byte, a
// name at 128 bytes and all the arguments together at 128 bytes.
std::string_view CString(std::string_view s, size_t max) {
  size_t nul = s.find('\0');
  return s.substr(0, std::min(nul == std::string_view::npos ? s.size() : nul, max));
}

// Redis never shows passwords and ACL rules in SLOWLOG or MONITOR: they
// read "(redacted)". Returns args itself when nothing is hidden.
const std::vector<std::string_view>& Redacted(const Command* cmd, const std::vector<std::string_view>& args,
                                              std::vector<std::string_view>* scratch) {
  const std::string& n = cmd->full_name;
  size_t from = 0;
  if (n == "auth") {
    from = 1;
  } else if (n == "acl|setuser") {
    from = 2;
  } else if (n != "hello" && n != "config|set" && n != "migrate") {
    return args;
  }
  scratch->assign(args.begin(), args.end());
  if (from) {
    for (size_t i = from; i < scratch->size(); ++i) (*scratch)[i] = "(redacted)";
  } else if (n == "config|set") {
    // The values of masterauth and requirepass (Redis's sensitive configs).
    for (size_t i = 2; i + 1 < scratch->size(); i += 2) {
      if (EqualsNoCase((*scratch)[i], "masterauth") || EqualsNoCase((*scratch)[i], "requirepass")) {
        (*scratch)[i + 1] = "(redacted)";
      }
    }
  } else if (n == "migrate") {
    // MIGRATE host port key db timeout [COPY] [REPLACE] [AUTH pw | AUTH2 user pw] [KEYS ...]
    for (size_t i = 6; i < scratch->size(); ++i) {
      if (EqualsNoCase((*scratch)[i], "keys")) break;
      if (EqualsNoCase((*scratch)[i], "auth") && i + 1 < scratch->size()) {
        (*scratch)[++i] = "(redacted)";
      } else if (EqualsNoCase((*scratch)[i], "auth2") && i + 2 < scratch->size()) {
        (*scratch)[i + 1] = (*scratch)[i + 2] = "(redacted)";
        i += 2;
      }
    }
  } else {
    for (size_t i = 2; i + 2 < scratch->size(); ++i) {
      if (EqualsNoCase((*scratch)[i], "auth")) {
        (*scratch)[i + 1] = (*scratch)[i + 2] = "(redacted)";
        i += 2;
      }
    }
  }
  return *scratch;
}

}  // namespace

void Server::RejectCommand(Client* c, std::string_view error, const Command* cmd) {
  if (cmd && cmd->handler == exec_handler_) {
    // A refused EXEC discards the transaction (even with no MULTI, it
    // unwatches) and names the reason, as Redis's execCommandAbort.
    if (error.substr(0, 4) == "ERR ") error.remove_prefix(4);
    DiscardTransaction(c);
    std::string msg = "EXECABORT Transaction discarded because of: " + std::string(error);
    c->reply.Error(msg);
    CountError(msg);
    return;
  }
  if (c->multi.active) c->multi.dirty_exec = true;  // EXEC will abort
  c->reply.Error(error);
  CountError(error);
}

void Server::CountError(std::string_view error) {
  stats_.total_error_replies++;
  // The code is the first word when a space comes within Redis's 32-byte
  // window ("-" included); otherwise the error counts as ERR.
  error = error.substr(0, error.find('\r'));
  const size_t sp = error.substr(0, 31).find(' ');
  if (sp == std::string_view::npos) {
    stats_.error_counts["ERR"]++;
  } else {
    stats_.error_counts[std::string(error.substr(0, sp))]++;
  }
}

Command* Server::LookupForClient(Client* c, const std::vector<std::string_view>& args) {
  Command* cmd = commands_.Find(args[0]);
  if (!cmd) {
    std::string shown;
    for (size_t i = 1; i < args.size() && shown.size() < 128; ++i) {
      size_t room = 128 - shown.size();
      shown += "'";
      shown += CString(args[i], room);
      shown += "' ";
    }
    RejectCommand(c, "ERR unknown command '" + std::string(CString(args[0], 128)) +
                         "', with args beginning with: " + shown);
    return nullptr;
  }
  if (!cmd->subcommands.empty() && args.size() >= 2) {
    auto it = cmd->sub_by_name.find(args[1]);
    if (it == cmd->sub_by_name.end()) {
      std::string upper(cmd->name);
      for (char& ch : upper) ch = char(toupper(ch));
      // No command was found, so no command counts it (Redis 7.0).
      RejectCommand(c, "ERR unknown subcommand '" + std::string(CString(args[1], 128)) + "'. Try " + upper +
                           " HELP.");
      return nullptr;
    }
    cmd = it->second;
  }
  int arity = cmd->spec->arity;
  if ((arity > 0 && int(args.size()) != arity) || int(args.size()) < -arity || !cmd->handler) {
    cmd->rejected_calls++;
    RejectCommand(c, "ERR wrong number of arguments for '" + cmd->full_name + "' command", cmd);
    return nullptr;
  }
  return cmd;
}

void Server::ProcessCommand(Client* c, const std::vector<std::string_view>& args) {
  c->last_interaction_ms = NowMs();
  Command* cmd = LookupForClient(c, args);
  if (!cmd) return;

  // Protected commands (DEBUG) are refused before authentication, as Redis does.
  if (cmd == debug_cmd_ && !cfg().enable_debug_command) {
    cmd->rejected_calls++;
    RejectCommand(c,
                  "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can "
                  "run it from a local connection, otherwise you need to set this option in the configuration "
                  "file, and then restart the server.",
                  cmd);
    return;
  }

  // The primary's stream is never checked (Redis's master client has no user).
  const bool restricted = !c->is_master && (!c->authenticated || !c->user->unrestricted());
  if (restricted && !(cmd->flags & kCmdNoAuth) && AuthRequired(c)) {
    cmd->rejected_calls++;
    RejectCommand(c, "NOAUTH Authentication required.", cmd);
    return;
  }

  if (c->multi.active && (cmd->flags & kCmdNoMulti)) {
    cmd->rejected_calls++;
    RejectCommand(c, "ERR Command not allowed inside a transaction");
    return;
  }

  if (restricted && !c->user->unrestricted()) {
    size_t pos = 0;
    const AclResult r = CheckCommandPermission(c->user, cmd, args, &pos);
    if (r != kAclOk) {
      c->last_command = cmd->full_name;  // Redis's lastcmd is set at lookup: the log shows it
      LogAclDenial(c, r, c->multi.active ? kAclCtxMulti : kAclCtxToplevel, cmd, args, pos);
      cmd->rejected_calls++;
      if (r == kAclDeniedCmd) {
        RejectCommand(c, "NOPERM this user has no permissions to run the '" + cmd->full_name + "' command", cmd);
      } else if (r == kAclDeniedKey) {
        RejectCommand(c, "NOPERM this user has no permissions to access one of the keys used as arguments", cmd);
      } else {
        RejectCommand(c, "NOPERM this user has no permissions to access one of the channels used as arguments",
                      cmd);
      }
      return;
    }
  }

  // maxmemory-clients: before the command (the last one may have grown some
  // buffer), close the biggest clients while all of them together pass the
  // limit; when that closed this client, its command does not run (Redis
  // 7.0's processCommand). Off, this is one predictable branch.
  if (client_eviction_limit_) [[unlikely]] {
    TrackClientMemory(c);
    EvictClients();
    if (c->closing) return;
  }

  // maxmemory: evict as the policy says before any command; when memory
  // stays over the limit, refuse commands that may grow it. EXEC counts as
  // such a command when one of its queued commands is; inside MULTI every
  // command but EXEC/DISCARD/QUIT/RESET is refused (queueing takes memory),
  // as Redis 7.0. Not while a slow script holds the node (it is mid-command).
  // Without maxmemory this is one predictable branch.
  // A replica neither evicts nor refuses: its primary decides (replica-ignore-maxmemory).
  if (cfg().maxmemory && !scripts_->timed_out() && !repl_->is_replica()) [[unlikely]] {
    const bool out_of_memory = PerformEvictions() == Evictor::Result::kFail;
    pre_command_oom_ = out_of_memory;
    if (out_of_memory) {
      const uint32_t oom_flags = cmd->handler == exec_handler_ ? c->multi.cmd_flags : cmd->flags;
      bool reject = (oom_flags & kCmdDenyOom) != 0;
      if (c->multi.active && cmd->handler != exec_handler_ && cmd->full_name != "discard" &&
          cmd->full_name != "quit" && cmd->full_name != "reset") {
        reject = true;
      }
      if (reject) {
        cmd->rejected_calls++;
        RejectCommand(c, "OOM command not allowed when used memory > 'maxmemory'.", cmd);
        return;
      }
    }
  }

  // stop-writes-on-bgsave-error: after a failed save, writes (and PING, as
  // Redis) are refused until a save succeeds; our primary is obeyed.
  if (!rdb_.last_save_ok && WritesDeniedByDiskError() && !c->is_master &&
      (((cmd->handler == exec_handler_ ? c->multi.cmd_flags : cmd->flags) & kCmdWrite) || cmd->name == "ping"))
      [[unlikely]] {
    cmd->rejected_calls++;
    RejectCommand(c,
                  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to "
                  "disk. Commands that may modify the data set are disabled, because this instance is configured "
                  "to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error "
                  "option). Please check the Redis logs for details about the RDB error.",
                  cmd);
    return;
  }

  // The AOF cannot be written: writes (and PING) are refused until it can,
  // as Redis's MISCONF for AOF errors.
  if (aof_->write_failing() && !c->is_master &&
      (((cmd->handler == exec_handler_ ? c->multi.cmd_flags : cmd->flags) & kCmdWrite) || cmd->name == "ping"))
      [[unlikely]] {
    cmd->rejected_calls++;
    RejectCommand(c, aof_->MisconfError(), cmd);
    return;
  }

  // Replication refusals, in Redis 7.0's order: NOREPLICAS, READONLY, MASTERDOWN.
  if (repl_->refusals_possible() && !c->is_master) {
    const bool exec = cmd->handler == exec_handler_;
    const uint32_t flags = exec ? c->multi.cmd_flags : cmd->flags;
    const bool is_write = (flags & kCmdWrite) != 0;
    if (is_write && repl_->NotEnoughGoodReplicas(NowMs())) {
      cmd->rejected_calls++;
      RejectCommand(c, "NOREPLICAS Not enough good replicas to write.", cmd);
      return;
    }
    if (is_write && repl_->is_replica() && repl_->replica_read_only()) {
      cmd->rejected_calls++;
      RejectCommand(c, "READONLY You can't write against a read only replica.", cmd);
      return;
    }
    const bool deny_stale = exec ? (c->multi.cmd_inv_flags & kCmdStale) != 0 : !(cmd->flags & kCmdStale);
    if (repl_->is_replica() && !repl_->link_up() && !repl_->serve_stale_data() && deny_stale) {
      cmd->rejected_calls++;
      RejectCommand(c, "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.", cmd);
      return;
    }
  }

  // A dataset is loading (the AOF at start-up, DEBUG LOADAOF): only
  // commands flagged ok-loading run.
  if (loading_.active && !(cmd->flags & kCmdLoading)) [[unlikely]] {
    cmd->rejected_calls++;
    RejectCommand(c, "LOADING Redis is loading the dataset in memory", cmd);
    return;
  }

  // A slow script lets clients in, but only for what may end it (allow_busy:
  // SCRIPT KILL, FUNCTION KILL, SHUTDOWN...).
  if (scripts_->timed_out() && !(cmd->flags & kCmdAllowBusy)) {
    cmd->rejected_calls++;
    RejectCommand(c, scripts_->BusyError(), cmd);
    return;
  }

  // A RESP2 subscriber may only (un)subscribe, PING, QUIT and RESET
  // (RESP3 clients get pushes beside replies and may run anything).
  if (c->subs && c->reply.proto() == 2 && c->subscribed() && !(cmd->flags & kCmdAllowedInSubscriberMode)) {
    cmd->rejected_calls++;
    RejectCommand(c, "ERR Can't execute '" + cmd->full_name +
                         "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context", cmd);
    return;
  }

  if (tracking_.clients()) tracking_.EnforceLimit(cfg().tracking_table_max_keys);

  if (c->multi.active && !(cmd->flags & kCmdTransactionControl)) {
    QueueCommand(c, cmd, args);
    c->reply.SimpleString("QUEUED");
    return;
  }

  Call(c, cmd, args);
}

bool Server::ExecuteReplayed(Client* c, const std::vector<std::string_view>& args, std::string* error) {
  Command* cmd = commands_.Find(args[0]);
  if (cmd && !cmd->subcommands.empty() && args.size() >= 2) {
    auto it = cmd->sub_by_name.find(args[1]);
    cmd = it == cmd->sub_by_name.end() ? nullptr : it->second;
  }
  if (!cmd || !cmd->handler) {
    *error = "Unknown command '" + std::string(CString(args[0], 128)) + "'";
    return false;
  }
  const int arity = cmd->spec->arity;
  if ((arity > 0 && int(args.size()) != arity) || int(args.size()) < -arity) {
    *error = "Wrong number of arguments for '" + cmd->full_name + "'";
    return false;
  }
  if (c->multi.active && !(cmd->flags & kCmdTransactionControl)) {
    QueueCommand(c, cmd, args);
    return true;
  }
  Call(c, cmd, args);
  return true;
}

void Server::QueueCommand(Client* c, Command* cmd, const std::vector<std::string_view>& args) {
  QueuedCommand q{cmd, {}};
  q.args.reserve(args.size());
  for (std::string_view a : args) {
    q.args.emplace_back(a);
    c->multi.arg_bytes += a.size();
  }
  c->multi.cmd_flags |= cmd->flags;
  c->multi.cmd_inv_flags |= ~cmd->flags;
  c->multi.queue.push_back(std::move(q));
}

void Server::DiscardTransaction(Client* c) {
  c->multi.Clear();
  watches_.UnwatchAll(c);
}

void Server::Call(Client* c, Command* cmd, const std::vector<std::string_view>& args) {
  const bool rerun = c->blocked;  // a blocked client's command, run again
  int64_t start_us = NowUs();
  int64_t now_ms = start_us / 1000;
  // The LRU clock follows the second exactly (the cron alone lags when the
  // loop is busy, and keys touched a second apart would look alike).
  if (now_ms >= next_lru_tick_ms_) [[unlikely]] {
    keyspace_.UpdateLruClock(now_ms);
    next_lru_tick_ms_ = (now_ms / 1000 + 1) * 1000;
  }

  // CLIENT REPLY OFF/SKIP: run the command, then drop what it wrote.
  if (c->reply_mode == Client::ReplyMode::kSkipNext) c->reply_mode = Client::ReplyMode::kSkipThis;
  size_t reply_start = c->reply.buffer().size();
  if (!c->in_exec) c->last_command = cmd->full_name;  // EXEC's commands leave "exec" shown

  ServerContext ctx{{args, c->reply, *c, keyspace_, cfg(), *this, now_ms}, *this, *c};
  Client* const outer = executing_;
  if (!outer) executing_ = c;
  // A background save must write the keys this command may change first.
  if (keyspace_.preserver() && (cmd->flags & kCmdWrite)) PreserveCommandKeys(c, cmd, args);
  PropagationOps prop_ops;
  if (propagator_.active() && !loading_.active) [[unlikely]] {
    prop_ops.pending = &propagator_.pending();
    ctx.propagation = &prop_ops;
  }
  // Scripts (EVAL*, FCALL*: skip_monitor) show in MONITOR before the
  // commands they run, whatever the outcome, as Redis 7.0; other commands
  // are shown after they ran (below).
  if (!monitors_.empty() && (cmd->flags & kCmdSkipMonitor) && !rerun && !c->replaying) [[unlikely]] {
    std::vector<std::string_view> redacted;
    FeedMonitors(c, Redacted(cmd, args, &redacted), NowUs());
  }
  // A replica's expired keys (Redis 7.0's expireIfNeeded): live for its
  // primary's stream, missing but kept for other readers, deleted by a
  // writable replica's write commands. Nested calls (scripts, EXEC) choose
  // for their own command and give the outer one's view back.
  const bool replica = repl_->is_replica();
  const bool from_primary = replica && (outer ? outer : c)->is_master;  // a script's caller counts
  ExpiredView outer_view = ExpiredView::kDelete;
  if (replica) [[unlikely]] {
    outer_view = keyspace_.SetExpiredView(from_primary             ? ExpiredView::kLive
                                          : (cmd->flags & kCmdWrite) ? ExpiredView::kDelete
                                                                     : ExpiredView::kHide);
  }
  cmd->handler(ctx);
  if (replica) [[unlikely]] {
    keyspace_.SetExpiredView(outer_view);
    if (!from_primary && (cmd->flags & kCmdWrite)) RememberReplicaWrittenExpires(c, cmd, args);
  }
  if (ctx.propagation) [[unlikely]] QueuePropagation(ctx, cmd, args, outer == nullptr);
  int64_t duration = NowUs() - start_us;
  // Client-side caching: the keys a tracking client just read. A script's
  // reads count for the client that ran the script (the outer caller); the
  // read-only script commands themselves are not tracked (their keys are
  // whatever the script reads), as Redis 7.0.
  if ((cmd->flags & kCmdReadonly) && !(cmd->flags & kCmdPubsub)) {
    Client* reader = outer ? outer : c;
    if (reader->tracking.on && strcmp(cmd->spec->group, "scripting") != 0) RememberReadKeys(reader, cmd, args);
  }
  if (!outer) {
    executing_ = nullptr;
    // Invalidations caused by this client's own command follow its reply.
    if (tracking_.has_held()) tracking_.FlushHeld(c);
  }
  dirty_ += ctx.dirty;
  if (!outer) c->woff = repl_->master_repl_offset();  // what WAIT waits for
  if (save_after_command_) {
    save_after_command_ = false;
    std::string error;
    SaveRdb(&error);
  }

  std::string& out = c->reply.buffer();
  const bool failed = out.size() > reply_start && out[reply_start] == '-';
  if (failed) {
    if (raw_error_reply_) [[unlikely]] {
      raw_error_reply_ = false;
    } else {
      cmd->failed_calls++;
      size_t end = out.find('\r', reply_start);
      if (!skip_error_count_) CountError(std::string_view(out).substr(reply_start + 1, end - reply_start - 1));
    }
  }
  skip_error_count_ = false;
  if (nested_errors_fresh_ || nested_errors_precounted_) [[unlikely]] {
    cmd->failed_calls += nested_errors_precounted_ + (nested_errors_fresh_ ? 1 : 0);
    nested_errors_fresh_ = false;
    nested_errors_precounted_ = 0;
  }
  if (c->reply_mode == Client::ReplyMode::kOff || c->reply_mode == Client::ReplyMode::kSkipThis) {
    if (c->reply_mode == Client::ReplyMode::kSkipThis) c->reply_mode = Client::ReplyMode::kOn;
    out.resize(reply_start);
  }

  if (loading_.active) [[unlikely]] {
    if (c->replaying) return;  // a loader's commands are not client commands
  }
  cmd->usec += uint64_t(duration);
  // A command that blocks is recorded (latency, slowlog) by the run that
  // serves it, with both runs' time, as Redis does; one that times out is
  // not recorded at all.
  bool finished = !c->blocked;
  int64_t recorded = duration;
  if (rerun) [[unlikely]] {
    finished = !blocking_.reblocked();
    recorded += c->blocked_call_us;
  } else if (!finished) [[unlikely]] {
    c->blocked_call_us = duration;
  }
  // Latency tracking (INFO latencystats), in ns as Redis records them; one
  // branch when off.
  if (cfg().latency_tracking && finished) {
    if (!cmd->latency) cmd->latency = std::make_unique<LatencyHistogram>();
    cmd->latency->Record(recorded * 1000);
  }
  long long slower_than = cfg().slowlog_log_slower_than;
  std::vector<std::string_view> redacted;
  if (slower_than >= 0 && finished && recorded >= slower_than && !(cmd->flags & kCmdSkipSlowlog)) {
    RecordSlowlog(c, cmd, Redacted(cmd, args, &redacted), recorded);
  }
  // Latency monitor, as Redis 7.0: a command that completes is a
  // "fast-command" or "command" event; a blocked command served later is a
  // "command-unblocking" event with the time of the run that served it.
  if (cfg().latency_monitor_threshold > 0 && finished) [[unlikely]] {
    RecordLatency(rerun ? "command-unblocking" : (cmd->flags & kCmdFast) ? "fast-command" : "command",
                  duration / 1000);
  }
  if (rerun) return;  // counted when it first ran
  cmd->calls++;
  stats_.total_commands_processed++;
  c->commands_processed++;
  if (!monitors_.empty() && !(cmd->flags & (kCmdSkipMonitor | kCmdAdmin))) {
    FeedMonitors(c, Redacted(cmd, args, &redacted), NowUs());
  }
}

void Server::QueuePropagation(CommandContext& ctx, const Command* cmd, const std::vector<std::string_view>& args,
                              bool outermost) {
  PropagationOps& ops = *ctx.propagation;
  uint8_t targets = (ctx.dirty || ctx.force_propagate) ? kPropagateAll : 0;
  targets |= ops.force_targets;
  // EXEC is never propagated itself: its commands are, wrapped when needed.
  if (ops.prevent || cmd->handler == exec_handler_) targets = 0;
  if (targets) {
    PropagatedCommand op;
    op.db = ctx.session.db_index;
    op.targets = targets;
    if (ops.rewritten) {
      op.argv = std::move(ops.argv);
    } else {
      op.argv.assign(args.begin(), args.end());
    }
    propagator_.pending().push_back(std::move(op));
  }
  if (outermost) propagator_.FlushPending();
}

// The command a blocked client runs: looked up and checked when it first ran.
static Command* BlockedCommand(CommandTable& commands, const std::vector<std::string_view>& args) {
  Command* cmd = commands.Find(args[0]);
  if (cmd && !cmd->subcommands.empty() && args.size() >= 2) {
    auto it = cmd->sub_by_name.find(args[1]);
    if (it != cmd->sub_by_name.end()) cmd = it->second;
  }
  return cmd && cmd->handler ? cmd : nullptr;
}

void Server::CountBlockedCommandError(const std::vector<std::string>& args, std::string_view error) {
  std::vector<std::string_view> views(args.begin(), args.end());
  if (Command* cmd = BlockedCommand(commands_, views)) cmd->failed_calls++;
  CountError(error);
}

void Server::Reexecute(Client* c, const std::vector<std::string>& args) {
  std::vector<std::string_view> views(args.begin(), args.end());
  if (Command* cmd = BlockedCommand(commands_, views)) Call(c, cmd, views);
  if (c->has_pending_output()) QueueWrite(c);
}

// ---- CommandServices ----

void Server::BlockOnKeys(ClientSession& session, int db, const std::vector<std::string_view>& keys,
                         const std::vector<std::string_view>& command, int64_t deadline_ms,
                         BlockTimeoutReply on_timeout) {
  blocking_.Block(static_cast<Client*>(&session), db, keys, command, deadline_ms, on_timeout);
}

void Server::SignalKeyReady(int db, std::string_view key) { blocking_.SignalKeyReady(db, key); }

void Server::SignalDb(int db) { blocking_.SignalDb(db); }

void Server::RememberReadKeys(Client* c, const Command* cmd, const std::vector<std::string_view>& args) {
  std::vector<FoundKey> found;
  if (!FindCommandKeys(cmd, args, 0, &found)) return;
  std::vector<std::string_view> keys;
  keys.reserve(found.size());
  for (const FoundKey& k : found) keys.push_back(args[k.pos]);
  tracking_.RememberKeys(c, keys);
}

// Handlers that change a value in place find it with LookupWrite, which
// preserves it; this covers any that reach their key another way.
void Server::PreserveCommandKeys(Client* c, const Command* cmd, const std::vector<std::string_view>& args) {
  std::vector<FoundKey> found;
  if (!FindCommandKeys(cmd, args, 0, &found)) return;
  Database& db = keyspace_.db(c->db_index);
  for (const FoundKey& k : found) {
    if (Entry* e = db.Find(args[k.pos])) db.PreserveForSnapshot(e);
  }
}

// A writable replica's client gave its keys a TTL: the replica, which never
// expires its primary's keys, must expire these itself (Redis's setExpire
// remembers them; the keys a command declares are the ones it can set).
void Server::RememberReplicaWrittenExpires(Client* c, const Command* cmd, const std::vector<std::string_view>& args) {
  std::vector<FoundKey> found;
  if (!FindCommandKeys(cmd, args, 0, &found)) return;
  Database& db = keyspace_.db(c->db_index);
  for (const FoundKey& k : found) {
    const Entry* e = db.Find(args[k.pos]);
    if (e && e->has_expire()) replica_written_.Remember(c->db_index, args[k.pos]);
  }
}

void Server::KeyModified(int db, std::string_view key) {
  if (!watches_.empty()) watches_.Touch(db, key, keyspace_.db(db).Find(key) == nullptr);
  if (tracking_.active()) tracking_.InvalidateKey(key, executing_);
}

void Server::DbModified(int db, int replaced_with) {
  // A flush invalidates every tracking client's cache (SWAPDB does not, as in Redis 7.0).
  if (replaced_with < 0 && (tracking_.clients() || tracking_.active())) tracking_.InvalidateAll(executing_);
  // Every database emptied (FLUSHALL, a replica's full sync) stops a
  // background save, as Redis kills its child: its image is stale and, on a
  // replica, its rename would replace the synced file. FLUSHALL (a command:
  // executing_ is set) with save points also saves the empty dataset once
  // it is done, so a restart cannot bring the keys back.
  if (db < 0 && replaced_with < 0) [[unlikely]] {
    replica_written_.Clear();
    if (bgsave_) AbortBgsave(executing_ ? "FLUSHALL" : "every database replaced");
    // A streamed full sync stops too (Redis kills its sync child): its
    // replicas resync from the emptied dataset, which costs nothing.
    if (repl_->streaming_sync()) repl_->AbortStreamedSync(executing_ ? "FLUSHALL" : "every database replaced");
    if (executing_ && !cfg().save_params.empty()) save_after_command_ = true;
  }
  if (watches_.empty()) return;
  if (db >= 0) return watches_.TouchDb(keyspace_, db, replaced_with, NowMs());
  for (int i = 0; i < keyspace_.count(); ++i) watches_.TouchDb(keyspace_, i, -1, NowMs());
}

// Server::Notify (keyspace notifications) lives in notify.cc.

// Expiry is a deletion nobody's handler sees: the same notification and
// change signal a DEL would give, as Redis's expiry does.
void Server::KeyExpired(int db, std::string_view key) {
  Notify(kNotifyExpired, "expired", key, db);
  // Propagated at once, outside the running command's unit (Redis 7.0).
  if (propagator_.active() && !loading_.active) [[unlikely]] {
    propagator_.EmitNow(db, kPropagateAll, {cfg().lazyfree_lazy_expire ? "UNLINK" : "DEL", key});
  }
  // The engine calls this just before it deletes the key: it is gone for WATCH.
  if (!watches_.empty()) watches_.Touch(db, key, /*key_gone=*/true);
  if (tracking_.active()) tracking_.InvalidateKey(key, executing_);
}

// Eviction, like expiry, is a deletion no handler sees: the `evicted` event,
// WATCH and client-side caching learn of it as of a DEL.
void Server::KeyEvicted(int db, std::string_view key) {
  Notify(kNotifyEvicted, "evicted", key, db);
  // Propagated at once as DEL (UNLINK with lazyfree-lazy-eviction), as Redis 7.0.
  if (propagator_.active() && !loading_.active) [[unlikely]] {
    propagator_.EmitNow(db, kPropagateAll, {cfg().lazyfree_lazy_eviction ? "UNLINK" : "DEL", key});
  }
  if (!watches_.empty()) watches_.Touch(db, key, /*key_gone=*/true);
  if (tracking_.active()) tracking_.InvalidateKey(key, executing_);
}

Evictor::Result Server::PerformEvictions() {
  // A paused node keeps its dataset static and answers as if memory were
  // fine (Redis 7.0's isSafeToPerformEvictions): no eviction, no OOM refusal.
  if (keyspace_.DeletionsPaused(NowMs())) [[unlikely]] return Evictor::Result::kOk;
  EvictionSettings s;
  s.maxmemory = cfg().maxmemory;
  s.policy = EvictionPolicy(cfg().maxmemory_policy);
  s.samples = cfg().maxmemory_samples;
  s.tenacity = cfg().maxmemory_eviction_tenacity;
  s.counted_extra = cfg().maxmemory_fragmentation_share ? footprint_.counted() : 0;
  const int64_t t0 = LatencyStart();
  Evictor::Result r = evictor_.Perform(keyspace_, s, MemNotCountedForEvict());
  LatencyEnd("eviction-cycle", t0);
  // Out of time budget: continue before the loop sleeps (BeforeSleep), and
  // do not let it sleep meanwhile.
  if (evictor_.running()) loop_.WakeSoon();
  // total/current_eviction_exceeded_time: while eviction goes on in the background.
  if (evictor_.running() && !stats_.eviction_exceeded_since_ms) {
    stats_.eviction_exceeded_since_ms = NowMs();
  } else if (!evictor_.running() && stats_.eviction_exceeded_since_ms) [[unlikely]] {
    stats_.eviction_exceeded_ms += uint64_t(NowMs() - stats_.eviction_exceeded_since_ms);
    stats_.eviction_exceeded_since_ms = 0;
  }
  return r;
}

// ---- after-execution feeds ----

void Server::FeedMonitors(Client* c, const std::vector<std::string_view>& args, int64_t now_us) {
  char head[96];
  snprintf(head, sizeof(head), "+%lld.%06lld [%d ", (long long)(now_us / 1000000), (long long)(now_us % 1000000),
           c->db_index);
  std::string line = head;
  line += c->addr();
  line += "]";
  for (std::string_view a : args) {
    line += " \"";
    for (unsigned char ch : a) {
      switch (ch) {
        case '\\': line += "\\\\"; break;
        case '"': line += "\\\""; break;
        case '\n': line += "\\n"; break;
        case '\r': line += "\\r"; break;
        case '\t': line += "\\t"; break;
        case '\a': line += "\\a"; break;
        case '\b': line += "\\b"; break;
        default:
          if (isprint(ch)) {
            line += char(ch);
          } else {
            char hex[8];
            snprintf(hex, sizeof(hex), "\\x%02x", ch);
            line += hex;
          }
      }
    }
    line += "\"";
  }
  line += "\r\n";
  for (Client* m : monitors_) {
    if (m == c || m->closing) continue;
    m->reply.buffer() += line;
    QueueWrite(m);
  }
}

void Server::RecordSlowlog(Client* c, const Command* cmd, const std::vector<std::string_view>& args,
                           int64_t duration_us) {
  SlowlogEntry e;
  e.id = slowlog_next_id_++;
  e.time_sec = NowMs() / 1000;
  e.duration_us = duration_us;
  // Redis keeps at most 32 arguments of at most 128 bytes each.
  size_t n = std::min<size_t>(args.size(), 32);
  for (size_t i = 0; i < n; ++i) {
    if (n == 32 && i == 31 && args.size() > 32) {
      e.args.push_back("... (" + std::to_string(args.size() - 31) + " more arguments)");
      break;
    }
    if (args[i].size() > 128) {
      e.args.push_back(std::string(args[i].substr(0, 128)) + "... (" + std::to_string(args[i].size() - 128) +
                       " more bytes)");
    } else {
      e.args.emplace_back(args[i]);
    }
  }
  // Scripts' pseudo-client: MONITOR names it "lua", the slowlog shows the
  // peer id of a client without a connection ("?:0"), as Redis does.
  e.peer = c->in_script ? "?:0" : c->addr();
  e.name = c->name;
  slowlog_.push_front(std::move(e));
  while (!slowlog_.empty() && (long long)slowlog_.size() > cfg().slowlog_max_len) slowlog_.pop_back();
}

}  // namespace vireo
