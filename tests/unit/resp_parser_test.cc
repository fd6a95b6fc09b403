// Expected behaviour (including every error text) was checked against
// redis-server 7.0.15 over a raw socket.
#include "resp/resp_parser.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace vireo {
namespace {

struct Outcome {
  RespParser::Status status;
  std::vector<std::vector<std::string>> commands;  // one entry per complete command (even empty)
  std::string error;
  size_t unconsumed = 0;
};

// Feeds `input` in chunks of `chunk` bytes the way a connection does: keeps
// unconsumed bytes, appends new ones, parses until it needs more.
Outcome Feed(const std::string& input, size_t chunk, ParseLimits limits = {}) {
  RespParser parser;
  parser.set_limits(limits);
  Outcome out{RespParser::Status::kNeedMore, {}, {}, 0};
  std::string buffer;
  size_t fed = 0;
  while (fed < input.size()) {
    size_t n = std::min(chunk, input.size() - fed);
    buffer.append(input, fed, n);
    fed += n;
    while (!buffer.empty()) {
      size_t consumed = 0;
      auto st = parser.Parse(buffer.data(), buffer.size(), &consumed);
      out.status = st;
      if (st == RespParser::Status::kNeedMore) {
        EXPECT_EQ(consumed, 0u);
        break;
      }
      if (st == RespParser::Status::kError) {
        out.error = parser.error();
        return out;
      }
      EXPECT_GT(consumed, 0u);
      EXPECT_LE(consumed, buffer.size());
      out.commands.emplace_back(parser.args().begin(), parser.args().end());
      buffer.erase(0, consumed);
    }
  }
  out.unconsumed = buffer.size();
  return out;
}

using Cmds = std::vector<std::vector<std::string>>;

// Every chunking must give the same result.
void ExpectCommands(const std::string& input, const Cmds& expected) {
  for (size_t chunk : {size_t(1), size_t(2), size_t(3), size_t(7), input.size()}) {
    Outcome o = Feed(input, chunk);
    EXPECT_EQ(o.error, "") << "chunk " << chunk;
    EXPECT_EQ(o.commands, expected) << "chunk " << chunk;
    EXPECT_EQ(o.unconsumed, 0u) << "chunk " << chunk;
  }
}

void ExpectError(const std::string& input, const std::string& error, ParseLimits limits = {}) {
  for (size_t chunk : {size_t(1), size_t(5), input.size()}) {
    if (chunk == 1 && input.size() > 200000) continue;
    Outcome o = Feed(input, chunk, limits);
    EXPECT_EQ(o.status, RespParser::Status::kError) << "chunk " << chunk;
    EXPECT_EQ(o.error, error) << "chunk " << chunk;
  }
}

void ExpectIncomplete(const std::string& input) {
  Outcome o = Feed(input, input.size());
  EXPECT_EQ(o.status, RespParser::Status::kNeedMore);
  EXPECT_EQ(o.error, "");
}

TEST(RespParserTest, Multibulk) {
  ExpectCommands("*1\r\n$4\r\nPING\r\n", {{"PING"}});
  ExpectCommands("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
                 {{"SET", "k", ""}, {"GET", "k"}});
  // Binary-safe payload.
  std::string bin("a\0\r\n*b", 6);
  ExpectCommands("*2\r\n$4\r\nECHO\r\n$6\r\n" + bin + "\r\n", {{"ECHO", bin}});
}

TEST(RespParserTest, EmptyRequestsAreSkipped) {
  ExpectCommands("*0\r\n*-5\r\n*-1\r\n*1\r\n$4\r\nPING\r\n", {{}, {}, {}, {"PING"}});
  ExpectCommands("\r\n\n  \r\nPING\n", {{}, {}, {}, {"PING"}});
}

TEST(RespParserTest, RedisLeniencies) {
  // Redis skips the two bytes after a bulk or a header's CR without checking them.
  ExpectCommands("*1\r\n$4\r\nPINGxx", {{"PING"}});
  ExpectCommands("*1\rX$4\r\nPING\r\n", {{"PING"}});
  // *N up to INT_MAX is accepted (the bulks are simply awaited).
  ExpectIncomplete("*2147483647\r\n");
  ExpectIncomplete("*1\r\n$536870912\r\n");
}

TEST(RespParserTest, MultibulkErrors) {
  const std::string mb = "Protocol error: invalid multibulk length";
  const std::string bl = "Protocol error: invalid bulk length";
  ExpectError("*2147483648\r\n", mb);
  ExpectError("*abc\r\n", mb);
  ExpectError("*01\r\n", mb);
  ExpectError("*+1\r\n", mb);
  ExpectError("*-0\r\n", mb);
  ExpectError("*\r\n", mb);
  ExpectError("*1\n$4\r\nPING\r\n", mb);  // the CR found is on the next line
  ExpectError("*1\r\n$-1\r\n", bl);
  ExpectError("*1\r\n$abc\r\n", bl);
  ExpectError("*1\r\n$04\r\n", bl);
  ExpectError("*1\r\n$-0\r\n", bl);
  ExpectError("*1\r\n$\r\n", bl);
  ExpectError("*1\r\n$4\nPING\r\n", bl);
  ExpectError("*1\r\n$536870913\r\n", bl);
  ExpectError("*1\r\nX4\r\n", "Protocol error: expected '$', got 'X'");
  ExpectError("*1\r\n*1\r\n", "Protocol error: expected '$', got '*'");
  ExpectError("*1\r\n\r\n", "Protocol error: expected '$', got ' '");
}

TEST(RespParserTest, LongHeaderLines) {
  ExpectError("*" + std::string(70000, '1'), "Protocol error: too big mbulk count string");
  ExpectError("*1\r\n$" + std::string(70000, '1'), "Protocol error: too big bulk count string");
  // The limit counts bytes from the start of the current line: exactly 64 KB is still waited for.
  ExpectIncomplete("*1\r\n" + std::string(65536, '$'));
  ExpectError("*1\r\n" + std::string(65537, '$'), "Protocol error: too big bulk count string");
  // A whole line that arrives at once is judged by its content, not its length.
  std::string whole = "*" + std::string(70000, '1') + "\r\n";
  EXPECT_EQ(Feed(whole, whole.size()).error, "Protocol error: invalid multibulk length");
  EXPECT_EQ(Feed(whole, 1000).error, "Protocol error: too big mbulk count string");
}

TEST(RespParserTest, NulHidesTheTerminatorAsInRedis) {
  ExpectIncomplete(std::string("PING\0\r\n", 7));
  ExpectIncomplete(std::string("\0PING\r\n", 7));
  std::string tail;
  for (int i = 0; i < 40000; ++i) tail += "\r\n";
  ExpectError(std::string("PING\0\r\n", 7) + tail, "Protocol error: too big inline request");
  ExpectError(std::string("*1\0\r\n", 5) + tail, "Protocol error: too big mbulk count string");
  ExpectError(std::string("*1\r\n$4\0\r\n", 9) + std::string(70000, 'x'),
              "Protocol error: too big bulk count string");
}

TEST(RespParserTest, InlineSplitting) {
  ExpectCommands("PING\r\n", {{"PING"}});
  ExpectCommands("SET  k\t v\n", {{"SET", "k", "v"}});
  ExpectCommands("ECHO a\rb\r\n", {{"ECHO", "a", "b"}});
  ExpectCommands("ECHO a\vb\r\n", {{"ECHO", "a\vb"}});  // \v is not a separator inside a word
  ExpectCommands("ECHO \v\r\n", {{"ECHO"}});            // but is skipped between words
  ExpectCommands("ECHO \"a b\"\r\n", {{"ECHO", "a b"}});
  ExpectCommands("ECHO \"\"\r\n", {{"ECHO", ""}});
  ExpectCommands("ECHO \"\\x41\\n\\q\"\r\n", {{"ECHO", "A\nq"}});
  ExpectCommands("ECHO \"\\x4g\"\r\n", {{"ECHO", "x4g"}});
  ExpectCommands("ECHO \"\\r\\t\\b\\a\\\\\\\"\"\r\n", {{"ECHO", "\r\t\b\a\\\""}});
  ExpectCommands("ECHO 'a\\'b'\r\n", {{"ECHO", "a'b"}});
  ExpectCommands("ECHO 'a\\nb'\r\n", {{"ECHO", "a\\nb"}});
  ExpectCommands("ECHO foo\"bar\"\r\n", {{"ECHO", "foobar"}});
  ExpectCommands("ECHO \"a\"\v\r\n", {{"ECHO", "a"}});
}

TEST(RespParserTest, InlineErrors) {
  const std::string uq = "Protocol error: unbalanced quotes in request";
  ExpectError("PING \"a\r\n", uq);
  ExpectError("ECHO \"a\"b\r\n", uq);
  ExpectError("ECHO 'x'y\r\n", uq);
  ExpectError("ECHO 'x\r\n", uq);
  ExpectError("ECHO \"a\\\r\n", uq);
  ExpectError(std::string(70000, 'P'), "Protocol error: too big inline request");
  ExpectIncomplete(std::string(65536, 'P'));
  // A long inline line that arrives whole is accepted.
  std::string arg(100000, 'x');
  Outcome o = Feed("ECHO " + arg + "\r\n", 200000);
  ASSERT_EQ(o.commands.size(), 1u);
  EXPECT_EQ(o.commands[0][1], arg);
}

TEST(RespParserTest, IsInline) {
  RespParser p;
  size_t consumed;
  std::string a = "PING\r\n";
  ASSERT_EQ(p.Parse(a.data(), a.size(), &consumed), RespParser::Status::kComplete);
  EXPECT_TRUE(p.is_inline());
  std::string b = "*1\r\n$4\r\nPING\r\n";
  ASSERT_EQ(p.Parse(b.data(), b.size(), &consumed), RespParser::Status::kComplete);
  EXPECT_FALSE(p.is_inline());
}

TEST(RespParserTest, BufferMayMoveBetweenCalls) {
  RespParser p;
  size_t consumed = 0;
  std::string first = "*2\r\n$4\r\nECHO\r\n$5\r\nhel";
  ASSERT_EQ(p.Parse(first.data(), first.size(), &consumed), RespParser::Status::kNeedMore);
  EXPECT_EQ(p.pending_bulk_bytes(), 4u);  // "lo\r\n"
  std::string moved = first + "lo\r\n";  // a different allocation
  first.assign(first.size(), '#');        // the old bytes must not be read again
  ASSERT_EQ(p.Parse(moved.data(), moved.size(), &consumed), RespParser::Status::kComplete);
  EXPECT_EQ(consumed, moved.size());
  ASSERT_EQ(p.args().size(), 2u);
  EXPECT_EQ(p.args()[1], "hello");
  EXPECT_GE(p.args()[1].data(), moved.data());
  EXPECT_EQ(p.pending_bulk_bytes(), 0u);
}

TEST(RespParserTest, HugeBulkInChunksIsLinear) {
  // 32 MB in 16 KB reads; a parser that rescans would take minutes.
  const size_t size = 32 << 20;
  std::string header = "*2\r\n$3\r\nSET\r\n$" + std::to_string(size) + "\r\n";
  std::string buffer;
  RespParser p;
  size_t consumed = 0;
  buffer = header;
  ASSERT_EQ(p.Parse(buffer.data(), buffer.size(), &consumed), RespParser::Status::kNeedMore);
  EXPECT_EQ(p.pending_bulk_bytes(), size + 2);
  std::string body(size, 'v');
  body += "\r\n";
  size_t sent = 0;
  RespParser::Status st = RespParser::Status::kNeedMore;
  while (sent < body.size()) {
    size_t n = std::min<size_t>(16384, body.size() - sent);
    buffer.append(body, sent, n);
    sent += n;
    st = p.Parse(buffer.data(), buffer.size(), &consumed);
    if (st != RespParser::Status::kNeedMore) break;
  }
  ASSERT_EQ(st, RespParser::Status::kComplete);
  EXPECT_EQ(consumed, buffer.size());
  ASSERT_EQ(p.args().size(), 2u);
  EXPECT_EQ(p.args()[1].size(), size);
}

TEST(RespParserTest, LimitsAreConfigurable) {
  ParseLimits limits;
  limits.max_bulk_len = 10;
  limits.max_multibulk_len = 3;
  limits.max_inline_len = 16;
  ExpectError("*4\r\n", "Protocol error: invalid multibulk length", limits);
  ExpectError("*1\r\n$11\r\n", "Protocol error: invalid bulk length", limits);
  ExpectError(std::string(17, 'x'), "Protocol error: too big inline request", limits);
  Outcome o = Feed("*3\r\n$10\r\n0123456789\r\n$0\r\n\r\n$1\r\nx\r\n", 1, limits);
  ASSERT_EQ(o.commands.size(), 1u);
}

TEST(RespParserTest, ErrorIsStickyUntilReset) {
  RespParser p;
  size_t consumed;
  std::string bad = "*x\r\n";
  EXPECT_EQ(p.Parse(bad.data(), bad.size(), &consumed), RespParser::Status::kError);
  std::string good = "PING\r\n";
  EXPECT_EQ(p.Parse(good.data(), good.size(), &consumed), RespParser::Status::kError);
  p.Reset();
  EXPECT_EQ(p.error(), "");
  EXPECT_EQ(p.Parse(good.data(), good.size(), &consumed), RespParser::Status::kComplete);
  ASSERT_EQ(p.args().size(), 1u);
  EXPECT_EQ(p.args()[0], "PING");
}

TEST(RespParserTest, ReparsingAfterCompleteGivesTheSameCommand) {
  // A paused client hands the same bytes in again.
  RespParser p;
  size_t consumed;
  std::string cmd = "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
  ASSERT_EQ(p.Parse(cmd.data(), cmd.size(), &consumed), RespParser::Status::kComplete);
  ASSERT_EQ(p.Parse(cmd.data(), cmd.size(), &consumed), RespParser::Status::kComplete);
  EXPECT_EQ(consumed, cmd.size());
  EXPECT_EQ(p.args()[0], "GET");
}

}  // namespace
}  // namespace vireo
