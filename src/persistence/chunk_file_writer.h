// ChunkFileWriter: writes a file from chunks handed over by the main thread,
// on a thread of its own, then makes it durable and gives it its final name
// (fsync, rename over the final path, fsync of the directory), so the main
// thread never waits on the disk and a crash leaves the old file or the new
// one, never half of one. Used by background saves and AOF rewrites
// (persistence/snapshot_job.h) and, waited for, by foreground AOF bases.
// Thread rule: every public method is called by one owner thread; the writer
// thread touches only the queue (under the mutex) and the file.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <memory>
#include <thread>
#include <vector>

#include "persistence/rdb_chunk_encoder.h"

namespace vireo {

class ChunkFileWriter {
 public:
  ChunkFileWriter() = default;
  ~ChunkFileWriter();  // cancels when not finished
  ChunkFileWriter(const ChunkFileWriter&) = delete;
  ChunkFileWriter& operator=(const ChunkFileWriter&) = delete;

  // Which file it writes: the error texts are Redis's for that file.
  enum class Kind { kRdb, kAofBase };
  // Creates temp_path and starts the thread. False with *error (Redis's text).
  bool Open(const std::string& temp_path, const std::string& final_path, Kind kind, std::string* error);
  // Before Open: chunks are RdbWriter's deferred ones, which this thread
  // encodes (LZF, CRC-64 and its trailer: rdb_chunk_encoder.h).
  void EncodeRdb(bool compress, bool checksum) { encoder_ = std::make_unique<RdbChunkEncoder>(compress, checksum); }
  // Queues a chunk (moved out of chunk). Never blocks on the disk.
  void Push(std::string& chunk);
  // The same for a deferred RDB chunk (EncodeRdb); last after Finish's chunk.
  void Push(std::string& chunk, std::vector<RawSpan>& spans, bool last);
  // Bytes queued and not yet written.
  uint64_t pending_bytes();
  // No more chunks: the thread finishes the file and renames it.
  void Finish();
  enum class State { kRunning, kDone, kFailed };
  // Where the file is; after kFailed, error() says why and no file is left.
  State Poll();
  const std::string& error() const { return error_; }
  // Stops the thread and removes the temp file.
  void Cancel();
  // After Finish: blocks until the file is in place (kDone) or not (kFailed).
  State Wait();

 private:
  void Run();

  std::string temp_path_, final_path_;
  Kind kind_ = Kind::kRdb;
  int fd_ = -1;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  struct Item {
    std::string bytes;
    std::vector<RawSpan> spans;
    bool last = false;
  };
  std::unique_ptr<RdbChunkEncoder> encoder_;  // the thread's once started
  std::deque<Item> queue_;         // guarded by mu_
  uint64_t pending_ = 0;           // guarded by mu_
  bool finishing_ = false;         // guarded by mu_
  bool cancel_ = false;            // guarded by mu_
  State state_ = State::kRunning;  // guarded by mu_
  std::string thread_error_;       // guarded by mu_
  std::string error_;              // owner's copy after kFailed
};

}  // namespace vireo
