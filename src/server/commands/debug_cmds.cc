// DEBUG: the subcommands Redis 7.0's tests and tools use. Those that
// only dump Redis's internal structures (HTSTATS, LISTPACK, QUICKLIST,
// SDSLEN, STRUCTSIZE, CLIENT-EVICTION, REPLYBUFFER, CLUSTERLINK) and LEAK /
// OOM are not built: they answer Redis's
// unknown-subcommand error.
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include "base/glob.h"
#include "base/log.h"
#include "base/memory_stats.h"
#include "base/numbers.h"
#include "commands/core/args.h"
#include "engine/keyspace.h"
#include "engine/type_ops.h"
#include "persistence/rdb_reader.h"
#include "persistence/rdb_writer.h"
#include "resp/reply_builder.h"
#include "server/aof.h"
#include "server/commands/aof_cmds.h"
#include "server/commands/config_cmds.h"
#include "server/commands/debug_protocol.h"
#include "server/commands/persistence_cmds.h"
#include "server/commands/server_context.h"
#include "server/config_values.h"
#include "server/crash_report.h"
#include "server/propagation.h"
#include "server/replication.h"
#include "server/restart.h"
#include "server/server.h"
#include "types/quicklist.h"

namespace vireo {
namespace {

// Redis reads these switches with atoi: text that is not a number is 0.
long long Atoi(std::string_view s) { return std::atoll(std::string(s).c_str()); }

// STRINGMATCH-TEST: random patterns against random strings (bytes 0..127,
// up to 31 of each), the way Redis fuzzes its matcher: the test is that
// nothing crashes or hangs, the matches are not reported.
void StringMatchFuzz() {
  std::mt19937 rng(uint32_t(getpid()) ^ uint32_t(time(nullptr)));
  char str[32], pat[32];
  size_t matches = 0;
  for (int cycle = 0; cycle < 1000000; ++cycle) {
    const size_t str_len = rng() % sizeof(str), pat_len = rng() % sizeof(pat);
    for (size_t j = 0; j < str_len; ++j) str[j] = char(rng() % 128);
    for (size_t j = 0; j < pat_len; ++j) pat[j] = char(rng() % 128);
    matches += GlobMatch(std::string_view(pat, pat_len), std::string_view(str, str_len)) ? 1 : 0;
  }
  VLOG_VERBOSE("STRINGMATCH-TEST: %zu matches", matches);
}

// DEBUG MALLCTL <key> [<val>] / MALLCTL-STR <key> [<val>] (jemalloc builds only;
// unused, not compiled out, in the others so that it keeps compiling there).
[[maybe_unused]] void DebugMallctl(ServerContext& ctx, bool string_value) {
  const auto& a = ctx.args;
  const std::string name(a[2]);
  int rc;
  if (string_value) {
    std::string old, value;
    if (a.size() > 3) value = std::string(a[3]);
    rc = AllocatorCtlString(name.c_str(), &old, a.size() > 3 ? &value : nullptr);
    if (rc == 0) return a.size() > 3 ? ctx.reply.Ok() : ctx.reply.Bulk(old);
  } else {
    int64_t old = 0, value = 0;
    if (a.size() > 3) {
      long long v;
      if (!ArgInt64(ctx, 3, &v)) return;
      value = v;
    }
    rc = AllocatorCtlInt(name.c_str(), &old, a.size() > 3 ? &value : nullptr);
    if (rc == 0) return ctx.reply.Integer((long long)old);
  }
  ctx.reply.Error(std::string("ERR ") + strerror(rc));
}

// DEBUG RESTART / CRASH-AND-RECOVER [ms]: a graceful restart saves as a
// shutdown would (config rewrite, final RDB, AOF flushed); the other one
// just execs again. The reply comes only on failure.
void DebugRestart(ServerContext& ctx, bool graceful) {
  long long delay = 0;
  if (ctx.args.size() >= 3) {
    if (!ArgInt64(ctx, 2, &delay)) return;
    if (delay < 0) delay = 0;
  }
  Server& server = ctx.server;
  std::string error;
  bool ok = true;
  if (graceful && !server.config().config_file().empty()) ok = RewriteRunningConfig(server).empty();
  if (ok && graceful) {
    ok = server.PrepareForShutdown(false, false, false, &error);
    if (ok) server.aof().FlushForShutdown();
  }
  if (ok) ok = ExecSelf(delay);  // returns only when it could not exec
  ctx.reply.Error("ERR failed to restart the server. Check server logs.");
}

// The subcommands for tests and crash drills; true when one was run.
bool DebugTesting(ServerContext& ctx) {
  const auto& a = ctx.args;
  const std::string_view sub = a[1];
  Server& server = ctx.server;
  if (EqualsNoCase(sub, "segfault")) {
    // A real fault, as Redis makes one: a write to a read-only page (the
    // crash handler writes the report and dies of the signal).
    void* page = mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    *static_cast<volatile char*>(page) = 'x';
  } else if (EqualsNoCase(sub, "panic")) {
    PanicNow(("DEBUG PANIC called at Unix time " + std::to_string(time(nullptr))).c_str());
  } else if (EqualsNoCase(sub, "assert")) {
    AssertFailed("1 == 2", __FILE__, __LINE__);
  } else if (EqualsNoCase(sub, "restart") && a.size() <= 3) {
    DebugRestart(ctx, true);
  } else if (EqualsNoCase(sub, "crash-and-recover") && a.size() <= 3) {
    DebugRestart(ctx, false);
  } else if (EqualsNoCase(sub, "config-rewrite-force-all") && a.size() == 2) {
    // Redis's text when there is no config file is its strerror(EFAULT).
    const std::string error =
        server.config().config_file().empty() ? "Bad address" : RewriteRunningConfig(server, true);
    if (error.empty()) return ctx.reply.Ok(), true;
    ctx.reply.Error("ERR CONFIG-REWRITE-FORCE-ALL failed: " + error);
  } else if (EqualsNoCase(sub, "log") && a.size() == 3) {
    VLOG_WARNING("DEBUG LOG: %s", std::string(a[2]).c_str());
    ctx.reply.Ok();
  } else if (EqualsNoCase(sub, "error") && a.size() == 3) {
    // Redis sends "-<text>" as raw protocol: no ERR prefix, and the reply
    // is not counted as an error (errorstats, failed_calls).
    server.NextReplyIsRawError();
    ctx.reply.Error(a[2]);
  } else if (EqualsNoCase(sub, "change-repl-id") && a.size() == 2) {
    VLOG_WARNING("Changing replication IDs after receiving DEBUG change-repl-id");
    server.repl().ChangeReplicationId();
    ctx.reply.Ok();
  } else if (EqualsNoCase(sub, "replicate") && a.size() >= 3) {
    // Straight into the replication stream (and backlog), as is: data may diverge.
    std::string bytes;
    Propagator::AppendCommand(&bytes, std::vector<std::string_view>(a.begin() + 2, a.end()));
    server.repl().FeedStream(bytes);
    ctx.reply.Ok();
  } else if (EqualsNoCase(sub, "pause-cron") && a.size() == 3) {
    server.set_cron_paused(Atoi(a[2]) != 0);
    ctx.reply.Ok();
  } else if (EqualsNoCase(sub, "set-skip-checksum-validation") && a.size() == 3) {
    SetSkipChecksumValidation(Atoi(a[2]) != 0);
    ctx.reply.Ok();
  } else if (EqualsNoCase(sub, "aof-flush-sleep") && a.size() == 3) {
    server.aof().set_flush_sleep_us(int(Atoi(a[2])));
    ctx.reply.Ok();
  } else if (EqualsNoCase(sub, "stringmatch-test") && a.size() == 2) {
    StringMatchFuzz();
    ctx.reply.SimpleString("Apparently Redis did not crash: test passed");
#ifdef VIREO_JEMALLOC
  } else if (EqualsNoCase(sub, "mallctl") && a.size() >= 3) {
    DebugMallctl(ctx, false);
  } else if (EqualsNoCase(sub, "mallctl-str") && a.size() >= 3) {
    DebugMallctl(ctx, true);
#endif
  } else {
    return false;
  }
  return true;
}

// Redis's help lines for the subcommands Vireo has, in Redis's order.
void DebugHelp(ServerContext& ctx) {
  HelpReply(ctx, {"DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                  "AOF-FLUSH-SLEEP <microsec>",
                  "    Server will sleep before flushing the AOF, this is used for testing.",
                  "ASSERT",
                  "    Crash by assertion failed.",
                  "CHANGE-REPL-ID",
                  "    Change the replication IDs of the instance.",
                  "    Dangerous: should be used only for testing the replication subsystem.",
                  "CONFIG-REWRITE-FORCE-ALL",
                  "    Like CONFIG REWRITE but writes all configuration options, including",
                  "    keywords not listed in original configuration file or default values.",
                  "CRASH-AND-RECOVER [<milliseconds>]",
                  "    Hard crash and restart after a <milliseconds> delay (default 0).",
                  "DIGEST",
                  "    Output a hex signature representing the current DB content.",
                  "DIGEST-VALUE <key> [<key> ...]",
                  "    Output a hex signature of the values of all the specified keys.",
                  "ERROR <string>",
                  "    Return a Redis protocol error with <string> as message. Useful for clients",
                  "    unit tests to simulate Redis errors.",
                  "LOG <message>",
                  "    Write <message> to the server log.",
                  "LOADAOF",
                  "    Flush the AOF buffers on disk and reload the AOF in memory.",
                  "REPLICATE <string>",
                  "    Replicates the provided string to replicas, allowing data divergence.",
#ifdef VIREO_JEMALLOC
                  "MALLCTL <key> [<val>]",
                  "    Get or set a malloc tuning integer.",
                  "MALLCTL-STR <key> [<val>]",
                  "    Get or set a malloc tuning string.",
#endif
                  "OBJECT <key>",
                  "    Show low level info about `key` and associated value.",
                  "PANIC",
                  "    Crash the server simulating a panic.",
                  "POPULATE <count> [<prefix>] [<size>]",
                  "    Create <count> string keys named key:<num>. If <prefix> is specified then",
                  "    it is used instead of the 'key' prefix. These are not propagated to",
                  "    replicas. Cluster slots are not respected so keys not belonging to the",
                  "    current node can be created in cluster mode.",
                  "PROTOCOL <type>",
                  "    Reply with a test value of the specified type. <type> can be: string,",
                  "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
                  "    true, false.",
                  "RELOAD [NOSAVE]",
                  "    Save the RDB on disk and reload it back to memory (NOSAVE: load the",
                  "    existing RDB file). MERGE and NOFLUSH are not supported.",
                  "RESTART [<milliseconds>]",
                  "    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).",
                  "SEGFAULT",
                  "    Crash the server with sigsegv.",
                  "SET-ACTIVE-EXPIRE <0|1>",
                  "    Setting it to 0 disables expiring keys in background when they are not",
                  "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
                  "    default.",
                  "QUICKLIST-PACKED-THRESHOLD <size>",
                  "    Sets the threshold for elements to be inserted as plain vs packed nodes",
                  "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
                  "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
                  "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
                  "SLEEP <seconds>",
                  "    Stop the server for <seconds>. Decimals allowed.",
                  "STRINGMATCH-TEST",
                  "    Run a fuzz tester against the stringmatchlen() function.",
                  "PAUSE-CRON <0|1>",
                  "    Stop periodic cron job processing.",
                  "HELP",
                  "    Prints this help."});
}

// ---- DEBUG ----

// DEBUG POPULATE count [prefix] [size]: keys "prefix:N" (default "key",
// the name cut at 127 bytes as Redis's buffer cuts it) holding "value:N",
// padded with zero bytes or cut to size; existing keys are left alone. Like
// Redis, nothing is propagated or counted as a change; watchers are told.
void DebugPopulate(ServerContext& ctx) {
  const auto& a = ctx.args;
  // One message for a bad or negative number, as Redis's.
  const char* kPositive = "ERR value is out of range, must be positive";
  long long count, size = 0;
  if (!ArgInt64(ctx, 2, &count, kPositive)) return;
  if (count < 0) return ctx.reply.Error(kPositive);
  if (a.size() == 5) {
    if (!ArgInt64(ctx, 4, &size, kPositive)) return;
    if (size < 0) return ctx.reply.Error(kPositive);
  }
  const std::string prefix(a.size() >= 4 ? a[3] : std::string_view("key"));
  Database& db = ctx.db();
  std::string key, value;
  for (long long j = 0; j < count; ++j) {
    key = prefix;
    key += ':';
    key += std::to_string(j);
    if (key.size() > 127) key.resize(127);
    if (db.LookupWrite(key, ctx.now_ms)) continue;
    value = "value:" + std::to_string(j);
    if (size) value.resize(size_t(size), '\0');
    db.Add(Entry::NewString(key, value));
    ctx.Signal(key);
  }
  ctx.reply.Ok();
}

void CmdDebug(ServerContext& ctx) {
  const auto& a = ctx.args;
  if (!ctx.server.cfg().enable_debug_command) {
    ctx.reply.Error(
        "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it "
        "from a local connection, otherwise you need to set this option in the configuration file, and then "
        "restart the server.");
    return;
  }
  if (DebugPersistence(ctx)) return;
  if (DebugAof(ctx)) return;
  if (EqualsNoCase(a[1], "sleep") && a.size() == 3) {
    // Redis reads the number with strtod and ignores what follows it: "x" is 0.
    const double secs = std::strtod(std::string(a[2]).c_str(), nullptr);
    if (secs > 0) usleep(useconds_t(secs * 1e6));
    ctx.reply.Ok();
  } else if (EqualsNoCase(a[1], "set-active-expire") && a.size() == 3) {
    ctx.server.keyspace().set_active_expire_enabled(Atoi(a[2]) != 0);
    ctx.reply.Ok();
  } else if (DebugTesting(ctx)) {
    return;
  } else if (EqualsNoCase(a[1], "object") && a.size() == 3) {
    Entry* e = ctx.db().Lookup(a[2], ctx.now_ms, false);
    if (!e) {
      ctx.reply.Error(err::kNoSuchKey);
      return;
    }
    char buf[384];
    int len = snprintf(buf, sizeof(buf),
                       "Value at:%p refcount:1 encoding:%s serializedlength:%zu lru:%u lru_seconds_idle:%llu",
                       static_cast<void*>(e), EncodingName(e->encoding()),
                       RdbWriter::SerializedLength(e, ctx.server.cfg().rdbcompression), e->lru(),
                       (unsigned long long)ctx.server.keyspace().IdleSeconds(e));
    if (e->type() == ObjType::kList) {
      // Redis's quicklist fields (sizes are of Vireo's node format).
      const auto* q = static_cast<const Quicklist*>(e->object());
      snprintf(buf + len, sizeof(buf) - size_t(len),
               " ql_nodes:%zu ql_avg_node:%.2f ql_listpack_max:%d ql_compressed:%d ql_uncompressed_size:%zu",
               q->node_count(), q->node_count() ? double(q->size()) / double(q->node_count()) : 0.0, q->fill(),
               q->compress_depth() != 0 ? 1 : 0, q->UncompressedBytes());
    }
    ctx.reply.SimpleString(buf);
  } else if (EqualsNoCase(a[1], "populate") && a.size() >= 3 && a.size() <= 5) {
    DebugPopulate(ctx);
  } else if (EqualsNoCase(a[1], "quicklist-packed-threshold") && a.size() == 3) {
    unsigned long long bytes;
    if (!ParseMemory(a[2], &bytes) || !Quicklist::SetPackedThreshold(bytes)) {
      ctx.reply.Error("ERR argument must be a memory value bigger than 1 and smaller than 4gb");
    } else {
      ctx.reply.Ok();
    }
  } else if (EqualsNoCase(a[1], "protocol") && a.size() == 3) {
    DebugProtocolReply(a[2], ctx.reply);
  } else if (EqualsNoCase(a[1], "help")) {
    DebugHelp(ctx);
  } else {
    // Redis prints at most 128 bytes of the name.
    ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" + std::string(a[1].substr(0, 128)) +
                    "'. Try DEBUG HELP.");
  }
}

}  // namespace

void BindDebugCommand(CommandTable& t) { t.Bind("debug", OnServer<CmdDebug>); }

}  // namespace vireo
