// Config parsing, CONFIG GET/SET. Expected texts were taken from
// redis-server 7.0.15 (only the version in the FATAL banner differs).
#include "server/config.h"

#include <gtest/gtest.h>

#include "base/alloc_defrag.h"

#include <map>
#include <tuple>
#include <string>
#include <vector>

#include "server/config_args.h"

namespace vireo {
namespace {

std::string Fatal(int line, const std::string& text, const std::string& why) {
  return "\n*** FATAL CONFIG FILE ERROR (Vireo " + std::string(kVireoRelease) +
         ") ***\nReading the configuration file, at line " + std::to_string(line) + "\n>>> '" +
         text + "'\n" + why + "\n";
}

std::string LoadError(std::string_view text) {
  Config c;
  std::string err;
  EXPECT_FALSE(c.LoadFromString(text, &err)) << text;
  return err;
}

std::string ArgsError(std::vector<std::string> args) {
  std::vector<char*> argv;
  static char prog[] = "vireo-server";
  argv.push_back(prog);
  for (auto& a : args) argv.push_back(a.data());
  Config c;
  std::string err;
  EXPECT_FALSE(c.LoadFromArgs(static_cast<int>(argv.size()), argv.data(), &err));
  return err;
}

std::map<std::string, std::string> GetAll(const Config& c, std::vector<std::string_view> pats) {
  std::map<std::string, std::string> m;
  for (auto& [k, v] : c.Get(pats)) m[k] = v;
  return m;
}

std::string GetOne(const Config& c, std::string_view name) {
  auto r = c.Get({name});
  return r.size() == 1 ? r[0].second : "<missing>";
}

TEST(ConfigArgsTest, SplitQuoting) {
  std::vector<std::string> a;
  ASSERT_TRUE(SplitConfigArgs("  bind  a\tb  ", &a));
  EXPECT_EQ(a, (std::vector<std::string>{"bind", "a", "b"}));
  ASSERT_TRUE(SplitConfigArgs(R"(x "a\x41\n\r\t\b\a\\\"\q" 'it\'s' "")", &a));
  EXPECT_EQ(a, (std::vector<std::string>{"x", "aA\n\r\t\b\a\\\"q", "it's", ""}));
  ASSERT_TRUE(SplitConfigArgs(R"(ab"c d")", &a));  // a quote may open mid-word
  EXPECT_EQ(a, (std::vector<std::string>{"abc d"}));
  ASSERT_TRUE(SplitConfigArgs(R"("\x4g")", &a));  // not a hex escape
  EXPECT_EQ(a, (std::vector<std::string>{"x4g"}));
  EXPECT_FALSE(SplitConfigArgs(R"("abc)", &a));
  EXPECT_FALSE(SplitConfigArgs(R"("a"b)", &a));
  EXPECT_FALSE(SplitConfigArgs("'a'b", &a));
  EXPECT_FALSE(SplitConfigArgs("'abc", &a));
  ASSERT_TRUE(SplitConfigArgs("   ", &a));
  EXPECT_TRUE(a.empty());
}

TEST(ConfigArgsTest, QuoteRoundTrips) {
  const std::string weird = std::string("a\"b\\c\n\t\x01\xff ", 10);
  EXPECT_EQ(QuoteConfigArg(weird), R"("a\"b\\c\n\t\x01\xff ")");
  std::vector<std::string> a;
  ASSERT_TRUE(SplitConfigArgs(QuoteConfigArg(weird), &a));
  EXPECT_EQ(a, std::vector<std::string>{weird});
}

TEST(ConfigArgsTest, CommandLineLikeRedis) {
  EXPECT_EQ(CommandLineToConfigText({"--port", "7000", "--bind", "127.0.0.1", "::1"}),
            "port \"7000\" \nbind \"127.0.0.1\" \"::1\" ");
  EXPECT_EQ(CommandLineToConfigText({"--save", "--port", "1"}), "save \"\"\nport \"1\" ");
  EXPECT_EQ(CommandLineToConfigText({"--port", "1", "--save"}), "port \"1\" \nsave \"\"");
  EXPECT_EQ(CommandLineToConfigText({"--save", ""}), "save \"\" ");
  // A bare name takes the next word as its value, even "--foo".
  EXPECT_EQ(CommandLineToConfigText({"--requirepass", "--foo"}), "requirepass \"--foo\" ");
  // Name and value in one word.
  EXPECT_EQ(CommandLineToConfigText({"--port 1", "--hz", "5"}), "port 1 \nhz \"5\" ");
}

TEST(ConfigTest, SavePointsAccumulateInAFile) {
  Config c;
  std::string err;
  ASSERT_TRUE(c.LoadFromString("save 900 1\nsave 300 10\n", &err)) << err;
  EXPECT_EQ(GetAll(c, {"save"})["save"], "900 1 300 10");
  ASSERT_TRUE(c.LoadFromString("save \"\"\n", &err)) << err;
  EXPECT_EQ(GetAll(c, {"save"})["save"], "");
  EXPECT_EQ(c.Set({{"save", "100 5 10 1"}}), "");
  EXPECT_EQ(GetAll(c, {"save"})["save"], "100 5 10 1");
  EXPECT_NE(c.Set({{"dbfilename", "x.rdb"}}).find("can't set protected config"), std::string::npos);
}

TEST(ConfigTest, Defaults) {
  Config c;
  const ServerConfig& v = c.values();
  EXPECT_EQ(v.port, 6379);
  EXPECT_EQ(v.bind, (std::vector<std::string>{"*", "-::*"}));
  EXPECT_FALSE(v.dir.empty());
  auto m = GetAll(c, {"*"});
  EXPECT_EQ(m["bind"], "* -::*");
  EXPECT_EQ(m["loglevel"], "notice");
  EXPECT_EQ(m["proto-max-bulk-len"], "536870912");
  EXPECT_EQ(m["client-query-buffer-limit"], "1073741824");
  EXPECT_EQ(m["list-max-ziplist-size"], "-2");
  EXPECT_EQ(m["hash-max-listpack-entries"], "512");
  EXPECT_EQ(m["zset-max-ziplist-value"], "64");
  EXPECT_EQ(m["slowlog-log-slower-than"], "10000");
  EXPECT_EQ(m["save"], "3600 1 300 100 60 10000");
  EXPECT_EQ(m["dbfilename"], "dump.rdb");
  EXPECT_EQ(m["rdbcompression"], "yes");
  EXPECT_EQ(m["appendfsync"], "everysec");
  EXPECT_EQ(m["sanitize-dump-payload"], "no");
  EXPECT_EQ(m["auto-aof-rewrite-min-size"], "67108864");
  EXPECT_EQ(m["appendonly"], "no");
  EXPECT_EQ(m["daemonize"], "no");
  EXPECT_EQ(m["maxmemory-policy"], "noeviction");
  EXPECT_EQ(m["lazyfree-lazy-user-del"], "no");
  EXPECT_EQ(m["requirepass"], "");
  EXPECT_EQ(m["protected-mode"], "yes");
  EXPECT_EQ(m["repl-backlog-size"], "1048576");
}

TEST(ConfigTest, ParsesFileText) {
  Config c;
  std::string err;
  ASSERT_TRUE(
      c.LoadFromString("# comment\n"
                       "  PORT 7000\r\n"
                       "bind 127.0.0.1 \"::1\"\n"
                       "\n"
                       "maxmemory 1gb\n"
                       "proto-max-bulk-len 2mb\n"
                       "hash-max-ziplist-entries 100\n"
                       "loglevel WARNING\n"
                       "save \"\"\n"
                       "appendonly no\n"
                       "daemonize no\n"
                       "maxmemory-policy noeviction\n"
                       "hz 1000\n"
                       "lazyfree-lazy-user-del yes\n"
                       "port 7001\n",  // later lines win
                       &err))
      << err;
  const ServerConfig& v = c.values();
  EXPECT_EQ(v.port, 7001);
  EXPECT_EQ(v.bind, (std::vector<std::string>{"127.0.0.1", "::1"}));
  EXPECT_EQ(v.maxmemory, 1ULL << 30);
  EXPECT_EQ(v.proto_max_bulk_len, 2LL << 20);
  EXPECT_EQ(v.hash_max_listpack_entries, 100);
  EXPECT_EQ(v.loglevel, 3);  // warning
  EXPECT_EQ(v.hz, 500);  // clamped like Redis
  EXPECT_TRUE(v.lazyfree_lazy_user_del);
  // Multi-word value in one quoted word is split; `bind` alone listens nowhere.
  ASSERT_TRUE(c.LoadFromString("bind \"1.1.1.1 2.2.2.2\"", &err));
  EXPECT_EQ(c.values().bind.size(), 2u);
  ASSERT_TRUE(c.LoadFromString("bind\nsave", &err));
  EXPECT_TRUE(c.values().bind.empty());
}

TEST(ConfigTest, MemoryUnits) {
  struct Case {
    const char* in;
    unsigned long long out;
  } cases[] = {{"1k", 1000},
               {"1kb", 1024},
               {"1K", 1000},
               {"1KB", 1024},
               {"1m", 1000000},
               {"1mb", 1048576},
               {"1g", 1000000000},
               {"1gb", 1073741824},
               {"1b", 1},
               {"01kb", 1024},
               {"\"\"", 0},
               {"kb", 0},
               {"99999999999999999999", 18446744073709551615ULL},
               {"17179869184gb", 0}};  // wraps, as in Redis
  for (const Case& k : cases) {
    Config c;
    std::string err;
    ASSERT_TRUE(c.LoadFromString(std::string("maxmemory ") + k.in, &err)) << k.in;
    EXPECT_EQ(c.values().maxmemory, k.out) << k.in;
  }
  for (const char* bad : {"-1", "1.5mb", "1kbb", "1t", "1x"}) {
    EXPECT_EQ(LoadError(std::string("maxmemory ") + bad),
              Fatal(1, std::string("maxmemory ") + bad, "argument must be a memory value"));
  }
}

TEST(ConfigTest, ErrorsNameTheLine) {
  EXPECT_EQ(LoadError("bind 127.0.0.1\nsave \"\"\nfoo bar\n"),
            Fatal(3, "foo bar", "Bad directive or wrong number of arguments"));
  EXPECT_EQ(LoadError("port abc"),
            Fatal(1, "port abc", "argument couldn't be parsed into an integer"));
  for (const char* bad : {"05", "+5", "-0", "0x10", "1e3", "1k", "\"\""}) {
    EXPECT_EQ(LoadError(std::string("hz ") + bad),
              Fatal(1, std::string("hz ") + bad, "argument couldn't be parsed into an integer"));
  }
  EXPECT_EQ(LoadError("port 70000"),
            Fatal(1, "port 70000", "argument must be between 0 and 65535 inclusive"));
  EXPECT_EQ(LoadError("maxclients 0"),
            Fatal(1, "maxclients 0", "argument must be between 1 and 4294967295 inclusive"));
  EXPECT_EQ(LoadError("proto-max-bulk-len 1k"),
            Fatal(1, "proto-max-bulk-len 1k",
                  "argument must be between 1048576 and 9223372036854775807 inclusive"));
  EXPECT_EQ(LoadError("loglevel foo"),
            Fatal(1, "loglevel foo",
                  "argument(s) must be one of the following: debug, verbose, "
                  "notice, warning"));
  EXPECT_EQ(LoadError("daemonize maybe"),
            Fatal(1, "daemonize maybe", "argument must be 'yes' or 'no'"));
  EXPECT_EQ(LoadError("\n\n port\t"), Fatal(3, "port", "wrong number of arguments"));
  EXPECT_EQ(LoadError("port 1 # c"), Fatal(1, "port 1 # c", "wrong number of arguments"));
  EXPECT_EQ(LoadError("bind \"x"), Fatal(1, "bind \"x", "Unbalanced quotes in configuration line"));
  EXPECT_EQ(LoadError("save 900"), Fatal(1, "save 900", "Invalid save parameters"));
  EXPECT_EQ(LoadError("bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17"),
            Fatal(1, "bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17",
                  "Too many bind addresses specified."));
  EXPECT_EQ(LoadError("dir /nonexistent-vireo"),
            Fatal(1, "dir /nonexistent-vireo", "No such file or directory"));
  EXPECT_EQ(LoadError("dir /etc/passwd"), Fatal(1, "dir /etc/passwd", "Not a directory"));
  EXPECT_EQ(LoadError("x.y"), Fatal(1, "x.y", "Module config specified without value"));
}

// One refusal block listing every directive that asks for a missing
// behaviour, each with its line and reason.
std::string Refused(const std::vector<std::tuple<int, std::string, std::string>>& items) {
  std::string s = "\n*** FATAL CONFIG FILE ERROR (Vireo " + std::string(kVireoRelease) +
                  ") ***\nReading the configuration file: " + std::to_string(items.size()) +
                  (items.size() == 1 ? " directive asks" : " directives ask") +
                  " for what vireo-server does not support yet\n";
  for (const auto& [line, text, why] : items) {
    s += ">>> line " + std::to_string(line) + ": '" + text + "'\n" + why + "\n";
  }
  return s;
}

TEST(ConfigTest, RefusesMissingBehavioursAllAtOnce) {
  EXPECT_EQ(LoadError("port 1\nrequirepass secret\nappendonly yes\nhz 20\ndaemonize yes"),
            Refused({{5, "daemonize yes",
                      "daemonize yes is not supported by vireo-server: run it in the foreground "
                      "under a process supervisor"}}));
  // Replication and client eviction are built: these are accepted.
  for (const char* line : {"replicaof 1.2.3.4 6379", "slaveof 1.2.3.4 6379", "min-slaves-to-write 1",
                           "maxmemory-clients 10%", "maxmemory-clients 64mb"}) {
    Config c;
    std::string err;
    EXPECT_TRUE(c.LoadFromString(line, &err)) << line << err;
  }
  for (const char* line : {"cluster-enabled yes",
                           "include /x.conf",
                           "loadmodule /x.so",
                           "unixsocket /tmp/x.sock", "supervised systemd", "syslog-enabled yes",
                           "shutdown-on-sigterm nosave",
                           "enable-protected-configs yes", "oom-score-adj yes", "x.y 1"}) {
    const std::string err = LoadError(line);
    EXPECT_NE(err.find("Reading the configuration file: 1 directive asks"), std::string::npos)
        << line << err;
    EXPECT_NE(err.find("not supported by vireo-server"), std::string::npos) << line;
  }
  // Active defragmentation is built where the allocator can say what to move.
  if (alloc_defrag::Supported()) {
    Config c;
    std::string err;
    EXPECT_TRUE(c.LoadFromString("activedefrag yes\nactive-defrag-ignore-bytes 1mb", &err)) << err;
    EXPECT_EQ(GetOne(c, "activedefrag"), "yes");
    EXPECT_EQ(GetOne(c, "active-defrag-ignore-bytes"), "1048576");
  } else {
    EXPECT_NE(LoadError("activedefrag yes").find("requires a vireo-server built with jemalloc"), std::string::npos);
  }
  // Every eviction policy is built: accepted.
  for (const char* line : {"maxmemory-policy allkeys-lru", "maxmemory-policy volatile-ttl",
                           "maxmemory-policy ALLKEYS-LFU"}) {
    Config c;
    std::string err;
    EXPECT_TRUE(c.LoadFromString(line, &err)) << line << err;
  }
  // A later line for the same option replaces the value, and its refusal.
  {
    Config c;
    std::string err;
    EXPECT_TRUE(c.LoadFromString("appendonly yes\nrequirepass x\nappendonly no\nrequirepass \"\"",
                                 &err))
        << err;
  }
  // Command-line options are numbered as the lines they become.
  EXPECT_NE(ArgsError({"--daemonize", "yes", "--cluster-enabled", "yes", "--daemonize", "no"})
                .find(">>> line 3: 'cluster-enabled \"yes\"'"),
            std::string::npos);
  // A bad value is an error, not a refusal: it stops at once, as in Redis.
  EXPECT_EQ(LoadError("requirepass x\nmaxmemory-policy nope\ndaemonize yes"),
            Fatal(2, "maxmemory-policy nope",
                  "argument(s) must be one of the following: volatile-lru, "
                  "volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, "
                  "allkeys-lfu, allkeys-random, noeviction"));
  EXPECT_EQ(LoadError("save 900"), Fatal(1, "save 900", "Invalid save parameters"));
  EXPECT_EQ(LoadError("dbfilename a/b.rdb"),
            Fatal(1, "dbfilename a/b.rdb", "dbfilename can't be a path, just a filename"));
}

// Directives that only tune what Vireo does differently (replication,
// cluster, TLS, threads, defragmentation...) or that ask for Redis's
// default keep their value for CONFIG GET, as redis-server shows it.
TEST(ConfigTest, AcceptsTuningAndDefaultDirectives) {
  Config c;
  std::string err;
  ASSERT_TRUE(c.LoadFromString(
      "protected-mode yes\nrepl-backlog-size 2mb\nslave-priority 7\n"
      "oom-score-adj-values -2000 0 2000\nlatency-tracking-info-percentiles \"99.90 50\"\n"
      "tls-auth-clients OPTIONAL\nsupervised no\nrequirepass \"\"\nunixsocketperm 0700\n"
      "replicaof no one\nshutdown-on-sigint default\nmaxmemory-clients 0%\nactivedefrag no\n"
      "cluster-announce-hostname a.b-c\nio-threads 4\nlua-time-limit 100\n"
      "list-compress-depth 2\nappendonly no\nhll-sparse-max-bytes 1kb\n",
      &err))
      << err;
  EXPECT_EQ(GetOne(c, "repl-backlog-size"), "2097152");
  EXPECT_EQ(GetOne(c, "replica-priority"), "7");
  EXPECT_EQ(GetOne(c, "slave-priority"), "7");
  EXPECT_EQ(GetOne(c, "oom-score-adj-values"), "-2000 0 2000");
  EXPECT_EQ(GetOne(c, "latency-tracking-info-percentiles"), "99.9 50");
  EXPECT_EQ(GetOne(c, "tls-auth-clients"), "optional");
  EXPECT_EQ(GetOne(c, "unixsocketperm"), "700");
  EXPECT_EQ(GetOne(c, "replicaof"), "");
  EXPECT_EQ(GetOne(c, "maxmemory-clients"), "0");
  EXPECT_EQ(GetOne(c, "activedefrag"), "no");
  EXPECT_EQ(GetOne(c, "io-threads"), "4");
  EXPECT_EQ(GetOne(c, "busy-reply-threshold"), "100");
  EXPECT_EQ(GetOne(c, "hll-sparse-max-bytes"), "1024");
  EXPECT_EQ(GetOne(c, "tcp-backlog"), "511");
  // Untouched ones show Redis's defaults.
  EXPECT_EQ(GetOne(c, "proc-title-template"), "{title} {listen-addr} {server-mode}");
  EXPECT_EQ(GetOne(c, "syslog-facility"), "local0");
  // Hidden test knobs answer by exact name only.
  EXPECT_EQ(GetOne(c, "key-load-delay"), "0");
  EXPECT_TRUE(GetAll(c, {"key-load-*", "rdb-key-*"}).empty());
  // File-only keywords are not configs.
  EXPECT_TRUE(c.Get({"include"}).empty());
}

TEST(ConfigTest, CompatValuesAreCheckedAsRedisDoes) {
  EXPECT_EQ(LoadError("repl-timeout 0"),
            Fatal(1, "repl-timeout 0", "argument must be between 1 and 2147483647 inclusive"));
  EXPECT_EQ(LoadError("activerehashing maybe"),
            Fatal(1, "activerehashing maybe", "argument must be 'yes' or 'no'"));
  EXPECT_EQ(LoadError("repl-backlog-size 1x"),
            Fatal(1, "repl-backlog-size 1x", "argument must be a memory value"));
  EXPECT_EQ(LoadError("repl-diskless-load x"),
            Fatal(1, "repl-diskless-load x",
                  "argument(s) must be one of the following: disabled, on-empty-db, swapdb"));
  EXPECT_EQ(LoadError("oom-score-adj-values 1 2"),
            Fatal(1, "oom-score-adj-values 1 2", "wrong number of arguments"));
  EXPECT_EQ(LoadError("oom-score-adj-values 1 2 3000"),
            Fatal(1, "oom-score-adj-values 1 2 3000",
                  "Invalid oom-score-adj-values, elements must be between -2000 and 2000."));
  EXPECT_EQ(LoadError("unixsocketperm 999"),
            Fatal(1, "unixsocketperm 999", "argument couldn't be parsed as an octal number"));
  EXPECT_EQ(LoadError("proc-title-template {foo}"),
            Fatal(1, "proc-title-template {foo}",
                  "template format is invalid or contains unknown variables"));
  EXPECT_EQ(LoadError("maxmemory-clients 101%"),
            Fatal(1, "maxmemory-clients 101%", "percentage argument must be less or equal to 100"));
  EXPECT_EQ(LoadError("repl-timeout 1 2"),
            Fatal(1, "repl-timeout 1 2", "wrong number of arguments"));

  Config c;
  const std::string pre = "ERR CONFIG SET failed (possibly related to argument '";
  EXPECT_EQ(c.Set({{"repl-timeout", "5"}, {"slave-read-only", "no"}}), "");
  EXPECT_EQ(GetOne(c, "repl-timeout"), "5");
  EXPECT_EQ(GetOne(c, "replica-read-only"), "no");
  EXPECT_EQ(c.Set({{"io-threads", "2"}}), pre + "io-threads') - can't set immutable config");
  EXPECT_EQ(c.Set({{"requirepass", "x"}}), "");
  EXPECT_EQ(GetOne(c, "requirepass"), "x");
  EXPECT_EQ(c.Set({{"aclfile", "x"}}), pre + "aclfile') - can't set immutable config");
  EXPECT_EQ(c.Set({{"include", "x"}}),
            "ERR Unknown option or number of arguments for CONFIG SET - 'include'");
}

// An implemented option always replaces the compatibility row of its name:
// no name or alias appears twice in the table.
TEST(ConfigTest, EveryNameOnce) {
  std::map<std::string, int> seen;
  for (const auto& [name, value] : Config().Get({"*"})) ++seen[name];
  for (const auto& [name, n] : seen) EXPECT_EQ(n, 1) << name;
  // Every Redis 7.0 directive is known (a sample of each family).
  for (const char* n : {"busy-reply-threshold", "lua-time-limit", "stream-node-max-entries",
                        "notify-keyspace-events", "client-output-buffer-limit", "tls-port",
                        "cluster-enabled", "replicaof", "slaveof", "protected-mode"}) {
    EXPECT_EQ(seen.count(n), 1u) << n;
  }
}

TEST(ConfigTest, CommandLineLinesFollowTheFile) {
  // No file: command-line options start at line 2, as in redis-server.
  EXPECT_EQ(ArgsError({"--foo", "bar"}),
            Fatal(2, "foo \"bar\"", "Bad directive or wrong number of arguments"));
  EXPECT_EQ(ArgsError({"--port", "1", "--save", "--maxmemory", "10X"}),
            Fatal(4, "maxmemory \"10X\"", "argument must be a memory value"));
  EXPECT_EQ(ArgsError({"/nonexistent-vireo.conf"}),
            "Fatal error, can't open config file '/nonexistent-vireo.conf': "
            "No such file or directory");
  std::vector<std::string> ok = {"--port", "7000", "--bind",       "127.0.0.1", "::1",
                                 "--save", "",     "--appendonly", "no"};
  std::vector<char*> argv = {const_cast<char*>("vireo-server")};
  for (auto& a : ok) argv.push_back(a.data());
  Config c;
  std::string err;
  ASSERT_TRUE(c.LoadFromArgs(static_cast<int>(argv.size()), argv.data(), &err)) << err;
  EXPECT_EQ(c.values().port, 7000);
  EXPECT_EQ(c.values().bind, (std::vector<std::string>{"127.0.0.1", "::1"}));
}

TEST(ConfigTest, GetGlobsAliasesAndNoDuplicates) {
  Config c;
  auto r = c.Get({"port", "p*t", "PORT"});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0], (std::pair<std::string, std::string>{"port", "6379"}));
  r = c.Get({"HZ"});  // exact names are echoed as written
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].first, "HZ");
  EXPECT_EQ(GetOne(c, "Hash-max-ziplist-entries"), "512");
  auto m = GetAll(c, {"*max-*-entries*"});
  EXPECT_EQ(m.size(), 5u);  // hash/zset listpack+ziplist names, set-max-intset-entries
  EXPECT_TRUE(c.Get({"nosuch"}).empty());
  EXPECT_TRUE(c.Get({"include"}).empty());
}

TEST(ConfigTest, SetAppliesAndFormats) {
  Config c;
  EXPECT_EQ(c.Set({{"maxmemory", "1kb"}, {"HZ", "11"}}), "");
  EXPECT_EQ(GetOne(c, "maxmemory"), "1024");
  EXPECT_EQ(GetOne(c, "hz"), "11");
  EXPECT_EQ(c.Set({{"hz", "0"}}), "");
  EXPECT_EQ(GetOne(c, "hz"), "1");
  EXPECT_EQ(c.Set({{"maxmemory", ""}}), "");  // empty counts as 0 in Redis
  EXPECT_EQ(GetOne(c, "maxmemory"), "0");
  EXPECT_EQ(c.Set({{"hash-max-listpack-value", "1k"}}), "");
  EXPECT_EQ(GetOne(c, "hash-max-ziplist-value"), "1000");
  EXPECT_EQ(c.Set({{"loglevel", "VERBOSE"}}), "");
  EXPECT_EQ(GetOne(c, "loglevel"), "verbose");
  EXPECT_EQ(c.Set({{"lazyfree-lazy-user-del", "YES"}}), "");
  EXPECT_EQ(GetOne(c, "lazyfree-lazy-user-del"), "yes");
  EXPECT_EQ(c.Set({{"bind", "127.0.0.1 ::1"}}), "");
  EXPECT_EQ(GetOne(c, "bind"), "127.0.0.1 ::1");
  EXPECT_EQ(c.Set({{"bind", ""}}), "");
  EXPECT_TRUE(c.values().bind.empty());
  EXPECT_EQ(c.Set({{"save", ""}, {"appendonly", "no"}}), "");
  // An alias and its new name are not duplicates; the later one wins.
  EXPECT_EQ(c.Set({{"hash-max-ziplist-entries", "100"}, {"hash-max-listpack-entries", "200"}}), "");
  EXPECT_EQ(c.values().hash_max_listpack_entries, 200);
}

TEST(ConfigTest, SetErrorsMatchRedis) {
  Config c;
  const std::string pre = "ERR CONFIG SET failed (possibly related to argument '";
  EXPECT_EQ(c.Set({{"foo", "bar"}}),
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
  EXPECT_EQ(c.Set({{"port", "abc"}}), pre + "port') - argument couldn't be parsed into an integer");
  EXPECT_EQ(c.Set({{"daemonize", "no"}}), pre + "daemonize') - can't set immutable config");
  EXPECT_EQ(c.Set({{"databases", "1"}}), pre + "databases') - can't set immutable config");
  EXPECT_EQ(c.Set({{"dir", "/tmp"}}), pre + "dir') - can't set protected config");
  EXPECT_EQ(c.Set({{"port", "1"}, {"PORT", "2"}}), pre + "PORT') - duplicate parameter");
  EXPECT_EQ(c.Set({{"hz", "-1"}}),
            pre + "hz') - argument must be between 0 and 2147483647 inclusive");
  EXPECT_EQ(c.Set({{"maxmemory", "-1"}}), pre + "maxmemory') - argument must be a memory value");
  EXPECT_EQ(c.Set({{"save", "900"}}), pre + "save') - Invalid save parameters");
  EXPECT_EQ(c.Set({{"loglevel", ""}}),
            pre +
                "loglevel') - argument(s) must be one of the following: debug, "
                "verbose, notice, warning");
  // Name checks run over all pairs before any value is parsed.
  EXPECT_EQ(c.Set({{"hz", "xx"}, {"foo", "1"}}),
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
  EXPECT_EQ(c.Set({{"hz", "xx"}, {"daemonize", "no"}}),
            pre + "daemonize') - can't set immutable config");
  EXPECT_EQ(c.Set({{"appendonly", "maybe"}}), pre + "appendonly') - argument must be 'yes' or 'no'");
}

TEST(ConfigTest, SetIsAllOrNothing) {
  Config c;
  EXPECT_NE(c.Set({{"hz", "20"}, {"maxmemory", "abc"}, {"port", "1"}}), "");
  EXPECT_EQ(c.values().hz, 10);
  EXPECT_EQ(c.values().port, 6379);

  // A failing apply hook rolls everything back and re-applies the old values.
  std::vector<std::string> applied, changed;
  c.set_apply_hook([&](std::string_view name) {
    applied.emplace_back(name);
    if (name == "port" && c.values().port == 1) return std::string("boom");
    return std::string();
  });
  c.set_on_change([&](std::string_view name) { changed.emplace_back(name); });
  EXPECT_EQ(c.Set({{"hz", "20"}, {"port", "1"}}),
            "ERR CONFIG SET failed (possibly related to argument 'port') - boom");
  EXPECT_EQ(c.values().hz, 10);
  EXPECT_EQ(c.values().port, 6379);
  EXPECT_TRUE(changed.empty());
  EXPECT_EQ(applied, (std::vector<std::string>{"hz", "port", "hz", "port"}));

  applied.clear();
  EXPECT_EQ(c.Set({{"hz", "20"}, {"port", "6379"}}), "");  // port unchanged
  EXPECT_EQ(applied, std::vector<std::string>{"hz"});
  EXPECT_EQ(changed, std::vector<std::string>{"hz"});
}

}  // namespace
}  // namespace vireo

TEST(ConfigTest, RenameCommandLinesAreKeptInOrder) {
  vireo::Config c;
  std::string err;
  ASSERT_TRUE(c.LoadFromString("port 7000\nrename-command CONFIG \"\"\n"
                               "rename-command get fetch\n",
                               &err))
      << err;
  ASSERT_EQ(c.command_renames().size(), 2u);
  EXPECT_EQ(c.command_renames()[0].from, "CONFIG");
  EXPECT_EQ(c.command_renames()[0].to, "");
  EXPECT_EQ(c.command_renames()[1].line, 3);
  EXPECT_EQ(c.command_renames()[1].text, "rename-command get fetch");
  // Redis's texts: a wrong count is a bad directive at once.
  vireo::Config other;
  EXPECT_FALSE(other.LoadFromString("rename-command get", &err));
  EXPECT_NE(err.find("Bad directive or wrong number of arguments"), std::string::npos);
}
