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

namespace vireo {

struct RdbSaveOptions {
  bool compress = true;  // rdbcompression
  bool checksum = true;  // rdbchecksum
  int64_t now_ms = 0;
  uint64_t used_memory = 0;
  std::vector<std::string> functions;  // function library codes, written before the keys
};

// write(2) until all n bytes are out (EINTR retried). False with errno set.
bool WriteAll(int fd, const char* p, size_t n);

// Writes every key of ks to path. On failure *error says why (with errno
// text) and no file is left under path or the temp name.
bool SaveRdbFile(Keyspace& ks, const std::string& path, const RdbSaveOptions& opts, std::string* error);

// The temp name a save to path writes first ("temp-<pid>.rdb" beside it).
std::string RdbTempPath(const std::string& path);

// Writes the file's directory entry changes to disk.
bool FsyncDirectoryOf(const std::string& path);

// Loads path into ks (see LoadRdb). *missing is set when the file does not exist.
bool LoadRdbFile(const std::string& path, Keyspace& ks, const RdbLoadOptions& opts, RdbLoadResult* result,
                 bool* missing);

}  // namespace vireo
