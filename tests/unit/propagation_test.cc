// What commands propagate (the AOF's and replicas' view of each command), as
// Redis 7.0.15 writes it: every expectation below was read from an AOF that
// redis-server wrote for the same commands (appendonly yes, no RDB preamble).
// The server runs without sockets: a pseudo-client's input is processed by
// the real command path and a recording sink stands for the AOF.
#include "server/propagation.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "server/client.h"
#include "server/server.h"

namespace vireo {
namespace {

class RecordingSink : public PropagationSink {
 public:
  explicit RecordingSink(uint8_t target) : target_(target) {}
  uint8_t propagation_target() const override { return target_; }
  void Feed(int, std::string_view resp) override { bytes.append(resp); }
  std::string bytes;

 private:
  uint8_t target_;
};

// The commands in RESP bytes, one line each, arguments separated by spaces.
std::vector<std::string> Decode(const std::string& b) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < b.size()) {
    EXPECT_EQ(b[i], '*');
    size_t e = b.find("\r\n", i);
    int n = std::stoi(b.substr(i + 1, e - i - 1));
    i = e + 2;
    std::string line;
    for (int k = 0; k < n; ++k) {
      EXPECT_EQ(b[i], '$');
      e = b.find("\r\n", i);
      size_t len = std::stoul(b.substr(i + 1, e - i - 1));
      i = e + 2;
      if (k) line += ' ';
      line += b.substr(i, len);
      i += len + 2;
    }
    out.push_back(line);
  }
  return out;
}

class PropagationTest : public ::testing::Test {
 protected:
  PropagationTest() : server_(Config()), aof_(kPropagateAof), repl_(kPropagateRepl) {
    client_ = std::make_unique<Client>(&server_, -1, 100000, "test", "");
    client_->user = server_.acl().default_user();  // as the Server sets it on accept
    client_->authenticated = true;
    // No save points: FLUSHALL would save a dump file into the working directory.
    EXPECT_EQ(server_.config().Set({{"save", ""}}), "");
    server_.AddPropagationSink(&aof_);
  }
  ~PropagationTest() override {
    server_.RemovePropagationSink(&aof_);
    server_.RemovePropagationSink(&repl_);
  }

  // Runs each command line (split on spaces) and returns what the AOF sink got since the last Run.
  std::vector<std::string> Run(const std::vector<std::string>& lines) {
    for (const std::string& l : lines) {
      std::vector<std::string> args;
      size_t p = 0;
      while (p <= l.size()) {
        size_t q = l.find(' ', p);
        if (q == std::string::npos) q = l.size();
        args.push_back(l.substr(p, q - p));
        p = q + 1;
      }
      std::vector<std::string_view> views(args.begin(), args.end());
      std::string bytes;
      Propagator::AppendCommand(&bytes, views);
      client_->query.Append(bytes);
      server_.ProcessInput(client_.get());
    }
    std::vector<std::string> got = Decode(aof_.bytes);
    aof_.bytes.clear();
    return got;
  }
  std::string LastReply() { return client_->reply.buffer(); }

  Server server_;
  RecordingSink aof_, repl_;
  std::unique_ptr<Client> client_;
};

using Lines = std::vector<std::string>;

TEST_F(PropagationTest, PlainWritesAsSentWithSelectOnce) {
  EXPECT_EQ(Run({"set a 1", "get a", "incr n", "select 3", "set x 1", "select 0", "set y 2"}),
            (Lines{"SELECT 0", "set a 1", "incr n", "SELECT 3", "set x 1", "SELECT 0", "set y 2"}));
  // Nothing changed: nothing propagated.
  EXPECT_EQ(Run({"get a", "setnx a 2", "del missing", "exists a"}), Lines{});
}

TEST_F(PropagationTest, SetExpiriesBecomeAbsolute) {
  int64_t before = NowMs();
  Lines got = Run({"set b 2 ex 100", "setex c 100 v", "psetex d 100000 v", "set e 1 px 5000 get",
                   "set f 1 pxat 1900000000000", "set g 1 exat 100", "set a 1 keepttl"});
  int64_t after = NowMs();
  ASSERT_EQ(got.size(), 8u);
  EXPECT_EQ(got[0], "SELECT 0");
  auto check = [&](const std::string& line, const std::string& prefix, int64_t rel) {
    ASSERT_EQ(line.substr(0, prefix.size()), prefix) << line;
    int64_t t = std::stoll(line.substr(prefix.size()));
    EXPECT_GE(t, before + rel);
    EXPECT_LE(t, after + rel);
  };
  check(got[1], "SET b 2 PXAT ", 100000);
  check(got[2], "SET c v PXAT ", 100000);
  check(got[3], "SET d v PXAT ", 100000);
  check(got[4], "SET e 1 PXAT ", 5000);
  EXPECT_EQ(got[5], "SET f 1 PXAT 1900000000000");
  EXPECT_EQ(got[6], "SET g 1 PXAT 100000");
  EXPECT_EQ(got[7], "set a 1 keepttl");
}

TEST_F(PropagationTest, SetGetAndGetSet) {
  EXPECT_EQ(Run({"set g 1 get", "set g 2 nx", "set g 3 xx get", "getset g 4"}),
            (Lines{"SELECT 0", "set g 1", "set g 3 xx", "SET g 4"}));
}

TEST_F(PropagationTest, ExpireFamily) {
  int64_t before = NowMs();
  Lines got = Run({"set a 1", "expire a 100", "pexpire a 100000 nx", "pexpire a 100000 xx", "pexpireat a 1900000000000",
                   "expireat a 1900000000", "expire a 100 nx", "expireat a 1", "set a 1", "expire a -1"});
  ASSERT_EQ(got.size(), 9u) << ::testing::PrintToString(got);
  EXPECT_EQ(got[1], "set a 1");
  EXPECT_EQ(got[2].substr(0, 12), "PEXPIREAT a ");
  EXPECT_GE(std::stoll(got[2].substr(12)), before + 100000);
  EXPECT_EQ(got[3].substr(0, 12), "PEXPIREAT a ");
  EXPECT_EQ(got[3].substr(got[3].size() - 3), " xx");  // the options stay
  EXPECT_EQ(got[4], "pexpireat a 1900000000000");       // already absolute: as sent
  EXPECT_EQ(got[5], "PEXPIREAT a 1900000000000");
  EXPECT_EQ(got[6], "DEL a");  // a deadline in the past deletes
  EXPECT_EQ(got[7], "set a 1");
  EXPECT_EQ(got[8], "DEL a");
}

TEST_F(PropagationTest, GetExGetDelAndFloats) {
  int64_t before = NowMs();
  Lines got = Run({"set b 2", "getex b ex 100", "getex b persist", "getex b", "getdel b", "set e 1",
                   "getex e exat 1", "incrbyfloat f 1.5", "incrbyfloat f 0.1", "hincrbyfloat h x 2.5"});
  ASSERT_EQ(got.size(), 10u) << ::testing::PrintToString(got);
  EXPECT_EQ(got[2].substr(0, 12), "PEXPIREAT b ");
  EXPECT_GE(std::stoll(got[2].substr(12)), before + 100000);
  EXPECT_EQ(got[3], "PERSIST b");
  EXPECT_EQ(got[4], "DEL b");
  EXPECT_EQ(got[5], "set e 1");
  EXPECT_EQ(got[6], "DEL e");
  EXPECT_EQ(got[7], "SET f 1.5 KEEPTTL");
  EXPECT_EQ(got[8], "SET f 1.6 KEEPTTL");  // the exact value, not the increment
  EXPECT_EQ(got[9], "HSET h x 2.5");
}

TEST_F(PropagationTest, LazyfreeExpireDeletesWithUnlink) {
  ASSERT_EQ(server_.config().Set({{"lazyfree-lazy-expire", "yes"}}), "");
  EXPECT_EQ(Run({"set e 1", "expire e 0", "set e 1", "getex e exat 1", "set e 1", "getdel e"}),
            (Lines{"SELECT 0", "set e 1", "UNLINK e", "set e 1", "UNLINK e", "set e 1", "DEL e"}));
}

TEST_F(PropagationTest, SpopPropagatesSrems) {
  Run({"sadd s a b c d e"});
  Lines one = Run({"spop s"});
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].substr(0, 7), "SREM s ");
  Lines two = Run({"spop s 2"});
  ASSERT_EQ(two.size(), 4u) << ::testing::PrintToString(two);
  EXPECT_EQ(two[0], "MULTI");
  EXPECT_EQ(two[1].substr(0, 7), "SREM s ");
  EXPECT_EQ(two[2].substr(0, 7), "SREM s ");
  EXPECT_EQ(two[3], "EXEC");
  EXPECT_EQ(Run({"spop s 0", "spop s 10"}), (Lines{"DEL s"}));
  // Most of a big set popped: the popped members, one SREM each.
  Run({"sadd t 1 2 3 4 5 6 7 8 9 10"});
  Lines most = Run({"spop t 9"});
  EXPECT_EQ(most.size(), 11u);
}

TEST_F(PropagationTest, BlockingPopsAsTheirPlainForms) {
  EXPECT_EQ(Run({"rpush l a b c", "blpop l 0", "brpop l 1", "blmove l l2 left right 0", "rpush l x y z",
                 "blmpop 0 1 l left count 2", "lmpop 1 l right", "rpush l q", "brpoplpush l l3 0"}),
            (Lines{"SELECT 0", "rpush l a b c", "LPOP l", "RPOP l", "LMOVE l l2 left right", "rpush l x y z",
                   "LPOP l 2", "RPOP l 1", "rpush l q", "RPOPLPUSH l l3"}));
  EXPECT_EQ(Run({"zadd z 1 a 2 b 3 c 4 d", "bzpopmin z 0", "bzpopmax z 0", "bzmpop 0 1 z min count 1",
                 "zmpop 1 z max", "zpopmin z"}),
            (Lines{"zadd z 1 a 2 b 3 c 4 d", "ZPOPMIN z", "ZPOPMAX z", "ZPOPMIN z 1", "ZPOPMAX z 1"}));
}

TEST_F(PropagationTest, TransactionsWrapOnlySeveralWrites) {
  EXPECT_EQ(Run({"multi", "set m1 1", "set m2 2", "exec"}), (Lines{"SELECT 0", "MULTI", "set m1 1", "set m2 2", "EXEC"}));
  EXPECT_EQ(Run({"multi", "set m3 1", "get m3", "exec"}), (Lines{"set m3 1"}));
  EXPECT_EQ(Run({"multi", "get m3", "exec"}), Lines{});
  // The SELECT goes before MULTI when the first write is in another db.
  EXPECT_EQ(Run({"multi", "select 2", "set a 1", "select 0", "set b 1", "exec"}),
            (Lines{"SELECT 2", "MULTI", "set a 1", "SELECT 0", "set b 1", "EXEC"}));
}

TEST_F(PropagationTest, ScriptsPropagateTheirEffects) {
  EXPECT_EQ(Run({"eval redis.call('set','k1','1');redis.call('set','k2','2') 0", "eval redis.call('set','k3','1') 0",
                 "eval return 1 0"}),
            (Lines{"SELECT 0", "MULTI", "set k1 1", "set k2 2", "EXEC", "set k3 1"}));
  // redis.set_repl(REPL_REPLICA): the AOF does not get what follows.
  EXPECT_EQ(Run({"eval redis.set_repl(redis.REPL_REPLICA);redis.call('set','k4','1') 0",
                 "eval redis.call('incrbyfloat','k5','1.25') 0"}),
            (Lines{"SET k5 1.25 KEEPTTL"}));
}

TEST_F(PropagationTest, DatabaseCommandsAsSent) {
  EXPECT_EQ(Run({"flushall", "flushdb", "set sw 1", "swapdb 0 1", "swapdb 0 1", "move sw 2", "set cp 1",
                 "copy cp cp2", "copy cp cp3 db 4"}),
            (Lines{"SELECT 0", "flushall", "flushdb", "set sw 1", "swapdb 0 1", "swapdb 0 1", "move sw 2", "set cp 1",
                   "copy cp cp2", "copy cp cp3 db 4"}));
}

TEST_F(PropagationTest, HllCacheUpdateAndGeoAdd) {
  EXPECT_EQ(Run({"pfadd hl a b c", "pfcount hl", "pfcount hl", "geoadd geo 13.361389 38.115556 Palermo"}),
            (Lines{"SELECT 0", "pfadd hl a b c", "pfcount hl", "zadd geo 3479099956230698 Palermo"}));
}

TEST_F(PropagationTest, StreamGroupsPropagateClaims) {
  Run({"xadd st 1-1 f v", "xadd st 2-1 f v", "xgroup create st g 0"});
  Lines r1 = Run({"xreadgroup group g c1 count 1 streams st >"});
  ASSERT_EQ(r1.size(), 1u);
  EXPECT_EQ(r1[0].substr(0, 24), "XCLAIM st g c1 0 1-1 TIM");
  const std::string tail = " RETRYCOUNT 1 FORCE JUSTID LASTID 1-1";
  EXPECT_EQ(r1[0].substr(r1[0].size() - tail.size()), tail);
  Lines r2 = Run({"xautoclaim st g c3 0 0"});
  ASSERT_EQ(r2.size(), 1u) << ::testing::PrintToString(r2);
  EXPECT_NE(r2[0].find("XCLAIM st g c3 0 1-1 TIME "), std::string::npos);
  EXPECT_NE(r2[0].find(" RETRYCOUNT 2 FORCE JUSTID LASTID 1-1"), std::string::npos);
  EXPECT_EQ(Run({"xgroup setid st g 0", "xreadgroup group g c1 noack streams st >"}),
            (Lines{"xgroup setid st g 0", "XGROUP SETID st g 2-1 ENTRIESREAD 2"}));
  // A consumer a NOACK read creates travels first (no XCLAIM will create it).
  EXPECT_EQ(Run({"xadd st 3-1 f v", "xreadgroup group g fresh noack streams st >"}),
            (Lines{"xadd st 3-1 f v", "MULTI", "XGROUP CREATECONSUMER st g fresh", "XGROUP SETID st g 3-1 ENTRIESREAD 3",
                   "EXEC"}));
  // "*" is replaced by the ID used.
  Lines add = Run({"xadd st 5-* f v"});
  EXPECT_EQ(add, (Lines{"xadd st 5-0 f v"}));
}

TEST_F(PropagationTest, PublishGoesToReplicasOnly) {
  server_.AddPropagationSink(&repl_);
  EXPECT_EQ(Run({"publish ch hello", "set a 1"}), (Lines{"SELECT 0", "set a 1"}));
  EXPECT_EQ(Decode(repl_.bytes), (Lines{"SELECT 0", "publish ch hello", "set a 1"}));
}

TEST_F(PropagationTest, NoSinkNoPropagation) {
  server_.RemovePropagationSink(&aof_);
  Run({"set a 1 ex 10", "multi", "set b 1", "set c 1", "exec"});
  server_.AddPropagationSink(&aof_);
  EXPECT_EQ(Run({"set d 1"}), (Lines{"SELECT 0", "set d 1"}));
}

}  // namespace
}  // namespace vireo
