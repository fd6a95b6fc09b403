// SnapshotWriter: a point-in-time RDB image of a Keyspace, written a slice at
// a time while commands keep running, without fork and without a second copy
// of the data.
//
// How it stays point-in-time: Start() flips the entries' snapshot mark (see
// Entry::SavedMark), so every entry that exists at that moment reads as "not
// saved" and every entry created later as "saved". Step() walks each
// database's table with the scan cursor and writes the unsaved entries it
// meets, marking them. Before anything changes, replaces or drops an unsaved
// entry, the Database calls Preserve() (this class is the keyspace's
// EntryPreserver while it runs), which writes the entry's current -- still
// original -- value first. So each key is written exactly once, as it was at
// Start(), and the only extra memory is the output buffer: copy-on-write per
// key, not per page, and no fork.
//
// Keys written by Preserve() come out of order (a SELECTDB precedes them when
// the database differs); RDB loaders, Redis's included, accept any number of
// SELECTDB opcodes, and RESIZEDB is only a sizing hint.
//
// The image is an RDB file (a dump file, an AOF's RDB preamble base, a full
// sync's payload) or, for an AOF base with aof-use-rdb-preamble no, the
// commands that rebuild the dataset (persistence/aof_rewrite.h); either way
// each key is independent of the others, so keys written early are fine.
// The bytes go to a sink in chunks (RdbWriter's chunk mode): a file written
// by a background thread (ChunkFileWriter, which also does the RDB's LZF
// compression and CRC-64 for it: RdbWriter's deferred mode), a buffer, or a
// socket.
// Thread rule: the keyspace's thread only (it reads live entries).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/keyspace.h"
#include "persistence/aof_rewrite.h"
#include "persistence/rdb_writer.h"

namespace vireo {

enum class SnapshotFormat { kRdb, kAofCommands };

struct SnapshotOptions {
  SnapshotFormat format = SnapshotFormat::kRdb;
  bool aof_timestamp = false;  // kAofCommands: a "#TS:" annotation first (aof-timestamp-enabled)
  bool compress = true;  // rdbcompression
  bool checksum = true;  // rdbchecksum
  int64_t now_ms = 0;
  uint64_t used_memory = 0;
  bool aof_base = false;  // the aof-base AUX field (an AOF's RDB preamble)
  // Replication AUX fields (repl-stream-db, repl-id, repl-offset); none
  // when repl_id is empty.
  std::string repl_id;
  long long repl_offset = 0;
  int repl_stream_db = 0;
  // Function library codes, written after the AUX fields, before the keys
  // (FUNCTION LOAD commands in the command form).
  std::vector<std::string> functions;
  // rdb-key-save-delay: microseconds per key (negative: nanoseconds), which
  // Redis sleeps in its child; here the snapshot writes keys no faster.
  int64_t key_delay = 0;
  // false: nothing runs while the image is written (SAVE, SHUTDOWN), so it
  // walks the tables once without marks or preserving. true needs that this
  // is the only keyspace on its thread that live snapshots are taken of:
  // the marks' meaning is per thread.
  bool live = true;
  // LRU/LFU opcodes per key (rdb_writer.h), from the maxmemory-policy.
  RdbWriter::AccessOpcodes access = RdbWriter::AccessOpcodes::kNone;
};

class SnapshotWriter : public EntryPreserver {
 public:
  using ChunkSink = RdbWriter::ChunkSink;
  SnapshotWriter(Keyspace& ks, ChunkSink sink, SnapshotOptions opts);
  // An RDB image (opts.format kRdb) in deferred chunks: the sink's owner
  // compresses and checksums them (rdb_chunk_encoder.h), off this thread.
  SnapshotWriter(Keyspace& ks, RdbWriter::SpanChunkSink sink, SnapshotOptions opts);
  ~SnapshotWriter() override;
  SnapshotWriter(const SnapshotWriter&) = delete;
  SnapshotWriter& operator=(const SnapshotWriter&) = delete;

  // Writes the header, takes the point in time and starts preserving.
  void Start(int64_t now_us);
  // Writes keys until now_us() passes deadline_us (checked every few keys;
  // 0 = no deadline). True when the image is complete: the EOF opcode and
  // checksum have gone to the sink and nothing is preserved any more.
  // False with failed() when the image cannot be written (see error()).
  bool Step(int64_t deadline_us, const std::function<int64_t()>& now_us);
  // Stops: the rest of the image is never written. Marks every entry the
  // snapshot had not reached, so the next snapshot starts right.
  void Abort();

  bool done() const { return done_; }
  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  uint64_t keys_total() const { return keys_total_; }
  uint64_t keys_written() const { return keys_written_; }
  // Bytes written on behalf of commands about to change a key (the
  // equivalent of a fork's copy-on-write size).
  uint64_t preserved_bytes() const { return preserved_bytes_; }
  uint64_t bytes_written() const { return BytesOut(); }
  // The earliest time the next key may be written under key_delay (0: now).
  int64_t next_key_time_us() const { return next_key_us_; }

  void Preserve(int db, Entry* e) override;

 private:
  void WriteEntry(int db, Entry* e);
  void Uninstall();
  // The format's pieces (RDB records or commands).
  void BeginImage();
  void SelectDbOut(int db);
  void FinishImage();
  uint64_t BytesOut() const;

  Keyspace& ks_;
  SnapshotOptions opts_;
  RdbWriter writer_;       // kRdb
  AofCommandOutput cmds_;  // kAofCommands
  std::vector<uint64_t> sizes_;    // per database at Start
  std::vector<uint64_t> expires_;  // per database at Start
  int db_ = 0;                     // database being walked
  bool walking_ = false;           // its scan has begun
  uint64_t cursor_ = 0;
  int out_db_ = -1;                // the database the last SELECTDB named
  bool installed_ = false;
  bool done_ = false;
  std::string error_;
  uint64_t keys_total_ = 0;
  uint64_t keys_written_ = 0;
  uint64_t preserved_bytes_ = 0;
  int64_t start_us_ = 0;
  int64_t next_key_us_ = 0;
};

}  // namespace vireo
