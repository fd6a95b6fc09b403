// ReplicationBacklog (ring of the stream's last bytes, Redis offsets) and the
// replica's handshake parsing (src/replication).
#include <gtest/gtest.h>

#include <string>

#include "replication/backlog.h"
#include "replication/sync_protocol.h"

namespace vireo {
namespace {

std::string From(const ReplicationBacklog& b, int64_t off) {
  std::string out;
  b.CopyFrom(off, &out);
  return out;
}

TEST(ReplicationBacklog, KeepsTheNewestBytesWithRedisOffsets) {
  ReplicationBacklog b(8, 100);  // next byte is offset 101
  EXPECT_EQ(b.first_byte_offset(), 101);
  EXPECT_TRUE(b.Covers(101));
  EXPECT_FALSE(b.Covers(100));
  b.Feed("abcde");
  EXPECT_EQ(b.end_offset(), 105);
  EXPECT_EQ(From(b, 101), "abcde");
  EXPECT_EQ(From(b, 104), "de");
  EXPECT_EQ(From(b, 106), "");
  EXPECT_FALSE(b.Covers(107));
  b.Feed("fghij");  // wraps: holds "cdefghij"
  EXPECT_EQ(b.histlen(), 8u);
  EXPECT_EQ(b.first_byte_offset(), 103);
  EXPECT_FALSE(b.Covers(102));
  EXPECT_EQ(From(b, 103), "cdefghij");
  EXPECT_EQ(From(b, 108), "hij");
  b.Feed("0123456789ABC");  // longer than the ring
  EXPECT_EQ(From(b, b.first_byte_offset()), "56789ABC");
  b.Resize(4);
  EXPECT_EQ(From(b, b.first_byte_offset()), "9ABC");
  EXPECT_EQ(b.end_offset(), 123);
  b.Resize(16);
  b.Feed("xy");
  EXPECT_EQ(From(b, b.first_byte_offset()), "9ABCxy");
}

TEST(SyncProtocol, PsyncRepliesAndPayloadHeaders) {
  const std::string id(40, 'a');
  PsyncReply r = ParsePsyncReply("+FULLRESYNC " + id + " 1234");
  EXPECT_EQ(r.kind, PsyncReply::kFullResync);
  EXPECT_EQ(r.replid, id);
  EXPECT_EQ(r.offset, 1234);
  EXPECT_EQ(ParsePsyncReply("+FULLRESYNC " + id + " x").kind, PsyncReply::kError);
  EXPECT_EQ(ParsePsyncReply("+FULLRESYNC short 1").kind, PsyncReply::kError);
  r = ParsePsyncReply("+CONTINUE " + id);
  EXPECT_EQ(r.kind, PsyncReply::kContinue);
  EXPECT_EQ(r.replid, id);
  EXPECT_EQ(ParsePsyncReply("+CONTINUE").replid, "");
  EXPECT_EQ(ParsePsyncReply("-NOMASTERLINK Can't SYNC while not connected with my master").kind,
            PsyncReply::kTryLater);
  EXPECT_EQ(ParsePsyncReply("-ERR unknown command").kind, PsyncReply::kError);

  PayloadHeader h;
  ASSERT_TRUE(ParsePayloadHeader("$12", &h));
  EXPECT_FALSE(h.eof_marked);
  EXPECT_EQ(h.size, 12u);
  ASSERT_TRUE(ParsePayloadHeader("$EOF:" + id, &h));
  EXPECT_TRUE(h.eof_marked);
  EXPECT_FALSE(ParsePayloadHeader("$EOF:short", &h));
  EXPECT_FALSE(ParsePayloadHeader("$-1", &h));
  EXPECT_FALSE(ParsePayloadHeader("+OK", &h));
  EXPECT_FALSE(ParsePayloadHeader("$99999999999999999999", &h));
}

TEST(SyncProtocol, LinesAndFraming) {
  std::string buf = "\n+PONG\r\n+OK\r\npartial";
  std::string line;
  bool too_long;
  ASSERT_TRUE(TakeLine(&buf, &line, &too_long));
  EXPECT_EQ(line, "");
  ASSERT_TRUE(TakeLine(&buf, &line, &too_long));
  EXPECT_EQ(line, "+PONG");
  ASSERT_TRUE(TakeLine(&buf, &line, &too_long));
  EXPECT_FALSE(TakeLine(&buf, &line, &too_long));
  EXPECT_FALSE(too_long);
  std::string huge(kMaxHandshakeLine + 10, 'x');
  EXPECT_FALSE(TakeLine(&huge, &line, &too_long));
  EXPECT_TRUE(too_long);

  PayloadHeader sized;
  sized.size = 5;
  PayloadFraming f(sized);
  EXPECT_EQ(f.Feed("abc", 3), 3u);
  EXPECT_FALSE(f.done());
  EXPECT_EQ(f.Feed("de*1\r\n", 6), 2u);  // the stream follows the payload
  EXPECT_TRUE(f.done());

  const std::string mark(40, 'm');
  PayloadHeader marked;
  marked.eof_marked = true;
  marked.mark = mark;
  PayloadFraming g(marked);
  const std::string body = "REDIS0010..." + mark;
  // The mark split across reads is still found.
  EXPECT_EQ(g.Feed(body.data(), 30), 30u);
  EXPECT_FALSE(g.done());
  EXPECT_EQ(g.Feed(body.data() + 30, body.size() - 30), body.size() - 30);
  EXPECT_TRUE(g.done());
}

}  // namespace
}  // namespace vireo
