#include "persistence/snapshot_job.h"

#include <chrono>
#include <thread>
#include <utility>

#include "base/clock.h"

namespace vireo {

namespace {
// One Step's work: what a client may wait behind a slice.
constexpr int64_t kSliceUs = 500;
// Bytes waiting for the disk before slices pause: the save's only extra
// memory besides the preserved keys' bytes in it (bench/bgsave_bench.py
// measures the peak). A disk that keeps up never lets the queue fill.
constexpr uint64_t kMaxQueued = 16ull << 20;
}  // namespace

SnapshotJob::~SnapshotJob() {
  if (!ended_) Abort();
}

bool SnapshotJob::Start(Keyspace& ks, SnapshotOptions opts, const std::string& temp_path,
                        const std::string& final_path, ChunkFileWriter::Kind kind, std::string* error) {
  file_ = std::make_unique<ChunkFileWriter>();
  const bool rdb = opts.format == SnapshotFormat::kRdb;
  // LZF and CRC-64 of an RDB image run on the file thread, not the loop's.
  if (rdb) file_->EncodeRdb(opts.compress, opts.checksum);
  if (!file_->Open(temp_path, final_path, kind, error)) {
    ended_ = true;
    return false;
  }
  start_ms_ = NowMs();
  ChunkFileWriter* file = file_.get();
  if (rdb) {
    snap_ = std::make_unique<SnapshotWriter>(
        ks,
        RdbWriter::SpanChunkSink(
            [file](std::string& chunk, std::vector<RawSpan>& spans, bool last) { file->Push(chunk, spans, last); }),
        std::move(opts));
  } else {
    snap_ = std::make_unique<SnapshotWriter>(ks, [file](std::string& chunk) { file->Push(chunk); }, std::move(opts));
  }
  snap_->Start(NowUs());
  return true;
}

SnapshotJob::Status SnapshotJob::Fail(const std::string& error) {
  error_ = error;
  Abort();
  return Status::kFailed;
}

SnapshotJob::Status SnapshotJob::Step(int64_t* wake_at_ms) {
  *wake_at_ms = 0;
  if (finishing_) {
    switch (file_->Poll()) {
      case ChunkFileWriter::State::kRunning:
        *wake_at_ms = NowMs() + 1;
        return Status::kRunning;
      case ChunkFileWriter::State::kDone:
        ended_ = true;
        return Status::kDone;
      case ChunkFileWriter::State::kFailed:
        return Fail(file_->error());
    }
  }
  if (file_->Poll() == ChunkFileWriter::State::kFailed) return Fail(file_->error());
  if (file_->pending_bytes() > kMaxQueued) {
    *wake_at_ms = NowMs() + 1;
    return Status::kRunning;
  }
  if (snap_->Step(NowUs() + kSliceUs, [] { return NowUs(); })) {
    file_->Finish();
    finishing_ = true;
    *wake_at_ms = NowMs() + 1;
    return Status::kRunning;
  }
  if (snap_->failed()) return Fail(snap_->error());
  const int64_t next_key_us = snap_->next_key_time_us();
  if (next_key_us > NowUs()) *wake_at_ms = next_key_us / 1000 + 1;
  return Status::kRunning;
}

void SnapshotJob::Abort() {
  ended_ = true;
  if (snap_) snap_->Abort();
  if (file_) file_->Cancel();
}

bool WriteSnapshotFile(Keyspace& ks, SnapshotOptions opts, const std::string& temp_path,
                       const std::string& final_path, ChunkFileWriter::Kind kind, std::string* error) {
  opts.live = false;
  ChunkFileWriter file;
  const bool rdb = opts.format == SnapshotFormat::kRdb;
  if (rdb) file.EncodeRdb(opts.compress, opts.checksum);  // in parallel with the walk
  if (!file.Open(temp_path, final_path, kind, error)) return false;
  // Nothing else runs meanwhile: wait for the disk rather than queue the
  // whole image in memory.
  auto wait_for_room = [&file] {
    while (file.pending_bytes() > kMaxQueued && file.Poll() == ChunkFileWriter::State::kRunning) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  };
  std::unique_ptr<SnapshotWriter> writer;
  if (rdb) {
    writer = std::make_unique<SnapshotWriter>(
        ks,
        RdbWriter::SpanChunkSink([&](std::string& chunk, std::vector<RawSpan>& spans, bool last) {
          wait_for_room();
          file.Push(chunk, spans, last);
        }),
        std::move(opts));
  } else {
    writer = std::make_unique<SnapshotWriter>(ks, [&](std::string& chunk) {
      wait_for_room();
      file.Push(chunk);
    }, std::move(opts));
  }
  SnapshotWriter& snap = *writer;
  snap.Start(0);
  if (!snap.Step(0, [] { return int64_t(0); })) {
    *error = snap.error();
    file.Cancel();
    return false;
  }
  file.Finish();
  if (file.Wait() != ChunkFileWriter::State::kDone) {
    *error = file.error();
    return false;
  }
  return true;
}

}  // namespace vireo
