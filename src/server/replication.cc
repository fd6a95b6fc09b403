// Replication state shared by both roles, the primary role, and the reports
// (INFO replication, ROLE, CLIENT LIST flags). The replica's link is in
// replica_link.cc.
#include "server/replication.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <random>

#include "base/clock.h"
#include "base/log.h"
#include "base/memory_stats.h"
#include "base/numbers.h"
#include "server/client.h"
#include "server/script_runner.h"
#include "server/server.h"

namespace vireo {

namespace {

long long CompatInt(const ServerConfig& cfg, std::string_view name, long long def) {
  auto it = cfg.compat_values.find(name);
  if (it == cfg.compat_values.end() || it->second.empty()) return def;
  return std::strtoll(it->second.c_str(), nullptr, 10);
}

std::string CompatStr(const ServerConfig& cfg, std::string_view name, std::string_view def) {
  auto it = cfg.compat_values.find(name);
  return it == cfg.compat_values.end() ? std::string(def) : it->second;
}

}  // namespace

std::string NewReplId() {
  std::random_device rd;
  static const char* kHex = "0123456789abcdef";
  std::string s(kReplIdLength, '0');
  for (auto& c : s) c = kHex[rd() & 15];
  return s;
}

void Replication::ReloadConfig() {
  const ServerConfig& cfg = server_.cfg();
  read_only_ = CompatStr(cfg, "replica-read-only", "yes") == "yes";
  serve_stale_ = CompatStr(cfg, "replica-serve-stale-data", "yes") == "yes";
  repl_timeout_s_ = int(CompatInt(cfg, "repl-timeout", 60));
  ping_period_s_ = int(CompatInt(cfg, "repl-ping-replica-period", 10));
  backlog_size_ = CompatInt(cfg, "repl-backlog-size", 1 << 20);
  backlog_ttl_s_ = CompatInt(cfg, "repl-backlog-ttl", 3600);
  diskless_sync_ = CompatStr(cfg, "repl-diskless-sync", "yes") == "yes";
  diskless_delay_s_ = int(CompatInt(cfg, "repl-diskless-sync-delay", 5));
  diskless_max_replicas_ = int(CompatInt(cfg, "repl-diskless-sync-max-replicas", 0));
  const std::string load = CompatStr(cfg, "repl-diskless-load", "disabled");
  diskless_load_ = load == "swapdb" ? 2 : load == "on-empty-db" ? 1 : 0;
  min_replicas_to_write_ = int(CompatInt(cfg, "min-replicas-to-write", 0));
  min_replicas_max_lag_ = int(CompatInt(cfg, "min-replicas-max-lag", 10));
  replica_priority_ = int(CompatInt(cfg, "replica-priority", 100));
  replica_announced_ = CompatStr(cfg, "replica-announced", "yes") == "yes";
  if (backlog_) backlog_->Resize(size_t(backlog_size_));
}

// ---- ids, offsets, backlog

void Replication::CreateBacklogIfNeeded() {
  if (!backlog_) backlog_ = std::make_unique<ReplicationBacklog>(size_t(backlog_size_), master_repl_offset_);
  UpdateSinkRegistration();
}

void Replication::UpdateSinkRegistration() {
  const bool want = backlog_ && !is_replica();
  if (want == sink_registered_) return;
  if (want) {
    server_.AddPropagationSink(this);
    // The stream starts with a SELECT.
    server_.propagator().ForgetSelectedDb(this);
  } else {
    server_.RemovePropagationSink(this);
  }
  sink_registered_ = want;
}

void Replication::RestoreFromRdb(const std::string& replid, int64_t offset, int stream_db) {
  if (!ValidReplId(replid) || offset < 0) return;
  replid_ = replid;
  master_repl_offset_ = offset;
  (void)stream_db;
  if (is_replica()) {
    // A restarted replica asks its primary to continue from here.
    cached_replid_ = replid;
    cached_offset_ = offset;
  }
}

void Replication::RdbReplInfo(std::string* replid, int64_t* offset, int* stream_db) const {
  // Redis 7.0's rdbPopulateSaveInfo: a primary records its history when it
  // has a backlog; a replica its primary's, up to what it applied.
  replid->clear();
  *offset = 0;
  *stream_db = 0;
  if (!is_replica()) {
    if (!backlog_) return;
    *replid = replid_;
    *offset = master_repl_offset_;
    *stream_db = std::max(stream_db_, 0);
  } else if (master_client_) {
    *replid = replid_;
    *offset = master_repl_offset_;
    *stream_db = master_client_->db_index;
  } else if (!cached_replid_.empty()) {
    *replid = cached_replid_;
    *offset = cached_offset_;
  }
}

// ---- primary side

std::vector<Client*> Replication::replicas() const {
  std::vector<Client*> out;
  for (Client* c : replica_clients_) {
    if (!c->closing) out.push_back(c);
  }
  return out;
}

void Replication::AppendToReplica(Client* c, std::string_view bytes) {
  ReplicaPeer& p = *c->replica;
  switch (p.state) {
    case ReplicaPeer::kWaitBgsave:
      return;  // the payload it will get is taken after these bytes
    case ReplicaPeer::kSendingPayload:
    case ReplicaPeer::kWaitAck:
      p.held.append(bytes);
      return;
    case ReplicaPeer::kWaitBgsaveEnd:
    case ReplicaPeer::kSendBulk:
      // Redis keeps this in the replica's output buffer, under its limit.
      p.held.append(bytes);
      server_.CheckOutputLimit(c);
      return;
    case ReplicaPeer::kOnline:
      c->reply.buffer().append(bytes);
      server_.QueueWrite(c);
      server_.CheckOutputLimit(c);
      return;
  }
}

void Replication::FeedStream(std::string_view bytes) {
  if (bytes.empty()) return;
  if (!backlog_ && replica_clients_.empty()) {
    // Nobody can use the stream: Redis keeps no offset without a backlog.
    return;
  }
  master_repl_offset_ += int64_t(bytes.size());
  if (backlog_) backlog_->Feed(bytes);
  for (Client* r : replica_clients_) {
    if (!r->closing) AppendToReplica(r, bytes);
  }
}

void Replication::DisconnectReplicas() {
  for (Client* c : replicas()) server_.CloseClient(c);
}

void Replication::HandlePsync(Client* c, std::string_view replid, std::string_view offset_text, bool old_sync) {
  if (c->replica) return;  // already a replica: ignore, as Redis
  if (is_replica() && !link_up()) {
    c->reply.Error("NOMASTERLINK Can't SYNC while not connected with my master");
    return;
  }
  if (c->has_pending_output()) {
    c->reply.Error("ERR SYNC and PSYNC are invalid with pending output");
    return;
  }
  const int64_t now = NowMs();
  const bool want_full = old_sync || replid == "?";
  int64_t psync_offset = 0;
  if (!old_sync) {
    long long v;
    if (!ParseInt64(offset_text, &v)) {
      c->reply.Error("ERR value is not an integer or out of range");
      return;
    }
    psync_offset = v;
  }
  auto peer = std::make_unique<ReplicaPeer>();
  peer->listening_port = c->repl_listening_port;
  peer->announced_ip = c->repl_announced_ip;
  peer->capa_eof = c->repl_capa_eof;
  peer->capa_psync2 = c->repl_capa_psync2;
  peer->old_sync = old_sync;
  peer->sync_requested_ms = now;
  peer->ack_time_ms = now;

  if (!want_full) {
    const bool id_ok =
        replid == replid_ || (replid == replid2_ && psync_offset <= second_repl_offset_);
    if (!id_ok) {
      if (replid != replid_ && replid != replid2_) {
        VLOG_NOTICE("Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '%.*s', my "
                    "replication IDs are '%s' and '%s')",
                    int(replid.size()), replid.data(), replid_.c_str(), replid2_.c_str());
      } else {
        VLOG_NOTICE("Partial resynchronization not accepted: Requested offset for second ID was %lld, but I can "
                    "reply up to %lld",
                    (long long)psync_offset, (long long)second_repl_offset_);
      }
    } else if (!backlog_ || !backlog_->Covers(psync_offset)) {
      VLOG_NOTICE("Unable to partial resync with replica %s for lack of backlog (Replica request was: %lld).",
                  c->addr().c_str(), (long long)psync_offset);
    } else {
      peer->state = ReplicaPeer::kOnline;
      c->replica = std::move(peer);
      replica_clients_.push_back(c);
      std::string& out = c->reply.buffer();
      out += c->replica->capa_psync2 ? "+CONTINUE " + replid_ + "\r\n" : std::string("+CONTINUE\r\n");
      const size_t before = out.size();
      backlog_->CopyFrom(psync_offset, &out);
      stats_.sync_partial_ok++;
      VLOG_NOTICE("Partial resynchronization request from %s accepted. Sending %zu bytes of backlog starting from "
                  "offset %lld.",
                  c->addr().c_str(), out.size() - before, (long long)psync_offset);
      server_.QueueWrite(c);
      return;
    }
    stats_.sync_partial_err++;
  } else if (!old_sync) {
    VLOG_NOTICE("Replica %s asks for synchronization", c->addr().c_str());
    VLOG_NOTICE("Full resync requested by replica %s", c->addr().c_str());
  }
  stats_.sync_full++;
  c->replica = std::move(peer);
  replica_clients_.push_back(c);
  if (sync_snap_) {
    VLOG_NOTICE("Current BGSAVE has socket target. Waiting for next BGSAVE for SYNC");
  } else if (server_.bgsave_in_progress() && AttachToDiskSync(c)) {
    return;
  }
  if (!backlog_) {
    // A fresh history for the first replica (Redis 7.0 changes the id here).
    replid_ = NewReplId();
    replid2_ = std::string(kReplIdLength, '0');
    second_repl_offset_ = -1;
    CreateBacklogIfNeeded();
    VLOG_NOTICE("Replication backlog created, my new replication IDs are '%s' and '%s'", replid_.c_str(),
                replid2_.c_str());
  }
  StartFullSyncs(now, false);
}

void Replication::ChangeReplicationId() {
  replid_ = NewReplId();
  replid2_ = std::string(kReplIdLength, '0');
  second_repl_offset_ = -1;
}

void Replication::StartFullSyncs(int64_t now_ms, bool force) {
  // One payload at a time: replicas arriving meanwhile wait for the next
  // one, as they wait for Redis's next RDB child (a disk-based save may be
  // shared: AttachToDiskSync).
  if (sync_snap_ || disk_sync_save_) return;
  std::vector<Client*> waiting;
  int64_t oldest = now_ms;
  for (Client* c : replicas()) {
    if (c->replica->state != ReplicaPeer::kWaitBgsave) continue;
    waiting.push_back(c);
    oldest = std::min(oldest, c->replica->sync_requested_ms);
  }
  if (waiting.empty()) return;
  // Redis 7.0's startBgsaveForReplication: the image goes to the sockets
  // when diskless and every waiting replica reads EOF-marked payloads (the
  // lowest capability decides), otherwise to the dump file; a disk target
  // starts at once, a socket target after repl-diskless-sync-delay (or when
  // -max-replicas are waiting) so more replicas join one transfer.
  bool socket_target = diskless_sync_;
  for (Client* c : waiting) socket_target = socket_target && c->replica->capa_eof && !c->replica->old_sync;
  if (socket_target && !force) {
    const bool enough = diskless_max_replicas_ > 0 && int(waiting.size()) >= diskless_max_replicas_;
    if (!enough && now_ms - oldest < int64_t(diskless_delay_s_) * 1000) return;
  }
  // One live snapshot per keyspace: a BGSAVE or AOF rewrite running means
  // waiting for the next turn (Cron and BgsaveEnded retry), as Redis waits
  // for its child.
  if (server_.keyspace().preserver() || server_.bgsave_in_progress()) return;
  if (socket_target) return StartStreamedSync(waiting);
  StartDiskSync(waiting);
}

bool Replication::PersistenceDisabled() const {
  return server_.cfg().save_params.empty() && !server_.cfg().appendonly;
}

void Replication::HandleAck(Client* c, int64_t offset) {
  if (!c->replica) return;
  ReplicaPeer& p = *c->replica;
  const int64_t now = NowMs();
  if (offset > p.ack_offset) p.ack_offset = offset;
  p.ack_time_ms = now;
  if (p.state == ReplicaPeer::kWaitAck) {
    // The replica loaded the EOF-marked payload: start its stream.
    p.state = ReplicaPeer::kOnline;
    c->reply.buffer() += p.held;
    p.held.clear();
    p.held.shrink_to_fit();
    server_.QueueWrite(c);
  }
  ServeWaiters(now);
}

int Replication::CountAcked(int64_t offset) const {
  int n = 0;
  for (const Client* c : replica_clients_) {
    if (!c->closing && c->replica->state == ReplicaPeer::kOnline && c->replica->ack_offset >= offset) ++n;
  }
  return n;
}

int Replication::GoodReplicas(int64_t now_ms) const {
  int n = 0;
  for (const Client* c : replica_clients_) {
    if (c->closing || c->replica->state != ReplicaPeer::kOnline) continue;
    if (now_ms - c->replica->ack_time_ms <= int64_t(min_replicas_max_lag_) * 1000) ++n;
  }
  return n;
}

bool Replication::NotEnoughGoodReplicas(int64_t now_ms) const {
  if (is_replica() || min_replicas_to_write_ == 0 || min_replicas_max_lag_ == 0) return false;
  return GoodReplicas(now_ms) < min_replicas_to_write_;
}

// ---- WAIT

void Replication::AddWaiter(Client* c, int64_t offset, int numreplicas, int64_t deadline_ms) {
  waiters_.push_back({c, offset, numreplicas, deadline_ms});
  c->blocked = true;
  getack_pending_ = true;
  if (deadline_ms) server_.loop().WakeBy(deadline_ms);
}

void Replication::ServeWaiters(int64_t now_ms) {
  if (waiters_.empty()) return;
  std::vector<Waiter> keep;
  for (const Waiter& w : waiters_) {
    if (w.client->closing) continue;
    const int acked = CountAcked(w.offset);
    if (acked >= w.numreplicas || (w.deadline_ms && now_ms >= w.deadline_ms)) {
      w.client->blocked = false;
      w.client->reply.Integer(acked);
      server_.ResumeClient(w.client);
    } else {
      keep.push_back(w);
    }
  }
  waiters_.swap(keep);
  for (const Waiter& w : waiters_) {
    if (w.deadline_ms) server_.loop().WakeBy(w.deadline_ms);
  }
}

void Replication::BeforeSleep() {
  if (sync_snap_) StepStreamedSync();
  if (bulk_transfers_) StepBulkTransfers();
  if (failover_state_ != FailoverState::kNone) UpdateFailover(NowMs());
  if (!waiters_.empty()) ServeWaiters(NowMs());
  if (getack_pending_ && !waiters_.empty() && !replica_clients_.empty()) {
    FeedStream("*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n");
  }
  getack_pending_ = false;
}

// ---- events

void Replication::ClientClosed(Client* c) {
  if (c == master_client_) {
    master_client_ = nullptr;
    VLOG_NOTICE("Connection with master lost.");
    VLOG_NOTICE("* Caching the disconnected master state.");
    CacheMaster();
    if (is_replica()) {
      link_state_ = kConnect;
      link_down_since_ms_ = NowMs();
    }
  }
  if (c->replica) {
    replica_clients_.erase(std::remove(replica_clients_.begin(), replica_clients_.end(), c), replica_clients_.end());
    sync_targets_.erase(std::remove(sync_targets_.begin(), sync_targets_.end(), c), sync_targets_.end());
    if (c->replica->state == ReplicaPeer::kSendBulk) {
      // Its reader (the file descriptor) goes with the ReplicaPeer; the
      // other replicas' transfers go on.
      --bulk_transfers_;
      VLOG_WARNING("Replica %s dropped during the transfer of the RDB file", c->addr().c_str());
    }
    VLOG_NOTICE("Connection with replica %s lost.", c->addr().c_str());
    if (replica_clients_.empty()) no_replicas_since_ms_ = NowMs();
  }
  if (!waiters_.empty()) {
    waiters_.erase(std::remove_if(waiters_.begin(), waiters_.end(), [c](const Waiter& w) { return w.client == c; }),
                   waiters_.end());
  }
}

void Replication::Cron(int64_t now_ms) {
  if (now_ms - last_cron_ms_ < 1000) {
    // Full syncs waiting for their delay and WAIT deadlines are checked more often.
    if (!replica_clients_.empty()) StartFullSyncs(now_ms, false);
    return;
  }
  last_cron_ms_ = now_ms;
  const int64_t timeout_ms = int64_t(repl_timeout_s_) * 1000;
  // Replica side.
  if (is_replica()) {
    if (link_state_ == kConnect) {
      VLOG_NOTICE("Connecting to MASTER %s:%d", master_host_.c_str(), master_port_);
      ConnectToMaster();
    } else if (link_state_ != kConnected && link_state_ != kNone && now_ms - link_last_io_ms_ > timeout_ms) {
      LinkFailed(link_state_ == kTransfer
                     ? "Timeout receiving bulk data from MASTER... If the problem persists try to set the "
                       "'repl-timeout' parameter in redis.conf to a larger value."
                     : "Timeout connecting to the MASTER...");
    } else if (master_client_ && now_ms - master_client_->last_interaction_ms > timeout_ms) {
      VLOG_WARNING("MASTER timeout: no data nor PING received...");
      server_.CloseClient(master_client_);
    }
    if (master_client_ && !master_client_->closing) {
      ack_requested_ = true;
      ack_offset_ = master_repl_offset_;
      MaybeSendAck(master_client_);
    }
  }
  // Primary side: PING the replicas every repl-ping-replica-period seconds
  // (part of the stream: it moves the offset, as Redis's does).
  if (!is_replica() && !replica_clients_.empty() && now_ms - last_ping_ms_ >= int64_t(ping_period_s_) * 1000) {
    last_ping_ms_ = now_ms;
    FeedStream("*1\r\n$4\r\nPING\r\n");
  }
  for (Client* c : replicas()) {
    ReplicaPeer& p = *c->replica;
    if (p.state == ReplicaPeer::kWaitBgsave || p.state == ReplicaPeer::kWaitBgsaveEnd) {
      // Keep-alive newline while the payload is not ready (replicas skip
      // empty lines before the payload's header).
      c->reply.buffer() += "\n";
      server_.QueueWrite(c);
    } else if (p.state != ReplicaPeer::kSendingPayload && p.state != ReplicaPeer::kSendBulk && !p.old_sync &&
               now_ms - p.ack_time_ms > timeout_ms) {
      VLOG_WARNING("Disconnecting timedout replica (streaming sync): %s", c->addr().c_str());
      server_.CloseClient(c);
    }
  }
  // A primary without replicas drops its backlog after repl-backlog-ttl.
  if (!is_replica() && backlog_ && replica_clients_.empty() && backlog_ttl_s_ > 0 &&
      now_ms - no_replicas_since_ms_ > backlog_ttl_s_ * 1000) {
    // A new id: a replica coming later must not continue a history we no longer hold.
    replid_ = NewReplId();
    replid2_ = std::string(kReplIdLength, '0');
    second_repl_offset_ = -1;
    backlog_.reset();
    UpdateSinkRegistration();
    VLOG_NOTICE("Replication backlog freed after %lld seconds without connected replicas.", backlog_ttl_s_);
  }
  StartFullSyncs(now_ms, false);
  RemoveSyncRdbIfUnused();
  ServeWaiters(now_ms);
  UpdateFailover(now_ms);
}

// ---- reports

std::string Replication::ReplicaFlags(const Client& c) const {
  if (c.is_master) return "M";
  if (c.replica) return "S";
  return "";
}

void Replication::AppendInfo(std::string* out, int64_t now_ms) const {
  auto line = [out](const std::string& k, const std::string& v) {
    *out += k;
    *out += ':';
    *out += v;
    *out += "\r\n";
  };
  auto num = [](long long v) { return std::to_string(v); };
  const int64_t now_s = now_ms / 1000;
  if (!is_replica()) {
    line("role", "master");
  } else {
    line("role", "slave");
    line("master_host", master_host_);
    line("master_port", num(master_port_));
    line("master_link_status", link_state_ == kConnected ? "up" : "down");
    line("master_last_io_seconds_ago",
         num(master_client_ ? now_s - master_client_->last_interaction_ms / 1000 : -1));
    line("master_sync_in_progress", num(link_state_ == kTransfer));
    long long applied = 1, read = 1;
    if (master_client_) {
      applied = master_repl_offset_;
      read = master_repl_offset_ + (long long)master_client_->query.size() + (long long)master_multi_buf_.size();
    } else if (!cached_replid_.empty()) {
      applied = read = cached_offset_;
    }
    line("slave_read_repl_offset", num(read));
    line("slave_repl_offset", num(applied));
    if (link_state_ == kTransfer) {
      const bool marked = framing_ && framing_->header().eof_marked;
      const long long total = framing_ ? (marked ? -1 : (long long)framing_->header().size) : 0;
      const long long got = framing_ ? (long long)framing_->received() : 0;
      char perc[32];
      snprintf(perc, sizeof(perc), "%.2f", total > 0 ? double(got) * 100.0 / double(total) : 0.0);
      line("master_sync_total_bytes", num(total));
      line("master_sync_read_bytes", num(got));
      line("master_sync_left_bytes", num(total > 0 ? total - got : -1));
      line("master_sync_perc", perc);
      line("master_sync_last_io_seconds_ago", num(now_s - link_last_io_ms_ / 1000));
    }
    if (link_state_ != kConnected) {
      line("master_link_down_since_seconds", num(link_down_since_ms_ ? now_s - link_down_since_ms_ / 1000 : -1));
    }
    line("slave_priority", num(replica_priority_));
    line("slave_read_only", num(read_only_));
    line("replica_announced", num(replica_announced_));
  }
  const std::vector<Client*> reps = replicas();
  line("connected_slaves", num((long long)reps.size()));
  if (min_replicas_to_write_ && min_replicas_max_lag_) line("min_slaves_good_slaves", num(GoodReplicas(now_ms)));
  int i = 0;
  for (const Client* c : reps) {
    const ReplicaPeer& p = *c->replica;
    const std::string ip = ReplicaIp(*c);
    const char* state = p.state == ReplicaPeer::kWaitBgsave || p.state == ReplicaPeer::kWaitBgsaveEnd ? "wait_bgsave"
                        : p.state == ReplicaPeer::kOnline ? "online"
                                                          : "send_bulk";
    line("slave" + num(i++), "ip=" + ip + ",port=" + num(p.listening_port) + ",state=" + state +
                                 ",offset=" + num(p.ack_offset) + ",lag=" + num((now_ms - p.ack_time_ms) / 1000));
  }
  line("master_failover_state", failover_state_name());
  line("master_replid", replid_);
  line("master_replid2", replid2_);
  line("master_repl_offset", num(master_repl_offset_));
  line("second_repl_offset", num(second_repl_offset_));
  line("repl_backlog_active", num(backlog_ != nullptr));
  line("repl_backlog_size", num(backlog_size_));
  line("repl_backlog_first_byte_offset", num(backlog_ ? backlog_->first_byte_offset() : 0));
  line("repl_backlog_histlen", num(backlog_ ? (long long)backlog_->histlen() : 0));
}

void Replication::ReplyRole(Client* c) const {
  ReplyBuilder& r = c->reply;
  if (!is_replica()) {
    const std::vector<Client*> reps = replicas();
    r.ArrayHeader(3);
    r.Bulk("master");
    r.Integer(master_repl_offset_);
    int online = 0;
    for (const Client* s : reps) online += s->replica->state == ReplicaPeer::kOnline;
    r.ArrayHeader(online);
    for (const Client* s : reps) {
      const ReplicaPeer& p = *s->replica;
      if (p.state != ReplicaPeer::kOnline) continue;
      r.ArrayHeader(3);
      r.Bulk(ReplicaIp(*s));
      r.Bulk(std::to_string(p.listening_port));
      r.Bulk(std::to_string(p.ack_offset));
    }
    return;
  }
  r.ArrayHeader(5);
  r.Bulk("slave");
  r.Bulk(master_host_);
  r.Integer(master_port_);
  const char* state = "unknown";
  switch (link_state_) {
    case kNone: state = "none"; break;
    case kConnect: state = "connect"; break;
    case kConnecting: state = "connecting"; break;
    case kTransfer: state = "sync"; break;
    case kConnected: state = "connected"; break;
    default: state = "handshake"; break;
  }
  r.Bulk(state);
  r.Integer(master_client_ ? master_repl_offset_ : -1);
}

}  // namespace vireo
