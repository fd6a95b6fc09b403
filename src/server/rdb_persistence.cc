// The node's side of RDB persistence: where the file lives, SAVE, start-up
// and DEBUG RELOAD loading, the save points checked by the cron, and the
// save a shutdown does. The format itself is in src/persistence.
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "base/clock.h"
#include "base/log.h"
#include "base/memory_accounting.h"
#include "engine/eviction.h"
#include "persistence/rdb_file.h"
#include "server/aof.h"
#include "server/script_runner.h"
#include "server/server.h"

namespace vireo {

std::string Server::RdbPath() const {
  const std::string& dir = cfg().dir;
  if (dir.empty()) return cfg().dbfilename;
  return dir + "/" + cfg().dbfilename;
}

RdbWriter::AccessOpcodes Server::RdbAccessOpcodes() const {
  const auto policy = static_cast<EvictionPolicy>(cfg().maxmemory_policy);
  if (IsLruPolicy(policy)) return RdbWriter::AccessOpcodes::kIdle;
  if (IsLfuPolicy(policy)) return RdbWriter::AccessOpcodes::kFreq;
  return RdbWriter::AccessOpcodes::kNone;
}

bool Server::SaveRdb(std::string* error) {
  if (bgsave_) AbortBgsave("a foreground save");
  const int64_t start = NowMs();
  rdb_.last_save_try_sec = start / 1000;
  RdbSaveOptions opts;
  opts.compress = cfg().rdbcompression;
  opts.checksum = cfg().rdbchecksum;
  opts.now_ms = start;
  opts.used_memory = UsedMemory();
  opts.access = RdbAccessOpcodes();
  for (const auto& [name, lib] : scripts().functions().libraries()) opts.functions.push_back(lib.code);
  int64_t repl_offset = 0;
  repl_->RdbReplInfo(&opts.repl_id, &repl_offset, &opts.repl_stream_db);
  opts.repl_offset = repl_offset;
  const uint64_t dirty_before = dirty_;
  if (!SaveRdbFile(keyspace_, RdbPath(), opts, error)) {
    VLOG_WARNING("%s", error->c_str());
    rdb_.last_save_ok = false;
    return false;
  }
  VLOG_NOTICE("DB saved on disk");
  rdb_.dirty_at_last_save = dirty_before;
  rdb_.lastsave_sec = NowMs() / 1000;
  rdb_.last_save_ok = true;
  return true;
}

bool Server::LoadRdb(std::string* error, bool* missing, bool serve_clients) {
  if (bgsave_) AbortBgsave("loading a dataset");
  repl_->AbortStreamedSync("loading a dataset");
  const int64_t start = NowMs();
  RdbLoadOptions opts;
  opts.limits = &cfg();
  opts.now_ms = start;
  opts.verify_checksum = cfg().rdbchecksum;
  opts.key_delay = cfg().key_load_delay;
  // The file's libraries replace the loaded ones, as Redis's load does.
  opts.apply_functions = [this](const std::vector<std::string>& codes, std::string* err) {
    return scripts().functions().Restore(codes, FunctionLibraries::RestorePolicy::kFlush, err);
  };
  if (serve_clients) {
    struct stat st;
    loading_.active = true;
    loading_.start_sec = start / 1000;
    loading_.total_bytes = stat(RdbPath().c_str(), &st) == 0 ? uint64_t(st.st_size) : 0;
    loading_.loaded_bytes = 0;
    loading_.last_log_ms = 0;
    opts.progress = [this](uint64_t offset) { ProcessEventsWhileLoading(offset); };
    opts.progress_interval = uint64_t(cfg().loading_process_events_interval_bytes);
  }
  RdbLoadResult result;
  const bool loaded = LoadRdbFile(RdbPath(), keyspace_, opts, &result, missing);
  loading_.active = false;
  if (!loaded) {
    *error = result.error;
    return false;
  }
  // A replica restarted from its own file continues its primary's history
  // from the offset the file records (PSYNC instead of a full resync).
  auto id = result.aux.find("repl-id");
  auto off = result.aux.find("repl-offset");
  if (id != result.aux.end() && off != result.aux.end()) {
    auto db = result.aux.find("repl-stream-db");
    repl_->RestoreFromRdb(id->second, std::strtoll(off->second.c_str(), nullptr, 10),
                          db == result.aux.end() ? 0 : int(std::strtol(db->second.c_str(), nullptr, 10)));
  }
  rdb_.last_load_keys_loaded = result.keys_loaded;
  rdb_.last_load_keys_expired = result.expired_skipped;
  auto it = result.aux.find("redis-ver");
  if (it != result.aux.end()) VLOG_NOTICE("Loading RDB produced by version %s", it->second.c_str());
  if (result.empty_skipped) VLOG_WARNING("Done loading RDB, empty keys skipped: %llu", (unsigned long long)result.empty_skipped);
  VLOG_NOTICE("Done loading RDB, keys loaded: %llu, keys expired: %llu.", (unsigned long long)result.keys_loaded,
              (unsigned long long)result.expired_skipped);
  VLOG_NOTICE("DB loaded from disk: %.3f seconds", double(NowMs() - start) / 1000.0);
  return true;
}

// ---- Background saves: a SnapshotJob (persistence/snapshot_job.h) written
// a slice before each sleep; the loop does not sleep while one runs.

bool Server::StartBgsave(std::string* error) {
  rdb_.saves++;  // rdb_saves counts attempts, as Redis counts its forks
  rdb_.bgsave_scheduled = false;
  auto job = std::make_unique<BgsaveJob>();
  job->dirty_at_start = dirty_;
  SnapshotOptions opts;
  opts.compress = cfg().rdbcompression;
  opts.checksum = cfg().rdbchecksum;
  opts.now_ms = NowMs();
  opts.used_memory = UsedMemory();
  opts.key_delay = cfg().rdb_key_save_delay;
  opts.access = RdbAccessOpcodes();
  for (const auto& [name, lib] : scripts().functions().libraries()) opts.functions.push_back(lib.code);
  int64_t repl_offset = 0;
  repl_->RdbReplInfo(&opts.repl_id, &repl_offset, &opts.repl_stream_db);
  opts.repl_offset = repl_offset;
  const std::string path = RdbPath();
  rdb_.last_save_try_sec = NowMs() / 1000;
  const int64_t start_latency = LatencyStart();
  const bool started =
      job->snap.Start(keyspace_, std::move(opts), RdbTempPath(path), path, ChunkFileWriter::Kind::kRdb, error);
  LatencyEnd("snapshot-start", start_latency);  // Vireo's analogue of Redis's "fork"
  if (!started) {
    VLOG_WARNING("%s", error->c_str());
    rdb_.last_save_ok = false;
    return false;
  }
  bgsave_ = std::move(job);
  VLOG_NOTICE("Background saving started (in-process snapshot, no fork)");
  loop_.WakeSoon();
  return true;
}

void Server::BgsaveStep() {
  if (!bgsave_) {
    // BGSAVE SCHEDULE / inside EXEC: once no other snapshot runs.
    if (rdb_.bgsave_scheduled && !keyspace_.preserver()) {
      std::string error;
      StartBgsave(&error);
    }
    return;
  }
  int64_t wake_at_ms = 0;
  const int64_t step_start = LatencyStart();
  const SnapshotJob::Status status = bgsave_->snap.Step(&wake_at_ms);
  LatencyEnd("snapshot-step", step_start);
  switch (status) {
    case SnapshotJob::Status::kRunning:
      if (wake_at_ms) {
        loop_.WakeBy(wake_at_ms);
      } else {
        loop_.WakeSoon();
      }
      return;
    case SnapshotJob::Status::kDone:
      return FinishBgsave(true, "");
    case SnapshotJob::Status::kFailed:
      return FinishBgsave(false, bgsave_->snap.error());
  }
}

void Server::FinishBgsave(bool ok, const std::string& error) {
  std::unique_ptr<BgsaveJob> job = std::move(bgsave_);
  const int64_t now = NowMs();
  rdb_.last_save_duration_sec = (now - job->snap.start_ms()) / 1000;
  rdb_.last_cow_size = job->snap.writer().preserved_bytes();
  if (ok) {
    VLOG_NOTICE("Background saving terminated with success");
    rdb_.dirty_at_last_save = job->dirty_at_start;
    rdb_.lastsave_sec = now / 1000;
    rdb_.last_save_ok = true;
  } else {
    VLOG_WARNING("Background saving error: %s", error.c_str());
    rdb_.last_save_ok = false;
    rdb_.last_save_try_sec = now / 1000;
  }
  job.reset();  // the snapshot is over: a sync may start the next one
  repl_->BgsaveEnded(ok, false, error);
}

void Server::AbortBgsave(const char* reason) {
  if (!bgsave_) return;
  std::unique_ptr<BgsaveJob> job = std::move(bgsave_);
  job->snap.Abort();
  // Like a child killed on purpose: not an error (rdb_last_bgsave_status stays).
  VLOG_NOTICE("Background saving stopped: %s", reason);
  job.reset();
  repl_->BgsaveEnded(false, true, reason);
}

Server::BgsaveProgress Server::bgsave_progress() const {
  // Redis's current_* fields describe whichever child runs: here the BGSAVE
  // or the AOF rewrite, never both.
  BgsaveProgress p;
  const SnapshotJob* job = bgsave_ ? &bgsave_->snap : aof_->rewrite_job();
  if (!job) return p;
  p.elapsed_sec = (NowMs() - job->start_ms()) / 1000;
  p.keys_processed = job->writer().keys_written();
  p.keys_total = job->writer().keys_total();
  p.preserved_bytes = job->writer().preserved_bytes();
  return p;
}

void Server::RdbCron(int64_t now_ms) {
  const int64_t now = now_ms / 1000;
  const uint64_t changes = changes_since_save();
  for (const auto& [seconds, min_changes] : cfg().save_params) {
    // After a failed save, wait 5 seconds before trying again (Redis's
    // CONFIG_BGSAVE_RETRY_DELAY).
    if (changes >= uint64_t(min_changes) && now - rdb_.lastsave_sec > seconds &&
        (now - rdb_.last_save_try_sec > 5 || rdb_.last_save_ok)) {
      if (bgsave_ || keyspace_.preserver()) break;  // one snapshot at a time, as Redis one child
      VLOG_NOTICE("%lld changes in %lld seconds. Saving...", (long long)min_changes, (long long)seconds);
      std::string error;
      StartBgsave(&error);
      break;
    }
  }
}

bool Server::PrepareForShutdown(bool save, bool nosave, bool force, std::string* error) {
  if (bgsave_) {
    VLOG_WARNING("There is a child saving an .rdb. Killing it!");
    AbortBgsave("shutdown");
  }
  // The AOF we have holds the whole dataset anyway, unless the first base
  // of CONFIG SET appendonly yes is still being written (Redis's rule).
  if (aof_->rewrite_in_progress()) {
    if (aof_->writing_initial_base()) {
      if (!force) {
        VLOG_WARNING("Writing initial AOF, can't exit.");
        *error = "Errors trying to SHUTDOWN. Check logs.";
        return false;
      }
      VLOG_WARNING("Writing initial AOF. Exit anyway.");
    }
    VLOG_WARNING("There is a child rewriting the AOF. Killing it!");
    aof_->AbortRewrite();
  }
  if (nosave || (!save && cfg().save_params.empty())) return true;
  VLOG_NOTICE("Saving the final RDB snapshot before exiting.");
  if (SaveRdb(error)) return true;
  if (force) {
    VLOG_WARNING("Error trying to save the DB. Exit anyway.");
    return true;
  }
  VLOG_WARNING("Error trying to save the DB, can't exit.");
  return false;
}

}  // namespace vireo
