#include "persistence/rdb_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "persistence/rdb_writer.h"
#include "persistence/snapshot_writer.h"

namespace vireo {

std::string RdbTempPath(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  return dir + "temp-" + std::to_string(getpid()) + ".rdb";
}

bool FsyncDirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return false;
  const bool ok = fsync(fd) == 0;
  close(fd);
  return ok;
}

SnapshotOptions ForegroundSnapshotOptions(const RdbSaveOptions& opts) {
  SnapshotOptions so;
  so.compress = opts.compress;
  so.checksum = opts.checksum;
  so.now_ms = opts.now_ms;
  so.used_memory = opts.used_memory;
  so.functions = opts.functions;
  so.repl_id = opts.repl_id;
  so.repl_offset = opts.repl_offset;
  so.repl_stream_db = opts.repl_stream_db;
  so.access = opts.access;
  so.live = false;
  return so;
}

bool SaveRdbToString(Keyspace& ks, const RdbSaveOptions& opts, std::string* out, std::string* error) {
  // The same writer a background save uses, run to the end at once.
  out->clear();
  SnapshotWriter snap(ks, [out](std::string& chunk) { out->append(chunk); }, ForegroundSnapshotOptions(opts));
  snap.Start(0);
  if (!snap.Step(0, [] { return int64_t(0); })) {
    *error = snap.error();
    out->clear();
    return false;
  }
  return true;
}

bool SaveRdbFile(Keyspace& ks, const std::string& path, const RdbSaveOptions& opts, std::string* error) {
  const std::string tmp = RdbTempPath(path);
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = "Failed opening the temp RDB file " + tmp + " for saving: " + strerror(errno);
    return false;
  }
  // The same writer a background save uses, run to the end at once, its
  // chunks written straight to the file.
  int write_errno = 0;
  SnapshotWriter snap(ks, [&](std::string& chunk) {
    if (write_errno == 0 && !WriteAll(fd, chunk.data(), chunk.size())) write_errno = errno;
  }, ForegroundSnapshotOptions(opts));
  snap.Start(0);
  bool ok = snap.Step(0, [] { return int64_t(0); }) && write_errno == 0;
  if (ok && fsync(fd) != 0) {
    ok = false;
    write_errno = errno;
  }
  if (close(fd) != 0 && ok) {
    ok = false;
    write_errno = errno;
  }
  if (!ok) {
    snap.Abort();
    *error = snap.failed() ? snap.error() : std::string("Write error saving DB on disk: ") + strerror(write_errno);
    unlink(tmp.c_str());
    return false;
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    *error = "Error moving temp DB file " + tmp + " on the final destination " + path + ": " + strerror(errno);
    unlink(tmp.c_str());
    return false;
  }
  FsyncDirectoryOf(path);
  return true;
}

bool WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= size_t(w);
  }
  return true;
}

bool LoadRdbFile(const std::string& path, Keyspace& ks, const RdbLoadOptions& opts, RdbLoadResult* result,
                 bool* missing) {
  *missing = false;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *missing = errno == ENOENT;
    result->error = "Can't open " + path + ": " + strerror(errno);
    return false;
  }
  struct stat st;
  const uint64_t size = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? uint64_t(st.st_size) : UINT64_MAX;
  RdbInput in(fd, size);
  const bool ok = LoadRdb(in, ks, opts, result);
  close(fd);
  return ok;
}

}  // namespace vireo
