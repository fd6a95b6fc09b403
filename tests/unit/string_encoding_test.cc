// String commands run directly against a Keyspace with the narrow command
// context (no server, no sockets): the value
// encodings each command leaves behind (what OBJECT ENCODING reports), TTLs
// kept or dropped, in-place growth of raw strings, and the keyspace hit/miss
// counting of read commands. Reply bytes are checked by the differential suite.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "commands/core/command.h"
#include "engine/database.h"
#include "resp/reply_builder.h"

namespace vireo {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;

// Services of a node with no blocked clients, watchers or subscribers.
class NoServices : public CommandServices {
 public:
  void BlockOnKeys(ClientSession&, int, const std::vector<std::string_view>&, const std::vector<std::string_view>&,
                   int64_t, BlockTimeoutReply) override {}
  void SignalKeyReady(int, std::string_view) override {}
  void SignalDb(int) override {}
  void KeyModified(int, std::string_view) override {}
  void DbModified(int, int) override {}
  void Notify(uint32_t, std::string_view, std::string_view, int) override {}
};

class StringCommandsTest : public ::testing::Test {
 protected:
  StringCommandsTest() : keyspace_(16) {}

  // Runs one command and returns its raw RESP2 reply.
  std::string Run(std::vector<std::string> words) {
    std::vector<std::string_view> args(words.begin(), words.end());
    Command* cmd = table_.Find(args[0]);
    EXPECT_NE(cmd, nullptr) << words[0];
    if (!cmd || !cmd->handler) return "";
    reply_.buffer().clear();
    CommandContext ctx{args, reply_, session_, keyspace_, limits_, services_, now_};
    cmd->handler(ctx);
    return reply_.buffer();
  }

  Entry* Find(std::string_view key) { return keyspace_.db(0).Find(key); }
  Encoding EncodingOf(std::string_view key) { return Find(key)->encoding(); }

  CommandTable table_;
  Keyspace keyspace_;
  EncodingLimits limits_;
  NoServices services_;
  ClientSession session_;
  ReplyBuilder reply_;
  int64_t now_ = kNow;
};

TEST_F(StringCommandsTest, SetPicksEncodingByValue) {
  Run({"set", "i", "12345"});
  Run({"set", "e", std::string(44, 'x')});
  Run({"set", "r", std::string(45, 'x')});
  Run({"set", "big", "123456789012345678901"});  // 21 digits: not an int
  Run({"set", "lead", "012"});
  EXPECT_EQ(EncodingOf("i"), Encoding::kInt);
  EXPECT_EQ(EncodingOf("e"), Encoding::kEmbstr);
  EXPECT_EQ(EncodingOf("r"), Encoding::kRaw);
  EXPECT_EQ(EncodingOf("big"), Encoding::kEmbstr);
  EXPECT_EQ(EncodingOf("lead"), Encoding::kEmbstr);
  EXPECT_EQ(Run({"get", "i"}), "$5\r\n12345\r\n");
}

TEST_F(StringCommandsTest, AppendAndSetRangeGiveRaw) {
  Run({"append", "n", "12"});
  EXPECT_EQ(EncodingOf("n"), Encoding::kInt);  // a new key is stored as SET would
  EXPECT_EQ(Run({"append", "n", "3"}), ":3\r\n");
  EXPECT_EQ(EncodingOf("n"), Encoding::kRaw);
  EXPECT_EQ(Run({"get", "n"}), "$3\r\n123\r\n");
  Run({"set", "s", "hello"});
  EXPECT_EQ(Run({"setrange", "s", "0", "J"}), ":5\r\n");
  EXPECT_EQ(EncodingOf("s"), Encoding::kRaw);
  EXPECT_EQ(Run({"setrange", "fresh", "3", "x"}), ":4\r\n");
  EXPECT_EQ(Run({"get", "fresh"}), std::string("$4\r\n\0\0\0x\r\n", 10));
  EXPECT_EQ(EncodingOf("fresh"), Encoding::kRaw);
}

TEST_F(StringCommandsTest, AppendGrowsInPlaceWithSpareRoom) {
  Run({"append", "k", std::string(50, 'a')});
  Run({"append", "k", "b"});
  Entry* e = Find("k");
  HeapString* h = e->heap();
  EXPECT_GE(h->cap, h->len);
  for (int i = 0; i < 1000; ++i) Run({"append", "k", "c"});
  EXPECT_EQ(Find("k"), e);  // the entry itself never moved
  EXPECT_EQ(Find("k")->StringLength(), 1051u);
}

TEST_F(StringCommandsTest, CountersStayIntAndKeepTtl) {
  Run({"set", "c", "10", "px", "5000"});
  EXPECT_EQ(Run({"incrby", "c", "5"}), ":15\r\n");
  EXPECT_EQ(EncodingOf("c"), Encoding::kInt);
  ASSERT_TRUE(Find("c")->has_expire());
  EXPECT_EQ(Find("c")->expire_ms(), kNow + 5000);
  Run({"set", "t", "abc"});
  Run({"set", "t", "7", "keepttl"});  // no TTL to keep
  EXPECT_FALSE(Find("t")->has_expire());
  Run({"append", "t", "0"});  // "70", raw
  EXPECT_EQ(Run({"incr", "t"}), ":71\r\n");
  EXPECT_EQ(EncodingOf("t"), Encoding::kInt);
}

TEST_F(StringCommandsTest, IncrByFloatStoresText) {
  Run({"set", "f", "5", "ex", "100"});
  EXPECT_EQ(Run({"incrbyfloat", "f", "1.0"}), "$1\r\n6\r\n");
  EXPECT_EQ(EncodingOf("f"), Encoding::kEmbstr);  // never int, as Redis
  EXPECT_TRUE(Find("f")->has_expire());
}

TEST_F(StringCommandsTest, SetDropsTtlUnlessKeepTtl) {
  Run({"set", "k", "v", "ex", "100"});
  EXPECT_EQ(Find("k")->expire_ms(), kNow + 100000);
  Run({"set", "k", "v2", "keepttl"});
  ASSERT_TRUE(Find("k")->has_expire());
  EXPECT_EQ(Find("k")->expire_ms(), kNow + 100000);
  Run({"getset", "k", "v3"});
  EXPECT_FALSE(Find("k")->has_expire());
  Run({"set", "k", "v", "pxat", "1"});
  EXPECT_EQ(Run({"get", "k"}), "$-1\r\n");  // stored already expired, removed on read
  EXPECT_EQ(Find("k"), nullptr);
}

TEST_F(StringCommandsTest, ExpireOverflowIsInvalid) {
  EXPECT_EQ(Run({"set", "k", "v", "px", "9223372036854775807"}),
            "-ERR invalid expire time in 'set' command\r\n");
  EXPECT_EQ(Run({"set", "k", "v", "ex", "9223372036854776"}),
            "-ERR invalid expire time in 'set' command\r\n");
  EXPECT_EQ(Run({"setex", "k", "0", "v"}), "-ERR invalid expire time in 'setex' command\r\n");
  EXPECT_EQ(Run({"set", "k", "v", "pxat", "9223372036854775807"}), "+OK\r\n");  // absolute: no addition
}

TEST_F(StringCommandsTest, ReadsCountHitsAndMisses) {
  KeyspaceStats& st = keyspace_.stats();
  Run({"set", "a", "1"});
  uint64_t hits = st.keyspace_hits, misses = st.keyspace_misses;
  Run({"get", "a"});
  Run({"get", "nope"});
  Run({"mget", "a", "b", "a"});
  Run({"strlen", "a"});
  EXPECT_EQ(st.keyspace_hits - hits, 4u);
  EXPECT_EQ(st.keyspace_misses - misses, 2u);
  // Writes do not count.
  Run({"incr", "a"});
  Run({"append", "zz", "x"});
  Run({"setnx", "a", "1"});
  EXPECT_EQ(st.keyspace_hits - hits, 4u);
  EXPECT_EQ(st.keyspace_misses - misses, 2u);
}

TEST_F(StringCommandsTest, LcsRanges) {
  Run({"mset", "a", "ohmytext", "b", "mynewtext"});
  EXPECT_EQ(Run({"lcs", "a", "b"}), "$6\r\nmytext\r\n");
  EXPECT_EQ(Run({"lcs", "a", "b", "len"}), ":6\r\n");
  EXPECT_EQ(Run({"lcs", "a", "b", "idx", "minmatchlen", "4", "withmatchlen"}),
            "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n");
}

}  // namespace
}  // namespace vireo

// rename-command's table operation (the server applies the config lines).
TEST(CommandTableRename, RenamesDisablesAndRefuses) {
  vireo::CommandTable t;
  const size_t before = t.all().size();
  vireo::Command* get = t.Find("get");
  ASSERT_NE(get, nullptr);
  EXPECT_EQ(t.Rename("GET", "Fetch"), "");
  EXPECT_EQ(t.Find("get"), nullptr);
  EXPECT_EQ(t.Find("FETCH"), get);
  EXPECT_EQ(t.all().size(), before);  // still listed, by its own name
  EXPECT_EQ(t.Rename("get", "x"), "No such command in rename-command");
  EXPECT_EQ(t.Rename("fetch", "set"), "Target command name already exists");
  EXPECT_EQ(t.Rename("set", "set"), "");
  EXPECT_EQ(t.Rename("set", ""), "");
  EXPECT_EQ(t.Find("set"), nullptr);
  EXPECT_EQ(t.all().size(), before - 1);
}
