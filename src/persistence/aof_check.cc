#include "persistence/aof_check.h"

#include <libgen.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "engine/keyspace.h"
#include "persistence/aof_manifest.h"
#include "persistence/rdb_input.h"
#include "persistence/rdb_reader.h"

namespace vireo {

namespace {

// What one file's check ended with.
enum CheckResult { kOk, kEmpty, kTruncated, kTimestampTruncated };

// The tool's state across files, as redis-check-aof keeps it (the line
// counter runs on through every file it checks).
struct Checker {
  std::string error;
  long long epos = 0;
  long long line = 1;
  long long to_timestamp = 0;

  void Error(const std::string& msg) {
    char head[64];
    snprintf(head, sizeof(head), "0x%16llx: ", (unsigned long long)epos);
    error = head + msg;
  }

  bool NewLine(const char* p) {
    if (p[0] != '\r' || p[1] != '\n') {
      char msg[64];
      snprintf(msg, sizeof(msg), "Expected \\r\\n, got: %02x%02x", (unsigned char)p[0], (unsigned char)p[1]);
      Error(msg);
      return false;
    }
    ++line;
    return true;
  }

  // "<prefix><number>\r\n"
  bool ReadLong(FILE* fp, char prefix, long* out) {
    char buf[128];
    epos = ftello(fp);
    if (!fgets(buf, sizeof(buf), fp)) return false;
    if (buf[0] != prefix) {
      char msg[64];
      snprintf(msg, sizeof(msg), "Expected prefix '%c', got: '%c'", prefix, buf[0]);
      Error(msg);
      return false;
    }
    char* end;
    *out = strtol(buf + 1, &end, 10);
    return NewLine(end);
  }

  bool ReadString(FILE* fp, std::string* out) {
    long len;
    if (!ReadLong(fp, '$', &len)) return false;
    if (len < 0 || len > LONG_MAX - 2) {
      Error("Expected to read string of " + std::to_string(len) + " bytes, which is not in the suitable range");
      return false;
    }
    epos = ftello(fp);
    // Read in chunks so a huge claimed length costs only what the file holds.
    out->clear();
    long want = len + 2, got = 0;
    char chunk[65536];
    while (got < want) {
      size_t n = fread(chunk, 1, std::min<long>(want - got, long(sizeof(chunk))), fp);
      if (n == 0) break;
      // Keep the first bytes of a long argument only (enough for MULTI/EXEC and the line end).
      if (out->size() < 64) out->append(chunk, std::min<size_t>(n, 64 - out->size()));
      got += long(n);
      if (got == want) {
        // The last two bytes read are the line end.
        char tail[2];
        tail[0] = n >= 2 ? chunk[n - 2] : last_byte_;
        tail[1] = chunk[n - 1];
        if (!NewLine(tail)) return false;
        if (len < 64) out->resize(size_t(len));
        return true;
      }
      last_byte_ = chunk[n - 1];
    }
    Error("Expected to read " + std::to_string(want) + " bytes, got " + std::to_string(got) + " bytes");
    return false;
  }

  bool ProcessResp(FILE* fp, const std::string& filename, int* multi) {
    long argc;
    if (!ReadLong(fp, '*', &argc)) return false;
    std::string s;
    for (long i = 0; i < argc; ++i) {
      if (!ReadString(fp, &s)) return false;
      if (i == 0) {
        if (strcasecmp(s.c_str(), "multi") == 0) {
          if ((*multi)++) {
            Error("Unexpected MULTI in AOF " + filename);
            return false;
          }
        } else if (strcasecmp(s.c_str(), "exec") == 0) {
          if (--(*multi)) {
            Error("Unexpected EXEC in AOF " + filename);
            return false;
          }
        }
      }
    }
    return true;
  }

  // An annotation line; false when --truncate-to-timestamp cut the file here.
  bool ProcessAnnotation(FILE* fp, const std::string& filename, bool last_file) {
    char buf[1024];
    epos = ftello(fp);
    if (!fgets(buf, sizeof(buf), fp)) {
      printf("Failed to read annotations from AOF %s, aborting...\n", filename.c_str());
      exit(1);
    }
    if (to_timestamp && strncmp(buf, "#TS:", 4) == 0) {
      errno = 0;
      char* end;
      long ts = strtol(buf + 4, &end, 10);
      if (errno != 0) {
        printf("Invalid timestamp annotation\n");
        exit(1);
      }
      if (ts <= to_timestamp) return true;
      if (epos == 0) {
        printf("AOF %s has nothing before timestamp %lld, aborting...\n", filename.c_str(), to_timestamp);
        exit(1);
      }
      if (!last_file) {
        printf("Failed to truncate AOF %s to timestamp %lld to offset %ld because it is not the last file.\n",
               filename.c_str(), to_timestamp, (long)epos);
        printf(
            "If you insist, please delete all files after this file according to the manifest file and delete the "
            "corresponding records in manifest file manually. Then re-run redis-check-aof.\n");
        exit(1);
      }
      if (ftruncate(fileno(fp), epos) == -1) {
        printf("Failed to truncate AOF %s to timestamp %lld\n", filename.c_str(), to_timestamp);
        exit(1);
      }
      return false;
    }
    return true;
  }

  // The RDB part of a file: loaded into a scratch keyspace (its checks are the loader's).
  bool CheckRdb(FILE* fp, const std::string& name) {
    struct stat st;
    fstat(fileno(fp), &st);
    lseek(fileno(fp), 0, SEEK_SET);
    RdbInput in(fileno(fp), uint64_t(st.st_size));
    Keyspace scratch(16);
    EncodingLimits limits;
    RdbLoadOptions opts;
    opts.limits = &limits;
    opts.drop_expired = false;
    RdbLoadResult result;
    printf("[offset 0] Checking RDB file %s\n", name.c_str());
    if (!LoadRdb(in, scratch, opts, &result)) {
      printf("--- RDB ERROR DETECTED ---\n%s\n", result.error.c_str());
      return false;
    }
    printf("[offset %llu] \\o/ RDB looks OK! \\o/\n", (unsigned long long)in.offset());
    printf("[info] %llu keys read\n", (unsigned long long)result.keys_loaded);
    fseeko(fp, off_t(in.offset()), SEEK_SET);
    return true;
  }

  CheckResult CheckSingle(const std::string& name, const std::string& path, bool last_file, bool fix,
                          bool preamble) {
    FILE* fp = fopen(path.c_str(), "r+");
    if (!fp) {
      printf("Cannot open file: %s, aborting...\n", name.c_str());
      exit(1);
    }
    struct stat st;
    if (fstat(fileno(fp), &st) == -1) {
      printf("Cannot stat file: %s, aborting...\n", name.c_str());
      exit(1);
    }
    const long long size = st.st_size;
    if (size == 0) {
      fclose(fp);
      return kEmpty;
    }
    if (preamble) {
      if (!CheckRdb(fp, name)) {
        printf("RDB preamble of AOF file is not sane, aborting.\n");
        exit(1);
      }
      printf("RDB preamble is OK, proceeding with AOF tail...\n");
    }
    long long pos = 0;
    int multi = 0;
    error.clear();
    for (;;) {
      if (!multi) pos = ftello(fp);
      int c = fgetc(fp);
      if (c == EOF) {
        if (feof(fp)) break;
        printf("Failed to read from AOF %s, aborting...\n", name.c_str());
        exit(1);
      }
      ungetc(c, fp);
      if (c == '#') {
        if (!ProcessAnnotation(fp, path, last_file)) {
          fclose(fp);
          return kTimestampTruncated;
        }
      } else if (c == '*') {
        if (!ProcessResp(fp, path, &multi)) break;
      } else {
        printf("AOF %s format error\n", name.c_str());
        break;
      }
    }
    if (feof(fp) && multi && error.empty()) Error("Reached EOF before reading EXEC for MULTI");
    if (!error.empty()) printf("%s\n", error.c_str());
    const long long diff = size - pos;
    if (diff == 0 && to_timestamp) {
      printf("Truncate nothing in AOF %s to timestamp %lld\n", name.c_str(), to_timestamp);
      fclose(fp);
      return kOk;
    }
    printf("AOF analyzed: filename=%s, size=%lld, ok_up_to=%lld, ok_up_to_line=%lld, diff=%lld\n", name.c_str(), size,
           pos, line, diff);
    if (diff > 0) {
      if (!fix) {
        printf("AOF %s is not valid. Use the --fix option to try fixing it.\n", name.c_str());
        exit(1);
      }
      if (!last_file) {
        printf("Failed to truncate AOF %s because it is not the last file\n", name.c_str());
        exit(1);
      }
      printf("This will shrink the AOF %s from %lld bytes, with %lld bytes, to %lld bytes\n", name.c_str(), size, diff,
             pos);
      printf("Continue? [y/N]: ");
      fflush(stdout);
      char answer[2];
      if (!fgets(answer, sizeof(answer), stdin) || strncasecmp(answer, "y", 1) != 0) {
        printf("Aborting...\n");
        exit(1);
      }
      if (ftruncate(fileno(fp), pos) == -1) {
        printf("Failed to truncate AOF %s\n", name.c_str());
        exit(1);
      }
      fclose(fp);
      return kTruncated;
    }
    fclose(fp);
    return kOk;
  }

  void Report(const char* kind, const std::string& name, CheckResult r) {
    switch (r) {
      case kOk: printf("%s%s is valid\n", kind, name.c_str()); break;
      case kEmpty: printf("%s%s is empty\n", kind, name.c_str()); break;
      case kTimestampTruncated:
        printf("Successfully truncated AOF %s to timestamp %lld\n", name.c_str(), to_timestamp);
        break;
      case kTruncated: printf("Successfully truncated AOF %s\n", name.c_str()); break;
    }
  }

  void CheckManifest(const std::string& dir, const std::string& manifest_path, bool fix) {
    printf("Start checking Multi Part AOF\n");
    FILE* f = fopen(manifest_path.c_str(), "r");
    if (!f) {
      printf("Fatal error: can't open the AOF manifest file %s for reading: %s\n", manifest_path.c_str(),
             strerror(errno));
      exit(1);
    }
    std::string text;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) text.append(buf, n);
    fclose(f);
    AofManifest m;
    std::string err;
    if (!AofManifest::Parse(text, &m, &err)) {
      printf("\n*** FATAL AOF MANIFEST FILE ERROR ***\n%s\n", err.c_str());
      exit(1);
    }
    const size_t total = (m.base ? 1 : 0) + m.incr.size();
    size_t num = 0;
    if (m.base) {
      const std::string& name = m.base->name;
      const std::string path = dir + "/" + name;
      const bool last = ++num == total;
      if (FileIsRdb(path)) {
        FILE* fp = fopen(path.c_str(), "r+");
        if (!fp) {
          printf("Cannot open BASE file: %s\n", name.c_str());
          exit(1);
        }
        printf("Start to check BASE AOF (RDB format).\n");
        if (!CheckRdb(fp, name)) {
          printf("BASE AOF (RDB format) %s is invalid, aborting.\n", name.c_str());
          exit(1);
        }
        // What follows an RDB part must be valid AOF too (Vireo writes stream keys there).
        CheckResult r = CheckTail(fp, name, last, fix);
        fclose(fp);
        if (r == kOk) printf("BASE AOF (RDB format) %s is valid\n", name.c_str());
      } else {
        printf("Start to check BASE AOF (RESP format).\n");
        Report("BASE AOF ", name, CheckSingle(name, path, last, fix, false));
      }
    }
    if (!m.incr.empty()) {
      printf("Start to check INCR files.\n");
      for (const AofFileInfo& f : m.incr) {
        const bool last = ++num == total;
        Report("INCR AOF ", f.name, CheckSingle(f.name, dir + "/" + f.name, last, fix, false));
      }
    }
    printf("All AOF files and manifest are valid\n");
  }

  // The AOF commands after an RDB base's EOF marker (none in Redis's files).
  CheckResult CheckTail(FILE* fp, const std::string& name, bool last, bool fix) {
    int c = fgetc(fp);
    if (c == EOF) return kOk;
    ungetc(c, fp);
    int multi = 0;
    error.clear();
    long long pos = ftello(fp);
    for (;;) {
      if (!multi) pos = ftello(fp);
      c = fgetc(fp);
      if (c == EOF) break;
      ungetc(c, fp);
      if (c == '*') {
        if (!ProcessResp(fp, name, &multi)) break;
      } else if (c == '#') {
        if (!ProcessAnnotation(fp, name, last)) return kTimestampTruncated;
      } else {
        printf("AOF %s format error\n", name.c_str());
        break;
      }
    }
    if (feof(fp) && multi && error.empty()) Error("Reached EOF before reading EXEC for MULTI");
    if (!error.empty()) printf("%s\n", error.c_str());
    struct stat st;
    fstat(fileno(fp), &st);
    if (pos == st.st_size) return kOk;
    if (!fix) {
      printf("AOF %s is not valid. Use the --fix option to try fixing it.\n", name.c_str());
      exit(1);
    }
    printf("BASE AOF %s can't be fixed, aborting.\n", name.c_str());
    (void)last;
    exit(1);
  }

  static bool FileIsRdb(const std::string& path) {
    FILE* fp = fopen(path.c_str(), "r");
    if (!fp) {
      printf("Cannot open file: %s\n", path.c_str());
      exit(1);
    }
    struct stat st;
    fstat(fileno(fp), &st);
    bool rdb = false;
    if (st.st_size >= 8) {
      char sig[5];
      rdb = fread(sig, sizeof(sig), 1, fp) == 1 && memcmp(sig, "REDIS", 5) == 0;
    }
    fclose(fp);
    return rdb;
  }

  static bool FileIsManifest(const std::string& path) {
    FILE* fp = fopen(path.c_str(), "r");
    if (!fp) {
      printf("Cannot open file: %s\n", path.c_str());
      exit(1);
    }
    struct stat st;
    fstat(fileno(fp), &st);
    bool manifest = false;
    // The smallest manifest: "file a.1.incr.aof seq 1 type i".
    if (st.st_size >= 30) {
      char sig[4];
      manifest = fread(sig, sizeof(sig), 1, fp) == 1 && memcmp(sig, "file", 4) == 0;
    }
    fclose(fp);
    return manifest;
  }

  char last_byte_ = 0;
};

void CheckOldStyle(Checker& ck, const std::string& path, bool fix, bool preamble) {
  printf("Start checking Old-Style AOF\n");
  ck.Report("AOF ", path, ck.CheckSingle(path, path, true, fix, preamble));
}

}  // namespace

int CheckAofMain(int argc, char** argv) {
  Checker ck;
  std::string path;
  bool fix = false;
  if (argc == 2) {
    path = argv[1];
  } else if (argc == 3 && strcmp(argv[1], "--fix") == 0) {
    path = argv[2];
    fix = true;
  } else if (argc == 4 && strcmp(argv[1], "--truncate-to-timestamp") == 0) {
    errno = 0;
    char* end;
    ck.to_timestamp = strtol(argv[2], &end, 10);
    if (errno != 0 || *end != '\0') {
      printf("Invalid timestamp, aborting...\n");
      return 1;
    }
    path = argv[3];
  } else {
    printf("Usage: %s [--fix|--truncate-to-timestamp $timestamp] <file.manifest|file.aof>\n", argv[0]);
    return 1;
  }
  std::string copy = path;
  const std::string dir = dirname(copy.data());
  if (Checker::FileIsManifest(path)) {
    ck.CheckManifest(dir, path, fix);
  } else {
    CheckOldStyle(ck, path, fix, Checker::FileIsRdb(path));
  }
  fflush(stdout);
  return 0;
}

}  // namespace vireo
