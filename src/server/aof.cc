#include "server/aof.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/clock.h"
#include "base/log.h"
#include "base/memory_accounting.h"
#include "persistence/aof_reader.h"
#include "persistence/aof_rewrite.h"
#include "persistence/rdb_file.h"
#include "persistence/rdb_input.h"
#include "persistence/rdb_reader.h"
#include "scripting/function_libraries.h"
#include "server/client.h"
#include "server/script_runner.h"
#include "server/server.h"

namespace vireo {

namespace {

constexpr int kFsyncAlways = 0, kFsyncEverysec = 1;
// Redis's AOF_WRITE_LOG_ERROR_RATE: one write-error log line per 30 s.
constexpr int64_t kWriteErrorLogRate = 30;
// The AOF loader's pseudo-client id (Redis's CLIENT_ID_AOF is UINT64_MAX).
constexpr uint64_t kAofClientId = UINT64_MAX;

bool FileExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool ReadWholeFile(const std::string& path, std::string* out) {
  FILE* f = fopen(path.c_str(), "r");
  if (!f) return false;
  char buf[65536];
  size_t n;
  out->clear();
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0) out->append(buf, n);
  const bool ok = !ferror(f);
  fclose(f);
  return ok;
}

}  // namespace

Aof::Aof(Server& server) : server_(server) {}

Aof::~Aof() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  if (fd_ >= 0) close(fd_);
}

// ---- paths ----

std::string Aof::DirPath() const {
  const std::string& dir = server_.cfg().dir;
  const std::string& sub = server_.cfg().appenddirname;
  return dir.empty() ? sub : dir + "/" + sub;
}

std::string Aof::PathOf(const std::string& name) const { return DirPath() + "/" + name; }

long long Aof::FileSize(const std::string& name) const {
  struct stat st;
  if (stat(PathOf(name).c_str(), &st) != 0) return 0;
  return (long long)st.st_size;
}

// ---- the sink ----

void Aof::Feed(int, std::string_view resp) {
  // Waiting for the first base of CONFIG SET appendonly yes (a BGSAVE runs):
  // the base will hold this command, as Redis drops it then too.
  if (wait_rewrite_ && !rewrite_) return;
  if (server_.cfg().aof_timestamp_enabled) {
    const int64_t now = NowMs() / 1000;
    if (now > ts_last_sec_) {
      buf_ += "#TS:" + std::to_string(now) + "\r\n";
      ts_last_sec_ = now;
    }
  }
  buf_.append(resp);
}

// ---- writing and fsync ----

void Aof::BackgroundFsync(int fd, bool close_after) {
  if (!worker_.joinable()) worker_ = std::thread([this] { FsyncWorker(); });
  ++pending_jobs_;
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back({fd, close_after});
  }
  cv_.notify_one();
}

void Aof::FsyncWorker() {
  for (;;) {
    FsyncJob job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, nothing left
      job = jobs_.front();
      jobs_.pop_front();
    }
    const int64_t start_us = MonoUs();
    const int err = fdatasync(job.fd) == -1 ? errno : 0;
    const bool failed = err != 0 && err != EBADF && err != EINVAL;
    // The loop reports the slowest fsync since it last looked
    // (aof-fsync-background, Aof::Cron).
    const int64_t ms = (MonoUs() - start_us) / 1000;
    int64_t seen = slowest_bg_fsync_ms_.load();
    while (ms > seen && !slowest_bg_fsync_ms_.compare_exchange_weak(seen, ms)) {
    }
    if (failed) {
      bio_errno_ = err;
      bio_failed_ = true;
    } else {
      bio_failed_ = false;
    }
    if (job.close_after) close(job.fd);
    --pending_jobs_;
  }
}

void Aof::Flush(bool force) {
  if (fd_ < 0) return;
  const int policy = server_.cfg().appendfsync;
  const int64_t now = NowMs() / 1000;
  bool sync_in_progress = false;
  if (buf_.empty()) {
    // A quiet file still gets its everysec fsync once its data is written.
    if (policy == kFsyncEverysec && fsync_offset_ != current_size_ && now > last_fsync_sec_ &&
        !(sync_in_progress = pending_jobs_.load() != 0)) {
      goto try_fsync;
    }
    return;
  }
  if (policy == kFsyncEverysec) sync_in_progress = pending_jobs_.load() != 0;
  if (policy == kFsyncEverysec && !force && sync_in_progress) {
    // The disk is slow: wait up to two seconds before writing behind a running fsync.
    if (flush_postponed_start_ == 0) {
      flush_postponed_start_ = now;
      return;
    }
    if (now - flush_postponed_start_ < 2) return;
    ++delayed_fsync_;
    VLOG_NOTICE(
        "Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting for fsync "
        "to complete, this may slow down Redis.");
  }
  {
    flush_postponed_start_ = 0;
    if (flush_sleep_us_ > 0) [[unlikely]] usleep(useconds_t(flush_sleep_us_));  // DEBUG AOF-FLUSH-SLEEP
    const int64_t write_start = server_.LatencyStart();
    ssize_t written = 0;
    int err = 0;
    while (size_t(written) < buf_.size()) {
      ssize_t n = write(fd_, buf_.data() + written, buf_.size() - size_t(written));
      if (n < 0) {
        if (errno == EINTR) continue;
        err = errno;
        break;
      }
      if (n == 0) {
        err = ENOSPC;
        break;
      }
      written += n;
    }
    if (write_start) [[unlikely]] {
      // Redis's events for a slow write: behind a running fsync, beside a
      // snapshot (Redis: a child), or alone; "aof-write" gets them all.
      const int64_t ms = (MonoUs() - write_start) / 1000;
      server_.RecordLatency(sync_in_progress                   ? "aof-write-pending-fsync"
                            : server_.keyspace().preserver() ? "aof-write-active-child"
                                                               : "aof-write-alone",
                            ms);
      server_.RecordLatency("aof-write", ms);
    }
    if (size_t(written) != buf_.size()) {
      const bool can_log = now - last_write_error_log_ > kWriteErrorLogRate;
      if (can_log) last_write_error_log_ = now;
      if (written == 0) {
        if (can_log) VLOG_WARNING("Error writing to the AOF file: %s", strerror(err));
        last_write_errno_ = err;
      } else {
        if (can_log) {
          VLOG_WARNING("Short write while writing to the AOF file: (nwritten=%lld, expected=%lld)",
                       (long long)written, (long long)buf_.size());
        }
        if (ftruncate(fd_, last_incr_size_) == -1) {
          if (can_log) {
            VLOG_WARNING(
                "Could not remove short write from the append-only file.  Redis may refuse to load the AOF the next "
                "time it starts.  ftruncate: %s",
                strerror(errno));
          }
        } else {
          written = 0;  // nothing partial is left in the file
        }
        last_write_errno_ = ENOSPC;
      }
      if (policy == kFsyncAlways) {
        // The replies are already built and the dataset changed: with the
        // promise that acknowledged writes are on disk, stop here (Redis).
        VLOG_WARNING("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
        _exit(1);
      }
      last_write_ok_ = false;
      if (written > 0) {
        current_size_ += written;
        last_incr_size_ += written;
        buf_.erase(0, size_t(written));
      }
      return;  // tried again from the cron
    }
    if (!last_write_ok_) {
      VLOG_WARNING("AOF write error looks solved, Redis can write again.");
      last_write_ok_ = true;
    }
    current_size_ += written;
    last_incr_size_ += written;
    if (buf_.capacity() > (1 << 20)) {
      std::string().swap(buf_);
    } else {
      buf_.clear();
    }
  }
try_fsync:
  if (policy == kFsyncAlways) {
    const int64_t fsync_start = server_.LatencyStart();
    if (fdatasync(fd_) == -1) {
      VLOG_WARNING("Can't persist append-only file: %s, AOF fsync policy is 'always'. Exiting...", strerror(errno));
      _exit(1);
    }
    server_.LatencyEnd("aof-fsync-always", fsync_start);
    fsync_offset_ = current_size_;
    last_fsync_sec_ = now;
  } else if (policy == kFsyncEverysec && now > last_fsync_sec_) {
    if (!sync_in_progress) {
      BackgroundFsync(fd_, false);
      fsync_offset_ = current_size_;
    }
    last_fsync_sec_ = now;
  }
}

void Aof::BeforeSleep() {
  if (rewrite_) RewriteStep();
  if (on_) Flush(false);
}

void Aof::Cron(int64_t now_ms) {
  // A scheduled rewrite starts once no other snapshot runs (Redis: no child).
  if (!rewrite_ && rewrite_scheduled_ && !server_.keyspace().preserver()) {
    std::string error;
    StartRewrite(&error);
  }
  if (const int64_t ms = slowest_bg_fsync_ms_.exchange(0)) server_.RecordLatency("aof-fsync-background", ms);
  if (!on_) return;
  if (flush_postponed_start_) Flush(false);
  if (write_failing() && now_ms - last_error_retry_ms_ >= 1000) {
    last_error_retry_ms_ = now_ms;
    Flush(false);
    // A failed background fsync is retried by the next everysec fsync.
  }
  const ServerConfig& c = server_.cfg();
  // Redis's rule: not while any child runs (here: any snapshot).
  if (!rewrite_ && !rewrite_scheduled_ && !server_.keyspace().preserver() && c.auto_aof_rewrite_percentage &&
      current_size_ > c.auto_aof_rewrite_min_size) {
    long long base = base_size_ ? base_size_ : 1;
    long long growth = (current_size_ * 100 / base) - 100;
    if (growth >= c.auto_aof_rewrite_percentage) {
      VLOG_NOTICE("Starting automatic rewriting of AOF on %lld%% growth", growth);
      std::string error;
      StartRewrite(&error);
    }
  }
}

void Aof::FlushForShutdown() {
  if (!on_ || fd_ < 0) return;
  VLOG_NOTICE("Calling fsync() on the AOF file.");
  Flush(true);
  fdatasync(fd_);
}

std::string Aof::MisconfError() const {
  int err = last_write_ok_ ? bio_errno_.load() : last_write_errno_;
  return std::string("MISCONF Errors writing to the AOF file: ") + strerror(err);
}

Aof::Info Aof::info() const {
  Info i;
  i.enabled = on_;
  i.rewrite_in_progress = rewrite_ != nullptr;
  i.rewrite_scheduled = rewrite_scheduled_;
  i.current_rewrite_time_sec = rewrite_ ? (NowMs() - rewrite_->snap.start_ms()) / 1000 : -1;
  i.last_cow_size = last_cow_size_;
  i.last_rewrite_time_sec = last_rewrite_time_sec_;
  i.rewrites = rewrites_;
  i.consecutive_failures = consecutive_failures_;
  i.last_rewrite_ok = last_rewrite_ok_;
  i.last_write_ok = last_write_ok_ && !bio_failed_.load();
  i.current_size = current_size_;
  i.base_size = base_size_;
  i.buffer_length = buf_.size();
  i.pending_bio_fsync = pending_jobs_.load();
  i.delayed_fsync = delayed_fsync_;
  return i;
}

// ---- manifest and files ----

bool Aof::PersistManifest(const AofManifest& m, std::string* error) {
  const std::string name = AofManifestName(server_.cfg().appendfilename);
  const std::string tmp = PathOf("temp-" + name);
  const std::string final_path = PathOf(name);
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = "Can't open the AOF manifest file " + tmp + ": " + strerror(errno);
    VLOG_WARNING("%s", error->c_str());
    return false;
  }
  const std::string text = m.Format();
  if (!WriteAll(fd, text.data(), text.size()) || fsync(fd) != 0) {
    *error = "Can't persist the AOF manifest file " + tmp + ": " + strerror(errno);
    VLOG_WARNING("%s", error->c_str());
    close(fd);
    unlink(tmp.c_str());
    return false;
  }
  close(fd);
  if (rename(tmp.c_str(), final_path.c_str()) != 0) {
    *error = "Error trying to rename the temporary AOF manifest file " + tmp + " into " + final_path + ": " +
             strerror(errno);
    VLOG_WARNING("%s", error->c_str());
    unlink(tmp.c_str());
    return false;
  }
  FsyncDirectoryOf(final_path);
  return true;
}

void Aof::DeleteHistory() {
  if (server_.cfg().aof_disable_auto_gc || manifest_.history.empty()) return;
  for (const AofFileInfo& f : manifest_.history) {
    VLOG_NOTICE("Removing the history file %s in the background", f.name.c_str());
    unlink(PathOf(f.name).c_str());
  }
  manifest_.history.clear();
  std::string error;
  PersistManifest(manifest_, &error);
}

SnapshotOptions Aof::BaseOptions(bool live) const {
  const ServerConfig& c = server_.cfg();
  SnapshotOptions o;
  o.format = c.aof_use_rdb_preamble ? SnapshotFormat::kRdb : SnapshotFormat::kAofCommands;
  o.aof_base = true;
  o.aof_timestamp = c.aof_timestamp_enabled;
  o.compress = c.rdbcompression;
  o.checksum = c.rdbchecksum;
  o.now_ms = NowMs();
  o.used_memory = UsedMemory();
  o.key_delay = live ? c.rdb_key_save_delay : 0;  // Redis's rewrite child sleeps it too
  o.live = live;
  o.access = server_.RdbAccessOpcodes();  // an RDB preamble carries them as Redis's does
  for (const auto& [name, lib] : server_.scripts().functions().libraries()) o.functions.push_back(lib.code);
  return o;
}

std::string Aof::RewriteTempPath() const {
  return PathOf("temp-rewriteaof-bg-" + std::to_string(getpid()) + ".aof");
}

bool Aof::WriteBaseFile(const std::string& path, std::string* error) {
  return WriteSnapshotFile(server_.keyspace(), BaseOptions(false), RewriteTempPath(), path,
                           ChunkFileWriter::Kind::kAofBase, error);
}

bool Aof::OpenIncr(const std::string& name, bool fresh, std::string* error) {
  const int flags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | (fresh ? O_TRUNC : 0);
  int fd = open(PathOf(name).c_str(), flags, 0644);
  if (fd < 0) {
    *error = "Can't open the append-only file " + name + ": " + strerror(errno);
    VLOG_WARNING("%s", error->c_str());
    return false;
  }
  if (fd_ >= 0) BackgroundFsync(fd_, true);  // the old file: fsync and close off the loop
  fd_ = fd;
  last_incr_size_ = FileSize(name);
  server_.propagator().ForgetSelectedDb(this);
  return true;
}

void Aof::RewriteFailed() {
  VLOG_WARNING("Background AOF rewrite terminated with error");
  last_rewrite_ok_ = false;
  ++consecutive_failures_;
  // CONFIG SET appendonly yes waits for its first base: try again (Redis).
  if (wait_rewrite_) rewrite_scheduled_ = true;
}

bool Aof::StartRewrite(std::string* error) {
  rewrite_scheduled_ = false;
  const std::string dir = DirPath();
  const char* const kCant = "Can't execute an AOF background rewriting. Please check the server logs for more information.";
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    VLOG_WARNING("Can't open or create append-only dir %s: %s", dir.c_str(), strerror(errno));
    *error = kCant;
    RewriteFailed();
    return false;
  }
  auto job = std::make_unique<RewriteJob>();
  const std::string prefix = server_.cfg().appendfilename;
  job->base_seq = manifest_.curr_base_seq + 1;
  job->base_name = AofBaseName(prefix, job->base_seq, server_.cfg().aof_use_rdb_preamble);
  std::string werr;
  if (on_) {
    // What is buffered belongs to the old incremental file; from the point
    // in time on, commands go to a new one.
    Flush(true);
    AofManifest next = manifest_;
    job->incr_name = AofIncrName(prefix, ++next.curr_incr_seq);
    next.incr.push_back({job->incr_name, next.curr_incr_seq, 'i'});
    if (!wait_rewrite_ && !PersistManifest(next, &werr)) {
      *error = kCant;
      RewriteFailed();
      return false;
    }
    if (!OpenIncr(job->incr_name, true, &werr)) {
      if (!wait_rewrite_) PersistManifest(manifest_, &werr);  // as it was
      *error = kCant;
      RewriteFailed();
      return false;
    }
    manifest_ = std::move(next);
    // Anything a failed write left buffered ran before the point in time:
    // it is in the new base.
    buf_.clear();
    last_write_ok_ = true;
  }
  const int64_t start_latency = server_.LatencyStart();
  const bool started = job->snap.Start(server_.keyspace(), BaseOptions(true), RewriteTempPath(),
                                       PathOf(job->base_name), ChunkFileWriter::Kind::kAofBase, &werr);
  server_.LatencyEnd("snapshot-start", start_latency);
  if (!started) {
    VLOG_WARNING("%s", werr.c_str());
    *error = kCant;
    RewriteFailed();
    return false;
  }
  rewrite_ = std::move(job);
  VLOG_NOTICE("Background append only file rewriting started (in-process snapshot, no fork)");
  server_.loop().WakeSoon();
  return true;
}

void Aof::RewriteStep() {
  int64_t wake_at_ms = 0;
  const int64_t step_start = server_.LatencyStart();
  const SnapshotJob::Status status = rewrite_->snap.Step(&wake_at_ms);
  server_.LatencyEnd("snapshot-step", step_start);
  switch (status) {
    case SnapshotJob::Status::kRunning:
      if (wake_at_ms) {
        server_.loop().WakeBy(wake_at_ms);
      } else {
        server_.loop().WakeSoon();
      }
      return;
    case SnapshotJob::Status::kDone:
      return FinishRewrite(true, "");
    case SnapshotJob::Status::kFailed:
      return FinishRewrite(false, rewrite_->snap.error());
  }
}

void Aof::FinishRewrite(bool ok, const std::string& error) {
  std::unique_ptr<RewriteJob> job = std::move(rewrite_);
  last_rewrite_time_sec_ = (NowMs() - job->snap.start_ms()) / 1000;
  last_cow_size_ = (long long)job->snap.writer().preserved_bytes();
  if (!ok) {
    VLOG_WARNING("%s", error.c_str());
    RewriteFailed();
    return;
  }
  // The new base holds every incremental file but the one opened at the start.
  AofManifest next = manifest_;
  if (next.base) {
    next.base->type = 'h';
    next.history.push_back(*next.base);
  }
  next.base = AofFileInfo{job->base_name, job->base_seq, 'b'};
  next.curr_base_seq = job->base_seq;
  std::vector<AofFileInfo> keep;
  for (AofFileInfo f : next.incr) {
    if (on_ && f.name == job->incr_name) {
      keep.push_back(f);
    } else {
      f.type = 'h';
      next.history.push_back(f);
    }
  }
  next.incr = std::move(keep);
  std::string werr;
  // Redis's aof-rename: the switch to the new base on the loop (here the
  // manifest written, fsynced and renamed).
  const int64_t switch_start = server_.LatencyStart();
  const bool persisted = PersistManifest(next, &werr);
  server_.LatencyEnd("aof-rename", switch_start);
  if (!persisted) {
    unlink(PathOf(job->base_name).c_str());
    RewriteFailed();
    return;
  }
  manifest_ = std::move(next);
  wait_rewrite_ = false;
  base_size_ = FileSize(job->base_name);
  current_size_ = base_size_ + (on_ ? last_incr_size_ : 0);
  VLOG_NOTICE("Background AOF rewrite terminated with success");
  VLOG_NOTICE("Successfully renamed the temporary AOF base file %s", job->base_name.c_str());
  DeleteHistory();
  VLOG_NOTICE("Background AOF rewrite finished successfully");
  ++rewrites_;
  consecutive_failures_ = 0;
  last_rewrite_ok_ = true;
}

void Aof::AbortRewrite() {
  if (!rewrite_) return;
  std::unique_ptr<RewriteJob> job = std::move(rewrite_);
  job->snap.Abort();
  VLOG_NOTICE("Background AOF rewrite stopped");
}

// ---- turning it on and off ----

bool Aof::Enable() {
  if (on_) return true;
  // A rewrite of the AOF while it was off is restarted with the new
  // incremental file (Redis kills that child too).
  if (rewrite_) AbortRewrite();
  on_ = true;
  wait_rewrite_ = true;
  std::string error;
  if (server_.keyspace().preserver()) {
    VLOG_WARNING(
        "AOF was enabled but there is already another background operation. An AOF background was scheduled to "
        "start when possible.");
    rewrite_scheduled_ = true;
  } else if (!StartRewrite(&error)) {
    on_ = false;
    wait_rewrite_ = false;
    rewrite_scheduled_ = false;
    VLOG_WARNING(
        "Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs "
        "for more info about the error.");
    return false;
  }
  last_fsync_sec_ = NowMs() / 1000;
  server_.AddPropagationSink(this);
  return true;
}

void Aof::Disable() {
  if (!on_) return;
  if (rewrite_) {
    VLOG_NOTICE("Killing running AOF rewrite child");
    AbortRewrite();
  }
  if (wait_rewrite_) rewrite_scheduled_ = false;
  wait_rewrite_ = false;
  Flush(true);
  if (fd_ >= 0) {
    if (fdatasync(fd_) == -1) {
      VLOG_WARNING("Fail to fsync the AOF file: %s", strerror(errno));
    } else {
      fsync_offset_ = current_size_;
      last_fsync_sec_ = NowMs() / 1000;
    }
    BackgroundFsync(fd_, true);  // closed by the worker, after any fsync it still runs on it
    fd_ = -1;
  }
  server_.RemovePropagationSink(this);
  on_ = false;
  last_incr_size_ = 0;
  buf_.clear();
}

// ---- loading ----

int Aof::LoadOne(const std::string& name, bool last_file) {
  const std::string path = PathOf(name);
  FILE* fp = fopen(path.c_str(), "r");
  if (!fp) {
    VLOG_WARNING("Fatal error: can't open the append log file %s for reading: %s", name.c_str(), strerror(errno));
    return -1;
  }
  struct stat st;
  if (fstat(fileno(fp), &st) == 0 && st.st_size == 0) {
    fclose(fp);
    return 2;
  }
  Server::LoadingState& loading = server_.loading();
  const uint64_t loaded_before = loading.loaded_bytes;
  char sig[5];
  if (fread(sig, 1, 5, fp) == 5 && memcmp(sig, "REDIS", 5) == 0) {
    const bool old_style = name == server_.cfg().appendfilename;
    VLOG_NOTICE(old_style ? "Reading RDB preamble from AOF file..." : "Reading RDB base file on AOF loading...");
    // The RDB part is read from the descriptor (the FILE's buffer is dropped by the fseeko after it).
    lseek(fileno(fp), 0, SEEK_SET);
    RdbInput in(fileno(fp), uint64_t(st.st_size));
    RdbLoadOptions opts;
    opts.limits = &server_.cfg();
    opts.now_ms = NowMs();
    opts.drop_expired = false;  // an AOF keeps what it holds, as Redis's preamble loading
    opts.verify_checksum = server_.cfg().rdbchecksum;
    opts.apply_functions = [this](const std::vector<std::string>& codes, std::string* err) {
      return server_.scripts().functions().Restore(codes, FunctionLibraries::RestorePolicy::kFlush, err);
    };
    opts.progress = [this, loaded_before](uint64_t offset) { server_.ProcessEventsWhileLoading(loaded_before + offset); };
    opts.progress_interval = uint64_t(server_.cfg().loading_process_events_interval_bytes);
    opts.key_delay = server_.cfg().key_load_delay;
    RdbLoadResult result;
    if (!LoadRdb(in, server_.keyspace(), opts, &result)) {
      VLOG_WARNING("%s", result.error.c_str());
      VLOG_WARNING(old_style ? "Error reading the RDB preamble of the AOF file %s, AOF loading aborted"
                             : "Error reading the RDB base file %s, AOF loading aborted",
                   name.c_str());
      fclose(fp);
      return -1;
    }
    if (fseeko(fp, off_t(in.offset()), SEEK_SET) != 0) {
      fclose(fp);
      return -1;
    }
    loading.loaded_bytes = loaded_before + in.offset();
    if (old_style) VLOG_NOTICE("Reading the remaining AOF tail...");
  } else if (fseeko(fp, 0, SEEK_SET) != 0) {
    fclose(fp);
    return -1;
  }

  Client client(&server_, -1, kAofClientId, "", "");
  client.replaying = true;
  client.deny_blocking = true;
  client.user = server_.acl().default_user();  // (never checked: replays skip ACL, as Redis's AOF client)
  client.authenticated = true;
  AofReader reader(fp);
  reader.set_max_bulk(server_.cfg().proto_max_bulk_len > (1LL << 32) ? server_.cfg().proto_max_bulk_len : (1LL << 32));
  std::vector<std::string> argv;
  std::vector<std::string_view> views;
  long long valid_before_multi = 0;
  long loops = 0;
  int ret = 0;
  AofReader::Status st_read;
  for (;;) {
    if (!(loops++ % 1024)) {
      long long pos = ftello(fp);
      server_.ProcessEventsWhileLoading(loaded_before + uint64_t(pos > 0 ? pos : 0));
    }
    const long long before_command = reader.valid_up_to();
    st_read = reader.Next(&argv);
    if (st_read != AofReader::Status::kCommand) break;
    views.assign(argv.begin(), argv.end());
    if (EqualsNoCase(views[0], "multi")) valid_before_multi = before_command;
    std::string error;
    if (!server_.ExecuteReplayed(&client, views, &error)) {
      VLOG_WARNING("%s reading the append only file %s", error.c_str(), name.c_str());
      fclose(fp);
      return -1;
    }
    client.reply.buffer().clear();
  }
  long long valid_up_to = reader.valid_up_to();
  bool truncated = false;
  switch (st_read) {
    case AofReader::Status::kEnd:
      if (client.multi.active) {
        VLOG_WARNING("Revert incomplete MULTI/EXEC transaction in AOF file %s", name.c_str());
        valid_up_to = valid_before_multi;
        truncated = true;
      }
      break;
    case AofReader::Status::kTruncated:
      truncated = true;
      break;
    case AofReader::Status::kReadError:
      VLOG_WARNING("Unrecoverable error reading the append only file %s: %s", name.c_str(), strerror(errno));
      fclose(fp);
      return -1;
    case AofReader::Status::kFormatError:
    default:
      VLOG_WARNING(
          "Bad file format reading the append only file %s: make a backup of your AOF file, then use "
          "./redis-check-aof --fix <filename.manifest>",
          name.c_str());
      fclose(fp);
      return -1;
  }
  fclose(fp);
  loading.loaded_bytes = loaded_before + uint64_t(st.st_size);
  if (!truncated) return ret;
  // The file ends inside a command (or a transaction).
  if (server_.cfg().aof_load_truncated) {
    VLOG_WARNING("!!! Warning: short read while loading the AOF file %s!!!", name.c_str());
    VLOG_WARNING("!!! Truncating the AOF %s at offset %llu !!!", name.c_str(), (unsigned long long)valid_up_to);
    if (valid_up_to < 0 || truncate(path.c_str(), valid_up_to) == -1) {
      if (valid_up_to < 0) {
        VLOG_WARNING("Last valid command offset is invalid");
      } else {
        VLOG_WARNING("Error truncating the AOF file %s: %s", name.c_str(), strerror(errno));
      }
    } else {
      VLOG_WARNING("AOF %s loaded anyway because aof-load-truncated is enabled", name.c_str());
      (void)last_file;
      return 1;
    }
  }
  VLOG_WARNING(
      "Unexpected end of file reading the append only file %s. You can: 1) Make a backup of your AOF file, then use "
      "./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' "
      "configuration option to yes and restart the server.",
      name.c_str());
  return -1;
}

bool Aof::LoadFiles(const AofManifest& m, bool* any, std::string* error) {
  *any = false;
  if (m.empty()) return true;
  // Every listed file must exist; their sizes are the loading total.
  long long total = 0;
  std::vector<std::pair<std::string, bool>> files;  // name, is base
  if (m.base) files.push_back({m.base->name, true});
  for (const AofFileInfo& f : m.incr) files.push_back({f.name, false});
  for (const auto& [name, is_base] : files) {
    struct stat st;
    if (stat(PathOf(name).c_str(), &st) != 0) {
      VLOG_WARNING("Unable to obtain the AOF file %s length. stat: %s", name.c_str(), strerror(errno));
      *error = "AOF file missing";
      return false;
    }
    total += st.st_size;
  }
  if (total == 0) return true;  // AOF_EMPTY
  *any = true;
  Server::LoadingState& loading = server_.loading();
  loading.active = true;
  loading.start_sec = NowMs() / 1000;
  loading.total_bytes = uint64_t(total);
  loading.loaded_bytes = 0;
  loading.last_log_ms = 0;
  // Loading never propagates nor counts as client commands.
  bool ok = true;
  for (size_t i = 0; i < files.size(); ++i) {
    const auto& [name, is_base] = files[i];
    const bool last = i + 1 == files.size();
    const int64_t start = NowUs();
    int r = LoadOne(name, last);
    if (r == 0 || (r == 1 && last)) {
      VLOG_NOTICE("DB loaded from %s file %s: %.3f seconds", is_base ? "base" : "incr", name.c_str(),
                  double(NowUs() - start) / 1e6);
    }
    if (r == 1 && !last) {
      VLOG_WARNING("Fatal error: the truncated file is not the last file");
      r = -1;
    }
    if (r < 0) {
      ok = false;
      break;
    }
  }
  loading.active = false;
  if (!ok) {
    *error = "AOF loading failed";
    return false;
  }
  current_size_ = total;
  base_size_ = m.base ? FileSize(m.base->name) : 0;
  fsync_offset_ = current_size_;
  return true;
}

bool Aof::StartAtBoot() {
  const ServerConfig& c = server_.cfg();
  const std::string dir = DirPath();
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    VLOG_WARNING("Can't open or create append-only dir %s: %s", dir.c_str(), strerror(errno));
    return false;
  }
  const std::string manifest_path = PathOf(AofManifestName(c.appendfilename));
  AofManifest m;
  if (FileExists(manifest_path)) {
    std::string text, error;
    if (!ReadWholeFile(manifest_path, &text)) {
      VLOG_WARNING("Fatal error: can't open the AOF manifest %s for reading: %s", manifest_path.c_str(),
                   strerror(errno));
      return false;
    }
    if (!AofManifest::Parse(text, &m, &error)) {
      VLOG_WARNING("%s", error.c_str());
      return false;
    }
  }
  // An AOF from before multi-part files (appendfilename in dir): it becomes the base, as Redis upgrades it.
  const std::string old_style = (c.dir.empty() ? "" : c.dir + "/") + c.appendfilename;
  if (FileExists(old_style) && m.empty()) {
    VLOG_NOTICE("Creating AOF base file %s on server start", c.appendfilename.c_str());
    if (rename(old_style.c_str(), PathOf(c.appendfilename).c_str()) != 0) {
      VLOG_WARNING("Error trying to rename the existing AOF to the new location: %s", strerror(errno));
      return false;
    }
    m.base = AofFileInfo{c.appendfilename, 1, 'b'};
    m.curr_base_seq = 1;
    std::string error;
    if (!PersistManifest(m, &error)) return false;
    VLOG_NOTICE("Successfully migrated an old-style AOF into the AOF directory %s.", c.appenddirname.c_str());
  }
  manifest_ = m;
  const int64_t start = NowUs();
  bool any = false;
  std::string error;
  if (!LoadFiles(manifest_, &any, &error)) return false;
  if (any) VLOG_NOTICE("DB loaded from append only file: %.3f seconds", double(NowUs() - start) / 1e6);

  on_ = true;
  // An empty start writes a base at once, so the directory is complete.
  if (!manifest_.base && manifest_.incr.empty()) {
    const std::string base_name = AofBaseName(c.appendfilename, ++manifest_.curr_base_seq, c.aof_use_rdb_preamble);
    if (!WriteBaseFile(PathOf(base_name), &error)) {
      VLOG_WARNING("%s", error.c_str());
      return false;
    }
    manifest_.base = AofFileInfo{base_name, manifest_.curr_base_seq, 'b'};
    VLOG_NOTICE("Creating AOF base file %s on server start", base_name.c_str());
    base_size_ = FileSize(base_name);
    current_size_ = base_size_;
  }
  const bool had_incr = !manifest_.incr.empty();
  if (!had_incr) {
    ++manifest_.curr_incr_seq;
    manifest_.incr.push_back({AofIncrName(c.appendfilename, manifest_.curr_incr_seq), manifest_.curr_incr_seq, 'i'});
  }
  const std::string incr_name = manifest_.incr.back().name;
  if (!OpenIncr(incr_name, !had_incr, &error)) return false;
  if (!PersistManifest(manifest_, &error)) return false;
  VLOG_NOTICE(had_incr ? "Opening AOF incr file %s on server start" : "Creating AOF incr file %s on server start",
              incr_name.c_str());
  DeleteHistory();
  last_fsync_sec_ = NowMs() / 1000;
  server_.AddPropagationSink(this);
  return true;
}

bool Aof::Reload(std::string* error) {
  if (on_) {
    Flush(true);
    if (fd_ >= 0) fdatasync(fd_);
  }
  server_.keyspace().FlushAll();
  server_.scripts().functions().Flush();
  bool any = false;
  const bool was_on = on_;
  if (was_on) server_.RemovePropagationSink(this);
  const bool ok = LoadFiles(manifest_, &any, error);
  if (was_on) {
    server_.AddPropagationSink(this);
    server_.propagator().ForgetSelectedDb(this);
  }
  if (!ok && error->empty()) *error = "Error loading the AOF";
  return ok;
}

}  // namespace vireo
