// Disk-based full syncs (repl-diskless-sync no, or replicas that cannot read
// EOF-marked payloads; see Replication::StartDiskSync in replication.h).
// Redis forks a child that writes the dump file, then sends the file to each
// replica from disk. Here the image is the node's own fork-less BGSAVE job
// (a SnapshotJob: slices on the loop, LZF/CRC/write on its file thread), and
// the finished file is sent to each replica from its own descriptor, a
// bounded read-ahead at a time when its socket can take it: the loop never
// builds the payload in the foreground and never holds the file in memory.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/clock.h"
#include "base/log.h"
#include "server/client.h"
#include "server/replication.h"
#include "server/server.h"

namespace vireo {
namespace {
// Payload bytes read ahead of the socket per replica: the only memory a
// transfer holds besides the stream kept back behind it.
constexpr size_t kReadAhead = 4u << 20;
// One read's size.
constexpr size_t kReadChunk = 1u << 20;
// Time a loop turn may spend reading and writing payloads, so clients keep
// their turn; a replica whose socket still takes more comes back next turn.
constexpr int64_t kTurnBudgetUs = 1000;

bool CapaSubset(const ReplicaPeer& sub, const ReplicaPeer& of) {
  return (!sub.capa_eof || of.capa_eof) && (!sub.capa_psync2 || of.capa_psync2);
}
}  // namespace

ReplicaPeer::~ReplicaPeer() {
  if (bulk_fd >= 0) close(bulk_fd);
}

void Replication::StartDiskSync(const std::vector<Client*>& targets) {
  VLOG_NOTICE("Starting BGSAVE for SYNC with target: disk");
  const int64_t offset = master_repl_offset_;
  std::string error;
  // The save records the history as it is now (repl-id, repl-offset and the
  // stream's db), as Redis's rdbPopulateSaveInfo before its fork.
  if (!server_.StartBgsave(&error)) {
    VLOG_WARNING("BGSAVE for replication failed");
    for (Client* c : targets) {
      c->reply.Error("ERR BGSAVE failed, replication can't continue");
      c->close_after_reply = true;
      server_.QueueWrite(c);
    }
    return;
  }
  disk_sync_save_ = true;
  disk_sync_offset_ = offset;
  rdb_generated_by_sync_ = true;
  // The stream after the image starts with a SELECT.
  stream_db_ = -1;
  if (sink_registered_) server_.propagator().ForgetSelectedDb(this);
  for (Client* c : targets) {
    ReplicaPeer& p = *c->replica;
    if (!p.old_sync) c->reply.buffer() += "+FULLRESYNC " + replid_ + " " + std::to_string(offset) + "\r\n";
    p.state = ReplicaPeer::kWaitBgsaveEnd;
    p.held.clear();
    server_.QueueWrite(c);
  }
}

bool Replication::AttachToDiskSync(Client* c) {
  // Redis 7.0's syncCommand: a disk-target save can serve a replica that
  // arrives while it runs when another replica already waits for it (whose
  // buffered stream since the save began is copied) and that replica's
  // capabilities are a subset of the newcomer's. A save nobody waits for (a
  // user's BGSAVE) cannot: where its image stands in the stream is unknown.
  ReplicaPeer& mine = *c->replica;
  for (const Client* o : replica_clients_) {
    if (o == c || o->closing || o->replica->state != ReplicaPeer::kWaitBgsaveEnd) continue;
    if (!CapaSubset(*o->replica, mine)) continue;
    mine.held = o->replica->held;
    mine.state = ReplicaPeer::kWaitBgsaveEnd;
    if (!mine.old_sync) c->reply.buffer() += "+FULLRESYNC " + replid_ + " " + std::to_string(disk_sync_offset_) + "\r\n";
    VLOG_NOTICE("Waiting for end of BGSAVE for SYNC");
    server_.QueueWrite(c);
    server_.CheckOutputLimit(c);
    return true;
  }
  VLOG_NOTICE("Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC");
  return false;
}

void Replication::BgsaveEnded(bool ok, bool aborted, const std::string& error) {
  if (!disk_sync_save_) {
    // A user's save ended: replicas that could not share it get the next
    // one (a stopped save leaves that to the cron: the dataset is about to
    // be replaced or saved in the foreground).
    if (!aborted && !replica_clients_.empty()) StartFullSyncs(NowMs(), false);
    return;
  }
  disk_sync_save_ = false;
  const std::string path = server_.RdbPath();
  bool started = false;
  for (Client* c : replicas()) {
    ReplicaPeer& p = *c->replica;
    if (p.state != ReplicaPeer::kWaitBgsaveEnd) continue;
    if (!ok) {
      // Redis frees the replicas its failed child was feeding; they retry.
      VLOG_WARNING("SYNC failed. BGSAVE child returned an error%s%s", error.empty() ? "" : ": ", error.c_str());
      server_.CloseClient(c);
      continue;
    }
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
      VLOG_WARNING("SYNC failed. Can't open/stat DB after BGSAVE: %s", strerror(errno));
      if (fd >= 0) close(fd);
      server_.CloseClient(c);
      continue;
    }
    p.bulk_fd = fd;
    p.bulk_size = uint64_t(st.st_size);
    p.bulk_off = 0;
    p.state = ReplicaPeer::kSendBulk;
    p.payload_end = UINT64_MAX;  // the payload is outside the output-buffer limit
    c->reply.buffer() += "$" + std::to_string(p.bulk_size) + "\r\n";
    ++bulk_transfers_;
    started = true;
    server_.QueueWrite(c);
  }
  if (started) server_.loop().WakeSoon();
  // Replicas that could not attach get the next save.
  if (ok) StartFullSyncs(NowMs(), false);
}

void Replication::StepBulkTransfers() {
  const int64_t deadline_us = NowUs() + kTurnBudgetUs;
  bool finished_any = false;
  // CloseClient (a failed write) changes replica_clients_: walk a copy.
  for (Client* c : replicas()) {
    ReplicaPeer& p = *c->replica;
    if (p.state != ReplicaPeer::kSendBulk) continue;
    for (;;) {
      std::string& out = c->reply.buffer();
      bool failed = false;
      while (c->pending_output() < kReadAhead && p.bulk_off < p.bulk_size) {
        const size_t want = size_t(std::min<uint64_t>({kReadChunk, p.bulk_size - p.bulk_off,
                                                        uint64_t(kReadAhead - c->pending_output())}));
        const size_t old = out.size();
        out.resize(old + want);
        const ssize_t n = pread(p.bulk_fd, out.data() + old, want, off_t(p.bulk_off));
        if (n <= 0) {
          out.resize(old);
          if (n < 0 && errno == EINTR) continue;
          VLOG_WARNING("Read error sending DB to replica: %s", n < 0 ? strerror(errno) : "premature EOF");
          failed = true;
          break;
        }
        out.resize(old + size_t(n));
        p.bulk_off += uint64_t(n);
      }
      if (failed) {
        server_.CloseClient(c);
        break;
      }
      if (p.bulk_off == p.bulk_size) {
        // The whole file is queued: the held stream follows it, and the
        // replica is online (Redis: replicaPutOnline after the last write).
        close(p.bulk_fd);
        p.bulk_fd = -1;
        --bulk_transfers_;
        p.payload_end = c->net_output_bytes + c->pending_output();
        p.state = ReplicaPeer::kOnline;
        p.ack_time_ms = NowMs();
        out += p.held;
        p.held.clear();
        p.held.shrink_to_fit();
        server_.QueueWrite(c);
        VLOG_NOTICE("Synchronization with replica %s succeeded", c->addr().c_str());
        finished_any = true;
        break;
      }
      if (!c->Flush()) break;                  // closed
      if (c->has_pending_output()) break;      // socket full: its writable event brings us back
      if (NowUs() >= deadline_us) {
        server_.loop().WakeSoon();             // the socket takes more: next turn
        break;
      }
    }
  }
  if (finished_any) RemoveSyncRdbIfUnused();
}

void Replication::RemoveSyncRdbIfUnused() {
  if (!server_.cfg().rdb_del_sync_files) {
    // Re-enabling the option later must not delete a file no sync made.
    rdb_generated_by_sync_ = false;
    return;
  }
  if (!rdb_generated_by_sync_ || !PersistenceDisabled()) return;
  for (const Client* c : replica_clients_) {
    if (c->closing) continue;
    const ReplicaPeer::State s = c->replica->state;
    if (s == ReplicaPeer::kWaitBgsave || s == ReplicaPeer::kWaitBgsaveEnd || s == ReplicaPeer::kSendBulk) return;
  }
  const std::string path = server_.RdbPath();
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return;
  rdb_generated_by_sync_ = false;
  VLOG_NOTICE("Removing the RDB file used to feed replicas in a persistence-less instance");
  unlink(path.c_str());
}

}  // namespace vireo
