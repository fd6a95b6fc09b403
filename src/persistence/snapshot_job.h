// SnapshotJob: one background image of the keyspace written to a file while
// commands keep running -- BGSAVE's dump file, BGREWRITEAOF's new base. A
// live SnapshotWriter produces the image a slice at a time when the loop
// calls Step (before it sleeps), a ChunkFileWriter thread writes, fsyncs and
// renames the file, so the loop never waits on the disk. A slice is short,
// so clients wait at most that long for their turn; when the file thread
// falls behind, slices pause instead of growing the queue.
// Only one live snapshot can run per keyspace (the entries' marks mean one
// point in time): the node runs one job at a time, as Redis one child.
// Thread rule: the keyspace's thread (the file thread is the writer's own).
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "engine/keyspace.h"
#include "persistence/chunk_file_writer.h"
#include "persistence/snapshot_writer.h"

namespace vireo {

class SnapshotJob {
 public:
  SnapshotJob() = default;
  ~SnapshotJob();  // aborts a job still running
  SnapshotJob(const SnapshotJob&) = delete;
  SnapshotJob& operator=(const SnapshotJob&) = delete;

  // Opens temp_path and takes the point in time (opts.live must be true).
  // False with *error (Redis's text for kind): nothing was started.
  bool Start(Keyspace& ks, SnapshotOptions opts, const std::string& temp_path, const std::string& final_path,
             ChunkFileWriter::Kind kind, std::string* error);
  enum class Status { kRunning, kDone, kFailed };
  // Writes a slice. kRunning: *wake_at_ms says when to come back (0: at once).
  // kDone: the file is under final_path, durable. kFailed: error() says why,
  // no file is left and the keyspace no longer preserves for this job.
  Status Step(int64_t* wake_at_ms);
  // Stops the job: the temp file is removed.
  void Abort();

  const std::string& error() const { return error_; }
  const SnapshotWriter& writer() const { return *snap_; }
  int64_t start_ms() const { return start_ms_; }

 private:
  Status Fail(const std::string& error);

  std::unique_ptr<ChunkFileWriter> file_;
  std::unique_ptr<SnapshotWriter> snap_;
  int64_t start_ms_ = 0;
  bool finishing_ = false;  // the image is complete; the file thread syncs and renames
  bool ended_ = false;
  std::string error_;
};

// Writes the whole keyspace (opts.live must be false) to final_path in the
// foreground, through a temp file (written by a ChunkFileWriter, waited for):
// for images nobody may change meanwhile. False with *error.
bool WriteSnapshotFile(Keyspace& ks, SnapshotOptions opts, const std::string& temp_path,
                       const std::string& final_path, ChunkFileWriter::Kind kind, std::string* error);

}  // namespace vireo
