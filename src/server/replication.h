// Replication: both roles of Redis 7.0's PSYNC2 protocol for one node.
//
// Replica role (replica_link.cc): REPLICAOF host port starts a MasterLink, a
// non-blocking state machine on the loop (connect, PING, AUTH with
// masterauth/masteruser, REPLCONF listening-port / ip-address / capa eof
// capa psync2, PSYNC <replid> <offset>), which receives a full resync's RDB
// payload ($<len> or $EOF:<mark> framing, to a temp file or, with
// repl-diskless-load, in memory) and loads it, then hands the socket to a
// Client flagged `is_master`: the stream runs through ProcessCommand/Call
// like any client's input, with replies dropped, and each applied command's
// bytes advance the offset and feed our own backlog and replicas (chained
// replication proxies the primary's bytes verbatim, as Redis 7.0 does).
//
// Primary role (replication_primary.cc): PSYNC/SYNC from a client makes it a
// replica: +CONTINUE from the backlog when the id and offset allow it,
// otherwise +FULLRESYNC with an RDB image: streamed into the sockets
// (diskless, repl_sync_stream.cc) or written by a background BGSAVE job and
// then sent from the file in bounded steps (disk-based, repl_disk_sync.cc). The
// propagated stream (FeedStream) goes to the backlog and every replica's
// output; ACKs are tracked for WAIT, INFO and min-replicas-to-write.
//
// Thread rule: owned by the Server, main thread only.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "net/event_loop.h"
#include "persistence/snapshot_writer.h"
#include "replication/backlog.h"
#include "replication/sync_protocol.h"
#include "server/propagation.h"

namespace vireo {

class Server;
class Client;
class TlsConnection;

// A fresh random replication id (40 hex characters).
std::string NewReplId();

// The address a replica is known by (REPLCONF ip-address, else its peer's).
std::string ReplicaIp(const Client& c);

// The state of a replica connected to us (a Client's `replica` member).
struct ReplicaPeer {
  enum State {
    kWaitBgsave,  // asked for a full resync; the payload is not produced yet
    kWaitBgsaveEnd,  // disk-based: +FULLRESYNC sent, the BGSAVE writes the file (stream held)
    kSendBulk,       // disk-based: the file is being sent from disk (stream held)
    kSendingPayload,  // an EOF-marked payload is being streamed (stream held)
    kWaitAck,     // EOF-marked payload queued: stream held until its first ACK
    kOnline,
  };
  State state = kWaitBgsave;
  int listening_port = 0;
  std::string announced_ip;  // REPLCONF ip-address
  bool capa_eof = false;
  bool capa_psync2 = false;
  bool old_sync = false;  // SYNC: no +FULLRESYNC line, no ACKs
  int64_t ack_offset = 0;
  int64_t ack_time_ms = 0;
  int64_t sync_requested_ms = 0;
  std::string held;  // stream bytes kept back while kSendingPayload/kWaitAck
  // Where the RDB payload ends, counted in the client's net_output_bytes:
  // output before it is not counted by client-output-buffer-limit (Redis
  // sends the payload apart from the output buffer).
  uint64_t payload_end = 0;
  // Disk-based sync (kSendBulk): the dump file, read ahead a bounded amount
  // at a time (never the whole file in memory).
  int bulk_fd = -1;
  uint64_t bulk_size = 0;
  uint64_t bulk_off = 0;

  ReplicaPeer() = default;
  ReplicaPeer(const ReplicaPeer&) = delete;
  ReplicaPeer& operator=(const ReplicaPeer&) = delete;
  ~ReplicaPeer();
};

class Replication final : public PropagationSink {
 public:
  explicit Replication(Server& server);
  ~Replication();

  // ---- PropagationSink: a primary's effects become the stream (a
  // replica's stream is its primary's bytes, proxied instead).
  uint8_t propagation_target() const override { return kPropagateRepl; }
  void Feed(int dbid, std::string_view resp) override {
    (void)dbid;
    if (!is_replica()) FeedStream(resp);
  }

  // ---- configuration (compatibility values read on change)
  void ReloadConfig();
  bool replica_read_only() const { return read_only_; }
  bool serve_stale_data() const { return serve_stale_; }
  // False when no replication refusal (READONLY, MASTERDOWN, NOREPLICAS) can
  // apply: the one branch a primary without min-replicas pays per command.
  bool refusals_possible() const { return !master_host_.empty() || min_replicas_to_write_ > 0; }

  // ---- role
  bool is_replica() const { return !master_host_.empty(); }
  // REPLICAOF host port: becomes (or switches to be) a replica.
  void SetMaster(const std::string& host, int port);
  // REPLICAOF NO ONE: becomes a primary with a new replication id (the old
  // one stays as replid2 so sibling replicas can continue with us).
  void Promote();
  const std::string& master_host() const { return master_host_; }
  int master_port() const { return master_port_; }
  bool link_up() const { return link_state_ == kConnected; }
  bool sync_in_progress() const { return link_state_ == kTransfer; }

  // ---- the replica's stream from its master (called by Server::ProcessInput)
  // `bytes` of the master client's input were applied as one command;
  // !complete inside a MULTI (counted with its EXEC, as Redis does).
  void MasterBytesApplied(Client* master, std::string_view bytes, bool complete);
  // The offset REPLCONF ACK reports (applied bytes).
  int64_t master_applied_offset() const { return master_repl_offset_; }
  // REPLCONF GETACK from our master: an ACK goes out after this command.
  void RequestAck() {
    ack_requested_ = true;
    ack_offset_ = master_repl_offset_;
  }
  // Writes a REPLCONF ACK to the master client when one is due.
  void MaybeSendAck(Client* master);
  Client* master_client() const { return master_client_; }

  // ---- primary side
  // PSYNC <replid> <offset> / SYNC from c. Replies on c.
  void HandlePsync(Client* c, std::string_view replid, std::string_view offset, bool old_sync);
  // REPLCONF ACK <offset> from a replica.
  void HandleAck(Client* c, int64_t offset);
  // Appends propagated bytes (already RESP, SELECT included) to the backlog
  // and every replica.
  void FeedStream(std::string_view bytes);
  // The db the stream last SELECTed (-1: the next command must SELECT).
  int stream_db() const { return stream_db_; }
  void set_stream_db(int db) { stream_db_ = db; }
  // Replicas acknowledging at least offset.
  int CountAcked(int64_t offset) const;
  // Replicas whose last ACK is within min-replicas-max-lag (min-replicas-to-write).
  int GoodReplicas(int64_t now_ms) const;
  // True when min-replicas-to-write refuses writes now (-NOREPLICAS).
  bool NotEnoughGoodReplicas(int64_t now_ms) const;
  // Asks every replica for an ACK before the loop sleeps (WAIT).
  void RequestAcksFromReplicas() { getack_pending_ = true; }
  // WAIT: c is blocked until numreplicas acknowledge offset or the deadline
  // (0: none) passes; then it gets the count.
  void AddWaiter(Client* c, int64_t offset, int numreplicas, int64_t deadline_ms);
  std::vector<Client*> replicas() const;

  // ---- ids and offsets
  const std::string& replid() const { return replid_; }
  const std::string& replid2() const { return replid2_; }
  int64_t master_repl_offset() const { return master_repl_offset_; }
  int64_t second_repl_offset() const { return second_repl_offset_; }
  const ReplicationBacklog* backlog() const { return backlog_.get(); }
  // DEBUG CHANGE-REPL-ID: a new id and no secondary one, so no replica can
  // continue the old history with a partial resync.
  void ChangeReplicationId();
  // Restores the replication id/offset a saved RDB recorded (repl-id,
  // repl-offset aux fields) so a restarted replica can PSYNC.
  void RestoreFromRdb(const std::string& replid, int64_t offset, int stream_db);
  // The aux fields the RDB records for the above (empty id: none).
  void RdbReplInfo(std::string* replid, int64_t* offset, int* stream_db) const;

  // ---- FAILOVER (failover.cc): a coordinated switch to a replica, as
  // Redis 7.0's: writes pause, the first (or the named) replica that has
  // acknowledged the whole stream is asked to take over with PSYNC ...
  // FAILOVER, and this node becomes its replica.
  enum class FailoverState { kNone, kWaitForSync, kInProgress };
  // FAILOVER [TO host port [FORCE]] [TIMEOUT ms]: "" when started, else the
  // error reply.
  std::string StartFailover(const std::string& host, int port, int64_t timeout_ms, bool force, int64_t now_ms);
  void AbortFailover(const char* why);
  FailoverState failover_state() const { return failover_state_; }
  const char* failover_state_name() const;
  // PSYNC <replid> <offset> FAILOVER from our primary: we take over when
  // the id is ours ("" then), else the error reply.
  std::string AcceptFailoverRequest(std::string_view replid, const Client& from);

  // ---- events from the Server
  void Cron(int64_t now_ms);   // once per cron call; throttles itself
  void BeforeSleep();          // GETACKs for WAIT
  void ClientClosed(Client* c);

  // ---- reports
  void AppendInfo(std::string* out, int64_t now_ms) const;  // INFO replication body lines
  void ReplyRole(Client* c) const;                           // ROLE
  std::string ReplicaFlags(const Client& c) const;
  int64_t master_last_io_ms() const { return master_last_io_ms_; }

  // The link's states (Redis's repl_state).
  enum LinkState {
    kNone,
    kConnect,
    kConnecting,
    kReceivePong,
    kReceiveAuth,
    kReceivePort,
    kReceiveIp,
    kReceiveCapa,
    kReceivePsync,
    kTransfer,
    kConnected,
  };
  LinkState link_state() const { return link_state_; }

  struct Stats {
    uint64_t sync_full = 0;
    uint64_t sync_partial_ok = 0;
    uint64_t sync_partial_err = 0;
  };
  const Stats& stats() const { return stats_; }
  void ResetStats() { stats_ = Stats(); }  // CONFIG RESETSTAT

 private:
  class MasterLink;
  friend class MasterLink;

  // Replica side.
  void ConnectToMaster();
  void CancelHandshake();
  void LinkFailed(const std::string& why);
  void OnLinkEvent(uint32_t events);
  void HandshakeStep();
  bool SendOnLink(const std::string& bytes);
  void OnPsyncReply(const PsyncReply& r, const std::string& line);
  void OnPayloadBytes(const char* data, size_t n);
  void FinishTransfer(std::string leftover);
  void StartMasterClient(std::string leftover);
  void CacheMaster();  // remembers replid/offset for the next PSYNC
  void ShiftReplId();

  // Primary side.
  void CreateBacklogIfNeeded();
  // The sink is registered while we are a primary with a backlog (without
  // one nobody can use the stream, and Call pays nothing).
  void UpdateSinkRegistration();
  bool sink_registered_ = false;
  void StartFullSyncs(int64_t now_ms, bool force);
  // Disk-based full syncs (repl_disk_sync.cc; repl-diskless-sync no, or
  // replicas that cannot read EOF-marked payloads): the node's BGSAVE job
  // writes the dump file in the background; the replicas get +FULLRESYNC
  // at its start and hold the stream from that offset; when the file is
  // done it is sent to each from disk, a bounded read-ahead at a time.
  void StartDiskSync(const std::vector<Client*>& targets);
  // A replica asking for a full sync while a BGSAVE for sync runs shares it
  // when Redis 7.0 would: another replica already waits for that save and
  // its capabilities are a subset of this one's. True when attached.
  bool AttachToDiskSync(Client* c);
  // Tops up the read-ahead of replicas in kSendBulk (BeforeSleep).
  void StepBulkTransfers();
  // rdb-del-sync-files: the file a sync made is removed once no replica
  // needs it, when the node persists nothing (Redis's
  // removeRDBUsedToSyncReplicas).
  void RemoveSyncRdbIfUnused();
  bool disk_sync_save_ = false;        // the running BGSAVE is for replicas
  int64_t disk_sync_offset_ = 0;       // the offset its image is taken at
  bool rdb_generated_by_sync_ = false;
  int bulk_transfers_ = 0;             // replicas in kSendBulk
  // No save points and no AOF: rdb-del-sync-files applies (Redis's
  // allPersistenceDisabled).
  bool PersistenceDisabled() const;
  // Diskless full syncs to replicas that read EOF-marked payloads are
  // streamed (repl_sync_stream.cc): a live SnapshotWriter (no fork, no copy
  // of the dataset) writes the image a slice per loop turn straight into the
  // replicas' output, pausing while they have more than a few MB unread.
  void StartStreamedSync(const std::vector<Client*>& targets);
  void StepStreamedSync();
  void FinishStreamedSync();
  // FAILOVER state (failover.cc).
  void UpdateFailover(int64_t now_ms);
  void ClearFailover();
  Client* FindReplica(const std::string& host, int port) const;
  FailoverState failover_state_ = FailoverState::kNone;
  std::string failover_host_;  // empty: the first replica to catch up
  int failover_port_ = 0;
  int64_t failover_end_ms_ = 0;
  bool failover_force_ = false;
  std::unique_ptr<SnapshotWriter> sync_snap_;
  std::vector<Client*> sync_targets_;
  std::string sync_mark_;
 public:
  // True while a streamed payload is being written (a snapshot is live:
  // BGSAVE and AOF rewrites wait, as beside Redis's RDB child).
  bool streaming_sync() const { return sync_snap_ != nullptr; }
  // Stops a streamed payload, closing its replicas (the dataset is about to
  // be replaced wholesale, e.g. DEBUG RELOAD).
  void AbortStreamedSync(const char* why);
  // The node's BGSAVE ended (Server::FinishBgsave / AbortBgsave): replicas
  // waiting for it get the file (ok) or are closed (a failed or stopped
  // save, as Redis frees them when its child fails); replicas waiting for
  // the next save get one.
  void BgsaveEnded(bool ok, bool aborted, const std::string& error);
 private:
  void AppendToReplica(Client* c, std::string_view bytes);
  void DisconnectReplicas();
  void ServeWaiters(int64_t now_ms);

  Server& server_;
  // Config cache.
  bool read_only_ = true;
  bool serve_stale_ = true;
  int replica_priority_ = 100;
  bool replica_announced_ = true;
  int repl_timeout_s_ = 60;
  int ping_period_s_ = 10;
  long long backlog_size_ = 1 << 20;
  long long backlog_ttl_s_ = 3600;
  bool diskless_sync_ = true;
  int diskless_delay_s_ = 5;
  int diskless_max_replicas_ = 0;
  int diskless_load_ = 0;  // 0 disabled, 1 on-empty-db, 2 swapdb
  int min_replicas_to_write_ = 0;
  int min_replicas_max_lag_ = 10;

  // Ids and offsets.
  std::string replid_;
  std::string replid2_;
  int64_t master_repl_offset_ = 0;
  int64_t second_repl_offset_ = -1;
  std::unique_ptr<ReplicationBacklog> backlog_;
  int64_t no_replicas_since_ms_ = 0;
  int stream_db_ = -1;

  // Replica side.
  std::string master_host_;
  int master_port_ = 0;
  LinkState link_state_ = kNone;
  std::unique_ptr<MasterLink> link_;
  int link_fd_ = -1;
  // tls-replication: the link's TLS session, from the handshake that
  // follows connect() until the master client takes it over.
  std::unique_ptr<TlsConnection> link_tls_;
  bool link_use_tls_ = false;  // decided when connecting
  std::string link_in_;       // bytes read during the handshake
  int64_t link_last_io_ms_ = 0;
  int64_t link_down_since_ms_ = 0;
  std::string cached_replid_;  // PSYNC target after a lost link ("" = ?)
  int64_t cached_offset_ = -1;  // next byte wanted is cached_offset_ + 1
  std::string pending_replid_;  // FULLRESYNC's id/offset, applied after loading
  int64_t pending_offset_ = 0;
  std::unique_ptr<PayloadFraming> framing_;
  bool transfer_to_disk_ = true;
  int transfer_fd_ = -1;
  std::string transfer_path_;
  std::string transfer_mem_;
  int64_t transfer_start_ms_ = 0;
  Client* master_client_ = nullptr;
  int64_t master_last_io_ms_ = 0;
  int64_t read_offset_ = 0;   // slave_read_repl_offset
  bool ack_requested_ = false;
  int64_t ack_offset_ = 0;
  bool sent_auth_ = false;
  bool sent_ip_ = false;
  std::string master_multi_buf_;  // a MULTI's bytes until its EXEC
  int64_t last_ack_ms_ = 0;
  int64_t last_ping_ms_ = 0;
  int64_t last_cron_ms_ = 0;

  // Primary side.
  bool getack_pending_ = false;
  std::vector<Client*> replica_clients_;
  struct Waiter {
    Client* client;
    int64_t offset;
    int numreplicas;
    int64_t deadline_ms;
  };
  std::vector<Waiter> waiters_;
  Stats stats_;
};

}  // namespace vireo
