// The node's side of RDB persistence: where the file lives, SAVE, start-up
// and DEBUG RELOAD loading, the save points checked by the cron, and the
// save a shutdown does. The format itself is in src/persistence.
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "base/clock.h"
#include "base/log.h"
#include "base/memory_accounting.h"
#include "engine/eviction.h"
#include "persistence/rdb_file.h"
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

bool Server::LoadRdb(std::string* error, bool* missing) {
  if (bgsave_) AbortBgsave("loading a dataset");
  const int64_t start = NowMs();
  RdbLoadOptions opts;
  opts.limits = &cfg();
  opts.now_ms = start;
  opts.verify_checksum = cfg().rdbchecksum;
  // The file's libraries replace the loaded ones, as Redis's load does.
  opts.apply_functions = [this](const std::vector<std::string>& codes, std::string* err) {
    return scripts().functions().Restore(codes, FunctionLibraries::RestorePolicy::kFlush, err);
  };
  RdbLoadResult result;
  if (!LoadRdbFile(RdbPath(), keyspace_, opts, &result, missing)) {
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

// ---- Background saves. The image is written by a SnapshotWriter in slices
// before each sleep (the loop does not sleep while one runs), its chunks
// handed to a ChunkFileWriter thread that writes, fsyncs and renames, so
// the loop never waits on the disk. A slice is short, so clients wait at
// most that long for their turn; when the file thread falls behind, slices
// pause instead of growing the queue.
namespace {
constexpr int64_t kBgsaveSliceUs = 500;
constexpr uint64_t kBgsaveMaxQueued = 64ull << 20;
}  // namespace

bool Server::StartBgsave(std::string* error) {
  rdb_.saves++;  // rdb_saves counts attempts, as Redis counts its forks
  auto job = std::make_unique<BgsaveJob>();
  job->file = std::make_unique<ChunkFileWriter>();
  const std::string path = RdbPath();
  if (!job->file->Open(RdbTempPath(path), path, error)) {
    VLOG_WARNING("%s", error->c_str());
    rdb_.last_save_ok = false;
    rdb_.last_save_try_sec = NowMs() / 1000;
    return false;
  }
  job->start_ms = NowMs();
  job->dirty_at_start = dirty_;
  SnapshotOptions opts;
  opts.compress = cfg().rdbcompression;
  opts.checksum = cfg().rdbchecksum;
  opts.now_ms = job->start_ms;
  opts.used_memory = UsedMemory();
  opts.key_delay = cfg().rdb_key_save_delay;
  opts.access = RdbAccessOpcodes();
  for (const auto& [name, lib] : scripts().functions().libraries()) opts.functions.push_back(lib.code);
  int64_t repl_offset = 0;
  repl_->RdbReplInfo(&opts.repl_id, &repl_offset, &opts.repl_stream_db);
  opts.repl_offset = repl_offset;
  ChunkFileWriter* file = job->file.get();
  job->snap = std::make_unique<SnapshotWriter>(keyspace_, [file](std::string& chunk) { file->Push(chunk); },
                                               std::move(opts));
  job->snap->Start(NowUs());
  rdb_.last_save_try_sec = job->start_ms / 1000;
  rdb_.bgsave_scheduled = false;
  bgsave_ = std::move(job);
  VLOG_NOTICE("Background saving started (in-process snapshot, no fork)");
  loop_.WakeSoon();
  return true;
}

void Server::BgsaveStep() {
  if (!bgsave_) {
    if (rdb_.bgsave_scheduled) {
      std::string error;
      StartBgsave(&error);
    }
    return;
  }
  BgsaveJob& job = *bgsave_;
  if (job.finishing) {
    switch (job.file->Poll()) {
      case ChunkFileWriter::State::kRunning:
        loop_.WakeBy(NowMs() + 1);
        return;
      case ChunkFileWriter::State::kDone:
        return FinishBgsave(true, "");
      case ChunkFileWriter::State::kFailed:
        return FinishBgsave(false, job.file->error());
    }
  }
  if (job.file->Poll() == ChunkFileWriter::State::kFailed) return FinishBgsave(false, job.file->error());
  if (job.file->pending_bytes() > kBgsaveMaxQueued) {
    loop_.WakeBy(NowMs() + 1);
    return;
  }
  const int64_t now = NowUs();
  if (job.snap->Step(now + kBgsaveSliceUs, [] { return NowUs(); })) {
    job.file->Finish();
    job.finishing = true;
    loop_.WakeBy(NowMs() + 1);
    return;
  }
  if (job.snap->failed()) return FinishBgsave(false, job.snap->error());
  const int64_t next_key_us = job.snap->next_key_time_us();
  if (next_key_us > NowUs()) {
    loop_.WakeBy(next_key_us / 1000 + 1);
  } else {
    loop_.WakeSoon();
  }
}

void Server::FinishBgsave(bool ok, const std::string& error) {
  std::unique_ptr<BgsaveJob> job = std::move(bgsave_);
  const int64_t now = NowMs();
  rdb_.last_save_duration_sec = (now - job->start_ms) / 1000;
  rdb_.last_cow_size = job->snap->preserved_bytes();
  if (ok) {
    VLOG_NOTICE("Background saving terminated with success");
    rdb_.dirty_at_last_save = job->dirty_at_start;
    rdb_.lastsave_sec = now / 1000;
    rdb_.last_save_ok = true;
  } else {
    job->snap->Abort();
    job->file->Cancel();
    VLOG_WARNING("Background saving error: %s", error.c_str());
    rdb_.last_save_ok = false;
    rdb_.last_save_try_sec = now / 1000;
  }
}

void Server::AbortBgsave(const char* reason) {
  if (!bgsave_) return;
  std::unique_ptr<BgsaveJob> job = std::move(bgsave_);
  job->snap->Abort();
  job->file->Cancel();
  // Like a child killed on purpose: not an error (rdb_last_bgsave_status stays).
  VLOG_NOTICE("Background saving stopped: %s", reason);
}

Server::BgsaveProgress Server::bgsave_progress() const {
  BgsaveProgress p;
  if (!bgsave_) return p;
  p.elapsed_sec = (NowMs() - bgsave_->start_ms) / 1000;
  p.keys_processed = bgsave_->snap->keys_written();
  p.keys_total = bgsave_->snap->keys_total();
  p.preserved_bytes = bgsave_->snap->preserved_bytes();
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
      if (bgsave_) break;
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
