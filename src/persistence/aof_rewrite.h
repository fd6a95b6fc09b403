// AOF base files: the whole dataset written as a new AOF base, either as an
// RDB preamble (aof-use-rdb-preamble yes) or as commands that rebuild it, the
// way Redis's rewriteAppendOnlyFileRio writes them: SELECT per database, SET,
// RPUSH/SADD/ZADD/HMSET in batches of 64 items, streams as XADD + XSETID +
// XGROUP CREATE + XCLAIM / XGROUP CREATECONSUMER, PEXPIREAT after a key with
// a TTL, FUNCTION LOAD for each library first.
// The walk over the keyspace, and the RDB preamble form, are SnapshotWriter's
// (persistence/snapshot_writer.h): this file holds the command encoding.
// Thread rule: runs on the thread that owns the keyspace.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/keyspace.h"
#include "persistence/rdb_writer.h"

namespace vireo {

// Buffered RESP command output handed in chunks to a sink (see
// RdbWriter::ChunkSink): a file writer thread, a buffer.
class AofCommandOutput {
 public:
  explicit AofCommandOutput(RdbWriter::ChunkSink sink) : sink_(std::move(sink)) {}
  void Command(std::initializer_list<std::string_view> args);
  void Header(size_t argc);  // "*argc"
  void Bulk(std::string_view a);
  void Raw(std::string_view s) { buf_.append(s); }
  // Hands the buffer to the sink when it is big (or always when force).
  void Flush(bool force = false);
  // Bytes produced so far (handed over and buffered).
  uint64_t written() const { return flushed_ + buf_.size(); }

 private:
  RdbWriter::ChunkSink sink_;
  uint64_t flushed_ = 0;
  std::string buf_;
};

// One key as the commands that rebuild it (and PEXPIREAT for its TTL).
void WriteAofKeyCommands(AofCommandOutput& out, Entry* e);

}  // namespace vireo
