#include "persistence/snapshot_writer.h"

#include <utility>

namespace vireo {

SnapshotWriter::SnapshotWriter(Keyspace& ks, ChunkSink sink, SnapshotOptions opts)
    : ks_(ks),
      opts_(std::move(opts)),
      writer_(opts_.format == SnapshotFormat::kRdb ? sink : ChunkSink(), opts_.compress),
      cmds_(opts_.format == SnapshotFormat::kAofCommands ? std::move(sink) : ChunkSink()) {
  writer_.set_access(opts_.access, &ks_);
}

SnapshotWriter::SnapshotWriter(Keyspace& ks, RdbWriter::SpanChunkSink sink, SnapshotOptions opts)
    : ks_(ks), opts_(std::move(opts)), writer_(std::move(sink), opts_.compress), cmds_(ChunkSink()) {
  opts_.format = SnapshotFormat::kRdb;
  writer_.set_access(opts_.access, &ks_);
}

void SnapshotWriter::BeginImage() {
  if (opts_.format == SnapshotFormat::kRdb) {
    writer_.Header();
    writer_.StandardAux(opts_.now_ms / 1000, opts_.used_memory, opts_.aof_base, opts_.repl_id, opts_.repl_offset,
                        opts_.repl_stream_db);
    for (const std::string& code : opts_.functions) writer_.Function(code);
    return;
  }
  if (opts_.aof_timestamp) cmds_.Raw("#TS:" + std::to_string(opts_.now_ms / 1000) + "\r\n");
  for (const std::string& code : opts_.functions) cmds_.Command({"FUNCTION", "LOAD", code});
}

void SnapshotWriter::SelectDbOut(int db) {
  if (opts_.format == SnapshotFormat::kRdb) {
    writer_.SelectDb(db);
  } else {
    cmds_.Command({"SELECT", std::to_string(db)});
  }
  out_db_ = db;
}

void SnapshotWriter::FinishImage() {
  if (opts_.format == SnapshotFormat::kRdb) {
    writer_.Finish(opts_.checksum);
  } else {
    cmds_.Flush(true);
  }
}

uint64_t SnapshotWriter::BytesOut() const {
  return opts_.format == SnapshotFormat::kRdb ? writer_.written() : cmds_.written();
}

SnapshotWriter::~SnapshotWriter() {
  if (installed_) Abort();
}

void SnapshotWriter::Start(int64_t now_us) {
  start_us_ = now_us;
  next_key_us_ = 0;
  BeginImage();
  sizes_.resize(ks_.count());
  expires_.resize(ks_.count());
  for (int i = 0; i < ks_.count(); ++i) {
    sizes_[i] = ks_.db(i).size();
    expires_[i] = ks_.db(i).expires_size();
    keys_total_ += sizes_[i];
  }
  if (!opts_.live) return;
  // The point in time: from here every existing entry reads as unsaved.
  Entry::FlipSavedMark();
  ks_.set_preserver(this);
  installed_ = true;
}

void SnapshotWriter::Uninstall() {
  if (installed_ && ks_.preserver() == this) ks_.set_preserver(nullptr);
  installed_ = false;
}

void SnapshotWriter::WriteEntry(int db, Entry* e) {
  if (opts_.live) e->mark_snapshot_saved();
  if (!error_.empty()) return;
  if (db != out_db_) SelectDbOut(db);
  if (opts_.format == SnapshotFormat::kRdb) {
    writer_.KeyValue(e);
    writer_.MaybeFlush();
  } else {
    WriteAofKeyCommands(cmds_, e);
  }
  ++keys_written_;
}

void SnapshotWriter::Preserve(int db, Entry* e) {
  const uint64_t before = BytesOut();
  WriteEntry(db, e);
  preserved_bytes_ += BytesOut() - before;
}

bool SnapshotWriter::Step(int64_t deadline_us, const std::function<int64_t()>& now_us) {
  if (done_) return true;
  if (!error_.empty()) return false;
  int steps = 0;
  while (db_ < ks_.count()) {
    if (opts_.key_delay != 0) {
      // One key per key_delay (microseconds, or nanoseconds when negative).
      const int64_t now = now_us();
      const int64_t per_key_ns = opts_.key_delay > 0 ? opts_.key_delay * 1000 : -opts_.key_delay;
      next_key_us_ = start_us_ + int64_t(keys_written_) * per_key_ns / 1000;
      if (now < next_key_us_) return false;
    }
    Database& d = ks_.db(db_);
    if (!walking_) {
      if (sizes_[db_] == 0) {
        ++db_;
        continue;
      }
      walking_ = true;
      cursor_ = 0;
      SelectDbOut(db_);
      // RESIZEDB is a sizing hint of the RDB format only.
      if (opts_.format == SnapshotFormat::kRdb) writer_.ResizeDb(sizes_[db_], expires_[db_]);
    }
    if (out_db_ != db_) SelectDbOut(db_);
    const int this_db = db_;
    cursor_ = d.keys().Scan(cursor_, [&](Entry* e) {
      if (!opts_.live || !e->snapshot_saved()) WriteEntry(this_db, e);
    });
    if (!error_.empty()) return false;
    if (cursor_ == 0) {
      ++db_;
      walking_ = false;
    }
    if (writer_.error() != 0) {
      error_ = "write error";
      return false;
    }
    if (deadline_us != 0 && (++steps & 15) == 0 && now_us() >= deadline_us) return false;
  }
  Uninstall();
  FinishImage();
  done_ = true;
  return true;
}

void SnapshotWriter::Abort() {
  if (!installed_) return;
  Uninstall();
  // Entries the walk had not reached still read as unsaved; mark them so the
  // invariant the next snapshot relies on (every entry saved) holds again.
  for (int i = 0; i < ks_.count(); ++i) {
    ks_.db(i).keys().ForEach([](Entry* e) {
      if (!e->snapshot_saved()) e->mark_snapshot_saved();
    });
  }
}

}  // namespace vireo
