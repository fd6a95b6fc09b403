// RDB files on disk: writing a whole keyspace to a file the way Redis does it
// safely (a temp file in the same directory, fsync, rename over the final
// name, fsync of the directory, so a crash leaves either the old file or the
// new one, never half of one), and reading one back.
// Thread rule: runs on the thread that owns the keyspace.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/keyspace.h"
#include "persistence/rdb_reader.h"
#include "persistence/rdb_writer.h"
#include "persistence/snapshot_writer.h"

namespace vireo {

struct RdbSaveOptions {
  bool compress = true;  // rdbcompression
  bool checksum = true;  // rdbchecksum
  int64_t now_ms = 0;
  uint64_t used_memory = 0;
  std::vector<std::string> functions;  // function library codes, written before the keys
  // Replication aux fields (repl-id, repl-offset, repl-stream-db); none when repl_id is empty.
  std::string repl_id;
  long long repl_offset = 0;
  int repl_stream_db = 0;
  RdbWriter::AccessOpcodes access = RdbWriter::AccessOpcodes::kNone;  // LRU/LFU opcodes per key
};

// write(2) until all n bytes are out (EINTR retried). False with errno set.
bool WriteAll(int fd, const char* p, size_t n);

// The options of a foreground (not live) SnapshotWriter writing opts's image.
SnapshotOptions ForegroundSnapshotOptions(const RdbSaveOptions& opts);

// Writes every key of ks to path. On failure *error says why (with errno
// text) and no file is left under path or the temp name.
bool SaveRdbFile(Keyspace& ks, const std::string& path, const RdbSaveOptions& opts, std::string* error);

// Writes every key of ks as an RDB image into *out (a full resync's
// payload). False with *error.
bool SaveRdbToString(Keyspace& ks, const RdbSaveOptions& opts, std::string* out, std::string* error);

// The temp name a save to path writes first ("temp-<pid>.rdb" beside it).
std::string RdbTempPath(const std::string& path);

// Writes the file's directory entry changes to disk.
bool FsyncDirectoryOf(const std::string& path);

// Loads path into ks (see LoadRdb). *missing is set when the file does not exist.
bool LoadRdbFile(const std::string& path, Keyspace& ks, const RdbLoadOptions& opts, RdbLoadResult* result,
                 bool* missing);

}  // namespace vireo
