// Aof: the node's append-only file, Redis 7.0's multi-part layout: a
// directory (appenddirname) holding a manifest, one base file (an RDB
// preamble or AOF commands) and the incremental files written since.
//
// Writing: Aof is a PropagationSink (kPropagateAof), so it receives every
// execution unit's effects as RESP (SELECT included) and appends them to a
// buffer (with a "#TS:" annotation per second when aof-timestamp-enabled).
// BeforeSleep writes the buffer before client replies leave the node; with
// appendfsync always it fsyncs there too (so an acknowledged write is on
// disk), with everysec a background thread fsyncs at most once a second
// (the loop never waits for the disk), with no the kernel decides.
// A write error keeps the buffer, refuses writes with -MISCONF and is
// retried every second (always: the process exits, as Redis).
//
// Rewriting (BGREWRITEAOF, auto-aof-rewrite-*, CONFIG SET appendonly yes)
// runs without fork, as BGSAVE does: StartRewrite opens a new incremental
// file and lists it in the manifest beside the old files (so a crash during
// the rewrite leaves old base + old incrementals + new incremental, which
// load to the whole dataset), then a SnapshotJob writes the point-in-time
// base in slices before each sleep while new commands go to the new
// incremental file. When the base is on disk (temp file, fsync, rename),
// the manifest is swapped atomically (temp, fsync, rename, directory fsync)
// to the new base and the new incremental file; the old files become
// history and are deleted. CONFIG SET appendonly yes lists its incremental
// file only once its first base is done (Redis's AOF_WAIT_REWRITE).
// One snapshot runs at a time: a rewrite asked during a BGSAVE is scheduled.
//
// Loading (start-up with appendonly yes, DEBUG LOADAOF): the manifest's base
// then incremental files are replayed through Server::ExecuteReplayed on a
// pseudo-client, with Redis's rules for truncated tails (aof-load-truncated),
// incomplete MULTI blocks and format errors, and its log lines.
// Thread rule: everything on the node's main thread but the background
// fsync worker, which only fsyncs (and closes) descriptors handed to it.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "persistence/aof_manifest.h"
#include "persistence/snapshot_job.h"
#include "server/propagation.h"

namespace vireo {

class Server;
class Client;

class Aof final : public PropagationSink {
 public:
  explicit Aof(Server& server);
  ~Aof() override;

  // PropagationSink.
  uint8_t propagation_target() const override { return kPropagateAof; }
  void Feed(int dbid, std::string_view resp) override;

  // Start-up with appendonly yes: loads the files (they take precedence
  // over the RDB), creates a base when there is none, opens the last
  // incremental file and starts appending. False: log lines written, the
  // node must exit.
  bool StartAtBoot();
  // CONFIG SET appendonly yes / no on a live node.
  bool Enable();
  void Disable();
  // Starts a background rewrite now. False with the reason logged and in
  // *error (nothing started). The caller checks no snapshot runs.
  bool StartRewrite(std::string* error);
  // Starts it once no other snapshot runs (BGREWRITEAOF during a BGSAVE or
  // inside EXEC).
  void ScheduleRewrite() { rewrite_scheduled_ = true; }
  bool rewrite_in_progress() const { return rewrite_ != nullptr; }
  bool rewrite_scheduled() const { return rewrite_scheduled_; }
  // CONFIG SET appendonly yes's first base is being written.
  bool writing_initial_base() const { return rewrite_ && wait_rewrite_; }
  const SnapshotJob* rewrite_job() const { return rewrite_ ? &rewrite_->snap : nullptr; }
  // Stops a running rewrite (its temp file is removed; the manifest keeps
  // listing the files that hold the dataset).
  void AbortRewrite();
  // DEBUG LOADAOF: flush, then replace the dataset with the files' content.
  bool Reload(std::string* error);

  // Before the loop sleeps, before client output is written.
  void BeforeSleep();
  // From the node's cron (hz): retries after write errors, postponed
  // flushes, everysec's fsync of a quiet file, automatic rewrites.
  void Cron(int64_t now_ms);
  // SHUTDOWN / exit: write and fsync what is buffered.
  void FlushForShutdown();
  // DEBUG AOF-FLUSH-SLEEP: microseconds slept before each write of the
  // buffer (tests simulate a slow disk with it).
  void set_flush_sleep_us(int us) { flush_sleep_us_ = us; }

  bool on() const { return on_; }
  // Writes are refused (-MISCONF) while the AOF cannot be written.
  bool write_failing() const { return !last_write_ok_ || bio_failed_.load(); }
  std::string MisconfError() const;

  // INFO persistence.
  struct Info {
    bool enabled;
    bool rewrite_in_progress, rewrite_scheduled;
    long long current_rewrite_time_sec, last_cow_size;
    long long last_rewrite_time_sec, rewrites, consecutive_failures;
    bool last_rewrite_ok, last_write_ok;
    long long current_size, base_size;
    size_t buffer_length;
    unsigned long pending_bio_fsync, delayed_fsync;
  };
  Info info() const;
  // CONFIG RESETSTAT: the counters Redis resets (rewrites, consecutive
  // failures, delayed fsyncs).
  void ResetStats() {
    rewrites_ = consecutive_failures_ = 0;
    delayed_fsync_ = 0;
  }

 private:
  std::string DirPath() const;
  std::string PathOf(const std::string& name) const;
  // The options of a base image (RDB preamble or commands).
  SnapshotOptions BaseOptions(bool live) const;
  std::string RewriteTempPath() const;
  // Writes the whole dataset as a base file at path, in the foreground
  // (start-up with an empty directory).
  bool WriteBaseFile(const std::string& path, std::string* error);
  // A slice of the running rewrite, or the start of a scheduled one.
  void RewriteStep();
  void FinishRewrite(bool ok, const std::string& error);
  void RewriteFailed();
  bool PersistManifest(const AofManifest& m, std::string* error);
  void DeleteHistory();
  bool LoadFiles(const AofManifest& m, bool* any, std::string* error);
  // One file: 0 ok, 1 truncated (loaded), 2 empty, -1 failed (logged).
  int LoadOne(const std::string& name, bool last_file);
  // Makes name the file appended to; fresh: a new file (truncated, in case
  // a crash left one of that name unlisted).
  bool OpenIncr(const std::string& name, bool fresh, std::string* error);
  // Writes buf_ (force: even while an everysec fsync is running).
  void Flush(bool force);
  void BackgroundFsync(int fd, bool close_after);
  void FsyncWorker();
  long long FileSize(const std::string& name) const;

  Server& server_;
  bool on_ = false;
  int flush_sleep_us_ = 0;
  AofManifest manifest_;
  int fd_ = -1;
  std::string buf_;
  int64_t ts_last_sec_ = 0;
  long long current_size_ = 0;   // base + incremental files
  long long base_size_ = 0;      // aof_rewrite_base_size
  long long last_incr_size_ = 0;
  long long fsync_offset_ = 0;
  int64_t last_fsync_sec_ = 0;
  int64_t flush_postponed_start_ = 0;
  int64_t last_write_error_log_ = 0;
  int64_t last_error_retry_ms_ = 0;
  bool last_write_ok_ = true;
  int last_write_errno_ = 0;
  unsigned long delayed_fsync_ = 0;
  // Rewrites.
  long long rewrites_ = 0;
  long long consecutive_failures_ = 0;
  bool last_rewrite_ok_ = true;
  long long last_rewrite_time_sec_ = -1;
  long long last_cow_size_ = 0;
  struct RewriteJob {
    SnapshotJob snap;
    std::string base_name;
    long long base_seq = 0;
    std::string incr_name;  // opened at the start ("" when the AOF is off)
  };
  std::unique_ptr<RewriteJob> rewrite_;
  bool rewrite_scheduled_ = false;
  bool wait_rewrite_ = false;  // on, but the first base is not written yet

  // The background fsync worker (started on first use).
  struct FsyncJob {
    int fd;
    bool close_after;
  };
  std::thread worker_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<FsyncJob> jobs_;
  bool stop_ = false;
  std::atomic<unsigned long> pending_jobs_{0};
  std::atomic<bool> bio_failed_{false};
  std::atomic<int64_t> slowest_bg_fsync_ms_{0};  // worker -> loop, see Cron
  std::atomic<int> bio_errno_{0};
};

}  // namespace vireo
