// Streamed diskless full syncs (see Replication::StartStreamedSync in
// replication.h). Redis forks a child that writes the RDB image into the
// replicas' sockets; here a live SnapshotWriter writes it from the event
// loop a slice at a time, straight into the replicas' output buffers, so the
// primary neither forks nor holds a second copy of the dataset: the extra
// memory is the unread output (bounded below) plus the keys preserved
// because a command changed them before the image reached them.
#include <algorithm>

#include "base/clock.h"
#include "base/log.h"
#include "base/memory_stats.h"
#include "server/client.h"
#include "server/replication.h"
#include "server/script_runner.h"
#include "server/server.h"

namespace vireo {
namespace {
// A slice of image writing, as a BGSAVE's (what clients may wait behind it).
constexpr int64_t kSliceUs = 500;
// Unread payload bytes per replica above which slices pause: the transfer
// goes at the slowest replica's pace instead of growing buffers.
constexpr size_t kMaxUnreadPayload = 4u << 20;
}  // namespace

void Replication::StartStreamedSync(const std::vector<Client*>& targets) {
  SnapshotOptions opts;
  opts.compress = server_.cfg().rdbcompression;
  opts.checksum = server_.cfg().rdbchecksum;
  opts.now_ms = NowMs();
  opts.used_memory = ReadMemoryStats().allocated;
  opts.repl_id = replid_;
  opts.repl_offset = master_repl_offset_;
  opts.repl_stream_db = std::max(stream_db_, 0);
  opts.access = server_.RdbAccessOpcodes();
  opts.key_delay = server_.cfg().rdb_key_save_delay;  // Redis's sync child sleeps it too
  opts.live = true;
  for (const auto& [name, lib] : server_.scripts().functions().libraries()) opts.functions.push_back(lib.code);
  VLOG_NOTICE("Starting BGSAVE for SYNC with target: replicas sockets");
  sync_mark_ = NewReplId();
  sync_targets_ = targets;
  for (Client* c : targets) {
    ReplicaPeer& p = *c->replica;
    c->reply.buffer() += "+FULLRESYNC " + replid_ + " " + std::to_string(master_repl_offset_) + "\r\n";
    c->reply.buffer() += "$EOF:" + sync_mark_ + "\r\n";
    p.state = ReplicaPeer::kSendingPayload;
    p.payload_end = UINT64_MAX;  // the whole image is outside the output-buffer limit
    server_.QueueWrite(c);
  }
  // The stream after the image starts with a SELECT.
  stream_db_ = -1;
  if (sink_registered_) server_.propagator().ForgetSelectedDb(this);
  sync_snap_ = std::make_unique<SnapshotWriter>(
      server_.keyspace(),
      [this](std::string& chunk) {
        for (Client* c : sync_targets_) {
          if (c->closing) continue;
          c->reply.buffer() += chunk;
          server_.QueueWrite(c);
        }
      },
      std::move(opts));
  sync_snap_->Start(NowUs());
}

void Replication::StepStreamedSync() {
  sync_targets_.erase(std::remove_if(sync_targets_.begin(), sync_targets_.end(), [](Client* c) { return c->closing; }),
                      sync_targets_.end());
  if (sync_targets_.empty()) {
    VLOG_WARNING("Diskless rdb transfer, last replica dropped, killing fork child.");
    sync_snap_->Abort();
    sync_snap_.reset();
    StartFullSyncs(NowMs(), false);  // replicas that came meanwhile
    return;
  }
  size_t unread = 0;
  for (Client* c : sync_targets_) unread = std::max(unread, c->pending_output());
  if (unread > kMaxUnreadPayload) {
    // The sockets' writable events wake the loop; this is the backstop.
    server_.loop().WakeBy(NowMs() + 1);
    return;
  }
  const bool done = sync_snap_->Step(NowUs() + kSliceUs, [] { return NowUs(); });
  if (sync_snap_->failed()) {
    AbortStreamedSync(sync_snap_->error().c_str());
    return;
  }
  if (done) return FinishStreamedSync();
  const int64_t next_key_us = sync_snap_->next_key_time_us();
  if (next_key_us > NowUs()) {
    server_.loop().WakeBy(next_key_us / 1000 + 1);
  } else {
    server_.loop().WakeSoon();
  }
}

void Replication::FinishStreamedSync() {
  sync_snap_.reset();
  const int64_t now = NowMs();
  VLOG_NOTICE("Background RDB transfer terminated with success");
  for (Client* c : sync_targets_) {
    ReplicaPeer& p = *c->replica;
    c->reply.buffer() += sync_mark_;
    // The stream held meanwhile goes out after the replica's first ACK.
    p.state = ReplicaPeer::kWaitAck;
    p.payload_end = c->net_output_bytes + c->pending_output();
    p.ack_time_ms = now;
    server_.QueueWrite(c);
    VLOG_NOTICE("Synchronization with replica %s succeeded", c->addr().c_str());
  }
  sync_targets_.clear();
  StartFullSyncs(now, false);  // replicas that came meanwhile
}

void Replication::AbortStreamedSync(const char* why) {
  if (!sync_snap_) return;
  VLOG_WARNING("Streamed full sync aborted: %s", why);
  sync_snap_->Abort();
  sync_snap_.reset();
  std::vector<Client*> targets;
  targets.swap(sync_targets_);
  for (Client* c : targets) server_.CloseClient(c);
}

}  // namespace vireo
