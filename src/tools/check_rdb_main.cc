// vireo-check-rdb FILE: checks an RDB file the way redis-check-rdb does,
// with its report on stdout and its exit codes (0 when the file looks OK, 1
// otherwise, 1 with the usage line on stderr for a wrong argument count).
// The walk itself is persistence's CheckRdb, so the checker reads files
// exactly as vireo-server loads them.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string_view>

#include "base/clock.h"
#include "base/version.h"
#include "persistence/rdb_input.h"
#include "persistence/rdb_reader.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "Usage: %s <rdb-file-name>\n", argv[0]);
    return 1;
  }
  if (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--version")) {
    printf("vireo-check-rdb %s (redis-check-rdb %s compatible)\n", vireo::kVireoRelease,
           vireo::kRedisCompatVersion);
    return 0;
  }
  auto emit = [](std::string_view line) {
    fwrite(line.data(), 1, line.size(), stdout);
    fputc('\n', stdout);
  };
  // As redis-check-rdb: the file is named first, a file that cannot be
  // opened ends the check with status 1 and nothing more.
  int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    emit(std::string("[offset 0] Checking RDB file ") + argv[1]);
    return 1;
  }
  struct stat st;
  const uint64_t size = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? uint64_t(st.st_size) : UINT64_MAX;
  vireo::RdbInput in(fd, size);
  const bool ok = vireo::CheckRdb(in, argv[1], vireo::NowMs(), emit);
  close(fd);
  fflush(stdout);
  return ok ? 0 : 1;
}
