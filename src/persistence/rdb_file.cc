#include "persistence/rdb_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "persistence/rdb_writer.h"

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

namespace {

// Header, aux fields, function libraries and every key.
void WriteImage(RdbWriter& w, Keyspace& ks, const RdbSaveOptions& opts) {
  w.Header();
  w.StandardAux(opts.now_ms / 1000, opts.used_memory, false, opts.repl_id, opts.repl_offset, opts.repl_stream_db);
  for (const std::string& code : opts.functions) w.Function(code);
  for (int i = 0; i < ks.count() && w.error() == 0; ++i) {
    Database& db = ks.db(i);
    if (db.size() == 0) continue;
    w.SelectDb(i);
    w.ResizeDb(db.size(), db.expires_size());
    db.keys().ForEach([&](Entry* e) {
      w.KeyValue(e);
      w.MaybeFlush();
    });
  }
}

}  // namespace

bool SaveRdbToString(Keyspace& ks, const RdbSaveOptions& opts, std::string* out, std::string* error) {
  (void)error;
  RdbWriter w(-1, opts.compress);
  WriteImage(w, ks, opts);
  w.Finish(opts.checksum);
  out->swap(w.buffer());
  return true;
}

bool SaveRdbFile(Keyspace& ks, const std::string& path, const RdbSaveOptions& opts, std::string* error) {
  const std::string tmp = RdbTempPath(path);
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = "Failed opening the temp RDB file " + tmp + " for saving: " + strerror(errno);
    return false;
  }
  RdbWriter w(fd, opts.compress);
  WriteImage(w, ks, opts);
  bool ok = w.Finish(opts.checksum);
  if (ok && fsync(fd) != 0) {
    ok = false;
  }
  const int saved_errno = ok ? 0 : (w.error() ? w.error() : errno);
  if (close(fd) != 0 && ok) ok = false;
  if (!ok) {
    *error = std::string("Write error saving DB on disk: ") + strerror(saved_errno ? saved_errno : errno);
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
